/* MYSQL sessions for the generic pool (src/core/pool.c): how one is opened
 * (options, TLS, session settings), checked (an idle connection must answer
 * mysql_ping: no auto-reconnect, a dead one is closed and replaced) and
 * closed. The policy (min/max, waiting, idle timeout) lives in the pool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int open_conn(void *userdata, void **handle, etlc_error *err)
{
    const my_params *p = &((my_pool *)userdata)->params;
    etlc__my_library_init();
    MYSQL *m = mysql_init(NULL);
    if (!m)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating a MySQL connection");
    char what[600]; /* redacted whole, then cut (a long host must not split a secret) */
    if (p->socket)
        etlc__format_redacted_into(what, sizeof what, "cannot connect to MySQL through socket %s as %s",
                                   p->socket, p->username ? p->username : "(default user)");
    else
        etlc__format_redacted_into(what, sizeof what, "cannot connect to MySQL at %s:%u as %s",
                                   p->host ? p->host : "localhost", p->port,
                                   p->username ? p->username : "(default user)");
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
    *handle = m;
    return 0;
}

static bool conn_alive(void *userdata, void *handle)
{
    (void)userdata;
    return mysql_ping(handle) == 0;
}

static void close_conn(void *userdata, void *handle)
{
    (void)userdata;
    mysql_close(handle);
}

static const etlc__pool_ops my_pool_ops = {
    .name = "MySQL",
    .log_area = "mysql",
    .connect = open_conn,
    .alive = conn_alive,
    .close = close_conn,
};

int etlc__my_pool_init(my_pool *pool, my_params *params, size_t min, size_t max, int64_t idle_timeout_ms,
                       etlc_error *err)
{
    memset(pool, 0, sizeof *pool);
    pool->params = *params;
    memset(params, 0, sizeof *params);
    int64_t wait_ms = pool->params.connect_timeout_s ? pool->params.connect_timeout_s * 1000LL : 30000;
    return etlc__pool_init(&pool->base, &my_pool_ops, pool, min, max, idle_timeout_ms, wait_ms, err);
}

int etlc__my_pool_acquire(my_pool *pool, MYSQL **out, etlc_error *err)
{
    void *handle = NULL;
    int rc = etlc__pool_acquire(&pool->base, &handle, err);
    *out = handle;
    return rc;
}

void etlc__my_pool_release(my_pool *pool, MYSQL *conn, bool reusable)
{
    etlc__pool_release(&pool->base, conn, reusable);
}

size_t etlc__my_pool_open_count(my_pool *pool) { return etlc__pool_open_count(&pool->base); }

void etlc__my_pool_destroy(my_pool *pool)
{
    etlc__pool_destroy(&pool->base);
    etlc__my_params_free(&pool->params);
    memset(pool, 0, sizeof *pool);
}
