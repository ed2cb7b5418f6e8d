/* JSON objects as typed columns: inference and appending (json_columns.h). */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/json_columns.h"

void etlc__json_columns_free(etlc__json_columns *s)
{
    for (size_t i = 0; i < s->ncols; i++)
        free(s->cols[i].name);
    free(s->cols);
    free(s->lens);
    free(s->stamp);
    free(s->saved);
    *s = (etlc__json_columns){0};
}

etlc_type etlc__json_kind(const json_t *v)
{
    if (!v)
        return ETLC_TYPE_NULL;
    switch (json_typeof(v)) {
    case JSON_TRUE: case JSON_FALSE: return ETLC_TYPE_BOOL;
    case JSON_INTEGER: return ETLC_TYPE_INT64;
    case JSON_REAL: return ETLC_TYPE_DOUBLE;
    case JSON_STRING: return ETLC_TYPE_TEXT;
    case JSON_OBJECT: case JSON_ARRAY: return ETLC_TYPE_JSON;
    default: return ETLC_TYPE_NULL;
    }
}

etlc_type etlc__json_merge_kind(etlc_type have, etlc_type seen)
{
    if (have == ETLC_TYPE_NULL || have == seen)
        return seen;
    if (seen == ETLC_TYPE_NULL)
        return have;
    if ((have == ETLC_TYPE_INT64 && seen == ETLC_TYPE_DOUBLE) ||
        (have == ETLC_TYPE_DOUBLE && seen == ETLC_TYPE_INT64))
        return ETLC_TYPE_DOUBLE;
    return ETLC_TYPE_JSON;
}

long etlc__json_columns_find(const etlc__json_columns *s, const char *key)
{
    for (size_t i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, key) == 0)
            return (long)i;
    return -1;
}

/* Grow *p to n elements of size sz (the column arrays grow one by one:
 * columns are few and new ones rare). */
static int grow(void *pp, size_t n, size_t sz)
{
    void **p = pp;
    void *g = realloc(*p, n * sz);
    if (!g)
        return -1;
    *p = g;
    return 0;
}

int etlc__json_columns_add(etlc__json_columns *s, const char *key, size_t klen, etlc_type t)
{
    size_t n = s->ncols + 1;
    if (grow(&s->cols, n, sizeof *s->cols) || grow(&s->lens, n, sizeof *s->lens) ||
        grow(&s->stamp, n, sizeof *s->stamp) || grow(&s->saved, n, sizeof *s->saved))
        return -1;
    char *name = malloc(klen + 1);
    if (!name)
        return -1;
    memcpy(name, key, klen);
    name[klen] = '\0';
    s->lens[s->ncols] = klen;
    s->stamp[s->ncols] = s->object_no;
    s->cols[s->ncols++] = (etlc_column_def){.name = name, .type = t};
    return 0;
}

int etlc__json_columns_infer(etlc__json_columns *s, json_t *rec, etlc_error *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(rec, key, v) {
        long c = etlc__json_columns_find(s, key);
        if (c < 0 && etlc__json_columns_add(s, key, strlen(key), etlc__json_kind(v)) != 0)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory inferring columns");
        if (c >= 0)
            s->cols[c].type = etlc__json_merge_kind(s->cols[c].type, etlc__json_kind(v));
    }
    return 0;
}

int etlc__json_append(etlc_batch *b, size_t col, json_t *v, const char *who, const char *where,
                      etlc_error *err)
{
    etlc_type have = b->cols[col].def.type, seen = etlc__json_kind(v);
    if (seen == ETLC_TYPE_NULL)
        return etlc_batch_append_null(b, col, err);
    if (have == ETLC_TYPE_JSON) {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing a JSON value");
        int rc = etlc_batch_append_var(b, col, ETLC_TYPE_JSON, text, strlen(text), err);
        free(text);
        return rc;
    }
    if (have == ETLC_TYPE_NULL)
        have = seen; /* the column takes its first type now */
    if (have == ETLC_TYPE_DOUBLE && seen == ETLC_TYPE_INT64)
        return etlc_batch_append_double(b, col, (double)json_integer_value(v), err);
    if (have != seen)
        return etlc_error_set(err, ETLC_DATA_SCHEMA, "%s: column \"%s\" is %s but %s has a %s value",
                              who, b->cols[col].def.name, etlc_type_name(have), where,
                              etlc_type_name(seen));
    switch (seen) {
    case ETLC_TYPE_BOOL: return etlc_batch_append_bool(b, col, json_is_true(v), err);
    case ETLC_TYPE_INT64: return etlc_batch_append_int64(b, col, json_integer_value(v), err);
    case ETLC_TYPE_DOUBLE: return etlc_batch_append_double(b, col, json_real_value(v), err);
    default:
        return etlc_batch_append_var(b, col, ETLC_TYPE_TEXT, json_string_value(v),
                                     json_string_length(v), err);
    }
}
