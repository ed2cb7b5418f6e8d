/* The kafka connector's configuration side, without a broker: the topic
 * text (names, comma lists, a regex kept whole), librdkafka's settings from
 * the options (manual commits, cooperative rebalancing), and
 * rdkafka_properties refusing secrets and the commit settings without
 * echoing the value. The broker side is in tests/integration/test_cli_kafka*. */
#include "testutil.h"

#include <string.h>

#include "connectors/kafka/kafka_internal.h"

static etlc_config *load(const etlc_kv *over, size_t n)
{
    etlc_kv base[] = {{"bootstrap_servers", "127.0.0.1:1,127.0.0.1:2"}, {"group_id", "g"}};
    etlc_kv all[8];
    memcpy(all, base, sizeof base);
    memcpy(all + 2, over, n * sizeof *over);
    etlc_config_sources src = {.env_prefix = "", .overrides = all, .overrides_len = n + 2};
    etlc_config *cfg = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_config_load(&etlc__kafka_options, &src, &cfg, &err), 0);
    return cfg;
}

static void topics_are_names_lists_or_one_regex(void **state)
{
    (void)state;
    rd_kafka_topic_partition_list_t *l = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc__kafka_topics("orders, refunds,audit", &l, &err), 0);
    assert_int_equal(l->cnt, 3);
    assert_string_equal(l->elems[1].topic, "refunds");
    rd_kafka_topic_partition_list_destroy(l);
    assert_int_equal(etlc__kafka_topics("^orders\\.(eu|us),x", &l, &err), 0);
    assert_int_equal(l->cnt, 1); /* a regex may hold commas: one item */
    assert_string_equal(l->elems[0].topic, "^orders\\.(eu|us),x");
    rd_kafka_topic_partition_list_destroy(l);
    assert_int_equal(etlc__kafka_topics(" , ", &l, &err), ETLC_CONFIG_MISSING_KEY);
}

static const char *get(rd_kafka_conf_t *conf, const char *name, char *buf, size_t n)
{
    size_t len = n;
    return rd_kafka_conf_get(conf, name, buf, &len) == RD_KAFKA_CONF_OK ? buf : "(unset)";
}

static void group_settings_commit_manually_and_cooperate(void **state)
{
    (void)state;
    etlc_kv over[] = {{"session_timeout", "2s"}, {"auto_offset_reset", "latest"}};
    etlc_config *cfg = load(over, 2);
    kafka_ctx ctx = {.cfg = cfg};
    rd_kafka_conf_t *conf = NULL;
    etlc_error err = {0};
    char b[256];
    assert_int_equal(etlc__kafka_conf_new(&ctx, true, &conf, &err), 0);
    assert_string_equal(get(conf, "bootstrap.servers", b, sizeof b), "127.0.0.1:1,127.0.0.1:2");
    assert_string_equal(get(conf, "enable.auto.commit", b, sizeof b), "false");
    assert_string_equal(get(conf, "enable.auto.offset.store", b, sizeof b), "false");
    assert_string_equal(get(conf, "partition.assignment.strategy", b, sizeof b), "cooperative-sticky");
    assert_string_equal(get(conf, "session.timeout.ms", b, sizeof b), "2000");
    assert_string_equal(get(conf, "auto.offset.reset", b, sizeof b), "largest"); /* librdkafka's name for latest */
    rd_kafka_conf_destroy(conf);
    etlc_config_free(cfg);
}

static void properties_refuse_secrets_without_echoing_them(void **state)
{
    (void)state;
    etlc_kv over[] = {{"rdkafka_properties", "fetch.wait.max.ms=50,sasl.password=hunter2-secret"}};
    etlc_config *cfg = load(over, 1);
    kafka_ctx ctx = {.cfg = cfg};
    rd_kafka_conf_t *conf = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc__kafka_conf_new(&ctx, true, &conf, &err), ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "'sasl.password'"));
    assert_null(strstr(err.message, "hunter2"));
    etlc_config_free(cfg);

    etlc_kv over2[] = {{"rdkafka_properties", "enable.auto.commit=true"}};
    cfg = load(over2, 1);
    ctx.cfg = cfg;
    assert_int_equal(etlc__kafka_conf_new(&ctx, true, &conf, &err), ETLC_CONFIG_RANGE);
    etlc_config_free(cfg);

    etlc_kv over3[] = {{"rdkafka_properties", "no.such.property=1"}};
    cfg = load(over3, 1);
    ctx.cfg = cfg;
    assert_int_equal(etlc__kafka_conf_new(&ctx, true, &conf, &err), ETLC_CONFIG);
    assert_non_null(strstr(err.message, "no.such.property"));
    etlc_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(topics_are_names_lists_or_one_regex),
        cmocka_unit_test(group_settings_commit_manually_and_cooperate),
        cmocka_unit_test(properties_refuse_secrets_without_echoing_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
