/* A subscription: one librdkafka consumer in the group, its rebalance
 * callback, cancel and leaving. The group's committed offsets are the
 * positions (ETLC_STREAM_SOURCE_POSITIONS): the driver passes no start. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_internal.h"

#define INTENT_PREFIX "etlconn:next="
#define COMMITTED_TIMEOUT_MS 10000

static void fail(kafka_sub *s, int code, const char *what, rd_kafka_resp_err_t e)
{
    if (s->failed)
        return;
    s->failed = code;
    etlc__format_redacted_into(s->failure, sizeof s->failure, "kafka: %s: %s", what, rd_kafka_err2str(e));
}

/* The names of `parts` for the driver's callbacks (pointing into the table). */
static const char **names_of(kafka_sub *s, const rd_kafka_topic_partition_list_t *parts)
{
    const char **v = calloc((size_t)parts->cnt + 1, sizeof *v);
    for (int i = 0; v && i < parts->cnt; i++) {
        kafka_part *p = etlc__kafka_part_get(s, parts->elems[i].topic, parts->elems[i].partition);
        if (!p) {
            free(v);
            return NULL;
        }
        v[i] = p->name;
    }
    return v;
}

/* Read each newly assigned partition's committed offset and, when a member
 * wrote a batch intent there before landing it, remember it: the replay
 * then cuts exactly the same batch, and its file is overwritten, never
 * overlapped by a batch with other bounds. */
static void load_intents(kafka_sub *s, rd_kafka_topic_partition_list_t *parts)
{
    rd_kafka_topic_partition_list_t *c = rd_kafka_topic_partition_list_copy(parts);
    rd_kafka_resp_err_t e = c ? rd_kafka_committed(s->rk, c, COMMITTED_TIMEOUT_MS)
                              : RD_KAFKA_RESP_ERR__FAIL;
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        fail(s, ETLC_PROTOCOL, "reading the group's committed offsets", e);
    } else {
        for (int i = 0; i < c->cnt; i++) {
            const rd_kafka_topic_partition_t *t = &c->elems[i];
            kafka_part *p = etlc__kafka_part_get(s, t->topic, t->partition);
            if (!p) {
                fail(s, ETLC_NO_MEMORY, "keeping a partition", RD_KAFKA_RESP_ERR__FAIL);
                break;
            }
            p->intent_first = p->intent_next = -1;
            char meta[64];
            size_t n = t->metadata_size < sizeof meta - 1 ? t->metadata_size : sizeof meta - 1;
            memcpy(meta, t->metadata ? t->metadata : "", t->metadata ? n : 0);
            meta[t->metadata ? n : 0] = '\0';
            long long next;
            if (t->offset >= 0 && strncmp(meta, INTENT_PREFIX, strlen(INTENT_PREFIX)) == 0 &&
                sscanf(meta + strlen(INTENT_PREFIX), "%lld", &next) == 1 && next > t->offset) {
                p->intent_first = t->offset;
                p->intent_next = next;
                etlc_log(ETLC_LOG_INFO, "kafka", "%s: replaying the unacknowledged batch [%lld, %lld)",
                         p->name, (long long)t->offset, next);
            }
        }
    }
    if (c)
        rd_kafka_topic_partition_list_destroy(c);
}

static void assigned(kafka_sub *s, rd_kafka_topic_partition_list_t *parts, bool cooperative)
{
    load_intents(s, parts);
    for (int i = 0; i < parts->cnt; i++) {
        kafka_part *p = etlc__kafka_part_get(s, parts->elems[i].topic, parts->elems[i].partition);
        if (p)
            p->assigned = true;
    }
    rd_kafka_error_t *ke = NULL;
    if (cooperative)
        ke = rd_kafka_incremental_assign(s->rk, parts);
    else
        rd_kafka_assign(s->rk, parts);
    if (ke) {
        fail(s, ETLC_PROTOCOL, "taking the assigned partitions", rd_kafka_error_code(ke));
        rd_kafka_error_destroy(ke);
    }
    s->ever_assigned = true;
    const char **names = names_of(s, parts);
    if (names && s->cb.assigned)
        s->cb.assigned(s->cb.userdata, names, (size_t)parts->cnt);
    free(names);
}

/* The partitions go: their buffered messages are dropped, uncommitted, so
 * the next owner reads them again from the group's offset. */
