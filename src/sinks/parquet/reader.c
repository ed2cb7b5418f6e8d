/* Parquet reader for the files our writer produces (flat schema, OPTIONAL
 * or REQUIRED columns, data pages v1, PLAIN / RLE_DICTIONARY values,
 * RLE/bit-packed definition levels, uncompressed / snappy / gzip / zstd).
 * It yields one etlc_batch per row group, so memory is bounded by a row
 * group. Input is untrusted: every read is bounds-checked (tests/fuzz). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h> /* ZSTD_error_memory_allocation */

#include "sinks/format_reader_impl.h"
#include "sinks/parquet/footer_parse.h"

/* Largest page we accept, and how much larger than its compressed form. */
#define PQR_MAX_PAGE ((size_t)1 << 30)
/* Most values in one page (our writer cuts pages at 2^20): bounds the
 * per-page level and index arrays whatever a page header claims. */
#define PQR_MAX_PAGE_VALUES ((size_t)1 << 21)

typedef struct pqr_value {
    const uint8_t *p; /* byte arrays: into a retained page buffer */
    uint32_t len;
    int64_t i;        /* INT32/INT64/BOOLEAN */
    double d;
} pqr_value;

typedef struct pqr_col {
    etlc_column_def def;
    int phys, type_length, scale;
    bool required;
    bool decimal_int; /* INT64 / FLBA decimal: format as text */
    /* the current column chunk (compressed bytes, owned) */
    uint8_t *chunk;
    size_t chunk_cap, clen, cpos;
    int codec;
    size_t rows_left;   /* values of the chunk not yet returned */
    pqr_value *dict;
    size_t ndict, dict_cap;
    uint8_t *dict_page; /* decompressed dictionary page (dict values point into it) */
    size_t dict_page_cap;
    /* the current data page */
    uint8_t *page;      /* decompressed (owned) */
    size_t page_cap;
    size_t page_nv, page_i;  /* values in the page, values returned */
    uint8_t *defs;      /* definition level per page value */
    size_t defs_cap;
    uint32_t *idx;      /* dictionary index per defined page value */
    size_t idx_cap, vi;
    bool dict_encoded;
    const uint8_t *q, *qend; /* PLAIN cursor */
    size_t bit;         /* PLAIN BOOLEAN bit position */
} pqr_col;

struct etlc_parquet_reader {
    int fd;               /* -1 for memory input */
    const uint8_t *mem;
    etlc__byte_input *in; /* or a borrowed byte input (a lake file) */
    size_t batch_rows;    /* rows per batch: PQR_BATCH_ROWS unless asked otherwise */
    uint64_t size;
    uint8_t *footer_bytes;
    ins meta;
    size_t ncols;
    pqr_col *cols;
    etlc_column_def *defs;
    size_t next_rg;
    size_t rg_rows_left;  /* rows of the open row group not yet returned */
    etlc_batch *batch;
    char name[512];       /* for messages: file name, path or URI, or "(memory)" */
};

