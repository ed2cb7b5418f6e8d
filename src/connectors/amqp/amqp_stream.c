/* The amqp stream capability: basic.consume with manual acks into
 * micro-batches (docs/connectors/amqp.md).
 *
 * AMQP has no offsets, so the position is a per-queue counter kept in the
 * checkpoint (partition = the queue name): each run goes on from the
 * checkpoint's `next`, so file names stay unique and ordered. Nothing is
 * acked before commit (the driver calls it after the lake commit and the
 * checkpoint); then one basic.ack(multiple) up to the batch's last
 * delivery tag. A crash between the checkpoint and the ack makes the
 * broker redeliver the batch: its dedupe ids (amqp_ids.c) are the state
 * stored with the checkpoint, so a redelivered message whose id is there
 * is acked and dropped instead of landing twice. On unsubscribe or a
 * failure the channel is closed: the broker requeues every unacked
 * delivery (flagged redelivered). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amqp_internal.h"
#include "core/json_load.h"

#define LOST 1 /* receive: the connection or channel is gone (err filled) */

typedef struct amqp_sub {
    amqp_ctx *ctx;
    amqp_link link;
    char *queue;
    bool consuming;         /* basic.consume sent on the current link */
    int prefetch;           /* basic.qos sent on the current link (-1: none) */
    int64_t next;           /* the queue's next position */
    uint64_t batch_tag;     /* last delivery tag of the polled batch (0: none) */
    bool batch_fresh;       /* the polled batch holds a first delivery */
    etlc__msg_batch *mb;
    etlc__msg_names names;
    amqp_idset landed;      /* ids of the last committed batch (sorted) */
    amqp_idset carry;       /* the resumed state's ids, until a first delivery lands (sorted) */
    amqp_idset polled;      /* ids of the polled batch */
    etlc__buf state, scratch, arena;
    etlc__msg_header *hdrs;
    etlc_stream_position pos;
    atomic_bool cancel;
    int64_t dropped;
} amqp_sub;

