/* Merge the configuration layers (defaults -> file -> env -> dict ->
 * overrides, later wins), then validate the winners and check required keys. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_internal.h"

/* The winning raw input of one key while the layers are merged. Texts are
 * borrowed from the table, the file entries, the environment or the caller,
 * all of which outlive the load; the origin is owned. */
typedef struct pending {
    bool is_set;
    etlc_layer layer;
    char *origin;
    const char *text;
    const char *const *items;
    size_t n_items;
    bool is_list;
} pending;

typedef struct loader {
    const etlc_option_table *table;
    pending *slots;        /* etlc_option_count(table), then one for `protocol` */
    etlc_error *err;
} loader;

static pending *pending_for(loader *ld, const char *key)
{
    if (strcmp(key, ETLC_CONFIG_KEY_PROTOCOL) == 0)
        return &ld->slots[etlc_option_count(ld->table)];
    size_t i = etlc__option_index(ld->table, key);
    return i == SIZE_MAX ? NULL : &ld->slots[i];
}

static int pending_set(loader *ld, pending *p, etlc_layer layer, const char *origin_fmt,
                       const char *origin_arg, unsigned line)
{
    char buf[1200];
    if (line)
        snprintf(buf, sizeof buf, "%s:%u", origin_arg, line);
    else
        snprintf(buf, sizeof buf, origin_fmt, origin_arg ? origin_arg : "");
    char *origin = etlc__strdup(buf);
    if (!origin)
        return etlc_error_set(ld->err, ETLC_NO_MEMORY, "out of memory loading configuration");
    free(p->origin);
    p->origin = origin;
    p->is_set = true;
    p->layer = layer;
    return 0;
}

static int unknown_key(loader *ld, const char *key, const char *origin)
{
    const char *best = NULL;
    unsigned best_d = 256;
    for (size_t i = 0; i <= etlc_option_count(ld->table); i++) {
        const char *name = i < etlc_option_count(ld->table) ? etlc_option_at(ld->table, i)->name : ETLC_CONFIG_KEY_PROTOCOL;
        unsigned d = etlc__edit_distance(key, name);
        if (d < best_d) {
            best_d = d;
            best = name;
        }
    }
    size_t len = strlen(key);
    unsigned limit = len / 3 > 2 ? (unsigned)(len / 3) : 2;
    char hint[160] = "";
    if (best && best_d <= limit)
        snprintf(hint, sizeof hint, "; did you mean '%s'?", best);
    else
        snprintf(hint, sizeof hint, "; run `etlconn options %s` for the accepted keys",
                 ld->table->protocol ? ld->table->protocol : "<protocol>");
    return etlc_error_set(ld->err, ETLC_CONFIG_UNKNOWN_KEY,
                          "unknown key '%s' (from %s) for protocol '%s'%s", key, origin,
                          ld->table->protocol ? ld->table->protocol : "?", hint);
}

static void apply_defaults(loader *ld)
{
    for (size_t i = 0; i < etlc_option_count(ld->table); i++) {
        const etlc_option *opt = etlc_option_at(ld->table, i);
        if (opt->default_value) {
            ld->slots[i].is_set = true;
            ld->slots[i].layer = ETLC_LAYER_DEFAULT;
            ld->slots[i].text = opt->default_value;
        }
    }
}

static int apply_file(loader *ld, const char *path, const etlc__raw_file *f)
{
    for (size_t i = 0; i < f->count; i++) {
        const etlc__raw_entry *e = &f->entries[i];
        pending *p = pending_for(ld, e->key);
        if (!p) {
            char origin[1200];
            snprintf(origin, sizeof origin, "%s:%u", path, e->line);
            return unknown_key(ld, e->key, origin);
        }
        if (e->kind == ETLC__RAW_NULL)
            continue;
        bool is_protocol = p == &ld->slots[etlc_option_count(ld->table)];
        if (e->kind == ETLC__RAW_NESTED || (e->kind == ETLC__RAW_LIST && is_protocol))
            return etlc_error_set(ld->err, ETLC_CONFIG_TYPE,
                                  "key '%s' (from %s:%u): expected %s, not a nested mapping or list",
                                  e->key, path, e->line,
                                  is_protocol ? "a protocol name" : "a single value or a list of plain values");
        int rc = pending_set(ld, p, ETLC_LAYER_FILE, "%s", path, e->line);
        if (rc)
            return rc;
        p->is_list = e->kind == ETLC__RAW_LIST;
        p->text = e->text;
        p->items = (const char *const *)e->items;
        p->n_items = e->n_items;
    }
    return 0;
}

