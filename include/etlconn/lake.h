/* etlconn — lake storage and sinks.
 *
 * A lake is a root (a local directory by default) where files become
 * visible only whole: written under a temporary name in the target
 * directory, fsynced, renamed to a deterministic final name, and the
 * directory fsynced. A sink turns record batches into files of one format
 * (jsonl, csv, parquet) in a lake and reports them as IngestedItems.
 *
 * Threads: a lake, each of its files, readers and locks, and each sink are
 * used by one thread at a time; open a lake per thread to write in parallel
 * (lakes on the same root may be used at once: files become visible by
 * atomic rename or a single PUT, so writers never see each other's parts).
 * etlc_lake_render_path and the format queries are thread-safe. */
#ifndef ETLCONN_LAKE_H
#define ETLCONN_LAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "record.h"
#include "result.h"

ETLC_BEGIN_DECLS

typedef struct etlc_lake etlc_lake;
typedef struct etlc_lake_file etlc_lake_file;

/* A local directory lake; `root` is created if missing. */
int etlc_lake_open_local(const char *root, etlc_lake **out, etlc_error *err);
void etlc_lake_free(etlc_lake *lake);
/* Borrowed; valid until etlc_lake_free. */
const char *etlc_lake_root(const etlc_lake *lake);

/* ---- S3-compatible object store lake -------------------------------------
 * Files land as objects s3://bucket/prefix/relpath. A file smaller than the
 * multipart threshold is buffered and PUT once at commit; a larger one is a
 * multipart upload (parts sent as they fill, completed at commit, aborted on
 * abort or failure), so an object appears only whole. Memory per open file
 * is bounded by max(part_size, multipart_threshold). Unset (NULL/0) fields
 * fall back to the environment as noted, then to the default. */
#define ETLC_LAKE_S3_DEFAULT_PART_SIZE ((size_t)8 * 1024 * 1024)
#define ETLC_LAKE_S3_MIN_PART_SIZE ((size_t)5 * 1024 * 1024)

typedef struct etlc_lake_s3_options {
    const char *endpoint;          /* "http://127.0.0.1:8333"; AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL,
                                      else https://s3.<region>.amazonaws.com */
    const char *region;            /* AWS_REGION, AWS_DEFAULT_REGION, else "us-east-1" */
    const char *bucket;            /* required */
    const char *prefix;            /* key prefix ("raw/etl"), NULL or "" for none */
    bool path_style;               /* http://host/bucket/key (SeaweedFS, MinIO) instead of
                                      http://bucket.host/key */
    const char *access_key_id;     /* AWS_ACCESS_KEY_ID */
    const char *secret_access_key; /* AWS_SECRET_ACCESS_KEY; secret */
    const char *session_token;     /* AWS_SESSION_TOKEN (only when the keys also came from
                                      the environment); secret; optional */
    size_t part_size;              /* 0 = 8 MiB; at least 5 MiB, at most 5 GiB */
    size_t multipart_threshold;    /* 0 = part_size; files this big or bigger use multipart */
    int max_retries;               /* per request, for 5xx / timeouts: 0 = 4, < 0 = none */
    long timeout_ms;               /* per request: 0 = 300000 */
    long connect_timeout_ms;       /* 0 = 10000 */
    bool skip_bucket_check;        /* don't HEAD the bucket at open (for writers without
                                      s3:ListBucket); errors then surface at commit */
} etlc_lake_s3_options;

/* Open a lake in an S3 bucket. Unless skip_bucket_check, checks the bucket
 * exists and the credentials are accepted (HEAD bucket): ETLC_AUTH_DENIED,
 * ETLC_IO_NOT_FOUND (no such bucket), ETLC_CONNECT_REFUSED, ... The secret
 * key and token are registered with the redactor. etlc_lake_root() is
 * "s3://bucket[/prefix]" and committed files' final paths are
 * "s3://bucket/prefix/relpath". */
int etlc_lake_open_s3(const etlc_lake_s3_options *opts, etlc_lake **out, etlc_error *err);

/* Open a lake from a URI: "s3://bucket[/prefix]" (the other S3 settings
 * come from `s3_defaults`, may be NULL, and the environment; path-style
 * addressing is used when an endpoint is set), "file:///dir" or a plain
 * directory path (local lake). */
int etlc_lake_open_uri(const char *uri, const etlc_lake_s3_options *s3_defaults, etlc_lake **out,
                       etlc_error *err);

