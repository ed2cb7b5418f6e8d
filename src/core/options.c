/* Options tables: lookup and rendering (JSON, Markdown, example config files). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/config_internal.h"

const char *etlc_opt_type_name(etlc_opt_type type)
{
    switch (type) {
    case ETLC_OPT_STRING: return "string";
    case ETLC_OPT_INT: return "int";
    case ETLC_OPT_BOOL: return "bool";
    case ETLC_OPT_FLOAT: return "float";
    case ETLC_OPT_DURATION: return "duration";
    case ETLC_OPT_ENUM: return "enum";
    case ETLC_OPT_LIST: return "list";
    case ETLC_OPT_PATH: return "path";
    }
    return "unknown";
}

size_t etlc_option_count(const etlc_option_table *table)
{
    if (!table)
        return 0;
    size_t n = table->count;
    for (const etlc_option_table *const *f = table->fragments; f && *f; f++)
        n += (*f)->count;
    return n;
}

const etlc_option *etlc_option_at(const etlc_option_table *table, size_t index)
{
    if (!table)
        return NULL;
    if (index < table->count)
        return &table->options[index];
    index -= table->count;
    for (const etlc_option_table *const *f = table->fragments; f && *f; f++) {
        if (index < (*f)->count)
            return &(*f)->options[index];
        index -= (*f)->count;
    }
    return NULL;
}

size_t etlc__option_index(const etlc_option_table *table, const char *name)
{
    size_t n = etlc_option_count(table);
    for (size_t i = 0; name && i < n; i++) {
        const etlc_option *o = etlc_option_at(table, i);
        if (o->name && strcmp(o->name, name) == 0)
            return i;
    }
    return SIZE_MAX;
}

const etlc_option *etlc_option_find(const etlc_option_table *table, const char *name)
{
    size_t i = etlc__option_index(table, name);
    return i == SIZE_MAX ? NULL : etlc_option_at(table, i);
}

static bool is_secret(const etlc_option *o) { return (o->flags & ETLC_OPT_SECRET) != 0; }
static bool is_required(const etlc_option *o) { return (o->flags & ETLC_OPT_REQUIRED) != 0; }

/* ---- JSON ----------------------------------------------------------------- */

static json_t *option_json(const etlc_option_table *table, const etlc_option *o)
{
    json_t *j = json_object();
    if (!j)
        return NULL;
    int bad = 0;
    bad |= json_object_set_new(j, "name", json_string(o->name));
    bad |= json_object_set_new(j, "type", json_string(etlc_opt_type_name(o->type)));
    bad |= json_object_set_new(j, "default", !o->default_value ? json_null()
                                             : is_secret(o)    ? json_string(ETLC_REDACTED)
                                                               : json_string(o->default_value));
    bad |= json_object_set_new(j, "required", json_boolean(is_required(o)));
    bad |= json_object_set_new(j, "secret", json_boolean(is_secret(o)));
    if (o->flags & ETLC_OPT_HAS_MIN)
        bad |= json_object_set_new(j, "min", json_real(o->min));
    if (o->flags & ETLC_OPT_HAS_MAX)
        bad |= json_object_set_new(j, "max", json_real(o->max));
    if (o->type == ETLC_OPT_ENUM) {
        json_t *arr = json_array();
        bad |= json_object_set_new(j, "choices", arr);
        for (const char *p = o->choices ? o->choices : ""; *p && arr;) {
            size_t n = strcspn(p, "|");
            bad |= json_array_append_new(arr, json_stringn(p, n));
            p += n + (p[n] == '|');
        }
    }
    if (table->env_prefix && *table->env_prefix) {
        char *env = etlc__option_env_name(table->env_prefix, o->name);
        bad |= json_object_set_new(j, "env", env ? json_string(env) : NULL);
        free(env);
    }
    bad |= json_object_set_new(j, "description", json_string(o->description ? o->description : ""));
    if (bad) {
        json_decref(j);
        return NULL;
    }
    return j;
}

int etlc_options_to_json(const etlc_option_table *table, char **out, etlc_error *err)
{
    if (!table || !out)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "options table and result are required");
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < etlc_option_count(table); i++) {
        if (json_array_append_new(arr, option_json(table, etlc_option_at(table, i)))) {
            json_decref(arr);
            arr = NULL;
        }
    }
    *out = arr ? json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(arr);
    if (!*out)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory rendering options");
    return 0;
}

