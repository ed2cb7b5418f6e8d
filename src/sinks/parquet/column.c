/* One column chunk: values -> pages (PLAIN or RLE_DICTIONARY), levels, stats. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/parquet/page_pool.h"

/* Pages never hold more values than this (num_values is an i32, and
 * all-null pages would otherwise grow without bound). */
#define PQ_PAGE_MAX_VALUES (1u << 20)
/* In dictionary mode the page size is checked every this many values. */
#define PQ_DICT_CHECK_EVERY 1024

static size_t dict_width(const pq_layout *l)
{
    switch (l->phys) {
    case PQ_INT32: return 4;
    case PQ_INT64:
    case PQ_DOUBLE: return 8;
    case PQ_FLBA: return (size_t)l->type_length;
    default: return 0;
    }
}

void pq_column_reset_chunk(pq_column *c, int64_t dictionary_bytes)
{
    pq_dict_reset(&c->dict);
    c->dict.width = dict_width(&c->layout);
    c->dict_on = c->typed && dictionary_bytes >= 0 && c->layout.phys != PQ_BOOLEAN;
    etlc__buf_reset(&c->pages);
    etlc__buf_reset(&c->dict_header);
    etlc__buf_reset(&c->dict_payload);
    c->chunk_bytes = 0;
    pq_stats_reset(&c->meta.stats);
    pq_stats stats = c->meta.stats;
    memset(&c->meta, 0, sizeof c->meta);
    c->meta.stats = stats;
    c->meta.data_page_offset = -1;
    c->meta.dictionary_page_offset = -1;
    c->first_data_page_rel = -1;
}

void pq_column_free(pq_column *c)
{
    free(c->name);
    free(c->levels);
    etlc__buf_free(&c->plain);
    free(c->indices);
    pq_stats_free(&c->page_stats);
    pq_dict_free(&c->dict);
    etlc__buf_free(&c->pages);
    etlc__buf_free(&c->dict_header);
    etlc__buf_free(&c->dict_payload);
    pq_stats_free(&c->meta.stats);
    free(c->dec);
    memset(c, 0, sizeof *c);
}

static size_t page_estimate(const pq_column *c)
{
    size_t est = c->page_values / 8 + c->plain.len;
    if (c->nindices)
        est += c->nindices * (pq_bit_width(c->dict.count) + 1) / 8;
    return est;
}

/* Page bodies only (not headers, whose size depends on the compressed
 * size): the row-group cut must not depend on when a worker finishes. */
size_t pq_column_buffered(const pq_column *c)
{
    return (size_t)c->chunk_bytes + page_estimate(c) + c->dict.plain.len;
}

/* Definition levels (4-byte length, then RLE/bit-packed, bit width 1) and
 * the values of the current page, uncompressed. */
static int encode_page_body(pq_column *c, etlc__buf *body, int *encoding)
{
    if (etlc__buf_reserve(body, 4) != 0)
        return -1;
    body->len = 4;
    if (c->page_nulls == 0) {
        /* One RLE run of 1s: varint(count << 1), value byte. */
        uint8_t tmp[12];
        size_t n = 0;
        uint64_t v = (uint64_t)c->page_values << 1;
        while (v >= 0x80) {
            tmp[n++] = (uint8_t)(v | 0x80);
            v >>= 7;
        }
        tmp[n++] = (uint8_t)v;
        tmp[n++] = 1;
        if (etlc__buf_append(body, tmp, n) != 0)
            return -1;
    } else if (pq_rle_encode_u8(body, c->levels, c->page_values, 1) != 0) {
        return -1;
    }
    pq_write_le32((uint8_t *)body->data, (uint32_t)(body->len - 4));

    *encoding = PQ_ENC_PLAIN;
    if (c->dict_on && c->dict.count > 0) {
        *encoding = PQ_ENC_RLE_DICTIONARY;
        unsigned bw = pq_bit_width(c->dict.count - 1);
        if (bw == 0)
            bw = 1;
        uint8_t bwb = (uint8_t)bw;
        return etlc__buf_append(body, &bwb, 1) != 0 ||
                       pq_rle_encode_u32(body, c->indices, c->nindices, bw) != 0
                   ? -1
                   : 0;
    }
    if (c->bool_nbits) {
        if (etlc__buf_append(&c->plain, &c->bool_bits, 1) != 0)
            return -1;
        c->bool_bits = 0;
        c->bool_nbits = 0;
    }
    return etlc__buf_append(body, c->plain.data, c->plain.len);
}

