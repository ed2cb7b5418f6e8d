/* JSON objects as typed columns straight from their text, without a DOM:
 * the same inference and values as json_columns.c's (json_columns.h). */
#include <stdlib.h>
#include <string.h>

#include "core/json_columns.h"
#include "core/json_load.h"

etlc_type etlc__jval_type(const etlc__jval *v)
{
    switch (v->kind) {
    case ETLC__JBOOL: return ETLC_TYPE_BOOL;
    case ETLC__JINT: return ETLC_TYPE_INT64;
    case ETLC__JREAL: return ETLC_TYPE_DOUBLE;
    case ETLC__JSTRING: return ETLC_TYPE_TEXT;
    case ETLC__JOBJECT: case ETLC__JARRAY: return ETLC_TYPE_JSON;
    default: return ETLC_TYPE_NULL;
    }
}

long etlc__json_columns_lookup(etlc__json_columns *s, const char *key, size_t klen)
{
    size_t h = s->hint < s->ncols ? s->hint : 0;
    for (size_t k = 0; k < s->ncols; k++) {
        size_t i = h + k < s->ncols ? h + k : h + k - s->ncols;
        if (s->lens[i] == klen && memcmp(s->cols[i].name, key, klen) == 0) {
            s->hint = i + 1;
            return (long)i;
        }
    }
    return -1;
}

/* Undo what an object that turned out bad did to the columns. */
static void roll_back(etlc__json_columns *s, size_t ncols, bool types_saved)
{
    for (size_t i = ncols; i < s->ncols; i++)
        free(s->cols[i].name);
    s->ncols = ncols;
    for (size_t i = 0; types_saved && i < ncols; i++)
        s->cols[i].type = s->saved[i];
}

int etlc__json_columns_infer_text(etlc__json_columns *s, etlc__jscan *sc, const void *text,
                                  size_t len, etlc_error *err)
{
    size_t ncols = s->ncols;
    bool saved = false;
    uint64_t me = ++s->object_no;
    etlc__jscan_init(sc, text, len);
    int rc = etlc__jscan_object_begin(sc);
    const char *key;
    size_t klen;
    etlc__jval v;
    while (rc == 0 && (rc = etlc__jscan_member(sc, &key, &klen, &v)) == 1) {
        rc = 0;
        etlc_type seen = etlc__jval_type(&v);
        long c = etlc__json_columns_lookup(s, key, klen);
        if (c < 0) {
            if (etlc__json_columns_add(s, key, klen, seen) != 0)
                rc = ETLC__JSCAN_NOMEM;
            continue;
        }
        if (s->stamp[c] == me) {
            rc = ETLC__JSCAN_BAD; /* a duplicate key: jansson keeps its last value */
            break;
        }
        s->stamp[c] = me;
        etlc_type merged = etlc__json_merge_kind(s->cols[c].type, seen);
        if (merged != s->cols[c].type && !saved) {
            for (size_t i = 0; i < ncols; i++)
                s->saved[i] = s->cols[i].type;
            saved = true;
        }
        s->cols[c].type = merged;
    }
    if (rc == 0)
        rc = etlc__jscan_end(sc);
    if (rc == 0)
        return 0;
    roll_back(s, ncols, saved);
    return rc == ETLC__JSCAN_NOMEM
               ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory inferring columns") : rc;
}

/* A JSON column's value: the compact text jansson writes, as today's DOM path. */
static int append_json_value(etlc_batch *b, size_t col, const etlc__jval *v, etlc_error *err)
{
    bool oom = false;
    json_t *dom = etlc__json_loadb(v->raw, v->raw_len, JSON_DECODE_ANY, NULL, &oom);
    char *text = dom ? json_dumps(dom, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(dom);
    if (!text)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing a JSON value");
    int rc = etlc_batch_append_var(b, col, ETLC_TYPE_JSON, text, strlen(text), err);
    free(text);
    return rc;
}

int etlc__json_append_scanned(etlc_batch *b, size_t col, const etlc__jval *v, const char *who,
                              const char *where, etlc_error *err)
{
    etlc_type have = b->cols[col].def.type, seen = etlc__jval_type(v);
    if (seen == ETLC_TYPE_NULL)
        return etlc_batch_append_null(b, col, err);
    if (have == ETLC_TYPE_JSON)
        return append_json_value(b, col, v, err);
    if (have == ETLC_TYPE_NULL)
        have = seen; /* the column takes its first type now */
    if (have == ETLC_TYPE_DOUBLE && seen == ETLC_TYPE_INT64)
        return etlc_batch_append_double(b, col, (double)v->i, err);
    if (have != seen)
        return etlc_error_set(err, ETLC_DATA_SCHEMA, "%s: column \"%s\" is %s but %s has a %s value",
                              who, b->cols[col].def.name, etlc_type_name(have), where,
                              etlc_type_name(seen));
    switch (seen) {
    case ETLC_TYPE_BOOL: return etlc_batch_append_bool(b, col, v->b, err);
    case ETLC_TYPE_INT64: return etlc_batch_append_int64(b, col, v->i, err);
    case ETLC_TYPE_DOUBLE: return etlc_batch_append_double(b, col, v->d, err);
    default: return etlc_batch_append_var(b, col, ETLC_TYPE_TEXT, v->s, v->len, err);
    }
}

int etlc__json_append_text(etlc_batch *b, etlc__json_columns *s, etlc__jscan *sc,
                           const void *text, size_t len, const char *who, const char *where,
                           const char *watch, etlc__jval *watched, etlc_error *err)
{
    uint64_t me = ++s->object_no;
    size_t wlen = watch ? strlen(watch) : 0;
    if (watched)
        watched->raw = NULL;
    etlc__jscan_init(sc, text, len);
    int more = etlc__jscan_object_begin(sc), rc = 0;
    const char *key;
    size_t klen;
    etlc__jval v;
    while (rc == 0 && more == 0 && (more = etlc__jscan_member(sc, &key, &klen, &v)) == 1) {
        more = 0;
        long c = etlc__json_columns_lookup(s, key, klen);
        if (c < 0 || s->stamp[c] == me)
            return ETLC__JSCAN_BAD;
        s->stamp[c] = me;
        if (watch && klen == wlen && memcmp(key, watch, wlen) == 0)
            *watched = v;
        rc = etlc__json_append_scanned(b, (size_t)c, &v, who, where, err);
    }
    if (rc == 0 && more != 0)
        return more == ETLC__JSCAN_NOMEM
                   ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading %s", where)
                   : ETLC__JSCAN_BAD;
    for (size_t c = 0; rc == 0 && c < s->ncols; c++)
        if (b->cols[c].count == b->nrows)
            rc = etlc_batch_append_null(b, c, err);
    return rc;
}
