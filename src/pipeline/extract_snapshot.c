/* Extraction, phase "snapshot": one consistent read snapshot, the upper
 * bound U = max(watermark) - lag taken in it, the run id that names the
 * files, and the range slices of a partitioned read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/connector_internal.h"
#include "core/json_load.h"
#include "pipeline/extract_internal.h"

static int scalar(ext_job *job, ext_stmt *st, etlc_value *out, etlc_error *err)
{
    etlc_fetch_request req = {.query = st->sql.data, .params = st->params, .nparams = st->nparams, .batch_rows = 1,
                              .cancel = etlc__run_cancel_token(job->run)};
    int rc = job->sql->snapshot_scalar(job->c->ctx, job->main_snap, &req, out, err);
    etlc__ext_stmt_free(st);
    return rc;
}

static int upper_bound(ext_job *job, etlc_error *err)
{
    ext_stmt st;
    etlc_value max = {0};
    int rc = etlc__ext_agg_sql(&job->plan, "MAX", job->plan.cur[0], &st, err);
    rc = rc ? rc : scalar(job, &st, &max, err);
    rc = rc ? rc : etlc__ext_check_start_type(job, &max, err);
    if (rc == 0 && job->o->lag)
        rc = etlc__ext_apply_lag(&max, job->o->lag, &job->upper, err);
    else if (rc == 0)
        job->upper = max, max.data = NULL;
    etlc_value_clear(&max);
    return rc;
}

/* The run id: a hash of what the run reads (definition, start, bound, run
 * number, partitions), so a re-run of the same read has the same names. */
static int name_run(ext_job *job, etlc_error *err)
{
    json_t *uj = etlc__ext_value_json(&job->upper);
    char *ut = etlc__ext_json_text(uj);
    json_decref(uj);
    etlc__buf idb = {0};
    int bad = !uj || !ut ||
              etlc__buf_printf(&idb, "%s\n%s\n%s\n%lld\n%u", job->def_hash, job->start_text, ut ? ut : "",
                               (long long)job->runs, job->nparts);
    free(ut);
    bad = bad || etlc__ext_hash16(idb.data, job->run_id) != 0;
    etlc__buf_free(&idb);
    if (bad)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming the run");
    return etlc__ext_json_check(job, "naming the run", err);
}

int etlc__ext_snapshot_phase(ext_job *job, etlc_error *err)
{
    etlc_lake *lake = NULL;
    int rc = etlc__run_lake(job->run, &lake, err); /* opened here, on the driver's thread */
    rc = rc ? rc
            : job->sql->snapshot_begin(job->c->ctx, NULL, &job->main_snap,
                                       job->nparts > 1 ? job->token : NULL, err);
    if (rc == 0 && !job->resume && job->o->watermark)
        rc = upper_bound(job, err);
    if (rc == 0 && !job->resume)
        rc = name_run(job, err);
    return rc;
}

static int value_as_int(const etlc_value *v, int64_t *out)
{
    if (v->type == ETLC_TYPE_INT64) {
        *out = v->i64;
        return 0;
    }
    if ((v->type == ETLC_TYPE_TEXT || v->type == ETLC_TYPE_DECIMAL) && v->data) {
        char *end;
        long long x = strtoll(v->data, &end, 10);
        if (*end == '\0' && end != v->data) {
            *out = x;
            return 0;
        }
    }
    return -1;
}

/* The first row's two cells of a MIN/MAX query. */
typedef struct minmax_capture {
    etlc_value *lo, *hi;
    bool seen;
} minmax_capture;

static int minmax_on_batch(void *ud, const etlc_batch *batch, etlc_error *err)
{
    minmax_capture *cap = ud;
    if (cap->seen || batch->nrows == 0)
        return 0;
    if (batch->ncols < 2)
        return etlc_error_set(err, ETLC_INTERNAL, "the MIN/MAX query returned %zu column(s)", batch->ncols);
    cap->seen = true;
    int rc = etlc__value_copy_cell(batch, 0, 0, cap->lo, err);
    return rc ? rc : etlc__value_copy_cell(batch, 1, 0, cap->hi, err);
}

/* MIN and MAX of the partition column from one query: one scan of the
 * table without an index. */
static int partition_span(ext_job *job, int64_t *min, int64_t *max, etlc_error *err)
{
    etlc_value lo = {0}, hi = {0};
    ext_stmt st;
    int rc = etlc__ext_minmax_sql(&job->plan, job->plan.part, &st, err);
    if (rc == 0) {
        minmax_capture cap = {.lo = &lo, .hi = &hi};
        etlc_fetch_request req = {.query = st.sql.data, .params = st.params, .nparams = st.nparams, .batch_rows = 1,
                                  .cancel = etlc__run_cancel_token(job->run)};
        rc = job->sql->snapshot_fetch(job->c->ctx, job->main_snap, &req,
                                      (etlc_batch_consumer){.on_batch = minmax_on_batch, .userdata = &cap}, err);
        etlc__ext_stmt_free(&st);
    }
    *min = *max = 0;
    if (rc == 0 && lo.type != ETLC_TYPE_NULL && (value_as_int(&lo, min) || value_as_int(&hi, max)))
        rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                            "partition column '%s' must hold integers (its minimum is a %s)",
                            job->o->partition_on, etlc_type_name(lo.type));
    etlc_value_clear(&lo);
    etlc_value_clear(&hi);
    return rc;
}

/* N contiguous ranges over [min, max]; the first also takes NULLs and
 * everything below, the last everything above: every row lands in one. */
int etlc__ext_range_slices(ext_job *job, etlc_error *err)
{
    int64_t min, max;
    int rc = partition_span(job, &min, &max, err);
    if (rc)
        return rc;
    unsigned n = job->nparts;
    unsigned __int128 span = (unsigned __int128)((__int128)max - min + 1);
    for (unsigned i = 0; i < n; i++) {
        ext_slice *s = &job->parts[i].slice;
        s->kind = EXT_SLICE_RANGE;
        s->has_lo = i > 0;
        s->has_hi = i + 1 < n;
        s->lo = (int64_t)((__int128)min + (__int128)(span * i / n));
        s->hi = (int64_t)((__int128)min + (__int128)(span * (i + 1) / n));
    }
    etlc_log(ETLC_LOG_INFO, "extract", "%u partitions over %s in [%lld, %lld]", n, job->o->partition_on,
             (long long)min, (long long)max);
    return 0;
}
