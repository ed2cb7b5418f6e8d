/* A COPY's bytes received on a thread of their own, so the socket is
 * drained while the fetching thread decodes, encodes and compresses (with
 * one thread the server stalls on a full socket whenever a page or a row
 * group is compressed). The receiver copies CopyData messages into a few
 * fixed blocks (bounded memory) and hands over whole blocks; the COPY
 * parser takes the stream in any split. The receiver owns the connection
 * until it has ended (end of copy, stream error or stop): only then does
 * the fetching thread use it again. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

#define RECV_BLOCKS 8
#define RECV_BLOCK_BYTES (1024 * 1024)

typedef struct recv_block {
    char *data;
    size_t len, cap;
} recv_block;

struct pg_recv {
    PGconn *conn;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    recv_block blocks[RECV_BLOCKS];
    int filled[RECV_BLOCKS]; /* FIFO of full blocks: filled[head .. head+nfilled) */
    int head, nfilled;
    int free_[RECV_BLOCKS];  /* stack of empty blocks */
    int nfree;
    int held;                /* the block the consumer holds, -1 none */
    int state;               /* 0 running, 1 copy ended, -1 stream error, -2 out of memory */
    bool stop;
    bool joined;             /* the thread has been joined (it had ended) */
};

/* Hand a filled block over; wait for an empty one. -1 when told to stop. */
static int swap_block(pg_recv *r, int *cur)
{
    pthread_mutex_lock(&r->lock);
    if (*cur >= 0 && r->blocks[*cur].len > 0) {
        r->filled[(r->head + r->nfilled++) % RECV_BLOCKS] = *cur;
        *cur = -1;
        pthread_cond_broadcast(&r->changed);
    }
    while (*cur < 0 && r->nfree == 0 && !r->stop)
        pthread_cond_wait(&r->changed, &r->lock);
    if (*cur < 0 && !r->stop) {
        *cur = r->free_[--r->nfree];
        r->blocks[*cur].len = 0;
    }
    int rc = r->stop ? -1 : 0;
    pthread_mutex_unlock(&r->lock);
    return rc;
}

static int append(recv_block *b, const char *p, size_t n)
{
    if (b->len + n > b->cap) { /* a row larger than a block: this block grows */
        size_t cap = b->len + n;
        char *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

static void finish(pg_recv *r, int cur, int state)
{
    pthread_mutex_lock(&r->lock);
    if (cur >= 0 && r->blocks[cur].len > 0)
        r->filled[(r->head + r->nfilled++) % RECV_BLOCKS] = cur;
    else if (cur >= 0)
        r->free_[r->nfree++] = cur;
    r->state = state;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

static void *receive(void *arg)
{
    pg_recv *r = arg;
    int cur = -1, state = 0;
    if (swap_block(r, &cur) != 0)
        state = 1; /* stopped before the first byte */
    while (state == 0) {
        char *buf = NULL;
        int n = PQgetCopyData(r->conn, &buf, 1);
        if (n > 0) {
            recv_block *b = &r->blocks[cur];
            if (b->len + (size_t)n > b->cap && b->len > 0 && swap_block(r, &cur) != 0)
                state = 1; /* stopped */
            else if (append(&r->blocks[cur], buf, (size_t)n) != 0)
                state = -2;
            PQfreemem(buf);
        } else if (n == 0) { /* nothing buffered: hand over what we have, then wait for the socket */
            if (swap_block(r, &cur) != 0)
                break;
            struct pollfd pfd = {.fd = PQsocket(r->conn), .events = POLLIN};
            if (poll(&pfd, 1, 50) > 0 && !PQconsumeInput(r->conn))
                state = -1;
        } else {
            state = n == -1 ? 1 : -1;
        }
        pthread_mutex_lock(&r->lock);
        if (r->stop && state == 0)
            state = 1;
        pthread_mutex_unlock(&r->lock);
    }
    finish(r, cur, state ? state : 1);
    return NULL;
}

void etlc__pg_recv_stop(pg_recv *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    r->stop = true;
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
    if (!r->joined)
        pthread_join(r->thread, NULL);
    for (int i = 0; i < RECV_BLOCKS; i++)
        free(r->blocks[i].data);
    pthread_cond_destroy(&r->changed);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

int etlc__pg_recv_start(PGconn *conn, pg_recv **out, etlc_error *err)
{
    *out = NULL;
    pg_recv *r = calloc(1, sizeof *r);
    if (!r)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting the COPY receiver");
    r->conn = conn;
    r->held = -1;
    for (int i = 0; i < RECV_BLOCKS; i++) {
        if (!(r->blocks[i].data = malloc(RECV_BLOCK_BYTES))) {
            for (int j = 0; j < i; j++)
                free(r->blocks[j].data);
            free(r);
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory for the COPY receiver's buffers");
        }
        r->blocks[i].cap = RECV_BLOCK_BYTES;
        r->free_[r->nfree++] = i;
    }
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->changed, NULL);
    if (pthread_create(&r->thread, NULL, receive, r) != 0) {
        pthread_cond_destroy(&r->changed);
        pthread_mutex_destroy(&r->lock);
        for (int i = 0; i < RECV_BLOCKS; i++)
            free(r->blocks[i].data);
        free(r);
        return etlc_error_set(err, ETLC_INTERNAL, "cannot start the COPY receiver thread");
    }
    *out = r;
    return 0;
}

int etlc__pg_recv_next(pg_recv *r, const char **data, size_t *len)
{
    pthread_mutex_lock(&r->lock);
    if (r->held >= 0) { /* the block handed out last time is empty again */
        r->free_[r->nfree++] = r->held;
        r->held = -1;
        pthread_cond_broadcast(&r->changed);
    }
    while (r->nfilled == 0 && r->state == 0)
        pthread_cond_wait(&r->changed, &r->lock);
    int rc;
    if (r->nfilled > 0) {
        r->held = r->filled[r->head];
        r->head = (r->head + 1) % RECV_BLOCKS;
        r->nfilled--;
        *data = r->blocks[r->held].data;
        *len = r->blocks[r->held].len;
        rc = 1;
    } else {
        rc = r->state == 1 ? 0 : r->state;
    }
    pthread_mutex_unlock(&r->lock);
    if (rc <= 0 && !r->joined) { /* it has ended: the connection is the caller's again */
        pthread_join(r->thread, NULL);
        r->joined = true;
    }
    return rc;
}
