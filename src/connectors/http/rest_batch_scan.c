/* A page's records from their text into a batch without a DOM: the
 * columns, values, errors and watermark of etlc__rest_batch and
 * etlc__rest_watermark (rest_batch.c). A record the scanner does not take
 * as is (duplicate keys, a key the first page lacked, a value of another
 * kind) is taken back and goes through jansson, so its outcome and message
 * are the same. */
#include <stdlib.h>
#include <string.h>

#include "core/json_load.h"
#include "rest_internal.h"

static int not_object(size_t row, int64_t page, etlc_error *err)
{
    return etlc_error_set(err, ETLC_DATA, "http: record %zu of page %lld is not a JSON object",
                          row, (long long)page);
}

static json_t *record_dom(const etlc__jval *v, etlc_error *err)
{
    bool oom = false;
    json_t *rec = etlc__json_loadb(v->raw, v->raw_len, 0, NULL, &oom);
    if (!rec)
        etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a record");
    return rec;
}

/* The first page with records: the columns, as etlc__rest_batch infers them. */
static int infer(etlc__json_columns *s, etlc__jscan *arr, etlc__jscan *sc,
                 const etlc__jval *records, int64_t page, size_t *n, etlc_error *err)
{
    etlc__jscan_init(arr, records->raw, records->raw_len);
    int more = etlc__jscan_array_begin(arr), rc = 0;
    etlc__jval v;
    for (*n = 0; rc == 0 && more == 0 && (more = etlc__jscan_element(arr, &v)) == 1; (*n)++) {
        more = 0;
        if (v.kind != ETLC__JOBJECT)
            return not_object(*n, page, err);
        rc = etlc__json_columns_infer_text(s, sc, v.raw, v.raw_len, err);
        if (rc < 0) { /* duplicate keys: jansson's object */
            json_t *rec = record_dom(&v, err);
            rc = rec ? etlc__json_columns_infer(s, rec, err) : ETLC_NO_MEMORY;
            json_decref(rec);
        }
    }
    return rc ? rc : more < 0 ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a page") : 0;
}

/* etlc__rest_watermark for a value read from the text; 0 or ETLC_NO_MEMORY. */
static int watermark(json_t **max, etlc__jscan *sc, const etlc__jval *span, etlc_error *err)
{
    etlc__jval v;
    etlc__jscan_init(sc, span->raw, span->raw_len);
    int rc = etlc__jscan_value(sc, &v);
    if (rc != 0) /* checked already: only memory can fail */
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a watermark");
    bool num = v.kind == ETLC__JINT || v.kind == ETLC__JREAL, str = v.kind == ETLC__JSTRING;
    double d = v.kind == ETLC__JINT ? (double)v.i : v.d;
    bool larger = !*max;
    if (*max && num && json_is_number(*max)) {
        larger = d > json_number_value(*max);
    } else if (*max && str && json_is_string(*max)) {
        const char *m = json_string_value(*max);
        size_t mlen = strlen(m), k = v.len < mlen ? v.len : mlen;
        int cmp = memcmp(v.s, m, k);
        larger = cmp > 0 || (cmp == 0 && v.len > mlen);
    }
    if (!larger || !(num || str))
        return 0;
    json_t *nv = v.kind == ETLC__JINT ? json_integer(v.i) : num ? json_real(v.d)
                                                             : json_stringn(v.s, v.len);
    if (!nv)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping a watermark");
    json_decref(*max);
    *max = nv;
    return 0;
}

/* One record; through jansson when the scanner leaves it. before: the
 * column types before the row when one was NULL (else NULL). */
static int one_record(etlc_batch *b, etlc__json_columns *s, etlc__jscan *sc, const etlc__jval *v,
                      int64_t page, size_t row, const char *field, json_t **max,
                      const etlc_type *before, etlc_error *err)
{
    if (v->kind != ETLC__JOBJECT)
        return not_object(row, page, err);
    etlc__jval seen = {0};
    int rc = etlc__json_append_text(b, s, sc, v->raw, v->raw_len, "http", "a record", field,
                                    &seen, err);
    if (rc == 0 && (rc = etlc_batch_end_row(b, err)) == 0)
        return field && seen.raw && seen.kind != ETLC__JNULL ? watermark(max, sc, &seen, err) : 0;
    if (rc == ETLC_NO_MEMORY)
        return rc;
    etlc__batch_abort_row(b, before);
    json_t *rec = record_dom(v, err);
    rc = rec ? etlc__rest_record_dom(b, rec, page, row, err) : ETLC_NO_MEMORY;
    if (rc == 0 && field)
        etlc__rest_watermark(max, rec, field);
    json_decref(rec);
    return rc;
}

/* The column types when one is NULL (a row may promote it), in types. */
static const etlc_type *types_if_null(const etlc_batch *b, etlc_type *types)
{
    bool any = false;
    for (size_t c = 0; c < b->ncols; c++)
        any |= (types[c] = b->cols[c].def.type) == ETLC_TYPE_NULL;
    return any ? types : NULL;
}

static int fill(etlc_batch *b, etlc__json_columns *s, etlc__jscan *arr, etlc__jscan *sc,
                const etlc__jval *records, int64_t page, const char *field, json_t **max,
                size_t *n, etlc_error *err)
{
    etlc_type *types = malloc((b->ncols ? b->ncols : 1) * sizeof *types);
    if (!types)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a page");
    const etlc_type *before = types_if_null(b, types);
    etlc__jscan_init(arr, records->raw, records->raw_len);
    int more = etlc__jscan_array_begin(arr), rc = 0;
    etlc__jval v;
    for (*n = 0; rc == 0 && more == 0 && (more = etlc__jscan_element(arr, &v)) == 1; (*n)++) {
        more = 0;
        rc = one_record(b, s, sc, &v, page, *n, field, max, before, err);
        if (before) /* until every column has its type */
            before = types_if_null(b, types);
    }
    free(types);
    return rc ? rc : more < 0 ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a page") : 0;
}

int etlc__rest_batch_text(etlc__json_columns *s, etlc__jscan *sc, const etlc__jval *records,
                          int64_t page, const char *field, json_t **max, size_t *nrec,
                          etlc_batch **out, etlc_error *err)
{
    *out = NULL;
    *nrec = 0;
    etlc__jscan arr = {0};
    size_t n = records->raw_len / 2 + 1; /* an upper bound: each record and its comma */
    int rc = 0;
    if (!s->fixed) {
        rc = infer(s, &arr, sc, records, page, &n, err);
        s->fixed = s->ncols > 0;
    }
    if (rc == 0)
        rc = etlc_batch_new(s->cols, s->ncols, n ? n : 1, out, err);
    if (rc == 0)
        rc = fill(*out, s, &arr, sc, records, page, field, max, nrec, err);
    for (size_t c = 0; rc == 0 && c < s->ncols; c++)
        s->cols[c].type = (*out)->cols[c].def.type; /* NULL columns promoted on this page */
    if (rc == 0) /* as the DOM path sizes it: the page's records exactly */
        (*out)->capacity = *nrec ? *nrec : 1;
    etlc__jscan_free(&arr);
    if (rc != 0) {
        etlc_batch_free(*out);
        *out = NULL;
    }
    return rc;
}