static void sleep_ms(int ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int cancelled(amqp_sub *s, etlc_error *err)
{
    return atomic_load(&s->cancel)
               ? etlc_error_set(err, ETLC_CANCELLED, "amqp: consume of '%s' cancelled", s->queue)
               : 0;
}

/* ---- consuming: qos + basic.consume, reconnects ----------------------------- */

/* The prefetch for batches of max_records: nothing is acked before a batch
 * lands, so fewer unacked deliveries than the batch would stall it until
 * the poll timeout. AMQP's count is 16 bits: beyond it, none (TCP flow
 * control then holds what the client has not read). */
static int prefetch_for(const amqp_ctx *ctx, size_t max_records)
{
    int64_t want = ctx->prefetch > (int64_t)max_records ? ctx->prefetch : (int64_t)max_records;
    return want > 65535 ? 0 : (int)want;
}

static int start_consuming(amqp_sub *s, size_t max_records, etlc_error *err)
{
    amqp_ctx *ctx = s->ctx;
    int rc = s->link.conn ? 0 : etlc__amqp_link_open(ctx, &s->link, err);
    int want = prefetch_for(ctx, max_records);
    if (rc == 0 && want != s->prefetch) { /* may change while consuming: it applies to the channel */
        if (!amqp_basic_qos(s->link.conn, 1, 0, (uint16_t)want, 0))
            rc = etlc__amqp_reply_error(ctx, amqp_get_rpc_reply(s->link.conn), "basic.qos", err);
        else
            s->prefetch = want;
    }
    if (rc == 0 && !s->consuming) {
        char what[300];
        snprintf(what, sizeof what, "basic.consume of queue '%s'", s->queue);
        if (!amqp_basic_consume(s->link.conn, 1, amqp_cstring_bytes(s->queue), amqp_empty_bytes, 0,
                                0, 0, amqp_empty_table))
            rc = etlc__amqp_reply_error(ctx, amqp_get_rpc_reply(s->link.conn), what, err);
        else
            s->consuming = true;
    }
    if (rc != 0)
        s->link.broken = true;
    return rc;
}

static void drop_link(amqp_sub *s)
{
    etlc__amqp_link_close(&s->link);
    s->consuming = false;
    s->prefetch = -1;
}

/* After a lost connection: reconnect and consume again for up to
 * reconnect_timeout; what was unacked is redelivered by the broker. */
static int reconnect(amqp_sub *s, size_t max_records, etlc_error *err)
{
    double until = etlc__monotonic_ms() + (double)s->ctx->reconnect_timeout_ms;
    for (;;) {
        drop_link(s);
        etlc_error e = {0};
        int rc = start_consuming(s, max_records, &e);
        if (rc == 0) {
            etlc_log(ETLC_LOG_INFO, "amqp", "reconnected to %s:%d, consuming '%s' again",
                     s->ctx->host, s->ctx->port, s->queue);
            return 0;
        }
        if (!e.retryable || etlc__monotonic_ms() >= until) {
            *err = e;
            return rc;
        }
        for (int i = 0; i < 5; i++) {
            if ((rc = cancelled(s, err)) != 0)
                return rc;
            sleep_ms(100);
        }
    }
}

/* ---- receiving ------------------------------------------------------------------ */

static bool is_duplicate(const amqp_sub *s, const amqp_envelope_t *env, const char *id)
{
    return env->redelivered &&
           (etlc__amqp_idset_has(&s->landed, id) || etlc__amqp_idset_has(&s->carry, id));
}

/* One delivery: a record or dead letter at the next position, or (a
 * redelivery of a landed message) acked and dropped. */
static int take(amqp_sub *s, const amqp_envelope_t *env, etlc_error *err)
{
    size_t nh = 0;
    char id[AMQP_ID_LEN];
    int rc = etlc__amqp_headers(env, &s->hdrs, &nh, &s->arena, err);
    if (rc == 0 && etlc__amqp_message_id(env, s->hdrs, nh, &s->scratch, id) != 0)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "amqp: out of memory hashing a message");
    if (rc != 0)
        return rc;
    if (is_duplicate(s, env, id)) {
        s->dropped++;
        int st = amqp_basic_ack(s->link.conn, 1, env->delivery_tag, 0);
        if (st == AMQP_STATUS_OK)
            return 0;
        etlc__amqp_status_error(s->ctx, st, "acking a duplicate", err);
        return LOST;
    }
    const amqp_basic_properties_t *p = &env->message.properties;
    etlc__msg m = {
        .resource = s->queue,
        .position = s->next + (int64_t)etlc__msg_batch_count(s->mb),
        .timestamp_us = (p->_flags & AMQP_BASIC_TIMESTAMP_FLAG) ? (int64_t)p->timestamp * 1000000
                                                                : ETLC__NO_TIMESTAMP,
        .key = env->routing_key.len ? env->routing_key.bytes : NULL,
        .key_len = env->routing_key.len,
        .value = env->message.body.len ? env->message.body.bytes : "", /* empty, not a tombstone */
        .value_len = env->message.body.len,
        .headers = s->hdrs,
        .nheaders = nh,
    };
    rc = etlc__msg_batch_add(s->mb, &m, err);
    if (rc == 0 && etlc__amqp_idset_add(&s->polled, id) != 0)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "amqp: out of memory keeping message ids");
    if (rc == 0) {
        s->batch_tag = env->delivery_tag;
        s->batch_fresh = s->batch_fresh || !env->redelivered;
    }
    return rc;
}

/* A frame that is not a delivery: the broker closing the channel or the
 * connection, or cancelling the consumer (queue deleted). */
static int other_frame(amqp_sub *s, etlc_error *err)
{
    amqp_frame_t f;
    struct timeval zero = {0, 0};
    int st = amqp_simple_wait_frame_noblock(s->link.conn, &f, &zero);
    if (st == AMQP_STATUS_TIMEOUT)
        return 0;
    if (st != AMQP_STATUS_OK)
        return etlc__amqp_status_error(s->ctx, st, "reading from the broker", err), LOST;
    if (f.frame_type != AMQP_FRAME_METHOD)
        return 0;
    amqp_rpc_reply_t r = {.reply_type = AMQP_RESPONSE_SERVER_EXCEPTION, .reply = f.payload.method};
    switch (f.payload.method.id) {
    case AMQP_CHANNEL_CLOSE_METHOD:
    case AMQP_CONNECTION_CLOSE_METHOD:
        etlc__amqp_reply_error(s->ctx, r, "consuming", err);
        return LOST;
    case AMQP_BASIC_CANCEL_METHOD:
        etlc_error_set(err, ETLC_IO_NOT_FOUND, "amqp: the broker cancelled the consumer of '%s' "
                       "(queue deleted?)", s->queue);
        err->retryable = true; /* a reconnect says whether the queue is there */
        return LOST;
    default: return 0;
    }
}

