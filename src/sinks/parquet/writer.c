/* The public Parquet writer: schema across batches, row groups, footer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/parquet/page_pool.h"

/* Rows encoded per column before the row-group size is checked. */
#define PQ_SLICE_ROWS 1024

int pq_write_out(struct etlc_parquet_writer *w, const void *p, size_t len, etlc_error *err)
{
    if (len == 0)
        return 0;
    int rc = w->write(w->userdata, p, len, err);
    if (rc) {
        w->broken = true;
        return rc;
    }
    w->offset += len;
    return 0;
}

static int column_init(pq_column *c, const etlc_column_def *def, int64_t dictionary_bytes)
{
    memset(c, 0, sizeof *c);
    c->name = etlc__strdup(def->name ? def->name : "");
    if (!c->name)
        return -1;
    c->def = *def;
    c->def.name = c->name;
    c->typed = def->type != ETLC_TYPE_NULL;
    pq_layout_for(def, &c->layout);
    pq_dict_init(&c->dict, 0);
    pq_column_reset_chunk(c, dictionary_bytes);
    return 0;
}

/* Parquet readers (pyarrow among them) refuse a file whose columns have no
 * name or share one: such a file is never written. etlconn's sinks rename
 * them first (sinks/column_names.h); this guards direct callers. */
static int check_names(const etlc_column_def *defs, size_t ncols, etlc_error *err)
{
    for (size_t i = 0; i < ncols; i++) {
        const char *n = defs[i].name ? defs[i].name : "";
        if (!*n)
            return etlc_error_set(err, ETLC_DATA_SCHEMA, "parquet writer: column %zu has an empty name", i + 1);
        for (size_t j = 0; j < i; j++)
            if (defs[j].name && strcmp(defs[j].name, n) == 0)
                return etlc_error_set(err, ETLC_DATA_SCHEMA,
                                      "parquet writer: columns %zu and %zu are both named \"%s\"; names must be unique",
                                      j + 1, i + 1, n);
    }
    return 0;
}

static int set_schema(etlc_parquet_writer *w, const etlc_column_def *defs, size_t ncols,
                      etlc_error *err)
{
    int rc = check_names(defs, ncols, err);
    if (rc)
        return rc;
    if (ncols) {
        w->cols = calloc(ncols, sizeof *w->cols);
        if (!w->cols)
            goto nomem;
    }
    for (size_t i = 0; i < ncols; i++) {
        if (column_init(&w->cols[i], &defs[i], w->dictionary_bytes) != 0) {
            for (size_t j = 0; j <= i; j++)
                pq_column_free(&w->cols[j]);
            free(w->cols);
            w->cols = NULL;
            goto nomem;
        }
    }
    w->ncols = ncols;
    w->schema_set = true;
    return 0;
nomem:
    return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory setting up %zu Parquet columns", ncols);
}

