/* etlconn — the connector contract, registry, plugins, cache and façade.
 *
 * A connector is a folder under src/connectors/ exporting one const
 * etlc_connector_ops. CMake builds the registry from the enabled folders;
 * plugins add more at run time from ETLCONN_PLUGIN_PATH. */
#ifndef ETLCONN_CONNECTOR_H
#define ETLCONN_CONNECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "lake.h"
#include "record.h"
#include "result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever etlc_connector_ops or anything it points to changes shape.
 * 2: etlc_connector_ops gained `sql` (the optional SQL capability) at its end. */
#define ETLC_ABI_VERSION 2

/* A bound query parameter. Text parameters let the database apply its own
 * affinity/casts; typed ones are bound as that type. */
typedef struct etlc_param {
    etlc_type type;     /* NULL, BOOL, INT64, DOUBLE, TEXT, BYTES */
    int64_t i64;
    double f64;
    const void *data;   /* TEXT/BYTES */
    size_t len;
} etlc_param;

typedef struct etlc_fetch_request {
    const char *query;          /* SQL text, resource path, ... */
    const etlc_param *params;   /* bound in order */
    size_t nparams;
    size_t batch_rows;          /* rows per batch; 0 = 10000 */
} etlc_fetch_request;

typedef struct etlc_health {
    bool healthy;
    double latency_ms;
    char server_version[128];
    char detail[256];           /* redacted */
} etlc_health;

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

typedef struct etlc_sql_ops {
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
} etlc_sql_ops;

#define ETLC_CONNECTOR_PER_THREAD 0x1u /* sessions: the cache keys them by thread */

typedef struct etlc_connector_ops {
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
} etlc_connector_ops;

/* Plugins export this symbol: it returns the plugin's ops (static storage). */
#define ETLC_PLUGIN_SYMBOL "etlconn_plugin_register"
typedef const etlc_connector_ops *(*etlc_plugin_register_fn)(void);

/* ---- registry ------------------------------------------------------------ */

typedef struct etlc_protocol_info {
    const char *name;
    const char *const *aliases;
    const char *description;
    bool built_in;   /* false: known to etlconn but compiled out of this build
                        (true for usable plugins too: then `plugin` is set) */
    bool plugin;     /* loaded from ETLCONN_PLUGIN_PATH or registered at run time */
    const etlc_connector_ops *ops; /* NULL when not built in */
} etlc_protocol_info;

/* Resolve a protocol name or alias (case-insensitive). Errors:
 * NOT_BUILT_IN for a known protocol compiled out; UNKNOWN_PROTOCOL listing
 * the known ones (with "did you mean"). Loads plugins on first use. */
int etlc_registry_find(const char *protocol, const etlc_connector_ops **ops, etlc_error *err);
/* All protocols, built-in first, then plugins; count returned. Borrowed array. */
size_t etlc_registry_list(const etlc_protocol_info **list);
/* Register ops at run time (embedders, plugins). ABI checked; a name or
 * alias already taken is ETLC_PLUGIN; the same ops pointer again is a no-op.
 * `ops` must stay valid for the life of the process. */
int etlc_registry_add(const etlc_connector_ops *ops, etlc_error *err);
/* Load one plugin shared object. */
int etlc_plugin_load(const char *path, etlc_error *err);
/* Load every *.so in the ':'-separated ETLCONN_PLUGIN_PATH (once; later calls
 * are no-ops). Failures are logged and returned in err; good plugins still load. */
int etlc_plugins_load_env(etlc_error *err);

/* ---- connectors ---------------------------------------------------------- */

typedef struct etlc_connector etlc_connector;

/* Build and connect a fresh (uncached) connector. Owns nothing of cfg: the
 * caller frees it, after releasing the connector (etlc_connector_config
 * returns it). */
int etlc_connector_open(const etlc_connector_ops *ops, const etlc_config *cfg,
                        etlc_connector **out, etlc_error *err);
/* `etlc_create_connector(config)`: picks the connector from the config's
 * `protocol` (file key, dict or override), loads and validates the config,
 * connects. Uncached. */
int etlc_create_connector(const etlc_config_sources *sources, etlc_connector **out,
                          etlc_error *err);
const etlc_connector_ops *etlc_connector_ops_of(const etlc_connector *c);
const etlc_config *etlc_connector_config(const etlc_connector *c);
int etlc_connector_test(etlc_connector *c, etlc_health *health, etlc_error *err);

/* Where and how a fetch lands. */
/* Called after each batch is handed to the sink (for progress displays). */
typedef void (*etlc_progress_fn)(void *userdata, uint64_t records, uint64_t batches);

typedef struct etlc_land_options {
    const char *lake_root;       /* NULL = "./lake" */
    etlc_sink_options sink;      /* format etc.; vars.protocol/source/date/query_hash filled if NULL */
    etlc_progress_fn progress;   /* optional */
    void *progress_userdata;
} etlc_land_options;

/* Fetch and land: runs the connector's fetch into a sink in the lake, and
 * returns the IngestionResult (also on failure, status "failed", with the
 * error recorded; *result may then be used for reporting). Nothing partial
 * becomes visible on failure. */
int etlc_connector_fetch(etlc_connector *c, const etlc_fetch_request *req,
                         const etlc_land_options *land, etlc_result **result, etlc_error *err);
/* Release: returns a cached connector to the cache, closes an uncached one. NULL ok. */
void etlc_connector_release(etlc_connector *c);

/* ---- cache and façade ---------------------------------------------------- */

typedef struct etlc_get_options {
    bool no_reuse; /* true: a fresh, uncached connector (reuse = false) */
} etlc_get_options;

/* get_connection(protocol, ...): load config for `protocol` from `sources`,
 * then return a cached live connector for the same protocol + non-secret
 * config + secret hash (+ thread for per-thread sessions), or connect a new
 * one and cache it. Release it with etlc_connector_release. */
int etlc_get_connection(const char *protocol, const etlc_config_sources *sources,
                        const etlc_get_options *opts, etlc_connector **out, etlc_error *err);
/* test_connection(protocol, ...): connect (through the cache) and health-check. */
int etlc_test_connection(const char *protocol, const etlc_config_sources *sources,
                         etlc_health *health, etlc_error *err);
/* Close every cached connector; ones still held are closed at their release. */
void etlc_close_all_connections(void);
/* Number of live cache entries (tests, diagnostics). */
size_t etlc_cache_size(void);

/* load_connection_config(protocol, ...): resolve protocol and load its config. */
int etlc_load_connection_config(const char *protocol, const etlc_config_sources *sources,
                                etlc_config **out, etlc_error *err);

#ifdef __cplusplus
}
#endif
#endif
