/* A small thread-safe pool of database sessions, shared by the connectors
 * that keep several (PostgreSQL, MariaDB/MySQL). The pool knows nothing of
 * the driver: a session is an opaque handle, and the connector supplies
 * connect / alive / keep / close callbacks.
 *
 *   - pool_min..pool_max sessions; `open` counts idle + handed out + being
 *     connected, so max is never exceeded.
 *   - acquire hands out the most recently used idle session after `alive`
 *     said yes (a dead or long-idle one is closed and replaced), else
 *     connects a new one (outside the lock: a slow server blocks no other
 *     thread), else waits up to wait_ms for a release, then fails with BUSY.
 *   - release keeps the session idle when the caller and `keep` say it is
 *     clean, else closes it; it also closes sessions above pool_min that sat
 *     idle longer than idle_timeout_ms (oldest first).
 *   - Pinning: a snapshot (the SQL capability) pins a session simply by
 *     holding it acquired for the whole run; the pool never touches a
 *     handed-out session, so nothing else runs on it until its release.
 *
 * No callback is ever called with the pool's lock held. */
#ifndef ETLCONN_CORE_POOL_H
#define ETLCONN_CORE_POOL_H

#include <pthread.h>

#include "core/internal.h"

typedef struct etlc__pool_ops {
    const char *name;     /* "PostgreSQL": in messages */
    const char *log_area; /* "postgres": the log's area */
    /* Open one session into *handle, or fill err. */
    int (*connect)(void *userdata, void **handle, etlc_error *err);
    /* Before an idle session is handed out again: still usable? */
    bool (*alive)(void *userdata, void *handle);
    /* At release of a session the caller called reusable: is it really
     * clean (no transaction, no half-read result)? NULL = yes. */
    bool (*keep)(void *userdata, void *handle);
    void (*close)(void *userdata, void *handle);
} etlc__pool_ops;

typedef struct etlc__pool_idle {
    void *handle;
    int64_t since_us; /* when it went idle */
} etlc__pool_idle;

typedef struct etlc__pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    bool initialised;
    bool closed;
    const etlc__pool_ops *ops;
    void *userdata;
    size_t min, max;
    int64_t idle_timeout_ms; /* 0 = never */
    int64_t wait_ms;         /* how long acquire waits for a free slot */
    etlc__pool_idle *idle;   /* max entries, oldest first */
    size_t nidle;
    size_t open;             /* idle + handed out + being connected */
} etlc__pool;

/* max 0 counts as 1, min is capped at max, wait_ms <= 0 means 30 s.
 * `ops` and `userdata` must outlive the pool. */
int etlc__pool_init(etlc__pool *pool, const etlc__pool_ops *ops, void *userdata, size_t min, size_t max,
                    int64_t idle_timeout_ms, int64_t wait_ms, etlc_error *err);
/* A live session: an idle one that passes `alive`, or a new one.
 * BUSY after wait_ms with all max sessions in use; INVALID_ARGUMENT once
 * the pool is closed; the connect callback's error otherwise. */
int etlc__pool_acquire(etlc__pool *pool, void **handle, etlc_error *err);
/* Give it back; `reusable` false (or `keep` saying no) closes it. NULL ok. */
void etlc__pool_release(etlc__pool *pool, void *handle, bool reusable);
/* Sessions currently open (idle + in use). */
size_t etlc__pool_open_count(etlc__pool *pool);
/* Initialised and not yet closed. */
bool etlc__pool_is_open(etlc__pool *pool);
/* Close every idle session and free the pool; call it when no session is
 * handed out any more (the connector's close). Safe on a zeroed or
 * half-made pool. */
void etlc__pool_destroy(etlc__pool *pool);

#endif
