/* A small thread-safe pool of PGconn. Idle connections are checked
 * (PQstatus and an empty query round trip) before reuse, and closed after
 * pool_idle_timeout above pool_min. Connecting happens outside the lock. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pg_internal.h"

int etlc__pg_pool_init(pg_pool *pool, const char **keys, char **values, int expand_dbname,
                       size_t min, size_t max, int64_t idle_timeout_ms, int64_t wait_ms,
                       etlc_error *err)
{
    memset(pool, 0, sizeof *pool);
    pool->keys = keys;
    pool->values = values;
    pool->expand_dbname = expand_dbname;
    pool->max = max ? max : 1;
    pool->min = min > pool->max ? pool->max : min;
    pool->idle_timeout_ms = idle_timeout_ms;
    pool->wait_ms = wait_ms > 0 ? wait_ms : 30000;
    pool->idle = calloc(pool->max, sizeof *pool->idle);
    if (!pool->idle)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating the PostgreSQL pool");
    if (pthread_mutex_init(&pool->lock, NULL) != 0)
        return etlc_error_set(err, ETLC_INTERNAL, "cannot create the PostgreSQL pool lock");
    if (pthread_cond_init(&pool->freed, NULL) != 0) {
        pthread_mutex_destroy(&pool->lock);
        return etlc_error_set(err, ETLC_INTERNAL, "cannot create the PostgreSQL pool condition");
    }
    pool->initialised = true;
    return 0;
}

static int open_conn(pg_pool *pool, PGconn **out, etlc_error *err)
{
    PGconn *conn = PQconnectdbParams(pool->keys, (const char *const *)pool->values, pool->expand_dbname);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        int rc = etlc__pg_connect_error(err, conn, "cannot connect to PostgreSQL");
        PQfinish(conn);
        return rc;
    }
    *out = conn;
    return 0;
}

/* A cheap round trip: an empty query answers PGRES_EMPTY_QUERY. */
static bool still_alive(PGconn *conn)
{
    if (PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE)
        return false;
    PGresult *res = PQexec(conn, "");
    bool ok = res && PQresultStatus(res) == PGRES_EMPTY_QUERY;
    PQclear(res);
    return ok && PQstatus(conn) == CONNECTION_OK;
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

int etlc__pg_pool_acquire(pg_pool *pool, PGconn **out, etlc_error *err)
{
    *out = NULL;
    struct timespec deadline;
    deadline_after(&deadline, pool->wait_ms);
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        if (pool->closed) {
            pthread_mutex_unlock(&pool->lock);
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "the PostgreSQL connector is closed");
        }
        if (pool->nidle > 0) {
            /* Most recently used first: the warmest connection. */
            pg_idle_conn ic = pool->idle[--pool->nidle];
            pthread_mutex_unlock(&pool->lock);
            bool expired = pool->idle_timeout_ms > 0 &&
                           etlc_now_us() - ic.since_us > pool->idle_timeout_ms * 1000;
            if (!expired && still_alive(ic.conn)) {
                *out = ic.conn;
                return 0;
            }
            etlc_log(ETLC_LOG_DEBUG, "postgres", "closing a %s pooled connection",
                     expired ? "long-idle" : "dead");
            PQfinish(ic.conn);
            pthread_mutex_lock(&pool->lock);
            pool->open--;
            continue;
        }
        if (pool->open < pool->max) {
            pool->open++; /* reserve the slot, connect unlocked */
            pthread_mutex_unlock(&pool->lock);
            int rc = open_conn(pool, out, err);
            if (rc != 0) {
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
            return etlc_error_set(err, ETLC_BUSY,
                                  "all %zu PostgreSQL pool connections stayed in use for %lld ms (raise pool_max)",
                                  max, (long long)pool->wait_ms);
        }
    }
}

void etlc__pg_pool_release(pg_pool *pool, PGconn *conn, bool reusable)
{
    if (!conn)
        return;
    bool keep = reusable && PQstatus(conn) == CONNECTION_OK &&
                PQtransactionStatus(conn) == PQTRANS_IDLE;
    PGconn *close_now = keep ? NULL : conn;
    pthread_mutex_lock(&pool->lock);
    if (keep && !pool->closed && pool->nidle < pool->max) {
        pool->idle[pool->nidle].conn = conn;
        pool->idle[pool->nidle].since_us = etlc_now_us();
        pool->nidle++;
    } else {
        close_now = conn;
        pool->open--;
    }
    /* Reap connections above pool_min that sat idle too long (oldest first). */
    PGconn *reaped[64];
    size_t nreaped = 0;
    int64_t now = etlc_now_us();
    while (pool->idle_timeout_ms > 0 && pool->nidle > 0 && pool->open > pool->min && nreaped < 64 &&
           now - pool->idle[0].since_us > pool->idle_timeout_ms * 1000) {
        reaped[nreaped++] = pool->idle[0].conn;
        memmove(pool->idle, pool->idle + 1, (pool->nidle - 1) * sizeof *pool->idle);
        pool->nidle--;
        pool->open--;
    }
    pthread_cond_signal(&pool->freed);
    pthread_mutex_unlock(&pool->lock);
    PQfinish(close_now);
    for (size_t i = 0; i < nreaped; i++)
        PQfinish(reaped[i]);
}

size_t etlc__pg_pool_open_count(pg_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    size_t n = pool->open;
    pthread_mutex_unlock(&pool->lock);
    return n;
}

void etlc__pg_pool_destroy(pg_pool *pool)
{
    if (pool->initialised) {
        pthread_mutex_lock(&pool->lock);
        pool->closed = true;
        for (size_t i = 0; i < pool->nidle; i++)
            PQfinish(pool->idle[i].conn);
        pool->open -= pool->nidle;
        pool->nidle = 0;
        pthread_mutex_unlock(&pool->lock);
        pthread_cond_destroy(&pool->freed);
        pthread_mutex_destroy(&pool->lock);
    }
    free(pool->idle);
    etlc__pg_conninfo_free(pool->keys, pool->values);
    memset(pool, 0, sizeof *pool);
}
