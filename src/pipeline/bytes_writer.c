/* The writer thread of a lake file (see bytes_writer.h). A ring of slots:
 * the producer fills slot (head + queued) % SLOTS, the writer drains from
 * head; both move under one mutex, which also hands the slot's bytes over. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "pipeline/bytes_writer.h"

#define SLOTS ETLC__WRITER_SLOTS
#define SLOT_BYTES ETLC__WRITER_SLOT_BYTES

struct etlc__bytes_writer {
    etlc_lake_file *file;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* a slot was queued, drained, or the writer stopped */
    char *buf[SLOTS];
    size_t len[SLOTS];
    size_t head, queued;        /* the oldest queued slot; how many are queued */
    bool done;                  /* no more slots will be queued */
    bool drop;                  /* stop without writing what is queued */
    int rc;                     /* the writer's first failure; it stops there */
    etlc_error err;
};

static void *writer_main(void *arg)
{
    etlc__bytes_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->queued == 0 && !w->done)
            pthread_cond_wait(&w->cv, &w->mu);
        if (w->queued == 0 || w->drop)
            break;
        size_t s = w->head;
        pthread_mutex_unlock(&w->mu);
        etlc_error e = {0};
        int rc = etlc_lake_file_write(w->file, w->buf[s], w->len[s], &e);
        pthread_mutex_lock(&w->mu);
        w->head = (w->head + 1) % SLOTS;
        w->queued--;
        if (rc != 0) {
            w->rc = rc;
            w->err = e;
        }
        pthread_cond_broadcast(&w->cv);
        if (rc != 0 || w->drop)
            break;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void writer_free(etlc__bytes_writer *w)
{
    for (int i = 0; i < SLOTS; i++)
        free(w->buf[i]);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

int etlc__bytes_writer_start(etlc_lake_file *file, etlc__bytes_writer **out, etlc_error *err)
{
    *out = NULL;
    etlc__bytes_writer *w = calloc(1, sizeof *w);
    if (!w)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting the lake writer");
    w->file = file;
    bool ok = pthread_mutex_init(&w->mu, NULL) == 0;
    if (ok && pthread_cond_init(&w->cv, NULL) != 0) {
        pthread_mutex_destroy(&w->mu);
        ok = false;
    }
    if (!ok) {
        free(w);
        return etlc_error_set(err, ETLC_INTERNAL, "cannot set up the lake writer's lock");
    }
    for (int i = 0; i < SLOTS && ok; i++)
        ok = (w->buf[i] = malloc(SLOT_BYTES)) != NULL;
    if (!ok) {
        writer_free(w);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting the lake writer");
    }
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        writer_free(w);
        return etlc_error_set(err, ETLC_INTERNAL, "cannot start the lake writer thread");
    }
    *out = w;
    return 0;
}

/* Queue the slot being filled; wait for a free one. Called with mu held. */
static void submit_locked(etlc__bytes_writer *w)
{
    w->queued++;
    pthread_cond_broadcast(&w->cv);
    while (w->queued == SLOTS && w->rc == 0)
        pthread_cond_wait(&w->cv, &w->mu);
}

static int failed_locked(etlc__bytes_writer *w, etlc_error *err)
{
    if (w->rc != 0 && err)
        *err = w->err;
    return w->rc;
}

int etlc__bytes_writer_put(etlc__bytes_writer *w, const void *data, size_t len, etlc_error *err)
{
    const char *p = data;
    pthread_mutex_lock(&w->mu);
    int rc = failed_locked(w, err);
    size_t s = (w->head + w->queued) % SLOTS; /* queued < SLOTS here: the producer's slot */
    pthread_mutex_unlock(&w->mu);
    while (rc == 0 && len > 0) {
        size_t take = SLOT_BYTES - w->len[s] < len ? SLOT_BYTES - w->len[s] : len;
        memcpy(w->buf[s] + w->len[s], p, take);
        w->len[s] += take;
        p += take;
        len -= take;
        if (w->len[s] < SLOT_BYTES)
            break;
        pthread_mutex_lock(&w->mu);
        submit_locked(w);
        rc = failed_locked(w, err);
        s = (w->head + w->queued) % SLOTS;
        if (rc == 0)
            w->len[s] = 0;
        pthread_mutex_unlock(&w->mu);
    }
    return rc;
}

int etlc__bytes_writer_finish(etlc__bytes_writer *w, bool drop, etlc_error *err)
{
    if (!w)
        return 0;
    pthread_mutex_lock(&w->mu);
    size_t s = (w->head + w->queued) % SLOTS;
    if (!drop && w->rc == 0 && w->len[s] > 0) {
        w->queued++;
        pthread_cond_broadcast(&w->cv);
    }
    w->drop = drop; /* the writer finishes the slot it holds, if any, then stops */
    w->done = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    int rc = drop ? 0 : failed_locked(w, err);
    writer_free(w);
    return rc;
}
