/* A test options table covering every option type, shared by the config tests. */
#ifndef ETLCONN_TEST_CONFIG_FIXTURE_H
#define ETLCONN_TEST_CONFIG_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define MINMAX (ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX)

static const etlc_option fx_options[] = {
    {"database_path", ETLC_OPT_PATH, NULL, 0, 0, NULL, ETLC_OPT_REQUIRED, "path to the SQLite file"},
    {"user", ETLC_OPT_STRING, NULL, 0, 0, NULL, ETLC_OPT_REQUIRED, "user name"},
    {"password", ETLC_OPT_STRING, NULL, 0, 0, NULL, ETLC_OPT_SECRET, "password of the user"},
    {"secret_pin", ETLC_OPT_INT, NULL, 0, 0, NULL, ETLC_OPT_SECRET, "a numeric secret"},
    {"busy_timeout", ETLC_OPT_DURATION, "5s", 0, 3600000, NULL, MINMAX, "wait on a locked database"},
    {"max_rows", ETLC_OPT_INT, "1000", 1, 1000000, NULL, MINMAX, "rows per batch"},
    {"read_only", ETLC_OPT_BOOL, "false", 0, 0, NULL, 0, "open read-only"},
    {"sample_ratio", ETLC_OPT_FLOAT, "0.5", 0, 1, NULL, MINMAX, "fraction of rows sampled"},
    {"journal_mode", ETLC_OPT_ENUM, "wal", 0, 0, "delete|wal|memory", 0, "SQLite journal mode"},
    {"tables", ETLC_OPT_LIST, "main,aux", 0, 0, NULL, 0, "tables to fetch"},
    {"log_dir", ETLC_OPT_PATH, NULL, 0, 0, NULL, 0, "where to write logs"},
};

static const etlc_option_table fx_table = {"testdb", "TESTDB", fx_options,
                                           sizeof fx_options / sizeof fx_options[0], NULL};

/* Unset every TESTDB_* / MYPFX_* variable the table could read. */
static inline void fx_clear_env(void)
{
    char name[128];
    for (size_t i = 0; i < fx_table.count; i++) {
        const char *prefixes[] = {"TESTDB", "MYPFX"};
        for (size_t p = 0; p < 2; p++) {
            snprintf(name, sizeof name, "%s_", prefixes[p]);
            for (const char *c = fx_options[i].name; *c; c++) {
                size_t n = strlen(name);
                name[n] = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
                name[n + 1] = '\0';
            }
            unsetenv(name);
        }
    }
}

static inline int fx_setup(void **state)
{
    (void)state;
    fx_clear_env();
    return 0;
}

static inline int fx_teardown(void **state)
{
    (void)state;
    fx_clear_env();
    return 0;
}

/* Write `text` to dir/name and return the malloc'd path. */
static inline char *fx_write(const char *dir, const char *name, const char *text)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    assert_int_equal(tu_write_file(path, text), 0);
    return path;
}

static inline void fx_assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("expected '%s' in: %s", needle, hay ? hay : "(null)");
}

static inline void fx_assert_lacks(const char *hay, const char *needle)
{
    if (hay && strstr(hay, needle))
        fail_msg("did not expect '%s' in: %s", needle, hay);
}

/* Provenance check: the layer and the exact origin string. */
static inline void fx_assert_from(const etlc_config *cfg, const char *key, etlc_layer layer, const char *origin)
{
    etlc_layer got;
    const char *o = NULL;
    if (!etlc_config_provenance(cfg, key, &got, &o))
        fail_msg("key '%s' unexpectedly unset", key);
    if (got != layer || strcmp(o, origin) != 0)
        fail_msg("key '%s': expected %s '%s', got %s '%s'", key, etlc_layer_name(layer), origin,
                 etlc_layer_name(got), o);
}

#endif
