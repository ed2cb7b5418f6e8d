/* The JetStream durable pull consumer, put where the checkpoint says.
 *
 * Why re-create it: JetStream redelivers an unacked message only after its
 * ack_wait has passed, and meanwhile delivers newer messages first. After a
 * crash with messages delivered but not acked, a consumer used as it is
 * would hand out sequence 501 before 401..500 came back, and the batch
 * names (stream, first sequence) would differ from the run that crashed.
 * So at subscribe (and after a reconnect: a restarted server may have lost
 * the consumer's latest state), unless the consumer is exactly in step
 * with the resume point (nothing pending, last delivered = resume - 1), it
 * is deleted and created again to deliver from the resume point in
 * sequence order. The resume point is the checkpoint's next sequence, else
 * (no checkpoint) the consumer's ack floor + 1. etlconn therefore owns the
 * durable: one consuming process per durable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nats_internal.h"

#define NS_PER_MS 1000000LL

/* "etlconn_" + 16 hex of sha256(stream "\n" subject): stable per resource. */
static int default_durable(const nats_ctx *ctx, const char *subject, char out[32], etlc_error *err)
{
    etlc__buf b = {0};
    char hex[65];
    int bad = etlc__buf_printf(&b, "%s\n%s", ctx->stream, subject) ||
              etlc__sha256_hex(b.data, b.len, hex) != 0;
    etlc__buf_free(&b);
    if (bad)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming the durable consumer");
    snprintf(out, 32, "etlconn_%.16s", hex);
    return 0;
}

static int create_consumer(nats_sub *s, const char *durable, uint64_t resume, etlc_error *err)
{
    nats_ctx *ctx = s->ctx;
    jsConsumerConfig cc;
    jsConsumerConfig_Init(&cc);
    cc.Durable = durable;
    cc.FilterSubject = s->subject;
    cc.AckPolicy = ctx->ack_all ? js_AckAll : js_AckExplicit;
    cc.AckWait = ctx->ack_wait_ms * NS_PER_MS;
    cc.MaxAckPending = ctx->max_ack_pending;
    cc.DeliverPolicy = resume ? js_DeliverByStartSequence : (jsDeliverPolicy)ctx->deliver_policy;
    cc.OptStartSeq = resume;
    jsConsumerInfo *ci = NULL;
    jsErrCode jerr = 0;
    natsStatus st = js_AddConsumer(&ci, ctx->js, ctx->stream, &cc, NULL, &jerr);
    jsConsumerInfo_Destroy(ci);
    if (st != NATS_OK)
        return etlc__nats_error(err, st, jerr, "cannot create the consumer '%s' on stream '%s'",
                                durable, ctx->stream);
    s->ack_all = ctx->ack_all;
    return 0;
}

/* Is the existing consumer ours to use: a pull consumer filtering s->subject? */
static int check_existing(nats_sub *s, const jsConsumerInfo *ci, const char *durable, etlc_error *err)
{
    const jsConsumerConfig *c = ci->Config;
    const char *filter = c && c->FilterSubject ? c->FilterSubject : "";
    if (c && c->DeliverSubject && *c->DeliverSubject)
        return etlc_error_set(err, ETLC_CONFIG,
                              "nats: consumer '%s' of stream '%s' is a push consumer; etlconn needs "
                              "a pull consumer: give another durable", durable, s->ctx->stream);
    if (strcmp(filter, s->subject) != 0)
        return etlc_error_set(err, ETLC_CONFIG,
                              "nats: consumer '%s' of stream '%s' filters '%s', not '%s': give "
                              "another durable, or delete that consumer", durable, s->ctx->stream,
                              filter, s->subject);
    return 0;
}

/* Find, check, and (when out of step with `resume`) re-create the consumer.
 * resume 0: no checkpoint. Sets s->next to the resume point. */
