/* The kafka connector's shared state (internal). */
#ifndef ETLCONN_KAFKA_INTERNAL_H
#define ETLCONN_KAFKA_INTERNAL_H

#include <librdkafka/rdkafka.h>
#include <stdatomic.h>

#include "connectors/stream_common/stream_messages.h"
#include "core/internal.h"
#include "etlconn/connector_api.h"

extern const etlc_option_table etlc__kafka_options;

typedef struct kafka_ctx {
    const etlc_config *cfg;   /* borrowed: lives as long as the connector */
    etlc__value_format format;
    char source[256];
} kafka_ctx;

/* One assigned (or once assigned) partition and the messages polled from it
 * that are not yet in a batch, oldest first. */
typedef struct kafka_part {
    char *topic;
    int32_t partition;
    char *name;               /* "<topic>/partition=<p>": the driver makes it two directories */
    bool assigned;
    rd_kafka_message_t **msgs;
    size_t head, n, cap;      /* msgs[head .. head+n) */
    size_t bytes;             /* payload bytes buffered */
    double since_ms;          /* when the oldest buffered message arrived */
    /* A batch another member (or an earlier run) named in the group's
     * offsets before it landed it: replay exactly [intent_first, intent_next). */
    int64_t intent_first, intent_next; /* -1: none */
} kafka_part;

typedef struct kafka_sub {
    kafka_ctx *ctx;
    rd_kafka_t *rk;
    etlc_stream_callbacks cb;
    kafka_part *parts;
    size_t nparts, capparts;
    size_t total_msgs, total_bytes;
    atomic_bool cancel;
    bool ever_assigned;
    bool reach_checked;       /* the brokers were asked once after assignment_wait */
    int failed;               /* an etlc code set inside a callback, 0 when none */
    char failure[256];
    etlc__msg_batch *mb;
    etlc_stream_position pos;
} kafka_sub;

/* librdkafka configuration from the connector's options (`group` adds the
 * consumer group settings). */
int etlc__kafka_conf_new(const kafka_ctx *ctx, bool group, rd_kafka_conf_t **out, etlc_error *err);
/* Topics of the resource: "a", "a,b" or "^regex" (a librdkafka pattern). */
int etlc__kafka_topics(const char *resource, rd_kafka_topic_partition_list_t **out, etlc_error *err);

int etlc__kafka_subscribe(void *ctx, const char *resource, const etlc_stream_position *start,
                          size_t nstart, const char *state, const etlc_stream_callbacks *cb,
                          void **sub, etlc_error *err);
void etlc__kafka_unsubscribe(void *ctx, void *sub);
void etlc__kafka_cancel(void *ctx, void *sub);
int etlc__kafka_poll(void *ctx, void *sub, const etlc_stream_limits *limits,
                     etlc_stream_batch *out, etlc_error *err);
int etlc__kafka_commit(void *ctx, void *sub, const etlc_stream_position *positions, size_t n,
                       etlc_error *err);

/* The table entry of (topic, partition), created when missing (NULL: no memory). */
kafka_part *etlc__kafka_part_get(kafka_sub *s, const char *topic, int32_t partition);
kafka_part *etlc__kafka_part_by_name(kafka_sub *s, const char *name);
/* Drop a partition's buffered messages (uncommitted: redelivered to its next owner). */
void etlc__kafka_part_drop(kafka_sub *s, kafka_part *p);
/* Append a message to its partition's buffer (takes ownership). */
int etlc__kafka_part_push(kafka_sub *s, kafka_part *p, rd_kafka_message_t *m);
size_t etlc__kafka_msg_bytes(const rd_kafka_message_t *m);

/* Group offsets: write "this batch is [first, next)" before it is handed
 * out (offset first, metadata "etlconn:next=<next>"), and the commit proper. */
int etlc__kafka_commit_offsets(kafka_sub *s, const kafka_part *p, int64_t offset,
                               int64_t intent_next, etlc_error *err);
/* Whether a failed commit means the partition moved (a rebalance) rather than an error. */
bool etlc__kafka_err_is_rebalance(rd_kafka_resp_err_t e);

/* The rebalance callback (librdkafka's rebalance_cb). */
void etlc__kafka_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                           rd_kafka_topic_partition_list_t *parts, void *opaque);

#endif
