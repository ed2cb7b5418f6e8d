/* PostgreSQL's SQL capability: a snapshot is a connection pinned from the
 * pool for the whole run inside BEGIN ISOLATION LEVEL REPEATABLE READ READ
 * ONLY. pg_export_snapshot() gives a token; other sessions (partitions)
 * import it with SET TRANSACTION SNAPSHOT so all of them read the same data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

typedef struct pg_snap {
    PGconn *conn;
    bool reusable;
} pg_snap;

static int exec_ok(PGconn *conn, const char *sql, const char *what, etlc_error *err)
{
    PGresult *res = PQexec(conn, sql);
    int rc = 0;
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = etlc__pg_result_error(err, conn, res, what);
    PQclear(res);
    return rc;
}

/* Snapshot ids look like "00000003-0000001B-1": nothing else is imported. */
static bool token_ok(const char *t)
{
    size_t n = strlen(t);
    if (n == 0 || n >= ETLC_SQL_TOKEN_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789ABCDEFabcdef-", t[i]))
            return false;
    return true;
}

static int snap_begin(void *vctx, const char *import_token, void **out, char token[ETLC_SQL_TOKEN_MAX],
                      etlc_error *err)
{
    pg_ctx *ctx = vctx;
    *out = NULL;
    if (token)
        token[0] = '\0';
    if (import_token && *import_token && !token_ok(import_token))
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "'%s' is not a PostgreSQL snapshot id", import_token);
    pg_snap *s = calloc(1, sizeof *s);
    if (!s)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening a PostgreSQL snapshot");
    int rc = etlc__pg_pool_acquire(&ctx->pool, &s->conn, err);
    if (rc == 0)
        rc = exec_ok(s->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "cannot begin the snapshot", err);
    if (rc == 0 && import_token && *import_token) {
        char sql[64 + ETLC_SQL_TOKEN_MAX];
        snprintf(sql, sizeof sql, "SET TRANSACTION SNAPSHOT '%s'", import_token); /* checked above */
        rc = exec_ok(s->conn, sql, "cannot import the exported snapshot", err);
        if (rc == 0)
            etlc_log(ETLC_LOG_DEBUG, "postgres", "session joined the exported snapshot %s", import_token);
    } else if (rc == 0 && token) {
        PGresult *res = PQexec(s->conn, "SELECT pg_catalog.pg_export_snapshot()");
        if (res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
            snprintf(token, ETLC_SQL_TOKEN_MAX, "%s", PQgetvalue(res, 0, 0));
            etlc_log(ETLC_LOG_DEBUG, "postgres", "exported snapshot %s", token);
        } else {
            /* e.g. a hot standby: partitions then take their own snapshots. */
            etlc_log(ETLC_LOG_WARN, "postgres", "cannot export the snapshot (%s); partitions read separate snapshots",
                     PQerrorMessage(s->conn));
            PQclear(res);
            res = NULL;
            exec_ok(s->conn, "ROLLBACK", "rollback", NULL);
            rc = exec_ok(s->conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "cannot begin the snapshot", err);
        }
        PQclear(res);
    }
    if (rc != 0) {
        if (s->conn)
            etlc__pg_pool_release(&ctx->pool, s->conn, false);
        free(s);
        return rc;
    }
    s->reusable = true;
    *out = s;
    return 0;
}

static int snap_fetch(void *vctx, void *vsnap, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                      etlc_error *err)
{
    pg_snap *s = vsnap;
    bool clean = false;
    if (!req || !req->query || !*req->query)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "fetch needs a SQL query");
    /* Pages without parameters (a full or range-partitioned read) stream
     * with COPY binary; the rest run as prepared statements in row mode. */
    pg_fetch_mode mode = ((pg_ctx *)vctx)->fetch_mode == PG_FETCH_ROWS ? PG_FETCH_ROWS : PG_FETCH_IN_TRANSACTION;
    int rc = etlc__pg_fetch_on(vctx, s->conn, mode, req, consumer, &clean, err);
    if (!clean)
        s->reusable = false;
    return rc;
}

static int snap_scalar(void *vctx, void *vsnap, const etlc_fetch_request *req, etlc_value *out,
                       etlc_error *err)
{
    pg_snap *s = vsnap;
    etlc__scalar_capture cap = {.out = out};
    bool clean = false;
    if (!req || !req->query || !*req->query)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "fetch needs a SQL query");
    /* One value: a prepared statement is cheaper than a COPY. */
    int rc = etlc__pg_fetch_on(vctx, s->conn, PG_FETCH_ROWS, req, etlc__scalar_consumer(&cap), &clean, err);
    if (!clean)
        s->reusable = false;
    return rc;
}

static void snap_end(void *vctx, void *vsnap)
{
    pg_ctx *ctx = vctx;
    pg_snap *s = vsnap;
    if (!s)
        return;
    bool ok = s->reusable && PQstatus(s->conn) == CONNECTION_OK &&
              exec_ok(s->conn, PQtransactionStatus(s->conn) == PQTRANS_INERROR ? "ROLLBACK" : "COMMIT",
                      "end of snapshot", NULL) == 0;
    etlc__pg_pool_release(&ctx->pool, s->conn, ok);
    free(s);
}

const etlc_sql_ops etlc__pg_sql_ops = {
    .dialect = "postgresql",
    .identifier_quote = '"',
    .placeholder = ETLC_SQL_PLACEHOLDER_DOLLAR,
    .raw_value_format = "(%s)::text", /* the type's text form re-parses exactly as the column type */
    .snapshot_begin = snap_begin,
    .snapshot_fetch = snap_fetch,
    .snapshot_scalar = snap_scalar,
    .snapshot_end = snap_end,
};
