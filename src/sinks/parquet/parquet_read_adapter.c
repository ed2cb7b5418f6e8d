/* The Parquet reader behind the format-reader interface: the file's own
 * schema gives the columns (type hints are not needed), batches are slices
 * of a row group of at most batch_rows rows. */
#include <stdlib.h>
#include <string.h>

#include "sinks/format_reader_impl.h"

static int parquet_start(etlc__format_reader *r, etlc_error *err)
{
    etlc_parquet_reader *pq = NULL;
    int rc = etlc__parquet_reader_open_input(&r->in, r->name, r->batch_rows, r->flatten, &pq, err);
    if (rc)
        return rc;
    r->fmt = pq;
    const etlc_column_def *defs;
    size_t n = etlc_parquet_reader_columns(pq, &defs);
    /* A copy, so columns() reads r->defs whatever the format. */
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = etlc__text_add_column(r, defs[i].name, strlen(defs[i].name), defs[i].type, err);
        if (rc == 0) {
            r->defs[i].precision = defs[i].precision;
            r->defs[i].scale = defs[i].scale;
        }
    }
    return rc;
}

static int parquet_next(etlc__format_reader *r, const etlc_batch **batch, etlc_error *err)
{
    return etlc_parquet_reader_next(r->fmt, batch, err);
}

static void parquet_release(etlc__format_reader *r)
{
    etlc_parquet_reader_free(r->fmt);
    r->fmt = NULL;
}

static int parquet_hint(const etlc__format_reader *r, size_t col)
{
    return etlc_parquet_reader_column_hint(r->fmt, col);
}

static void parquet_set_max_page(etlc__format_reader *r, size_t bytes)
{
    etlc_parquet_reader_set_max_page_bytes(r->fmt, bytes);
}

const etlc__format_reader_ops etlc__format_reader_parquet = {
    .format = "parquet",
    .start = parquet_start,
    .next = parquet_next,
    .release = parquet_release,
    .hint = parquet_hint,
    .set_max_page = parquet_set_max_page,
};