int etlc_parquet_writer_open(etlc_parquet_write_fn write, void *userdata,
                             const etlc_parquet_options *opts, etlc_parquet_writer **out,
                             etlc_error *err)
{
    *out = NULL;
    if (!write)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "parquet writer needs a write callback");
    etlc_parquet_options o;
    memset(&o, 0, sizeof o);
    if (opts)
        o = *opts;
    if ((unsigned)o.compression > ETLC_PARQUET_NONE)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "parquet writer: unknown codec %d",
                              (int)o.compression);
    int rc = etlc_parquet_level_check(o.compression, o.compression_level, err);
    if (rc)
        return rc;
    if (o.threads < 0)
        return etlc_error_set(err, ETLC_CONFIG_RANGE,
                              "parquet threads %d must be >= 0 (0 = one per online CPU)", o.threads);
    if (o.row_group_bytes < 0 || o.page_bytes < 0)
        return etlc_error_set(err, ETLC_CONFIG_RANGE,
                              "parquet row_group_bytes (%lld) and page_bytes (%lld) must be >= 0",
                              (long long)o.row_group_bytes, (long long)o.page_bytes);
    etlc_parquet_writer *w = calloc(1, sizeof *w);
    if (!w)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening a parquet writer");
    w->write = write;
    w->userdata = userdata;
    w->codec = o.compression;
    w->level = o.compression_level;
    w->threads = o.threads ? o.threads : pq_online_cpus();
    w->row_group_bytes = o.row_group_bytes ? o.row_group_bytes : ETLC_PARQUET_DEFAULT_ROW_GROUP_BYTES;
    w->page_bytes = o.page_bytes ? o.page_bytes : ETLC_PARQUET_DEFAULT_PAGE_BYTES;
    if (w->page_bytes > INT32_MAX / 4)
        w->page_bytes = INT32_MAX / 4;
    w->dictionary_bytes = o.dictionary_bytes ? o.dictionary_bytes
                                             : ETLC_PARQUET_DEFAULT_DICTIONARY_BYTES;
    if (w->dictionary_bytes > (int64_t)1 << 30)
        w->dictionary_bytes = (int64_t)1 << 30;
    rc = ETLC_NO_MEMORY;
    if (etlc_meta_set(&w->kv, "writer", "etlconn " ETLCONN_VERSION) != 0)
        goto fail_nomem;
    if (o.metadata)
        for (size_t i = 0; i < o.metadata->count; i++)
            if (etlc_meta_set(&w->kv, o.metadata->entries[i].key,
                              o.metadata->entries[i].value ? o.metadata->entries[i].value : "") != 0)
                goto fail_nomem;
    if (o.schema && o.schema_ncols && (rc = set_schema(w, o.schema, o.schema_ncols, err)) != 0)
        goto fail;
    /* With an initial schema, the first batch may still re-declare it. */
    w->schema_set = false;
    if ((rc = pq_write_out(w, "PAR1", 4, err)) != 0)
        goto fail;
    *out = w;
    return 0;
fail_nomem:
    rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening a parquet writer");
fail:
    etlc_parquet_writer_free(w);
    return rc;
}

/* Index of the first non-null row of a column in the batch (0 if none). */
static size_t first_value_row(const etlc_column *c, size_t nrows)
{
    for (size_t r = 0; r < nrows; r++)
        if (!c->nulls || !c->nulls[r])
            return r;
    return 0;
}

/* Check the batch against the file's schema without changing anything. */
static int check_schema(const etlc_parquet_writer *w, const etlc_batch *b, etlc_error *err)
{
    if (b->ncols != w->ncols)
        return etlc_error_set(err, ETLC_DATA_SCHEMA,
                              "parquet: batch %llu has %zu columns but the file has %zu",
                              (unsigned long long)b->batch_index, b->ncols, w->ncols);
    for (size_t i = 0; i < w->ncols; i++) {
        const pq_column *c = &w->cols[i];
        const etlc_column *s = &b->cols[i];
        const char *sname = s->def.name ? s->def.name : "";
        if (strcmp(sname, c->name) != 0)
            return etlc_error_set(err, ETLC_DATA_SCHEMA,
                                  "parquet: batch %llu column %zu is \"%s\" but the file's is \"%s\"",
                                  (unsigned long long)b->batch_index, i, sname, c->name);
        etlc_type bt = s->def.type, ct = c->def.type;
        if (bt == ETLC_TYPE_NULL || ct == ETLC_TYPE_NULL)
            continue;
        if (bt != ct)
            return etlc_error_set(err, ETLC_DATA_SCHEMA,
                                  "parquet: column \"%s\" changed type from %s to %s at batch %llu "
                                  "row %zu; only a column that has been all NULL so far may take a "
                                  "type",
                                  c->name, etlc_type_name(ct), etlc_type_name(bt),
                                  (unsigned long long)b->batch_index, first_value_row(s, b->nrows));
        if (bt == ETLC_TYPE_DECIMAL &&
            (s->def.precision != c->def.precision || s->def.scale != c->def.scale))
            return etlc_error_set(err, ETLC_DATA_SCHEMA,
                                  "parquet: column \"%s\" changed from DECIMAL(%d,%d) to "
                                  "DECIMAL(%d,%d) at batch %llu",
                                  c->name, c->def.precision, c->def.scale, s->def.precision,
                                  s->def.scale, (unsigned long long)b->batch_index);
    }
    return 0;
}

