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

#include "sinks/parquet/footer_parse.h"

/* Largest page we accept, and how much larger than its compressed form. */
#define PQR_MAX_PAGE ((size_t)1 << 30)

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
    /* decoded chunk */
    uint8_t *defined;   /* per row */
    pqr_value *vals;    /* per defined value, in order */
    size_t nvals, nrows;
    pqr_value *dict;
    size_t ndict;
    uint8_t **bufs;     /* page buffers kept alive for byte-array values */
    size_t nbufs, bufs_cap;
} pqr_col;

struct etlc_parquet_reader {
    int fd;               /* -1 for memory input */
    const uint8_t *mem;
    uint64_t size;
    uint8_t *footer_bytes;
    ins meta;
    size_t ncols;
    pqr_col *cols;
    etlc_column_def *defs;
    size_t next_rg;
    etlc_batch *batch;
    uint8_t *chunk;       /* raw bytes of one column chunk */
    size_t chunk_cap;
    uint32_t *idx;        /* scratch: levels / dictionary indices */
    size_t idx_cap;
    char name[64];        /* for messages: file name or "memory" */
};

static int read_at(etlc_parquet_reader *r, uint64_t off, void *dst, size_t len, etlc_error *err)
{
    if (off > r->size || len > r->size - off)
        return etlc_error_set(err, ETLC_DATA, "parquet %s: range %" PRIu64 "+%zu is outside the %" PRIu64
                              "-byte file", r->name, off, len, r->size);
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
    if (memchr(s->name, 0, s->name_len) || n == 0)
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

static void col_free_chunk(pqr_col *c)
{
    for (size_t i = 0; i < c->nbufs; i++)
        free(c->bufs[i]);
    c->nbufs = 0;
    c->nvals = c->nrows = c->ndict = 0;
}

void etlc_parquet_reader_free(etlc_parquet_reader *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->cols && i < r->ncols; i++) {
        col_free_chunk(&r->cols[i]);
        free(r->cols[i].bufs);
        free(r->cols[i].defined);
        free(r->cols[i].vals);
        free(r->cols[i].dict);
        free(r->cols[i].def.name);
    }
    free(r->cols);
    free(r->defs);
    pq_footer_free(&r->meta);
    free(r->footer_bytes);
    etlc_batch_free(r->batch);
    free(r->chunk);
    free(r->idx);
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
        size_t n = ZSTD_decompress(dst, want, src, len);
        if (ZSTD_isError(n) || n != want)
            return bad(r, err, col, "corrupt zstd page");
        return 0;
    }
    case PQ_CODEC_GZIP: {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (inflateInit2(&zs, 15 + 32) != Z_OK)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting gzip");
        zs.next_in = (Bytef *)(uintptr_t)src;
        zs.avail_in = (uInt)len;
        zs.next_out = dst;
        zs.avail_out = (uInt)want;
        int z = inflate(&zs, Z_FINISH);
        size_t n = zs.total_out;
        inflateEnd(&zs);
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

static int keep_buf(pqr_col *c, uint8_t *buf)
{
    if (c->nbufs == c->bufs_cap) {
        size_t cap = c->bufs_cap ? c->bufs_cap * 2 : 8;
        uint8_t **b = realloc(c->bufs, cap * sizeof *b);
        if (!b)
            return -1;
        c->bufs = b;
        c->bufs_cap = cap;
    }
    c->bufs[c->nbufs++] = buf;
    return 0;
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

/* Decode one column chunk of `rows` rows into c->defined / c->vals. */
static int read_chunk(etlc_parquet_reader *r, pqr_col *c, const ins_col *meta, size_t rows, etlc_error *err)
{
    const char *name = c->def.name;
    col_free_chunk(c);
    int64_t start = meta->has_dict && meta->dict_off > 0 && meta->dict_off < meta->data_off ? meta->dict_off
                                                                                         : meta->data_off;
    if (start < 4 || meta->comp < 0 || (uint64_t)start > r->size || (uint64_t)meta->comp > r->size - (uint64_t)start)
        return bad(r, err, name, "column chunk offsets are outside the file");
    size_t clen = (size_t)meta->comp;
    if (grow((void **)&r->chunk, &r->chunk_cap, clen + 1, 1) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading column \"%s\"", name);
    int rc = read_at(r, (uint64_t)start, r->chunk, clen, err);
    if (rc)
        return rc;
    size_t vals_cap = 0;
    uint8_t *defined = realloc(c->defined, rows + 1);
    if (!defined)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading column \"%s\"", name);
    c->defined = defined;
    free(c->vals);
    c->vals = NULL;
    const uint8_t *p = r->chunk, *end = r->chunk + clen;
    while (c->nrows < rows) {
        tc_reader t = {.p = p, .end = end};
        page_header h;
        if (!parse_page_header(&t, &h))
            return bad(r, err, name, "malformed page header");
        p = t.p;
        if ((size_t)h.comp > (size_t)(end - p))
            return bad(r, err, name, "page runs past its column chunk");
        size_t limit = (size_t)h.comp * 4096 + ((size_t)1 << 20);
        if ((size_t)h.unc > PQR_MAX_PAGE || (size_t)h.unc > limit)
            return bad(r, err, name, "page too large");
        uint8_t *page = malloc((size_t)h.unc + 1);
        if (!page || keep_buf(c, page) != 0) {
            free(page);
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading column \"%s\"", name);
        }
        rc = decompress(r, meta->codec, p, (size_t)h.comp, page, (size_t)h.unc, name, err);
        if (rc)
            return rc;
        p += h.comp;
        const uint8_t *q = page, *qend = page + h.unc;
        if (h.type == PQ_PAGE_DICTIONARY && h.has_dict) {
            if (c->ndict || c->nrows)
                return bad(r, err, name, "unexpected dictionary page");
            if ((size_t)h.num_values > (size_t)h.unc + 1)
                return bad(r, err, name, "dictionary count larger than its page");
            pqr_value *d = realloc(c->dict, ((size_t)h.num_values + 1) * sizeof *d);
            if (!d)
                return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading column \"%s\"", name);
            c->dict = d;
            if (c->phys == PQ_BOOLEAN || !plain_decode(c, q, qend, d, (size_t)h.num_values))
                return bad(r, err, name, "malformed dictionary page");
            c->ndict = (size_t)h.num_values;
            continue;
        }
        if (h.type != PQ_PAGE_DATA || !h.has_data)
            return etlc_error_set(err, ETLC_UNSUPPORTED, "parquet %s: column \"%s\": page type %d is not read "
                                  "(data pages v1 and dictionary pages only)", r->name, name, h.type);
        size_t nv = (size_t)h.num_values;
        if (nv > rows - c->nrows)
            return bad(r, err, name, "more values than the row group has rows");
        if (grow((void **)&r->idx, &r->idx_cap, nv + 1, sizeof *r->idx) != 0)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading column \"%s\"", name);
        size_t ndef = nv;
        if (!c->required) {
            if (qend - q < 4)
                return bad(r, err, name, "truncated definition levels");
            uint32_t dlen;
            memcpy(&dlen, q, 4);
            q += 4;
            if (dlen > (size_t)(qend - q) || !rle_decode(q, q + dlen, 1, r->idx, nv))
                return bad(r, err, name, "malformed definition levels");
            q += dlen;
            ndef = 0;
            for (size_t i = 0; i < nv; i++) {
                c->defined[c->nrows + i] = (uint8_t)r->idx[i];
                ndef += r->idx[i];
            }
        } else {
            memset(c->defined + c->nrows, 1, nv);
        }
        if (ndef && c->def.type == ETLC_TYPE_NULL)
            return bad(r, err, name, "values in a NULL-typed column");
        if (grow((void **)&c->vals, &vals_cap, c->nvals + ndef + 1, sizeof *c->vals) != 0)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading column \"%s\"", name);
        pqr_value *out = c->vals + c->nvals;
        if (h.encoding == PQ_ENC_PLAIN) {
            if (!plain_decode(c, q, qend, out, ndef))
                return bad(r, err, name, "malformed PLAIN values");
        } else if (h.encoding == PQ_ENC_RLE_DICTIONARY || h.encoding == 2 /* PLAIN_DICTIONARY */) {
            if (ndef) {
                if (q >= qend || *q > 32 || !rle_decode(q + 1, qend, *q, r->idx, ndef))
                    return bad(r, err, name, "malformed dictionary indices");
                for (size_t i = 0; i < ndef; i++) {
                    if (r->idx[i] >= c->ndict)
                        return bad(r, err, name, "dictionary index out of range");
                    out[i] = c->dict[r->idx[i]];
                }
            }
        } else {
            return etlc_error_set(err, ETLC_UNSUPPORTED, "parquet %s: column \"%s\": encoding %d is not read",
                                  r->name, name, h.encoding);
        }
        c->nvals += ndef;
        c->nrows += nv;
    }
    return 0;
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
    while (r->next_rg < r->meta.nrgs && r->meta.rgs[r->next_rg].num_rows == 0)
        r->next_rg++;
    if (r->next_rg >= r->meta.nrgs)
        return 0;
    const ins_rg *g = &r->meta.rgs[r->next_rg++];
    size_t rows = (size_t)g->num_rows;
    if ((uint64_t)g->num_rows > r->size * 8 + 1024)
        return etlc_error_set(err, ETLC_DATA, "parquet %s: row group claims %" PRId64 " rows", r->name,
                              g->num_rows);
    int rc;
    for (size_t i = 0; i < r->ncols; i++)
        if ((rc = read_chunk(r, &r->cols[i], &r->meta.cols[g->first_col + i], rows, err)))
            return rc;
    etlc_batch_free(r->batch);
    r->batch = NULL;
    if ((rc = etlc_batch_new(r->defs, r->ncols, rows ? rows : 1, &r->batch, err)))
        return rc;
    size_t *next = calloc(r->ncols + 1, sizeof *next);
    if (!next)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a row group");
    for (size_t row = 0; row < rows && rc == 0; row++) {
        for (size_t i = 0; i < r->ncols && rc == 0; i++) {
            pqr_col *c = &r->cols[i];
            if (!c->defined[row])
                rc = etlc_batch_append_null(r->batch, i, err);
            else
                rc = append_value(r->batch, i, c, &c->vals[next[i]++], err);
        }
        if (rc == 0)
            rc = etlc_batch_end_row(r->batch, err);
    }
    free(next);
    for (size_t i = 0; i < r->ncols; i++)
        col_free_chunk(&r->cols[i]);
    if (rc)
        return rc;
    *out = r->batch;
    return 0;
}
