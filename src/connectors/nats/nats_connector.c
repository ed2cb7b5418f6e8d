/* The nats connector: core NATS and JetStream into the stream capability
 * (docs/connectors/nats.md). Not shareable between processes
 * (no ETLC_STREAM_SOURCE_POSITIONS): the checkpoint is the position, and
 * the durable consumer is re-created at it after a crash (nats_consumer.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nats_internal.h"

static void zero_free(char *s)
{
    if (s) {
        volatile char *p = s;
        while (*p)
            *p++ = 0;
        free(s);
    }
}

static void nats_close(void *vctx)
{
    nats_ctx *ctx = vctx;
    jsCtx_Destroy(ctx->js);
    natsConnection_Destroy(ctx->nc); /* closes it first */
    ctx->js = NULL;
    ctx->nc = NULL;
    free(ctx->stream);
    free(ctx->durable);
    zero_free(ctx->nkey_seed);
    ctx->stream = ctx->durable = ctx->nkey_seed = NULL;
}

static int nats_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    return etlc__nats_connect(vctx, cfg, err);
}

/* nats.c 3.4 does not expose the server's version: its id names it. */
static void server_version(nats_ctx *ctx, etlc_health *h)
{
    char id[128] = "";
    natsConnection_GetConnectedServerId(ctx->nc, id, sizeof id);
    snprintf(h->server_version, sizeof h->server_version, "nats-server id %.60s", id);
}

/* JetStream account info, then the stream's when one is set. */
static void jetstream_check(nats_ctx *ctx, etlc_health *h)
{
    jsCtx *js = ctx->js;
    jsOptions jo;
    jsOptions_Init(&jo);
    jsErrCode jerr = 0;
    natsStatus s = js ? NATS_OK : natsConnection_JetStream(&js, ctx->nc, &jo);
    jsAccountInfo *ai = NULL;
    if (s == NATS_OK)
        s = js_GetAccountInfo(&ai, js, NULL, &jerr);
    if (s != NATS_OK) {
        etlc__format_redacted_into(h->detail, sizeof h->detail, "connected; JetStream not available: %s",
                                   natsStatus_GetText(s));
        h->healthy = false;
    } else if (ctx->stream) {
        jsStreamInfo *si = NULL;
        s = js_GetStreamInfo(&si, js, ctx->stream, NULL, &jerr);
        h->healthy = s == NATS_OK;
        if (s == NATS_OK)
            etlc__format_redacted_into(h->detail, sizeof h->detail,
                                       "JetStream: %lld streams; stream '%s': %llu messages, sequences %llu..%llu",
                                       (long long)ai->Streams, ctx->stream,
                                       (unsigned long long)si->State.Msgs,
                                       (unsigned long long)si->State.FirstSeq,
                                       (unsigned long long)si->State.LastSeq);
        else
            etlc__format_redacted_into(h->detail, sizeof h->detail, "JetStream: stream '%s': %s",
                                       ctx->stream, jerr == JSStreamNotFoundErr ? "not found"
                                                                                : natsStatus_GetText(s));
        jsStreamInfo_Destroy(si);
    } else {
        h->healthy = true;
        etlc__format_redacted_into(h->detail, sizeof h->detail,
                                   "connected; JetStream: %lld streams, %lld consumers (core NATS: no stream set)",
                                   (long long)ai->Streams, (long long)ai->Consumers);
    }
    jsAccountInfo_Destroy(ai);
    if (js != ctx->js)
        jsCtx_Destroy(js);
}

static int nats_test(void *vctx, etlc_health *health, etlc_error *err)
{
    nats_ctx *ctx = vctx;
    double t0 = etlc__monotonic_ms();
    natsStatus s = natsConnection_FlushTimeout(ctx->nc, 5000); /* a PING round trip */
    if (s != NATS_OK) {
        health->healthy = false;
        etlc__format_redacted_into(health->detail, sizeof health->detail, "no answer to PING: %s",
                                   natsStatus_GetText(s));
    } else {
        server_version(ctx, health);
        jetstream_check(ctx, health);
    }
    health->latency_ms = etlc__monotonic_ms() - t0;
    (void)err;
    return 0;
}

