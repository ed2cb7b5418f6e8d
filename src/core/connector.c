/* Connector objects: open/close around an ops table, health checks, and
 * fetch-and-land into a lake sink producing the IngestionResult. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/connector_internal.h"

static int connector_new(const etlc_connector_ops *ops, etlc_connector **out, etlc_error *err)
{
    etlc_connector *c = calloc(1, sizeof *c);
    if (!c)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating a %s connector",
                              ops->name);
    c->ctx = calloc(1, ops->context_size ? ops->context_size : 1);
    if (!c->ctx) {
        free(c);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating a %s connector",
                              ops->name);
    }
    if (pthread_mutex_init(&c->use_lock, NULL) != 0) {
        free(c->ctx);
        free(c);
        return etlc_error_set(err, ETLC_INTERNAL, "cannot create a lock for a %s connector",
                              ops->name);
    }
    c->ops = ops;
    *out = c;
    return 0;
}

static void connector_free(etlc_connector *c)
{
    pthread_mutex_destroy(&c->use_lock);
    free(c->ctx);
    etlc_config_free(c->owned_cfg);
    free(c);
}

static int connector_open(const etlc_connector_ops *ops, const etlc_config *cfg,
                          etlc_config *owned, etlc_connector **out, etlc_error *err)
{
    etlc_connector *c = NULL;
    int rc = connector_new(ops, &c, err);
    if (rc != 0) {
        etlc_config_free(owned);
        return rc;
    }
    c->cfg = cfg;
    c->owned_cfg = owned;
    rc = ops->connect(c->ctx, cfg, err);
    if (rc != 0) {
        if (err && err->code == 0)
            etlc_error_set(err, rc, "%s: connect failed", ops->name);
        ops->close(c->ctx); /* close is safe after a failed or partial connect */
        connector_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

int etlc_connector_open(const etlc_connector_ops *ops, const etlc_config *cfg,
                        etlc_connector **out, etlc_error *err)
{
    if (out)
        *out = NULL;
    if (!ops || !cfg || !out)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "etlc_connector_open needs ops, a config and an out pointer");
    return connector_open(ops, cfg, NULL, out, err);
}

int etlc__connector_open_owned(const etlc_connector_ops *ops, etlc_config *cfg,
                               etlc_connector **out, etlc_error *err)
{
    *out = NULL;
    return connector_open(ops, cfg, cfg, out, err);
}

void etlc__connector_destroy(etlc_connector *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->use_lock);
    c->ops->close(c->ctx);
    pthread_mutex_unlock(&c->use_lock);
    connector_free(c);
}

bool etlc__connector_alive(etlc_connector *c)
{
    if (!c->ops->alive)
        return true;
    pthread_mutex_lock(&c->use_lock);
    bool alive = c->ops->alive(c->ctx);
    pthread_mutex_unlock(&c->use_lock);
    return alive;
}

void etlc_connector_release(etlc_connector *c)
{
    if (!c)
        return;
    if (c->cached)
        etlc__cache_release(c);
    else
        etlc__connector_destroy(c);
}

const etlc_connector_ops *etlc_connector_ops_of(const etlc_connector *c) { return c ? c->ops : NULL; }

const etlc_config *etlc_connector_config(const etlc_connector *c) { return c ? c->cfg : NULL; }

int etlc_connector_test(etlc_connector *c, etlc_health *health, etlc_error *err)
{
    if (!c || !health)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "etlc_connector_test needs a connector and a health struct");
    memset(health, 0, sizeof *health);
    int64_t t0 = etlc_now_us();
    int rc = 0;
    pthread_mutex_lock(&c->use_lock);
    if (c->ops->test) {
        rc = c->ops->test(c->ctx, health, err);
    } else {
        /* No health check of its own: being connected is all we know. */
        health->healthy = c->ops->alive ? c->ops->alive(c->ctx) : true;
        snprintf(health->detail, sizeof health->detail, "connected (the %s connector has no health check)", c->ops->name);
    }
    pthread_mutex_unlock(&c->use_lock);
    if (health->latency_ms <= 0.0)
        health->latency_ms = (double)(etlc_now_us() - t0) / 1000.0;
    /* The detail may quote server text: keep it free of secrets. */
    char clean[sizeof health->detail];
    etlc_redact(health->detail, clean, sizeof clean);
    memcpy(health->detail, clean, sizeof clean);
    return rc;
}

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
    etlc__sha256_hex(b.data, b.len, hex);
    etlc__buf_free(&b);
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

/* Run the connector's fetch into an open sink, then commit or discard. */
static int fetch_into(etlc_connector *c, const etlc_fetch_request *req, etlc_lake *lake,
                      const etlc_sink_options *sopts, etlc_result *r, etlc_error *e)
{
    etlc_sink *sink = NULL;
    int rc = etlc_sink_open(lake, sopts, &sink, e);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&c->use_lock);
    rc = c->ops->fetch(c->ctx, req, etlc_sink_consumer(sink), e);
    pthread_mutex_unlock(&c->use_lock);
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
        pthread_mutex_lock(&c->use_lock);
        c->ops->source_name(c->ctx, source, sizeof source);
        pthread_mutex_unlock(&c->use_lock);
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
    if (!sopts.vars.query_hash) {
        if (request_hash(req, qhash) != 0) {
            etlc_result_free(r);
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory hashing the request");
        }
        sopts.vars.query_hash = qhash;
    }
    const char *root = land && land->lake_root ? land->lake_root : "./lake";
    etlc_lake *lake = NULL;
    rc = etlc_lake_open_local(root, &lake, &e);
    if (rc == 0)
        rc = fetch_into(c, &effective, lake, &sopts, r, &e);
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
