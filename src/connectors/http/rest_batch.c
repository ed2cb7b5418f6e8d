/* JSON records -> a typed record batch. The first page with records fixes
 * the columns (core/json_columns.h's inference). Later pages must fit: a
 * key the first page lacked or a value of another kind is ETLC_DATA_SCHEMA
 * (docs/parquet.md's rule), a key missing from a record is NULL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest_internal.h"

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

int etlc__rest_record_dom(etlc_batch *b, json_t *rec, int64_t page, size_t row, etlc_error *err)
{
    if (!json_is_object(rec))
        return etlc_error_set(err, ETLC_DATA, "http: record %zu of page %lld is not a JSON "
                              "object", row, (long long)page);
    char where[96];
    snprintf(where, sizeof where, "record %zu of page %lld (columns fixed by the first page)",
             row, (long long)page);
    int rc = check_keys(b, rec, page, row, err);
    for (size_t c = 0; rc == 0 && c < b->ncols; c++)
        rc = etlc__json_append(b, c, json_object_get(rec, b->cols[c].def.name), "http", where,
                               err);
    return rc ? rc : etlc_batch_end_row(b, err);
}

static int fill(etlc_batch *b, json_t *records, int64_t page, etlc_error *err)
{
    size_t row;
    json_t *rec;
    json_array_foreach(records, row, rec) {
        int rc = etlc__rest_record_dom(b, rec, page, row, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int etlc__rest_batch(etlc__json_columns *s, json_t *records, int64_t page, etlc_batch **out,
                     etlc_error *err)
{
    *out = NULL;
    int rc = 0;
    if (!s->fixed) {
        size_t i;
        json_t *rec;
        json_array_foreach(records, i, rec) {
            if (!json_is_object(rec))
                return etlc_error_set(err, ETLC_DATA, "http: record %zu of page %lld is not a "
                                      "JSON object", i, (long long)page);
            if ((rc = etlc__json_columns_infer(s, rec, err)) != 0)
                return rc;
        }
        s->fixed = s->ncols > 0;
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
