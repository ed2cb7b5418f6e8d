/* Thrift serialization of PageHeader and FileMetaData (parquet.thrift). */
#include <string.h>

#include "sinks/parquet/pq.h"
#include "sinks/parquet/thrift.h"

static void write_statistics(tc_writer *t, int16_t id, const pq_stats *s, const pq_layout *l)
{
    uint8_t minb[16], maxb[16];
    size_t minlen = 0, maxlen = 0;
    const uint8_t *minp = NULL, *maxp = NULL;
    tcw_struct_begin(t, id);
    tcw_i64(t, 3, s->null_count);
    if (pq_stats_bytes(s, l, minb, &minlen, maxb, &maxlen, &minp, &maxp)) {
        tcw_binary(t, 5, maxp, maxlen);
        tcw_binary(t, 6, minp, minlen);
    }
    tcw_struct_end(t);
}

int pq_page_header(etlc__buf *out, int page_type, size_t uncompressed, size_t compressed,
                   int32_t num_values, int encoding, const pq_stats *stats,
                   const pq_layout *layout)
{
    if (uncompressed > INT32_MAX || compressed > INT32_MAX)
        return -1;
    tc_writer t;
    tcw_init(&t, out);
    tcw_root_begin(&t);
    tcw_i32(&t, 1, page_type);
    tcw_i32(&t, 2, (int32_t)uncompressed);
    tcw_i32(&t, 3, (int32_t)compressed);
    if (page_type == PQ_PAGE_DATA) {
        tcw_struct_begin(&t, 5);
        tcw_i32(&t, 1, num_values);
        tcw_i32(&t, 2, encoding);
        tcw_i32(&t, 3, PQ_ENC_RLE);
        tcw_i32(&t, 4, PQ_ENC_RLE);
        if (stats)
            write_statistics(&t, 5, stats, layout);
        tcw_struct_end(&t);
    } else {
        tcw_struct_begin(&t, 7);
        tcw_i32(&t, 1, num_values);
        tcw_i32(&t, 2, PQ_ENC_PLAIN);
        tcw_struct_end(&t);
    }
    tcw_struct_end(&t);
    return t.failed ? -1 : 0;
}

static void write_logical(tc_writer *t, const pq_layout *l)
{
    if (l->logical == PQ_LT_NONE)
        return;
    tcw_struct_begin(t, 10);          /* SchemaElement.logicalType */
    tcw_struct_begin(t, (int16_t)l->logical);
    if (l->logical == PQ_LT_DECIMAL) {
        tcw_i32(t, 1, l->scale);
        tcw_i32(t, 2, l->precision);
    } else if (l->logical == PQ_LT_TIMESTAMP) {
        tcw_bool(t, 1, true);         /* isAdjustedToUTC */
        tcw_struct_begin(t, 2);       /* TimeUnit */
        tcw_struct_begin(t, 2);       /* MICROS */
        tcw_struct_end(t);
        tcw_struct_end(t);
    }
    tcw_struct_end(t);
    tcw_struct_end(t);
}

static void write_schema(tc_writer *t, const struct etlc_parquet_writer *w)
{
    tcw_list_begin(t, 2, TC_STRUCT, w->ncols + 1);
    tcw_elem_struct_begin(t);
    tcw_string(t, 4, "schema");
    tcw_i32(t, 5, (int32_t)w->ncols);
    tcw_struct_end(t);
    for (size_t i = 0; i < w->ncols; i++) {
        const pq_column *c = &w->cols[i];
        const pq_layout *l = &c->layout;
        tcw_elem_struct_begin(t);
        tcw_i32(t, 1, l->phys);
        if (l->phys == PQ_FLBA)
            tcw_i32(t, 2, l->type_length);
        tcw_i32(t, 3, 1); /* OPTIONAL */
        tcw_string(t, 4, c->name);
        if (l->converted != PQ_CT_NONE)
            tcw_i32(t, 6, l->converted);
        if (l->logical == PQ_LT_DECIMAL) {
            tcw_i32(t, 7, l->scale);
            tcw_i32(t, 8, l->precision);
        }
        write_logical(t, l);
        tcw_struct_end(t);
    }
}

static void write_chunk(tc_writer *t, const pq_column *c, const pq_chunk_meta *m,
                        etlc_parquet_codec codec)
{
    tcw_elem_struct_begin(t); /* ColumnChunk */
    int64_t start = m->dictionary_page_offset >= 0 ? m->dictionary_page_offset : m->data_page_offset;
    tcw_i64(t, 2, start);
    tcw_struct_begin(t, 3); /* ColumnMetaData */
    tcw_i32(t, 1, c->layout.phys);
    size_t nenc = 0;
    for (unsigned e = 0; e < 16; e++)
        nenc += (m->encodings >> e) & 1u;
    tcw_list_begin(t, 2, TC_I32, nenc);
    for (unsigned e = 0; e < 16; e++)
        if ((m->encodings >> e) & 1u)
            tcw_elem_i32(t, (int32_t)e);
    tcw_list_begin(t, 3, TC_BINARY, 1);
    tcw_elem_binary(t, c->name, strlen(c->name));
    tcw_i32(t, 4, pq_codec_thrift_id(codec));
    tcw_i64(t, 5, m->num_values);
    tcw_i64(t, 6, m->uncompressed);
    tcw_i64(t, 7, m->compressed);
    tcw_i64(t, 9, m->data_page_offset);
    if (m->dictionary_page_offset >= 0)
        tcw_i64(t, 11, m->dictionary_page_offset);
    write_statistics(t, 12, &m->stats, &c->layout);
    tcw_struct_end(t);
    tcw_struct_end(t);
}

int pq_footer(const struct etlc_parquet_writer *w, etlc__buf *out)
{
    tc_writer t;
    tcw_init(&t, out);
    tcw_root_begin(&t);
    tcw_i32(&t, 1, 2);
    write_schema(&t, w);
    tcw_i64(&t, 3, w->total_rows);
    tcw_list_begin(&t, 4, TC_STRUCT, w->nrgs);
    for (size_t g = 0; g < w->nrgs; g++) {
        const pq_rowgroup *rg = &w->rgs[g];
        tcw_elem_struct_begin(&t);
        tcw_list_begin(&t, 1, TC_STRUCT, w->ncols);
        for (size_t i = 0; i < w->ncols; i++)
            write_chunk(&t, &w->cols[i], &rg->cols[i], w->codec);
        tcw_i64(&t, 2, rg->total_uncompressed);
        tcw_i64(&t, 3, rg->num_rows);
        tcw_i64(&t, 5, rg->file_offset);
        tcw_i64(&t, 6, rg->total_compressed);
        tcw_struct_end(&t);
    }
    tcw_list_begin(&t, 5, TC_STRUCT, w->kv.count);
    for (size_t i = 0; i < w->kv.count; i++) {
        tcw_elem_struct_begin(&t);
        tcw_string(&t, 1, w->kv.entries[i].key);
        tcw_string(&t, 2, w->kv.entries[i].value ? w->kv.entries[i].value : "");
        tcw_struct_end(&t);
    }
    tcw_string(&t, 6, "etlconn version " ETLCONN_VERSION);
    tcw_list_begin(&t, 7, TC_STRUCT, w->ncols);
    for (size_t i = 0; i < w->ncols; i++) {
        tcw_elem_struct_begin(&t); /* ColumnOrder */
        tcw_struct_begin(&t, 1);   /* TYPE_ORDER */
        tcw_struct_end(&t);
        tcw_struct_end(&t);
    }
    tcw_struct_end(&t);
    return t.failed ? -1 : 0;
}
