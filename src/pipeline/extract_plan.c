/* Extraction, phase "plan": check the options, name the definition, open
 * its checkpoint (the hold: one run at a time) and find where this run
 * starts, or which interrupted run it finishes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/connector_internal.h"
#include "pipeline/extract_internal.h"

int etlc__ext_check_options(const etlc_connector *c, const etlc_extract_options *o, etlc_error *err)
{
    const etlc_connector_ops *ops = c->ops;
    if (!ops->sql)
        return etlc_error_set(err, ETLC_UNSUPPORTED,
                              "protocol '%s' has no SQL support: extract needs a SQL connector (sqlite, postgres, mysql)",
                              ops->name);
    if (o->watermark && o->nkeys == 0)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "a watermark needs a unique tie-breaker key column (--key), so rows sharing one "
                              "watermark value are paged exactly once");
    if (!o->watermark && o->initial)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "an initial value needs a watermark column");
    if (!o->watermark && o->lag)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "a lag needs a watermark column");
    int64_t ms;
    double val;
    int lag_kind = o->lag ? etlc__ext_parse_lag(o->lag, &ms, &val) : 0;
    if (lag_kind < 0)
        return etlc__ext_lag_error(o->lag, lag_kind, err);
    if (o->partitions > 1 && o->slice_count)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "give either partitions N or a single slice I/N, not both");
    if (o->slice_count && !o->partition_on)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "a slice I/N needs a partition column (--partition-on)");
    if (o->partitions > 1 && !o->partition_on && !etlc__ext_block_partitions(ops->sql, o))
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "partitioning needs a partition column (--partition-on); without one, only a "
                              "full read of a PostgreSQL table (--table, no --watermark, no --key) is split "
                              "on its heap blocks");
    if (o->partition_on && o->partitions <= 1 && !o->slice_count)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "a partition column needs partitions N > 1 or a slice I/N");
    if (o->slice_count && o->slice_index >= o->slice_count)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "slice %u/%u: the index must be below the count",
                              o->slice_index, o->slice_count);
    if (o->partitions > 64)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "at most 64 partitions (%u given)", o->partitions);
    if (o->wait_ms < 0)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "a negative wait for the checkpoint's hold");
    return 0;
}

int etlc__ext_hash16(const char *text, char out[17])
{
    char hex[65];
    if (etlc__sha256_hex(text, strlen(text), hex) != 0)
        return -1;
    memcpy(out, hex, 16);
    out[16] = '\0';
    return 0;
}

/* The text the definition hash is made of: what makes two runs the same
 * extraction (their cursors compare). */
static char *definition_text(const etlc_extract_options *o)
{
    etlc__buf b = {0};
    int rc = etlc__buf_printf(&b, "%s:%s\nwatermark:%s\n", o->table ? "table" : "query",
                              o->table ? o->table : o->query, o->watermark ? o->watermark : "");
    for (size_t i = 0; i < o->nkeys && rc == 0; i++)
        rc = etlc__buf_printf(&b, "key:%s\n", o->keys[i]);
    if (rc == 0 && o->slice_count)
        rc = etlc__buf_printf(&b, "slice:%u/%u on %s\n", o->slice_index, o->slice_count, o->partition_on);
    if (rc) {
        etlc__buf_free(&b);
        return NULL;
    }
    return etlc__buf_take(&b);
}

static int parse_initial(const char *s, etlc_value *v, etlc_error *err)
{
    memset(v, 0, sizeof *v);
    char *end;
    errno = 0;
    long long i = strtoll(s, &end, 10);
    if (*s && *end == '\0' && errno != ERANGE) {
        v->type = ETLC_TYPE_INT64;
        v->i64 = i;
        return 0;
    }
    double d = strtod(s, &end);
    if (*s && *end == '\0') {
        v->type = ETLC_TYPE_DOUBLE;
        v->f64 = d;
        return 0;
    }
    v->type = ETLC_TYPE_TEXT;
    v->len = strlen(s);
    v->data = etlc__strdup(s);
    return v->data ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory copying the initial value");
}

/* --state PATH, else the lake (the old default place is read on upgrade). */
static int open_checkpoint(ext_job *job, etlc_error *err)
{
    char legacy[64];
    snprintf(legacy, sizeof legacy, "_state/extract-%s.json", job->def_hash);
    etlc__checkpoint_place where = {.local_path = job->o->state_path, .legacy_relpath = legacy};
    etlc__checkpoint_options opts = {.kind = "sql", .definition = job->def_hash, .wait_ms = job->o->wait_ms};
    return etlc__run_checkpoint_open(job->run, &where, &opts, err);
}

/* The start cursor: after the stored position, or --initial on a first run. */
static int find_start(ext_job *job, etlc_error *err)
{
    json_t *pos = etlc__checkpoint_position(etlc__run_checkpoint(job->run));
    int rc = 0;
    if (pos && job->o->watermark)
        rc = etlc__ext_cursor_from_json(json_object_get(pos, "cursor"), &job->start, err);
    else if (!pos && job->o->initial) {
        job->start.kind = EXT_CURSOR_FROM_VALUE;
        job->start.n = 1;
        rc = parse_initial(job->o->initial, &job->start.v[0], err);
    }
    if (rc)
        return rc;
    json_t *cj = etlc__ext_cursor_json(&job->start);
    job->start_text = cj ? etlc__ext_json_text(cj) : NULL;
    json_decref(cj);
    return job->start_text ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the cursor");
}

/* An interrupted run of the same definition from the same cursor: reuse
 * its upper bound and run id, so its files are rebuilt under the same names. */
static void find_resume(ext_job *job)
{
    etlc__checkpoint *cp = etlc__run_checkpoint(job->run);
    json_t *pending = etlc__checkpoint_pending(cp);
    if (!pending)
        return;
    const char *pdef = json_string_value(json_object_get(pending, "definition"));
    char *pstart = etlc__ext_json_text(json_object_get(pending, "start_cursor"));
    const char *prun = json_string_value(json_object_get(pending, "run_id"));
    job->resume = pdef && strcmp(pdef, job->def_hash) == 0 && pstart && strcmp(pstart, job->start_text) == 0 &&
                  prun && strlen(prun) == 16 && json_integer_value(json_object_get(pending, "runs")) == job->runs &&
                  json_integer_value(json_object_get(pending, "partitions")) == job->nparts &&
                  etlc__ext_value_from_json(json_object_get(pending, "upper_bound"), &job->upper, NULL) == 0;
    free(pstart);
    if (job->resume) {
        snprintf(job->run_id, sizeof job->run_id, "%s", prun);
        etlc_log(ETLC_LOG_INFO, "extract", "resuming interrupted run %s (same upper bound, same file names)",
                 job->run_id);
    } else {
        etlc_value_clear(&job->upper);
    }
}

int etlc__ext_plan_phase(ext_job *job, etlc_error *err)
{
    char *def_text = definition_text(job->o);
    int bad = !def_text || etlc__ext_hash16(def_text, job->def_hash) != 0;
    free(def_text);
    if (bad)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting the extraction");
    int rc = open_checkpoint(job, err);
    if (rc)
        return rc;
    job->runs = etlc__checkpoint_runs(etlc__run_checkpoint(job->run));
    rc = find_start(job, err);
    if (rc)
        return rc;
    find_resume(job);
    return 0;
}
