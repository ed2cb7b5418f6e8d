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
#include "export.h"
#include "record.h"

ETLC_BEGIN_DECLS

/* Bumped whenever etlc_connector_ops or anything it points to changes shape.
 * 2: etlc_connector_ops gained `sql` (the optional SQL capability) at its end.
 * 3: it gained `records`, `bytes`, `stream` (optional source capabilities)
 *    and then `load` (destinations) after `sql`; `fetch` became optional when
 *    another capability is set (a destination has load and no fetch).
 *    Nothing before `sql` moved, so an ABI 2 ops table is still accepted:
 *    the registry copies it into a zeroed ABI 3 table (every new capability
 *    NULL) and never reads past its end. Older versions are refused.
 *    Before ABI 3 was first released, etlc_bytes_ops gained open_at,
 *    remove and move at its end (still ABI 3); likewise
 *    etlc_records_request and etlc_records_page gained `watermark`,
 *    etlc_records_ops gained `wanted` and etlc_resource gained
 *    `content_type`, each at its end. */
#define ETLC_ABI_VERSION 3
/* The oldest ops table shape the registry still accepts. */
#define ETLC_ABI_VERSION_MIN 2

/* ---- the load capability (destinations) ----------------------------------
 * A destination takes files from a lake (etlc_load_request, connector.h)
 * into its own store in one unit of work: all of it or none of it. */
struct etlc_load_ops {
    /* Load req->sources into req->target. On success *result_json is the
     * load result (malloc'd JSON, documented per destination, e.g.
     * docs/dw.md); nothing is set on failure. */
    int (*load)(void *ctx, const etlc_load_request *req, char **result_json, etlc_error *err);
};

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

/* ---- the optional records capability (ABI 3) ------------------------------
 * A generic paged request -> record batches, for sources that answer in
 * pages: JSON/REST APIs, Sheets, MongoDB, Cassandra, Neo4j. The driver
 * (src/pipeline/fetch_records.c) rolls consecutive pages into files and,
 * after each file's commit, records the last page's `next_cursor` in the
 * checkpoint (kind "records"), so a run that stops starts again at the
 * first page not in a committed file.
 *
 * Threads: fetch_pages runs on one thread at a time per connector (like
 * fetch); on_page is called on that same thread. */

typedef struct etlc_records_request {
    const char *resource;     /* what to read: an API path, a collection, a sheet, a statement */
    const etlc_kv *params;    /* key/value parameters, in order; NULL when nparams is 0 */
    size_t nparams;
    const char *cursor;       /* where to start: a next_cursor this connector handed out
                                 earlier; NULL = the first page */
    size_t batch_rows;        /* rows per page wanted (a hint); 0 = 10000 */
    /* Incremental reads: the last watermark a page of this connector handed
     * out (kept in the checkpoint across runs, see etlc_records_page); NULL
     * on the first run or for connectors that do not use one. */
    const char *watermark;
} etlc_records_request;

/* One page, borrowed for the duration of the on_page call. */
typedef struct etlc_records_page {
    const etlc_batch *batch;  /* the page's records; 0 rows is a valid (empty) page */
    const char *next_cursor;  /* opaque text resuming at the page after this one; NULL
                                 when this page is the last */
    /* Opaque text the driver keeps in the checkpoint once this page is
     * landed and hands back as etlc_records_request.watermark on later runs
     * (e.g. the largest cursor field seen so far); NULL = keep the previous one. */
    const char *watermark;
} etlc_records_page;

typedef struct etlc_page_consumer {
    /* 0 to go on, an etlc code to stop fetch_pages with it. */
    int (*on_page)(void *userdata, const etlc_records_page *page, etlc_error *err);
    void *userdata;
} etlc_page_consumer;

