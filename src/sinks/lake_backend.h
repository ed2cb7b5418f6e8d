/* etlconn — the lake's storage backends (private).
 *
 * struct etlc_lake holds a backend vtable so another store (S3) can be
 * added without touching the public API. The generic layer (lake.c) checks
 * paths, counts bytes and computes SHA-256; a backend only moves bytes. */
#ifndef ETLCONN_LAKE_BACKEND_H
#define ETLCONN_LAKE_BACKEND_H

#include <openssl/evp.h>

#include "core/internal.h"

/* Reading and managing committed files (paths already checked by the
 * generic layer, lake_manage.c). */
typedef struct etlc_lake_manage_ops {
    /* Committed files under `prefix` ("" = all), in byte order of relpath. */
    int (*list)(etlc_lake *lake, const char *prefix, etlc_lake_list_fn fn, void *userdata,
                etlc_error *err);
    /* Open a committed file for reading; *rstate is the backend's own. */
    int (*reader_open)(etlc_lake *lake, const char *relpath, void **rstate, uint64_t *size,
                       etlc_error *err);
    int (*reader_pread)(void *rstate, uint64_t offset, void *buf, size_t len, size_t *got,
                        etlc_error *err);
    void (*reader_close)(void *rstate);
    /* Remove a committed file by relpath; absent is fine. */
    int (*remove)(etlc_lake *lake, const char *relpath, etlc_error *err);
    /* One attempt at the hold: ETLC_BUSY (message naming the holder and
     * since when) if another has it. The generic layer polls for wait_ms. */
    int (*lock_try)(etlc_lake *lake, const char *relpath, const char *holder, int64_t ttl_ms,
                    void **lstate, etlc_error *err);
    int (*lock_renew)(void *lstate, etlc_error *err);
    void (*lock_release)(void *lstate);
    /* Optional (NULL: writes need no condition, e.g. the local lake, whose
     * holds are flocks): read a small file with an opaque version token
     * (malloc'd; S3: its ETag), IO_NOT_FOUND when absent; and replace a
     * file only if it is still at `version` (NULL: only if absent),
     * ETLC_BUSY when not, filling *new_version (malloc'd). */
    int (*read_versioned)(etlc_lake *lake, const char *relpath, size_t max_bytes, etlc__buf *body,
                          char **version, etlc_error *err);
    int (*put_if)(etlc_lake *lake, const char *relpath, const void *data, size_t len,
                  const char *version, char **new_version, etlc_error *err);
} etlc_lake_manage_ops;

typedef struct etlc_lake_backend {
    const char *name;        /* "local" */
    size_t file_state_size;  /* bytes of per-file state the generic layer allocates (zeroed) */
    /* Start a file at root/relpath (relpath already checked); nothing visible yet. */
    int (*create)(etlc_lake *lake, const char *relpath, void *fstate, etlc_error *err);
    /* Append all of data. */
    int (*write)(void *fstate, const void *data, size_t len, etlc_error *err);
    /* Optional: make the bytes durable but not yet visible, releasing
     * resources such as the descriptor; commit still follows. */
    int (*seal)(void *fstate, etlc_error *err);
    /* Make the file visible under its final name; fills *final_path
     * (malloc'd). On failure nothing is left behind. Releases fstate's
     * resources either way. */
    int (*commit)(void *fstate, char **final_path, etlc_error *err);
    /* Optional: commit but leave the fsync of the directory to the caller
     * (etlc__dir_batch); the file's own bytes are made durable first. */
    int (*commit_nodirsync)(void *fstate, char **final_path, etlc_error *err);
    /* Drop the file; nothing is left behind. Safe after a failed create. */
    void (*abort)(void *fstate);
    /* Remove an already committed file (used to undo a multi-file commit). */
    int (*remove_committed)(etlc_lake *lake, const char *final_path, etlc_error *err);
    void (*close)(etlc_lake *lake);

    /* Reading and managing committed files; NULL = not supported. */
    const struct etlc_lake_manage_ops *manage;
} etlc_lake_backend;

struct etlc_lake {
    const etlc_lake_backend *backend;
    char *root;    /* local directory, or a URI for object stores */
    void *state;   /* backend's own */
};

struct etlc_lake_file {
    etlc_lake *lake;
    EVP_MD_CTX *sha;
    uint64_t size;
    bool sealed;
    void *state;   /* backend's per-file state, file_state_size bytes */
};

/* A group of commits whose directory fsyncs are done once per directory,
 * together (lake_dirsync.c): landing many small files costs one fsync per
 * file instead of two. What is durable when: a file committed into a batch
 * has its bytes fsynced before its rename, so it is whole or absent under
 * its final name at any time, crash or not; the rename itself (the file
 * being there at all after a power loss) is durable only once
 * etlc__dir_batch_sync has returned 0. Callers advance a checkpoint only
 * after that. */
typedef struct etlc__dir_batch {
    char **paths;   /* one committed file per directory still to fsync */
    size_t n, cap;
    int failed;     /* errno of a directory fsync done early (no memory to defer it) */
} etlc__dir_batch;
/* Room for one more directory (done before a rename, so nothing can fail
 * after it), and noting a committed file's directory in it. */
