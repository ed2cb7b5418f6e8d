/* Core NATS: a plain subscription, at-most-once. The server keeps nothing:
 * a message published while no subscriber listens, one dropped because
 * this process fell behind (slow consumer), and those in a batch when the
 * process dies are gone. Position = a receive counter of this consumer,
 * not a broker position: it starts at the run's start time in microseconds
 * since the epoch (or at the checkpoint's next when that is later), so the
 * files of different runs never share a name, and a run that crashed after
 * landing a file cannot overwrite it with other messages. Partition "core". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nats_internal.h"

#define WAIT_SLICE_MS 250

int etlc__nats_core_subscribe(nats_sub *s, const etlc_stream_position *start, size_t nstart,
                              etlc_error *err)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    s->next = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
    for (size_t i = 0; i < nstart; i++)
        if (strcmp(start[i].partition, "core") == 0 && start[i].next > s->next)
            s->next = start[i].next;
    snprintf(s->partition, sizeof s->partition, "core");
    natsStatus st = natsConnection_SubscribeSync(&s->sub, s->ctx->nc, s->subject);
    /* The client-side queue: beyond it nats.c drops messages (slow consumer). */
    if (st == NATS_OK)
        st = natsSubscription_SetPendingLimits(s->sub, 1000000, 512 * 1024 * 1024);
    if (st == NATS_OK)
        st = natsConnection_Flush(s->ctx->nc); /* the server knows the subscription now */
    return st == NATS_OK ? 0 : etlc__nats_error(err, st, 0, "cannot subscribe to '%s'", s->subject);
}

/* Wait for one message up to `ms`; *m NULL when none came. */
static int next_message(nats_sub *s, int64_t ms, natsMsg **m, etlc_error *err)
{
    *m = NULL;
    natsStatus st = natsSubscription_NextMsg(m, s->sub, ms);
    if (st == NATS_OK || st == NATS_TIMEOUT)
        return 0;
    if (st == NATS_SLOW_CONSUMER) { /* reported once; the messages are gone */
        etlc_log(ETLC_LOG_WARN, "nats", "'%s': this consumer fell behind and the client dropped "
                 "messages (core NATS is at-most-once)", s->subject);
        return 0;
    }
    if (!natsConnection_IsClosed(s->ctx->nc) && natsConnection_IsReconnecting(s->ctx->nc))
        return 0;
    return etlc__nats_error(err, st, 0, "cannot receive from '%s'", s->subject);
}

int etlc__nats_core_poll(nats_sub *s, const etlc_stream_limits *lim, etlc_stream_batch *out,
                         etlc_error *err)
{
    etlc__msg_batch_reset(s->mb);
    double deadline = etlc__monotonic_ms() + (double)lim->timeout_ms;
    int64_t first = s->next;
    int rc = 0;
    while (rc == 0 && !etlc__msg_batch_full(s->mb, lim)) {
        double left = deadline - etlc__monotonic_ms();
        if (left <= 0)
            break;
        if (etlc__nats_sub_cancelled(s))
            return etlc_error_set(err, ETLC_CANCELLED, "nats: consume of '%s' cancelled", s->subject);
        natsMsg *m = NULL;
        rc = next_message(s, left < WAIT_SLICE_MS ? (int64_t)left + 1 : WAIT_SLICE_MS, &m, err);
        if (rc == 0 && m) {
            rc = etlc__nats_add(s, m, s->next, 0, err);
            s->next++;
            natsMsg_Destroy(m);
        }
    }
    const etlc_batch *records = NULL, *dead = NULL;
    if (rc != 0 || s->next == first)
        return rc;
    if ((rc = etlc__msg_batch_finish(s->mb, &records, &dead, err)) != 0)
        return rc;
    s->pos = (etlc_stream_position){.partition = s->partition, .first = first, .next = s->next};
    *out = (etlc_stream_batch){.batch = records, .positions = &s->pos, .npositions = 1,
                               .dead_letters = dead};
    return 0;
}