/* Convert DECIMAL text of the batch into scaled integers (all or nothing). */
static int convert_decimals(etlc_parquet_writer *w, const etlc_batch *b, const pq_layout *layouts,
                            etlc_error *err)
{
    for (size_t i = 0; i < w->ncols; i++) {
        pq_column *c = &w->cols[i];
        const etlc_column *s = &b->cols[i];
        const etlc__i128 *scaled = etlc__column_scaled(s);
        if (scaled && (!layouts[i].decimal_int || layouts[i].precision != s->def.precision ||
                       layouts[i].scale != s->def.scale))
            return etlc_error_set(err, ETLC_INTERNAL, "parquet: column \"%s\" holds scaled decimals "
                                  "but is not written as DECIMAL(%d,%d)", c->name, s->def.precision,
                                  s->def.scale);
        if (!layouts[i].decimal_int || s->def.type != ETLC_TYPE_DECIMAL)
            continue;
        if (b->nrows > c->dec_cap) {
            pq_i128 *d = realloc(c->dec, b->nrows * sizeof *d);
            if (!d)
                return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory converting decimals of "
                                      "\"%s\"", c->name);
            c->dec = d;
            c->dec_cap = b->nrows;
        }
        if (scaled) {
            /* Already scaled by the producer, to this column's precision and scale. */
            memcpy(c->dec, scaled, b->nrows * sizeof *c->dec);
            continue;
        }
        for (size_t r = 0; r < b->nrows; r++) {
            if (s->nulls && s->nulls[r])
                continue;
            size_t len;
            const uint8_t *p = etlc_column_var(s, r, &len);
            const char *why = "";
            if (pq_decimal_parse(p, len, layouts[i].precision, layouts[i].scale, &c->dec[r], &why) != 0) {
                char *value = etlc__redacted_excerpt((const char *)p, len, 64); /* redacted, then cut */
                int rc = etlc_error_set(err, ETLC_DATA_TYPE,
                                        "parquet: column \"%s\" row %lld: value \"%s\" %s (DECIMAL(%d,%d))",
                                        c->name, (long long)(w->total_rows + (int64_t)r),
                                        value ? value : "(out of memory)", why, layouts[i].precision,
                                        layouts[i].scale);
                free(value);
                return rc;
            }
        }
    }
    return 0;
}

int pq_writer_pool(etlc_parquet_writer *w, etlc_error *err)
{
    if (w->pool)
        return 0;
    /* A worker per column at most: a chunk's pages are retired in order anyway. */
    int threads = w->threads;
    if ((size_t)threads > w->ncols)
        threads = w->ncols ? (int)w->ncols : 1;
    return pq_pool_new(w->codec, w->level, threads, pq_column_retire_page, w, &w->pool, err);
}

/* Finish every chunk's last page and queue its dictionary page, then wait
 * for the pool: the chunks are complete, in order, when this returns. */
static int finish_chunks(etlc_parquet_writer *w, etlc_error *err)
{
    int rc;
    for (size_t i = 0; i < w->ncols; i++)
        if ((rc = pq_column_finish_page(w, &w->cols[i], err)) != 0)
            return rc;
    for (size_t i = 0; i < w->ncols; i++) {
        pq_column *c = &w->cols[i];
        if (!(c->meta.encodings & (1u << PQ_ENC_RLE_DICTIONARY)))
            continue;
        if ((rc = pq_writer_pool(w, err)) != 0)
            return rc;
        pq_job *j;
        if ((rc = pq_pool_slot(w->pool, &j, err)) != 0)
            return rc;
        j->col = c;
        j->page_type = PQ_PAGE_DICTIONARY;
        j->src = (const uint8_t *)c->dict.plain.data; /* untouched until the chunk is written */
        j->src_len = c->dict.plain.len;
        j->num_values = (int32_t)c->dict.count;
        j->encoding = PQ_ENC_PLAIN;
        j->layout = c->layout;
        if ((rc = pq_pool_submit(w->pool, j, err)) != 0)
            return rc;
    }
    return w->pool ? pq_pool_drain(w->pool, err) : 0;
}