int etlc__dir_batch_reserve(etlc__dir_batch *b, etlc_error *err);
void etlc__dir_batch_note(etlc__dir_batch *b, const char *final_path);
/* etlc_lake_file_commit, with the directory's fsync left to b on a
 * backend that can (local); others commit as usual. */
int etlc__lake_file_commit_batched(etlc_lake_file *f, etlc__dir_batch *b, uint64_t *byte_count,
                                   char sha256[65], char **final_path, etlc_error *err);
/* fsync every directory of the batch, then empty it; the first failure
 * (the batch is emptied anyway: its renames' durability is then unknown,
 * and the caller fails the run that made them). */
int etlc__dir_batch_sync(etlc__dir_batch *b, etlc_error *err);
void etlc__dir_batch_free(etlc__dir_batch *b);

/* Internal lake operations used by the sink. */
/* Finish writing f (durable, still invisible, descriptor released). */
int etlc__lake_file_seal(etlc_lake_file *f, etlc_error *err);
/* Undo a commit: remove the committed file at final_path. */
int etlc__lake_remove_committed(etlc_lake *lake, const char *final_path, etlc_error *err);

/* Conditional replacement of a small file (a checkpoint): read it with a
 * version token, write it back only if nobody changed it since. *version
 * (malloc'd) is NULL when the file is absent or the backend has no
 * versions; on such a backend (local: the writer is exclusive by its
 * flock) put_if is a plain etlc_lake_put. A changed file is ETLC_BUSY. */
int etlc__lake_read_versioned(etlc_lake *lake, const char *relpath, size_t max_bytes, char **data,
                              size_t *len, char **version, etlc_error *err);
int etlc__lake_put_if(etlc_lake *lake, const char *relpath, const void *data, size_t len,
                      const char *version, char **new_version, etlc_error *err);
/* The lifetime of a hold's lease in ms; 0 for a hold that never expires
 * (a flock, dropped only with its holder). */
int64_t etlc__lake_lock_ttl_ms(const etlc_lake_lock *lock);

/* A lake file over an existing local file `path` on the lake's file system
 * (a resumable part under {lake}/_partial/): its bytes are hashed first and
 * counted, writes append to it, commit renames it to relpath (fsync, rename,
 * fsync the directory, as any local commit), abort closes it and leaves it
 * where it is. ETLC_UNSUPPORTED on a lake that is not local. */
int etlc__lake_file_adopt(etlc_lake *lake, const char *relpath, const char *path,
                          etlc_lake_file **out, etlc_error *err);
/* The local backend's half of it (lake_local.c); *size is the file's. */
int etlc__lake_local_adopt(etlc_lake *lake, const char *relpath, const char *path, void *fstate,
                           uint64_t *size, etlc_error *err);

/* Remove, in the directory `dir_relpath` of a local lake (no-op on other
 * backends), the temporary files of writers on this host whose process is
 * gone (".<name>.tmp-<pid>-<hex>", kill(pid, 0) says ESRCH): what a kill -9
 * between create and commit leaves. Best effort; the count removed. A lake
 * directory shared by several hosts must not rely on it (another host's
 * pid means nothing here): such a writer's commit would then fail. */
int etlc__lake_sweep_dead_temporaries(etlc_lake *lake, const char *dir_relpath);

/* Fill err from errno, naming what was done to which path (lake_local.c). */
int etlc__lake_errno_error(etlc_error *err, int e, const char *what, const char *path);

/* The JSON text of a hold (local lock file, S3 lease object):
 * {"holder":..., "token":..., "acquired_at":..., "expires_at":...} with
 * RFC 3339 UTC times; token NULL and expires_us 0 are left out. malloc'd,
 * NULL when out of memory. */
char *etlc__lake_hold_json(const char *holder, const char *token, int64_t acquired_us,
                           int64_t expires_us);
/* Parse a hold's JSON; fields not present (or not parseable) are left as
 * they were; strings are malloc'd. 0, -1 when the text is not a hold, -2
 * when out of memory (then it may or may not be one). */
int etlc__lake_hold_parse(const char *text, size_t len, char **holder, char **token,
                          int64_t *acquired_us, int64_t *expires_us);
/* ETLC_BUSY naming the holder and since when, from a hold's text (which
 * may be empty or torn when read while being written). */
int etlc__lake_busy_error(etlc_error *err, const char *relpath, const char *text, size_t len);
/* 16 random hex digits (OpenSSL, else clock and counter) (lake_local.c). */
void etlc__lake_random_hex(char out[17]);
/* The wall clock in UTC microseconds. */
int64_t etlc__lake_now_us(void);

extern const etlc_lake_backend etlc__lake_backend_local;
extern const etlc_lake_manage_ops etlc__lake_local_manage;

/* Remove the temporaries of writers that are gone from local directory
 * `dir`; `who` names the log source; the count removed (lake_local_tidy.c). */
int etlc__remove_dead_temps(const char *dir, const char *who);
/* Whether process `pid` is gone (never true of this process). */
bool etlc__lake_process_gone(long pid);

#endif
