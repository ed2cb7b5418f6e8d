/* libFuzzer target: the config file loaders (config_file.c: JSON through
 * jansson, YAML through libyaml, top-level mapping of keys to values) and
 * the validation behind etlc_config_load, with a small table holding one
 * option of each type. Never crash, hang or leak; a loaded config dumps
 * and answers every getter. There is no in-memory entry point, so the input
 * is written to a temporary .json and .yaml file. See README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etlconn/etlconn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* No ETLC_OPT_SECRET: secret values are registered with the process-wide
 * redactor, which would grow with every input. */
static const etlc_option options[] = {
    {"name", ETLC_OPT_STRING, NULL, 0, 0, NULL, ETLC_OPT_REQUIRED, "a required string"},
    {"port", ETLC_OPT_INT, "5432", 1, 65535, NULL, ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, "int"},
    {"enabled", ETLC_OPT_BOOL, "false", 0, 0, NULL, 0, "bool"},
    {"ratio", ETLC_OPT_FLOAT, NULL, 0, 1, NULL, ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, "float"},
    {"timeout", ETLC_OPT_DURATION, "30s", 0, 0, NULL, 0, "duration"},
    {"mode", ETLC_OPT_ENUM, "auto", 0, 0, "auto|copy|rows", 0, "enum"},
    {"tables", ETLC_OPT_LIST, NULL, 0, 0, NULL, 0, "list"},
    {"dir", ETLC_OPT_PATH, NULL, 0, 0, NULL, 0, "path"},
};
static const etlc_option_table table = {"fuzzproto", "FUZZPROTO", options,
                                        sizeof options / sizeof *options, NULL};

static void load(const char *path, const uint8_t *data, size_t size, bool allow_missing)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);
    etlc_error err = {0};
    etlc_config_sources src = {.file = path, .env_prefix = "", .allow_missing_required = allow_missing};
    etlc_config *cfg = NULL;
    if (etlc_config_load(&table, &src, &cfg, &err) == 0) {
        char *json = NULL;
        if (etlc_config_to_json(cfg, &json, &err) == 0)
            free(json);
        const char *const *items;
        (void)etlc_config_get_string(cfg, "name");
        (void)etlc_config_get_int(cfg, "port");
        (void)etlc_config_get_bool(cfg, "enabled");
        (void)etlc_config_get_float(cfg, "ratio");
        (void)etlc_config_get_duration_ms(cfg, "timeout");
        (void)etlc_config_get_string(cfg, "mode");
        (void)etlc_config_get_list(cfg, "tables", &items);
        (void)etlc_config_get_string(cfg, "dir");
        etlc_layer layer;
        const char *origin;
        (void)etlc_config_provenance(cfg, "name", &layer, &origin);
        etlc_config_free(cfg);
    }
    char *protocol = NULL;
    if (etlc_config_file_protocol(path, &protocol, &err) == 0)
        free(protocol);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char json[64], yaml[64];
    snprintf(json, sizeof json, "/tmp/etlc-fuzz-config-%d.json", (int)getpid());
    snprintf(yaml, sizeof yaml, "/tmp/etlc-fuzz-config-%d.yaml", (int)getpid());
    bool allow_missing = size % 2;
    load(json, data, size, allow_missing);
    load(yaml, data, size, allow_missing);
    return 0;
}