static int read_at(etlc_parquet_reader *r, uint64_t off, void *dst, size_t len, etlc_error *err)
{
    if (off > r->size || len > r->size - off)
        return etlc_error_set(err, ETLC_DATA, "parquet %s: range %" PRIu64 "+%zu is outside the %" PRIu64
                              "-byte file", r->name, off, len, r->size);
    if (r->in) {
        size_t got = 0;
        int rc = etlc__byte_input_pread(r->in, off, dst, len, &got, err);
        if (rc == 0 && got < len)
            rc = etlc_error_set(err, ETLC_DATA, "parquet %s: unexpected end of file at %" PRIu64, r->name, off + got);
        return rc;
    }
    if (r->fd < 0) {
        memcpy(dst, r->mem + off, len);
        return 0;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(r->fd, (uint8_t *)dst + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return etlc_error_set(err, n < 0 ? etlc_code_from_errno(errno) : ETLC_DATA,
                                  "parquet %s: read failed at %" PRIu64 ": %s", r->name, off + done,
                                  n < 0 ? strerror(errno) : "unexpected end of file");
        done += (size_t)n;
    }
    return 0;
}

static int bad(etlc_parquet_reader *r, etlc_error *err, const char *col, const char *what)
{
    return etlc_error_set(err, ETLC_DATA, "parquet %s: column \"%s\": %s", r->name, col ? col : "?", what);
}

/* ---- schema -> etlconn types --------------------------------------------- */

static int map_leaf(etlc_parquet_reader *r, const ins_schema *s, pqr_col *c, etlc_error *err)
{
    char name[256];
    size_t n = s->name_len < sizeof name - 1 ? s->name_len : sizeof name - 1;
    memcpy(name, s->name ? (const char *)s->name : "", n);
    name[n] = '\0';
    if (!(c->def.name = etlc__strndup(name, n)))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a Parquet schema");
    if (!s->name || n == 0 || memchr(s->name, 0, s->name_len))
        return bad(r, err, name, "empty or NUL-containing column name");
    c->phys = s->type;
    c->type_length = s->type_length;
    c->required = s->repetition == 0;
    if (s->repetition == 2 || s->num_children)
        return etlc_error_set(err, ETLC_UNSUPPORTED, "parquet %s: column \"%s\" is repeated or nested; "
                              "only flat schemas are read", r->name, name);
    bool dec = s->logical == PQ_LT_DECIMAL || s->converted == PQ_CT_DECIMAL;
    int prec = s->logical == PQ_LT_DECIMAL ? s->lt_precision : s->precision;
    int scale = s->logical == PQ_LT_DECIMAL ? s->lt_scale : s->scale;
    etlc_type t = ETLC_TYPE_NULL;
    switch (s->type) {
    case PQ_BOOLEAN: t = ETLC_TYPE_BOOL; break;
    case PQ_INT32:
        if (s->logical == PQ_LT_DATE || s->converted == PQ_CT_DATE) t = ETLC_TYPE_DATE;
        else if (s->logical == PQ_LT_NULL) t = ETLC_TYPE_NULL;
        else if (!dec) t = ETLC_TYPE_INT64;
        break;
    case PQ_INT64:
        if (s->logical == PQ_LT_TIMESTAMP || s->converted == PQ_CT_TIMESTAMP_MICROS) {
            if (s->logical == PQ_LT_TIMESTAMP && s->ts_unit != 2)
                return etlc_error_set(err, ETLC_UNSUPPORTED, "parquet %s: column \"%s\": only microsecond "
                                      "timestamps are read", r->name, name);
            t = ETLC_TYPE_TIMESTAMP;
        } else if (dec) {
            t = ETLC_TYPE_DECIMAL;
        } else {
            t = ETLC_TYPE_INT64;
        }
        break;
    case PQ_DOUBLE: t = ETLC_TYPE_DOUBLE; break;
    case PQ_BYTE_ARRAY:
        if (s->logical == PQ_LT_JSON || s->converted == PQ_CT_JSON) t = ETLC_TYPE_JSON;
        else if (s->logical == PQ_LT_STRING || s->converted == PQ_CT_UTF8) t = ETLC_TYPE_TEXT;
        else if (!dec) t = ETLC_TYPE_BYTES;
        break;
    case PQ_FLBA:
        if (dec && s->type_length >= 1 && s->type_length <= 16) t = ETLC_TYPE_DECIMAL;
        break;
    default: break;
    }
    bool ok = t != ETLC_TYPE_NULL || (s->type == PQ_INT32 && s->logical == PQ_LT_NULL);
    if (!ok)
        return etlc_error_set(err, ETLC_UNSUPPORTED, "parquet %s: column \"%s\" has a physical/logical type "
                              "combination etlconn does not read (physical %d, logical %d)", r->name, name,
                              s->type, s->logical);
    if (t == ETLC_TYPE_DECIMAL) {
        if (prec < 1 || prec > 38 || scale < 0 || scale > prec)
            return bad(r, err, name, "decimal precision/scale out of range");
        c->def.precision = prec;
        c->def.scale = scale;
        c->scale = scale;
        c->decimal_int = true;
    }
    c->def.type = t;
    return 0;
}

/* Rows per batch: a row group is returned in slices of this many rows, so
 * memory is one row group's compressed chunks plus one page per column
 * plus one slice, whatever the row group's row count. */
#define PQR_BATCH_ROWS 65536

void etlc_parquet_reader_free(etlc_parquet_reader *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->cols && i < r->ncols; i++) {
        pqr_col *c = &r->cols[i];
        free(c->chunk);
        free(c->dict);
        free(c->dict_page);
        free(c->page);
        free(c->defs);
        free(c->idx);
        free(c->def.name);
    }
    free(r->cols);
    free(r->defs);
    pq_footer_free(&r->meta);
    free(r->footer_bytes);
    etlc_batch_free(r->batch);
    if (r->fd >= 0)
        close(r->fd);
    free(r);
}

