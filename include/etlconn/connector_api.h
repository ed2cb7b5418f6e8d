/* etlconn — the API for connector and plugin authors.
 *
 * A connector is a folder under src/connectors/ (or a plugin shared object)
 * exporting one const etlc_connector_ops. CMake builds the registry from the
 * enabled folders; plugins add more at run time from ETLCONN_PLUGIN_PATH.
 * Embedders need only etlconn/etlconn.h.
 *
 * Threads: see ETLC_CONNECTOR_CONCURRENT and ETLC_CONNECTOR_PER_THREAD
 * below; without either flag the core calls fetch, test, alive and
 * source_name one thread at a time per connector (connect and close are
 * never concurrent with anything). A consumer is called on the fetching
 * thread. etlc_registry_add is thread-safe. */
#ifndef ETLCONN_CONNECTOR_API_H
#define ETLCONN_CONNECTOR_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "connector.h"
#include "error.h"
#include "record.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever etlc_connector_ops or anything it points to changes shape.
 * 2: etlc_connector_ops gained `sql` (the optional SQL capability) at its end. */
#define ETLC_ABI_VERSION 2

/* ---- the optional SQL capability ----------------------------------------
 * What incremental / partitioned extraction (extract.h) needs from a SQL
 * connector beyond `fetch`: its dialect, and reads inside one consistent
 * snapshot on one pinned session.
 *
 * Threads: snapshot_* calls on DIFFERENT snapshots may run at the same time
 * from different threads (partitioned extraction), so they must only read
 * the connector's context or use its own locks (a pool); one snapshot is
 * used by one thread at a time.
 *
 * How each engine gives a snapshot:
 *   SQLite      a new connection to the same file, BEGIN + a first read (a
 *               read transaction; on a WAL database writers continue). Each
 *               session has its own snapshot: no sharing.
 *   PostgreSQL  a connection pinned from the pool for the whole run,
 *               BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; the token is
 *               pg_export_snapshot(), imported by other sessions with
 *               SET TRANSACTION SNAPSHOT '<token>'.
 *   MariaDB     (for the mysql connector) a pinned connection,
 *               SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, then
 *               START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY; InnoDB
 *               cannot hand a snapshot to another session, so token is "" and
 *               partitions each take their own snapshot (as SQLite). Quote
 *               with '`', placeholders '?', raw_value_format "CAST(%s AS CHAR)"
 *               (or "%s" when binds keep the type). */

typedef enum etlc_sql_placeholder {
    ETLC_SQL_PLACEHOLDER_QMARK = 0, /* ?  ?  ? */
    ETLC_SQL_PLACEHOLDER_DOLLAR     /* $1 $2 $3 */
} etlc_sql_placeholder;

/* One owned value read from the database (a scalar query's answer). */
typedef struct etlc_value {
    etlc_type type;     /* ETLC_TYPE_NULL for SQL NULL (or no row) */
    int64_t i64;        /* BOOL, INT64, DATE (days), TIMESTAMP (micros) */
    double f64;         /* DOUBLE */
    char *data;         /* TEXT, BYTES, DECIMAL, JSON: malloc'd, NUL-terminated */
    size_t len;
} etlc_value;

void etlc_value_clear(etlc_value *v); /* frees data, sets type NULL */

#define ETLC_SQL_TOKEN_MAX 128

struct etlc_sql_ops {
    const char *dialect;              /* "sqlite", "postgresql", "mariadb" */
    char identifier_quote;            /* '"' or '`'; doubled inside a name */
    etlc_sql_placeholder placeholder;
    /* printf pattern with one %s that wraps an expression so that the value
     * read back and bound again as a parameter compares exactly like the
     * column: "+%s" (SQLite: keeps the storage class), "(%s)::text"
     * (PostgreSQL: the type's own text form, re-parsed as the column type). */
    const char *raw_value_format;
    /* Open a read snapshot on a session pinned for its whole life. With
     * `import_token` non-NULL (and non-empty) join that snapshot instead.
     * `token` (may be NULL) receives a token other sessions can import, ""
     * when the engine cannot share snapshots. */
    int (*snapshot_begin)(void *ctx, const char *import_token, void **snap,
                          char token[ETLC_SQL_TOKEN_MAX], etlc_error *err);
    /* Like fetch, inside the snapshot. */
    int (*snapshot_fetch)(void *ctx, void *snap, const etlc_fetch_request *req,
                          etlc_batch_consumer consumer, etlc_error *err);
    /* First column of the first row (type NULL for no row / SQL NULL). */
    int (*snapshot_scalar)(void *ctx, void *snap, const etlc_fetch_request *req, etlc_value *out,
                           etlc_error *err);
    /* End the snapshot (read-only: nothing to commit) and unpin the session. NULL ok. */
    void (*snapshot_end)(void *ctx, void *snap);
};

#define ETLC_CONNECTOR_PER_THREAD 0x1u /* sessions: the cache keys them by thread */
/* fetch, test, alive, source_name and the sql capability may run at the same
 * time from several threads on one connector: the connector serialises what
 * must be serialised itself (each call takes its own session from a pool, and
 * the context is only read after connect). Without this flag the core runs
 * those calls one thread at a time per connector. connect and close are
 * never concurrent with anything. */
#define ETLC_CONNECTOR_CONCURRENT 0x2u

struct etlc_connector_ops {
    int abi_version;                 /* ETLC_ABI_VERSION */
    const char *name;                /* canonical protocol name */
    const char *const *aliases;      /* NULL-terminated, may be NULL */
    const char *description;         /* one line */
    const etlc_option_table *options;
    size_t context_size;             /* bytes zero-allocated for the connector's state */
    unsigned flags;                  /* ETLC_CONNECTOR_* */
    /* Open the engine/session from a validated config. */
    int (*connect)(void *ctx, const etlc_config *cfg, etlc_error *err);
    /* Stream the request's records into `consumer`, one batch at a time. */
    int (*fetch)(void *ctx, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                 etlc_error *err);
    /* Health check: fill `health`; return 0 even when unhealthy, an error
     * code only when the check itself could not run. */
    int (*test)(void *ctx, etlc_health *health, etlc_error *err);
    /* Cheap liveness check before the cache hands the connector out; NULL = always alive. */
    bool (*alive)(void *ctx);
    /* Secret-free name of the source for lake paths and results (e.g. "sample"). */
    void (*source_name)(void *ctx, char *buf, size_t bufsz);
    /* Release everything. Safe after a failed or partial connect. */
    void (*close)(void *ctx);
    /* Optional SQL capability (ABI 2+); NULL for non-SQL connectors. */
    const etlc_sql_ops *sql;
};

/* Plugins export this symbol: it returns the plugin's ops (static storage). */
#define ETLC_PLUGIN_SYMBOL "etlconn_plugin_register"
typedef const etlc_connector_ops *(*etlc_plugin_register_fn)(void);

/* Register ops at run time (embedders, plugins). ABI checked; a name or
 * alias already taken is ETLC_PLUGIN; the same ops pointer again is a no-op.
 * `ops` must stay valid for the life of the process. */
int etlc_registry_add(const etlc_connector_ops *ops, etlc_error *err);

/* Hand `batch` to `consumer` when it is full (final = false) or, at the
 * end of a result (final = true), when it has rows or is the first batch
 * (an empty result still carries the schema); then reset it for the next
 * batch. 0 when nothing was due, else the consumer's code. */
int etlc_batch_flush(etlc_batch *batch, etlc_batch_consumer consumer, bool final, etlc_error *err);

#ifdef __cplusplus
}
#endif
#endif
