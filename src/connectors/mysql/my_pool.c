/* A small thread-safe pool of MYSQL connections. An idle connection must
 * answer mysql_ping before it is handed out again (no auto-reconnect: a
 * dead one is closed and replaced). Connecting happens outside the lock. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "my_internal.h"

static pthread_once_t library_once = PTHREAD_ONCE_INIT;

static void library_init_once(void) { mysql_library_init(0, NULL, NULL); }

void etlc__my_library_init(void) { pthread_once(&library_once, library_init_once); }

static int set_options(MYSQL *m, const my_params *p)
{
    int rc = 0;
    unsigned proto = p->socket ? MYSQL_PROTOCOL_SOCKET : MYSQL_PROTOCOL_TCP;
    rc |= mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &proto);
    if (p->connect_timeout_s)
        rc |= mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &p->connect_timeout_s);
    if (p->read_timeout_s)
        rc |= mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &p->read_timeout_s);
    my_bool off = 0, on = 1;
    rc |= mysql_optionsv(m, MYSQL_OPT_RECONNECT, &off); /* a silent reconnect would lose session state */
    rc |= mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, p->charset);
    /* TIMESTAMP values arrive in UTC; DATETIME is zone-less and read as UTC. */
    rc |= mysql_optionsv(m, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
    rc |= mysql_optionsv(m, MYSQL_OPT_LOCAL_INFILE, &off);
    switch (p->ssl_mode) {
    case MY_SSL_DISABLED:
        rc |= mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &off);
        rc |= mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off);
        break;
    case MY_SSL_PREFERRED:
    case MY_SSL_REQUIRED:
        /* Ask for TLS without verifying; required is checked after connecting. */
        rc |= mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &on);
        rc |= mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off);
        break;
    default:
        rc |= mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &on);
        rc |= mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
        rc |= mysql_optionsv(m, MYSQL_OPT_SSL_CA, p->ssl_ca);
        break;
    }
    return rc;
}

/* A session setting after the handshake; the statement text holds no secret. */
static int session_query(MYSQL *m, const char *sql, etlc_error *err)
{
    if (mysql_real_query(m, sql, (unsigned long)strlen(sql)) != 0)
        return etlc__my_conn_error(err, m, "cannot set up the MySQL session");
    return 0;
}

static int open_conn(my_pool *pool, MYSQL **out, etlc_error *err)
{
    const my_params *p = &pool->params;
    etlc__my_library_init();
    MYSQL *m = mysql_init(NULL);
    if (!m)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating a MySQL connection");
    char what[600];
    if (p->socket)
        snprintf(what, sizeof what, "cannot connect to MySQL through socket %s as %s", p->socket,
                 p->username ? p->username : "(default user)");
    else
        snprintf(what, sizeof what, "cannot connect to MySQL at %s:%u as %s", p->host ? p->host : "localhost",
                 p->port, p->username ? p->username : "(default user)");
    if (set_options(m, p) != 0) {
        mysql_close(m);
        return etlc_error_set(err, ETLC_CONFIG, "%s: the client library refused an option", what);
    }
    /* The library picks the socket only for the host "localhost". */
    if (!mysql_real_connect(m, p->socket ? "localhost" : p->host, p->username, p->password ? p->password : "", p->database, p->port,
                            p->socket, 0)) {
        int rc = etlc__my_conn_error(err, m, what);
        mysql_close(m);
        return rc;
    }
    int rc = 0;
    if (p->ssl_mode >= MY_SSL_REQUIRED && !mysql_get_ssl_cipher(m))
        rc = etlc_error_set(err, ETLC_CONNECT, "%s: ssl_mode=%s but the server did not negotiate TLS", what,
                            p->ssl_mode == MY_SSL_REQUIRED ? "required" : "verify_*");
    bool mariadb = strstr(mysql_get_server_info(m), "MariaDB") != NULL;
    if (rc == 0 && p->query_timeout_ms > 0) {
        char sql[128];
        if (mariadb)
            snprintf(sql, sizeof sql, "SET SESSION max_statement_time = %lld.%03lld",
                     (long long)(p->query_timeout_ms / 1000), (long long)(p->query_timeout_ms % 1000));
        else
            snprintf(sql, sizeof sql, "SET SESSION max_execution_time = %lld", (long long)p->query_timeout_ms);
        rc = session_query(m, sql, err);
    }
    if (rc != 0) {
        mysql_close(m);
        return rc;
    }
    *out = m;
    return 0;
}

