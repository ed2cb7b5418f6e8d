/* etlconn — connections for embedders: requests, connectors, the registry,
 * the cache and the façade (get_connection, test_connection, ...).
 *
 * Connector and plugin authors include etlconn/connector_api.h, which adds
 * the ops table, its capabilities and the batch-building helpers.
 *
 * Threads:
 *   registry, plugins   thread-safe (a lock; borrowed arrays stay valid).
 *   cache and façade    thread-safe: get_connection, test_connection and
 *                       close_all_connections from any thread; no lock is
 *                       held while connector code runs.
 *   etlc_connector      may be shared by threads. Its fetch, test and
 *                       health calls run in parallel when its ops carry
 *                       ETLC_CONNECTOR_CONCURRENT (postgres, mysql: each
 *                       call takes its own pooled session; beyond pool_max a
 *                       call waits for a session up to connect_timeout, then
 *                       fails with ETLC_BUSY), else one at a time (the other
 *                       threads wait). Release it once per holder.
 *   a fetch request and land options are only read during the call.
 *   cancel tokens       see etlconn/cancel.h: any thread, signal handlers. */
#ifndef ETLCONN_CONNECTOR_H
#define ETLCONN_CONNECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cancel.h"
#include "config.h"
#include "error.h"
#include "export.h"
#include "lake.h"
#include "record.h"
#include "result.h"

ETLC_BEGIN_DECLS

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
    /* The run's cancel token, NULL = none. The core checks it between
     * batches itself (and sets it from etlc_land_options.cancel); a
     * connector may also watch it to interrupt a long wait in the server. */
    const etlc_cancel *cancel;
    /* Set by etlconn's own Parquet landing (never needed by embedders): a
     * connector may hand DECIMAL columns of known precision as scaled
     * integers without their text. Connectors may ignore it. */
    bool decimals_scaled;
} etlc_fetch_request;

/* The protocol's operations (opaque here; etlconn/connector_api.h defines it). */
typedef struct etlc_connector_ops etlc_connector_ops;
typedef struct etlc_sql_ops etlc_sql_ops;
typedef struct etlc_load_ops etlc_load_ops;

typedef struct etlc_health {
    bool healthy;
    double latency_ms;
    char server_version[128];
    char detail[256];           /* redacted */
} etlc_health;

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

/* Fetch without landing: the connector's records handed to `consumer`
 * batch by batch (each batch borrowed for the on_batch call, then reused),
 * nothing written, no result. For record-shaped sources: a SQL `fetch`, or
 * the records capability read from its first page (params "key=value"
 * texts). req->cancel is checked before each batch (ETLC_CANCELLED). A
 * file-shaped or stream connector, or a destination, is ETLC_UNSUPPORTED.
 * The consumer's error code ends the fetch and is returned. */
int etlc_connector_fetch_batches(etlc_connector *c, const etlc_fetch_request *req,
                                 etlc_batch_consumer consumer, etlc_error *err);

/* Where and how a fetch lands. */
/* Called after each batch is handed to the sink (for progress displays). */
typedef void (*etlc_progress_fn)(void *userdata, uint64_t records, uint64_t batches);

typedef struct etlc_land_options {
    const char *lake_root;       /* NULL = "./lake" */
    etlc_sink_options sink;      /* format etc.; vars.protocol/source/date/query_hash filled if NULL */
    etlc_progress_fn progress;   /* optional */
    void *progress_userdata;
    etlc_cancel *cancel;         /* optional: checked between batches; a requested token
                                    ends the run with ETLC_CANCELLED, nothing kept */
    /* Bytes sources only (file, ftp, ssh, webdav): after a file is landed
     * as is, read it as "csv", "jsonl" or "parquet" (NULL: don't). CSV and
     * JSONL become records in sink.format (default Parquet when built)
     * under the same record path as SQL sources (sink.path_template,
     * default ETLC_LAKE_DEFAULT_TEMPLATE), {query_hash} being the hash of
     * the remote path; the raw file is then removed unless keep_raw. A
     * Parquet file stays as landed and is checked readable end to end. */
    const char *parse;
    bool keep_raw;
} etlc_land_options;