typedef struct etlc_records_ops etlc_records_ops;
struct etlc_records_ops {
    /* Read pages from req->cursor on, in order, handing each to `pages`,
     * until the last page (next_cursor NULL) or until on_page returns an
     * error, which fetch_pages returns as is. Every page but the last must
     * carry a next_cursor. */
    int (*fetch_pages)(void *ctx, const etlc_records_request *req, etlc_page_consumer pages,
                       etlc_error *err);
    /* Optional, for a connector with the bytes capability too: true when a
     * fetch goes through records, false when through bytes (e.g. the http
     * connector: records with a records_path, the raw body without). NULL:
     * records whenever this capability is set. */
    bool (*wanted)(void *ctx);
};

/* ---- the optional bytes capability (ABI 3) --------------------------------
 * Files landed as they are: list resources, then open one into a byte
 * consumer. For file, FTP, SFTP, WebDAV, HTTP downloads. The driver
 * (src/pipeline/fetch_bytes.c) streams each into the lake in bounded
 * memory, checks the size, hashes it, sniffs its content type and compares
 * the listing with the checkpoint (kind "files") to land only new or
 * changed resources.
 *
 * Threads: list and open run on one thread at a time per connector; the
 * callbacks are called on that thread.
 *
 * What the driver does around these calls, the same for every protocol:
 *  - It reads the shared option fragment (core/bytes_options.h: include,
 *    exclude, min_age, max_age, resume, after_landing, move_to) from the
 *    connector's config and applies include/exclude/age itself after
 *    `list`; a connector need not (but may) filter too. Names under
 *    move_to/ are never taken when after_landing is move.
 *  - It refuses, without calling open, names that are empty, absolute,
 *    have an empty, "." or ".." segment, or hold a control byte.
 *  - open_at is called only with resume on, res->size >= 0 and
 *    0 < offset < res->size, where offset is the byte count of the part
 *    the driver holds for this very version (size, mtime_us, etag as
 *    listed now equal those recorded with the part); the bytes it hands
 *    over are appended after them. A part of another version is dropped
 *    and open is called instead.
 *  - A retryable error from open/open_at (err->retryable, e.g. ETLC_IO
 *    "changed while read", or a dropped connection) makes the driver list
 *    that one resource again -- `pattern` is then its name with '*', '?',
 *    '[', ']' and '\\' escaped by '\\', recursive true -- and retry once,
 *    resuming the part when the version is unchanged. A non-retryable
 *    error fails that file (the part is kept for the next run).
 *  - remove/move are called after the file's lake commit and the
 *    checkpoint commit, also in a later run for a file landed earlier
 *    whose action did not happen; their failure is only a warning. */

typedef struct etlc_resource {
    const char *name;         /* relative to the connector's root, '/'-separated ("2026/a.csv") */
    int64_t size;             /* bytes; -1 when unknown */
    int64_t mtime_us;         /* last modification, UTC microseconds; 0 when unknown */
    const char *etag;         /* entity tag / version / inode+ctime; NULL when none */
    const char *content_type; /* MIME type the source states (an HTTP Content-Type); NULL =
                                 the driver sniffs it from the name and first bytes */
} etlc_resource;

typedef struct etlc_list_request {
    const char *pattern;      /* glob against the name (etlc_glob_match); NULL = every resource */
    bool recursive;           /* descend into sub-directories ("**" or a '/' in the pattern
                                 needs it) */
} etlc_list_request;

/* Called once per matching resource (borrowed for the call); 0 to go on. */
typedef int (*etlc_resource_fn)(void *userdata, const etlc_resource *res, etlc_error *err);

typedef struct etlc_byte_consumer {
    /* The next `len` bytes (len > 0); 0 to go on, an etlc code to stop. */
    int (*on_bytes)(void *userdata, const void *data, size_t len, etlc_error *err);
    void *userdata;
} etlc_byte_consumer;