/* ---- Markdown ------------------------------------------------------------- */

static int md_cell(etlc__buf *b, const char *s)
{
    int rc = 0;
    for (; s && *s && rc == 0; s++)
        rc = *s == '|' ? etlc__buf_puts(b, "\\|") : *s == '\n' ? etlc__buf_putc(b, ' ') : etlc__buf_putc(b, *s);
    return rc;
}

static int md_type(etlc__buf *b, const etlc_option *o)
{
    int rc = etlc__buf_puts(b, etlc_opt_type_name(o->type));
    if (o->type == ETLC_OPT_ENUM) {
        rc |= etlc__buf_puts(b, ": ");
        rc |= md_cell(b, o->choices);
    }
    bool lo = o->flags & ETLC_OPT_HAS_MIN, hi = o->flags & ETLC_OPT_HAS_MAX;
    const char *unit = o->type == ETLC_OPT_DURATION ? "ms" : "";
    if (lo && hi)
        rc |= etlc__buf_printf(b, " (%.15g%s..%.15g%s)", o->min, unit, o->max, unit);
    else if (lo)
        rc |= etlc__buf_printf(b, " (>= %.15g%s)", o->min, unit);
    else if (hi)
        rc |= etlc__buf_printf(b, " (<= %.15g%s)", o->max, unit);
    return rc;
}

int etlc_options_to_markdown(const etlc_option_table *table, char **out, etlc_error *err)
{
    if (!table || !out)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "options table and result are required");
    bool env = table->env_prefix && *table->env_prefix;
    etlc__buf b = {0};
    int rc = etlc__buf_printf(&b, "| Option | Type | Default | Required | %sDescription |\n",
                              env ? "Environment | " : "");
    rc |= etlc__buf_printf(&b, "|---|---|---|---|%s---|\n", env ? "---|" : "");
    for (size_t i = 0; i < etlc_option_count(table) && rc == 0; i++) {
        const etlc_option *o = etlc_option_at(table, i);
        rc |= etlc__buf_puts(&b, "| `");
        rc |= md_cell(&b, o->name);
        rc |= etlc__buf_puts(&b, "` | ");
        rc |= md_type(&b, o);
        rc |= etlc__buf_puts(&b, " | ");
        if (o->default_value && is_secret(o))
            rc |= etlc__buf_puts(&b, ETLC_REDACTED);
        else if (o->default_value) {
            rc |= etlc__buf_putc(&b, '`');
            rc |= md_cell(&b, o->default_value);
            rc |= etlc__buf_putc(&b, '`');
        }
        rc |= etlc__buf_printf(&b, " | %s | ", is_required(o) ? "yes" : "no");
        if (env) {
            char *name = etlc__option_env_name(table->env_prefix, o->name);
            rc |= name ? etlc__buf_printf(&b, "`%s` | ", name) : -1;
            free(name);
        }
        rc |= md_cell(&b, o->description);
        if (is_secret(o))
            rc |= etlc__buf_puts(&b, " (secret)");
        rc |= etlc__buf_puts(&b, " |\n");
    }
    if (rc) {
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory rendering options");
    }
    *out = etlc__buf_take(&b);
    return 0;
}

/* ---- example config files --------------------------------------------------- */

static bool takes_any_text(const etlc_option *o)
{
    return o->type == ETLC_OPT_STRING || o->type == ETLC_OPT_PATH || o->type == ETLC_OPT_LIST;
}

static int put_string(etlc__buf *b, const char *s)
{
    return etlc__buf_json_string(b, s, strlen(s));
}

static int put_placeholder(etlc__buf *b, const char *what, const etlc_option *o)
{
    etlc__buf t = {0};
    int rc = etlc__buf_printf(&t, "<%s: %s>", what, o->description && *o->description ? o->description : o->name);
    rc |= rc ? -1 : put_string(b, t.data);
    etlc__buf_free(&t);
    return rc;
}

/* One value literal, valid in JSON and in YAML flow style. A required key
 * with no default gets a "<required: ...>" placeholder when any text is a
 * valid value; otherwise null, which reads back as "not set". */
