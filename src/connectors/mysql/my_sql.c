/* MariaDB/MySQL's SQL capability: a snapshot is a pooled connection pinned
 * for the whole run inside
 *   SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;
 *   START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY
 * (InnoDB takes the read view at once, not at the first read). Every read
 * in it is a prepared statement: values are bound typed and come back in
 * the binary protocol, so a cursor value read back binds again exactly as
 * stored (raw_value_format "%s"). InnoDB cannot hand a read view to another
 * session: the token is "", and each partition thread opens its own
 * snapshot (docs/extract.md, "Partitions"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "my_internal.h"

typedef struct my_snap {
    MYSQL *conn;
    bool reusable;
    my_type_options types; /* the connector's, with exact cursor floats */
} my_snap;

static int exec_ok(MYSQL *conn, const char *sql, const char *what, etlc_error *err)
{
    if (mysql_real_query(conn, sql, (unsigned long)strlen(sql)) != 0)
        return etlc__my_conn_error(err, conn, what);
    return 0;
}

static int snap_begin(void *vctx, const char *import_token, void **out, char token[ETLC_SQL_TOKEN_MAX],
                      etlc_error *err)
{
    my_ctx *ctx = vctx;
    *out = NULL;
    if (token)
        token[0] = '\0'; /* nothing to share */
    if (import_token && *import_token)
        return etlc_error_set(err, ETLC_UNSUPPORTED,
                              "MariaDB/MySQL cannot join another session's snapshot (token '%.40s')", import_token);
    my_snap *s = calloc(1, sizeof *s);
    if (!s)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening a MySQL snapshot");
    s->types = ctx->types;
    s->types.exact_internal_floats = true;
    int rc = etlc__my_pool_acquire(&ctx->pool, &s->conn, err);
    /* SET TRANSACTION (no SESSION) applies to the next transaction only. */
    if (rc == 0)
        rc = exec_ok(s->conn, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", "cannot begin the snapshot", err);
    if (rc == 0)
        rc = exec_ok(s->conn, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", "cannot begin the snapshot",
                     err);
    if (rc != 0) {
        if (s->conn)
            etlc__my_pool_release(&ctx->pool, s->conn, false);
        free(s);
        return rc;
    }
    etlc_log(ETLC_LOG_DEBUG, "mysql", "session %lu opened its own consistent snapshot",
             (unsigned long)mysql_thread_id(s->conn));
    s->reusable = true;
    *out = s;
    return 0;
}

static int snap_fetch(void *vctx, void *vsnap, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                      etlc_error *err)
{
    my_snap *s = vsnap;
    if (!req || !req->query || !*req->query)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "fetch needs a SQL query");
    bool reusable = true;
    int rc = etlc__my_fetch_prepared(vctx, s->conn, req, &s->types, consumer, &reusable, err);
    if (!reusable || rc == ETLC_CONNECT)
        s->reusable = false;
    return rc;
}

static int snap_scalar(void *vctx, void *vsnap, const etlc_fetch_request *req, etlc_value *out,
                       etlc_error *err)
{
    etlc__scalar_capture cap = {.out = out};
    return snap_fetch(vctx, vsnap, req, etlc__scalar_consumer(&cap), err);
}

static void snap_end(void *vctx, void *vsnap)
{
    my_ctx *ctx = vctx;
    my_snap *s = vsnap;
    if (!s)
        return;
    /* Read-only: COMMIT just ends the read view (and frees its undo history). */
    bool ok = s->reusable && exec_ok(s->conn, "COMMIT", "end of snapshot", NULL) == 0;
    etlc__my_pool_release(&ctx->pool, s->conn, ok);
    free(s);
}

const etlc_sql_ops etlc__my_sql_ops = {
    .dialect = "mariadb",
    .identifier_quote = '`',
    .placeholder = ETLC_SQL_PLACEHOLDER_QMARK,
    /* The column itself: prepared statements return it typed (int64, exact
     * DECIMAL text, DATETIME/TIMESTAMP micros in UTC, DATE days, bytes, a
     * FLOAT widened exactly) and the bind sends it back as that type. */
    .raw_value_format = "%s",
    .snapshot_begin = snap_begin,
    .snapshot_fetch = snap_fetch,
    .snapshot_scalar = snap_scalar,
    .snapshot_end = snap_end,
};
