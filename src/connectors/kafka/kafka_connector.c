/* The kafka connector: topics consumed as micro-batches (stream capability
 * only) through librdkafka, in a consumer group. connect checks the
 * configuration; each subscription opens its own consumer; the health check
 * asks the cluster for its metadata. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_internal.h"

#define METADATA_TIMEOUT_MS 10000

static int kafka_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    kafka_ctx *ctx = vctx;
    ctx->cfg = cfg;
    int rc = etlc__value_format_parse(etlc_config_get_string(cfg, "value_format"), &ctx->format, err);
    if (rc != 0)
        return rc;
    const char *source = etlc_config_has(cfg, "source") ? etlc_config_get_string(cfg, "source") : NULL;
    snprintf(ctx->source, sizeof ctx->source, "%s",
             source && *source ? source : etlc_config_get_string(cfg, "group_id"));
    rd_kafka_conf_t *conf = NULL; /* librdkafka's own checks, now rather than at the first poll */
    rc = etlc__kafka_conf_new(ctx, true, &conf, err);
    if (rc == 0)
        rd_kafka_conf_destroy(conf);
    return rc;
}

/* "topic 'x': 3 partitions" for each configured topic (a regex: how many match). */
static bool describe_topics(const kafka_ctx *ctx, const rd_kafka_metadata_t *md, etlc__buf *b)
{
    const char *topic = etlc_config_has(ctx->cfg, "topic") ? etlc_config_get_string(ctx->cfg, "topic") : NULL;
    rd_kafka_topic_partition_list_t *want = NULL;
    etlc_error e = {0};
    if (!topic || !*topic || etlc__kafka_topics(topic, &want, &e) != 0)
        return true; /* no topic configured: the brokers answering is the check */
    bool ok = true;
    for (int i = 0; i < want->cnt; i++) {
        const char *name = want->elems[i].topic;
        int found = -1, matched = 0;
        for (int t = 0; t < md->topic_cnt; t++) {
            if (name[0] != '^' && strcmp(md->topics[t].topic, name) == 0 && !md->topics[t].err)
                found = md->topics[t].partition_cnt;
            else if (name[0] == '^' && md->topics[t].topic[0] != '_')
                matched++; /* librdkafka matches the regex itself; count the user topics */
        }
        if (name[0] == '^')
            etlc__buf_printf(b, "; pattern '%s' (%d user topics in the cluster)", name, matched);
        else if (found < 0)
            ok = false, etlc__buf_printf(b, "; topic '%s' not found", name);
        else
            etlc__buf_printf(b, "; topic '%s': %d partitions", name, found);
    }
    rd_kafka_topic_partition_list_destroy(want);
    return ok;
}

/* Healthy when a metadata request answers and every configured topic exists. */
static int kafka_test(void *vctx, etlc_health *health, etlc_error *err)
{
    kafka_ctx *ctx = vctx;
    double t0 = etlc__monotonic_ms();
    rd_kafka_conf_t *conf = NULL;
    int rc = etlc__kafka_conf_new(ctx, false, &conf, err);
    if (rc != 0)
        return rc;
    char msg[512];
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, msg, sizeof msg);
    if (!rk) {
        rd_kafka_conf_destroy(conf);
        return etlc_error_set(err, ETLC_CONFIG, "kafka: cannot create a client: %s", msg);
    }
    const rd_kafka_metadata_t *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 1, NULL, &md, METADATA_TIMEOUT_MS);
    health->latency_ms = etlc__monotonic_ms() - t0;
    etlc__buf b = {0};
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        health->healthy = false;
        etlc__format_redacted_into(health->detail, sizeof health->detail,
                                   "metadata request failed: %s", rd_kafka_err2str(e));
    } else {
        etlc__buf_printf(&b, "%d broker%s:", md->broker_cnt, md->broker_cnt == 1 ? "" : "s");
        for (int i = 0; i < md->broker_cnt; i++)
            etlc__buf_printf(&b, " %d@%s:%d", (int)md->brokers[i].id, md->brokers[i].host,
                             md->brokers[i].port);
        health->healthy = describe_topics(ctx, md, &b) && md->broker_cnt > 0;
        etlc__format_redacted_into(health->detail, sizeof health->detail, "%s", b.data ? b.data : "");
        char *cluster = rd_kafka_clusterid(rk, METADATA_TIMEOUT_MS);
        snprintf(health->server_version, sizeof health->server_version, "Kafka cluster %s",
                 cluster ? cluster : "(id unknown)");
        if (cluster)
            rd_kafka_mem_free(rk, cluster);
        rd_kafka_metadata_destroy(md);
    }
    etlc__buf_free(&b);
    rd_kafka_destroy(rk);
    return 0;
}

static void kafka_source_name(void *vctx, char *buf, size_t bufsz)
{
    kafka_ctx *ctx = vctx;
    snprintf(buf, bufsz, "%s", ctx->source);
}

static void kafka_close(void *vctx) { (void)vctx; /* subscriptions own their consumers */ }

static const etlc_stream_ops kafka_stream = {
    .flags = ETLC_STREAM_SOURCE_POSITIONS,
    .subscribe = etlc__kafka_subscribe,
    .poll = etlc__kafka_poll,
    .commit = etlc__kafka_commit,
    .cancel = etlc__kafka_cancel,
    .unsubscribe = etlc__kafka_unsubscribe,
};

const etlc_connector_ops etlc_connector_kafka = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "kafka",
    .description = "Kafka topics in a consumer group, landed as micro-batches with effectively-once files",
    .options = &etlc__kafka_options,
    .context_size = sizeof(kafka_ctx),
    .connect = kafka_connect,
    .test = kafka_test,
    .source_name = kafka_source_name,
    .close = kafka_close,
    .stream = &kafka_stream,
};
