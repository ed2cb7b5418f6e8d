/* PGconn sessions for the generic pool (src/core/pool.c): how one is
 * opened, checked before reuse (PQstatus and an empty query round trip) and
 * judged clean at release (no open transaction). The policy (min/max,
 * waiting, idle timeout above pool_min) lives in the pool. */
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

static int open_conn(void *userdata, void **handle, etlc_error *err)
{
    pg_pool *pool = userdata;
    PGconn *conn = PQconnectdbParams(pool->keys, (const char *const *)pool->values, pool->expand_dbname);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        int rc = etlc__pg_connect_error(err, conn, "cannot connect to PostgreSQL");
        PQfinish(conn);
        return rc;
    }
    *handle = conn;
    return 0;
}

/* A cheap round trip: an empty query answers PGRES_EMPTY_QUERY. */
static bool still_alive(void *userdata, void *handle)
{
    (void)userdata;
    PGconn *conn = handle;
    if (PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE)
        return false;
    PGresult *res = PQexec(conn, "");
    bool ok = res && PQresultStatus(res) == PGRES_EMPTY_QUERY;
    PQclear(res);
    return ok && PQstatus(conn) == CONNECTION_OK;
}

/* Only a healthy session outside any transaction goes back to the pool. */
static bool clean(void *userdata, void *handle)
{
    (void)userdata;
    return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE;
}

static void close_conn(void *userdata, void *handle)
{
    (void)userdata;
    PQfinish(handle);
}

static const etlc__pool_ops pg_pool_ops = {
    .name = "PostgreSQL",
    .log_area = "postgres",
    .connect = open_conn,
    .alive = still_alive,
    .keep = clean,
    .close = close_conn,
};

int etlc__pg_pool_init(pg_pool *pool, const char **keys, char **values, int expand_dbname,
                       size_t min, size_t max, int64_t idle_timeout_ms, int64_t wait_ms,
                       etlc_error *err)
{
    memset(pool, 0, sizeof *pool);
    pool->keys = keys;
    pool->values = values;
    pool->expand_dbname = expand_dbname;
    return etlc__pool_init(&pool->base, &pg_pool_ops, pool, min, max, idle_timeout_ms, wait_ms, err);
}

int etlc__pg_pool_acquire(pg_pool *pool, PGconn **out, etlc_error *err)
{
    void *handle = NULL;
    int rc = etlc__pool_acquire(&pool->base, &handle, err);
    *out = handle;
    return rc;
}

void etlc__pg_pool_release(pg_pool *pool, PGconn *conn, bool reusable)
{
    etlc__pool_release(&pool->base, conn, reusable);
}

size_t etlc__pg_pool_open_count(pg_pool *pool) { return etlc__pool_open_count(&pool->base); }

void etlc__pg_pool_destroy(pg_pool *pool)
{
    etlc__pool_destroy(&pool->base);
    etlc__pg_conninfo_free(pool->keys, pool->values);
    memset(pool, 0, sizeof *pool);
}
