/* Showing a loaded configuration (always redacted) and its cache fingerprint. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "core/config_internal.h"

const char *etlc_layer_name(etlc_layer layer)
{
    switch (layer) {
    case ETLC_LAYER_DEFAULT: return "default";
    case ETLC_LAYER_FILE: return "file";
    case ETLC_LAYER_ENV: return "env";
    case ETLC_LAYER_DICT: return "dict";
    case ETLC_LAYER_OVERRIDE: return "override";
    }
    return "unknown";
}

int etlc_kv_parse(const char *assignment, char **key, char **value, etlc_error *err)
{
    if (!assignment || !key || !value)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "etlc_kv_parse needs an assignment and results");
    *key = *value = NULL;
    const char *eq = strchr(assignment, '=');
    if (!eq)
        /* Not quoted: a value given without its key may be a password. */
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "expected KEY=VALUE, found no '=' (the text is not shown: it may be a secret)");
    if (eq == assignment)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "'=...': the key before '=' is empty");
    *key = etlc__strndup(assignment, (size_t)(eq - assignment));
    *value = etlc__strdup(eq + 1);
    if (!*key || !*value) {
        free(*key);
        free(*value);
        *key = *value = NULL;
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    }
    return 0;
}

static bool secret_option(const etlc_config *cfg, size_t i)
{
    return (etlc_option_at(cfg->table, i)->flags & ETLC_OPT_SECRET) != 0;
}

/* ---- JSON ----------------------------------------------------------------- */

static json_t *typed_value(const etlc_option *o, const etlc__value *v)
{
    if (o->flags & ETLC_OPT_SECRET)
        return json_string(ETLC_REDACTED);
    switch (o->type) {
    case ETLC_OPT_INT: return json_integer((json_int_t)v->i);
    case ETLC_OPT_FLOAT: return json_real(v->f);
    case ETLC_OPT_BOOL: return json_boolean(v->b);
    case ETLC_OPT_LIST: {
        json_t *arr = json_array();
        for (size_t i = 0; arr && i < v->n_items; i++) {
            if (json_array_append_new(arr, json_string(v->items[i]))) {
                json_decref(arr);
                return NULL;
            }
        }
        return arr;
    }
    default: return json_string(v->text);
    }
}

static json_t *slot_json(const etlc_option *o, const etlc__slot *s)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    int bad = 0;
    bad |= json_object_set_new(j, "value", s->is_set ? typed_value(o, &s->value) : json_null());
    bad |= json_object_set_new(j, "layer", s->is_set ? json_string(etlc_layer_name(s->layer)) : json_null());
    bad |= json_object_set_new(j, "origin", s->is_set ? json_string(s->origin) : json_null());
    bad |= json_object_set_new(j, "secret", json_boolean(o->flags & ETLC_OPT_SECRET));
    bad |= json_object_set_new(j, "required", json_boolean(o->flags & ETLC_OPT_REQUIRED));
    if (bad) {
        json_decref(j);
        return NULL;
    }
    return j;
}

int etlc_config_to_json(const etlc_config *cfg, char **json, etlc_error *err)
{
    if (!cfg || !json)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "config and result are required");
    *json = NULL;
    json_t *root = json_object(), *values = json_object();
    int bad = !root || !values;
    if (!bad) {
        bad |= json_object_set_new(root, "protocol", json_string(cfg->protocol.value.text ? cfg->protocol.value.text : ""));
        bad |= json_object_set_new(root, "protocol_origin", json_string(cfg->protocol.origin));
        bad |= json_object_set(root, "values", values);
    }
    for (size_t i = 0; !bad && i < etlc_option_count(cfg->table); i++)
        bad |= json_object_set_new(values, etlc_option_at(cfg->table, i)->name,
                                   slot_json(etlc_option_at(cfg->table, i), &cfg->slots[i]));
    if (!bad && cfg->missing) {
        json_t *missing = json_array();
        bad |= json_object_set_new(root, "missing", missing);
        for (size_t i = 0; !bad && i < etlc_option_count(cfg->table); i++) {
            const etlc_option *o = etlc_option_at(cfg->table, i);
            const etlc__slot *s = &cfg->slots[i];
            if ((o->flags & ETLC_OPT_REQUIRED) && (!s->is_set || s->layer == ETLC_LAYER_DEFAULT))
                bad |= json_array_append_new(missing, json_string(o->name));
        }
    }
    if (!bad)
        *json = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(values);
    json_decref(root);
    if (!*json)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory rendering the configuration");
    return 0;
}

/* ---- text ----------------------------------------------------------------- */