/* The page is encoded here and compressed by the writer's pool (maybe on
 * another thread); pq_column_retire_page adds it to the chunk in order. */
int pq_column_finish_page(struct etlc_parquet_writer *w, pq_column *c, etlc_error *err)
{
    if (c->page_values == 0)
        return 0;
    int rc = pq_writer_pool(w, err);
    if (rc)
        return rc;
    pq_job *j;
    if ((rc = pq_pool_slot(w->pool, &j, err)) != 0)
        return rc;
    int encoding;
    if (encode_page_body(c, &j->body, &encoding) != 0)
        goto nomem;
    if (pq_stats_merge(&c->meta.stats, &c->page_stats, c->layout.phys) != 0)
        goto nomem;
    j->col = c;
    j->page_type = PQ_PAGE_DATA;
    j->src = (const uint8_t *)j->body.data;
    j->src_len = j->body.len;
    j->num_values = (int32_t)c->page_values;
    j->encoding = encoding;
    j->layout = c->layout;
    pq_stats page = j->stats; /* the page's statistics go with the job */
    j->stats = c->page_stats;
    c->page_stats = page;
    pq_stats_reset(&c->page_stats);
    c->chunk_bytes += (int64_t)j->body.len;
    c->meta.num_values += (int64_t)c->page_values;
    c->meta.encodings |= (1u << encoding) | (1u << PQ_ENC_RLE);
    c->page_values = 0;
    c->page_nulls = 0;
    etlc__buf_reset(&c->plain);
    c->nindices = 0;
    return pq_pool_submit(w->pool, j, err);
nomem:
    return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory finishing a page of column \"%s\"",
                          c->name);
}

int pq_column_retire_page(void *userdata, pq_job *j, etlc_error *err)
{
    (void)userdata;
    pq_column *c = j->col;
    if (j->page_type == PQ_PAGE_DICTIONARY) { /* kept aside: it is written first */
        etlc__buf t = c->dict_header;
        c->dict_header = j->header;
        j->header = t;
        t = c->dict_payload;
        c->dict_payload = j->payload;
        j->payload = t;
        return 0;
    }
    if (c->first_data_page_rel < 0)
        c->first_data_page_rel = (int64_t)c->pages.len;
    if (etlc__buf_append(&c->pages, j->header.data, j->header.len) != 0 ||
        etlc__buf_append(&c->pages, j->payload.data, j->payload.len) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory buffering a page of column \"%s\"",
                              c->name);
    c->meta.uncompressed += (int64_t)(j->header.len + j->src_len);
    c->meta.compressed += (int64_t)(j->header.len + j->payload.len);
    return 0;
}

static int grow_page_arrays(pq_column *c, size_t extra, etlc_error *err)
{
    size_t need = c->page_values + extra;
    if (need > c->levels_cap) {
        size_t cap = c->levels_cap ? c->levels_cap : 1024;
        while (cap < need)
            cap *= 2;
        uint8_t *l = realloc(c->levels, cap);
        if (!l)
            goto nomem;
        c->levels = l;
        c->levels_cap = cap;
    }
    if (c->dict_on && c->nindices + extra > c->indices_cap) {
        size_t cap = c->indices_cap ? c->indices_cap : 1024;
        while (cap < c->nindices + extra)
            cap *= 2;
        uint32_t *p = realloc(c->indices, cap * sizeof *p);
        if (!p)
            goto nomem;
        c->indices = p;
        c->indices_cap = cap;
    }
    return 0;
nomem:
    return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory buffering column \"%s\"", c->name);
}

