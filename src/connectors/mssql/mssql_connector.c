/* The SQL Server connector over FreeTDS db-lib: login, health check and a
 * streaming fetch. Not run against a real SQL Server here (none can run on
 * the build machine); see docs/connectors/mssql.md. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mssql_internal.h"

/* dbsetlogintime() is process-wide: hold it steady for the length of one login. */
static pthread_mutex_t login_lock = PTHREAD_MUTEX_INITIALIZER;

static void mssql_close(void *vctx)
{
    mssql_ctx *ctx = vctx;
    if (ctx->dbproc) {
        dbsetuserdata(ctx->dbproc, NULL);
        dbclose(ctx->dbproc);
    }
    ctx->dbproc = NULL;
    free(ctx->database);
    free(ctx->server);
    ctx->database = ctx->server = NULL;
}

static int mssql_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    mssql_ctx *ctx = vctx;
    int rc = etlc__mssql_check_config(cfg, err);
    if (rc != ETLC_OK)
        return rc;
    if ((rc = etlc__mssql_init(err)) != ETLC_OK)
        return rc;
    etlc_layer port_layer = ETLC_LAYER_DEFAULT;
    const char *origin = NULL;
    etlc_config_provenance(cfg, "port", &port_layer, &origin);
    rc = etlc__mssql_server_string(etlc_config_get_string(cfg, "host"), etlc_config_get_int(cfg, "port"),
                                   port_layer != ETLC_LAYER_DEFAULT, etlc_config_get_string(cfg, "instance"),
                                   &ctx->server, err);
    if (rc != ETLC_OK)
        return rc;
    ctx->database = etlc__strdup(etlc_config_get_string(cfg, "database"));
    if (!ctx->database)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory connecting to SQL Server");
    LOGINREC *login = NULL;
    if ((rc = etlc__mssql_login_new(cfg, &login, err)) != ETLC_OK)
        return rc;
    int login_s = etlc__mssql_seconds(etlc_config_get_duration_ms(cfg, "login_timeout"));
    etlc_log(ETLC_LOG_DEBUG, "mssql", "connecting to %s, database %s, as %s (login timeout %ds)", ctx->server,
             ctx->database, etlc_config_get_string(cfg, "username"), login_s);
    memset(&ctx->diag, 0, sizeof ctx->diag);
    pthread_mutex_lock(&login_lock);
    dbsetlogintime(login_s);
    etlc__mssql_login_diag(&ctx->diag);
    ctx->dbproc = dbopen(login, ctx->server);
    etlc__mssql_login_diag(NULL);
    pthread_mutex_unlock(&login_lock);
    dbloginfree(login);
    if (!ctx->dbproc) {
        char what[600];
        snprintf(what, sizeof what, "cannot connect to SQL Server %s (database %s)", ctx->server, ctx->database);
        return etlc__mssql_error(err, &ctx->diag, true, what);
    }
    dbsetuserdata(ctx->dbproc, (BYTE *)&ctx->diag);
    int query_s = etlc__mssql_seconds(etlc_config_get_duration_ms(cfg, "query_timeout"));
    if (query_s > 0) {
        char secs[16];
        snprintf(secs, sizeof secs, "%d", query_s);
        if (dbsetopt(ctx->dbproc, DBSETTIME, secs, 0) != SUCCEED)
            etlc_log(ETLC_LOG_WARN, "mssql", "query_timeout %ss could not be set on this connection", secs);
    }
    etlc_log(ETLC_LOG_INFO, "mssql", "connected to %s, database %s", ctx->server, ctx->database);
    return ETLC_OK;
}

/* Run `sql` and position on the first result set that has columns. */
static int run_query(mssql_ctx *ctx, const char *sql, etlc_error *err)
{
    memset(&ctx->diag, 0, sizeof ctx->diag);
    if (dbcmd(ctx->dbproc, sql) != SUCCEED || dbsqlexec(ctx->dbproc) != SUCCEED) {
        dbcancel(ctx->dbproc);
        return etlc__mssql_error(err, &ctx->diag, false, "query failed");
    }
    for (;;) {
        RETCODE r = dbresults(ctx->dbproc);
        if (r == SUCCEED && dbnumcols(ctx->dbproc) > 0)
            return ETLC_OK;
        if (r == SUCCEED)
            continue;
        if (r == NO_MORE_RESULTS)
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                                  "the statement returns no rows; fetch runs queries that return a result set");
        dbcancel(ctx->dbproc);
        return etlc__mssql_error(err, &ctx->diag, false, "query failed");
    }
}

static int mssql_test(void *vctx, etlc_health *health, etlc_error *err)
{
    mssql_ctx *ctx = vctx;
    double t0 = etlc__monotonic_ms();
    etlc_error qerr = {0};
    int rc = run_query(ctx, "SELECT @@VERSION", &qerr);
    if (rc == ETLC_OK && dbnextrow(ctx->dbproc) == REG_ROW) {
        const BYTE *v = dbdata(ctx->dbproc, 1);
        int len = (int)dbdatlen(ctx->dbproc, 1);
        int line = 0;
        while (v && line < len && v[line] != '\n' && v[line] != '\r')
            line++;
        snprintf(health->server_version, sizeof health->server_version, "%.*s", line, v ? (const char *)v : "");
        dbcancel(ctx->dbproc);
        health->latency_ms = etlc__monotonic_ms() - t0;
        health->healthy = true;
        snprintf(health->detail, sizeof health->detail, "%s, database %s", ctx->server, ctx->database);
        return ETLC_OK;
    }
    dbcancel(ctx->dbproc);
    health->latency_ms = etlc__monotonic_ms() - t0;
    health->healthy = false;
    snprintf(health->detail, sizeof health->detail, "%s", qerr.code ? qerr.message : "SELECT @@VERSION returned no row");
    (void)err;
    return ETLC_OK;
}