typedef struct etlc_bytes_ops etlc_bytes_ops;
struct etlc_bytes_ops {
    /* Every resource the request matches, in byte order of name. A
     * connector may apply its own configured filters (exclude, age) too. */
    int (*list)(void *ctx, const etlc_list_request *req, etlc_resource_fn fn, void *userdata,
                etlc_error *err);
    /* Stream resource `res` (as listed) into `bytes` in chunks of bounded
     * size. When the resource is seen to change while it is read (size or
     * mtime no longer those listed), return ETLC_IO with a message saying
     * so and err->retryable set: the driver then lands nothing of it. */
    int (*open)(void *ctx, const etlc_resource *res, etlc_byte_consumer bytes, etlc_error *err);
    /* Optional (NULL: the protocol cannot): like open, from byte `offset`
     * (0 < offset < res->size) on, to resume a download from the part the
     * driver already holds (FTP REST, SFTP offset reads, HTTP Range). The
     * driver checks the whole file's size before it commits it. */
    int (*open_at)(void *ctx, const etlc_resource *res, int64_t offset, etlc_byte_consumer bytes,
                   etlc_error *err);
    /* Optional (NULL: not supported; asking for it is a config error): after
     * the resource's lake commit, delete it at the source, or move it to
     * `to` (a name relative to the connector's root, like res->name). The
     * driver passes `to` = "<move_to>/<res->name>" (move_to without a
     * trailing '/'); the connector creates the directories it needs. */
    int (*remove)(void *ctx, const etlc_resource *res, etlc_error *err);
    int (*move)(void *ctx, const etlc_resource *res, const char *to, etlc_error *err);
};

/* Match `name` against a glob: '*' any run of bytes but '/', '?' one byte
 * but '/', '[abc]' '[a-z]' '[!x]' '[^x]' a class, '\\' escapes, '**' as a
 * whole segment any number of segments (zero included: "**" "/" "x.csv"
 * matches "x.csv" and "a/b/x.csv"). A leading '.' is matched like any other
 * byte. True on a match. Thread-safe (pure). */
bool etlc_glob_match(const char *pattern, const char *name);

/* ---- the optional stream capability (ABI 3) -------------------------------
 * Unbounded sources with positions: Kafka, AMQP, NATS JetStream. The driver
 * (src/pipeline/consume_stream.c) lands each polled batch as one file named
 * by its (partition, first position) -- no date or run id in it -- then the
 * batch's dead letters (if any) beside it under `_dead_letter/`, then
 * stores the positions and the connector's state in the checkpoint (kind
 * "stream"), then calls commit(positions) so the source acknowledges them.
 * commit is never called for a batch whose files are not visible in the
 * lake, nor after a failure; a replay from the old positions (a crash
 * between landing and commit) writes the same names again, so the file is
 * overwritten, not duplicated. For that a batch holds the records of ONE
 * partition, in order, starting at the partition's next unlanded position.
 *
 * Positions kept by the source (ETLC_STREAM_SOURCE_POSITIONS: a Kafka
 * consumer group, a JetStream durable consumer shared by several
 * processes): the driver keeps no checkpoint (several consumers share the
 * resource; partitions move between them), subscribe gets no start or
 * state, and effectively-once rests on the deterministic file names.
 *
 * Threads: subscribe, poll, commit and unsubscribe run on one thread at a
 * time per subscription. cancel may be called from any other thread (not
 * from a signal handler) while poll waits: poll then returns
 * ETLC_CANCELLED promptly. The rebalance callbacks are called from inside
 * poll, on the polling thread; when a partition is revoked nothing of it
 * is pending in the driver (every batch is landed before the next poll). */

typedef struct etlc_stream_position {
    const char *partition;    /* "orders/3", a queue or subject name; path-safe text preferred */
    int64_t first;            /* position of the batch's first record in that partition */
    int64_t next;             /* where to resume: one past the batch's last record */
} etlc_stream_position;

typedef struct etlc_stream_batch {
    const etlc_batch *batch;  /* NULL or 0 rows: nothing arrived before the timeout */
    const etlc_stream_position *positions; /* one per partition present in the batch */
    size_t npositions;
    /* Messages that could not become records (e.g. not JSON in json mode):
     * NULL or 0 rows when none. Landed (as a file of the run's format)
     * under `_dead_letter/` with the batch's name before anything is
     * committed, so they are never dropped silently. */
    const etlc_batch *dead_letters;
    /* NULL, or a JSON text the connector wants kept with the positions
     * (AMQP: the ids of the batch, to drop their redelivery after a crash
     * between the checkpoint and the ack). Given back to subscribe. */
    const char *state;
} etlc_stream_batch;         /* borrowed until the next poll, commit or unsubscribe */