/* Write one finished column chunk: dictionary page first, then data pages. */
static int write_chunk(etlc_parquet_writer *w, pq_column *c, etlc_error *err)
{
    int rc;
    pq_chunk_meta *m = &c->meta;
    if (m->encodings & (1u << PQ_ENC_RLE_DICTIONARY)) {
        m->dictionary_page_offset = (int64_t)w->offset;
        if ((rc = pq_write_out(w, c->dict_header.data, c->dict_header.len, err)) != 0 ||
            (rc = pq_write_out(w, c->dict_payload.data, c->dict_payload.len, err)) != 0)
            return rc;
        m->uncompressed += (int64_t)(c->dict_header.len + c->dict.plain.len);
        m->compressed += (int64_t)(c->dict_header.len + c->dict_payload.len);
        m->encodings |= 1u << PQ_ENC_PLAIN;
    }
    m->data_page_offset = (int64_t)w->offset + (c->first_data_page_rel > 0 ? c->first_data_page_rel : 0);
    return pq_write_out(w, c->pages.data, c->pages.len, err);
}

static int flush_row_group(etlc_parquet_writer *w, etlc_error *err)
{
    int rc;
    if ((rc = finish_chunks(w, err)) != 0)
        return rc;
    if (w->nrgs == w->rgs_cap) {
        size_t cap = w->rgs_cap ? w->rgs_cap * 2 : 8;
        pq_rowgroup *g = realloc(w->rgs, cap * sizeof *g);
        if (!g)
            goto nomem;
        w->rgs = g;
        w->rgs_cap = cap;
    }
    pq_rowgroup *rg = &w->rgs[w->nrgs];
    memset(rg, 0, sizeof *rg);
    if (w->ncols && !(rg->cols = calloc(w->ncols, sizeof *rg->cols)))
        goto nomem;
    w->nrgs++; /* owned from here on, freed with the writer */
    rg->num_rows = w->rg_rows;
    rg->file_offset = (int64_t)w->offset;
    for (size_t i = 0; i < w->ncols; i++) {
        pq_column *c = &w->cols[i];
        if ((rc = write_chunk(w, c, err)) != 0)
            return rc;
        rg->total_uncompressed += c->meta.uncompressed;
        rg->total_compressed += c->meta.compressed;
        /* Hand the chunk's metadata (and its stats buffers) to the row group. */
        rg->cols[i] = c->meta;
        memset(&c->meta.stats, 0, sizeof c->meta.stats);
        pq_column_reset_chunk(c, w->dictionary_bytes);
    }
    w->rg_rows = 0;
    return 0;
nomem:
    w->broken = true;
    return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory flushing a parquet row group");
}

static size_t buffered_bytes(const etlc_parquet_writer *w)
{
    size_t total = 0;
    for (size_t i = 0; i < w->ncols; i++)
        total += pq_column_buffered(&w->cols[i]);
    return total;
}