static int apply_env(loader *ld, const char *prefix)
{
    for (size_t i = 0; i < etlc_option_count(ld->table); i++) {
        char *name = etlc__option_env_name(prefix, etlc_option_at(ld->table, i)->name);
        if (!name)
            return etlc_error_set(ld->err, ETLC_NO_MEMORY, "out of memory loading configuration");
        const char *v = getenv(name);
        int rc = 0;
        if (v && *v) { /* an empty variable counts as unset */
            pending *p = &ld->slots[i];
            rc = pending_set(ld, p, ETLC_LAYER_ENV, "env %s", name, 0);
            p->is_list = false;
            p->text = v;
        }
        free(name);
        if (rc)
            return rc;
    }
    return 0;
}

static int apply_kvs(loader *ld, const etlc_kv *kvs, size_t n, etlc_layer layer, const char *origin)
{
    for (size_t i = 0; i < n; i++) {
        if (!kvs[i].key || !*kvs[i].key)
            return etlc_error_set(ld->err, ETLC_INVALID_ARGUMENT, "empty key in the %s layer", origin);
        pending *p = pending_for(ld, kvs[i].key);
        if (!p)
            return unknown_key(ld, kvs[i].key, origin);
        if (!kvs[i].value)
            continue; /* NULL means "not set here" */
        int rc = pending_set(ld, p, layer, "%s", origin, 0);
        if (rc)
            return rc;
        p->is_list = false;
        p->text = kvs[i].value;
    }
    return 0;
}

static void register_secrets(loader *ld)
{
    for (size_t i = 0; i < etlc_option_count(ld->table); i++) {
        const pending *p = &ld->slots[i];
        if (!p->is_set || !(etlc_option_at(ld->table, i)->flags & ETLC_OPT_SECRET))
            continue;
        if (p->is_list)
            for (size_t j = 0; j < p->n_items; j++)
                etlc_redact_register_secret(p->items[j]);
        else
            etlc_redact_register_secret(p->text);
    }
}

/* Shown in a type error: the value, or *** for secrets; lists comma-joined. */
static void shown_value(const etlc_option *opt, const pending *p, char *buf, size_t bufsz)
{
    if (opt->flags & ETLC_OPT_SECRET) {
        snprintf(buf, bufsz, "%s", ETLC_REDACTED);
        return;
    }
    if (!p->is_list) {
        snprintf(buf, bufsz, "%s", p->text);
        return;
    }
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < p->n_items && used < bufsz; i++)
        used += (size_t)snprintf(buf + used, bufsz - used, "%s%s", i ? "," : "", p->items[i]);
}

static int validate(loader *ld, etlc_config *cfg)
{
    for (size_t i = 0; i < etlc_option_count(ld->table); i++) {
        const etlc_option *opt = etlc_option_at(ld->table, i);
        pending *p = &ld->slots[i];
        if (!p->is_set)
            continue;
        char why[300];
        int rc = etlc__value_parse(opt, p->text, p->items, p->n_items, p->is_list,
                                   &cfg->slots[i].value, why, sizeof why);
        if (rc == ETLC_NO_MEMORY)
            return etlc_error_set(ld->err, rc, "out of memory loading configuration");
        if (rc) {
            char shown[400];
            shown_value(opt, p, shown, sizeof shown);
            return etlc_error_set(ld->err, rc, "key '%s' = '%s' (from %s): %s", opt->name, shown,
                                  p->origin ? p->origin : "default", why);
        }
        if (opt->flags & ETLC_OPT_SECRET) { /* the parsed forms too ("~/" expanded, split items) */
            etlc_redact_register_secret(cfg->slots[i].value.text);
            for (size_t j = 0; j < cfg->slots[i].value.n_items; j++)
                etlc_redact_register_secret(cfg->slots[i].value.items[j]);
        }
        cfg->slots[i].is_set = true;
        cfg->slots[i].layer = p->layer;
        cfg->slots[i].origin = p->origin ? p->origin : etlc__strdup("default");
        p->origin = NULL;
        if (!cfg->slots[i].origin)
            return etlc_error_set(ld->err, ETLC_NO_MEMORY, "out of memory loading configuration");
    }
    pending *proto = &ld->slots[etlc_option_count(ld->table)];
    cfg->protocol.is_set = true;
    cfg->protocol.layer = proto->is_set ? proto->layer : ETLC_LAYER_DEFAULT;
    cfg->protocol.origin = proto->is_set ? proto->origin : etlc__strdup("default");
    proto->origin = NULL;
    cfg->protocol.value.text = etlc__strdup(proto->is_set ? proto->text : ld->table->protocol);
    if (!cfg->protocol.origin || (!cfg->protocol.value.text && (proto->is_set || ld->table->protocol)))
        return etlc_error_set(ld->err, ETLC_NO_MEMORY, "out of memory loading configuration");
    return 0;
}

