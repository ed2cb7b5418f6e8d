/* poll: gather messages into the per-partition buffers and hand out ONE
 * partition's run of messages, in order, as a micro-batch; commit: the
 * group offsets of exactly the landed batch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_internal.h"

#define REACH_TIMEOUT_MS 5000

#define WAKE_MS 100 /* longest single wait inside librdkafka: cancel and deadlines stay prompt */

bool etlc__kafka_err_is_rebalance(rd_kafka_resp_err_t e)
{
    return e == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS || e == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
           e == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || e == RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST ||
           e == RD_KAFKA_RESP_ERR__STATE || e == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID;
}

int etlc__kafka_commit_offsets(kafka_sub *s, const kafka_part *p, int64_t offset,
                               int64_t intent_next, etlc_error *err)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
    if (!l)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    rd_kafka_topic_partition_t *t = rd_kafka_topic_partition_list_add(l, p->topic, p->partition);
    t->offset = offset;
    char meta[64] = "";
    if (intent_next >= 0)
        snprintf(meta, sizeof meta, "etlconn:next=%lld", (long long)intent_next);
    /* The list owns metadata: copy it in. Empty metadata clears an intent. */
    t->metadata = etlc__strdup(meta);
    t->metadata_size = strlen(meta);
    rd_kafka_resp_err_t e = t->metadata ? rd_kafka_commit(s->rk, l, 0) : RD_KAFKA_RESP_ERR__FAIL;
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
        e = l->elems[0].err;
    rd_kafka_topic_partition_list_destroy(l);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR)
        return 0;
    int rc = etlc_error_set(err, etlc__kafka_err_is_rebalance(e) ? ETLC_BUSY : ETLC_PROTOCOL,
                            "kafka: committing offset %lld of %s failed: %s", (long long)offset,
                            p->name, rd_kafka_err2str(e));
    err->retryable = etlc__kafka_err_is_rebalance(e);
    return rc;
}

/* Is this consumer error the end of the run (it will not heal by waiting)? */
static bool fatal_error(kafka_sub *s, rd_kafka_resp_err_t e)
{
    char buf[256];
    return rd_kafka_fatal_error(s->rk, buf, sizeof buf) != RD_KAFKA_RESP_ERR_NO_ERROR ||
           e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
           e == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED || e == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
           e == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED || e == RD_KAFKA_RESP_ERR__SSL ||
           e == RD_KAFKA_RESP_ERR_INVALID_GROUP_ID;
}

/* One message from librdkafka into its partition's buffer (or an error). */
static int take_message(kafka_sub *s, rd_kafka_message_t *m, etlc_error *err)
{
    if (m->err) {
        rd_kafka_resp_err_t e = m->err;
        char what[512];
        if (m->rkt)
            etlc__format_redacted_into(what, sizeof what, "topic '%s': %s", rd_kafka_topic_name(m->rkt),
                                       rd_kafka_message_errstr(m));
        else
            etlc__format_redacted_into(what, sizeof what, "%s", rd_kafka_message_errstr(m));
        rd_kafka_message_destroy(m);
        if (e == RD_KAFKA_RESP_ERR__PARTITION_EOF)
            return 0;
        if (fatal_error(s, e))
            return etlc_error_set(err, e == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
                                               e == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED
                                           ? ETLC_AUTH : ETLC_PROTOCOL,
                                  "kafka: %s", what);
        etlc_log(ETLC_LOG_WARN, "kafka", "%s (librdkafka retries)", what); /* e.g. brokers down */
        return 0;
    }
    kafka_part *p = etlc__kafka_part_get(s, rd_kafka_topic_name(m->rkt), m->partition);
    if (!p) {
        rd_kafka_message_destroy(m);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    }
    if (!p->assigned) { /* a straggler of a revoked partition: its new owner reads it */
        rd_kafka_message_destroy(m);
        return 0;
    }
    if (p->intent_first >= 0 && p->n == 0 && m->offset != p->intent_first) {
        etlc_log(ETLC_LOG_WARN, "kafka", "%s: the batch named at offset %lld starts at %lld now "
                 "(retention?): its bounds cannot be replayed", p->name,
                 (long long)p->intent_first, (long long)m->offset);
        p->intent_first = p->intent_next = -1;
    }
    return etlc__kafka_part_push(s, p, m) ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : 0;
}