static int position_consumer(nats_sub *s, const char *durable, uint64_t resume, etlc_error *err)
{
    nats_ctx *ctx = s->ctx;
    jsConsumerInfo *ci = NULL;
    jsErrCode jerr = 0;
    natsStatus st = js_GetConsumerInfo(&ci, ctx->js, ctx->stream, durable, NULL, &jerr);
    if (st == NATS_NOT_FOUND || jerr == JSConsumerNotFoundErr) {
        s->next = (int64_t)resume;
        return create_consumer(s, durable, resume, err);
    }
    if (st != NATS_OK)
        return etlc__nats_error(err, st, jerr, "cannot read the consumer '%s' of stream '%s'",
                                durable, ctx->stream);
    int rc = check_existing(s, ci, durable, err);
    if (rc == 0) {
        if (!resume)
            resume = ci->AckFloor.Stream + 1;
        bool in_step = ci->NumAckPending == 0 && ci->Delivered.Stream + 1 == resume;
        bool nothing_yet = ci->NumAckPending == 0 && ci->Delivered.Stream == 0 &&
                           ci->AckFloor.Stream == 0;
        s->ack_all = ci->Config->AckPolicy == js_AckAll;
        s->next = (int64_t)resume;
        if (!in_step && !nothing_yet) {
            etlc_log(ETLC_LOG_INFO, "nats",
                     "consumer '%s': %lld pending, last delivered %llu; re-created to deliver "
                     "from sequence %llu in order", durable, (long long)ci->NumAckPending,
                     (unsigned long long)ci->Delivered.Stream, (unsigned long long)resume);
            st = js_DeleteConsumer(ctx->js, ctx->stream, durable, NULL, &jerr);
            rc = st == NATS_OK || jerr == JSConsumerNotFoundErr
                     ? create_consumer(s, durable, resume, err)
                     : etlc__nats_error(err, st, jerr, "cannot delete the consumer '%s'", durable);
        }
    }
    jsConsumerInfo_Destroy(ci);
    return rc;
}

static int pull_subscribe(nats_sub *s, const char *durable, etlc_error *err)
{
    nats_ctx *ctx = s->ctx;
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = ctx->stream;
    so.Consumer = durable; /* bind: nats.c neither creates nor deletes it */
    so.ManualAck = true;
    jsErrCode jerr = 0;
    natsStatus st = js_PullSubscribe(&s->sub, ctx->js, s->subject, durable, NULL, &so, &jerr);
    return st == NATS_OK ? 0
                         : etlc__nats_error(err, st, jerr, "cannot subscribe to '%s' through consumer '%s'",
                                            s->subject, durable);
}

static int durable_name(nats_sub *s, char buf[32], const char **out, etlc_error *err)
{
    *out = s->ctx->durable;
    if (*out)
        return 0;
    int rc = default_durable(s->ctx, s->subject, buf, err);
    *out = buf;
    return rc;
}

/* Position the consumer at the resume point and bind a pull subscription. */
static int prepare_at(nats_sub *s, uint64_t resume, etlc_error *err)
{
    char buf[32];
    const char *durable = NULL;
    s->reconnects_seen = __atomic_load_n(&s->ctx->reconnects, __ATOMIC_SEQ_CST);
    int rc = durable_name(s, buf, &durable, err);
    if (rc == 0)
        rc = position_consumer(s, durable, resume, err);
    if (rc == 0)
        rc = pull_subscribe(s, durable, err);
    s->highest = s->next > 0 ? s->next - 1 : 0;
    snprintf(s->partition, sizeof s->partition, "%s", s->ctx->stream);
    return rc;
}

int etlc__nats_consumer_prepare(nats_sub *s, const etlc_stream_position *start, size_t nstart,
                                etlc_error *err)
{
    uint64_t resume = 0;
    for (size_t i = 0; i < nstart; i++)
        if (strcmp(start[i].partition, s->ctx->stream) == 0 && start[i].next > 0)
            resume = (uint64_t)start[i].next;
    return prepare_at(s, resume, err);
}

/* After a reconnect: the same, from what this subscription has landed. */
int etlc__nats_consumer_resync(nats_sub *s, etlc_error *err)
{
    if (s->sub) {
        natsSubscription_Destroy(s->sub);
        s->sub = NULL;
    }
    return prepare_at(s, s->next > 0 ? (uint64_t)s->next : 0, err);
}
