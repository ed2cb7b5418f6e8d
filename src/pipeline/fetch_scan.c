/* A plain PostgreSQL table read in parallel (see fetch_scan.h): N heap-block
 * ranges, `ctid >= '(lo,0)' AND ctid < '(hi,0)'`, each on its own session in
 * the snapshot the first session exports, as `extract --partitions` does
 * (extract_blocks.c). PostgreSQL 14's TID range scan makes each session read
 * only its own blocks; older servers would scan the whole table N times. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/connector_internal.h"
#include "pipeline/fetch_scan.h"

#define SCAN_MIN_TID_RANGE_VERSION 140000
#define SCAN_REL_MAX 512

typedef struct scan_job {
    etlc_connector *c;
    const etlc_sql_ops *sql;
    const etlc_fetch_request *req;
    etlc_batch_consumer consumer;
    pthread_mutex_t lock; /* one consumer call at a time; guards failed/rc/err */
    etlc_cancel *stop;    /* the first error, or the caller's cancel */
    bool failed;
    int rc;
    etlc_error err;
    char token[ETLC_SQL_TOKEN_MAX];
} scan_job;

typedef struct scan_part {
    scan_job *job;
    void *snap; /* part 0: the exporting session, opened and ended by the driver */
    char *sql;
    pthread_t thread;
    bool started;
} scan_part;

/* The first failure wins; the others are consequences of the stop. Called
 * with the lock held. */
static void failed_locked(scan_job *job, int rc, const etlc_error *err)
{
    if (!job->failed) {
        job->failed = true;
        job->rc = rc;
        job->err = *err;
    }
    etlc_cancel_request(job->stop);
}

static void part_failed(scan_job *job, int rc, const etlc_error *err)
{
    pthread_mutex_lock(&job->lock);
    failed_locked(job, rc, err);
    pthread_mutex_unlock(&job->lock);
}

/* A consumer error is recorded before the lock is let go: no other range
 * may deliver a batch after it. */
static int part_batch(void *ud, const etlc_batch *batch, etlc_error *err)
{
    scan_job *job = ((scan_part *)ud)->job;
    pthread_mutex_lock(&job->lock);
    int rc;
    if (job->failed) {
        rc = etlc_error_set(err, ETLC_CANCELLED, "stopped: another range of the scan failed");
    } else {
        rc = job->consumer.on_batch(job->consumer.userdata, batch, err);
        if (rc != 0)
            failed_locked(job, rc, err);
    }
    pthread_mutex_unlock(&job->lock);
    return rc;
}

static void part_read(scan_part *pt)
{
    scan_job *job = pt->job;
    etlc_error err = {0};
    int rc = 0;
    void *snap = pt->snap;
    if (!snap)
        rc = job->sql->snapshot_begin(job->c->ctx, job->token, &snap, NULL, &err);
    etlc_fetch_request req = {.query = pt->sql, .batch_rows = job->req->batch_rows, .cancel = job->stop,
                              .decimals_scaled = job->req->decimals_scaled};
    if (rc == 0)
        rc = job->sql->snapshot_fetch(job->c->ctx, snap, &req,
                                      (etlc_batch_consumer){.on_batch = part_batch, .userdata = pt}, &err);
    if (snap != pt->snap)
        job->sql->snapshot_end(job->c->ctx, snap);
    if (rc != 0)
        part_failed(job, rc, &err);
}

static void *part_thread(void *arg)
{
    part_read(arg);
    return NULL;
}

static void stop_on_cancel(void *ud) { etlc_cancel_request(ud); }

/* Part 0 on the calling thread (in the exporting session), the rest on
 * threads of their own; all joined before this returns. */
