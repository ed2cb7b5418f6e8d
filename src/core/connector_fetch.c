/* etlc_connector_fetch: run a connector's fetch into a lake sink and
 * produce the IngestionResult, also on failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/connector_internal.h"

/* ---- fetch and land -------------------------------------------------------- */

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

static void utc_date(int64_t micros, char out[16])
{
    time_t secs = (time_t)(micros / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* Stops at a requested cancel before each batch, counts what passes to the
 * sink and reports it to the caller's progress hook. */
typedef struct progress_tap {
    etlc_batch_consumer inner;
    etlc_progress_fn fn;
    void *userdata;
    const etlc_cancel *cancel;
    uint64_t records, batches;
} progress_tap;

static int progress_on_batch(void *ud, const etlc_batch *batch, etlc_error *err)
{
    progress_tap *tap = ud;
    int rc = etlc__cancel_check(tap->cancel, err);
    if (rc == 0)
        rc = tap->inner.on_batch(tap->inner.userdata, batch, err);
    if (rc == 0 && tap->fn) {
        tap->records += batch->nrows;
        tap->batches++;
        tap->fn(tap->userdata, tap->records, tap->batches);
    }
    return rc;
}

/* Run the connector's fetch into an open sink, then commit or discard. */
static int fetch_into(etlc_connector *c, const etlc_fetch_request *req, etlc_lake *lake,
                      const etlc_sink_options *sopts, const etlc_land_options *land, etlc_result *r,
                      etlc_error *e)
{
    etlc_sink *sink = NULL;
    int rc = etlc_sink_open(lake, sopts, &sink, e);
    if (rc != 0)
        return rc;
    etlc_batch_consumer consumer = etlc_sink_consumer(sink);
    progress_tap tap = {.inner = consumer};
    if (land && (land->progress || land->cancel)) {
        tap.fn = land->progress;
        tap.userdata = land->progress_userdata;
        tap.cancel = land->cancel;
        consumer = (etlc_batch_consumer){.on_batch = progress_on_batch, .userdata = &tap};
    }
    etlc__connector_enter(c); /* no lock for a connector whose pool serves threads in parallel */
    rc = c->ops->fetch(c->ctx, req, consumer, e);
    etlc__connector_leave(c);
    /* Requested during the last batch, or the connector interrupted the
     * server for it: either way the run was cancelled and nothing is kept. */
    if (land && etlc_cancel_requested(land->cancel))
        rc = etlc__cancel_check(land->cancel, e);
    if (rc != 0) {
        if (e->code == 0)
            etlc_error_set(e, rc, "%s: fetch failed", c->ops->name);
        etlc_sink_abort(sink);
        return rc;
    }
    return etlc_sink_finish(sink, r, e);
}

int etlc_connector_fetch(etlc_connector *c, const etlc_fetch_request *req,
                         const etlc_land_options *land, etlc_result **result, etlc_error *err)
{
    if (result)
        *result = NULL;
    if (!c || !req || !result)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "etlc_connector_fetch needs a connector, a request and a result pointer");
    etlc_error e = {0};
    char source[256] = "";
    if (c->ops->source_name) {
        etlc__connector_enter(c);
        c->ops->source_name(c->ctx, source, sizeof source);
        etlc__connector_leave(c);
    }
    if (!source[0])
        snprintf(source, sizeof source, "%s", c->ops->name);

    etlc_result *r = NULL;
    int rc = etlc_result_new(c->ops->name, source, req->query, &r, err);
    if (rc != 0)
        return rc;

    etlc_fetch_request effective = *req;
    if (!effective.batch_rows)
        effective.batch_rows = 10000;
    if (land && land->cancel)
        effective.cancel = land->cancel;
    etlc_sink_options sopts = {0};
    if (land)
        sopts = land->sink;
    char date[16], qhash[13];
    utc_date(r->started_at_us, date);
    if (!sopts.vars.protocol)
        sopts.vars.protocol = c->ops->name;
    if (!sopts.vars.source)
        sopts.vars.source = source;
    if (!sopts.vars.date)
        sopts.vars.date = date;
    if (!sopts.query)
        sopts.query = req->query;
    if (!sopts.vars.query_hash) {
        if (request_hash(req, qhash) != 0) {
            etlc_result_free(r);
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory hashing the request");
        }
        sopts.vars.query_hash = qhash;
    }
    const char *root = land && land->lake_root ? land->lake_root : "./lake";
    etlc_lake *lake = NULL;
    /* "s3://bucket/prefix" lands in S3 (settings from AWS_* env), else a local directory. */
    rc = etlc_lake_open_uri(root, NULL, &lake, &e);
    if (rc == 0)
        rc = fetch_into(c, &effective, lake, &sopts, land, r, &e);
    etlc_lake_free(lake);
    if (rc != 0) {
        etlc_log(ETLC_LOG_WARN, c->ops->name, "fetch failed: %s", e.message);
        if (etlc_result_add_error(r, rc, e.message, NULL) != 0) {
            etlc_result_free(r);
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory recording a fetch error");
        }
        if (err)
            *err = e;
    }
    etlc_result_finish(r);
    *result = r;
    return rc;
}