/* Reject paths that are absolute, contain "..", empty segments, control
 * bytes, backslashes or are longer than 1024 bytes. 0 or ETLC_IO_PATH. */
int etlc_lake_check_relpath(const char *relpath, etlc_error *err);

/* Start a file at `relpath` (relative to the root). Nothing is visible at
 * that path until commit. */
int etlc_lake_file_create(etlc_lake *lake, const char *relpath, etlc_lake_file **out,
                          etlc_error *err);
/* Append bytes; they are counted and hashed (SHA-256) as they pass. */
int etlc_lake_file_write(etlc_lake_file *f, const void *data, size_t len, etlc_error *err);
uint64_t etlc_lake_file_size(const etlc_lake_file *f);
/* Make the file durable and visible. On success fills *byte_count, sha256
 * (65 bytes) and *final_path (malloc'd, root-joined) and frees f. On failure
 * removes the temporary file and frees f. */
int etlc_lake_file_commit(etlc_lake_file *f, uint64_t *byte_count, char sha256[65],
                          char **final_path, etlc_error *err);
/* Remove the temporary file and free f. NULL ok. */
void etlc_lake_file_abort(etlc_lake_file *f);

/* ---- reading and managing what is in a lake -----------------------------
 * Both backends (local, S3) implement these, so whatever reads the lake
 * (the loader, checkpoints, listings) works the same on either. Temporary
 * files of uncommitted writes are never listed or read. */

typedef struct etlc_lake_entry {
    const char *relpath;   /* relative to the root; borrowed for the callback */
    uint64_t size;
    int64_t mtime_us;      /* last modification, UTC microseconds; 0 if unknown */
    const char *etag;      /* S3 ETag as the server sent it, NULL for local files */
} etlc_lake_entry;

/* Return 0 to go on, an etlc code to stop the listing with that code. */
typedef int (*etlc_lake_list_fn)(void *userdata, const etlc_lake_entry *entry, etlc_error *err);

/* Every committed file under `prefix` (a relpath prefix; "" or NULL = the
 * whole lake), recursively, in byte order of relpath. A prefix that matches
 * nothing lists nothing (not an error). */
int etlc_lake_list(etlc_lake *lake, const char *prefix, etlc_lake_list_fn fn, void *userdata,
                   etlc_error *err);

/* A whole small file (a checkpoint, a manifest) into *data (malloc'd, NUL
 * after the last byte). IO_NOT_FOUND when absent; IO when larger than
 * max_bytes (0 = 64 MiB). */
int etlc_lake_read(etlc_lake *lake, const char *relpath, size_t max_bytes, char **data, size_t *len,
                   etlc_error *err);

/* Random-access reading of a committed file (ranged GETs on S3), for the
 * Parquet reader and the loader. Used by one thread at a time. */
typedef struct etlc_lake_reader etlc_lake_reader;
int etlc_lake_reader_open(etlc_lake *lake, const char *relpath, etlc_lake_reader **out,
                          uint64_t *size, etlc_error *err);
/* Up to len bytes at offset; *got < len only at the end of the file. */
int etlc_lake_reader_pread(etlc_lake_reader *r, uint64_t offset, void *buf, size_t len, size_t *got,
                           etlc_error *err);
void etlc_lake_reader_close(etlc_lake_reader *r); /* NULL ok */

/* Write a small file whole and atomically (create, write, commit). */
int etlc_lake_put(etlc_lake *lake, const char *relpath, const void *data, size_t len,
                  etlc_error *err);
/* Remove a committed file; one already absent is not an error. */
int etlc_lake_delete(etlc_lake *lake, const char *relpath, etlc_error *err);

/* ---- exclusive holds -------------------------------------------------------
 * One run at a time per checkpoint. Local lake: flock(2) on the file at
 * relpath (the kernel drops it when the process dies; the holder text is
 * written into the file for messages). S3: a lease object created with
 * If-None-Match: * (a conditional PUT; where the server ignores it, a
 * read-back confirms who won) that expires ttl_ms after its last renewal; an
 * expired lease is taken over. wait_ms 0 fails at once; > 0 retries until
 * then. A hold that cannot be had is ETLC_BUSY with a message naming the
 * holder and since when. */
