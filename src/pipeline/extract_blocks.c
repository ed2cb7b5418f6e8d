/* Partitions of a full PostgreSQL table read without a partition column:
 * N contiguous ranges of the table's heap blocks, each read with
 * `ctid >= '(lo,0)' AND ctid < '(hi,0)'` in the shared snapshot (what DuckDB
 * does). No index is needed and every session scans only its own blocks:
 * PostgreSQL 14 added the TID range scan that makes this so. Older servers
 * would scan the whole table in every session, so they are refused. */
#include <stdio.h>
#include <string.h>

#include "core/connector_internal.h"
#include "pipeline/extract_internal.h"

#define EXT_MIN_TID_RANGE_VERSION 140000

bool etlc__ext_block_partitions(const etlc_sql_ops *sql, const etlc_extract_options *o)
{
    return sql && sql->dialect && strcmp(sql->dialect, "postgresql") == 0 && o->table && !o->query &&
           !o->watermark && o->nkeys == 0 && !o->partition_on;
}

/* One integer from a query in the run's snapshot. */
static int snapshot_int(ext_job *job, const char *sql, const etlc_param *params, size_t nparams,
                        int64_t *out, etlc_error *err)
{
    etlc_value v = {0};
    etlc_fetch_request req = {.query = sql, .params = params, .nparams = nparams, .batch_rows = 1,
                              .cancel = etlc__run_cancel_token(job->run)};
    int rc = job->sql->snapshot_scalar(job->c->ctx, job->main_snap, &req, &v, err);
    if (rc == 0 && v.type != ETLC_TYPE_INT64)
        rc = etlc_error_set(err, ETLC_INTERNAL, "'%s' returned a %s, not an integer", sql,
                            etlc_type_name(v.type));
    if (rc == 0)
        *out = v.i64;
    etlc_value_clear(&v);
    return rc;
}

int etlc__ext_block_slices(ext_job *job, etlc_error *err)
{
    int64_t version = 0, nblocks = 0;
    int rc = snapshot_int(job, "SELECT current_setting('server_version_num')::int8", NULL, 0, &version, err);
    if (rc == 0 && version < EXT_MIN_TID_RANGE_VERSION)
        return etlc_error_set(err, ETLC_UNSUPPORTED,
                              "partitions without a partition column split the table on its heap blocks, "
                              "which needs PostgreSQL 14 or later (this server is %lld: every partition "
                              "would scan the whole table); give --partition-on COLUMN",
                              (long long)version);
    /* The quoted name as a bound parameter: no quoting of our own to get wrong. */
    etlc_param rel = {.type = ETLC_TYPE_TEXT, .data = job->plan.relation, .len = strlen(job->plan.relation)};
    if (rc == 0)
        rc = snapshot_int(job, "SELECT pg_relation_size($1::text::regclass) / "
                               "current_setting('block_size')::int8", &rel, 1, &nblocks, err);
    if (rc)
        return rc;
    /* Blocks added after this count hold no row of the snapshot, but the
     * last range stays open anyway, as the first starts at block 0. */
    unsigned n = job->nparts;
    for (unsigned i = 0; i < n; i++) {
        ext_slice *s = &job->parts[i].slice;
        s->kind = EXT_SLICE_BLOCKS;
        s->has_lo = i > 0;
        s->has_hi = i + 1 < n;
        s->lo = (int64_t)((unsigned __int128)nblocks * i / n);
        s->hi = (int64_t)((unsigned __int128)nblocks * (i + 1) / n);
    }
    etlc_log(ETLC_LOG_INFO, "extract", "%u partitions over the %lld heap blocks of %s", n,
             (long long)nblocks, job->o->table);
    return 0;
}
