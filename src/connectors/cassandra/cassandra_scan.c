/* Parallel full-table scan by token ranges: a statement with
 * `token(pk) > ? AND token(pk) <= ?` is read as N Murmur3 ranges
 * (lo, hi] covering (-2^63, 2^63 - 1], one worker thread and session per
 * range, each paging through its range. Pages meet in a bounded queue
 * (2N pages: memory stays bounded) and are handed to the driver on the
 * calling thread. The cursor after a page records every range's position
 * as of the pages landed so far ("tr<N>:" then per range "-" = not
 * started, "x" = done, else its paging state in hex, '.'-separated), so a
 * resumed run re-reads only what was not landed. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cassandra_internal.h"

typedef struct scan_item {
    struct scan_item *next;
    int range;
    etlc_batch *batch;
    uint8_t *paging;            /* the range's next paging state; NULL = range done */
    size_t paging_len;
    int rc;                     /* != 0: the worker failed with `err` */
    etlc_error err;
} scan_item;

typedef struct scan {
    cass_ctx *ctx;
    const etlc_records_request *req;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    scan_item *head, *tail;
    size_t queued, cap;
    bool stop;
    int running;                /* workers not yet finished */
    int n;
    char **state;               /* per range: "-", "x" or hex */
} scan;

typedef struct worker {
    scan *s;
    int range;
    pthread_t tid;
    bool started;
} worker;

bool etlc__cass_is_token_scan(const cql_stmt *st)
{
    size_t n = 0;
    for (size_t i = 0; i < st->vars.ncols; i++)
        n += strcmp(st->vars.names[i], CASS_TOKEN_MARKER) == 0;
    return n == 2;
}

/* Range i of n: (lo, hi]. */
static void range_bounds(int i, int n, int64_t *lo, int64_t *hi)
{
    uint64_t step = UINT64_MAX / (uint64_t)n;
    *lo = (int64_t)((uint64_t)INT64_MIN + step * (uint64_t)i);
    *hi = i == n - 1 ? INT64_MAX : (int64_t)((uint64_t)INT64_MIN + step * (uint64_t)(i + 1));
}