static int example_value(etlc__buf *b, const etlc_option *o)
{
    if (is_secret(o))
        return takes_any_text(o) ? put_placeholder(b, "secret", o) : etlc__buf_puts(b, "null");
    if (!o->default_value)
        return is_required(o) && takes_any_text(o) ? put_placeholder(b, "required", o)
                                                   : etlc__buf_puts(b, "null");
    etlc__value v;
    char why[300];
    if (etlc__value_parse(o, o->default_value, NULL, 0, false, &v, why, sizeof why) != 0)
        return put_string(b, o->default_value); /* a table bug; load will report it */
    int rc = 0;
    switch (o->type) {
    case ETLC_OPT_INT: rc = etlc__buf_printf(b, "%lld", (long long)v.i); break;
    case ETLC_OPT_FLOAT: {
        char num[40]; /* shortest text that reads back as the same double */
        snprintf(num, sizeof num, "%.15g", v.f);
        if (strtod(num, NULL) != v.f)
            snprintf(num, sizeof num, "%.17g", v.f);
        rc = etlc__buf_puts(b, num);
        break;
    }
    case ETLC_OPT_BOOL: rc = etlc__buf_puts(b, v.b ? "true" : "false"); break;
    case ETLC_OPT_LIST:
        rc = etlc__buf_putc(b, '[');
        for (size_t i = 0; i < v.n_items && rc == 0; i++)
            rc = (i ? etlc__buf_puts(b, ", ") : 0) | put_string(b, v.items[i]);
        rc |= etlc__buf_putc(b, ']');
        break;
    default: rc = put_string(b, o->default_value); break; /* PATH keeps its "~/" */
    }
    etlc__value_clear(&v, false);
    return rc;
}

static int example_json(const etlc_option_table *table, etlc__buf *b)
{
    int rc = etlc__buf_puts(b, "{\n  \"protocol\": ");
    rc |= put_string(b, table->protocol ? table->protocol : "");
    for (size_t i = 0; i < etlc_option_count(table) && rc == 0; i++) {
        rc |= etlc__buf_puts(b, ",\n  ");
        rc |= put_string(b, etlc_option_at(table, i)->name);
        rc |= etlc__buf_puts(b, ": ");
        rc |= example_value(b, etlc_option_at(table, i));
    }
    rc |= etlc__buf_puts(b, "\n}\n");
    return rc;
}

static int example_yaml(const etlc_option_table *table, etlc__buf *b)
{
    int rc = etlc__buf_printf(b, "# Example configuration for the %s connector.\n",
                              table->protocol ? table->protocol : "");
    rc |= etlc__buf_puts(b, "protocol: ");
    rc |= put_string(b, table->protocol ? table->protocol : "");
    rc |= etlc__buf_putc(b, '\n');
    for (size_t i = 0; i < etlc_option_count(table) && rc == 0; i++) {
        const etlc_option *o = etlc_option_at(table, i);
        rc |= etlc__buf_puts(b, "\n# ");
        for (const char *p = o->description ? o->description : ""; *p && rc == 0; p++)
            rc |= etlc__buf_putc(b, *p == '\n' ? ' ' : *p);
        rc |= etlc__buf_printf(b, " (%s%s%s", etlc_opt_type_name(o->type),
                               is_required(o) ? ", required" : "", is_secret(o) ? ", secret" : "");
        if (o->type == ETLC_OPT_ENUM)
            rc |= etlc__buf_printf(b, ": %s", o->choices ? o->choices : "");
        rc |= etlc__buf_puts(b, ")\n");
        rc |= etlc__buf_printf(b, "%s: ", o->name);
        rc |= example_value(b, o);
        rc |= etlc__buf_putc(b, '\n');
    }
    return rc;
}

int etlc_options_example(const etlc_option_table *table, const char *format, char **out, etlc_error *err)
{
    if (!table || !out || !format)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "options table, format and result are required");
    bool json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "yaml") != 0 && strcmp(format, "yml") != 0)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "unknown example format '%s' (use json or yaml)", format);
    etlc__buf b = {0};
    int rc = json ? example_json(table, &b) : example_yaml(table, &b);
    if (rc) {
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory rendering an example config");
    }
    *out = etlc__buf_take(&b);
    return 0;
}
