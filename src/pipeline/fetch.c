/* etlc_connector_fetch: a thin driver of the run: the connector's fetch
 * into one sink of the run's lake, and the IngestionResult, also on failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/connector_internal.h"
#include "pipeline/capabilities.h"
#include "pipeline/fetch_scan.h"
#include "pipeline/run.h"
#include "sinks/sink_formats.h"

/* First 12 hex digits of SHA-256 over the query and its parameters, so a
 * re-run of the same request lands under the same names. */
static int request_hash(const etlc_fetch_request *req, char out[13])
{
    etlc__buf b = {0};
    int rc = etlc__buf_printf(&b, "q:%s\n", req->query ? req->query : "");
    for (size_t i = 0; i < req->nparams && rc == 0; i++) {
        const etlc_param *p = &req->params[i];
        rc = etlc__buf_printf(&b, "p%zu:%s:", i, etlc_type_name(p->type));
        if (rc != 0)
            break;
        switch (p->type) {
        case ETLC_TYPE_NULL: break;
        case ETLC_TYPE_BOOL:
        case ETLC_TYPE_INT64:
        case ETLC_TYPE_DATE:
        case ETLC_TYPE_TIMESTAMP: rc = etlc__buf_printf(&b, "%lld", (long long)p->i64); break;
        case ETLC_TYPE_DOUBLE: rc = etlc__buf_printf(&b, "%.17g", p->f64); break;
        default:
            rc = etlc__buf_printf(&b, "%zu:", p->len);
            if (rc == 0 && p->len)
                rc = etlc__buf_append(&b, p->data, p->len);
            break;
        }
        if (rc == 0)
            rc = etlc__buf_putc(&b, '\n');
    }
    if (rc != 0) {
        etlc__buf_free(&b);
        return ETLC_NO_MEMORY;
    }
    char hex[65];
    int hash_rc = etlc__sha256_hex(b.data, b.len, hex);
    etlc__buf_free(&b);
    if (hash_rc != 0) /* OpenSSL out of memory: hex is "" */
        return ETLC_NO_MEMORY;
    memcpy(out, hex, 12);
    out[12] = '\0';
    return 0;
}

/* Run the connector's fetch into a sink of the run, then commit or discard. */
static int fetch_into(etlc__run *run, const etlc_fetch_request *req, const etlc_sink_options *sopts, etlc_error *e)
{
    etlc_connector *c = etlc__run_connector(run);
    etlc__run_tap tap = {.run = run};
    int rc = etlc__run_sink_open(run, sopts, &tap.sink, e);
    if (rc != 0)
        return rc;
    etlc_fetch_request r = *req;
    r.decimals_scaled = etlc__sink_reads_scaled_decimals(tap.sink); /* Parquet: no decimal text */
    etlc__connector_enter(c); /* no lock for a connector whose pool serves threads in parallel */
    rc = etlc__fetch_rows(c, &r, etlc__run_sink_consumer(&tap), e); /* or a scan: scan_partitions */
    etlc__connector_leave(c);
    /* Requested during the last batch, or the connector interrupted the
     * server for it: either way the run was cancelled and nothing is kept. */
    if (etlc_cancel_requested(etlc__run_cancel_token(run)))
        rc = etlc__run_cancelled(run, e);
    if (rc != 0) {
        etlc_sink_abort(tap.sink);
        return rc;
    }
    return etlc__run_sink_commit(run, tap.sink, e);
}

int etlc_connector_fetch(etlc_connector *c, const etlc_fetch_request *req,
                         const etlc_land_options *land, etlc_result **result, etlc_error *err)
{
    if (result)
        *result = NULL;
    if (!c || !req || !result)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "etlc_connector_fetch needs a connector, a request and a result pointer");
    if (land && (land->parse || land->keep_raw) && !c->ops->bytes)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "parse/keep_raw (--parse, --keep-raw) apply to "
                              "file-shaped protocols; '%s' fetches records already", c->ops->name);
    if (land && land->parse && strcmp(land->parse, "csv") != 0 && strcmp(land->parse, "jsonl") != 0 &&
        strcmp(land->parse, "parquet") != 0)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "parse '%s': give csv, jsonl or parquet", land->parse);
    if (!c->ops->fetch) /* bytes, records or stream: fetch_dispatch.c */
        return etlc__fetch_by_capability(c, req, land, result, err);
    char qhash[13];
    if (request_hash(req, qhash) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory hashing the request");
    etlc__run *run = NULL;
    int rc = etlc__run_begin(c, "fetch", req->query, land, &run, err);
    if (rc != 0)
        return rc;
    etlc_fetch_request effective = *req;
    if (!effective.batch_rows)
        effective.batch_rows = 10000;
    if (etlc__run_cancel_token(run)) /* the connector may break a server wait with it */
        effective.cancel = etlc__run_cancel_token(run);
    etlc_sink_options sopts;
    etlc__run_sink_options(run, qhash, NULL, &sopts);
    etlc_error e = {0};
    rc = fetch_into(run, &effective, &sopts, &e);
    return etlc__run_end(run, rc, &e, result, err);
}