int etlc__my_pool_init(my_pool *pool, my_params *params, size_t min, size_t max, int64_t idle_timeout_ms,
                       etlc_error *err)
{
    memset(pool, 0, sizeof *pool);
    pool->params = *params;
    memset(params, 0, sizeof *params);
    pool->max = max ? max : 1;
    pool->min = min > pool->max ? pool->max : min;
    pool->idle_timeout_ms = idle_timeout_ms;
    pool->wait_ms = pool->params.connect_timeout_s ? pool->params.connect_timeout_s * 1000LL : 30000;
    pool->idle = calloc(pool->max, sizeof *pool->idle);
    if (!pool->idle)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating the MySQL pool");
    if (pthread_mutex_init(&pool->lock, NULL) != 0)
        return etlc_error_set(err, ETLC_INTERNAL, "cannot create the MySQL pool lock");
    if (pthread_cond_init(&pool->freed, NULL) != 0) {
        pthread_mutex_destroy(&pool->lock);
        return etlc_error_set(err, ETLC_INTERNAL, "cannot create the MySQL pool condition");
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

int etlc__my_pool_acquire(my_pool *pool, MYSQL **out, etlc_error *err)
{
    *out = NULL;
    struct timespec deadline;
    deadline_after(&deadline, pool->wait_ms);
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        if (pool->closed) {
            pthread_mutex_unlock(&pool->lock);
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "the MySQL connector is closed");
        }
        if (pool->nidle > 0) {
            my_idle_conn ic = pool->idle[--pool->nidle]; /* most recently used first */
            pthread_mutex_unlock(&pool->lock);
            bool expired = pool->idle_timeout_ms > 0 && etlc_now_us() - ic.since_us > pool->idle_timeout_ms * 1000;
            if (!expired && mysql_ping(ic.conn) == 0) {
                *out = ic.conn;
                return 0;
            }
            etlc_log(ETLC_LOG_DEBUG, "mysql", "closing a %s pooled connection", expired ? "long-idle" : "dead");
            mysql_close(ic.conn);
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
                                  "all %zu MySQL pool connections stayed in use for %lld ms (raise pool_max)", max,
                                  (long long)pool->wait_ms);
        }
    }
}

void etlc__my_pool_release(my_pool *pool, MYSQL *conn, bool reusable)
{
    if (!conn)
        return;
    MYSQL *close_now = NULL;
    MYSQL *reaped[64];
    size_t nreaped = 0;
    pthread_mutex_lock(&pool->lock);
    if (reusable && !pool->closed && pool->nidle < pool->max) {
        pool->idle[pool->nidle].conn = conn;
        pool->idle[pool->nidle].since_us = etlc_now_us();
        pool->nidle++;
    } else {
        close_now = conn;
        pool->open--;
    }
    /* Close connections above pool_min that sat idle too long (oldest first). */
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
    if (close_now)
        mysql_close(close_now);
    for (size_t i = 0; i < nreaped; i++)
        mysql_close(reaped[i]);
}

size_t etlc__my_pool_open_count(my_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    size_t n = pool->open;
    pthread_mutex_unlock(&pool->lock);
    return n;
}

void etlc__my_pool_destroy(my_pool *pool)
{
    if (pool->initialised) {
        pthread_mutex_lock(&pool->lock);
        pool->closed = true;
        for (size_t i = 0; i < pool->nidle; i++)
            mysql_close(pool->idle[i].conn);
        pool->open -= pool->nidle;
        pool->nidle = 0;
        pthread_mutex_unlock(&pool->lock);
        pthread_cond_destroy(&pool->freed);
        pthread_mutex_destroy(&pool->lock);
    }
    free(pool->idle);
    etlc__my_params_free(&pool->params);
    memset(pool, 0, sizeof *pool);
}
