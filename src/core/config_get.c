/* Reading a loaded configuration: typed getters, provenance, iteration. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_internal.h"

void etlc_config_free(etlc_config *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; cfg->slots && cfg->table && i < etlc_option_count(cfg->table); i++) {
        bool secret = (etlc_option_at(cfg->table, i)->flags & ETLC_OPT_SECRET) != 0;
        etlc__value_clear(&cfg->slots[i].value, secret);
        free(cfg->slots[i].origin);
    }
    free(cfg->slots);
    etlc__value_clear(&cfg->protocol.value, false);
    free(cfg->protocol.origin);
    free(cfg->missing);
    free(cfg);
}

const etlc_option_table *etlc_config_table(const etlc_config *cfg)
{
    return cfg ? cfg->table : NULL;
}

const etlc__slot *etlc__config_slot(const etlc_config *cfg, const char *key, const etlc_option **opt)
{
    if (opt)
        *opt = NULL;
    if (!cfg || !key)
        return NULL;
    if (strcmp(key, ETLC_CONFIG_KEY_PROTOCOL) == 0)
        return &cfg->protocol;
    size_t i = etlc__option_index(cfg->table, key);
    if (i == SIZE_MAX)
        return NULL;
    if (opt)
        *opt = etlc_option_at(cfg->table, i);
    return &cfg->slots[i];
}

/* The slot when set and (type_ok) of a type the getter understands. */
static const etlc__slot *set_slot(const etlc_config *cfg, const char *key, const etlc_option **opt)
{
    const etlc__slot *s = etlc__config_slot(cfg, key, opt);
    return s && s->is_set ? s : NULL;
}

bool etlc_config_has(const etlc_config *cfg, const char *key)
{
    const etlc__slot *s = set_slot(cfg, key, NULL);
    return s && s->value.text;
}

const char *etlc_config_get_string(const etlc_config *cfg, const char *key)
{
    const etlc__slot *s = set_slot(cfg, key, NULL);
    return s ? s->value.text : NULL;
}

const char *etlc__config_text(const etlc_config *cfg, const char *key)
{
    const char *v = etlc_config_get_string(cfg, key);
    return v && *v ? v : NULL;
}

int64_t etlc_config_get_int(const etlc_config *cfg, const char *key)
{
    const etlc_option *opt;
    const etlc__slot *s = set_slot(cfg, key, &opt);
    return s && opt && (opt->type == ETLC_OPT_INT || opt->type == ETLC_OPT_DURATION) ? s->value.i : 0;
}

bool etlc_config_get_bool(const etlc_config *cfg, const char *key)
{
    const etlc_option *opt;
    const etlc__slot *s = set_slot(cfg, key, &opt);
    return s && opt && opt->type == ETLC_OPT_BOOL ? s->value.b : false;
}

double etlc_config_get_float(const etlc_config *cfg, const char *key)
{
    const etlc_option *opt;
    const etlc__slot *s = set_slot(cfg, key, &opt);
    if (!s || !opt)
        return 0;
    if (opt->type == ETLC_OPT_FLOAT)
        return s->value.f;
    return opt->type == ETLC_OPT_INT ? (double)s->value.i : 0;
}

int64_t etlc_config_get_duration_ms(const etlc_config *cfg, const char *key)
{
    const etlc_option *opt;
    const etlc__slot *s = set_slot(cfg, key, &opt);
    return s && opt && opt->type == ETLC_OPT_DURATION ? s->value.i : 0;
}

size_t etlc_config_get_list(const etlc_config *cfg, const char *key, const char *const **items)
{
    const etlc_option *opt;
    const etlc__slot *s = set_slot(cfg, key, &opt);
    bool ok = s && opt && opt->type == ETLC_OPT_LIST;
    if (items)
        *items = ok ? (const char *const *)s->value.items : NULL;
    return ok ? s->value.n_items : 0;
}

bool etlc_config_provenance(const etlc_config *cfg, const char *key, etlc_layer *layer,
                            const char **origin)
{
    const etlc__slot *s = set_slot(cfg, key, NULL);
    if (!s || !s->value.text)
        return false;
    if (layer)
        *layer = s->layer;
    if (origin)
        *origin = s->origin;
    return true;
}

size_t etlc_config_count(const etlc_config *cfg)
{
    return cfg ? etlc_option_count(cfg->table) : 0;
}

bool etlc_config_entry_at(const etlc_config *cfg, size_t index, etlc_config_entry *entry)
{
    if (!cfg || !entry || index >= etlc_option_count(cfg->table))
        return false;
    const etlc__slot *s = &cfg->slots[index];
    entry->option = etlc_option_at(cfg->table, index);
    entry->is_set = s->is_set;
    entry->value = s->is_set ? s->value.text : NULL;
    entry->layer = s->is_set ? s->layer : ETLC_LAYER_DEFAULT;
    entry->origin = s->is_set ? s->origin : NULL;
    return true;
}

char *etlc_config_missing(const etlc_config *cfg)
{
    return cfg && cfg->missing ? etlc__strdup(cfg->missing) : NULL;
}
