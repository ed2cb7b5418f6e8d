/* The reference for bench/nats_parquet.sh: a raw nats.c JetStream pull
 * consumer that reads a whole stream and writes nothing (the ceiling of
 * reading through nats.c). Fetches batches like the connector does, acks
 * each batch's last message (ack policy all), and stops at the first
 * window of IDLE_MS that brings nothing. Prints the count.
 *   nats_raw_consume URL USER PASSWORD STREAM SUBJECT DURABLE [FETCH=1000] [IDLE_MS=500] */
#include <nats/nats.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(const char *what, natsStatus s)
{
    fprintf(stderr, "nats_raw_consume: %s: %s\n", what, natsStatus_GetText(s));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: nats_raw_consume URL USER PASSWORD STREAM SUBJECT DURABLE [FETCH] [IDLE_MS]\n");
        return 2;
    }
    int fetch = argc > 7 ? atoi(argv[7]) : 1000;
    int64_t idle = argc > 8 ? atoll(argv[8]) : 500;
    natsOptions *o = NULL;
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    natsSubscription *sub = NULL;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK)
        s = natsOptions_SetURL(o, argv[1]);
    if (s == NATS_OK)
        s = natsOptions_SetUserInfo(o, argv[2], argv[3]);
    if (s == NATS_OK)
        s = natsConnection_Connect(&nc, o);
    if (s == NATS_OK)
        s = natsConnection_JetStream(&js, nc, NULL);
    if (s != NATS_OK)
        return fail("connect", s);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = argv[4];
    so.Config.AckPolicy = js_AckAll;
    so.Config.MaxAckPending = 200000;
    so.ManualAck = true;
    s = js_PullSubscribe(&sub, js, argv[5], argv[6], NULL, &so, NULL);
    if (s != NATS_OK)
        return fail("subscribe", s);
    long long count = 0, bytes = 0;
    for (;;) {
        natsMsgList list = {0};
        s = natsSubscription_Fetch(&list, sub, fetch, idle, NULL);
        if (s == NATS_TIMEOUT && list.Count == 0)
            break;
        if (s != NATS_OK && s != NATS_TIMEOUT)
            return fail("fetch", s);
        for (int i = 0; i < list.Count; i++)
            bytes += natsMsg_GetDataLength(list.Msgs[i]);
        count += list.Count;
        if (list.Count > 0)
            natsMsg_Ack(list.Msgs[list.Count - 1], NULL);
        natsMsgList_Destroy(&list);
    }
    natsConnection_Flush(nc);
    printf("messages=%lld bytes=%lld\n", count, bytes);
    natsSubscription_Destroy(sub);
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(o);
    return 0;
}