/* Required keys set by no layer (a default does not count). */
static int check_required(loader *ld, etlc_config *cfg, const char *env_prefix, bool allow_missing)
{
    etlc__buf names = {0}, detail = {0};
    int rc = 0;
    size_t missing = 0;
    for (size_t i = 0; i < etlc_option_count(ld->table) && rc == 0; i++) {
        const etlc_option *opt = etlc_option_at(ld->table, i);
        if (!(opt->flags & ETLC_OPT_REQUIRED) ||
            (cfg->slots[i].is_set && cfg->slots[i].layer != ETLC_LAYER_DEFAULT))
            continue;
        rc |= etlc__buf_printf(&names, "%s%s", missing ? ", " : "", opt->name);
        rc |= etlc__buf_printf(&detail, "%s'%s' (", missing ? "; " : "", opt->name);
        if (*env_prefix) {
            char *env = etlc__option_env_name(env_prefix, opt->name);
            rc |= env ? etlc__buf_printf(&detail, "env %s, or ", env) : -1;
            free(env);
        }
        rc |= etlc__buf_printf(&detail, "--set %s=...)", opt->name);
        missing++;
    }
    if (rc) {
        rc = etlc_error_set(ld->err, ETLC_NO_MEMORY, "out of memory loading configuration");
    } else if (missing && !allow_missing) {
        rc = etlc_error_set(ld->err, ETLC_CONFIG_MISSING_KEY,
                            "missing required configuration for protocol '%s': %s",
                            ld->table->protocol ? ld->table->protocol : "?", detail.data);
    } else if (missing) {
        cfg->missing = etlc__buf_take(&names);
    }
    etlc__buf_free(&names);
    etlc__buf_free(&detail);
    return rc;
}

int etlc_config_load(const etlc_option_table *table, const etlc_config_sources *sources,
                     etlc_config **out, etlc_error *err)
{
    if (!out || !table || (table->count && !table->options))
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "etlc_config_load needs a table and a result");
    *out = NULL;
    static const etlc_config_sources none;
    if (!sources)
        sources = &none;

    etlc_config *cfg = calloc(1, sizeof *cfg);
    loader ld = {table, calloc(etlc_option_count(table) + 1, sizeof(pending)), err};
    if (cfg)
        cfg->table = table;
    if (!cfg || !ld.slots || !(cfg->slots = calloc(etlc_option_count(table) + 1, sizeof(etlc__slot)))) {
        free(ld.slots);
        etlc_config_free(cfg);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory loading configuration");
    }

    etlc__raw_file file = {0};
    const char *prefix = sources->env_prefix ? sources->env_prefix
                         : table->env_prefix ? table->env_prefix
                                             : "";
    apply_defaults(&ld);
    int rc = 0;
    if (sources->file) {
        rc = etlc__config_file_read(sources->file, &file, err);
        if (rc == 0)
            rc = apply_file(&ld, sources->file, &file);
    }
    if (rc == 0 && *prefix)
        rc = apply_env(&ld, prefix);
    if (rc == 0)
        rc = apply_kvs(&ld, sources->dict, sources->dict ? sources->dict_len : 0, ETLC_LAYER_DICT, "dict");
    if (rc == 0)
        rc = apply_kvs(&ld, sources->overrides, sources->overrides ? sources->overrides_len : 0,
                       ETLC_LAYER_OVERRIDE, "override");
    if (rc == 0) {
        register_secrets(&ld);
        rc = validate(&ld, cfg);
    }
    if (rc == 0)
        rc = check_required(&ld, cfg, prefix, sources->allow_missing_required);

    for (size_t i = 0; i <= etlc_option_count(table); i++)
        free(ld.slots[i].origin);
    free(ld.slots);
    etlc__raw_file_free(&file);
    if (rc) {
        etlc_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return 0;
}