/* When a poll returns: at the first of max_records records, max_bytes of
 * payload (key + value + headers), or timeout_ms after it began (what has
 * arrived by then, maybe nothing). One poll = one micro-batch = one file. */
typedef struct etlc_stream_limits {
    int64_t timeout_ms;
    size_t max_records;
    size_t max_bytes;         /* 0: no byte limit */
} etlc_stream_limits;

typedef struct etlc_stream_callbacks {
    /* Partitions given to / taken from this subscription (group rebalance). NULL ok. */
    void (*assigned)(void *userdata, const char *const *partitions, size_t n);
    void (*revoked)(void *userdata, const char *const *partitions, size_t n);
    void *userdata;
} etlc_stream_callbacks;

#define ETLC_STREAM_SOURCE_POSITIONS 0x1u /* the source keeps positions per consumer group */

typedef struct etlc_stream_ops etlc_stream_ops;
struct etlc_stream_ops {
    unsigned flags;           /* ETLC_STREAM_* */
    /* Start reading `resource` (topic, queue, subject). `start` holds the
     * checkpointed positions (resume at each `next`), NULL on a first run;
     * `state` the last batch's state text (NULL if none). A connector that
     * can seek does; others rely on unacknowledged redelivery and skip what
     * lies before `next` or what `state` names. *sub receives the handle. */
    int (*subscribe)(void *ctx, const char *resource, const etlc_stream_position *start,
                     size_t nstart, const char *state, const etlc_stream_callbacks *cb,
                     void **sub, etlc_error *err);
    /* One micro-batch within `limits` (see etlc_stream_limits). */
    int (*poll)(void *ctx, void *sub, const etlc_stream_limits *limits, etlc_stream_batch *out,
                etlc_error *err);
    /* Acknowledge everything before positions[i].next in each partition:
     * called only after the files holding those records are visible and
     * the checkpoint holds the positions. */
    int (*commit)(void *ctx, void *sub, const etlc_stream_position *positions, size_t n,
                  etlc_error *err);
    /* Make a waiting or the next poll return ETLC_CANCELLED. Any thread. */
    void (*cancel)(void *ctx, void *sub);
    /* Leave and free the subscription (uncommitted records are redelivered). NULL ok. */
    void (*unsubscribe)(void *ctx, void *sub);
};

#define ETLC_CONNECTOR_PER_THREAD 0x1u /* sessions: the cache keys them by thread */
/* fetch, test, alive, source_name and the sql capability may run at the same
 * time from several threads on one connector: the connector serialises what
 * must be serialised itself (each call takes its own session from a pool, and
 * the context is only read after connect). Without this flag the core runs
 * those calls one thread at a time per connector. connect and close are
 * never concurrent with anything. */
#define ETLC_CONNECTOR_CONCURRENT 0x2u

/* A source sets `fetch` (and optional capabilities before the
 * "destinations" line); a destination sets `load` and leaves fetch NULL. */
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
    /* Stream the request's records into `consumer`, one batch at a time.
     * Optional (NULL) from ABI 3 on when records, bytes or stream is set;
     * NULL for a destination. */
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
    /* Optional capabilities (ABI 3+); NULL when not implemented. Plugins
     * built for ABI 2 end before these: the registry reads them as NULL. */
    const etlc_records_ops *records;
    const etlc_bytes_ops *bytes;
    const etlc_stream_ops *stream;
    /* destinations */
    /* The load capability (ABI 3+): set by destinations, whose fetch is
     * NULL; NULL for sources. */
    const etlc_load_ops *load;
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

ETLC_END_DECLS
#endif