typedef struct etlc_lake_lock etlc_lake_lock;
int etlc_lake_lock_acquire(etlc_lake *lake, const char *relpath, const char *holder, int64_t wait_ms,
                           int64_t ttl_ms, etlc_lake_lock **out, etlc_error *err);
/* Extend an S3 lease (call well before ttl_ms runs out); no-op locally. */
int etlc_lake_lock_renew(etlc_lake_lock *lock, etlc_error *err);
/* Release and free. NULL ok. */
void etlc_lake_lock_release(etlc_lake_lock *lock);

/* ---- path templates ------------------------------------------------------
 * Placeholders: {protocol} {source} {date} (YYYY-MM-DD, UTC) {run_id}
 * {query_hash} (12 hex) {part} (5 digits) {ext} {format}. Values are made
 * path-safe (bytes outside [A-Za-z0-9._=-] become '_'); the result is checked
 * with etlc_lake_check_relpath. Unknown placeholders are an error. */
#define ETLC_LAKE_DEFAULT_TEMPLATE "{protocol}/{source}/dt={date}/{query_hash}-part-{part}.{ext}"

typedef struct etlc_path_vars {
    const char *protocol;
    const char *source;
    const char *date;
    const char *run_id;
    const char *query_hash;
    unsigned part;
    const char *ext;
    const char *format;
} etlc_path_vars;

int etlc_lake_render_path(const char *tmpl, const etlc_path_vars *vars, char **out,
                          etlc_error *err);

/* ---- sinks --------------------------------------------------------------- */

typedef struct etlc_sink etlc_sink;

typedef struct etlc_sink_options {
    const char *format;        /* "parquet" (default when built), "jsonl", "csv" */
    const char *path_template; /* NULL = ETLC_LAKE_DEFAULT_TEMPLATE */
    etlc_path_vars vars;       /* part and ext are filled by the sink */
    const char *query;         /* the query or resource, recorded in file metadata; NULL ok */
    /* Parquet only */
    const char *compression;   /* "zstd" (default), "snappy", "gzip", "none" */
    int64_t row_group_bytes;   /* 0 = default (64 MiB) */
    /* Roll to a new file after this many records; 0 = one file per fetch. */
    int64_t max_records_per_file;
    /* Parquet only: 0 = the codec's default (zstd 1, gzip 6); zstd 1..22,
     * gzip 1..9 (etlc_parquet_level_check). */
    int compression_level;
    /* Parquet only: threads compressing pages; 0 = one per online CPU,
     * 1 = none. The files' bytes do not depend on it. */
    int parquet_threads;
} etlc_sink_options;

/* Formats compiled in ("jsonl", "csv", and "parquet" when built). */
bool etlc_sink_format_supported(const char *format);
/* The format used when etlc_sink_options.format is NULL: "parquet" when
 * built, else "jsonl". */
const char *etlc_sink_default_format(void);

int etlc_sink_open(etlc_lake *lake, const etlc_sink_options *opts, etlc_sink **out,
                   etlc_error *err);
int etlc_sink_write(etlc_sink *sink, const etlc_batch *batch, etlc_error *err);
/* Commit every file the sink wrote (one, even for an empty result) and add
 * an item for each to `result`. Frees the sink. On failure nothing new is
 * visible. */
int etlc_sink_finish(etlc_sink *sink, etlc_result *result, etlc_error *err);
/* Discard everything the sink wrote; nothing becomes visible. Frees. NULL ok. */
void etlc_sink_abort(etlc_sink *sink);

/* The consumer view of a sink, for a connector's fetch. */
etlc_batch_consumer etlc_sink_consumer(etlc_sink *sink);

/* ---- format plug-in point (used by src/sinks/<format>.c) ----------------- */
typedef struct etlc_sink_format {
    const char *name;          /* "jsonl" */
    const char *ext;           /* "jsonl" */
    const char *content_type;  /* "application/x-ndjson" */
    size_t state_size;
    /* Begin a file: write any header. `file` is where bytes go. */
    int (*begin)(void *state, const etlc_sink_options *opts, etlc_lake_file *file, etlc_error *err);
    int (*write)(void *state, const etlc_batch *batch, etlc_lake_file *file, etlc_error *err);
    /* Write any footer; the file is committed by the caller afterwards. */
    int (*end)(void *state, etlc_lake_file *file, etlc_error *err);
    /* Release state (after end, or on abort). */
    void (*release)(void *state);
} etlc_sink_format;

ETLC_END_DECLS
#endif
