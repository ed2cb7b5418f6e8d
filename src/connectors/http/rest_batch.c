/* JSON records -> a typed record batch. The first page with records fixes
 * the columns: every key seen on it, in order of first appearance, typed by
 * its values (integers int64, numbers with a fraction double, bool, text,
 * objects and arrays JSON, a key whose values mix kinds JSON, only nulls the
 * NULL type a later value may promote). Later pages must fit: a key the
 * first page lacked or a value of another kind is ETLC_DATA_SCHEMA
 * (docs/parquet.md's rule), a key missing from a record is NULL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest_internal.h"

void etlc__rest_schema_free(rest_schema *s)
{
    for (size_t i = 0; i < s->ncols; i++)
        free(s->cols[i].name);
    free(s->cols);
    *s = (rest_schema){0};
}

/* The column type a JSON value asks for (NULL for null). */
static etlc_type kind_of(const json_t *v)
{
    if (!v) /* a key missing from the record */
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

static etlc_type merge_kind(etlc_type have, etlc_type seen)
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

static long find_col(const rest_schema *s, const char *key)
{
    for (size_t i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, key) == 0)
            return (long)i;
    return -1;
}

static int add_col(rest_schema *s, const char *key, etlc_type t)
{
    etlc_column_def *grown = realloc(s->cols, (s->ncols + 1) * sizeof *grown);
    if (!grown)
        return -1;
    s->cols = grown;
    char *name = etlc__strdup(key);
    if (!name)
        return -1;
    s->cols[s->ncols++] = (etlc_column_def){.name = name, .type = t};
    return 0;
}

static int infer(rest_schema *s, json_t *records, etlc_error *err)
{
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec) {
        const char *key;
        json_t *v;
        json_object_foreach(rec, key, v) {
            long c = find_col(s, key);
            if (c < 0 && add_col(s, key, kind_of(v)) != 0)
                return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory inferring columns");
            if (c >= 0)
                s->cols[c].type = merge_kind(s->cols[c].type, kind_of(v));
        }
    }
    s->fixed = s->ncols > 0;
    return 0;
}

static int append_value(etlc_batch *b, size_t c, json_t *v, int64_t page, size_t row,
                        etlc_error *err)
{
    etlc_type have = b->cols[c].def.type, seen = kind_of(v);
    if (seen == ETLC_TYPE_NULL)
        return etlc_batch_append_null(b, c, err);
    if (have == ETLC_TYPE_JSON) {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing a JSON value");
        int rc = etlc_batch_append_var(b, c, ETLC_TYPE_JSON, text, strlen(text), err);
        free(text);
        return rc;
    }
    if (have == ETLC_TYPE_NULL)
        have = seen; /* the column takes its first type now */
    if (have == ETLC_TYPE_DOUBLE && seen == ETLC_TYPE_INT64)
        return etlc_batch_append_double(b, c, (double)json_integer_value(v), err);
    if (have != seen)
        return etlc_error_set(err, ETLC_DATA_SCHEMA,
                              "http: column \"%s\" is %s (fixed by the first page) but record %zu "
                              "of page %lld has a %s value", b->cols[c].def.name,
                              etlc_type_name(have), row, (long long)page, etlc_type_name(seen));
    switch (seen) {
    case ETLC_TYPE_BOOL: return etlc_batch_append_bool(b, c, json_is_true(v), err);
    case ETLC_TYPE_INT64: return etlc_batch_append_int64(b, c, json_integer_value(v), err);
    case ETLC_TYPE_DOUBLE: return etlc_batch_append_double(b, c, json_real_value(v), err);
    default:
        return etlc_batch_append_var(b, c, ETLC_TYPE_TEXT, json_string_value(v),
                                     json_string_length(v), err);
    }
}

/* Every key of rec must be a column. */
static int check_keys(const etlc_batch *b, json_t *rec, int64_t page, size_t row, etlc_error *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(rec, key, v) {
        bool known = false;
        for (size_t c = 0; c < b->ncols && !known; c++)
            known = strcmp(b->cols[c].def.name, key) == 0;
        if (!known)
            return etlc_error_set(err, ETLC_DATA_SCHEMA,
                                  "http: record %zu of page %lld has a field \"%s\" the first page "
                                  "did not have (columns are fixed by the first page)", row,
                                  (long long)page, key);
    }
    return 0;
}

static int fill(etlc_batch *b, json_t *records, int64_t page, etlc_error *err)
{
    size_t row;
    json_t *rec;
    json_array_foreach(records, row, rec) {
        if (!json_is_object(rec))
            return etlc_error_set(err, ETLC_DATA, "http: record %zu of page %lld is not a JSON "
                                  "object", row, (long long)page);
        int rc = check_keys(b, rec, page, row, err);
        for (size_t c = 0; rc == 0 && c < b->ncols; c++)
            rc = append_value(b, c, json_object_get(rec, b->cols[c].def.name), page, row, err);
        if (rc == 0)
            rc = etlc_batch_end_row(b, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int etlc__rest_batch(rest_schema *s, json_t *records, int64_t page, etlc_batch **out,
                     etlc_error *err)
{
    *out = NULL;
    int rc = 0;
    if (!s->fixed) {
        size_t i;
        json_t *rec;
        json_array_foreach(records, i, rec)
            if (!json_is_object(rec))
                return etlc_error_set(err, ETLC_DATA, "http: record %zu of page %lld is not a "
                                      "JSON object", i, (long long)page);
        rc = infer(s, records, err);
    }
    size_t n = json_array_size(records);
    if (rc == 0)
        rc = etlc_batch_new(s->cols, s->ncols, n ? n : 1, out, err);
    if (rc == 0)
        rc = fill(*out, records, page, err);
    for (size_t c = 0; rc == 0 && c < s->ncols; c++)
        s->cols[c].type = (*out)->cols[c].def.type; /* NULL columns promoted on this page */
    if (rc != 0) {
        etlc_batch_free(*out);
        *out = NULL;
    }
    return rc;
}

void etlc__rest_watermark(json_t **max, json_t *record, const char *field)
{
    json_t *v = json_object_get(record, field);
    if (!v || json_is_null(v))
        return;
    bool larger = !*max;
    if (*max && json_is_number(v) && json_is_number(*max))
        larger = json_number_value(v) > json_number_value(*max);
    else if (*max && json_is_string(v) && json_is_string(*max))
        larger = strcmp(json_string_value(v), json_string_value(*max)) > 0;
    if (larger && (json_is_number(v) || json_is_string(v))) {
        json_decref(*max);
        *max = json_incref(v);
    }
}

char *etlc__rest_value_text(json_t *v)
{
    if (json_is_string(v))
        return etlc__strdup(json_string_value(v));
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}