static void run_parts(scan_job *job, scan_part *parts, unsigned n)
{
    etlc__cancel_watch *watch = NULL; /* the caller's cancel stops every range */
    if (etlc__cancel_watch_start(job->req->cancel, stop_on_cancel, job->stop, &watch) != 0) {
        etlc_error e = {0};
        part_failed(job, etlc_error_set(&e, ETLC_NO_MEMORY, "cannot start the scan's cancel watcher"), &e);
        return;
    }
    for (unsigned i = 1; i < n; i++) {
        if (pthread_create(&parts[i].thread, NULL, part_thread, &parts[i]) != 0) {
            etlc_error e = {0};
            part_failed(job, etlc_error_set(&e, ETLC_NO_MEMORY, "cannot start a thread for range %u", i), &e);
            break;
        }
        parts[i].started = true;
    }
    if (!job->failed)
        part_read(&parts[0]);
    for (unsigned i = 1; i < n; i++)
        if (parts[i].started)
            pthread_join(parts[i].thread, NULL);
    etlc__cancel_watch_stop(watch);
}

/* One integer from a query in the exporting session. */
static int scan_int(scan_job *job, void *snap, const char *sql, const char *rel, int64_t *out, etlc_error *err)
{
    etlc_value v = {0};
    etlc_param p = {.type = ETLC_TYPE_TEXT, .data = rel, .len = rel ? strlen(rel) : 0};
    etlc_fetch_request req = {.query = sql, .params = rel ? &p : NULL, .nparams = rel ? 1 : 0, .batch_rows = 1,
                              .cancel = job->req->cancel};
    int rc = job->sql->snapshot_scalar(job->c->ctx, snap, &req, &v, err);
    if (rc == 0 && v.type != ETLC_TYPE_INT64)
        rc = etlc_error_set(err, ETLC_INTERNAL, "'%s' returned a %s, not an integer", sql, etlc_type_name(v.type));
    if (rc == 0)
        *out = v.i64;
    etlc_value_clear(&v);
    return rc;
}

/* The heap blocks of `rel`, or 0 (and a log line) when ranges cannot help:
 * an old server, no shared snapshot, a table smaller than n blocks. */
static int scan_blocks(scan_job *job, void *snap, const char *rel, unsigned n, int64_t *nblocks, etlc_error *err)
{
    int64_t version = 0;
    *nblocks = 0;
    if (!job->token[0]) {
        etlc_log(ETLC_LOG_INFO, "fetch", "scan_partitions: no exported snapshot to share; one stream");
        return 0;
    }
    int rc = scan_int(job, snap, "SELECT current_setting('server_version_num')::int8", NULL, &version, err);
    if (rc == 0 && version < SCAN_MIN_TID_RANGE_VERSION) {
        etlc_log(ETLC_LOG_INFO, "fetch", "scan_partitions: PostgreSQL %lld has no TID range scan (14+); one stream",
                 (long long)version);
        return 0;
    }
    /* The name as a bound parameter: the server resolves it as the query does. */
    if (rc == 0)
        rc = scan_int(job, snap, "SELECT pg_catalog.pg_relation_size($1::text::regclass) / "
                                 "current_setting('block_size')::int8", rel, nblocks, err);
    if (rc == 0 && *nblocks < (int64_t)n) {
        etlc_log(ETLC_LOG_INFO, "fetch", "scan_partitions: %s has %lld heap blocks, fewer than %u ranges; one stream",
                 rel, (long long)*nblocks, n);
        *nblocks = 0;
    }
    return rc;
}

/* Each range's SQL: the query with its ctid bounds; the first range is open
 * below and the last above, so rows on blocks added since count too. */
static int part_sql(scan_part *pt, const char *query, size_t body_len, unsigned i, unsigned n, int64_t nblocks)
{
    int64_t lo = (int64_t)((unsigned __int128)nblocks * i / n), hi = (int64_t)((unsigned __int128)nblocks * (i + 1) / n);
    etlc__buf b = {0};
    int bad = etlc__buf_append(&b, query, body_len) || etlc__buf_puts(&b, " WHERE ");
    if (!bad && i > 0) /* n >= 2: every range has at least one bound */
        bad = etlc__buf_printf(&b, "ctid >= '(%lld,0)'::tid%s", (long long)lo, i + 1 < n ? " AND " : "");
    if (!bad && i + 1 < n)
        bad = etlc__buf_printf(&b, "ctid < '(%lld,0)'::tid", (long long)hi);
    if (bad) {
        etlc__buf_free(&b);
        return -1;
    }
    pt->sql = b.data;
    etlc_log(ETLC_LOG_DEBUG, "fetch", "range %u of %u: %s", i + 1, n, pt->sql);
    return 0;
}

