/* Page compression on a small worker pool, retired in submission order. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sinks/parquet/page_pool.h"

/* More workers than this would only fight over the cores and the memory. */
#define PQ_POOL_MAX_THREADS 64

typedef struct pq_worker {
    struct pq_pool *pool;
    pq_compressor *comp; /* zstd/zlib contexts are not shared between threads */
    pthread_t thread;
} pq_worker;

struct pq_pool {
    etlc_parquet_codec codec;
    pq_retire_fn retire;
    void *userdata;
    pq_job *slots; /* ring of cap jobs; job n lives in slots[n % cap] */
    size_t cap;
    pq_compressor *inline_comp; /* no workers: jobs run in pq_pool_submit */
    pq_worker *workers;
    int nworkers;

    pthread_mutex_t lock;
    pthread_cond_t work; /* a job was queued, or stop */
    pthread_cond_t done; /* a job finished */
    uint64_t submitted, taken; /* under lock */
    uint64_t retired;          /* submitting thread only */
    bool stop;
    int failed;                /* first error; later jobs are not retired */
    etlc_error failed_err;
};

int pq_online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > PQ_POOL_MAX_THREADS ? PQ_POOL_MAX_THREADS : (int)n;
}

static pq_job *slot_of(pq_pool *p, uint64_t n)
{
    return &p->slots[n % p->cap];
}

/* Compress the page and serialize its header (which holds both sizes). */
static void run_job(const pq_pool *p, pq_job *j, pq_compressor *comp)
{
    const uint8_t *payload = j->src;
    size_t len = j->src_len;
    if (p->codec != ETLC_PARQUET_NONE) {
        if ((j->rc = pq_compress(comp, j->src, j->src_len, &j->payload, &j->err)) != 0)
            return;
        payload = (const uint8_t *)j->payload.data;
        len = j->payload.len;
    } else if (etlc__buf_append(&j->payload, payload, len) != 0) {
        goto nomem;
    }
    if (pq_page_header(&j->header, j->page_type, j->src_len, len, j->num_values, j->encoding,
                       j->page_type == PQ_PAGE_DATA ? &j->stats : NULL, &j->layout) != 0)
        goto nomem;
    return;
nomem:
    j->rc = etlc_error_set(&j->err, ETLC_NO_MEMORY, "out of memory writing a %zu-byte parquet page",
                           j->src_len);
}

static void *worker_main(void *arg)
{
    pq_worker *wk = arg;
    pq_pool *p = wk->pool;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        if (p->taken < p->submitted) {
            pq_job *j = slot_of(p, p->taken++);
            pthread_mutex_unlock(&p->lock);
            run_job(p, j, wk->comp);
            pthread_mutex_lock(&p->lock);
            j->done = true;
            pthread_cond_broadcast(&p->done);
        } else if (p->stop) {
            break;
        } else {
            pthread_cond_wait(&p->work, &p->lock);
        }
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Hand the oldest job (finished) to the retire callback. */
static void retire_oldest(pq_pool *p)
{
    pq_job *j = slot_of(p, p->retired++);
    if (p->failed)
        return;
    int rc = j->rc ? j->rc : p->retire(p->userdata, j, &j->err);
    if (rc) {
        p->failed = rc;
        p->failed_err = j->err;
    }
}

static void wait_oldest(pq_pool *p)
{
    pq_job *j = slot_of(p, p->retired);
    if (p->nworkers == 0)
        return; /* ran inside submit */
    pthread_mutex_lock(&p->lock);
    while (!j->done)
        pthread_cond_wait(&p->done, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

static int report(pq_pool *p, etlc_error *err)
{
    if (p->failed && err)
        *err = p->failed_err;
    return p->failed;
}

int pq_pool_slot(pq_pool *p, pq_job **out, etlc_error *err)
{
    *out = NULL;
    while (p->submitted - p->retired >= p->cap) {
        wait_oldest(p);
        retire_oldest(p);
    }
    if (p->failed)
        return report(p, err);
    pq_job *j = slot_of(p, p->submitted);
    etlc__buf_reset(&j->body);
    etlc__buf_reset(&j->header);
    etlc__buf_reset(&j->payload);
    pq_stats_reset(&j->stats);
    etlc_error_clear(&j->err);
    j->rc = 0;
    j->done = false;
    j->col = NULL;
    j->src = NULL;
    j->src_len = 0;
    *out = j;
    return 0;
}

int pq_pool_submit(pq_pool *p, pq_job *j, etlc_error *err)
{
    if (p->nworkers == 0) {
        run_job(p, j, p->inline_comp);
        j->done = true;
        p->submitted++;
        retire_oldest(p);
        return report(p, err);
    }
    pthread_mutex_lock(&p->lock);
    p->submitted++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
    return 0;
}

int pq_pool_drain(pq_pool *p, etlc_error *err)
{
    while (p->retired < p->submitted) {
        wait_oldest(p);
        retire_oldest(p);
    }
    return report(p, err);
}

int pq_pool_workers(const pq_pool *p)
{
    return p->nworkers;
}

static int start_workers(pq_pool *p, int threads, int level)
{
    p->workers = calloc((size_t)threads, sizeof *p->workers);
    if (!p->workers)
        return -1;
    for (int i = 0; i < threads; i++) {
        pq_worker *wk = &p->workers[p->nworkers];
        wk->pool = p;
        if (pq_compressor_new(p->codec, level, &wk->comp) != 0)
            return -1; /* the workers started so far are joined by pq_pool_free */
        if (pthread_create(&wk->thread, NULL, worker_main, wk) != 0) {
            pq_compressor_free(wk->comp); /* the system is out of threads: run with fewer */
            wk->comp = NULL;
            break;
        }
        p->nworkers++;
    }
    return 0;
}

int pq_pool_new(etlc_parquet_codec codec, int level, int threads, pq_retire_fn retire,
                void *userdata, pq_pool **out, etlc_error *err)
{
    *out = NULL;
    pq_pool *p = calloc(1, sizeof *p);
    if (!p)
        goto nomem;
    p->codec = codec;
    p->retire = retire;
    p->userdata = userdata;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    if (threads > PQ_POOL_MAX_THREADS)
        threads = PQ_POOL_MAX_THREADS;
    /* Two pages per worker in flight: one compressing, one queued behind it. */
    p->cap = threads > 1 ? 2 * (size_t)threads : 1;
    if (!(p->slots = calloc(p->cap, sizeof *p->slots)))
        goto fail;
    if (threads > 1 && start_workers(p, threads, level) != 0)
        goto fail;
    if (p->nworkers == 0) {
        p->cap = 1;
        if (pq_compressor_new(codec, level, &p->inline_comp) != 0)
            goto fail;
    }
    *out = p;
    return 0;
fail:
    pq_pool_free(p);
nomem:
    return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting %d parquet compression "
                          "thread(s)", threads);
}

void pq_pool_free(pq_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nworkers; i++)
        pthread_join(p->workers[i].thread, NULL);
    for (int i = 0; i < p->nworkers; i++)
        pq_compressor_free(p->workers[i].comp);
    free(p->workers);
    pq_compressor_free(p->inline_comp);
    for (size_t i = 0; p->slots && i < p->cap; i++) {
        etlc__buf_free(&p->slots[i].body);
        etlc__buf_free(&p->slots[i].header);
        etlc__buf_free(&p->slots[i].payload);
        pq_stats_free(&p->slots[i].stats);
    }
    free(p->slots);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    pthread_mutex_destroy(&p->lock);
    free(p);
}
