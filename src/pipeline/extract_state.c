/* The JSON forms of an extraction's values and cursors (stored in its
 * checkpoint, see docs/checkpoint.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/extract_internal.h"
#include "core/json_load.h"

void etlc__ext_cursor_clear(ext_cursor *c)
{
    for (size_t i = 0; i < EXT_MAX_CURSOR_COLS; i++)
        etlc_value_clear(&c->v[i]);
    c->kind = EXT_CURSOR_NONE;
    c->n = 0;
}

int etlc__ext_value_copy(etlc_value *dst, const etlc_value *src, etlc_error *err)
{
    etlc_value_clear(dst);
    *dst = *src;
    dst->data = NULL;
    if (src->data) {
        dst->data = etlc__strndup(src->data, src->len);
        if (!dst->data) {
            dst->type = ETLC_TYPE_NULL;
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory copying a cursor value");
        }
    }
    return 0;
}

int etlc__ext_cursor_copy(ext_cursor *dst, const ext_cursor *src, etlc_error *err)
{
    etlc__ext_cursor_clear(dst);
    dst->kind = src->kind;
    dst->n = src->n;
    for (size_t i = 0; i < src->n; i++) {
        int rc = etlc__ext_value_copy(&dst->v[i], &src->v[i], err);
        if (rc) {
            etlc__ext_cursor_clear(dst);
            return rc;
        }
    }
    return 0;
}

static const char *const kind_names[] = {"none", "after_row", "after_value", "from_value"};

json_t *etlc__ext_value_json(const etlc_value *v)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    json_object_set_new(o, "type", json_string(etlc_type_name(v->type)));
    switch (v->type) {
    case ETLC_TYPE_NULL: break;
    case ETLC_TYPE_BOOL:
    case ETLC_TYPE_INT64:
    case ETLC_TYPE_DATE:
    case ETLC_TYPE_TIMESTAMP: json_object_set_new(o, "value", json_integer(v->i64)); break;
    case ETLC_TYPE_DOUBLE: json_object_set_new(o, "value", json_real(v->f64)); break;
    case ETLC_TYPE_BYTES: {
        etlc__buf hex = {0};
        int hrc = etlc__buf_reserve(&hex, 2 * v->len);
        for (size_t i = 0; i < v->len && hrc == 0; i++)
            hrc = etlc__buf_printf(&hex, "%02x", (unsigned char)v->data[i]);
        if (hrc) { /* no silently shorter value */
            etlc__json_note_failed_allocation();
            etlc__buf_free(&hex);
            json_decref(o);
            return NULL;
        }
        json_object_set_new(o, "hex", json_string(hex.data ? hex.data : ""));
        etlc__buf_free(&hex);
        break;
    }
    default: json_object_set_new(o, "value", json_stringn(v->data ? v->data : "", v->len)); break;
    }
    return o;
}

int etlc__ext_value_from_json(const json_t *j, etlc_value *v, etlc_error *err)
{
    memset(v, 0, sizeof *v);
    const char *tname = json_string_value(json_object_get(j, "type"));
    int t = tname ? etlc_type_parse(tname) : -1;
    if (t < 0)
        return etlc_error_set(err, ETLC_DATA, "state value has no known 'type' (%s)", tname ? tname : "missing");
    v->type = (etlc_type)t;
    const json_t *val = json_object_get(j, "value");
    switch (v->type) {
    case ETLC_TYPE_NULL: return 0;
    case ETLC_TYPE_BOOL:
    case ETLC_TYPE_INT64:
    case ETLC_TYPE_DATE:
    case ETLC_TYPE_TIMESTAMP:
        if (!json_is_integer(val))
            break;
        v->i64 = json_integer_value(val);
        return 0;
    case ETLC_TYPE_DOUBLE:
        if (!json_is_number(val))
            break;
        v->f64 = json_number_value(val);
        return 0;
    case ETLC_TYPE_BYTES: {
        const char *hex = json_string_value(json_object_get(j, "hex"));
        if (!hex || strlen(hex) % 2)
            break;
        size_t n = strlen(hex) / 2;
        v->data = malloc(n + 1);
        if (!v->data)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the state");
        for (size_t i = 0; i < n; i++) {
            unsigned byte;
            if (sscanf(hex + 2 * i, "%2x", &byte) != 1) {
                etlc_value_clear(v);
                return etlc_error_set(err, ETLC_DATA, "state value has a bad 'hex' string");
            }
            v->data[i] = (char)byte;
        }
        v->data[n] = '\0';
        v->len = n;
        return 0;
    }
    default:
        if (!json_is_string(val))
            break;
        v->len = json_string_length(val);
        v->data = etlc__strndup(json_string_value(val), v->len);
        if (!v->data)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the state");
        return 0;
    }
    v->type = ETLC_TYPE_NULL;
    return etlc_error_set(err, ETLC_DATA, "state value of type %s has a missing or mistyped 'value'", tname);
}

json_t *etlc__ext_cursor_json(const ext_cursor *c)
{
    json_t *o = json_object(), *vals = json_array();
    if (!o || !vals) {
        json_decref(o);
        json_decref(vals);
        return NULL;
    }
    json_object_set_new(o, "kind", json_string(kind_names[c->kind]));
    for (size_t i = 0; i < c->n; i++)
        json_array_append_new(vals, etlc__ext_value_json(&c->v[i]));
    json_object_set_new(o, "values", vals);
    return o;
}

int etlc__ext_cursor_from_json(const json_t *j, ext_cursor *c, etlc_error *err)
{
    etlc__ext_cursor_clear(c);
    if (!j || json_is_null(j))
        return 0;
    const char *kind = json_string_value(json_object_get(j, "kind"));
    const json_t *vals = json_object_get(j, "values");
    int k = -1;
    for (int i = 0; kind && i < 4; i++)
        if (strcmp(kind, kind_names[i]) == 0)
            k = i;
    if (k < 0 || !json_is_array(vals) || json_array_size(vals) > EXT_MAX_CURSOR_COLS)
        return etlc_error_set(err, ETLC_DATA, "state cursor is malformed (kind '%s')", kind ? kind : "missing");
    c->kind = (ext_cursor_kind)k;
    for (size_t i = 0; i < json_array_size(vals); i++) {
        int rc = etlc__ext_value_from_json(json_array_get(vals, i), &c->v[i], err);
        if (rc) {
            etlc__ext_cursor_clear(c);
            return rc;
        }
        c->n = i + 1;
    }
    return 0;
}

char *etlc__ext_json_text(const json_t *j)
{
    return j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : etlc__strdup("null");
}
