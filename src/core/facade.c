/* The façade: load_connection_config, get_connection, test_connection,
 * create_connector — protocol resolution, config loading, the cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/connector_internal.h"

/* The last `protocol` key of a kv layer (later entries win), or NULL. */
static const char *kv_protocol(const etlc_kv *kv, size_t n)
{
    const char *found = NULL;
    for (size_t i = 0; kv && i < n; i++)
        if (kv[i].key && etlc__strcasecmp(kv[i].key, ETLC_CONFIG_KEY_PROTOCOL) == 0)
            found = kv[i].value;
    return found;
}

/* A layer's `protocol` value must resolve to the chosen connector. */
static int check_layer_protocol(const etlc_connector_ops *ops, const char *value,
                                const char *layer, etlc_error *err)
{
    if (!value)
        return 0;
    const etlc_connector_ops *other = NULL;
    etlc_error ignored = {0};
    if (etlc_registry_find(value, &other, &ignored) == 0 && other == ops)
        return 0;
    return etlc_error_set(err, ETLC_CONFIG,
                          "%s sets protocol '%s', but the connection is for protocol '%s'", layer,
                          value, ops->name);
}

/* Resolve the connector and load its config. */
static int load_config(const char *protocol, const etlc_config_sources *sources,
                       const etlc_connector_ops **ops_out, etlc_config **out, etlc_error *err)
{
    *out = NULL;
    etlc_config_sources src = {0};
    if (sources)
        src = *sources;
    char *file_protocol = NULL;
    int rc = 0;
    if (src.file && (rc = etlc_config_file_protocol(src.file, &file_protocol, err)) != 0)
        return rc;
    const char *override_protocol = kv_protocol(src.overrides, src.overrides_len);
    const char *dict_protocol = kv_protocol(src.dict, src.dict_len);

    const char *name = protocol;
    if (!name)
        name = override_protocol ? override_protocol : dict_protocol ? dict_protocol : file_protocol;
    if (!name || !*name) {
        free(file_protocol);
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY,
                              "no protocol given: name one, or set '%s' in the config file%s%s%s, "
                              "the config dict or an override",
                              ETLC_CONFIG_KEY_PROTOCOL, src.file ? " ('" : "",
                              src.file ? src.file : "", src.file ? "')" : "");
    }
    const etlc_connector_ops *ops = NULL;
    rc = etlc_registry_find(name, &ops, err);
    char file_layer[1100];
    snprintf(file_layer, sizeof file_layer, "config file '%s'", src.file ? src.file : "");
    if (rc == 0)
        rc = check_layer_protocol(ops, file_protocol, file_layer, err);
    if (rc == 0)
        rc = check_layer_protocol(ops, dict_protocol, "the config dict", err);
    if (rc == 0)
        rc = check_layer_protocol(ops, override_protocol, "an override", err);
    free(file_protocol);
    if (rc != 0)
        return rc;
    rc = etlc_config_load(ops->options, &src, out, err);
    if (rc != 0)
        return rc;
    if (ops_out)
        *ops_out = ops;
    return 0;
}

int etlc_load_connection_config(const char *protocol, const etlc_config_sources *sources,
                                etlc_config **out, etlc_error *err)
{
    if (!out)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "etlc_load_connection_config needs an out pointer");
    return load_config(protocol, sources, NULL, out, err);
}

int etlc_get_connection(const char *protocol, const etlc_config_sources *sources,
                        const etlc_get_options *opts, etlc_connector **out, etlc_error *err)
{
    if (!out)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "etlc_get_connection needs an out pointer");
    *out = NULL;
    const etlc_connector_ops *ops = NULL;
    etlc_config *cfg = NULL;
    int rc = load_config(protocol, sources, &ops, &cfg, err);
    if (rc != 0)
        return rc;
    return etlc__cache_get(ops, cfg, opts && opts->no_reuse, out, err);
}

int etlc_test_connection(const char *protocol, const etlc_config_sources *sources,
                         etlc_health *health, etlc_error *err)
{
    if (!health)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "etlc_test_connection needs a health struct");
    memset(health, 0, sizeof *health);
    etlc_error e = {0};
    etlc_connector *c = NULL;
    double t0 = etlc__monotonic_ms();
    int rc = etlc_get_connection(protocol, sources, NULL, &c, &e);
    if (rc != 0) {
        /* A connection that cannot be made is an unhealthy one; say why. */
        health->healthy = false;
        health->latency_ms = etlc__monotonic_ms() - t0;
        snprintf(health->detail, sizeof health->detail, "%s", e.message);
        if (err)
            *err = e;
        return rc;
    }
    rc = etlc_connector_test(c, health, err);
    etlc_connector_release(c);
    return rc;
}

int etlc_create_connector(const etlc_config_sources *sources, etlc_connector **out,
                          etlc_error *err)
{
    if (!out)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "etlc_create_connector needs an out pointer");
    *out = NULL;
    const etlc_connector_ops *ops = NULL;
    etlc_config *cfg = NULL;
    int rc = load_config(NULL, sources, &ops, &cfg, err);
    if (rc != 0)
        return rc;
    return etlc__connector_open_owned(ops, cfg, out, err);
}
