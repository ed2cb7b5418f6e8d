/* Page compression off the appending thread: a small pool of workers that
 * compress finished pages (and build their headers) while the caller keeps
 * encoding. Jobs are retired strictly in submission order, so the bytes
 * are the same whatever the thread count. */
#ifndef ETLC_PQ_PAGE_POOL_H
#define ETLC_PQ_PAGE_POOL_H

#include "sinks/parquet/pq.h"

/* One page on its way to a column chunk. The submitter fills the input
 * fields; a worker fills header/payload/rc/err; the retire callback (on the
 * submitting thread) takes the result. */
typedef struct pq_job {
    pq_column *col;       /* destination; touched only by the retire callback */
    int page_type;        /* PQ_PAGE_DATA or PQ_PAGE_DICTIONARY */
    const uint8_t *src;   /* uncompressed page: body.data, or a borrowed buffer */
    size_t src_len;
    etlc__buf body;       /* owned page body (data pages), reused across jobs */
    int32_t num_values;
    int encoding;
    pq_stats stats;       /* the page's statistics (owned, data pages) */
    pq_layout layout;     /* a copy: the column may be promoted meanwhile */
    etlc__buf header, payload; /* results */
    int rc;
    etlc_error err;
    bool done;
} pq_job;

typedef struct pq_pool pq_pool;
typedef int (*pq_retire_fn)(void *userdata, pq_job *job, etlc_error *err);

/* threads <= 1: no worker thread, every job runs inside pq_pool_submit.
 * Fewer workers than asked are started when the system refuses a thread.
 * 0 or ETLC_NO_MEMORY. */
int pq_pool_new(etlc_parquet_codec codec, int level, int threads, pq_retire_fn retire,
                void *userdata, pq_pool **out, etlc_error *err);
/* A free job slot in *out (retiring the oldest job when all are busy), its
 * buffers reset and ready to fill. 0, or the error of a retired job. */
int pq_pool_slot(pq_pool *p, pq_job **out, etlc_error *err);
/* Queue the slot returned by the last pq_pool_slot. */
int pq_pool_submit(pq_pool *p, pq_job *job, etlc_error *err);
/* Wait for every queued job and retire them in order. The first error wins;
 * all jobs are finished (none runs) when this returns, even on error. */
int pq_pool_drain(pq_pool *p, etlc_error *err);
/* Number of worker threads running (0 = inline). */
int pq_pool_workers(const pq_pool *p);
/* Stops and joins the workers. NULL ok. */
void pq_pool_free(pq_pool *p);

/* Online CPUs (at least 1). */
int pq_online_cpus(void);

#endif