static int receive(amqp_sub *s, double wait_ms, etlc_error *err)
{
    amqp_maybe_release_buffers(s->link.conn);
    amqp_envelope_t env;
    int64_t us = wait_ms < 1 ? 1000 : (int64_t)(wait_ms * 1000);
    struct timeval tv = {.tv_sec = (time_t)(us / 1000000), .tv_usec = (suseconds_t)(us % 1000000)};
    amqp_rpc_reply_t r = amqp_consume_message(s->link.conn, &env, &tv, 0);
    if (r.reply_type == AMQP_RESPONSE_NORMAL) {
        int rc = take(s, &env, err);
        amqp_destroy_envelope(&env);
        return rc;
    }
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT)
        return 0;
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        r.library_error == AMQP_STATUS_UNEXPECTED_STATE)
        return other_frame(s, err);
    etlc__amqp_reply_error(s->ctx, r, "consuming", err);
    return LOST;
}

/* ---- the stream ops ------------------------------------------------------------- */

/* The state kept with the checkpoint: this batch's ids, and the resumed
 * ones while no first delivery has landed. */
static int build_state(amqp_sub *s)
{
    etlc__buf *b = &s->state;
    etlc__buf_reset(b);
    int bad = etlc__buf_puts(b, "{\"ids\":[");
    for (size_t i = 0; !bad && i < s->polled.n; i++)
        bad = etlc__buf_printf(b, "%s\"%s\"", i ? "," : "", s->polled.ids[i]);
    bad = bad || etlc__buf_puts(b, "],\"carry\":[");
    for (size_t i = 0; !bad && !s->batch_fresh && i < s->carry.n; i++)
        bad = etlc__buf_printf(b, "%s\"%s\"", i ? "," : "", s->carry.ids[i]);
    return bad || etlc__buf_puts(b, "]}") ? -1 : 0;
}

static int finish_batch(amqp_sub *s, etlc_stream_batch *out, etlc_error *err)
{
    size_t n = etlc__msg_batch_count(s->mb);
    if (n == 0)
        return 0;
    const etlc_batch *records = NULL, *dead = NULL;
    int rc = etlc__msg_batch_finish(s->mb, &records, &dead, err);
    if (rc == 0 && build_state(s) != 0)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "amqp: out of memory keeping message ids");
    if (rc != 0)
        return rc;
    s->pos = (etlc_stream_position){.partition = s->queue, .first = s->next,
                                    .next = s->next + (int64_t)n};
    s->next += (int64_t)n;
    *out = (etlc_stream_batch){.batch = records, .positions = &s->pos, .npositions = 1,
                               .dead_letters = dead, .state = s->state.data};
    return 0;
}

static int amqp_poll(void *vctx, void *vsub, const etlc_stream_limits *lim, etlc_stream_batch *out,
                     etlc_error *err)
{
    (void)vctx;
    amqp_sub *s = vsub;
    *out = (etlc_stream_batch){0};
    etlc__msg_batch_reset(s->mb);
    etlc__amqp_idset_clear(&s->polled);
    s->batch_tag = 0;
    s->batch_fresh = false;
    double deadline = etlc__monotonic_ms() + (double)lim->timeout_ms;
    int rc = s->link.broken ? 0 : start_consuming(s, lim->max_records, err);
    if (s->link.broken) /* lost before, or consuming failed just now: retry what can be */
        rc = reconnect(s, lim->max_records, err);
    while (rc == 0 && !etlc__msg_batch_full(s->mb, lim) && (rc = cancelled(s, err)) == 0) {
        double left = deadline - etlc__monotonic_ms();
        if (left <= 0)
            break;
        rc = receive(s, left < 100 ? left : 100, err);
        if (rc != LOST)
            continue;
        /* What this batch holds is unacked on the lost channel: the broker
         * redelivers it, so start the batch again after reconnecting. */
        etlc_log(ETLC_LOG_WARN, "amqp", "%s; reconnecting", err->message);
        s->link.broken = true;
        etlc__msg_batch_reset(s->mb);
        etlc__amqp_idset_clear(&s->polled);
        s->batch_tag = 0;
        s->batch_fresh = false;
        rc = reconnect(s, lim->max_records, err);
    }
    return rc ? rc : finish_batch(s, out, err);
}