static bool nats_alive(void *vctx)
{
    nats_ctx *ctx = vctx;
    return ctx->nc && !natsConnection_IsClosed(ctx->nc);
}

static void nats_source_name(void *vctx, char *buf, size_t bufsz)
{
    nats_ctx *ctx = vctx;
    snprintf(buf, bufsz, "%s", ctx->source);
}

/* ---- the stream capability ------------------------------------------------ */

static void sub_free(nats_sub *s)
{
    if (!s)
        return;
    etlc__nats_js_release(s);
    natsSubscription_Destroy(s->sub);
    etlc__msg_batch_free(s->mb);
    free(s->carry);
    free(s->held);
    free(s->subject);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static int nats_subscribe(void *vctx, const char *resource, const etlc_stream_position *start,
                          size_t nstart, const char *state, const etlc_stream_callbacks *cb,
                          void **out, etlc_error *err)
{
    nats_ctx *ctx = vctx;
    (void)state, (void)cb;
    *out = NULL;
    nats_sub *s = calloc(1, sizeof *s);
    if (!s || !(s->subject = strdup(resource))) {
        free(s);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory subscribing to '%s'", resource);
    }
    pthread_mutex_init(&s->lock, NULL);
    s->ctx = ctx;
    s->jetstream = ctx->stream != NULL;
    static const etlc__msg_names names = {.resource = "subject", .partition = NULL,
                                          .position = "sequence"};
    int rc = etlc__msg_batch_new(ctx->format, &names, "nats", &s->mb, err);
    if (rc == 0)
        rc = s->jetstream ? etlc__nats_consumer_prepare(s, start, nstart, err)
                          : etlc__nats_core_subscribe(s, start, nstart, err);
    if (rc != 0) {
        sub_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

static int nats_poll(void *vctx, void *vsub, const etlc_stream_limits *limits,
                     etlc_stream_batch *out, etlc_error *err)
{
    nats_sub *s = vsub;
    (void)vctx;
    *out = (etlc_stream_batch){0};
    return s->jetstream ? etlc__nats_js_poll(s, limits, out, err)
                        : etlc__nats_core_poll(s, limits, out, err);
}

/* Core NATS has nothing to acknowledge (at-most-once). */
static int nats_commit(void *vctx, void *vsub, const etlc_stream_position *positions, size_t n,
                       etlc_error *err)
{
    nats_sub *s = vsub;
    (void)vctx;
    return s->jetstream ? etlc__nats_js_commit(s, positions, n, err) : 0;
}

static void nats_cancel(void *vctx, void *vsub)
{
    nats_sub *s = vsub;
    (void)vctx;
    pthread_mutex_lock(&s->lock);
    s->cancel = true;
    pthread_mutex_unlock(&s->lock);
}

bool etlc__nats_sub_cancelled(nats_sub *s)
{
    pthread_mutex_lock(&s->lock);
    bool yes = s->cancel;
    pthread_mutex_unlock(&s->lock);
    return yes;
}

/* Unacked messages are redelivered (JetStream) or gone (core NATS). */
static void nats_unsubscribe(void *vctx, void *vsub)
{
    (void)vctx;
    nats_sub *s = vsub;
    if (s && s->sub)
        natsSubscription_Unsubscribe(s->sub);
    sub_free(s);
}

static const etlc_stream_ops nats_stream = {
    .flags = 0,
    .subscribe = nats_subscribe,
    .poll = nats_poll,
    .commit = nats_commit,
    .cancel = nats_cancel,
    .unsubscribe = nats_unsubscribe,
};

const etlc_connector_ops etlc_connector_nats = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "nats",
    .description = "NATS subjects: JetStream pull consumers (acked after landing) or core NATS (at-most-once)",
    .options = &etlc__nats_options,
    .context_size = sizeof(nats_ctx),
    .connect = nats_connect,
    .test = nats_test,
    .alive = nats_alive,
    .source_name = nats_source_name,
    .close = nats_close,
    .stream = &nats_stream,
};
