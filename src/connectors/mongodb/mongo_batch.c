/* BSON documents -> a typed record batch. The first page with documents
 * fixes the columns: every top-level field seen on it, in order of first
 * appearance, typed by its values:
 *   int32, int64 -> int64;  double -> double (int + double on one page:
 *   double);  bool;  string, symbol -> text;  ObjectId -> text (24 hex);
 *   Decimal128 -> decimal (exact text, precision unknown);  date ->
 *   timestamp (UTC microseconds);  binary -> bytes;  documents, arrays and
 *   every other type (regex, timestamp, code, min/max key...) -> JSON
 *   (relaxed extended JSON, compact);  kinds that mix on the first page -> JSON;
 *   null, undefined and a missing field -> NULL (a column only NULL on the
 *   first page takes the type of its first later value).
 * Later pages must fit (docs/parquet.md's rule): a field the first page
 * lacked or a value of another type is ETLC_DATA_SCHEMA naming both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_columns.h"
#include "mongo_internal.h"

void etlc__mongo_schema_free(mongo_schema *s)
{
    for (size_t i = 0; i < s->ncols; i++)
        free(s->cols[i].name);
    free(s->cols);
    *s = (mongo_schema){0};
}

static etlc_type kind_of(const bson_iter_t *it)
{
    switch (bson_iter_type(it)) {
    case BSON_TYPE_NULL: case BSON_TYPE_UNDEFINED: return ETLC_TYPE_NULL;
    case BSON_TYPE_INT32: case BSON_TYPE_INT64: return ETLC_TYPE_INT64;
    case BSON_TYPE_DOUBLE: return ETLC_TYPE_DOUBLE;
    case BSON_TYPE_BOOL: return ETLC_TYPE_BOOL;
    case BSON_TYPE_UTF8: case BSON_TYPE_SYMBOL: case BSON_TYPE_OID: return ETLC_TYPE_TEXT;
    case BSON_TYPE_DECIMAL128: return ETLC_TYPE_DECIMAL;
    case BSON_TYPE_DATE_TIME: return ETLC_TYPE_TIMESTAMP;
    case BSON_TYPE_BINARY: return ETLC_TYPE_BYTES;
    default: return ETLC_TYPE_JSON;
    }
}

static long find_col(const etlc_column_def *cols, size_t n, const char *key, size_t hint)
{
    if (hint < n && strcmp(cols[hint].name, key) == 0) /* documents mostly share their order */
        return (long)hint;
    for (size_t i = 0; i < n; i++)
        if (strcmp(cols[i].name, key) == 0)
            return (long)i;
    return -1;
}

int etlc__mongo_schema_infer(mongo_schema *s, bson_t *const *docs, size_t n, etlc_error *err)
{
    for (size_t d = 0; d < n; d++) {
        bson_iter_t it;
        size_t hint = 0;
        if (!bson_iter_init(&it, docs[d]))
            return etlc_error_set(err, ETLC_DATA, "mongodb: document %zu of the first page is not "
                                  "valid BSON", d);
        while (bson_iter_next(&it)) {
            long c = find_col(s->cols, s->ncols, bson_iter_key(&it), hint);
            if (c < 0) {
                etlc_column_def *grown = realloc(s->cols, (s->ncols + 1) * sizeof *grown);
                if (!grown)
                    return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory inferring columns");
                s->cols = grown;
                s->cols[s->ncols] = (etlc_column_def){.name = etlc__strdup(bson_iter_key(&it)),
                                                      .type = kind_of(&it)};
                if (!s->cols[s->ncols].name)
                    return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory inferring columns");
                c = (long)s->ncols++;
            } else {
                s->cols[c].type = etlc__json_merge_kind(s->cols[c].type, kind_of(&it));
            }
            hint = (size_t)c + 1;
        }
    }
    s->fixed = s->ncols > 0;
    return 0;
}

/* Drop the blanks libbson puts between tokens ("{ "a" : [ 1, 2 ] }" ->
 * {"a":[1,2]}); bytes inside strings are kept. */
static char *compact(const char *j, size_t len)
{
    char *out = malloc(len + 1), *w = out;
    bool in_str = false;
    for (size_t i = 0; out && i < len; i++) {
        char ch = j[i];
        if (in_str) {
            *w++ = ch;
            if (ch == '\\' && i + 1 < len)
                *w++ = j[++i];
            else if (ch == '"')
                in_str = false;
        } else if (ch != ' ') {
            in_str = ch == '"';
            *w++ = ch;
        }
    }
    if (out)
        *w = '\0';
    return out;
}

char *etlc__mongo_value_json(const bson_iter_t *it)
{
    /* libbson writes relaxed extended JSON for whole documents only: wrap the
     * value as {"v": value} and cut its own fixed frame "{ "v" : " ... " }". */
    bson_t wrap = BSON_INITIALIZER;
    char *out = NULL;
    if (bson_append_iter(&wrap, "v", 1, it)) {
        size_t len;
        char *json = bson_as_relaxed_extended_json(&wrap, &len);
        static const char head[] = "{ \"v\" : ";
        size_t hl = sizeof head - 1;
        if (json && len > hl + 2 && memcmp(json, head, hl) == 0 && memcmp(json + len - 2, " }", 2) == 0)
            out = compact(json + hl, len - hl - 2);
        bson_free(json);
    }
    bson_destroy(&wrap);
    return out;
}

static int append_json(etlc_batch *b, size_t c, const bson_iter_t *it, etlc_error *err)
{
    char *text = etlc__mongo_value_json(it);
    if (!text)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing a JSON value");
    int rc = etlc_batch_append_var(b, c, ETLC_TYPE_JSON, text, strlen(text), err);
    free(text);
    return rc;
}

