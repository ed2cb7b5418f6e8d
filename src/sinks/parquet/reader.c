/* Parquet reader for what the ecosystem writes (pyarrow, DuckDB, polars,
 * parquet-mr, fastparquet, our writer): flat columns, nested fields (lists,
 * structs, maps) as JSON through read_nested.c, data pages v1 and v2, every
 * encoding of the format (PLAIN, dictionary, RLE booleans, DELTA_*,
 * BYTE_STREAM_SPLIT) and codec (snappy, gzip, zstd, brotli, LZ4, LZ4_RAW). docs/parquet.md has the type table.
 * Memory is one row group's compressed chunks plus one decoded page per
 * column (bounded by max_page_bytes) plus one batch. Input is untrusted:
 * every read is bounds-checked (tests/fuzz). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sinks/format_reader_impl.h"
#include "sinks/parquet/read.h"
#include "sinks/parquet/read_decode.h"
#include "sinks/parquet/read_nested.h"

/* Largest decoded page (or dictionary, or DELTA_BYTE_ARRAY values of a
 * page) by default: etlc_parquet_reader_set_max_page_bytes changes it. */
#define PQR_MAX_PAGE ETLC_PARQUET_MAX_PAGE_BYTES_DEFAULT
/* Most values in one page (our writer cuts pages at 2^20): bounds the
 * per-page level and index arrays whatever a page header claims. */
#define PQR_MAX_PAGE_VALUES ((size_t)1 << 21)


/* An output column: a flat leaf, or a top-level group / repeated field read as JSON. */
typedef struct pqr_out {
    int node;             /* schema node */
    bool nested;
    bool sub;             /* a field of a flattened struct: JSON of that field */
    int first_leaf, nleaves;
} pqr_out;

struct etlc_parquet_reader {
    int fd;               /* -1 for memory input */
    const uint8_t *mem;
    etlc__byte_input *in; /* or a borrowed byte input (a lake file) */
    size_t batch_rows;    /* rows per batch: PQR_BATCH_ROWS unless asked otherwise */
    uint64_t size;
    uint8_t *footer_bytes;
    ins meta;
    size_t ncols;         /* output columns */
    pqr_out *outs;
    etlc_column_def *defs;
    size_t nleaves;       /* column chunks per row group */
    pqr_col *cols;        /* one per leaf */
    pqr_node *nodes;      /* the schema tree */
    pqr_tree tree;        /* one nested record */
    etlc__buf jval, jout; /* one nested value, one nested record as JSON */
    size_t next_rg;
    size_t rg_rows_left;  /* rows of the open row group not yet returned */
    etlc_batch *batch;
    char name[512];       /* for messages: file name, path or URI, or "(memory)" */
    size_t max_page;      /* largest decoded page accepted */
    bool flatten;         /* top-level struct fields as columns */
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
    char name[256], why[200];
    size_t n = s->name_len < sizeof name - 1 ? s->name_len : sizeof name - 1;
    memcpy(name, s->name ? (const char *)s->name : "", n);
    name[n] = '\0';
    if (!(c->def.name = etlc__strndup(name, n)))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a Parquet schema");
    if (!s->name || n == 0 || memchr(s->name, 0, s->name_len))
        return bad(r, err, name, "empty or NUL-containing column name");
    if (s->repetition == 2 || s->num_children)
        return etlc_error_set(err, ETLC_UNSUPPORTED, "parquet %s: column \"%s\" is a repeated (list) column; "
                              "only flat schemas are read", r->name, name);
    int rc = pqr_map_leaf(s, c, why, sizeof why);
    if (rc)
        return etlc_error_set(err, rc, "parquet %s: column \"%s\": %s", r->name, name, why);
    return 0;
}

/* Is top-level node n a struct that --flatten spreads into columns? */
static bool flattened(const etlc_parquet_reader *r, int n)
{
    const pqr_node *node = &r->nodes[n];
    const ins_schema *s = node->s;
    return r->flatten && node->leaf < 0 && node->nchildren > 0 && s->repetition != 2 &&
           s->logical != PQ_LT_LIST && s->logical != PQ_LT_MAP && s->converted != PQ_CT_LIST &&
           s->converted != PQ_CT_MAP && s->converted != PQ_CT_MAP_KEY_VALUE;
}

/* "parent.name" (parent >= 0: a flattened struct's field) or "name". */
static char *out_name(const etlc_parquet_reader *r, int n, int parent)
{
    const ins_schema *s = r->nodes[n].s;
    char buf[600];
    if (parent >= 0)
        snprintf(buf, sizeof buf, "%.*s.%.*s", (int)r->nodes[parent].s->name_len,
                 (const char *)r->nodes[parent].s->name, (int)s->name_len, (const char *)s->name);
    else
        snprintf(buf, sizeof buf, "%.*s", (int)s->name_len, (const char *)s->name);
    return etlc__strdup(buf);
}

