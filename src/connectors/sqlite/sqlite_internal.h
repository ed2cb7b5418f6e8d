/* SQLite connector internals shared by its files. */
#ifndef ETLCONN_SQLITE_INTERNAL_H
#define ETLCONN_SQLITE_INTERNAL_H

#include <sqlite3.h>

#include "core/internal.h"

typedef struct sqlite_ctx {
    sqlite3 *db;
    char *path;              /* as configured (not secret) */
    char *path_origin;       /* where database_path came from, for messages */
    bool read_only;
    int64_t busy_timeout_ms;
    bool memory_snapshot_taken; /* ":memory:" has one session: one snapshot at a time */
} sqlite_ctx;

extern const etlc_sql_ops etlc__sqlite_sql_ops;

/* Stream a query on `db` (the connector's own or a snapshot's session). */
int etlc__sqlite_fetch_on(sqlite_ctx *ctx, sqlite3 *db, const etlc_fetch_request *req,
                          etlc_batch_consumer consumer, etlc_error *err);

extern const etlc_option_table etlc__sqlite_options;

/* Map a SQLite result code (extended ok) to an etlc code and fill err with
 * `what` and the database's message. */
int etlc__sqlite_error(etlc_error *err, sqlite3 *db, int rc, const char *what);

/* Column type from a declared type ("DECIMAL(10,2)", "TIMESTAMP", ...).
 * NULL or unknown -> ETLC_TYPE_NULL (inferred from the first value). */
etlc_type etlc__sqlite_decltype(const char *decltype, int *precision, int *scale);

/* Append column `col` of the current row of `stmt` to the batch, converting
 * the stored value to the column's type. `row` is for messages. */
int etlc__sqlite_append_value(etlc_batch *b, size_t col, sqlite3_stmt *stmt, uint64_t row,
                              etlc_error *err);

#endif