int etlc_config_to_text(const etlc_config *cfg, char **text, etlc_error *err)
{
    if (!cfg || !text)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "config and result are required");
    etlc__buf b = {0};
    int rc = etlc__buf_printf(&b, "protocol = %s  (%s: %s)\n",
                              cfg->protocol.value.text ? cfg->protocol.value.text : "",
                              etlc_layer_name(cfg->protocol.layer), cfg->protocol.origin);
    for (size_t i = 0; i < etlc_option_count(cfg->table) && rc == 0; i++) {
        const etlc_option *o = etlc_option_at(cfg->table, i);
        const etlc__slot *s = &cfg->slots[i];
        if (!s->is_set)
            rc = etlc__buf_printf(&b, "%s = (unset%s)\n", o->name,
                                  (o->flags & ETLC_OPT_REQUIRED) ? ", required" : "");
        else
            rc = etlc__buf_printf(&b, "%s = %s  (%s: %s)\n", o->name,
                                  secret_option(cfg, i) ? ETLC_REDACTED : s->value.text,
                                  etlc_layer_name(s->layer), s->origin);
    }
    if (rc) {
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory rendering the configuration");
    }
    *text = etlc__buf_take(&b);
    return 0;
}

/* ---- fingerprint ------------------------------------------------------------ */

/* Option indices sorted by name (tables are small: insertion sort, no shared state). */
static void sort_by_name(const etlc_option_table *t, size_t *order, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        size_t cur = order[i], j = i;
        while (j > 0 && strcmp(etlc_option_at(t, order[j - 1])->name, etlc_option_at(t, cur)->name) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = cur;
    }
}

static void secure_buf_free(etlc__buf *b)
{
    if (b->data) {
        volatile char *p = b->data;
        for (size_t i = 0; i < b->cap; i++)
            p[i] = 0;
    }
    etlc__buf_free(b);
}

/* Sorted key order, with the `protocol` key slotted in by name too;
 * identity: leave out the ETLC_OPT_TUNING options. */
static int fingerprint(const etlc_config *cfg, bool identity, char **normalized, char secrets_sha256[65])
{
    if (!cfg || !normalized || !secrets_sha256)
        return ETLC_INVALID_ARGUMENT;
    *normalized = NULL;
    size_t n = etlc_option_count(cfg->table);
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    if (!order)
        return ETLC_NO_MEMORY;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    sort_by_name(cfg->table, order, n);

    /* The registry resolved aliases to this table, so its canonical name is the protocol. */
    const char *proto = cfg->table->protocol ? cfg->table->protocol
                        : cfg->protocol.value.text ? cfg->protocol.value.text : "";
    etlc__buf norm = {0}, sec = {0};
    int rc = etlc__buf_puts(&norm, "") | etlc__buf_puts(&sec, "");
    bool proto_done = false;
    for (size_t k = 0; k <= n && rc == 0; k++) {
        const etlc_option *o = k < n ? etlc_option_at(cfg->table, order[k]) : NULL;
        if (!proto_done && (!o || strcmp(ETLC_CONFIG_KEY_PROTOCOL, o->name) < 0)) {
            rc |= etlc__buf_printf(&norm, "%s=%s\n", ETLC_CONFIG_KEY_PROTOCOL, proto);
            proto_done = true;
        }
        if (!o || !cfg->slots[order[k]].is_set || (identity && (o->flags & ETLC_OPT_TUNING)))
            continue;
        const etlc__slot *s = &cfg->slots[order[k]];
        if (o->flags & ETLC_OPT_SECRET) {
            rc |= etlc__buf_printf(&sec, "%s=%zu:", o->name, strlen(s->value.text));
            rc |= etlc__value_canonical(o, &s->value, &sec);
            rc |= etlc__buf_putc(&sec, '\n');
        } else {
            rc |= etlc__buf_printf(&norm, "%s=", o->name);
            rc |= etlc__value_canonical(o, &s->value, &norm);
            rc |= etlc__buf_putc(&norm, '\n');
        }
    }
    free(order);
    if (rc == 0)
        rc = etlc__sha256_hex(sec.data, sec.len, secrets_sha256);
    secure_buf_free(&sec);
    if (rc) {
        etlc__buf_free(&norm);
        return ETLC_NO_MEMORY;
    }
    *normalized = etlc__buf_take(&norm);
    return 0;
}

int etlc_config_fingerprint(const etlc_config *cfg, char **normalized, char secrets_sha256[65])
{
    return fingerprint(cfg, false, normalized, secrets_sha256);
}

int etlc__config_identity(const etlc_config *cfg, char **normalized)
{
    char secrets[65];
    return fingerprint(cfg, true, normalized, secrets);
}
