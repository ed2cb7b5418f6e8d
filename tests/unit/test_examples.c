/* Every file in examples/ named <protocol>_connector.example.{json,yaml}
 * validates against its connector's options table; in a build where that
 * connector is compiled out, loading it answers NOT_BUILT_IN instead. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool built_in(const char *protocol)
{
    const etlc_protocol_info *list = NULL;
    size_t n = etlc_registry_list(&list);
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, protocol) == 0)
            return list[i].built_in;
    fail_msg("examples/ has a file for '%s', a protocol the registry does not know", protocol);
    return false;
}

static void every_example_validates(void **state)
{
    (void)state;
    etlc_error err = {0};
    char plugin[4200];
    snprintf(plugin, sizeof plugin, "%s/plugins/newprotocol.so", ETLCONN_BINARY_DIR);
    assert_int_equal(etlc_plugin_load(plugin, &err), ETLC_OK);

    char dir[4200];
    snprintf(dir, sizeof dir, "%s/examples", ETLCONN_SOURCE_DIR);
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int checked = 0;
    while ((e = readdir(d)) != NULL) {
        const char *mark = strstr(e->d_name, "_connector.example.");
        if (!mark)
            continue;
        char protocol[128];
        snprintf(protocol, sizeof protocol, "%.*s", (int)(mark - e->d_name), e->d_name);
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        etlc_config_sources src = {.file = path, .env_prefix = ""};
        etlc_config *cfg = NULL;
        int rc = etlc_load_connection_config(protocol, &src, &cfg, &err);
        if (!built_in(protocol)) {
            if (rc != ETLC_NOT_BUILT_IN)
                fail_msg("%s: %s is compiled out, expected NOT_BUILT_IN, got %s", e->d_name, protocol,
                         etlc_code_name(rc));
            assert_null(cfg);
            checked++;
            continue;
        }
        if (rc != ETLC_OK)
            fail_msg("%s does not validate: %s", e->d_name, err.message);
        /* the file's own protocol key agrees with its name */
        assert_string_equal(etlc_config_table(cfg)->protocol, protocol);
        etlc_config_free(cfg);
        checked++;
    }
    closedir(d);
    assert_true(checked >= 12); /* sqlite, postgres, mysql, mssql, oracle, newprotocol: json and yaml */
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(every_example_validates)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