/* Queue an item; waits while the queue is full. False when the scan stopped. */
static bool push(scan *s, scan_item *it)
{
    pthread_mutex_lock(&s->mu);
    while (s->queued >= s->cap && !s->stop)
        pthread_cond_wait(&s->cv, &s->mu);
    bool ok = !s->stop;
    if (ok) {
        if (s->tail)
            s->tail->next = it;
        else
            s->head = it;
        s->tail = it;
        s->queued++;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return ok;
}

static void item_free(scan_item *it)
{
    if (it) {
        etlc_batch_free(it->batch);
        free(it->paging);
        free(it);
    }
}

/* The user's parameters plus this range's two token bounds (> then <=). */
static int bind_range(const scan *s, int range, const cql_stmt *st, etlc__buf *values, etlc_error *err)
{
    const etlc_records_request *req = s->req;
    etlc_kv *kv = calloc(req->nparams + 2, sizeof *kv);
    char lo_s[24], hi_s[24];
    int64_t lo, hi;
    if (!kv)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    range_bounds(range, s->n, &lo, &hi);
    snprintf(lo_s, sizeof lo_s, "%lld", (long long)lo);
    snprintf(hi_s, sizeof hi_s, "%lld", (long long)hi);
    for (size_t i = 0; i < req->nparams; i++)
        kv[i] = req->params[i];
    kv[req->nparams] = (etlc_kv){CASS_TOKEN_MARKER, lo_s};
    kv[req->nparams + 1] = (etlc_kv){CASS_TOKEN_MARKER, hi_s};
    int rc = etlc__cql_bind_params(st, kv, req->nparams + 2, values, err);
    free(kv);
    return rc;
}

/* One range on its own session, from its recorded position to its end. */
static int scan_range(scan *s, int range, cql_conn *conn, scan_item **failed)
{
    cql_stmt st = {0};
    etlc__buf values = {0};
    etlc_error err = {0};
    const char *pos = s->state[range];
    cql_page_req pr = {.consistency = s->ctx->consistency, .page_size = etlc__cass_page_size(s->ctx, s->req)};
    uint8_t *paging = NULL;
    int rc = etlc__cql_conn_open(conn, &s->ctx->opts, &err);
    if (rc == 0 && (rc = etlc__cql_prepare(conn, s->req->resource, &st, &err)) == 0)
        rc = bind_range(s, range, &st, &values, &err);
    if (rc == 0 && pos[0] != '-' && etlc__cass_unhex(pos, strlen(pos), &paging, &pr.paging_len) != 0)
        rc = etlc_error_set(&err, ETLC_INVALID_ARGUMENT, "cassandra: the checkpoint's position of "
                            "token range %d is not a paging state", range + 1);
    pr.values = &values;
    pr.nvalues = (uint16_t)st.vars.ncols;
    for (bool more = true; rc == 0 && more;) {
        scan_item *it = calloc(1, sizeof *it);
        pr.paging = paging;
        if (!it)
            rc = etlc_error_set(&err, ETLC_NO_MEMORY, "out of memory");
        else if ((rc = etlc__cql_page(conn, NULL, &st, &pr, &it->batch, &it->paging, &it->paging_len, &err)) != 0)
            item_free(it);
        if (rc != 0)
            break;
        it->range = range;
        free(paging);
        paging = it->paging ? malloc(it->paging_len) : NULL;
        if (it->paging && !paging)
            rc = etlc_error_set(&err, ETLC_NO_MEMORY, "out of memory");
        else if (paging)
            memcpy(paging, it->paging, it->paging_len);
        pr.paging_len = it->paging_len;
        more = it->paging != NULL;
        if (!push(s, it)) {
            item_free(it);
            break;
        }
    }
    if (rc != 0 && (*failed = calloc(1, sizeof **failed))) {
        (*failed)->rc = rc;
        (*failed)->err = err;
        (*failed)->range = range;
    }
    free(paging);
    etlc__cql_stmt_free(&st);
    etlc__buf_free(&values);
    return rc;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    cql_conn conn = {.fd = -1};
    scan_item *failed = NULL;
    if (scan_range(w->s, w->range, &conn, &failed) != 0 && failed && !push(w->s, failed))
        item_free(failed);
    etlc__cql_conn_close(&conn);
    pthread_mutex_lock(&w->s->mu);
    w->s->running--;
    pthread_cond_broadcast(&w->s->cv);
    pthread_mutex_unlock(&w->s->mu);
    return NULL;
}

/* The next page, or NULL once every worker is finished and the queue empty. */
static scan_item *pop(scan *s)
{
    pthread_mutex_lock(&s->mu);
    while (!s->head && s->running > 0)
        pthread_cond_wait(&s->cv, &s->mu);
    scan_item *it = s->head;
    if (it) {
        s->head = it->next;
        if (!s->head)
            s->tail = NULL;
        s->queued--;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return it;
}

static int parse_cursor(scan *s, const char *cursor, etlc_error *err)
{
    int n = 0, used = 0;
    if (sscanf(cursor, "tr%d:%n", &n, &used) != 1 || used == 0)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "cassandra: the checkpoint's cursor is not a "
                              "token-range scan position this connector handed out");
    if (n != s->n)
        return etlc_error_set(err, ETLC_CONFIG, "cassandra: the checkpoint was written with "
                              "token_ranges=%d, this run has %d (finish it with the old value)", n, s->n);
    const char *p = cursor + used;
    for (int i = 0; i < s->n; i++) {
        size_t len = strcspn(p, ".");
        free(s->state[i]);
        if (!(s->state[i] = etlc__strndup(p, len)))
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
        p += len + (p[len] == '.');
    }
    return 0;
}

static char *make_cursor(const scan *s)
{
    etlc__buf b = {0};
    int bad = etlc__buf_printf(&b, "tr%d:", s->n);
    for (int i = 0; !bad && i < s->n; i++)
        bad = (i && etlc__buf_putc(&b, '.')) || etlc__buf_puts(&b, s->state[i]);
    if (bad)
        etlc__buf_free(&b);
    return bad ? NULL : etlc__buf_take(&b);
}

/* Record the page's range position; hand the page over (empty pages only
 * when they end the scan: the schema of an empty result). */
static int deliver(scan *s, scan_item *it, etlc_page_consumer pages, etlc_error *err)
{
    char *pos = it->paging ? etlc__cass_hex(it->paging, it->paging_len) : etlc__strdup("x");
    if (!pos)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    free(s->state[it->range]);
    s->state[it->range] = pos;
    bool done = true;
    for (int i = 0; i < s->n; i++)
        done = done && strcmp(s->state[i], "x") == 0;
    char *cursor = done ? NULL : make_cursor(s);
    if (!done && !cursor)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    int rc = 0;
    if (it->batch->nrows > 0 || done) {
        etlc_records_page pg = {.batch = it->batch, .next_cursor = cursor};
        rc = pages.on_page(pages.userdata, &pg, err);
    }
    free(cursor);
    return rc;
}

static void start_workers(scan *s, worker *w)
{
    for (int i = 0; i < s->n; i++) {
        w[i] = (worker){.s = s, .range = i};
        if (strcmp(s->state[i], "x") == 0)
            continue;
        pthread_mutex_lock(&s->mu);
        s->running++;
        pthread_mutex_unlock(&s->mu);
        w[i].started = pthread_create(&w[i].tid, NULL, worker_main, &w[i]) == 0;
        if (!w[i].started) {
            scan_item *it = calloc(1, sizeof *it);
            if (it) {
                it->rc = etlc_error_set(&it->err, ETLC_INTERNAL, "cassandra: cannot start a scan thread");
                push(s, it);
            }
            pthread_mutex_lock(&s->mu);
            s->running--;
            pthread_mutex_unlock(&s->mu);
        }
    }
}

static int drive(scan *s, etlc_page_consumer pages, etlc_error *err)
{
    worker *w = calloc((size_t)s->n, sizeof *w);
    if (!w)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    start_workers(s, w);
    int rc = 0;
    scan_item *it;
    while (rc == 0 && (it = pop(s))) {
        if (it->rc) {
            rc = it->rc;
            if (err)
                *err = it->err;
        } else {
            rc = deliver(s, it, pages, err);
        }
        item_free(it);
    }
    pthread_mutex_lock(&s->mu);
    s->stop = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    for (int i = 0; i < s->n; i++)
        if (w[i].started)
            pthread_join(w[i].tid, NULL);
    while ((it = s->head)) {
        s->head = it->next;
        item_free(it);
    }
    free(w);
    return rc;
}

int etlc__cass_token_scan(cass_ctx *ctx, const etlc_records_request *req, etlc_page_consumer pages,
                          etlc_error *err)
{
    scan s = {.ctx = ctx, .req = req, .n = ctx->token_ranges, .cap = 2 * (size_t)ctx->token_ranges};
    if (!(s.state = calloc((size_t)s.n, sizeof *s.state)))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    int rc = 0;
    for (int i = 0; rc == 0 && i < s.n; i++)
        if (!(s.state[i] = etlc__strdup("-")))
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    if (rc == 0 && req->cursor)
        rc = parse_cursor(&s, req->cursor, err);
    if (rc == 0) {
        pthread_mutex_init(&s.mu, NULL);
        pthread_cond_init(&s.cv, NULL);
        rc = drive(&s, pages, err);
        pthread_cond_destroy(&s.cv);
        pthread_mutex_destroy(&s.mu);
    }
    for (int i = 0; i < s.n; i++)
        free(s.state[i]);
    free(s.state);
    return rc;
}
