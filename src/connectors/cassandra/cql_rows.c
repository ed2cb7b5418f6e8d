/* A ROWS result body (after its kind) -> one record batch: metadata, then
 * rows_count rows of ncols [bytes] cells. The row count is checked against
 * the bytes present (every cell takes at least 4) before the batch is
 * sized, so a lying header cannot make us allocate. */
#include <stdlib.h>

#include "cql_internal.h"

static int new_batch(const cql_columns *cols, size_t capacity, etlc_batch **out, etlc_error *err)
{
    etlc_column_def *defs = calloc(cols->ncols ? cols->ncols : 1, sizeof *defs);
    if (!defs)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    for (size_t i = 0; i < cols->ncols; i++)
        defs[i] = (etlc_column_def){.name = cols->names[i], .type = etlc__cql_column_type(&cols->types[i])};
    int rc = etlc_batch_new(defs, cols->ncols, capacity ? capacity : 1, out, err);
    free(defs);
    return rc;
}

static int decode_rows(cql_rd *r, const cql_columns *cols, size_t nrows, etlc_batch *b, etlc_error *err)
{
    etlc__buf scratch = {0};
    int rc = 0;
    for (size_t row = 0; rc == 0 && row < nrows; row++) {
        for (size_t c = 0; rc == 0 && c < cols->ncols; c++) {
            const uint8_t *p;
            int32_t len;
            if (etlc__cql_rd_bytes(r, &p, &len) != 0)
                rc = etlc_error_set(err, ETLC_PROTOCOL, "cassandra: truncated row %zu of a result", row);
            else
                rc = etlc__cql_append_cell(b, c, &cols->types[c], p, len, &scratch, err);
            if (rc != 0 && err && err->code != ETLC_NO_MEMORY && c < cols->ncols)
                etlc_error_prefix(err, "column \"%s\"", cols->names[c]);
        }
        if (rc == 0)
            rc = etlc_batch_end_row(b, err);
    }
    etlc__buf_free(&scratch);
    return rc;
}

int etlc__cql_rows_decode(cql_rd *r, const cql_columns *prepared_result, cql_columns *own,
                          etlc_batch **batch, const uint8_t **paging, size_t *paging_len,
                          etlc_error *err)
{
    *batch = NULL;
    int rc = etlc__cql_rows_meta_read(r, own, paging, paging_len, err);
    if (rc != 0)
        return rc;
    const cql_columns *cols = own->types ? own : prepared_result;
    if (!cols || !cols->types || cols->ncols != own->ncols)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: a result without metadata does not "
                              "match the prepared statement's %zu columns", cols ? cols->ncols : 0);
    int32_t count;
    if (etlc__cql_rd_i32(r, &count) != 0 || count < 0)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: truncated row count");
    size_t avail = (size_t)(r->end - r->p);
    if ((cols->ncols == 0 && count > 0) || (cols->ncols && (size_t)count > avail / 4 / cols->ncols))
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: %d rows claimed in %zu bytes", (int)count,
                              avail);
    if ((rc = new_batch(cols, (size_t)count, batch, err)) != 0)
        return rc;
    if ((rc = decode_rows(r, cols, (size_t)count, *batch, err)) != 0) {
        etlc_batch_free(*batch);
        *batch = NULL;
    }
    return rc;
}