static int64_t last_offset(const kafka_part *p) { return p->msgs[p->head + p->n - 1]->offset; }

/* Index of the partition whose batch is due, or -1. `forced`: the window is
 * over (or memory is at the limits): the fullest partition goes. A batch
 * being replayed is due only once it is whole. */
static long pick_ready(kafka_sub *s, const etlc_stream_limits *lim, bool forced)
{
    double now = etlc__monotonic_ms();
    long best = -1;
    for (size_t i = 0; i < s->nparts; i++) {
        kafka_part *p = &s->parts[i];
        if (!p->assigned || p->n == 0)
            continue;
        if (p->intent_next >= 0) {
            if (last_offset(p) >= p->intent_next - 1)
                return (long)i;
            continue;
        }
        if (p->n >= lim->max_records || (lim->max_bytes && p->bytes >= lim->max_bytes) ||
            now - p->since_ms >= (double)lim->timeout_ms)
            return (long)i;
        if (best < 0 || p->n > s->parts[best].n)
            best = (long)i;
    }
    bool full = s->total_msgs >= lim->max_records || (lim->max_bytes && s->total_bytes >= lim->max_bytes);
    return forced || full ? best : -1;
}

/* How many buffered messages of p make its batch, and the batch's next. */
static size_t batch_extent(const kafka_part *p, const etlc_stream_limits *lim, int64_t *next)
{
    size_t k = 0, bytes = 0;
    while (k < p->n) {
        const rd_kafka_message_t *m = p->msgs[p->head + k];
        if (p->intent_next >= 0 ? m->offset >= p->intent_next
                                : k >= lim->max_records ||
                                      (lim->max_bytes && k > 0 && bytes + etlc__kafka_msg_bytes(m) > lim->max_bytes))
            break;
        bytes += etlc__kafka_msg_bytes(m);
        k++;
    }
    *next = p->msgs[p->head + k - 1]->offset + 1;
    return k;
}

static int add_message(kafka_sub *s, const rd_kafka_message_t *m, const char *topic, etlc_error *err)
{
    rd_kafka_headers_t *h = NULL;
    size_t nh = 0;
    if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR && h)
        nh = rd_kafka_header_cnt(h);
    etlc__msg_header *hv = nh ? calloc(nh, sizeof *hv) : NULL;
    if (nh && !hv)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < nh; i++)
        rd_kafka_header_get_all(h, i, &hv[i].name, &hv[i].value, &hv[i].len);
    rd_kafka_timestamp_type_t tt;
    int64_t ts = rd_kafka_message_timestamp(m, &tt);
    etlc__msg msg = {.resource = topic, .partition = m->partition, .position = m->offset,
                     .timestamp_us = ts >= 0 ? ts * 1000 : ETLC__NO_TIMESTAMP,
                     .key = m->key, .key_len = m->key_len, .value = m->payload,
                     .value_len = m->len, .headers = hv, .nheaders = nh};
    int rc = etlc__msg_batch_add(s->mb, &msg, err);
    free(hv);
    return rc;
}

/* Cut partition i's batch: name it in the group's offsets first (the
 * intent), then turn its messages into records. */
static int emit(kafka_sub *s, size_t i, const etlc_stream_limits *lim, etlc_stream_batch *out,
                etlc_error *err)
{
    kafka_part *p = &s->parts[i];
    int64_t next, first = p->msgs[p->head]->offset;
    size_t k = batch_extent(p, lim, &next);
    etlc_error e = {0};
    int rc = etlc__kafka_commit_offsets(s, p, first, next, &e);
    if (rc == ETLC_BUSY) { /* a rebalance: keep the messages; the revoke drops them */
        etlc_log(ETLC_LOG_INFO, "kafka", "%s", e.message);
        return 0;
    }
    if (rc != 0)
        return etlc_error_set(err, rc, "%s", e.message);
    etlc__msg_batch_reset(s->mb);
    for (size_t j = 0; j < k && rc == 0; j++)
        rc = add_message(s, p->msgs[p->head + j], p->topic, err);
    for (size_t j = 0; j < k; j++) {
        size_t b = etlc__kafka_msg_bytes(p->msgs[p->head + j]);
        p->bytes -= b;
        s->total_bytes -= b;
        rd_kafka_message_destroy(p->msgs[p->head + j]);
    }
    p->head += k;
    p->n -= k;
    s->total_msgs -= k;
    p->since_ms = etlc__monotonic_ms(); /* the rest waits a new window */
    p->intent_first = p->intent_next = -1;
    const etlc_batch *records = NULL, *dead = NULL;
    if (rc == 0)
        rc = etlc__msg_batch_finish(s->mb, &records, &dead, err);
    if (rc != 0)
        return rc;
    s->pos = (etlc_stream_position){.partition = p->name, .first = first, .next = next};
    *out = (etlc_stream_batch){.batch = records, .positions = &s->pos, .npositions = 1,
                               .dead_letters = dead};
    return 0;
}

