/* Plugins: loading build/plugins/newprotocol.so through ETLCONN_PLUGIN_PATH
 * and etlc_plugin_load, bad files, and a fetch through the plugin into a
 * temporary lake. Test order matters: the first test loads the env path. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_SO ETLCONN_BINARY_DIR "/plugins/newprotocol.so"
#define SECRET_TOKEN "tok-Zq81-very-secret"

static void loads_from_plugin_path_once(void **state)
{
    (void)state;
    char *dir = tu_tempdir("plugin-path");
    assert_non_null(dir);
    char missing[4400];
    snprintf(missing, sizeof missing, "%s/absent.so", dir);
    char path[9000];
    /* A directory (scanned for *.so), an empty entry, a missing file. */
    snprintf(path, sizeof path, "%s/plugins::%s", ETLCONN_BINARY_DIR, missing);
    setenv("ETLCONN_PLUGIN_PATH", path, 1);
    tu_capture_logs();
    etlc_error err = {0};
    assert_int_equal(etlc_plugins_load_env(&err), ETLC_PLUGIN);
    assert_non_null(strstr(err.message, "absent.so"));
    assert_non_null(strstr(tu_logs(), "absent.so")); /* failures are logged too */
    /* The good plugin loaded despite the bad entry. */
    const etlc_connector_ops *ops = NULL;
    assert_int_equal(etlc_registry_find("newprotocol", &ops, &err), 0);
    assert_string_equal(ops->name, "newprotocol");
    assert_int_equal(etlc_registry_find("NP", &ops, &err), 0);
    /* Once per process: a second call does nothing. */
    assert_int_equal(etlc_plugins_load_env(&err), 0);
    const etlc_protocol_info *list = NULL;
    size_t n = etlc_registry_list(&list);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, "newprotocol") == 0)
            found = list[i].plugin && list[i].ops == ops;
    assert_true(found);
    unsetenv("ETLCONN_PLUGIN_PATH");
    tu_rmtree(dir);
    free(dir);
}

static void load_explicitly_is_idempotent(void **state)
{
    (void)state;
    etlc_error err = {0};
    assert_int_equal(etlc_plugin_load(PLUGIN_SO, &err), 0);
    const etlc_connector_ops *ops = NULL;
    assert_int_equal(etlc_registry_find("newproto", &ops, &err), 0);
    assert_int_equal(ops->abi_version, ETLC_ABI_VERSION);
}

static void bad_files_give_clear_errors(void **state)
{
    (void)state;
    char *dir = tu_tempdir("plugin-bad");
    char junk[4400];
    snprintf(junk, sizeof junk, "%s/junk.so", dir);
    assert_int_equal(tu_write_file(junk, "this is not an ELF file\n"), 0);
    etlc_error err = {0};
    assert_int_equal(etlc_plugin_load(junk, &err), ETLC_PLUGIN);
    assert_non_null(strstr(err.message, junk));
    assert_int_equal(etlc_plugin_load("/nonexistent/dir/x.so", &err), ETLC_PLUGIN);
    assert_non_null(strstr(err.message, "/nonexistent/dir/x.so"));
    /* A real shared object without the registration symbol. */
    assert_int_equal(etlc_plugin_load("libz.so.1", &err), ETLC_PLUGIN);
    assert_non_null(strstr(err.message, "libz.so.1"));
    assert_non_null(strstr(err.message, ETLC_PLUGIN_SYMBOL));
    assert_int_equal(etlc_plugin_load(NULL, &err), ETLC_INVALID_ARGUMENT);
    tu_rmtree(dir);
    free(dir);
}

static void connect_errors_and_config_errors(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc_connector *c = NULL;
    etlc_kv bad_token[] = {{"token", "bad"}};
    etlc_config_sources src = {.env_prefix = "", .dict = bad_token, .dict_len = 1};
    assert_int_equal(etlc_get_connection("newprotocol", &src, NULL, &c, &err), ETLC_AUTH);
    assert_null(c);
    assert_int_equal(etlc_cache_size(), 0);

    etlc_kv typo[] = {{"rowz", "3"}};
    src.dict = typo;
    assert_int_equal(etlc_get_connection("newprotocol", &src, NULL, &c, &err),
                     ETLC_CONFIG_UNKNOWN_KEY);
    assert_non_null(strstr(err.message, "rows"));

    /* create_connector takes the protocol from the config itself. */
    etlc_kv with_protocol[] = {{"protocol", "newproto"}, {"rows", "3"}};
    src.dict = with_protocol;
    src.dict_len = 2;
    assert_int_equal(etlc_create_connector(&src, &c, &err), 0);
    assert_string_equal(etlc_connector_ops_of(c)->name, "newprotocol");
    assert_int_equal(etlc_config_get_int(etlc_connector_config(c), "rows"), 3);
    etlc_connector_release(c);
    assert_int_equal(etlc_cache_size(), 0);

    etlc_health h;
    etlc_kv ok[] = {{"rows", "7"}};
    src.dict = ok;
    src.dict_len = 1;
    assert_int_equal(etlc_test_connection("newprotocol", &src, &h, &err), 0);
    assert_true(h.healthy);
    assert_string_equal(h.server_version, "newprotocol 1");
    assert_non_null(strstr(h.detail, "7 rows"));
    assert_true(h.latency_ms > 0.0);
    etlc_close_all_connections();
}

static void example_configs_validate(void **state)
{
    (void)state;
    static const char *const files[] = {
        ETLCONN_SOURCE_DIR "/examples/newprotocol_connector.example.json",
        ETLCONN_SOURCE_DIR "/examples/newprotocol_connector.example.yaml",
    };
    for (size_t i = 0; i < 2; i++) {
        etlc_config_sources src = {.file = files[i], .env_prefix = ""};
        etlc_config *cfg = NULL;
        etlc_error err = {0};
        assert_int_equal(etlc_load_connection_config(NULL, &src, &cfg, &err), 0);
        assert_string_equal(etlc_config_table(cfg)->protocol, "newprotocol");
        assert_int_equal(etlc_config_get_int(cfg, "rows"), 100);
        /* The token is secret: never in a dump. */
        char *json = NULL;
        assert_int_equal(etlc_config_to_json(cfg, &json, &err), 0);
        assert_null(strstr(json, "replace-with-your-token"));
        free(json);
        etlc_config_free(cfg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loads_from_plugin_path_once),
        cmocka_unit_test(load_explicitly_is_idempotent),
        cmocka_unit_test(bad_files_give_clear_errors),
        cmocka_unit_test(connect_errors_and_config_errors),
        cmocka_unit_test(example_configs_validate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