static int append_typed(etlc_batch *b, size_t c, const bson_iter_t *it, etlc_type seen, etlc_error *err)
{
    uint32_t len;
    switch (bson_iter_type(it)) {
    case BSON_TYPE_INT32: case BSON_TYPE_INT64:
        return b->cols[c].def.type == ETLC_TYPE_DOUBLE
                   ? etlc_batch_append_double(b, c, (double)bson_iter_as_int64(it), err)
                   : etlc_batch_append_int64(b, c, bson_iter_as_int64(it), err);
    case BSON_TYPE_DOUBLE: return etlc_batch_append_double(b, c, bson_iter_double(it), err);
    case BSON_TYPE_BOOL: return etlc_batch_append_bool(b, c, bson_iter_bool(it), err);
    case BSON_TYPE_DATE_TIME: {
        int64_t ms = bson_iter_date_time(it);
        if (ms > INT64_MAX / 1000 || ms < INT64_MIN / 1000)
            return etlc_error_set(err, ETLC_DATA_TYPE, "mongodb: field \"%s\": date %lld ms is out "
                                  "of the timestamp range", b->cols[c].def.name, (long long)ms);
        return etlc_batch_append_timestamp(b, c, ms * 1000, err);
    }
    case BSON_TYPE_OID: {
        char hex[25];
        bson_oid_to_string(bson_iter_oid(it), hex);
        return etlc_batch_append_var(b, c, ETLC_TYPE_TEXT, hex, 24, err);
    }
    case BSON_TYPE_DECIMAL128: {
        bson_decimal128_t d;
        char text[BSON_DECIMAL128_STRING];
        bson_iter_decimal128(it, &d);
        bson_decimal128_to_string(&d, text);
        if (strchr(text, 'N') || strchr(text, 'I')) /* NaN, Infinity: no decimal holds them */
            return etlc_error_set(err, ETLC_DATA_TYPE, "mongodb: field \"%s\": Decimal128 %s has "
                                  "no decimal value", b->cols[c].def.name, text);
        return etlc_batch_append_var(b, c, ETLC_TYPE_DECIMAL, text, strlen(text), err);
    }
    case BSON_TYPE_BINARY: {
        const uint8_t *data;
        bson_subtype_t sub;
        bson_iter_binary(it, &sub, &len, &data);
        return etlc_batch_append_var(b, c, ETLC_TYPE_BYTES, data, len, err);
    }
    default: { /* utf8, symbol */
        const char *s = BSON_ITER_HOLDS_SYMBOL(it) ? bson_iter_symbol(it, &len) : bson_iter_utf8(it, &len);
        (void)seen;
        return etlc_batch_append_var(b, c, ETLC_TYPE_TEXT, s, len, err);
    }
    }
}

static int append_value(etlc_batch *b, size_t c, const bson_iter_t *it, int64_t page, size_t row,
                        etlc_error *err)
{
    etlc_type have = b->cols[c].def.type, seen = kind_of(it);
    if (seen == ETLC_TYPE_NULL)
        return etlc_batch_append_null(b, c, err);
    if (have == ETLC_TYPE_JSON)
        return append_json(b, c, it, err);
    if (have == ETLC_TYPE_NULL)
        have = seen; /* the column takes its first type now */
    if (have != seen && !(have == ETLC_TYPE_DOUBLE && seen == ETLC_TYPE_INT64))
        return etlc_error_set(err, ETLC_DATA_SCHEMA,
                              "mongodb: field \"%s\" is %s (fixed by the first page) but document "
                              "%zu of page %lld has a %s value (a $project stage converting it, "
                              "e.g. $toDouble, fixes this)", b->cols[c].def.name,
                              etlc_type_name(have), row, (long long)page, etlc_type_name(seen));
    if (seen == ETLC_TYPE_JSON)
        return append_json(b, c, it, err);
    return append_typed(b, c, it, seen, err);
}

int etlc__mongo_append_doc(etlc_batch *b, const bson_t *doc, int64_t page, size_t row,
                           etlc_error *err)
{
    bson_iter_t it;
    size_t hint = 0;
    if (!bson_iter_init(&it, doc))
        return etlc_error_set(err, ETLC_DATA, "mongodb: document %zu of page %lld is not valid "
                              "BSON", row, (long long)page);
    size_t before = b->nrows;
    while (bson_iter_next(&it)) {
        long c = -1;
        for (size_t i = 0; c < 0 && i < b->ncols; i++) { /* hint first, then all */
            size_t j = (hint + i) % (b->ncols ? b->ncols : 1);
            if (strcmp(b->cols[j].def.name, bson_iter_key(&it)) == 0)
                c = (long)j;
        }
        if (c < 0)
            return etlc_error_set(err, ETLC_DATA_SCHEMA, "mongodb: document %zu of page %lld has a "
                                  "field \"%s\" the first page did not have (columns are fixed by "
                                  "the first page; name the fields with a projection)", row,
                                  (long long)page, bson_iter_key(&it));
        if (b->cols[c].count > before)
            return etlc_error_set(err, ETLC_DATA, "mongodb: document %zu of page %lld has the field "
                                  "\"%s\" twice", row, (long long)page, bson_iter_key(&it));
        int rc = append_value(b, (size_t)c, &it, page, row, err);
        if (rc != 0)
            return rc;
        hint = (size_t)c + 1;
    }
    for (size_t c = 0; c < b->ncols; c++) /* fields this document lacks */
        if (b->cols[c].count == before) {
            int rc = etlc_batch_append_null(b, c, err);
            if (rc != 0)
                return rc;
        }
    return etlc_batch_end_row(b, err);
}