/* No assignment within assignment_wait: an empty answer is right for a
 * member the group left without partitions, wrong when no broker answers
 * at all (a typo in bootstrap_servers, a TLS or SASL mismatch) — that
 * must not look like an empty topic. Asked once per subscription. */
static int check_reachable(kafka_sub *s, etlc_error *err)
{
    s->reach_checked = true;
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(s->rk, 0, NULL, &md, REACH_TIMEOUT_MS);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_metadata_destroy(md);
        return 0;
    }
    int rc = etlc_error_set(err, ETLC_CONNECT, "kafka: no partition was assigned within assignment_wait "
                            "and no broker answers (%s): check bootstrap_servers and the security "
                            "settings", rd_kafka_err2str(e));
    if (err)
        err->retryable = true;
    return rc;
}

int etlc__kafka_poll(void *vctx, void *vsub, const etlc_stream_limits *lim, etlc_stream_batch *out,
                     etlc_error *err)
{
    kafka_sub *s = vsub;
    (void)vctx;
    *out = (etlc_stream_batch){0};
    double t0 = etlc__monotonic_ms(), deadline = t0 + (double)lim->timeout_ms;
    double assign_until = t0 + (double)etlc_config_get_duration_ms(s->ctx->cfg, "assignment_wait");
    for (;;) {
        if (atomic_load(&s->cancel))
            return etlc_error_set(err, ETLC_CANCELLED, "kafka: poll cancelled");
        if (s->failed)
            return etlc_error_set(err, s->failed, "%s", s->failure);
        double now = etlc__monotonic_ms();
        if (!s->ever_assigned && now < assign_until) /* the window starts with the assignment */
            deadline = now + (double)lim->timeout_ms;
        long i = pick_ready(s, lim, now >= deadline);
        if (i >= 0) {
            int rc = emit(s, (size_t)i, lim, out, err);
            if (rc != 0 || out->batch || out->dead_letters)
                return rc;
        }
        if (now >= deadline)
            return !s->ever_assigned && !s->reach_checked && now >= assign_until ? check_reachable(s, err) : 0;
        double wait = deadline - now < WAKE_MS ? deadline - now : WAKE_MS;
        rd_kafka_message_t *m = rd_kafka_consumer_poll(s->rk, (int)wait + 1);
        int rc = m ? take_message(s, m, err) : 0;
        if (rc != 0)
            return rc;
    }
}

int etlc__kafka_commit(void *vctx, void *vsub, const etlc_stream_position *positions, size_t n,
                       etlc_error *err)
{
    kafka_sub *s = vsub;
    (void)vctx;
    for (size_t i = 0; i < n; i++) {
        kafka_part *p = etlc__kafka_part_by_name(s, positions[i].partition);
        if (!p)
            return etlc_error_set(err, ETLC_INTERNAL, "kafka: commit of unknown partition '%s'",
                                  positions[i].partition);
        etlc_error e = {0};
        int rc = etlc__kafka_commit_offsets(s, p, positions[i].next, -1, &e);
        /* The partition moved on before the commit: the file is landed, and
         * its new owner replays exactly this batch (the intent) onto it. */
        if (rc == ETLC_BUSY)
            etlc_log(ETLC_LOG_WARN, "kafka", "%s (its new owner rewrites the same file)", e.message);
        else if (rc != 0)
            return etlc_error_set(err, rc, "%s", e.message);
    }
    return 0;
}