static int scan_ranges(scan_job *job, void *snap, const char *rel, size_t body_len, unsigned n, int64_t nblocks,
                       etlc_error *err)
{
    scan_part parts[ETLC__SCAN_MAX_PARTS] = {{0}};
    int rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++) {
        parts[i].job = job;
        if (part_sql(&parts[i], job->req->query, body_len, i, n, nblocks) != 0)
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory preparing the scan of %s", rel);
    }
    parts[0].snap = snap;
    if (rc == 0) {
        etlc_log(ETLC_LOG_INFO, "fetch", "scan of %s in %u ranges over its %lld heap blocks, one snapshot", rel, n,
                 (long long)nblocks);
        run_parts(job, parts, n);
        if (job->failed) {
            rc = job->rc;
            *err = job->err;
        }
    }
    for (unsigned i = 0; i < n; i++)
        free(parts[i].sql);
    return rc;
}

/* How many ranges the connector asks for (1 = the single stream). */
static unsigned wanted_ranges(const etlc_connector *c, const etlc_fetch_request *req)
{
    const etlc_sql_ops *sql = c->ops->sql;
    if (!sql || !sql->dialect || strcmp(sql->dialect, "postgresql") != 0 || !sql->snapshot_begin)
        return 1;
    int64_t n = etlc_config_get_int(c->cfg, "scan_partitions");
    if (n <= 1)
        return 1;
    if (req->nparams) {
        etlc_log(ETLC_LOG_INFO, "fetch", "scan_partitions: the query has parameters; one stream");
        return 1;
    }
    /* Every range holds a session of the pool for the whole scan. */
    int64_t pool = etlc_config_get_int(c->cfg, "pool_max");
    if (pool > 0 && n > pool) {
        etlc_log(ETLC_LOG_INFO, "fetch", "scan_partitions %lld above pool_max %lld: %lld ranges", (long long)n,
                 (long long)pool, (long long)pool);
        n = pool;
    }
    return n > ETLC__SCAN_MAX_PARTS ? ETLC__SCAN_MAX_PARTS : (unsigned)n;
}

static int scan(scan_job *job, const char *rel, size_t body_len, unsigned n, bool *used, etlc_error *err)
{
    void *snap = NULL;
    int rc = job->sql->snapshot_begin(job->c->ctx, NULL, &snap, job->token, err);
    int64_t nblocks = 0;
    if (rc == 0)
        rc = scan_blocks(job, snap, rel, n, &nblocks, err);
    if (rc == 0 && nblocks > 0) {
        *used = true;
        rc = scan_ranges(job, snap, rel, body_len, n, nblocks, err);
    }
    if (snap)
        job->sql->snapshot_end(job->c->ctx, snap);
    return rc;
}

/* The scan, or *used false (and nothing delivered) when it does not apply. */
static int try_scan(etlc_connector *c, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                    bool *used, etlc_error *err)
{
    *used = false;
    unsigned n = wanted_ranges(c, req);
    if (n <= 1)
        return 0;
    char rel[SCAN_REL_MAX];
    size_t body_len = 0;
    if (!etlc__scan_plain_query(req->query, &body_len, rel, sizeof rel)) {
        etlc_log(ETLC_LOG_INFO, "fetch", "scan_partitions: not a plain `SELECT ... FROM table` read; one stream");
        return 0;
    }
    scan_job job = {.c = c, .sql = c->ops->sql, .req = req, .consumer = consumer};
    if (pthread_mutex_init(&job.lock, NULL) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "cannot create the scan's lock");
    int rc = etlc_cancel_new(&job.stop, err);
    if (rc == 0)
        rc = scan(&job, rel, body_len, n, used, err);
    etlc_cancel_free(job.stop);
    pthread_mutex_destroy(&job.lock);
    return rc;
}

int etlc__fetch_rows(etlc_connector *c, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                     etlc_error *err)
{
    bool scanned = false;
    int rc = try_scan(c, req, consumer, &scanned, err);
    if (rc == 0 && !scanned)
        rc = c->ops->fetch(c->ctx, req, consumer, err);
    return rc;
}
