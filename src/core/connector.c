/* Connector objects: open/close around an ops table, one-thread-at-a-time
 * use (unless the connector is ETLC_CONNECTOR_CONCURRENT), health checks.
 * Fetch-and-land is the pipeline's (src/pipeline/fetch.c). */
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
    etlc__connector_enter(c);
    bool alive = c->ops->alive(c->ctx);
    etlc__connector_leave(c);
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
    double t0 = etlc__monotonic_ms();
    int rc = 0;
    etlc__connector_enter(c);
    if (c->ops->test) {
        rc = c->ops->test(c->ctx, health, err);
    } else {
        /* No health check of its own: being connected is all we know. */
        health->healthy = c->ops->alive ? c->ops->alive(c->ctx) : true;
        snprintf(health->detail, sizeof health->detail, "connected (the %s connector has no health check)", c->ops->name);
    }
    etlc__connector_leave(c);
    if (health->latency_ms <= 0.0)
        health->latency_ms = etlc__monotonic_ms() - t0;
    /* The detail may quote server text: keep it free of secrets. */
    char clean[sizeof health->detail];
    etlc_redact(health->detail, clean, sizeof clean);
    memcpy(health->detail, clean, sizeof clean);
    return rc;
}
