/* The generic session pool (pool.h): the locking, waiting, reuse and idle
 * policy shared by the PostgreSQL and MariaDB/MySQL connectors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/pool.h"

int etlc__pool_init(etlc__pool *pool, const etlc__pool_ops *ops, void *userdata, size_t min, size_t max,
                    int64_t idle_timeout_ms, int64_t wait_ms, etlc_error *err)
{
    memset(pool, 0, sizeof *pool);
    pool->ops = ops;
    pool->userdata = userdata;
    pool->max = max ? max : 1;
    pool->min = min > pool->max ? pool->max : min;
    pool->idle_timeout_ms = idle_timeout_ms;
    pool->wait_ms = wait_ms > 0 ? wait_ms : 30000;
    pool->idle = calloc(pool->max, sizeof *pool->idle);
    if (!pool->idle)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating the %s pool", ops->name);
    if (pthread_mutex_init(&pool->lock, NULL) != 0)
        return etlc_error_set(err, ETLC_INTERNAL, "cannot create the %s pool lock", ops->name);
    if (pthread_cond_init(&pool->freed, NULL) != 0) {
        pthread_mutex_destroy(&pool->lock);
        return etlc_error_set(err, ETLC_INTERNAL, "cannot create the %s pool condition", ops->name);
    }
    pool->initialised = true;
    return 0;
}

static void deadline_after(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += (time_t)(ms / 1000);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

int etlc__pool_acquire(etlc__pool *pool, void **out, etlc_error *err)
{
    *out = NULL;
    if (!pool->initialised)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "the connection pool is not set up");
    const etlc__pool_ops *ops = pool->ops;
    struct timespec deadline;
    deadline_after(&deadline, pool->wait_ms);
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        if (pool->closed) {
            pthread_mutex_unlock(&pool->lock);
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "the %s connector is closed", ops->name);
        }
        if (pool->nidle > 0) {
            /* Most recently used first: the warmest session. */
            etlc__pool_idle ic = pool->idle[--pool->nidle];
            pthread_mutex_unlock(&pool->lock);
            bool expired = pool->idle_timeout_ms > 0 && etlc_now_us() - ic.since_us > pool->idle_timeout_ms * 1000;
            if (!expired && ops->alive(pool->userdata, ic.handle)) {
                *out = ic.handle;
                return 0;
            }
            etlc_log(ETLC_LOG_DEBUG, ops->log_area, "closing a %s pooled connection", expired ? "long-idle" : "dead");
            ops->close(pool->userdata, ic.handle);
            pthread_mutex_lock(&pool->lock);
            pool->open--;
            continue;
        }
        if (pool->open < pool->max) {
            pool->open++; /* reserve the slot, connect unlocked */
            pthread_mutex_unlock(&pool->lock);
            int rc = ops->connect(pool->userdata, out, err);
            if (rc != 0) {
                *out = NULL;
                pthread_mutex_lock(&pool->lock);
                pool->open--;
                pthread_cond_signal(&pool->freed);
                pthread_mutex_unlock(&pool->lock);
            }
            return rc;
        }
        int w = pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline);
        if (w == ETIMEDOUT && pool->nidle == 0 && pool->open >= pool->max) {
            size_t max = pool->max;
            pthread_mutex_unlock(&pool->lock);
            return etlc_error_set(err, ETLC_BUSY, "all %zu %s pool connections stayed in use for %lld ms (raise pool_max)",
                                  max, ops->name, (long long)pool->wait_ms);
        }
    }
}

void etlc__pool_release(etlc__pool *pool, void *handle, bool reusable)
{
    if (!handle)
        return;
    const etlc__pool_ops *ops = pool->ops;
    /* Asked of the session before the lock: it may do I/O-free checks only,
     * but it is connector code. */
    bool keep = reusable && (!ops->keep || ops->keep(pool->userdata, handle));
    void *close_now = NULL;
    void *reaped[64];
    size_t nreaped = 0;
    pthread_mutex_lock(&pool->lock);
    if (keep && !pool->closed && pool->nidle < pool->max) {
        pool->idle[pool->nidle].handle = handle;
        pool->idle[pool->nidle].since_us = etlc_now_us();
        pool->nidle++;
    } else {
        close_now = handle; /* its slot stays counted until it is closed */
    }
    /* Reap sessions above pool_min that sat idle too long (oldest first). */
    int64_t now = etlc_now_us();
    size_t closing = close_now ? 1 : 0;
    while (pool->idle_timeout_ms > 0 && pool->nidle > 0 && pool->open - closing - nreaped > pool->min &&
           nreaped < 64 && now - pool->idle[0].since_us > pool->idle_timeout_ms * 1000) {
        reaped[nreaped++] = pool->idle[0].handle;
        memmove(pool->idle, pool->idle + 1, (pool->nidle - 1) * sizeof *pool->idle);
        pool->nidle--;
    }
    if (!close_now && nreaped == 0) {
        pthread_cond_signal(&pool->freed);
        pthread_mutex_unlock(&pool->lock);
        return;
    }
    pthread_mutex_unlock(&pool->lock);
    /* Close outside the lock, then free the slots: counting them free
     * before the server saw the close would let pool_max + 1 sessions
     * exist for a moment. */
    if (close_now)
        ops->close(pool->userdata, close_now);
    for (size_t i = 0; i < nreaped; i++)
        ops->close(pool->userdata, reaped[i]);
    pthread_mutex_lock(&pool->lock);
    pool->open -= closing + nreaped;
    pthread_cond_broadcast(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
}

size_t etlc__pool_open_count(etlc__pool *pool)
{
    if (!pool->initialised)
        return 0;
    pthread_mutex_lock(&pool->lock);
    size_t n = pool->open;
    pthread_mutex_unlock(&pool->lock);
    return n;
}

bool etlc__pool_is_open(etlc__pool *pool)
{
    if (!pool->initialised)
        return false;
    pthread_mutex_lock(&pool->lock);
    bool open = !pool->closed;
    pthread_mutex_unlock(&pool->lock);
    return open;
}

void etlc__pool_destroy(etlc__pool *pool)
{
    if (pool->initialised) {
        pthread_mutex_lock(&pool->lock);
        pool->closed = true;
        etlc__pool_idle *idle = pool->idle;
        size_t nidle = pool->nidle;
        pool->open -= nidle;
        pool->nidle = 0;
        pthread_mutex_unlock(&pool->lock);
        for (size_t i = 0; i < nidle; i++) /* outside the lock, like every callback */
            pool->ops->close(pool->userdata, idle[i].handle);
        pthread_cond_destroy(&pool->freed);
        pthread_mutex_destroy(&pool->lock);
    }
    free(pool->idle);
    memset(pool, 0, sizeof *pool);
}
