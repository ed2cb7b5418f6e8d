/* SQLite's SQL capability: a read snapshot is a read transaction on its own
 * connection to the same file (so partitions can read in parallel). On a
 * WAL database writers keep going while it is open; in rollback-journal
 * mode it holds a SHARED lock that makes writers wait (docs/extract.md). */
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"

typedef struct sqlite_snap {
    sqlite3 *db;
    bool own; /* false: the connector's own ":memory:" session */
} sqlite_snap;

static int snap_begin(void *vctx, const char *import_token, void **out, char token[ETLC_SQL_TOKEN_MAX],
                      etlc_error *err)
{
    sqlite_ctx *ctx = vctx;
    (void)import_token; /* SQLite cannot share a snapshot between sessions */
    *out = NULL;
    if (token)
        token[0] = '\0';
    sqlite_snap *s = calloc(1, sizeof *s);
    if (!s)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening a SQLite snapshot");
    int rc;
    if (strcmp(ctx->path, ":memory:") == 0) {
        if (ctx->memory_snapshot_taken) {
            free(s);
            return etlc_error_set(err, ETLC_UNSUPPORTED,
                                  "an in-memory SQLite database has one session: it cannot be read by "
                                  "parallel partitions (use a database file)");
        }
        ctx->memory_snapshot_taken = true;
        s->db = ctx->db;
    } else {
        s->own = true;
        int flags = (ctx->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
        rc = sqlite3_open_v2(ctx->path, &s->db, flags, NULL);
        if (rc != SQLITE_OK) {
            int code = etlc__sqlite_error(err, s->db, rc, "cannot open a snapshot session");
            sqlite3_close_v2(s->db);
            free(s);
            return code;
        }
        sqlite3_extended_result_codes(s->db, 1);
        sqlite3_busy_timeout(s->db, (int)ctx->busy_timeout_ms);
    }
    /* A deferred transaction takes its snapshot at the first read: read now. */
    rc = sqlite3_exec(s->db, "BEGIN DEFERRED; SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        int code = etlc__sqlite_error(err, s->db, rc, "cannot begin the read snapshot");
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        if (s->own)
            sqlite3_close_v2(s->db);
        else
            ctx->memory_snapshot_taken = false;
        free(s);
        return code;
    }
    *out = s;
    return 0;
}

static int snap_fetch(void *vctx, void *vsnap, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                      etlc_error *err)
{
    sqlite_snap *s = vsnap;
    return etlc__sqlite_fetch_on(vctx, s->db, req, consumer, err);
}

static int snap_scalar(void *vctx, void *vsnap, const etlc_fetch_request *req, etlc_value *out,
                       etlc_error *err)
{
    etlc__scalar_capture cap = {.out = out};
    return snap_fetch(vctx, vsnap, req, etlc__scalar_consumer(&cap), err);
}

static void snap_end(void *vctx, void *vsnap)
{
    sqlite_ctx *ctx = vctx;
    sqlite_snap *s = vsnap;
    if (!s)
        return;
    sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL); /* read-only: ends the read transaction */
    if (s->own)
        sqlite3_close_v2(s->db);
    else
        ctx->memory_snapshot_taken = false;
    free(s);
}

const etlc_sql_ops etlc__sqlite_sql_ops = {
    .dialect = "sqlite",
    .identifier_quote = '"',
    .placeholder = ETLC_SQL_PLACEHOLDER_QMARK,
    .raw_value_format = "+%s", /* unary plus: same value and storage class, no declared type */
    .snapshot_begin = snap_begin,
    .snapshot_fetch = snap_fetch,
    .snapshot_scalar = snap_scalar,
    .snapshot_end = snap_end,
};