/* Fetch and land: runs the connector's fetch into a sink in the lake, and
 * returns the IngestionResult (also on failure, status "failed", with the
 * error recorded; *result may then be used for reporting). Nothing partial
 * becomes visible on failure. */
int etlc_connector_fetch(etlc_connector *c, const etlc_fetch_request *req,
                         const etlc_land_options *land, etlc_result **result, etlc_error *err);
/* ---- consuming a stream (kafka, amqp, nats: the stream capability) -------
 * Micro-batches: each poll gathers messages until max_messages, max_bytes
 * or max_ms, and lands them as one file named by (partition, first
 * position); only then are their positions checkpointed and acknowledged
 * to the broker (docs/streams.md). The run stops after max_batches files,
 * at the first window that brings nothing when until_idle, or when
 * land->cancel is requested (ETLC_CANCELLED; what was landed and
 * acknowledged before stays, the batch in progress is abandoned
 * unacknowledged and will be delivered again). */
typedef struct etlc_consume_request {
    const char *resource;       /* topic, queue or subject; NULL = the config's */
    size_t max_messages;        /* per micro-batch; 0 = 10000 */
    size_t max_bytes;           /* payload bytes per micro-batch; 0 = 64 MiB */
    int64_t max_ms;             /* the micro-batch window; 0 = 5000 */
    int64_t max_batches;        /* stop after this many files; 0 = no limit */
    bool until_idle;            /* stop at the first window with nothing in it */
} etlc_consume_request;

/* Consume and land (see above). ETLC_UNSUPPORTED for a connector without
 * the stream capability. *result as for etlc_connector_fetch; its items
 * are the files landed. */
int etlc_connector_consume(etlc_connector *c, const etlc_consume_request *req,
                           const etlc_land_options *land, etlc_result **result, etlc_error *err);
/* Release: returns a cached connector to the cache, closes an uncached one. NULL ok. */
void etlc_connector_release(etlc_connector *c);

/* ---- loading into a destination ------------------------------------------ */

/* Called as a load goes: rows and file bytes done so far. */
typedef void (*etlc_load_progress_fn)(void *userdata, uint64_t rows, uint64_t bytes);

struct etlc_lake_s3_options;

typedef struct etlc_load_request {
    /* What to load, each a lake URI: a local file (.parquet, .jsonl, .csv),
     * a local directory (searched recursively), an IngestionResult .json
     * (its items), or "s3://bucket/prefix/" (every such file under it). */
    const char *const *sources;
    size_t nsources;
    const char *target;         /* the table (dw: in the configured schema) */
    const char *mode;           /* NULL = the destination's default ("append") */
    const char *const *keys;    /* merge keys */
    size_t nkeys;
    size_t batch_rows;          /* JSONL/CSV rows per batch; 0 = 10000 */
    /* S3 settings besides bucket/prefix for s3:// sources (endpoint,
     * credentials, ...); NULL = the environment (AWS_*), as for --lake. */
    const struct etlc_lake_s3_options *s3;
    etlc_load_progress_fn progress; /* optional */
    void *progress_userdata;
    /* Optional: checked between batches; a requested token rolls the load
     * back (ETLC_CANCELLED, nothing changed). dw: etlc_dw_load_options.cancel. */
    etlc_cancel *cancel;
    /* dw: load files already in the load journal for this table again
     * (etlc_dw_load_options.force). Appended: zero keeps the old behaviour. */
    bool force;
} etlc_load_request;

/* Load into a destination connector (one whose protocol has the load
 * capability; `etlconn protocols` shows the kind). *result_json is the
 * destination's load result (malloc'd JSON; dw: docs/dw.md). A source is
 * ETLC_UNSUPPORTED. */
int etlc_connector_load(etlc_connector *c, const etlc_load_request *req, char **result_json,
                        etlc_error *err);
/* "source" or "destination" (static). */
const char *etlc_connector_ops_kind(const etlc_connector_ops *ops);

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

ETLC_END_DECLS
#endif
