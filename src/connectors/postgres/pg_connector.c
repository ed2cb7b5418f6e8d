/* The PostgreSQL connector: connect (pool), health check, fetch, close. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_internal.h"

static void pg_close(void *vctx)
{
    pg_ctx *ctx = vctx;
    etlc__pg_pool_destroy(&ctx->pool); /* safe on a zeroed or half-made pool */
    free(ctx->database);
    free(ctx->endpoint);
    ctx->database = ctx->endpoint = NULL;
}

static int pg_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    pg_ctx *ctx = vctx;
    const char *mode = etlc_config_get_string(cfg, "fetch_mode");
    ctx->fetch_mode = mode && strcmp(mode, "copy") == 0 ? PG_FETCH_COPY
                    : mode && strcmp(mode, "rows") == 0 ? PG_FETCH_ROWS
                                                        : PG_FETCH_AUTO;
    const char **keys = NULL;
    char **values = NULL;
    int expand = 0;
    int rc = etlc__pg_conninfo(cfg, &keys, &values, &expand, err);
    if (rc != 0)
        return rc;
    int64_t pmin = etlc_config_get_int(cfg, "pool_min"), pmax = etlc_config_get_int(cfg, "pool_max");
    if (pmin > pmax) {
        etlc__pg_conninfo_free(keys, values);
        return etlc_error_set(err, ETLC_CONFIG_RANGE, "pool_min (%lld) is larger than pool_max (%lld)",
                              (long long)pmin, (long long)pmax);
    }
    int64_t ct = etlc_config_get_duration_ms(cfg, "connect_timeout");
    rc = etlc__pg_pool_init(&ctx->pool, keys, values, expand, (size_t)pmin, (size_t)pmax,
                            etlc_config_get_duration_ms(cfg, "pool_idle_timeout"), ct > 0 ? ct : 30000, err);
    if (rc != 0)
        return rc;
    /* Open pool_min connections now (at least one, so bad credentials or a
     * missing database fail here, not at the first fetch). */
    size_t want = pmin > 0 ? (size_t)pmin : 1;
    PGconn *conns[64] = {0};
    for (size_t i = 0; i < want && rc == 0; i++)
        rc = etlc__pg_pool_acquire(&ctx->pool, &conns[i], err);
    if (rc == 0 && conns[0]) {
        ctx->database = etlc__strdup(PQdb(conns[0]));
        char ep[300];
        snprintf(ep, sizeof ep, "%s:%s", PQhost(conns[0]) ? PQhost(conns[0]) : "?",
                 PQport(conns[0]) ? PQport(conns[0]) : "?");
        ctx->endpoint = etlc__strdup(ep);
        if (!ctx->database || !ctx->endpoint)
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory connecting to PostgreSQL");
        else
            etlc_log(ETLC_LOG_DEBUG, "postgres", "connected to %s database %s (server %s)", ctx->endpoint,
                     ctx->database, PQparameterStatus(conns[0], "server_version"));
    }
    for (size_t i = 0; i < want; i++)
        etlc__pg_pool_release(&ctx->pool, conns[i], rc == 0 && i < (size_t)pmin);
    return rc;
}

static int pg_test(void *vctx, etlc_health *health, etlc_error *err)
{
    pg_ctx *ctx = vctx;
    (void)err;
    double t0 = etlc__monotonic_ms();
    PGconn *conn = NULL;
    etlc_error cerr = {0};
    if (etlc__pg_pool_acquire(&ctx->pool, &conn, &cerr) != 0) {
        health->healthy = false;
        health->latency_ms = etlc__monotonic_ms() - t0;
        snprintf(health->detail, sizeof health->detail, "%s", cerr.message);
        return ETLC_OK;
    }
    PGresult *res = PQexec(conn, "SELECT current_database(), current_user, "
                                 "pg_catalog.current_setting('server_version')");
    health->latency_ms = etlc__monotonic_ms() - t0;
    const char *ver = PQparameterStatus(conn, "server_version");
    bool ok = res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    snprintf(health->server_version, sizeof health->server_version, "PostgreSQL %s",
             ok ? PQgetvalue(res, 0, 2) : ver ? ver : "?");
    health->healthy = ok;
    if (ok)
        snprintf(health->detail, sizeof health->detail, "%s database %s as %s (%s, pool %zu open)",
                 ctx->endpoint ? ctx->endpoint : "?", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1),
                 PQsslInUse(conn) ? "TLS" : "no TLS", etlc__pg_pool_open_count(&ctx->pool));
    else
        etlc__format_redacted_into(health->detail, sizeof health->detail, "health query failed: %s", PQerrorMessage(conn));
    PQclear(res);
    etlc__pg_pool_release(&ctx->pool, conn, ok);
    return ETLC_OK;
}

static bool pg_alive(void *vctx)
{
    pg_ctx *ctx = vctx;
    /* The pool replaces dead connections itself; the connector lives as
     * long as its pool is open. */
    return etlc__pool_is_open(&ctx->pool.base);
}

static void pg_source_name(void *vctx, char *buf, size_t bufsz)
{
    pg_ctx *ctx = vctx;
    snprintf(buf, bufsz, "%s", ctx->database ? ctx->database : "postgres");
}

static int pg_fetch(void *vctx, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                    etlc_error *err)
{
    return etlc__pg_fetch(vctx, req, consumer, err);
}

static const char *const pg_aliases[] = {"postgresql", "pg", "psql", NULL};

const etlc_connector_ops etlc_connector_postgres = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "postgres",
    .aliases = pg_aliases,
    .description = "PostgreSQL databases (libpq; binary COPY or row streaming)",
    .options = &etlc__pg_options,
    .context_size = sizeof(pg_ctx),
    /* Every call takes its own session from the pool (which has its own
     * lock); the context is only written by connect and close. */
    .flags = ETLC_CONNECTOR_CONCURRENT,
    .connect = pg_connect,
    .fetch = pg_fetch,
    .test = pg_test,
    .alive = pg_alive,
    .source_name = pg_source_name,
    .close = pg_close,
    .sql = &etlc__pg_sql_ops,
};
