/* The nats connector without a server: which options are secrets and
 * tuning, a half-given nkey is a config error, and a connection that
 * cannot be made names the failure without the password in it. */
#include "testutil.h"

#include <string.h>

static const etlc_option *find_option(const etlc_connector_ops *ops, const char *name)
{
    for (size_t i = 0; i < ops->options->count; i++)
        if (strcmp(ops->options->options[i].name, name) == 0)
            return &ops->options->options[i];
    return NULL;
}

static void secrets_and_tuning_are_flagged(void **state)
{
    (void)state;
    const etlc_connector_ops *ops = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_registry_find("nats", &ops, &err), 0);
    assert_non_null(ops->stream);
    assert_null(ops->fetch);
    assert_int_equal(ops->stream->flags & ETLC_STREAM_SOURCE_POSITIONS, 0);
    assert_string_equal(ops->options->env_prefix, "NATS");
    static const char *const secret[] = {"password", "token", "nkey_seed"};
    for (size_t i = 0; i < 3; i++)
        assert_true(find_option(ops, secret[i])->flags & ETLC_OPT_SECRET);
    static const char *const tuning[] = {"ack_wait", "max_ack_pending", "fetch_batch", "ack_policy"};
    for (size_t i = 0; i < 4; i++)
        assert_true(find_option(ops, tuning[i])->flags & ETLC_OPT_TUNING);
    assert_false(find_option(ops, "user")->flags & ETLC_OPT_SECRET);
}

static int open_with(const etlc_kv *kv, size_t n, etlc_connector **c, etlc_error *err)
{
    etlc_config_sources src = {.env_prefix = "", .dict = kv, .dict_len = n};
    etlc_kv all[16];
    all[0] = (etlc_kv){"protocol", "nats"};
    memcpy(all + 1, kv, n * sizeof *kv);
    src.dict = all;
    src.dict_len = n + 1;
    return etlc_create_connector(&src, c, err);
}

static void half_an_nkey_is_a_config_error(void **state)
{
    (void)state;
    const etlc_kv kv[] = {{"servers", "nats://127.0.0.1:1"}, {"nkey", "UABC"}};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(open_with(kv, 2, &c, &err), ETLC_CONFIG_MISSING_KEY);
    assert_non_null(strstr(err.message, "nkey_seed"));
    assert_null(c);
}

static void no_server_is_a_connect_error_without_the_password(void **state)
{
    (void)state;
    const etlc_kv kv[] = {{"servers", "nats://127.0.0.1:1"}, {"user", "etl"},
                          {"password", "pw-never-shown-8841"}, {"connect_timeout", "300ms"},
                          {"stream", "S"}, {"subject", "a.>"}};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    tu_capture_logs();
    assert_int_equal(open_with(kv, 6, &c, &err), ETLC_CONNECT);
    assert_non_null(strstr(err.message, "cannot connect"));
    assert_null(strstr(err.message, "pw-never-shown-8841"));
    assert_null(strstr(tu_logs(), "pw-never-shown-8841"));
    assert_true(err.retryable);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(secrets_and_tuning_are_flagged),
        cmocka_unit_test(half_an_nkey_is_a_config_error),
        cmocka_unit_test(no_server_is_a_connect_error_without_the_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
