/* The nats connector's private declarations (docs/connectors/nats.md).
 *
 * Two modes, by the `stream` option:
 *  - JetStream (stream set): a durable pull consumer; position = the
 *    stream sequence, partition = the stream name; acked after the lake
 *    commit and the checkpoint (nats_jetstream.c, nats_consumer.c);
 *  - core NATS (no stream): a plain subscription, at-most-once; position =
 *    a receive counter (nats_core.c). */
#ifndef ETLCONN_NATS_INTERNAL_H
#define ETLCONN_NATS_INTERNAL_H

#include <nats/nats.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "connectors/stream_common/stream_messages.h"
#include "core/internal.h"

typedef struct nats_ctx {
    natsConnection *nc;
    jsCtx *js;                   /* NULL in core mode */
    char *stream;                /* NULL: core NATS */
    char *durable;               /* the durable consumer's name (JetStream) */
    char *nkey_seed;             /* kept for the signature callback; zeroed on close */
    etlc__value_format format;
    int deliver_policy;          /* jsDeliverPolicy for a new consumer without checkpoint */
    bool ack_all;                /* ack policy of consumers we create: all (else explicit) */
    int64_t ack_wait_ms;
    int64_t max_ack_pending;
    int64_t fetch_batch;
    char source[128];
    int reconnects;              /* bumped by nats.c's reconnected callback (atomics) */
} nats_ctx;

/* One subscription (either mode). */
typedef struct nats_sub {
    nats_ctx *ctx;
    natsSubscription *sub;
    char *subject;
    bool jetstream;
    bool ack_all;                /* the consumer's own ack policy (AckAll: ack the last only) */
    etlc__msg_batch *mb;
    /* JetStream: messages received but not yet in a batch (a batch ended on
     * max_bytes / max_records), in order; and the batch's messages kept to
     * be acked at commit (with AckAll only the last one). */
    natsMsg **carry;
    size_t ncarry, carry_cap, carry_head;
    natsMsg **held;
    size_t nheld, held_cap;
    int64_t next;                /* JetStream: one past the last sequence landed (or handed out) */
    int64_t highest;             /* the highest sequence taken into a batch this session */
    int reconnects_seen;         /* ctx->reconnects when the consumer was last positioned */
    etlc_stream_position pos;
    char partition[256];
    pthread_mutex_t lock;
    bool cancel;
} nats_sub;

extern const etlc_option_table etlc__nats_options;

/* natsStatus -> etlc code, the error filled with `what` and nats.c's text. */
int etlc__nats_error(etlc_error *err, natsStatus s, jsErrCode jerr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* connection (nats_connect.c) */
int etlc__nats_connect(nats_ctx *ctx, const etlc_config *cfg, etlc_error *err);

/* messages -> the micro-batch (nats_message.c): add `m` at `position`. */
int etlc__nats_add(nats_sub *s, natsMsg *m, int64_t position, int64_t timestamp_ns,
                   etlc_error *err);
bool etlc__nats_sub_cancelled(nats_sub *s);

/* JetStream (nats_consumer.c, nats_jetstream.c) */
int etlc__nats_consumer_prepare(nats_sub *s, const etlc_stream_position *start, size_t nstart,
                                etlc_error *err);
int etlc__nats_js_poll(nats_sub *s, const etlc_stream_limits *limits, etlc_stream_batch *out,
                       etlc_error *err);
int etlc__nats_js_commit(nats_sub *s, const etlc_stream_position *positions, size_t n,
                         etlc_error *err);
void etlc__nats_js_release(nats_sub *s);
int etlc__nats_consumer_resync(nats_sub *s, etlc_error *err);

/* core NATS (nats_core.c) */
int etlc__nats_core_subscribe(nats_sub *s, const etlc_stream_position *start, size_t nstart,
                              etlc_error *err);
int etlc__nats_core_poll(nats_sub *s, const etlc_stream_limits *limits, etlc_stream_batch *out,
                         etlc_error *err);

#endif