/* Leave dictionary mode for the rest of the chunk (dictionary too big). */
static int dict_fallback(struct etlc_parquet_writer *w, pq_column *c, etlc_error *err)
{
    int rc = pq_column_finish_page(w, c, err);
    if (rc)
        return rc;
    c->dict_on = false;
    return 0;
}

static inline void stat_int(pq_stats *s, int64_t v)
{
    if (!s->has_minmax) {
        s->imin = s->imax = v;
        s->has_minmax = true;
    } else {
        if (v < s->imin) s->imin = v;
        if (v > s->imax) s->imax = v;
    }
}

static inline void stat_double(pq_stats *s, double v)
{
    if (isnan(v))
        return; /* NaN has no place in min/max */
    if (!s->has_minmax) {
        s->dmin = s->dmax = v;
        s->has_minmax = true;
    } else {
        if (v < s->dmin) s->dmin = v;
        if (v > s->dmax) s->dmax = v;
    }
}

static inline void stat_i128(pq_stats *s, pq_i128 v)
{
    if (!s->has_minmax) {
        s->qmin = s->qmax = v;
        s->has_minmax = true;
    } else {
        if (v < s->qmin) s->qmin = v;
        if (v > s->qmax) s->qmax = v;
    }
}

static inline int stat_bytes(pq_stats *s, const uint8_t *p, size_t len)
{
    if (!s->has_minmax) {
        s->has_minmax = true;
        etlc__buf_reset(&s->bmin);
        etlc__buf_reset(&s->bmax);
        if (etlc__buf_append(&s->bmin, p, len) != 0 || etlc__buf_append(&s->bmax, p, len) != 0)
            return -1;
        return 0;
    }
    if (pq_bytes_cmp(p, len, (const uint8_t *)s->bmin.data, s->bmin.len) < 0) {
        etlc__buf_reset(&s->bmin);
        if (etlc__buf_append(&s->bmin, p, len) != 0)
            return -1;
    } else if (pq_bytes_cmp(p, len, (const uint8_t *)s->bmax.data, s->bmax.len) > 0) {
        etlc__buf_reset(&s->bmax);
        if (etlc__buf_append(&s->bmax, p, len) != 0)
            return -1;
    }
    return 0;
}

/* Append one fixed-width value (dictionary or PLAIN). */
static inline int put_fixed(struct etlc_parquet_writer *w, pq_column *c, const void *v, size_t width,
                            etlc_error *err)
{
    if (c->dict_on) {
        int64_t idx = pq_dict_fixed(&c->dict, v);
        if (idx < 0)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory in the dictionary of \"%s\"",
                                  c->name);
        c->indices[c->nindices++] = (uint32_t)idx;
        if ((int64_t)c->dict.plain.len > w->dictionary_bytes)
            return dict_fallback(w, c, err);
        return 0;
    }
    if (c->plain.len + width + 1 > c->plain.cap && etlc__buf_reserve(&c->plain, width) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory buffering column \"%s\"", c->name);
    memcpy(c->plain.data + c->plain.len, v, width);
    c->plain.len += width;
    return 0;
}

static inline int put_bytes(struct etlc_parquet_writer *w, pq_column *c, const uint8_t *p, size_t len,
                            etlc_error *err)
{
    if (c->dict_on) {
        int64_t idx = pq_dict_bytes(&c->dict, p, len);
        if (idx < 0)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory in the dictionary of \"%s\"",
                                  c->name);
        c->indices[c->nindices++] = (uint32_t)idx;
        if ((int64_t)c->dict.plain.len > w->dictionary_bytes)
            return dict_fallback(w, c, err);
        return 0;
    }
    if (len > UINT32_MAX)
        return etlc_error_set(err, ETLC_DATA_TYPE, "column \"%s\": a value of %zu bytes is too "
                              "large for Parquet", c->name, len);
    if (etlc__buf_reserve(&c->plain, len + 4) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory buffering column \"%s\"", c->name);
    uint8_t *d = (uint8_t *)c->plain.data + c->plain.len;
    pq_write_le32(d, (uint32_t)len);
    if (len)
        memcpy(d + 4, p, len);
    c->plain.len += len + 4;
    return 0;
}

