/* Shared option fragments: a table that includes fragments sees their
 * options everywhere its own are seen (lookup, env layer, validation,
 * unknown-key hints, dumps, redaction, rendering, the cache fingerprint). */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const etlc_option own_options[] = {
    {"url", ETLC_OPT_STRING, NULL, 0, 0, NULL, ETLC_OPT_REQUIRED, "where to go"},
};
static const etlc_option tls_options[] = {
    {"tls_verify", ETLC_OPT_BOOL, "true", 0, 0, NULL, 0, "verify the peer"},
    {"tls_key_password", ETLC_OPT_STRING, NULL, 0, 0, NULL, ETLC_OPT_SECRET, "key password"},
};
static const etlc_option retry_options[] = {
    {"retry_max", ETLC_OPT_INT, "3", 0, 10, NULL, ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, "retries"},
};
static const etlc_option_table tls_fragment = {NULL, NULL, tls_options, 2, NULL};
static const etlc_option_table retry_fragment = {NULL, NULL, retry_options, 1, NULL};
static const etlc_option_table *const fragments[] = {&tls_fragment, &retry_fragment, NULL};
static const etlc_option_table frag_table = {"fragtest", "FRAGTEST", own_options, 1, fragments};

static void test_lookup_sees_fragments(void **state)
{
    (void)state;
    assert_int_equal(etlc_option_count(&frag_table), 4);
    assert_string_equal(etlc_option_at(&frag_table, 0)->name, "url");
    assert_string_equal(etlc_option_at(&frag_table, 1)->name, "tls_verify");
    assert_string_equal(etlc_option_at(&frag_table, 3)->name, "retry_max");
    assert_null(etlc_option_at(&frag_table, 4));
    assert_ptr_equal(etlc_option_find(&frag_table, "retry_max"), &retry_options[0]);
    assert_null(etlc_option_find(&frag_table, "nope"));
}

static void test_load_validates_fragment_keys(void **state)
{
    (void)state;
    setenv("FRAGTEST_RETRY_MAX", "7", 1);
    etlc_kv dict[] = {{"url", "http://x"}, {"tls_key_password", "hunter2-frag-secret"}};
    etlc_config_sources src = {.dict = dict, .dict_len = 2};
    etlc_config *cfg = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_config_load(&frag_table, &src, &cfg, &err), 0);
    unsetenv("FRAGTEST_RETRY_MAX");
    assert_int_equal(etlc_config_get_int(cfg, "retry_max"), 7);
    assert_true(etlc_config_get_bool(cfg, "tls_verify"));
    assert_int_equal(etlc_config_count(cfg), 4);
    etlc_config_entry e;
    assert_true(etlc_config_entry_at(cfg, 3, &e));
    assert_string_equal(e.option->name, "retry_max");
    assert_int_equal(e.layer, ETLC_LAYER_ENV);

    char *json = NULL;
    assert_int_equal(etlc_config_to_json(cfg, &json, &err), 0);
    assert_non_null(strstr(json, "\"retry_max\""));
    assert_null(strstr(json, "hunter2-frag-secret"));
    free(json);
    char *norm = NULL, sec[65];
    assert_int_equal(etlc_config_fingerprint(cfg, &norm, sec), 0);
    assert_non_null(strstr(norm, "retry_max=7\n"));
    assert_null(strstr(norm, "hunter2"));
    free(norm);
    etlc_config_free(cfg);

    /* A registered fragment secret is masked in any later message. */
    char out[128];
    etlc_redact("pw is hunter2-frag-secret", out, sizeof out);
    assert_null(strstr(out, "hunter2"));
}

static void test_fragment_values_checked(void **state)
{
    (void)state;
    etlc_kv dict[] = {{"url", "http://x"}, {"retry_max", "11"}};
    etlc_config_sources src = {.dict = dict, .dict_len = 2, .env_prefix = ""};
    etlc_config *cfg = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_config_load(&frag_table, &src, &cfg, &err), ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "retry_max"));

    etlc_kv typo[] = {{"url", "http://x"}, {"retry_mxa", "1"}};
    src.dict = typo;
    assert_int_equal(etlc_config_load(&frag_table, &src, &cfg, &err), ETLC_CONFIG_UNKNOWN_KEY);
    assert_non_null(strstr(err.message, "did you mean 'retry_max'"));
}

static void test_rendering_lists_fragments(void **state)
{
    (void)state;
    etlc_error err = {0};
    char *out = NULL;
    assert_int_equal(etlc_options_to_markdown(&frag_table, &out, &err), 0);
    assert_non_null(strstr(out, "`tls_verify`"));
    assert_non_null(strstr(out, "`FRAGTEST_RETRY_MAX`"));
    free(out);
    assert_int_equal(etlc_options_to_json(&frag_table, &out, &err), 0);
    assert_non_null(strstr(out, "\"tls_key_password\""));
    free(out);
    assert_int_equal(etlc_options_example(&frag_table, "yaml", &out, &err), 0);
    assert_non_null(strstr(out, "\nretry_max: 3\n"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_sees_fragments),
        cmocka_unit_test(test_load_validates_fragment_keys),
        cmocka_unit_test(test_fragment_values_checked),
        cmocka_unit_test(test_rendering_lists_fragments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