static int amqp_commit(void *vctx, void *vsub, const etlc_stream_position *positions, size_t n,
                       etlc_error *err)
{
    (void)vctx, (void)positions, (void)n, (void)err;
    amqp_sub *s = vsub;
    if (s->batch_tag && s->link.conn && !s->link.broken) {
        int st = amqp_basic_ack(s->link.conn, 1, s->batch_tag, 1);
        if (st != AMQP_STATUS_OK) {
            /* The broker redelivers the batch; its ids are checkpointed and
             * kept below, so the redelivery is dropped as a duplicate. */
            etlc_log(ETLC_LOG_WARN, "amqp", "ack of '%s' up to position %lld failed (%s): its "
                     "redelivery will be dropped", s->queue, (long long)s->pos.next - 1,
                     amqp_error_string2(st));
            s->link.broken = true;
        }
    }
    amqp_idset swap = s->landed;
    s->landed = s->polled;
    s->polled = swap;
    etlc__amqp_idset_sort(&s->landed);
    if (s->batch_fresh) /* requeued deliveries come before first ones: none of carry is left */
        etlc__amqp_idset_clear(&s->carry);
    s->batch_tag = 0;
    return 0;
}

static void amqp_cancel(void *vctx, void *vsub)
{
    (void)vctx;
    atomic_store(&((amqp_sub *)vsub)->cancel, true);
}

static void sub_free(amqp_sub *s)
{
    drop_link(s); /* closing the channel requeues every unacked delivery */
    etlc__msg_batch_free(s->mb);
    etlc__amqp_idset_free(&s->landed);
    etlc__amqp_idset_free(&s->carry);
    etlc__amqp_idset_free(&s->polled);
    etlc__buf_free(&s->state);
    etlc__buf_free(&s->scratch);
    etlc__buf_free(&s->arena);
    free(s->hdrs);
    free(s->queue);
    free(s);
}

static void amqp_unsubscribe(void *vctx, void *vsub)
{
    (void)vctx;
    amqp_sub *s = vsub;
    if (s->dropped)
        etlc_log(ETLC_LOG_INFO, "amqp", "'%s': %lld redelivered message(s) already landed were "
                 "acked and dropped", s->queue, (long long)s->dropped);
    sub_free(s);
}

/* The resumed state's ids (both lists) into carry. */
static int load_state(amqp_sub *s, const char *state, etlc_error *err)
{
    bool oom = false;
    json_t *j = etlc__json_loadb(state, strlen(state), 0, NULL, &oom);
    int rc = 0;
    static const char *const keys[] = {"ids", "carry"};
    for (size_t k = 0; j && rc == 0 && k < 2; k++) {
        json_t *arr = json_object_get(j, keys[k]);
        for (size_t i = 0; rc == 0 && i < json_array_size(arr); i++) {
            const char *id = json_string_value(json_array_get(arr, i));
            if (id && strlen(id) == AMQP_ID_LEN - 1 && etlc__amqp_idset_add(&s->carry, id) != 0)
                rc = etlc_error_set(err, ETLC_NO_MEMORY, "amqp: out of memory reading the state");
        }
    }
    if (!j && rc == 0)
        rc = oom ? etlc_error_set(err, ETLC_NO_MEMORY, "amqp: out of memory reading the state")
                 : etlc_error_set(err, ETLC_DATA, "amqp: the checkpoint's state is not JSON");
    json_decref(j);
    etlc__amqp_idset_sort(&s->carry);
    return rc;
}

static int amqp_subscribe(void *vctx, const char *resource, const etlc_stream_position *start,
                          size_t nstart, const char *state, const etlc_stream_callbacks *cb,
                          void **out, etlc_error *err)
{
    (void)cb; /* one queue, never rebalanced */
    amqp_ctx *ctx = vctx;
    *out = NULL;
    amqp_sub *s = calloc(1, sizeof *s);
    if (!s || !(s->queue = etlc__strdup(resource))) {
        free(s);
        return etlc_error_set(err, ETLC_NO_MEMORY, "amqp: out of memory subscribing");
    }
    s->ctx = ctx;
    s->prefetch = -1;
    atomic_init(&s->cancel, false);
    s->names = (etlc__msg_names){.resource = "queue", .partition = NULL, .position = "position"};
    for (size_t i = 0; i < nstart; i++) /* the counter goes on from the checkpoint */
        if (strcmp(start[i].partition, resource) == 0)
            s->next = start[i].next;
    int rc = etlc__msg_batch_new(ctx->value_format, &s->names, "amqp", &s->mb, err);
    if (rc == 0 && state)
        rc = load_state(s, state, err);
    if (rc == 0)
        rc = etlc__amqp_link_open(ctx, &s->link, err); /* fail early: bad host, login, vhost */
    if (rc != 0) {
        sub_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

const etlc_stream_ops etlc__amqp_stream_ops = {
    .flags = 0, /* the checkpoint keeps the positions and the dedupe ids */
    .subscribe = amqp_subscribe,
    .poll = amqp_poll,
    .commit = amqp_commit,
    .cancel = amqp_cancel,
    .unsubscribe = amqp_unsubscribe,
};
