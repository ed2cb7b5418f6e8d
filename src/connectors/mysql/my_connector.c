/* The MariaDB/MySQL connector: connect (pool), health check, fetch, close. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/connector_internal.h"
#include "my_internal.h"

static void my_close(void *vctx)
{
    my_ctx *ctx = vctx;
    etlc__my_pool_destroy(&ctx->pool); /* safe on a zeroed or half-made pool */
    free(ctx->database);
    free(ctx->endpoint);
    ctx->database = ctx->endpoint = NULL;
}

static bool is(const etlc_config *cfg, const char *key, const char *value)
{
    const char *v = etlc_config_get_string(cfg, key);
    return v && strcmp(v, value) == 0;
}

static int my_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    my_ctx *ctx = vctx;
    ctx->fetch_mode = is(cfg, "fetch_mode", "text") ? MY_FETCH_TEXT
                    : is(cfg, "fetch_mode", "prepared") ? MY_FETCH_PREPARED
                                                        : MY_FETCH_AUTO;
    ctx->types.zero_date_null = is(cfg, "zero_date", "null");
    ctx->types.unsigned_as_decimal = is(cfg, "unsigned_bigint", "decimal");
    ctx->types.tinyint1_as_bool = etlc_config_get_bool(cfg, "tinyint1_as_bool");
    int64_t pmin = etlc_config_get_int(cfg, "pool_min"), pmax = etlc_config_get_int(cfg, "pool_max");
    if (pmin > pmax)
        return etlc_error_set(err, ETLC_CONFIG_RANGE, "pool_min (%lld) is larger than pool_max (%lld)",
                              (long long)pmin, (long long)pmax);
    my_params params;
    int rc = etlc__my_params_from_config(cfg, &params, err);
    if (rc != 0)
        return rc;
    char ep[600];
    if (params.socket)
        snprintf(ep, sizeof ep, "%s", params.socket);
    else
        snprintf(ep, sizeof ep, "%s:%u", params.host ? params.host : "localhost", params.port);
    ctx->endpoint = etlc__strdup(ep);
    ctx->database = params.database ? etlc__strdup(params.database) : NULL;
    if (!ctx->endpoint || (params.database && !ctx->database)) {
        etlc__my_params_free(&params);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory connecting to MySQL");
    }
    rc = etlc__my_pool_init(&ctx->pool, &params, (size_t)pmin, (size_t)pmax,
                            etlc_config_get_duration_ms(cfg, "pool_idle_timeout"), err);
    if (rc != 0)
        return rc;
    /* Open pool_min connections now (at least one, so bad credentials or a
     * missing database fail here, not at the first fetch). */
    size_t want = pmin > 0 ? (size_t)pmin : 1;
    MYSQL *conns[64] = {0};
    for (size_t i = 0; i < want && rc == 0; i++)
        rc = etlc__my_pool_acquire(&ctx->pool, &conns[i], err);
    if (rc == 0)
        etlc_log(ETLC_LOG_DEBUG, "mysql", "connected to %s database %s (server %s, %s)", ctx->endpoint,
                 ctx->database ? ctx->database : "(none)", mysql_get_server_info(conns[0]),
                 mysql_get_ssl_cipher(conns[0]) ? "TLS" : "no TLS");
    for (size_t i = 0; i < want; i++)
        etlc__my_pool_release(&ctx->pool, conns[i], rc == 0 && i < (size_t)pmin);
    return rc;
}

static int my_test(void *vctx, etlc_health *health, etlc_error *err)
{
    my_ctx *ctx = vctx;
    (void)err;
    double t0 = etlc__monotonic_ms();
    MYSQL *conn = NULL;
    etlc_error cerr = {0};
    if (etlc__my_pool_acquire(&ctx->pool, &conn, &cerr) != 0) {
        health->healthy = false;
        health->latency_ms = etlc__monotonic_ms() - t0;
        snprintf(health->detail, sizeof health->detail, "%s", cerr.message);
        return ETLC_OK;
    }
    static const char q[] = "SELECT DATABASE(), CURRENT_USER(), VERSION()";
    MYSQL_RES *res = NULL;
    MYSQL_ROW row = NULL;
    if (mysql_real_query(conn, q, sizeof q - 1) == 0 && (res = mysql_store_result(conn)) != NULL)
        row = mysql_fetch_row(res);
    health->latency_ms = etlc__monotonic_ms() - t0;
    bool ok = row != NULL;
    const char *ver = ok && row[2] ? row[2] : mysql_get_server_info(conn);
    snprintf(health->server_version, sizeof health->server_version, "%s %s",
             strstr(ver, "MariaDB") ? "MariaDB" : "MySQL", ver);
    health->healthy = ok;
    if (ok)
        snprintf(health->detail, sizeof health->detail, "%s database %s as %s (%s, pool %zu open)", ctx->endpoint,
                 row[0] ? row[0] : "(none)", row[1] ? row[1] : "?",
                 mysql_get_ssl_cipher(conn) ? "TLS" : "no TLS", etlc__my_pool_open_count(&ctx->pool));
    else
        etlc__format_redacted_into(health->detail, sizeof health->detail, "health query failed: %s", mysql_error(conn));
    mysql_free_result(res);
    etlc__my_pool_release(&ctx->pool, conn, ok);
    return ETLC_OK;
}

static bool my_alive(void *vctx)
{
    my_ctx *ctx = vctx;
    /* The pool pings and replaces dead connections itself. */
    return etlc__pool_is_open(&ctx->pool.base);
}

static void my_source_name(void *vctx, char *buf, size_t bufsz)
{
    my_ctx *ctx = vctx;
    snprintf(buf, bufsz, "%s", ctx->database ? ctx->database : "mysql");
}

static int my_fetch(void *vctx, const etlc_fetch_request *req, etlc_batch_consumer consumer, etlc_error *err)
{
    return etlc__my_fetch(vctx, req, consumer, err);
}

static const char *const my_aliases[] = {"mariadb", NULL};

const etlc_connector_ops etlc_connector_mysql = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "mysql",
    .aliases = my_aliases,
    .description = "MariaDB and MySQL databases (MariaDB Connector/C; streamed text or prepared statements)",
    .options = &etlc__my_options,
    .context_size = sizeof(my_ctx),
    /* Every call takes its own session from the pool (which has its own
     * lock); the context is only written by connect and close. */
    .flags = ETLC_CONNECTOR_CONCURRENT,
    .connect = my_connect,
    .fetch = my_fetch,
    .test = my_test,
    .alive = my_alive,
    .source_name = my_source_name,
    .close = my_close,
    .sql = &etlc__my_sql_ops,
};
