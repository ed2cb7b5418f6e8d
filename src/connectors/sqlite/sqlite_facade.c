/* get_sqlite_engine / test_sqlite_connection: the direct builders. */
#include "sqlite_internal.h"

int etlc_get_sqlite_engine(const char *database_path, bool read_only, etlc_connector **out,
                           etlc_error *err)
{
    etlc_kv overrides[] = {
        {"database_path", database_path},
        {"read_only", read_only ? "true" : "false"},
    };
    etlc_config_sources src = {.overrides = overrides, .overrides_len = 2};
    return etlc_get_connection("sqlite", &src, NULL, out, err);
}

int etlc_test_sqlite_connection(const char *database_path, etlc_health *health, etlc_error *err)
{
    etlc_kv overrides[] = {{"database_path", database_path}};
    etlc_config_sources src = {.overrides = overrides, .overrides_len = 1};
    return etlc_test_connection("sqlite", &src, health, err);
}