static void revoked(kafka_sub *s, rd_kafka_topic_partition_list_t *parts, bool cooperative)
{
    for (int i = 0; i < parts->cnt; i++) {
        kafka_part *p = etlc__kafka_part_get(s, parts->elems[i].topic, parts->elems[i].partition);
        if (p) {
            etlc__kafka_part_drop(s, p);
            p->assigned = false;
            p->intent_first = p->intent_next = -1;
        }
    }
    const char **names = names_of(s, parts);
    if (names && s->cb.revoked)
        s->cb.revoked(s->cb.userdata, names, (size_t)parts->cnt);
    free(names);
    if (cooperative) {
        rd_kafka_error_t *ke = rd_kafka_incremental_unassign(s->rk, parts);
        if (ke)
            rd_kafka_error_destroy(ke);
    } else {
        rd_kafka_assign(s->rk, NULL);
    }
}

void etlc__kafka_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t *parts, void *opaque)
{
    kafka_sub *s = opaque;
    bool cooperative = strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
        assigned(s, parts, cooperative);
    else
        revoked(s, parts, cooperative);
}

static void sub_free(kafka_sub *s)
{
    for (size_t i = 0; i < s->nparts; i++) {
        etlc__kafka_part_drop(s, &s->parts[i]);
        free(s->parts[i].msgs);
        free(s->parts[i].topic);
        free(s->parts[i].name);
    }
    free(s->parts);
    etlc__msg_batch_free(s->mb);
    free(s);
}

static int open_consumer(kafka_sub *s, const char *resource, etlc_error *err)
{
    rd_kafka_conf_t *conf = NULL;
    int rc = etlc__kafka_conf_new(s->ctx, true, &conf, err);
    if (rc != 0)
        return rc;
    rd_kafka_conf_set_opaque(conf, s);
    rd_kafka_conf_set_rebalance_cb(conf, etlc__kafka_rebalance);
    char msg[512];
    s->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, msg, sizeof msg);
    if (!s->rk) {
        rd_kafka_conf_destroy(conf);
        return etlc_error_set(err, ETLC_CONFIG, "kafka: cannot create the consumer: %s", msg);
    }
    rd_kafka_poll_set_consumer(s->rk);
    rd_kafka_topic_partition_list_t *topics = NULL;
    if ((rc = etlc__kafka_topics(resource, &topics, err)) != 0)
        return rc;
    rd_kafka_resp_err_t e = rd_kafka_subscribe(s->rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR)
        return etlc_error_set(err, ETLC_CONFIG, "kafka: cannot subscribe to '%s': %s", resource,
                              rd_kafka_err2str(e));
    return 0;
}

int etlc__kafka_subscribe(void *vctx, const char *resource, const etlc_stream_position *start,
                          size_t nstart, const char *state, const etlc_stream_callbacks *cb,
                          void **out, etlc_error *err)
{
    kafka_ctx *ctx = vctx;
    (void)start, (void)nstart, (void)state; /* the group keeps the positions */
    kafka_sub *s = calloc(1, sizeof *s);
    if (!s)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    s->ctx = ctx;
    if (cb)
        s->cb = *cb;
    atomic_init(&s->cancel, false);
    static const etlc__msg_names names = {"topic", "partition", "offset"};
    int rc = etlc__msg_batch_new(ctx->format, &names, "kafka", &s->mb, err);
    if (rc == 0)
        rc = open_consumer(s, resource, err);
    if (rc != 0) {
        etlc__kafka_unsubscribe(ctx, s);
        return rc;
    }
    *out = s;
    return 0;
}

void etlc__kafka_cancel(void *vctx, void *vsub)
{
    kafka_sub *s = vsub;
    (void)vctx;
    atomic_store(&s->cancel, true);
    if (s->rk)
        rd_kafka_yield(s->rk); /* wakes a waiting rd_kafka_consumer_poll */
}

void etlc__kafka_unsubscribe(void *vctx, void *vsub)
{
    kafka_sub *s = vsub;
    (void)vctx;
    if (!s)
        return;
    if (s->rk) {
        /* Leave the group now (its partitions move at once, revoked through
         * the callback: buffers dropped, nothing committed). */
        rd_kafka_consumer_close(s->rk);
        rd_kafka_destroy(s->rk);
    }
    sub_free(s);
}
