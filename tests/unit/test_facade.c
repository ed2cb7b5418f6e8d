/* The façade's protocol resolution: explicit name, `protocol` from file,
 * dict or override, and mismatches between them. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const etlc_option fac_options[] = {
    {"path", ETLC_OPT_STRING, NULL, 0, 0, NULL, ETLC_OPT_REQUIRED, "a path"},
};
static const etlc_option_table fac_table = {"factest", "FACTEST", fac_options, 1, NULL};
static const etlc_option_table other_table = {"facother", "FACOTHER", fac_options, 1, NULL};

static int f_connect(void *ctx, const etlc_config *cfg, etlc_error *err)
{
    (void)ctx; (void)cfg; (void)err;
    return 0;
}
static int f_fetch(void *ctx, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                   etlc_error *err)
{
    (void)ctx; (void)req; (void)consumer; (void)err;
    return 0;
}
static void f_close(void *ctx) { (void)ctx; }

static const char *const fac_aliases[] = {"fac", NULL};
static const etlc_connector_ops fac_ops = {
    .abi_version = ETLC_ABI_VERSION, .name = "factest", .aliases = fac_aliases,
    .options = &fac_table, .connect = f_connect, .fetch = f_fetch, .close = f_close};
static const etlc_connector_ops other_ops = {
    .abi_version = ETLC_ABI_VERSION, .name = "facother", .options = &other_table,
    .connect = f_connect, .fetch = f_fetch, .close = f_close};

static char *dir;

static int setup(void **state)
{
    (void)state;
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&fac_ops, &err), 0);
    assert_int_equal(etlc_registry_add(&other_ops, &err), 0);
    dir = tu_tempdir("facade");
    return dir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static char *write_conf(const char *name, const char *text)
{
    char *path = malloc(4400);
    snprintf(path, 4400, "%s/%s", dir, name);
    assert_int_equal(tu_write_file(path, text), 0);
    return path;
}

static void protocol_from_file_dict_or_argument(void **state)
{
    (void)state;
    char *file = write_conf("a.json", "{\"protocol\": \"fac\", \"path\": \"/data/a\"}");
    etlc_config_sources src = {.file = file, .env_prefix = ""};
    etlc_config *cfg = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_load_connection_config(NULL, &src, &cfg, &err), 0);
    assert_string_equal(etlc_config_table(cfg)->protocol, "factest");
    assert_string_equal(etlc_config_get_string(cfg, "path"), "/data/a");
    etlc_config_free(cfg);
    /* Naming the protocol explicitly (any case, alias) agrees with the file. */
    assert_int_equal(etlc_load_connection_config("FACTEST", &src, &cfg, &err), 0);
    etlc_config_free(cfg);

    etlc_kv dict[] = {{"protocol", "factest"}, {"path", "/d"}};
    etlc_config_sources dsrc = {.env_prefix = "", .dict = dict, .dict_len = 2};
    assert_int_equal(etlc_load_connection_config(NULL, &dsrc, &cfg, &err), 0);
    assert_string_equal(etlc_config_get_string(cfg, "path"), "/d");
    etlc_config_free(cfg);
    free(file);
}

static void mismatched_protocols_name_both(void **state)
{
    (void)state;
    char *file = write_conf("b.yaml", "protocol: facother\npath: /x\n");
    etlc_config_sources src = {.file = file, .env_prefix = ""};
    etlc_config *cfg = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_load_connection_config("factest", &src, &cfg, &err), ETLC_CONFIG);
    assert_null(cfg);
    assert_non_null(strstr(err.message, "facother"));
    assert_non_null(strstr(err.message, "factest"));
    assert_non_null(strstr(err.message, "b.yaml"));

    etlc_kv over[] = {{"protocol", "nosuchthing"}};
    etlc_config_sources osrc = {.env_prefix = "", .overrides = over, .overrides_len = 1};
    assert_int_equal(etlc_load_connection_config("factest", &osrc, &cfg, &err), ETLC_CONFIG);
    assert_non_null(strstr(err.message, "nosuchthing"));
    free(file);
}

static void no_protocol_anywhere(void **state)
{
    (void)state;
    char *file = write_conf("c.json", "{\"path\": \"/x\"}");
    etlc_config_sources src = {.file = file, .env_prefix = ""};
    etlc_config *cfg = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_load_connection_config(NULL, &src, &cfg, &err), ETLC_CONFIG_MISSING_KEY);
    assert_non_null(strstr(err.message, "protocol"));
    assert_non_null(strstr(err.message, "c.json"));
    assert_int_equal(etlc_load_connection_config("nope-proto", &src, &cfg, &err),
                     ETLC_UNKNOWN_PROTOCOL);
    /* Config errors pass through: the required key is missing. */
    etlc_config_sources empty = {.env_prefix = ""};
    assert_int_equal(etlc_load_connection_config("factest", &empty, &cfg, &err),
                     ETLC_CONFIG_MISSING_KEY);
    assert_non_null(strstr(err.message, "path"));
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(protocol_from_file_dict_or_argument),
        cmocka_unit_test(mismatched_protocols_name_both),
        cmocka_unit_test(no_protocol_anywhere),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