/* Dictionary encoding pays only when values repeat: if most of the first
 * values of a chunk are distinct, stop building the dictionary early. */
#define PQ_DICT_PROBE_VALUES 8192

static inline bool page_full(struct etlc_parquet_writer *w, pq_column *c)
{
    if (c->page_values >= PQ_PAGE_MAX_VALUES)
        return true;
    if (c->dict_on) {
        if (c->page_values % PQ_DICT_CHECK_EVERY)
            return false;
        if (c->meta.num_values == 0 && c->nindices >= PQ_DICT_PROBE_VALUES &&
            c->dict.count * 4 > c->nindices * 3) {
            c->dict_abandon = true; /* finish this page with the dictionary, then PLAIN */
            return true;
        }
        return (int64_t)page_estimate(c) >= w->page_bytes;
    }
    return (int64_t)c->plain.len >= w->page_bytes;
}

int pq_column_append(struct etlc_parquet_writer *w, pq_column *c, const etlc_column *src,
                     size_t r0, size_t r1, etlc_error *err)
{
    const bool all_null = !c->typed || src->def.type == ETLC_TYPE_NULL;
    const uint8_t *nulls = src->nulls;
    const int phys = c->layout.phys;
    int rc = 0;
    for (size_t r = r0; r < r1; r++) {
        if (c->page_values == 0 || c->page_values + 1 > c->levels_cap ||
            (c->dict_on && c->nindices + 1 > c->indices_cap)) {
            if ((rc = grow_page_arrays(c, r1 - r, err)) != 0)
                return rc;
        }
        bool is_null = all_null || (nulls && nulls[r]);
        c->levels[c->page_values++] = !is_null;
        if (is_null) {
            c->page_nulls++;
            c->page_stats.null_count++;
        } else if (c->layout.decimal_int) {
            pq_i128 q = c->dec[r];
            if (phys == PQ_INT64) {
                int64_t v = (int64_t)q;
                stat_int(&c->page_stats, v);
                rc = put_fixed(w, c, &v, 8, err);
            } else {
                uint8_t be[16];
                pq_i128_to_be(q, be, c->layout.type_length);
                stat_i128(&c->page_stats, q);
                rc = put_fixed(w, c, be, (size_t)c->layout.type_length, err);
            }
        } else {
            switch (phys) {
            case PQ_BOOLEAN: {
                uint8_t b = src->fixed.b[r] ? 1 : 0;
                stat_int(&c->page_stats, b);
                c->bool_bits |= (uint8_t)(b << c->bool_nbits);
                if (++c->bool_nbits == 8) {
                    if (etlc__buf_append(&c->plain, &c->bool_bits, 1) != 0)
                        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory buffering column "
                                              "\"%s\"", c->name);
                    c->bool_bits = 0;
                    c->bool_nbits = 0;
                }
                break;
            }
            case PQ_INT32: {
                int32_t v = src->fixed.i32[r];
                stat_int(&c->page_stats, v);
                rc = put_fixed(w, c, &v, 4, err);
                break;
            }
            case PQ_INT64: {
                int64_t v = src->fixed.i64[r];
                stat_int(&c->page_stats, v);
                rc = put_fixed(w, c, &v, 8, err);
                break;
            }
            case PQ_DOUBLE: {
                double v = src->fixed.f64[r];
                stat_double(&c->page_stats, v);
                rc = put_fixed(w, c, &v, 8, err);
                break;
            }
            default: { /* BYTE_ARRAY */
                size_t len;
                const uint8_t *p = etlc_column_var(src, r, &len);
                if (stat_bytes(&c->page_stats, p, len) != 0)
                    return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory in statistics of "
                                          "\"%s\"", c->name);
                rc = put_bytes(w, c, p, len, err);
                break;
            }
            }
        }
        if (rc)
            return rc;
        if (page_full(w, c)) {
            if ((rc = pq_column_finish_page(w, c, err)) != 0)
                return rc;
            if (c->dict_abandon) {
                c->dict_abandon = false;
                c->dict_on = false;
            }
        }
    }
    return 0;
}
