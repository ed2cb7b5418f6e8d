/* A reader thread for one file's COPY: it reads batches (Parquet decoding
 * is most of the client's work) and encodes them as binary COPY data while
 * the loading thread sends the previous chunk, so the server is not left
 * waiting while the client decodes. Two chunks in flight bound the memory.
 * The thread never touches the connection: the transaction, the journal
 * and the all-or-nothing guarantee stay with the loading thread. */
#include <pthread.h>
#include <stdlib.h>

#include "dw_internal.h"

#define PIPE_SLOTS 2

struct dw_pipe {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    etlc__format_reader *src;
    dw_encoder *e;          /* e->out is the reader's working chunk */
    size_t chunk;
    etlc__buf slot[PIPE_SLOTS];
    uint64_t slot_rows[PIPE_SLOTS];
    size_t head, nfull;     /* the loader reads slot[head]; nfull slots are ready or held */
    bool held;              /* the loader holds slot[head] until its next call */
    bool done, stop;
    int rc;
    etlc_error err;         /* the reader's error, handed over at the end */
};

/* Hand the working chunk to the loader (swapping in an empty buffer);
 * false when told to stop. */
static bool pipe_push(dw_pipe *p, uint64_t rows)
{
    pthread_mutex_lock(&p->mu);
    while (p->nfull == PIPE_SLOTS && !p->stop)
        pthread_cond_wait(&p->cv, &p->mu);
    bool go = !p->stop;
    if (go) {
        size_t w = (p->head + p->nfull) % PIPE_SLOTS;
        etlc__buf t = p->slot[w];
        p->slot[w] = p->e->out;
        p->e->out = t;
        etlc__buf_reset(&p->e->out);
        p->slot_rows[w] = rows;
        p->nfull++;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return go;
}

static bool pipe_stopped(dw_pipe *p)
{
    pthread_mutex_lock(&p->mu);
    bool s = p->stop;
    pthread_mutex_unlock(&p->mu);
    return s;
}

static void *pipe_main(void *arg)
{
    dw_pipe *p = arg;
    etlc_error err = {0};
    int rc = 0;
    uint64_t rows = 0;
    const etlc_batch *b;
    while (!pipe_stopped(p) && (rc = etlc__format_reader_next(p->src, &b, &err)) == 0 && b) {
        if ((rc = etlc__dw_encode_batch(p->e, b, &err)) != 0)
            break;
        rows += b->nrows;
        if (p->e->out.len >= p->chunk) {
            if (!pipe_push(p, rows))
                break;
            rows = 0;
        }
    }
    if (rc == 0 && etlc__dw_copy_trailer(p->e))
        rc = etlc_error_set(&err, ETLC_NO_MEMORY, "out of memory encoding COPY data");
    if (rc == 0)
        pipe_push(p, rows);
    pthread_mutex_lock(&p->mu);
    p->rc = rc;
    if (rc)
        p->err = err;
    p->done = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int etlc__dw_pipe_start(etlc__format_reader *src, dw_encoder *e, size_t chunk, dw_pipe **out, etlc_error *err)
{
    *out = NULL;
    dw_pipe *p = calloc(1, sizeof *p);
    if (!p)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting the COPY reader");
    p->src = src;
    p->e = e;
    p->chunk = chunk;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (pthread_create(&p->thread, NULL, pipe_main, p) != 0) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return etlc_error_set(err, ETLC_NO_MEMORY, "cannot start the COPY reader thread");
    }
    *out = p;
    return 0;
}

int etlc__dw_pipe_next(dw_pipe *p, const char **data, size_t *len, uint64_t *rows, etlc_error *err)
{
    *data = NULL;
    *len = 0;
    *rows = 0;
    pthread_mutex_lock(&p->mu);
    if (p->held) {
        etlc__buf_reset(&p->slot[p->head]);
        p->head = (p->head + 1) % PIPE_SLOTS;
        p->nfull--;
        p->held = false;
        pthread_cond_broadcast(&p->cv);
    }
    while (p->nfull == 0 && !p->done)
        pthread_cond_wait(&p->cv, &p->mu);
    int rc = 0;
    if (p->nfull > 0) {
        /* The reader leaves a full slot alone, so it is read unlocked. */
        p->held = true;
        *data = p->slot[p->head].data;
        *len = p->slot[p->head].len;
        *rows = p->slot_rows[p->head];
    } else if (p->rc) {
        rc = p->rc;
        *err = p->err;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

void etlc__dw_pipe_free(dw_pipe *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    for (size_t i = 0; i < PIPE_SLOTS; i++)
        etlc__buf_free(&p->slot[i]);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