static int open_common(etlc_parquet_reader *r, etlc_error *err)
{
    uint8_t tail[8], head[4];
    int rc;
    if (r->size < 12)
        return etlc_error_set(err, ETLC_DATA, "parquet %s: not a Parquet file (%" PRIu64 " bytes)", r->name,
                              r->size);
    if ((rc = read_at(r, 0, head, 4, err)) || (rc = read_at(r, r->size - 8, tail, 8, err)))
        return rc;
    if (memcmp(head, "PAR1", 4) != 0 || memcmp(tail + 4, "PAR1", 4) != 0)
        return etlc_error_set(err, ETLC_DATA, "parquet %s: not a Parquet file (no PAR1 magic)", r->name);
    uint32_t flen = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24;
    if (flen == 0 || (uint64_t)flen > r->size - 12)
        return etlc_error_set(err, ETLC_DATA, "parquet %s: footer length %u does not fit the file", r->name, flen);
    if (!(r->footer_bytes = malloc(flen)))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a %u-byte Parquet footer", flen);
    if ((rc = read_at(r, r->size - 8 - flen, r->footer_bytes, flen, err)))
        return rc;
    tc_reader tr = {.p = r->footer_bytes, .end = r->footer_bytes + flen};
    pq_footer_parse(&tr, &r->meta);
    if (r->meta.nomem)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a Parquet footer");
    if (tr.failed || r->meta.nschema == 0)
        return etlc_error_set(err, ETLC_DATA, "parquet %s: footer is malformed", r->name);
    const ins *m = &r->meta;
    if (m->schema[0].num_children < 0 || (size_t)m->schema[0].num_children != m->nschema - 1)
        return etlc_error_set(err, ETLC_UNSUPPORTED, "parquet %s: nested schema; only flat schemas are read",
                              r->name);
    r->ncols = m->nschema - 1;
    if (r->ncols && (!(r->cols = calloc(r->ncols, sizeof *r->cols)) ||
                     !(r->defs = calloc(r->ncols, sizeof *r->defs))))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a Parquet schema");
    for (size_t i = 0; i < r->ncols; i++) {
        if ((rc = map_leaf(r, &m->schema[i + 1], &r->cols[i], err)))
            return rc;
        r->defs[i] = r->cols[i].def;
    }
    for (size_t g = 0; g < m->nrgs; g++) {
        if (m->rgs[g].ncols != r->ncols || m->rgs[g].num_rows < 0)
            return etlc_error_set(err, ETLC_DATA, "parquet %s: row group %zu has %zu columns, the schema %zu",
                                  r->name, g, m->rgs[g].ncols, r->ncols);
        for (size_t i = 0; i < r->ncols; i++) {
            const ins_col *cc = &m->cols[m->rgs[g].first_col + i];
            if (!cc->has_meta || cc->type != r->cols[i].phys)
                return bad(r, err, r->cols[i].def.name, "column chunk metadata missing or of another type");
        }
    }
    return 0;
}