int etlc_parquet_writer_write(etlc_parquet_writer *w, const etlc_batch *b, etlc_error *err)
{
    if (!w || !b)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "parquet writer: NULL writer or batch");
    if (w->broken || w->closed)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "parquet writer is %s", w->closed ? "closed" : "failed");
    int rc;
    if (!w->schema_set) {
        if (w->cols) { /* an initial schema from the options: the first batch replaces it */
            for (size_t i = 0; i < w->ncols; i++)
                pq_column_free(&w->cols[i]);
            free(w->cols);
            w->cols = NULL;
            w->ncols = 0;
        }
        etlc_column_def *defs = b->ncols ? malloc(b->ncols * sizeof *defs) : NULL;
        if (b->ncols && !defs)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the batch schema");
        for (size_t i = 0; i < b->ncols; i++)
            defs[i] = b->cols[i].def;
        rc = set_schema(w, defs, b->ncols, err);
        free(defs);
        if (rc)
            return rc;
    } else if ((rc = check_schema(w, b, err)) != 0) {
        return rc;
    }
    /* Layout each column will have after this batch (NULL columns may take a type). */
    pq_layout small[16];
    pq_layout *layouts = w->ncols <= 16 ? small : malloc(w->ncols * sizeof *layouts);
    if (!layouts)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory checking a batch");
    for (size_t i = 0; i < w->ncols; i++) {
        const pq_column *c = &w->cols[i];
        if (!c->typed && b->cols[i].def.type != ETLC_TYPE_NULL)
            pq_layout_for(&b->cols[i].def, &layouts[i]);
        else
            layouts[i] = c->layout;
    }
    rc = convert_decimals(w, b, layouts, err);
    if (rc == 0) {
        /* Promote NULL columns. Their chunk so far holds only definition
         * levels, which do not depend on the physical type. */
        for (size_t i = 0; i < w->ncols; i++) {
            pq_column *c = &w->cols[i];
            if (c->typed || b->cols[i].def.type == ETLC_TYPE_NULL)
                continue;
            c->def.type = b->cols[i].def.type;
            c->def.precision = b->cols[i].def.precision;
            c->def.scale = b->cols[i].def.scale;
            c->layout = layouts[i];
            c->typed = true;
            if ((rc = pq_column_finish_page(w, c, err)) != 0)
                break;
            c->dict.width = c->layout.phys == PQ_BYTE_ARRAY ? 0
                            : c->layout.phys == PQ_FLBA     ? (size_t)c->layout.type_length
                            : c->layout.phys == PQ_INT32    ? 4
                                                            : 8;
            c->dict_on = w->dictionary_bytes >= 0 && c->layout.phys != PQ_BOOLEAN;
        }
    }
    if (layouts != small)
        free(layouts);
    if (rc)
        return rc;
    for (size_t r0 = 0; r0 < b->nrows;) {
        size_t r1 = b->nrows - r0 > PQ_SLICE_ROWS ? r0 + PQ_SLICE_ROWS : b->nrows;
        for (size_t i = 0; i < w->ncols; i++)
            if ((rc = pq_column_append(w, &w->cols[i], &b->cols[i], r0, r1, err)) != 0)
                goto broken;
        w->rg_rows += (int64_t)(r1 - r0);
        w->total_rows += (int64_t)(r1 - r0);
        r0 = r1;
        if ((int64_t)buffered_bytes(w) >= w->row_group_bytes && (rc = flush_row_group(w, err)) != 0)
            goto broken;
    }
    return 0;
broken:
    w->broken = true;
    return rc;
}

int etlc_parquet_writer_close(etlc_parquet_writer *w, etlc_parquet_stats *stats, etlc_error *err)
{
    if (!w)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "parquet writer: NULL writer");
    if (w->broken || w->closed)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "parquet writer is %s", w->closed ? "closed" : "failed");
    int rc;
    if (w->cols)
        w->schema_set = true; /* the initial schema, if no batch came */
    if (w->rg_rows > 0 && (rc = flush_row_group(w, err)) != 0) {
        w->broken = true;
        return rc;
    }
    etlc__buf footer = {0};
    if (pq_footer(w, &footer) != 0) {
        etlc__buf_free(&footer);
        w->broken = true;
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing the parquet footer");
    }
    uint8_t tail[8];
    pq_write_le32(tail, (uint32_t)footer.len);
    memcpy(tail + 4, "PAR1", 4);
    rc = pq_write_out(w, footer.data, footer.len, err);
    etlc__buf_free(&footer);
    if (rc || (rc = pq_write_out(w, tail, 8, err)) != 0)
        return rc;
    w->closed = true;
    if (stats) {
        stats->rows = w->total_rows;
        stats->row_groups = (int64_t)w->nrgs;
        stats->bytes = w->offset;
    }
    return 0;
}

void etlc_parquet_writer_free(etlc_parquet_writer *w)
{
    if (!w)
        return;
    pq_pool_free(w->pool); /* joins the workers before the pages they read go */
    for (size_t i = 0; i < w->ncols; i++)
        pq_column_free(&w->cols[i]);
    free(w->cols);
    for (size_t g = 0; g < w->nrgs; g++) {
        if (w->rgs[g].cols)
            for (size_t i = 0; i < w->ncols; i++)
                pq_stats_free(&w->rgs[g].cols[i].stats);
        free(w->rgs[g].cols);
    }
    free(w->rgs);
    etlc_meta_clear(&w->kv);
    free(w);
}

int etlc_parquet_writer_set_meta(etlc_parquet_writer *w, const char *key, const char *value,
                                 etlc_error *err)
{
    if (!w || !key)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "parquet metadata needs a writer and a key");
    if (etlc_meta_set(&w->kv, key, value ? value : "") != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory adding parquet metadata '%s'", key);
    return ETLC_OK;
}
