/* The dw destination: connect (one libpq connection), health check
 * (server, schema, privileges), and the load capability (no fetch). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/connector_internal.h"
#include "dw_internal.h"

static void dw_close(void *vctx)
{
    dw_ctx *ctx = vctx;
    if (ctx->conn)
        PQfinish(ctx->conn);
    etlc__pg_conninfo_free(ctx->keys, ctx->values);
    free(ctx->schema);
    free(ctx->database);
    memset(ctx, 0, sizeof *ctx);
}

/* Server notices ("relation ... already exists, skipping") go to the debug log, not stderr. */
static void dw_notice(void *arg, const char *message)
{
    (void)arg;
    etlc_log(ETLC_LOG_DEBUG, "dw", "server notice: %s", message);
}

int etlc__dw_conn(dw_ctx *ctx, PGconn **out, etlc_error *err)
{
    if (ctx->conn && PQstatus(ctx->conn) == CONNECTION_OK && PQtransactionStatus(ctx->conn) == PQTRANS_IDLE) {
        *out = ctx->conn;
        return 0;
    }
    if (ctx->conn)
        PQfinish(ctx->conn);
    ctx->conn = PQconnectdbParams(ctx->keys, (const char *const *)ctx->values, ctx->expand_dbname);
    if (!ctx->conn || PQstatus(ctx->conn) != CONNECTION_OK) {
        int rc = etlc__pg_connect_error(err, ctx->conn, "dw: cannot connect to the warehouse");
        if (ctx->conn)
            PQfinish(ctx->conn);
        ctx->conn = NULL;
        return rc;
    }
    PQsetNoticeProcessor(ctx->conn, dw_notice, NULL);
    *out = ctx->conn;
    return 0;
}

static int dw_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    dw_ctx *ctx = vctx;
    int rc = etlc__pg_conninfo(cfg, &ctx->keys, &ctx->values, &ctx->expand_dbname, err);
    if (rc)
        return rc;
    const char *schema = etlc_config_get_string(cfg, "schema");
    if (!schema || !*schema || strlen(schema) >= 64)
        return etlc_error_set(err, ETLC_CONFIG_RANGE, "dw: schema '%s' must be 1 to 63 bytes", schema ? schema : "");
    if (!(ctx->schema = etlc__strdup(schema)))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory connecting to the warehouse");
    ctx->max_page_bytes = (size_t)etlc_config_get_int(cfg, "max_page_bytes");
    ctx->flatten = etlc_config_get_bool(cfg, "flatten");
    PGconn *conn;
    if ((rc = etlc__dw_conn(ctx, &conn, err)))
        return rc;
    if (!(ctx->database = etlc__strdup(PQdb(conn))))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory connecting to the warehouse");
    return 0;
}

int etlc_dw_status_get(etlc_connector *dw, etlc_dw_status *st, etlc_error *err)
{
    memset(st, 0, sizeof *st);
    if (!dw || etlc_connector_ops_of(dw) != &etlc_connector_dw)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "etlc_dw_status_get needs a dw connector");
    dw_ctx *ctx = dw->ctx;
    snprintf(st->schema, sizeof st->schema, "%s", ctx->schema);
    double t0 = etlc__monotonic_ms();
    PGconn *conn;
    int rc = etlc__dw_conn(ctx, &conn, err);
    if (rc)
        return rc;
    const char *params[1] = {ctx->schema};
    PGresult *res = PQexecParams(conn,
        "SELECT pg_catalog.current_setting('server_version'), "
        "EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1), "
        "CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1) "
        "     THEN pg_catalog.has_schema_privilege($1, 'CREATE') ELSE false END, "
        "CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1) "
        "     THEN pg_catalog.has_schema_privilege($1, 'USAGE') ELSE false END",
        1, NULL, params, NULL, NULL, 0);
    st->latency_ms = etlc__monotonic_ms() - t0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = etlc__pg_result_error(err, conn, res, "dw: health query failed");
        PQclear(res);
        return rc;
    }
    snprintf(st->server_version, sizeof st->server_version, "PostgreSQL %s", PQgetvalue(res, 0, 0));
    st->schema_exists = PQgetvalue(res, 0, 1)[0] == 't';
    st->can_create = PQgetvalue(res, 0, 2)[0] == 't';
    st->can_use = PQgetvalue(res, 0, 3)[0] == 't';
    PQclear(res);
    return 0;
}

static int dw_test(void *vctx, etlc_health *h, etlc_error *err)
{
    (void)err;
    /* etlc_dw_status_get wants the connector; rebuild its view of the ctx. */
    etlc_connector fake;
    memset(&fake, 0, sizeof fake);
    fake.ops = &etlc_connector_dw;
    fake.ctx = vctx;
    etlc_dw_status st;
    etlc_error e = {0};
    if (etlc_dw_status_get(&fake, &st, &e) != 0) {
        h->healthy = false;
        snprintf(h->detail, sizeof h->detail, "%s", e.message);
        return 0;
    }
    dw_ctx *ctx = vctx;
    h->latency_ms = st.latency_ms;
    snprintf(h->server_version, sizeof h->server_version, "%s", st.server_version);
    h->healthy = st.schema_exists && st.can_create && st.can_use;
    if (!st.schema_exists)
        snprintf(h->detail, sizeof h->detail, "database %s: schema \"%s\" does not exist (DW_SCHEMA)",
                 ctx->database ? ctx->database : "?", st.schema);
    else
        snprintf(h->detail, sizeof h->detail, "database %s, schema \"%s\": exists, USAGE %s, CREATE %s%s",
                 ctx->database ? ctx->database : "?", st.schema, st.can_use ? "yes" : "no",
                 st.can_create ? "yes" : "no",
                 h->healthy ? "" : " (loads need both to create and write tables)");
    return 0;
}

static bool dw_alive(void *vctx)
{
    dw_ctx *ctx = vctx;
    return !ctx->conn || PQstatus(ctx->conn) == CONNECTION_OK;
}

static void dw_source_name(void *vctx, char *buf, size_t bufsz)
{
    dw_ctx *ctx = vctx;
    snprintf(buf, bufsz, "%s", ctx->database ? ctx->database : "dw");
}

static const char *const dw_aliases[] = {"warehouse", NULL};

const etlc_connector_ops etlc_connector_dw = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "dw",
    .aliases = dw_aliases,
    .description = "PostgreSQL data warehouse destination: 'etlconn load' from a local or S3 lake (binary COPY)",
    .options = &etlc__dw_options,
    .context_size = sizeof(dw_ctx),
    .connect = dw_connect,
    .test = dw_test,
    .alive = dw_alive,
    .source_name = dw_source_name,
    .close = dw_close,
    .load = &etlc__dw_load_ops,
};
