/* librdkafka's configuration from the connector's options. librdkafka's own
 * messages may quote a value: etlc_error_set redacts registered secrets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka_internal.h"

static int set(rd_kafka_conf_t *conf, const char *name, const char *value, etlc_error *err)
{
    char msg[512];
    if (rd_kafka_conf_set(conf, name, value, msg, sizeof msg) == RD_KAFKA_CONF_OK)
        return 0;
    return etlc_error_set(err, ETLC_CONFIG, "kafka: librdkafka refused %s: %s", name, msg);
}

static int set_ms(rd_kafka_conf_t *conf, const char *name, int64_t ms, etlc_error *err)
{
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)ms);
    return set(conf, name, v, err);
}

/* bootstrap_servers as librdkafka's comma-separated text. */
static int servers(const etlc_config *cfg, rd_kafka_conf_t *conf, etlc_error *err)
{
    const char *const *items;
    size_t n = etlc_config_get_list(cfg, "bootstrap_servers", &items);
    etlc__buf b = {0};
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++)
        bad = etlc__buf_printf(&b, "%s%s", i ? "," : "", items[i]);
    int rc = bad ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory")
                 : set(conf, "bootstrap.servers", b.data ? b.data : "", err);
    etlc__buf_free(&b);
    return rc;
}

/* Optional string/path options mapped one to one. */
static int passthrough(const etlc_config *cfg, rd_kafka_conf_t *conf, etlc_error *err)
{
    static const char *const map[][2] = {
        {"sasl_username", "sasl.username"},
        {"sasl_password", "sasl.password"},
        {"ssl_ca_location", "ssl.ca.location"},
        {"ssl_certificate_location", "ssl.certificate.location"},
        {"ssl_key_location", "ssl.key.location"},
        {"ssl_key_password", "ssl.key.password"},
    };
    int rc = set(conf, "security.protocol", etlc_config_get_string(cfg, "security_protocol"), err);
    const char *proto = etlc_config_get_string(cfg, "security_protocol");
    if (rc == 0 && strncmp(proto, "sasl", 4) == 0)
        rc = set(conf, "sasl.mechanism", etlc_config_get_string(cfg, "sasl_mechanism"), err);
    for (size_t i = 0; rc == 0 && i < sizeof map / sizeof map[0]; i++)
        if (etlc_config_has(cfg, map[i][0]))
            rc = set(conf, map[i][1], etlc_config_get_string(cfg, map[i][0]), err);
    if (rc == 0 && strstr(proto, "ssl"))
        rc = set(conf, "ssl.endpoint.identification.algorithm",
                 etlc_config_get_bool(cfg, "ssl_verify_hostname") ? "https" : "none", err);
    return rc;
}

/* rdkafka_properties: name=value, refusing names that hold secrets. */
static int extra_properties(const etlc_config *cfg, rd_kafka_conf_t *conf, etlc_error *err)
{
    const char *const *items;
    size_t n = etlc_config_get_list(cfg, "rdkafka_properties", &items);
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(items[i], '=');
        if (!eq || eq == items[i])
            return etlc_error_set(err, ETLC_CONFIG_TYPE,
                                  "kafka: rdkafka_properties entry '%s' is not name=value", items[i]);
        char *name = etlc__strndup(items[i], (size_t)(eq - items[i]));
        if (!name)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
        int rc = 0;
        if (strstr(name, "password") || strstr(name, "secret") || strstr(name, "sasl.") ||
            strstr(name, ".key") || strcmp(name, "enable.auto.commit") == 0 ||
            strcmp(name, "group.id") == 0)
            rc = etlc_error_set(err, ETLC_CONFIG_RANGE,
                                "kafka: rdkafka_properties may not set '%s' (secrets go in the "
                                "sasl_/ssl_ options, offsets are committed by etlconn)", name);
        else
            rc = set(conf, name, eq + 1, err);
        free(name);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Consumer-group settings: manual commits of exactly the landed positions,
 * cooperative rebalancing (only the partitions that move stop). */
static int group_settings(const etlc_config *cfg, rd_kafka_conf_t *conf, etlc_error *err)
{
    int rc = set(conf, "group.id", etlc_config_get_string(cfg, "group_id"), err);
    rc = rc ? rc : set(conf, "enable.auto.commit", "false", err);
    rc = rc ? rc : set(conf, "enable.auto.offset.store", "false", err);
    rc = rc ? rc : set(conf, "enable.partition.eof", "false", err);
    rc = rc ? rc : set(conf, "partition.assignment.strategy", "cooperative-sticky", err);
    rc = rc ? rc : set(conf, "auto.offset.reset", etlc_config_get_string(cfg, "auto_offset_reset"), err);
    rc = rc ? rc : set_ms(conf, "session.timeout.ms", etlc_config_get_duration_ms(cfg, "session_timeout"), err);
    rc = rc ? rc : set_ms(conf, "heartbeat.interval.ms", etlc_config_get_duration_ms(cfg, "heartbeat_interval"), err);
    rc = rc ? rc : set_ms(conf, "max.poll.interval.ms", etlc_config_get_duration_ms(cfg, "max_poll_interval"), err);
    rc = rc ? rc : set_ms(conf, "queued.max.messages.kbytes", etlc_config_get_int(cfg, "fetch_buffer_kbytes"), err);
    return rc;
}

/* librdkafka's own lines go through etlconn's log (redacted, leveled),
 * never raw to stderr — for every handle, the health check's too. */
static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    etlc_log(level <= 3 ? ETLC_LOG_ERROR : level <= 4 ? ETLC_LOG_WARN : level <= 6 ? ETLC_LOG_INFO
                                                                              : ETLC_LOG_DEBUG,
             "kafka", "librdkafka %s: %s", fac, buf);
}

int etlc__kafka_conf_new(const kafka_ctx *ctx, bool group, rd_kafka_conf_t **out, etlc_error *err)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (!conf)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    rd_kafka_conf_set_log_cb(conf, log_cb);
    int rc = servers(ctx->cfg, conf, err);
    rc = rc ? rc : set(conf, "client.id", "etlconn", err);
    rc = rc ? rc : set(conf, "log.connection.close", "false", err);
    rc = rc ? rc : passthrough(ctx->cfg, conf, err);
    rc = rc ? rc : (group ? group_settings(ctx->cfg, conf, err) : 0);
    rc = rc ? rc : extra_properties(ctx->cfg, conf, err);
    if (rc != 0) {
        rd_kafka_conf_destroy(conf);
        return rc;
    }
    *out = conf;
    return 0;
}

int etlc__kafka_topics(const char *resource, rd_kafka_topic_partition_list_t **out, etlc_error *err)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
    char *copy = etlc__strdup(resource ? resource : "");
    if (!l || !copy) {
        free(copy);
        if (l)
            rd_kafka_topic_partition_list_destroy(l);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    }
    char *save = NULL;
    /* A regex is one item: commas may be part of it. */
    if (copy[0] == '^')
        rd_kafka_topic_partition_list_add(l, copy, RD_KAFKA_PARTITION_UA);
    else
        for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
            rd_kafka_topic_partition_list_add(l, t, RD_KAFKA_PARTITION_UA);
    free(copy);
    if (l->cnt == 0) {
        rd_kafka_topic_partition_list_destroy(l);
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "kafka: no topic given (topic option or --topic)");
    }
    *out = l;
    return 0;
}