int etlc_parquet_reader_open_memory(const void *data, size_t len, etlc_parquet_reader **out,
                                    etlc_error *err)
{
    *out = NULL;
    etlc_parquet_reader *r = calloc(1, sizeof *r);
    if (!r)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening a Parquet reader");
    r->fd = -1;
    r->mem = data;
    r->size = len;
    snprintf(r->name, sizeof r->name, "(memory)");
    int rc = open_common(r, err);
    if (rc) {
        etlc_parquet_reader_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int etlc_parquet_reader_open(const char *path, etlc_parquet_reader **out, etlc_error *err)
{
    *out = NULL;
    etlc_parquet_reader *r = calloc(1, sizeof *r);
    if (!r)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening a Parquet reader");
    const char *base = strrchr(path, '/');
    snprintf(r->name, sizeof r->name, "%s", base ? base + 1 : path);
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (r->fd < 0 || fstat(r->fd, &st) != 0) {
        int e = errno;
        etlc_parquet_reader_free(r);
        return etlc_error_set(err, etlc_code_from_errno(e), "cannot open \"%s\": %s", path, strerror(e));
    }
    r->size = (uint64_t)st.st_size;
    int rc = open_common(r, err);
    if (rc) {
        etlc_parquet_reader_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int etlc__parquet_reader_open_input(etlc__byte_input *in, const char *name, size_t batch_rows,
                                    etlc_parquet_reader **out, etlc_error *err)
{
    *out = NULL;
    etlc_parquet_reader *r = calloc(1, sizeof *r);
    if (!r)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening a Parquet reader");
    r->fd = -1;
    r->in = in;
    r->size = in->size;
    r->batch_rows = batch_rows;
    snprintf(r->name, sizeof r->name, "%s", name); /* whole: a lake URI says where the file is */
    int rc = open_common(r, err);
    if (rc) {
        etlc_parquet_reader_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

size_t etlc_parquet_reader_columns(const etlc_parquet_reader *r, const etlc_column_def **defs)
{
    *defs = r->defs;
    return r->ncols;
}

int64_t etlc_parquet_reader_num_rows(const etlc_parquet_reader *r) { return r->meta.num_rows; }

/* ---- decoding -------------------------------------------------------------- */

static int decompress(etlc_parquet_reader *r, int codec, const uint8_t *src, size_t len, uint8_t *dst,
                      size_t want, const char *col, etlc_error *err)
{
    switch (codec) {
    case PQ_CODEC_UNCOMPRESSED:
        if (len != want)
            return bad(r, err, col, "uncompressed page sizes disagree");
        memcpy(dst, src, len);
        return 0;
    case PQ_CODEC_SNAPPY: {
        size_t n = 0;
        if (snappy_uncompressed_length((const char *)src, len, &n) != SNAPPY_OK || n != want ||
            snappy_uncompress((const char *)src, len, (char *)dst, &n) != SNAPPY_OK || n != want)
            return bad(r, err, col, "corrupt snappy page");
        return 0;
    }
    case PQ_CODEC_ZSTD: {
        size_t n = pq_zstd_decompress(dst, want, src, len);
        if (ZSTD_isError(n) && ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory decompressing a zstd page");
        if (ZSTD_isError(n) || n != want)
            return bad(r, err, col, "corrupt zstd page");
        return 0;
    }
    case PQ_CODEC_GZIP: {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        pq_zlib_allocator(&zs);
        if (inflateInit2(&zs, 15 + 32) != Z_OK)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting gzip");
        zs.next_in = (Bytef *)(uintptr_t)src;
        zs.avail_in = (uInt)len;
        zs.next_out = dst;
        zs.avail_out = (uInt)want;
        int z = inflate(&zs, Z_FINISH);
        size_t n = zs.total_out;
        inflateEnd(&zs);
        if (z == Z_MEM_ERROR)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory decompressing a gzip page");
        if (z != Z_STREAM_END || n != want)
            return bad(r, err, col, "corrupt gzip page");
        return 0;
    }
    default:
        return etlc_error_set(err, ETLC_UNSUPPORTED, "parquet %s: column \"%s\": codec %d is not read", r->name,
                              col, codec);
    }
}

static bool varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return false;
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* RLE / bit-packed hybrid: exactly n values of bw bits into out. */
static bool rle_decode(const uint8_t *p, const uint8_t *end, unsigned bw, uint32_t *out, size_t n)
{
    size_t got = 0;
    if (bw > 32)
        return false;
    size_t vbytes = (bw + 7) / 8;
    while (got < n) {
        uint64_t h;
        if (!varint(&p, end, &h))
            return false;
        if (h & 1) {
            uint64_t groups = h >> 1;
            if (groups == 0 || groups > ((size_t)(end - p)) / (bw ? bw : 1) + 1)
                return false;
            size_t nbytes = (size_t)groups * bw;
            if (nbytes > (size_t)(end - p))
                return false;
            size_t count = (size_t)groups * 8;
            uint64_t acc = 0;
            unsigned have = 0;
            const uint8_t *q = p;
            for (size_t i = 0; i < count; i++) {
                while (have < bw) {
                    acc |= (uint64_t)*q++ << have;
                    have += 8;
                }
                uint32_t v = bw == 32 ? (uint32_t)acc : (uint32_t)(acc & ((1ull << bw) - 1));
                acc >>= bw;
                have -= bw;
                if (got < n)
                    out[got++] = v;
            }
            p += nbytes;
        } else {
            uint64_t count = h >> 1;
            if (vbytes > (size_t)(end - p) || count == 0)
                return false;
            uint32_t v = 0;
            for (size_t i = 0; i < vbytes; i++)
                v |= (uint32_t)p[i] << (8 * i);
            p += vbytes;
            if (bw < 32 && v >> bw)
                return false;
            for (uint64_t i = 0; i < count && got < n; i++)
                out[got++] = v;
        }
    }
    return true;
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* PLAIN values: n of them from [p, end) into vals. */
static bool plain_decode(const pqr_col *c, const uint8_t *p, const uint8_t *end, pqr_value *vals, size_t n)
{
    size_t avail = (size_t)(end - p);
    switch (c->phys) {
    case PQ_BOOLEAN:
        if ((n + 7) / 8 > avail)
            return false;
        for (size_t i = 0; i < n; i++)
            vals[i].i = (p[i / 8] >> (i % 8)) & 1;
        return true;
    case PQ_INT32:
        if (n > avail / 4)
            return false;
        for (size_t i = 0; i < n; i++) {
            int32_t v;
            memcpy(&v, p + 4 * i, 4);
            vals[i].i = v;
        }
        return true;
    case PQ_INT64:
        if (n > avail / 8)
            return false;
        for (size_t i = 0; i < n; i++)
            memcpy(&vals[i].i, p + 8 * i, 8);
        return true;
    case PQ_DOUBLE:
        if (n > avail / 8)
            return false;
        for (size_t i = 0; i < n; i++)
            memcpy(&vals[i].d, p + 8 * i, 8);
        return true;
    case PQ_BYTE_ARRAY:
        for (size_t i = 0; i < n; i++) {
            if ((size_t)(end - p) < 4)
                return false;
            uint32_t len;
            memcpy(&len, p, 4);
            p += 4;
            if (len > (size_t)(end - p))
                return false;
            vals[i].p = p;
            vals[i].len = len;
            p += len;
        }
        return true;
    case PQ_FLBA: {
        size_t w = (size_t)c->type_length;
        if (w == 0 || n > avail / w)
            return false;
        for (size_t i = 0; i < n; i++) {
            vals[i].p = p + i * w;
            vals[i].len = (uint32_t)w;
        }
        return true;
    }
    default:
        return false;
    }
}

typedef struct page_header {
    int type;
    int32_t unc, comp;
    int32_t num_values;
    int encoding, def_encoding;
    bool has_data, has_dict;
} page_header;

static bool parse_page_header(tc_reader *t, page_header *h)
{
    memset(h, 0, sizeof *h);
    h->type = -1;
    int16_t last = 0, id;
    uint8_t ty;
    while (tcr_field(t, &last, &id, &ty)) {
        if (id == 1 && ty == TC_I32) h->type = tcr_i32(t);
        else if (id == 2 && ty == TC_I32) h->unc = tcr_i32(t);
        else if (id == 3 && ty == TC_I32) h->comp = tcr_i32(t);
        else if ((id == 5 || id == 7) && ty == TC_STRUCT) {
            tcr_struct_enter(t);
            int16_t l2 = 0, id2;
            uint8_t t2;
            while (tcr_field(t, &l2, &id2, &t2)) {
                if (id2 == 1 && t2 == TC_I32) h->num_values = tcr_i32(t);
                else if (id2 == 2 && t2 == TC_I32) h->encoding = tcr_i32(t);
                else if (id2 == 3 && t2 == TC_I32) h->def_encoding = tcr_i32(t);
                else if (t2 != TC_TRUE && t2 != TC_FALSE) tcr_skip(t, t2);
            }
            tcr_struct_leave(t);
            if (id == 5) h->has_data = true;
            else h->has_dict = true;
        } else if (ty != TC_TRUE && ty != TC_FALSE) {
            tcr_skip(t, ty);
        }
    }
    return !t->failed && h->unc >= 0 && h->comp >= 0 && h->num_values >= 0;
}

/* Read a column chunk's compressed bytes for `rows` rows. */
static int chunk_open(etlc_parquet_reader *r, pqr_col *c, const ins_col *meta, size_t rows, etlc_error *err)
{
    const char *name = c->def.name;
    int64_t start = meta->has_dict && meta->dict_off > 0 && meta->dict_off < meta->data_off ? meta->dict_off
                                                                                         : meta->data_off;
    if (start < 4 || meta->comp < 0 || (uint64_t)start > r->size || (uint64_t)meta->comp > r->size - (uint64_t)start)
        return bad(r, err, name, "column chunk offsets are outside the file");
    size_t clen = (size_t)meta->comp;
    if (grow((void **)&c->chunk, &c->chunk_cap, clen + 1, 1) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading column \"%s\"", name);
    int rc = read_at(r, (uint64_t)start, c->chunk, clen, err);
    if (rc)
        return rc;
    c->clen = clen;
    c->cpos = 0;
    c->codec = meta->codec;
    c->rows_left = rows;
    c->ndict = 0;
    c->page_nv = c->page_i = 0;
    return 0;
}

/* Decompress the next page of the chunk into *buf (grown as needed). */
static int next_page_raw(etlc_parquet_reader *r, pqr_col *c, page_header *h, uint8_t **buf, size_t *cap,
                         etlc_error *err)
{
    const char *name = c->def.name;
    tc_reader t = {.p = c->chunk + c->cpos, .end = c->chunk + c->clen};
    if (c->cpos >= c->clen || !parse_page_header(&t, h))
        return bad(r, err, name, "malformed or missing page header");
    c->cpos = (size_t)(t.p - c->chunk);
    if ((size_t)h->comp > c->clen - c->cpos)
        return bad(r, err, name, "page runs past its column chunk");
    size_t limit = (size_t)h->comp * 4096 + ((size_t)1 << 20);
    if ((size_t)h->unc > PQR_MAX_PAGE || (size_t)h->unc > limit)
        return bad(r, err, name, "page too large");
    if (grow((void **)buf, cap, (size_t)h->unc + 1, 1) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading column \"%s\"", name);
    int rc = decompress(r, c->codec, c->chunk + c->cpos, (size_t)h->comp, *buf, (size_t)h->unc, name, err);
    c->cpos += (size_t)h->comp;
    return rc;
}

/* Make the next data page current (reading a dictionary page first when one comes). */
static int next_page(etlc_parquet_reader *r, pqr_col *c, etlc_error *err)
{
    const char *name = c->def.name;
    page_header h;
    for (;;) {
        int rc = next_page_raw(r, c, &h, &c->page, &c->page_cap, err);
        if (rc)
            return rc;
        if (h.type == PQ_PAGE_DICTIONARY && h.has_dict) {
            if (c->ndict)
                return bad(r, err, name, "a second dictionary page");
            if ((size_t)h.num_values > (size_t)h.unc + 1 || c->phys == PQ_BOOLEAN)
                return bad(r, err, name, "malformed dictionary page");
            /* Keep the dictionary's bytes: byte-array entries point into them. */
            uint8_t *tmp = c->dict_page;
            size_t tcap = c->dict_page_cap;
            c->dict_page = c->page;
            c->dict_page_cap = c->page_cap;
            c->page = tmp;
            c->page_cap = tcap;
            if (grow((void **)&c->dict, &c->dict_cap, (size_t)h.num_values + 1, sizeof *c->dict) != 0)
                return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading column \"%s\"", name);
            if (!plain_decode(c, c->dict_page, c->dict_page + h.unc, c->dict, (size_t)h.num_values))
                return bad(r, err, name, "malformed dictionary page");
            c->ndict = (size_t)h.num_values;
            continue;
        }
        if (h.type != PQ_PAGE_DATA || !h.has_data)
            return etlc_error_set(err, ETLC_UNSUPPORTED, "parquet %s: column \"%s\": page type %d is not read "
                                  "(data pages v1 and dictionary pages only)", r->name, name, h.type);
        size_t nv = (size_t)h.num_values;
        if (nv == 0 || nv > c->rows_left || nv > PQR_MAX_PAGE_VALUES)
            return bad(r, err, name, "page value count does not fit the row group (or passes 2^21)");
        if (grow((void **)&c->defs, &c->defs_cap, nv + 1, 1) != 0 ||
            grow((void **)&c->idx, &c->idx_cap, nv + 1, sizeof *c->idx) != 0)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading column \"%s\"", name);
        const uint8_t *q = c->page, *qend = c->page + h.unc;
        size_t ndef = nv;
        if (!c->required) {
            if (qend - q < 4)
                return bad(r, err, name, "truncated definition levels");
            uint32_t dlen;
            memcpy(&dlen, q, 4);
            q += 4;
            if (dlen > (size_t)(qend - q) || !rle_decode(q, q + dlen, 1, c->idx, nv))
                return bad(r, err, name, "malformed definition levels");
            q += dlen;
            ndef = 0;
            for (size_t i = 0; i < nv; i++) {
                c->defs[i] = (uint8_t)c->idx[i];
                ndef += c->idx[i];
            }
        } else {
            memset(c->defs, 1, nv);
        }
        if (ndef && c->def.type == ETLC_TYPE_NULL)
            return bad(r, err, name, "values in a NULL-typed column");
        c->dict_encoded = h.encoding == PQ_ENC_RLE_DICTIONARY || h.encoding == 2 /* PLAIN_DICTIONARY */;
        if (c->dict_encoded) {
            if (ndef) {
                if (q >= qend || *q > 32 || !rle_decode(q + 1, qend, *q, c->idx, ndef))
                    return bad(r, err, name, "malformed dictionary indices");
                for (size_t i = 0; i < ndef; i++)
                    if (c->idx[i] >= c->ndict)
                        return bad(r, err, name, "dictionary index out of range");
            }
        } else if (h.encoding != PQ_ENC_PLAIN) {
            return etlc_error_set(err, ETLC_UNSUPPORTED, "parquet %s: column \"%s\": encoding %d is not read",
                                  r->name, name, h.encoding);
        } else {
            /* Check up front that the PLAIN values fit, so per-value reads need no checks. */
            size_t avail = (size_t)(qend - q), w = c->phys == PQ_INT32 ? 4 : c->phys == PQ_FLBA ? (size_t)c->type_length : 8;
            if (c->phys == PQ_BOOLEAN ? (ndef + 7) / 8 > avail
                : c->phys == PQ_BYTE_ARRAY ? false : (w == 0 || ndef > avail / w))
                return bad(r, err, name, "PLAIN values run past the page");
        }
        c->q = q;
        c->qend = qend;
        c->bit = 0;
        c->page_nv = nv;
        c->page_i = c->vi = 0;
        return 0;
    }
}

/* The next value of the column: *defined false for NULL. */
static int next_value(etlc_parquet_reader *r, pqr_col *c, bool *defined, pqr_value *v, etlc_error *err)
{
    if (c->page_i == c->page_nv) {
        int rc = next_page(r, c, err);
        if (rc)
            return rc;
    }
    c->rows_left--;
    *defined = c->defs[c->page_i++] != 0;
    if (!*defined)
        return 0;
    if (c->dict_encoded) {
        *v = c->dict[c->idx[c->vi++]];
        return 0;
    }
    switch (c->phys) {
    case PQ_BOOLEAN:
        v->i = (c->q[c->bit / 8] >> (c->bit % 8)) & 1;
        c->bit++;
        return 0;
    case PQ_INT32: {
        int32_t x;
        memcpy(&x, c->q, 4);
        c->q += 4;
        v->i = x;
        return 0;
    }
    case PQ_INT64:
        memcpy(&v->i, c->q, 8);
        c->q += 8;
        return 0;
    case PQ_DOUBLE:
        memcpy(&v->d, c->q, 8);
        c->q += 8;
        return 0;
    case PQ_FLBA:
        v->p = c->q;
        v->len = (uint32_t)c->type_length;
        c->q += c->type_length;
        return 0;
    default: {
        uint32_t len;
        if (c->qend - c->q < 4)
            return bad(r, err, c->def.name, "truncated PLAIN byte array");
        memcpy(&len, c->q, 4);
        c->q += 4;
        if (len > (size_t)(c->qend - c->q))
            return bad(r, err, c->def.name, "PLAIN byte array runs past the page");
        v->p = c->q;
        v->len = len;
        c->q += len;
        return 0;
    }
    }
}

static int append_value(etlc_batch *b, size_t col, const pqr_col *c, const pqr_value *v, etlc_error *err)
{
    char tmp[64];
    switch (c->def.type) {
    case ETLC_TYPE_BOOL: return etlc_batch_append_bool(b, col, v->i != 0, err);
    case ETLC_TYPE_INT64: return etlc_batch_append_int64(b, col, v->i, err);
    case ETLC_TYPE_DOUBLE: return etlc_batch_append_double(b, col, v->d, err);
    case ETLC_TYPE_DATE: return etlc_batch_append_date(b, col, (int32_t)v->i, err);
    case ETLC_TYPE_TIMESTAMP: return etlc_batch_append_timestamp(b, col, v->i, err);
    case ETLC_TYPE_DECIMAL:
        pq_decimal_format(c->phys == PQ_INT64 ? (pq_i128)v->i : pq_be_to_i128(v->p, v->len), c->scale, tmp,
                          sizeof tmp);
        return etlc_batch_append_var(b, col, ETLC_TYPE_DECIMAL, tmp, strlen(tmp), err);
    case ETLC_TYPE_TEXT:
    case ETLC_TYPE_BYTES:
    case ETLC_TYPE_JSON:
        return etlc_batch_append_var(b, col, c->def.type, v->p ? (const void *)v->p : "", v->len, err);
    default:
        return etlc_batch_append_null(b, col, err);
    }
}

int etlc_parquet_reader_next(etlc_parquet_reader *r, const etlc_batch **out, etlc_error *err)
{
    *out = NULL;
    int rc;
    if (r->rg_rows_left == 0) {
        while (r->next_rg < r->meta.nrgs && r->meta.rgs[r->next_rg].num_rows == 0)
            r->next_rg++;
        if (r->next_rg >= r->meta.nrgs)
            return 0;
        const ins_rg *g = &r->meta.rgs[r->next_rg++];
        for (size_t i = 0; i < r->ncols; i++)
            if ((rc = chunk_open(r, &r->cols[i], &r->meta.cols[g->first_col + i], (size_t)g->num_rows, err)))
                return rc;
        r->rg_rows_left = (size_t)g->num_rows;
    }
    size_t max = r->batch_rows ? r->batch_rows : PQR_BATCH_ROWS;
    size_t rows = r->rg_rows_left < max ? r->rg_rows_left : max;
    if (!r->batch && (rc = etlc_batch_new(r->defs, r->ncols, max, &r->batch, err)))
        return rc;
    etlc_batch_reset(r->batch);
    rc = 0;
    for (size_t row = 0; row < rows && rc == 0; row++) {
        for (size_t i = 0; i < r->ncols && rc == 0; i++) {
            pqr_col *c = &r->cols[i];
            bool defined;
            pqr_value v = {0};
            if ((rc = next_value(r, c, &defined, &v, err)) == 0)
                rc = defined ? append_value(r->batch, i, c, &v, err) : etlc_batch_append_null(r->batch, i, err);
        }
        if (rc == 0)
            rc = etlc_batch_end_row(r->batch, err);
    }
    if (rc) {
        r->rg_rows_left = 0;
        return rc;
    }
    r->rg_rows_left -= rows;
    *out = r->batch;
    return 0;
}