static bool mssql_alive(void *vctx)
{
    mssql_ctx *ctx = vctx;
    return ctx->dbproc && !dbdead(ctx->dbproc);
}

static void mssql_source_name(void *vctx, char *buf, size_t bufsz)
{
    mssql_ctx *ctx = vctx;
    snprintf(buf, bufsz, "%s", ctx->database && *ctx->database ? ctx->database : "mssql");
}

static int make_batch(DBPROCESS *dbproc, size_t rows, etlc_batch **out, etlc_error *err)
{
    size_t ncols = (size_t)dbnumcols(dbproc);
    etlc_column_def *defs = calloc(ncols ? ncols : 1, sizeof *defs);
    if (!defs)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory describing columns");
    for (size_t i = 0; i < ncols; i++) {
        int c = (int)i + 1;
        DBTYPEINFO *ti = dbcoltypeinfo(dbproc, c);
        defs[i].name = dbcolname(dbproc, c);
        defs[i].type = etlc__mssql_column_type(dbcoltype(dbproc, c), ti ? ti->precision : 0, ti ? ti->scale : 0,
                                               &defs[i].precision, &defs[i].scale);
    }
    int rc = etlc_batch_new(defs, ncols, rows, out, err);
    free(defs);
    return rc;
}

static int mssql_fetch(void *vctx, const etlc_fetch_request *req, etlc_batch_consumer consumer, etlc_error *err)
{
    mssql_ctx *ctx = vctx;
    if (!req->query || !*req->query)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "fetch needs a SQL query");
    /* db-lib has no server-side binding for ad-hoc SQL, and values are never
     * pasted into the text: refuse instead. */
    if (req->nparams > 0)
        return etlc_error_set(err, ETLC_UNSUPPORTED,
                              "mssql: bound parameters are not supported by this connector (FreeTDS db-lib has no "
                              "server-side binding for ad-hoc queries); %zu parameter(s) given - write the values "
                              "into a view or stored procedure instead", req->nparams);
    int rc = run_query(ctx, req->query, err);
    if (rc != ETLC_OK)
        return rc;
    etlc_batch *batch = NULL;
    rc = make_batch(ctx->dbproc, req->batch_rows ? req->batch_rows : 10000, &batch, err);
    int *types = rc == ETLC_OK ? calloc(batch->ncols ? batch->ncols : 1, sizeof *types) : NULL;
    if (rc == ETLC_OK && !types)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory describing columns");
    for (size_t c = 0; rc == ETLC_OK && c < batch->ncols; c++)
        types[c] = dbcoltype(ctx->dbproc, (int)c + 1);
    uint64_t row = 0;
    while (rc == ETLC_OK) {
        STATUS st = dbnextrow(ctx->dbproc);
        if (st == NO_MORE_ROWS)
            break;
        if (st == FAIL) {
            char what[64];
            snprintf(what, sizeof what, "query failed at row %llu", (unsigned long long)row + 1);
            rc = etlc__mssql_error(err, &ctx->diag, false, what);
            break;
        }
        if (st != REG_ROW) /* COMPUTE rows are not part of the result set */
            continue;
        for (size_t c = 0; c < batch->ncols && rc == ETLC_OK; c++)
            rc = etlc__mssql_append_value(batch, c, types[c], dbdata(ctx->dbproc, (int)c + 1),
                                          dbdatlen(ctx->dbproc, (int)c + 1), row, err);
        if (rc == ETLC_OK)
            rc = etlc_batch_end_row(batch, err);
        row++;
        if (rc == ETLC_OK)
            rc = etlc_batch_flush(batch, consumer, false, err);
    }
    if (rc == ETLC_OK)
        rc = etlc_batch_flush(batch, consumer, true, err);
    /* Later result sets and unread rows are discarded. */
    dbcancel(ctx->dbproc);
    if (rc == ETLC_OK)
        etlc_log(ETLC_LOG_INFO, "mssql", "fetched %llu rows from %s", (unsigned long long)row, ctx->database);
    free(types);
    etlc_batch_free(batch);
    return rc;
}

static const char *const mssql_aliases[] = {"sqlserver", "tds", NULL};

const etlc_connector_ops etlc_connector_mssql = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "mssql",
    .aliases = mssql_aliases,
    .description = "Microsoft SQL Server through FreeTDS (db-lib, TDS 7.x)",
    .options = &etlc__mssql_options,
    .context_size = sizeof(mssql_ctx),
    .connect = mssql_connect,
    .fetch = mssql_fetch,
    .test = mssql_test,
    .alive = mssql_alive,
    .source_name = mssql_source_name,
    .close = mssql_close,
};