/* Output column i from schema node n (top-level, or a field of the
 * flattened struct `parent`): a flat leaf, or a group / repeated field
 * whose leaves are assembled into JSON. */
static int map_output(etlc_parquet_reader *r, size_t i, int n, int parent, etlc_error *err)
{
    const pqr_node *node = &r->nodes[n];
    pqr_out *o = &r->outs[i];
    o->node = n;
    o->first_leaf = node->first_leaf;
    o->nleaves = node->nleaves;
    int rc;
    size_t nlen = node->s->name_len;
    if (!node->s->name || nlen == 0 || memchr(node->s->name, 0, nlen) ||
        (parent >= 0 && (!r->nodes[parent].s->name || memchr(r->nodes[parent].s->name, 0, r->nodes[parent].s->name_len))))
        return bad(r, err, "?", "empty or NUL-containing column name");
    if (node->leaf >= 0 && node->s->repetition != 2) {
        pqr_col *c = &r->cols[node->leaf];
        if ((rc = map_leaf(r, node->s, c, err)))
            return rc;
        if (parent >= 0) {
            free(c->def.name);
            if (!(c->def.name = out_name(r, n, parent)))
                return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a Parquet schema");
        }
        c->node = n;
        c->max_def = node->def;
        r->defs[i] = c->def;
        return 0;
    }
    o->nested = true;
    o->sub = parent >= 0;
    if (!(r->defs[i].name = out_name(r, n, parent)))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a Parquet schema");
    r->defs[i].type = ETLC_TYPE_JSON;
    if (node->nleaves == 0)
        return bad(r, err, r->defs[i].name, "a group without leaves");
    for (int k = 0; k < r->nodes[n].size; k++) {
        const pqr_node *lf = &r->nodes[n + k];
        if (lf->leaf < 0)
            continue;
        pqr_col *c = &r->cols[lf->leaf];
        char lname[300], why[200];
        snprintf(lname, sizeof lname, "%s.%.*s", r->defs[i].name, (int)lf->s->name_len,
                 lf->s->name ? (const char *)lf->s->name : "");
        if (!(c->def.name = etlc__strdup(lname)))
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a Parquet schema");
        if ((rc = pqr_map_leaf(lf->s, c, why, sizeof why)))
            return etlc_error_set(err, rc, "parquet %s: column \"%s\": %s", r->name, lname, why);
        c->node = n + k;
        c->max_def = lf->def;
        c->max_rep = lf->rep;
        if (lf->rep >= 255 || lf->def >= 255)
            return bad(r, err, lname, "nesting too deep");
    }
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
    for (size_t i = 0; r->outs && r->defs && i < r->ncols; i++)
        if (r->outs[i].nested)
            free(r->defs[i].name);
    free(r->outs);
    free(r->nodes);
    pqr_tree_free(&r->tree);
    etlc__buf_free(&r->jval);
    etlc__buf_free(&r->jout);
    for (size_t i = 0; r->cols && i < r->nleaves; i++) {
        pqr_col *c = &r->cols[i];
        free(c->chunk);
        free(c->dict);
        free(c->dict_page);
        free(c->page);
        free(c->defs);
        free(c->idx);
        free(c->vals);
        free(c->reps);
        etlc__buf_free(&c->bson);
        free(c->ints);
        free(c->arena);
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
    r->max_page = PQR_MAX_PAGE;
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
    char why[200];
    if ((rc = pqr_schema_tree(m, &r->nodes, &r->nleaves, why, sizeof why)))
        return etlc_error_set(err, rc, "parquet %s: %s", r->name, why);
    r->ncols = 0;
    for (int k = 0, n = 1; k < r->nodes[0].nchildren; k++, n += r->nodes[n].size)
        r->ncols += flattened(r, n) ? (size_t)r->nodes[n].nchildren : 1;
    if ((r->nleaves && !(r->cols = calloc(r->nleaves, sizeof *r->cols))) ||
        (r->ncols && (!(r->defs = calloc(r->ncols, sizeof *r->defs)) || !(r->outs = calloc(r->ncols, sizeof *r->outs)))))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a Parquet schema");
    size_t out = 0;
    for (int k = 0, n = 1; k < r->nodes[0].nchildren; k++, n += r->nodes[n].size) {
        if (!flattened(r, n)) {
            if ((rc = map_output(r, out++, n, -1, err)))
                return rc;
            continue;
        }
        for (int f = 0, ch = n + 1; f < r->nodes[n].nchildren; f++, ch += r->nodes[ch].size)
            if ((rc = map_output(r, out++, ch, n, err)))
                return rc;
    }
    for (size_t g = 0; g < m->nrgs; g++) {
        if (m->rgs[g].ncols != r->nleaves || m->rgs[g].num_rows < 0)
            return etlc_error_set(err, ETLC_DATA, "parquet %s: row group %zu has %zu columns, the schema %zu",
                                  r->name, g, m->rgs[g].ncols, r->nleaves);
        for (size_t i = 0; i < r->nleaves; i++) {
            const ins_col *cc = &m->cols[m->rgs[g].first_col + i];
            if (!cc->has_meta || cc->type != r->cols[i].phys || cc->num_values < 0)
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

int etlc__parquet_reader_open_input(etlc__byte_input *in, const char *name, size_t batch_rows, bool flatten,
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
    r->flatten = flatten;
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

int etlc_parquet_reader_column_hint(const etlc_parquet_reader *r, size_t col)
{
    if (col >= r->ncols || r->outs[col].nested)
        return ETLC_HINT_NONE;
    return r->cols[r->nodes[r->outs[col].node].leaf].hint;
}

void etlc_parquet_reader_set_max_page_bytes(etlc_parquet_reader *r, size_t max_bytes)
{
    r->max_page = max_bytes ? max_bytes : PQR_MAX_PAGE;
}

/* ---- decoding -------------------------------------------------------------- */

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

static int nomem(etlc_parquet_reader *r, const pqr_col *c, etlc_error *err)
{
    return etlc_error_set(err, ETLC_NO_MEMORY, "parquet %s: out of memory reading column \"%s\"", r->name,
                          c->def.name);
}

/* PLAIN values: n of them from [p, end) into vals. */
static bool plain_decode(const pqr_col *c, const uint8_t *p, const uint8_t *end, pqr_value *vals, size_t n)
{
    size_t avail = (size_t)(end - p), w = pqr_phys_width(c);
    if (c->phys == PQ_BOOLEAN) {
        if ((n + 7) / 8 > avail)
            return false;
        for (size_t i = 0; i < n; i++)
            vals[i].i = (p[i / 8] >> (i % 8)) & 1;
        return true;
    }
    if (c->phys == PQ_BYTE_ARRAY) {
        for (size_t i = 0; i < n; i++) {
            uint32_t len;
            if ((size_t)(end - p) < 4)
                return false;
            memcpy(&len, p, 4);
            p += 4;
            if (len > (size_t)(end - p))
                return false;
            vals[i].p = p;
            vals[i].len = len;
            p += len;
        }
        return true;
    }
    if (w == 0 || n > avail / w)
        return false;
    for (size_t i = 0; i < n; i++, p += w) {
        int32_t i32;
        float f;
        switch (c->phys) {
        case PQ_INT32: memcpy(&i32, p, 4); vals[i].i = i32; break;
        case PQ_INT64: memcpy(&vals[i].i, p, 8); break;
        case PQ_FLOAT: memcpy(&f, p, 4); vals[i].d = f; break;
        case PQ_DOUBLE: memcpy(&vals[i].d, p, 8); break;
        default: vals[i].p = p; vals[i].len = (uint32_t)w; break; /* INT96, FLBA */
        }
    }
    return true;
}

typedef struct page_header {
    int type;
    int32_t unc, comp;
    int32_t num_values;
    int encoding, def_encoding;
    int32_t def_len, rep_len; /* data page v2: level bytes before the values */
    bool has_data, has_dict, has_v2, v2_compressed;
} page_header;

static void parse_page_sub(tc_reader *t, page_header *h, int16_t id)
{
    tcr_struct_enter(t);
    int16_t l2 = 0, id2;
    uint8_t t2;
    while (tcr_field(t, &l2, &id2, &t2)) {
        if (t2 == TC_I32 && id2 == 1) h->num_values = tcr_i32(t);
        else if (t2 == TC_I32 && id2 == (id == 8 ? 4 : 2)) h->encoding = tcr_i32(t);
        else if (t2 == TC_I32 && id == 5 && id2 == 3) h->def_encoding = tcr_i32(t);
        else if (t2 == TC_I32 && id == 8 && id2 == 5) h->def_len = tcr_i32(t);
        else if (t2 == TC_I32 && id == 8 && id2 == 6) h->rep_len = tcr_i32(t);
        else if (id == 8 && id2 == 7 && (t2 == TC_TRUE || t2 == TC_FALSE)) h->v2_compressed = t2 == TC_TRUE;
        else if (t2 != TC_TRUE && t2 != TC_FALSE) tcr_skip(t, t2);
    }
    tcr_struct_leave(t);
    if (id == 5) h->has_data = true;
    else if (id == 7) h->has_dict = true;
    else h->has_v2 = true;
}

static bool parse_page_header(tc_reader *t, page_header *h)
{
    memset(h, 0, sizeof *h);
    h->type = -1;
    h->v2_compressed = true; /* DataPageHeaderV2.is_compressed defaults to true */
    int16_t last = 0, id;
    uint8_t ty;
    while (tcr_field(t, &last, &id, &ty)) {
        if (id == 1 && ty == TC_I32) h->type = tcr_i32(t);
        else if (id == 2 && ty == TC_I32) h->unc = tcr_i32(t);
        else if (id == 3 && ty == TC_I32) h->comp = tcr_i32(t);
        else if ((id == 5 || id == 7 || id == 8) && ty == TC_STRUCT) parse_page_sub(t, h, id);
        else if (ty != TC_TRUE && ty != TC_FALSE) tcr_skip(t, ty);
    }
    return !t->failed && h->unc >= 0 && h->comp >= 0 && h->num_values >= 0 && h->def_len >= 0 &&
           h->rep_len >= 0;
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
        return nomem(r, c, err);
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

/* The next page header of the chunk, its body checked against the chunk and the page bound. */
static int next_header(etlc_parquet_reader *r, pqr_col *c, page_header *h, etlc_error *err)
{
    const char *name = c->def.name;
    tc_reader t = {.p = c->chunk + c->cpos, .end = c->chunk + c->clen};
    if (c->cpos >= c->clen || !parse_page_header(&t, h))
        return bad(r, err, name, "malformed or missing page header");
    c->cpos = (size_t)(t.p - c->chunk);
    if ((size_t)h->comp > c->clen - c->cpos)
        return bad(r, err, name, "page runs past its column chunk");
    if ((size_t)h->unc > r->max_page)
        return etlc_error_set(err, ETLC_DATA, "parquet %s: column \"%s\": a page decodes to %" PRId32 " bytes, "
                              "more than the reader's bound of %zu (raise max_page_bytes to read it)",
                              r->name, name, h->unc, r->max_page);
    return 0;
}

/* Decompress a page body into *buf. Data page v2: the levels before the
 * values are never compressed; the values are when is_compressed says so. */
static int page_body(etlc_parquet_reader *r, pqr_col *c, const page_header *h, uint8_t **buf, size_t *cap,
                     etlc_error *err)
{
    char what[600];
    snprintf(what, sizeof what, "parquet %s: column \"%s\"", r->name, c->def.name);
    if (grow((void **)buf, cap, (size_t)h->unc + 1, 1) != 0)
        return nomem(r, c, err);
    const uint8_t *src = c->chunk + c->cpos;
    size_t lv = 0;
    int codec = c->codec;
    if (h->has_v2) {
        lv = (size_t)h->def_len + (size_t)h->rep_len;
        if (lv > (size_t)h->comp || lv > (size_t)h->unc)
            return bad(r, err, c->def.name, "data page v2 levels run past the page");
        memcpy(*buf, src, lv);
        if (!h->v2_compressed)
            codec = PQ_CODEC_UNCOMPRESSED;
    }
    int rc = pqr_decompress(codec, src + lv, (size_t)h->comp - lv, *buf + lv, (size_t)h->unc - lv, what, err);
    c->cpos += (size_t)h->comp;
    return rc;
}

static int read_dictionary(etlc_parquet_reader *r, pqr_col *c, const page_header *h, etlc_error *err)
{
    const char *name = c->def.name;
    if (c->ndict)
        return bad(r, err, name, "a second dictionary page");
    if ((size_t)h->num_values > (size_t)h->unc + 1 || c->phys == PQ_BOOLEAN)
        return bad(r, err, name, "malformed dictionary page");
    int rc = page_body(r, c, h, &c->dict_page, &c->dict_page_cap, err);
    if (rc)
        return rc;
    if (grow((void **)&c->dict, &c->dict_cap, (size_t)h->num_values + 1, sizeof *c->dict) != 0)
        return nomem(r, c, err);
    if (!plain_decode(c, c->dict_page, c->dict_page + h->unc, c->dict, (size_t)h->num_values))
        return bad(r, err, name, "malformed dictionary page");
    c->ndict = (size_t)h->num_values;
    return 0;
}

/* One run of levels (max > 0) of nv values into out: v1 pages prefix them
 * with their length, v2 pages give it in the header (v2len). */
static int level_run(etlc_parquet_reader *r, pqr_col *c, const uint8_t **q, const uint8_t *qend, size_t nv,
                     int max, long v2len, uint8_t *out, const char *what, etlc_error *err)
{
    size_t len;
    if (v2len >= 0) {
        len = (size_t)v2len;
    } else {
        uint32_t l32;
        if (qend - *q < 4)
            return bad(r, err, c->def.name, what);
        memcpy(&l32, *q, 4);
        *q += 4;
        len = l32;
    }
    if (len > (size_t)(qend - *q) || !pqr_rle_decode(*q, *q + len, pq_bit_width((uint64_t)max), c->idx, nv))
        return bad(r, err, c->def.name, what);
    for (size_t i = 0; i < nv; i++) {
        if (c->idx[i] > (uint32_t)max)
            return bad(r, err, c->def.name, what);
        out[i] = (uint8_t)c->idx[i];
    }
    *q += len;
    return 0;
}

/* Repetition and definition levels of nv values into c->reps / c->defs;
 * *ndef counts the defined values; *q moves past the levels. */
static int read_levels(etlc_parquet_reader *r, pqr_col *c, const page_header *h, const uint8_t **q,
                       const uint8_t *qend, size_t nv, size_t *ndef, etlc_error *err)
{
    const char *name = c->def.name;
    int rc;
    if (!h->has_v2 && h->def_encoding == PQR_ENC_BIT_PACKED && c->max_def > 0)
        return etlc_error_set(err, ETLC_UNSUPPORTED, "parquet %s: column \"%s\": BIT_PACKED definition "
                              "levels (deprecated since Parquet 2.0) are not read", r->name, name);
    if (c->max_rep > 0) {
        if (grow((void **)&c->reps, &c->reps_cap, nv + 1, 1) != 0)
            return nomem(r, c, err);
        if ((rc = level_run(r, c, q, qend, nv, c->max_rep, h->has_v2 ? h->rep_len : -1, c->reps,
                            "malformed repetition levels", err)))
            return rc;
    } else if (h->has_v2 && h->rep_len) {
        return bad(r, err, name, "repetition levels in a column that is not repeated");
    }
    if (c->max_def > 0) {
        if ((rc = level_run(r, c, q, qend, nv, c->max_def, h->has_v2 ? h->def_len : -1, c->defs,
                            "malformed definition levels", err)))
            return rc;
    } else {
        memset(c->defs, 0, nv);
        *q += h->has_v2 ? (size_t)h->def_len : 0;
    }
    *ndef = 0;
    for (size_t i = 0; i < nv; i++)
        *ndef += c->defs[i] == c->max_def;
    return 0;
}

/* DELTA_BINARY_PACKED integers into c->ints; *q moves past them. */
static bool delta_ints(pqr_col *c, const uint8_t **q, const uint8_t *qend, size_t n)
{
    size_t used;
    if (grow((void **)&c->ints, &c->ints_cap, n + 1, sizeof *c->ints) != 0)
        return false;
    if (!pqr_delta_decode(*q, qend, c->ints, n, &used))
        return false;
    *q += used;
    return true;
}

/* DELTA_LENGTH_BYTE_ARRAY (lengths in c->ints already) over [q, qend). */
static bool dlba_values(pqr_col *c, const uint8_t *q, const uint8_t *qend, size_t n, const int64_t *lens)
{
    for (size_t i = 0; i < n; i++) {
        if (lens[i] < 0 || (uint64_t)lens[i] > (size_t)(qend - q))
            return false;
        c->vals[i].p = q;
        c->vals[i].len = (uint32_t)lens[i];
        q += lens[i];
    }
    return true;
}

/* DELTA_BYTE_ARRAY: prefix lengths, then suffixes as DELTA_LENGTH_BYTE_ARRAY;
 * values are rebuilt into c->arena. */
static int dba_values(etlc_parquet_reader *r, pqr_col *c, const uint8_t *q, const uint8_t *qend, size_t n,
                      etlc_error *err)
{
    const char *name = c->def.name;
    int64_t *pre = malloc((n + 1) * sizeof *pre);
    if (!pre || grow((void **)&c->ints, &c->ints_cap, n + 1, sizeof *c->ints) != 0) {
        free(pre);
        return nomem(r, c, err);
    }
    if (!delta_ints(c, &q, qend, n)) {
        free(pre);
        return bad(r, err, name, "malformed DELTA_BYTE_ARRAY prefixes");
    }
    memcpy(pre, c->ints, n * sizeof *pre);
    int rc = 0;
    uint64_t total = 0, prev = 0;
    if (!delta_ints(c, &q, qend, n) || !dlba_values(c, q, qend, n, c->ints))
        rc = bad(r, err, name, "malformed DELTA_BYTE_ARRAY suffixes");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (pre[i] < 0 || (uint64_t)pre[i] > prev)
            rc = bad(r, err, name, "DELTA_BYTE_ARRAY prefix longer than the value before it");
        prev = (uint64_t)pre[i] + c->vals[i].len;
        total += prev;
        if (rc == 0 && (prev > UINT32_MAX || total > r->max_page))
            rc = etlc_error_set(err, ETLC_DATA, "parquet %s: column \"%s\": DELTA_BYTE_ARRAY values pass the "
                                "reader's bound of %zu bytes (max_page_bytes)", r->name, name, r->max_page);
    }
    if (rc == 0 && grow((void **)&c->arena, &c->arena_cap, (size_t)total + 1, 1) != 0)
        rc = nomem(r, c, err);
    uint8_t *o = c->arena;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        size_t p = (size_t)pre[i];
        if (p)
            memcpy(o, o - c->vals[i - 1].len, p); /* the previous value ends at o */
        memcpy(o + p, c->vals[i].p, c->vals[i].len);
        c->vals[i].p = o;
        c->vals[i].len += (uint32_t)p;
        o += c->vals[i].len;
    }
    free(pre);
    if (rc == 0 && c->phys == PQ_FLBA)
        for (size_t i = 0; rc == 0 && i < n; i++)
            if (c->vals[i].len != (uint32_t)c->type_length)
                rc = bad(r, err, name, "DELTA_BYTE_ARRAY value of the wrong fixed length");
    return rc;
}

static int unsupported_encoding(etlc_parquet_reader *r, const pqr_col *c, int enc, etlc_error *err)
{
    static const char *phys[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
                                 "FIXED_LEN_BYTE_ARRAY"};
    return etlc_error_set(err, ETLC_UNSUPPORTED, "parquet %s: column \"%s\": %s values encoded as %s are not read",
                          r->name, c->def.name, c->phys >= 0 && c->phys < 8 ? phys[c->phys] : "unknown",
                          pqr_encoding_name(enc));
}

/* Values encoded other than PLAIN and dictionary: decoded whole into c->vals. */
static int decode_values(etlc_parquet_reader *r, pqr_col *c, int enc, const uint8_t *q, const uint8_t *qend,
                         size_t n, etlc_error *err)
{
    const char *name = c->def.name;
    if (grow((void **)&c->vals, &c->vals_cap, n + 1, sizeof *c->vals) != 0 ||
        grow((void **)&c->ints, &c->ints_cap, n + 1, sizeof *c->ints) != 0)
        return nomem(r, c, err);
    c->decoded = true;
    size_t w = pqr_phys_width(c);
    switch (enc) {
    case PQR_ENC_RLE: {
        uint32_t len;
        if (c->phys != PQ_BOOLEAN)
            return unsupported_encoding(r, c, enc, err);
        if (qend - q < 4 || (memcpy(&len, q, 4), len > (size_t)(qend - q - 4)) ||
            !pqr_rle_decode(q + 4, q + 4 + len, 1, c->idx, n))
            return bad(r, err, name, "malformed RLE booleans");
        for (size_t i = 0; i < n; i++)
            c->vals[i].i = c->idx[i];
        return 0;
    }
    case PQR_ENC_DELTA_BINARY_PACKED:
        if (c->phys != PQ_INT32 && c->phys != PQ_INT64)
            return unsupported_encoding(r, c, enc, err);
        if (!delta_ints(c, &q, qend, n))
            return bad(r, err, name, "malformed DELTA_BINARY_PACKED values");
        for (size_t i = 0; i < n; i++)
            c->vals[i].i = c->phys == PQ_INT32 ? (int32_t)(uint32_t)c->ints[i] : c->ints[i];
        return 0;
    case PQR_ENC_DELTA_LENGTH_BYTE_ARRAY:
        if (c->phys != PQ_BYTE_ARRAY)
            return unsupported_encoding(r, c, enc, err);
        if (!delta_ints(c, &q, qend, n) || !dlba_values(c, q, qend, n, c->ints))
            return bad(r, err, name, "malformed DELTA_LENGTH_BYTE_ARRAY values");
        return 0;
    case PQR_ENC_DELTA_BYTE_ARRAY:
        if (c->phys != PQ_BYTE_ARRAY && c->phys != PQ_FLBA)
            return unsupported_encoding(r, c, enc, err);
        return dba_values(r, c, q, qend, n, err);
    case PQR_ENC_BYTE_STREAM_SPLIT:
        if (w == 0 || c->phys == PQ_INT96)
            return unsupported_encoding(r, c, enc, err);
        if (grow((void **)&c->arena, &c->arena_cap, n * w + 1, 1) != 0)
            return nomem(r, c, err);
        if (!pqr_bss_decode(q, qend, w, n, c->arena) || !plain_decode(c, c->arena, c->arena + n * w, c->vals, n))
            return bad(r, err, name, "malformed BYTE_STREAM_SPLIT values");
        return 0;
    default:
        return unsupported_encoding(r, c, enc, err);
    }
}

/* Dictionary indices or PLAIN values: read value by value (checked here up front). */
static int index_values(etlc_parquet_reader *r, pqr_col *c, int enc, const uint8_t *q, const uint8_t *qend,
                        size_t ndef, etlc_error *err)
{
    const char *name = c->def.name;
    c->dict_encoded = enc == PQR_ENC_RLE_DICTIONARY || enc == PQR_ENC_PLAIN_DICTIONARY;
    if (c->dict_encoded) {
        if (!c->ndict && ndef)
            return bad(r, err, name, "dictionary-encoded page without a dictionary page");
        if (ndef && (q >= qend || *q > 32 || !pqr_rle_decode(q + 1, qend, *q, c->idx, ndef)))
            return bad(r, err, name, "malformed dictionary indices");
        for (size_t i = 0; i < ndef; i++)
            if (c->idx[i] >= c->ndict)
                return bad(r, err, name, "dictionary index out of range");
        return 0;
    }
    size_t avail = (size_t)(qend - q), w = pqr_phys_width(c);
    if (c->phys == PQ_BOOLEAN ? (ndef + 7) / 8 > avail
        : c->phys == PQ_BYTE_ARRAY ? false : (w == 0 || ndef > avail / w))
        return bad(r, err, name, "PLAIN values run past the page");
    c->q = q;
    c->qend = qend;
    c->bit = 0;
    return 0;
}

/* Make the next data page current (reading a dictionary page first when one comes). */
static int next_page(etlc_parquet_reader *r, pqr_col *c, etlc_error *err)
{
    const char *name = c->def.name;
    page_header h;
    int rc;
    for (;;) {
        if ((rc = next_header(r, c, &h, err)))
            return rc;
        if (h.type == PQ_PAGE_DICTIONARY && h.has_dict) {
            if ((rc = read_dictionary(r, c, &h, err)))
                return rc;
            continue;
        }
        if ((h.type == PQ_PAGE_DATA && h.has_data) || (h.type == PQ_PAGE_DATA_V2 && h.has_v2))
            break;
        if (h.type == PQ_PAGE_DATA || h.type == PQ_PAGE_DATA_V2 || h.type == PQ_PAGE_DICTIONARY)
            return bad(r, err, name, "page header without its page type's fields");
        c->cpos += (size_t)h.comp; /* an index page, or a kind readers may skip */
    }
    size_t nv = (size_t)h.num_values, ndef = 0;
    if (nv == 0 || nv > c->rows_left || nv > PQR_MAX_PAGE_VALUES)
        return bad(r, err, name, "page value count does not fit the row group (or passes 2^21)");
    if (grow((void **)&c->defs, &c->defs_cap, nv + 1, 1) != 0 ||
        grow((void **)&c->idx, &c->idx_cap, nv + 1, sizeof *c->idx) != 0)
        return nomem(r, c, err);
    if ((rc = page_body(r, c, &h, &c->page, &c->page_cap, err)))
        return rc;
    const uint8_t *q = c->page, *qend = c->page + h.unc;
    if ((rc = read_levels(r, c, &h, &q, qend, nv, &ndef, err)))
        return rc;
    if (ndef && c->def.type == ETLC_TYPE_NULL)
        return bad(r, err, name, "values in a NULL-typed column");
    c->decoded = c->dict_encoded = false;
    bool plain = h.encoding == PQR_ENC_PLAIN || h.encoding == PQR_ENC_RLE_DICTIONARY ||
                 h.encoding == PQR_ENC_PLAIN_DICTIONARY;
    rc = plain ? index_values(r, c, h.encoding, q, qend, ndef, err)
               : ndef ? decode_values(r, c, h.encoding, q, qend, ndef, err) : 0;
    if (rc)
        return rc;
    c->page_nv = nv;
    c->page_i = c->vi = 0;
    return 0;
}

/* The next (repetition, definition, value) triple of the leaf; *defined
 * says the value is there (its definition level is the leaf's maximum). */
static int next_value(etlc_parquet_reader *r, pqr_col *c, bool *defined, pqr_value *v, etlc_error *err)
{
    if (c->page_i == c->page_nv) {
        int rc = next_page(r, c, err);
        if (rc)
            return rc;
    }
    c->rows_left--;
    *defined = c->defs[c->page_i++] == c->max_def;
    if (!*defined)
        return 0;
    if (c->dict_encoded) {
        *v = c->dict[c->idx[c->vi++]];
        return 0;
    }
    if (c->decoded) {
        *v = c->vals[c->vi++];
        return 0;
    }
    if (c->phys == PQ_BOOLEAN) {
        v->i = (c->q[c->bit / 8] >> (c->bit % 8)) & 1;
        c->bit++;
        return 0;
    }
    if (c->phys == PQ_BYTE_ARRAY) {
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
    plain_decode(c, c->q, c->qend, v, 1); /* fits: checked by index_values */
    c->q += pqr_phys_width(c);
    return 0;
}

/* The repetition level of the leaf's next triple: 0 starts a record, -1 the chunk's end. */
static int peek_rep(etlc_parquet_reader *r, pqr_col *c, int *rep, etlc_error *err)
{
    *rep = -1;
    if (c->page_i == c->page_nv) {
        if (c->rows_left == 0)
            return 0;
        int rc = next_page(r, c, err);
        if (rc)
            return rc;
    }
    *rep = c->max_rep ? c->reps[c->page_i] : 0;
    return 0;
}

/* One record of a leaf into the tree: its triples up to the next record. */
static int nested_leaf(etlc_parquet_reader *r, pqr_col *c, etlc_error *err)
{
    for (bool first = true;; first = false) {
        int rep = -1, t, rc;
        if ((rc = peek_rep(r, c, &rep, err)))
            return rc;
        if (rep < 0 || (rep == 0 && !first))
            return rep < 0 && first ? bad(r, err, c->def.name, "fewer records than the row group's rows") : 0;
        int def = c->page_i < c->page_nv ? c->defs[c->page_i] : 0;
        bool defined;
        pqr_value v = {0};
        if ((rc = next_value(r, c, &defined, &v, err)))
            return rc;
        etlc__buf_reset(&r->jval);
        if (defined && (rc = pqr_value_json(c, &v, &r->jval, r->name, err)))
            return rc;
        t = pqr_tree_add(&r->tree, r->nodes, c->node, rep, def, first, r->jval.data ? r->jval.data : "",
                         r->jval.len);
        if (t == -1)
            return nomem(r, c, err);
        if (t)
            return bad(r, err, c->def.name, "repetition or definition levels contradict the schema");
    }
}

/* Output column i (a nested field) of the current row, as JSON. */
static int nested_value(etlc_parquet_reader *r, size_t i, etlc_error *err)
{
    const pqr_out *o = &r->outs[i];
    if (pqr_tree_reset(&r->tree, o->node) != 0)
        return nomem(r, &r->cols[o->first_leaf], err);
    for (int k = 0; k < o->nleaves; k++) {
        int rc = nested_leaf(r, &r->cols[o->first_leaf + k], err);
        if (rc)
            return rc;
    }
    etlc__buf_reset(&r->jout);
    int j = pqr_tree_json(&r->tree, r->nodes, o->sub ? o->node : -1, &r->jout);
    if (j < 0)
        return nomem(r, &r->cols[o->first_leaf], err);
    return j ? etlc_batch_append_null(r->batch, i, err)
             : etlc_batch_append_var(r->batch, i, ETLC_TYPE_JSON, r->jout.data, r->jout.len, err);
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
        for (size_t i = 0; i < r->nleaves; i++)
            if ((rc = chunk_open(r, &r->cols[i], &r->meta.cols[g->first_col + i],
                                 r->cols[i].max_rep ? (size_t)r->meta.cols[g->first_col + i].num_values
                                                    : (size_t)g->num_rows, err)))
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
            if (r->outs[i].nested) {
                rc = nested_value(r, i, err);
                continue;
            }
            pqr_col *c = &r->cols[r->nodes[r->outs[i].node].leaf];
            bool defined;
            pqr_value v = {0};
            if ((rc = next_value(r, c, &defined, &v, err)) == 0)
                rc = defined ? pqr_append(r->batch, i, c, &v, r->name, err) : etlc_batch_append_null(r->batch, i, err);
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
