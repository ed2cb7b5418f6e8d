/* libFuzzer target: the PostgreSQL binary COPY parser (pg_copy.c), fed in
 * arbitrary chunk splits, and the value decoders (pg_types.c) on every
 * field it yields, through the COPY fast path (etlc__pg_put_binary), the
 * checked binary path and the text path. Must never crash, hang or leak.
 *
 * Input: byte 0 = column count (1..6), then one type byte per column, one
 * byte seeding the chunk sizes, then the COPY stream. See README.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/postgres/pg_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Types the decoders know (and a few they read as text), with typmods. */
static const struct { Oid oid; int typmod; } column_types[] = {
    {PG_OID_BOOL, -1}, {PG_OID_BYTEA, -1}, {PG_OID_CHAR, -1}, {PG_OID_NAME, -1},
    {PG_OID_INT8, -1}, {PG_OID_INT2, -1}, {PG_OID_INT4, -1}, {PG_OID_TEXT, -1},
    {PG_OID_OID, -1}, {PG_OID_JSON, -1}, {PG_OID_FLOAT4, -1}, {PG_OID_FLOAT8, -1},
    {PG_OID_UNKNOWN, -1}, {PG_OID_BPCHAR, 14}, {PG_OID_VARCHAR, 24}, {PG_OID_DATE, -1},
    {PG_OID_TIME, -1}, {PG_OID_TIMESTAMP, -1}, {PG_OID_TIMESTAMPTZ, -1},
    {PG_OID_NUMERIC, -1}, {PG_OID_NUMERIC, ((10 << 16) | 2) + 4},
    {PG_OID_NUMERIC, ((5 << 16) | (0x7ff & -2)) + 4}, {PG_OID_UUID, -1}, {PG_OID_JSONB, -1},
    {869 /* inet */, -1}, {1007 /* int4[] */, -1}, {3807 /* jsonb[] */, -1},
};

typedef struct harness {
    size_t ncols;
    pg_column cols[6];
    etlc_batch *fast;        /* reserved: etlc__pg_put_binary, as pg_fetch's COPY path */
    etlc_batch *one[6];      /* one column each: the checked binary and text paths */
    etlc__buf scratch;
    uint64_t rows;
} harness;

static void checked_append(harness *h, size_t c, bool binary, const pg_copy_field *f)
{
    etlc_error err = {0};
    etlc_batch *b = h->one[c];
    if (etlc__pg_append_value(b, 0, &h->cols[c], binary, f->data, f->len, h->rows, &h->scratch,
                              &err) == 0)
        etlc_batch_end_row(b, &err);
    if (etlc_batch_full(b) || b->cols[0].count != b->nrows)
        etlc_batch_reset(b);
}

static int on_tuple(void *ud, const pg_copy_field *fields, size_t nfields, etlc_error *err)
{
    harness *h = ud;
    int rc = 0;
    for (size_t c = 0; c < nfields && rc == 0; c++)
        rc = fields[c].data ? etlc__pg_put_binary(h->fast, c, &h->cols[c], fields[c].data,
                                                  fields[c].len, h->rows, &h->scratch, err)
                            : etlc_batch_append_null(h->fast, c, err);
    if (rc == 0)
        etlc__batch_end_row_unchecked(h->fast);
    else
        etlc_batch_reset(h->fast); /* a failed row ends the fetch; start clean */
    if (etlc_batch_full(h->fast)) {
        etlc_batch_reset(h->fast);
        if (etlc__batch_reserve_capacity(h->fast, err) != 0)
            return ETLC_NO_MEMORY;
    }
    for (size_t c = 0; c < nfields; c++) {
        if (!fields[c].data)
            continue;
        checked_append(h, c, true, &fields[c]);
        checked_append(h, c, false, &fields[c]);
    }
    h->rows++;
    return 0; /* keep parsing: the parser is the thing under test */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    harness h;
    memset(&h, 0, sizeof h);
    h.ncols = (size_t)(data[0] % 6) + 1;
    if (size < h.ncols + 2)
        return 0;
    etlc_column_def defs[6];
    char names[6][4];
    for (size_t c = 0; c < h.ncols; c++) {
        size_t t = data[1 + c] % ETLC__ARRAY_LEN(column_types);
        etlc__pg_column_init(&h.cols[c], column_types[t].oid, column_types[t].typmod);
        names[c][0] = 'c';
        names[c][1] = (char)('0' + c);
        names[c][2] = '\0';
        defs[c] = (etlc_column_def){.name = names[c], .type = h.cols[c].type,
                                    .precision = h.cols[c].precision, .scale = h.cols[c].scale};
    }
    uint32_t seed = data[1 + h.ncols];
    const char *stream = (const char *)data + 2 + h.ncols;
    size_t len = size - 2 - h.ncols;

    etlc_error err = {0};
    pg_copy_parser p;
    bool ok = etlc_batch_new(defs, h.ncols, 4, &h.fast, &err) == 0 &&
              etlc__batch_reserve_capacity(h.fast, &err) == 0;
    for (size_t c = 0; ok && c < h.ncols; c++)
        ok = etlc_batch_new(&defs[c], 1, 4, &h.one[c], &err) == 0;
    if (ok && etlc__pg_copy_init(&p, h.ncols, &err) == 0) {
        /* Chunks of 1..64 bytes from a small LCG, or the whole stream at once. */
        size_t pos = 0;
        int rc = 0;
        while (rc == 0 && pos < len) {
            size_t n = len - pos;
            if (seed & 1) {
                seed = seed * 1103515245u + 12345u;
                size_t want = (size_t)((seed >> 16) % 64) + 1;
                if (want < n)
                    n = want;
            }
            rc = etlc__pg_copy_feed(&p, stream + pos, n, on_tuple, &h, &err);
            pos += n;
        }
        if (rc == 0)
            etlc__pg_copy_finish(&p, &err);
        etlc__pg_copy_free(&p);
    }
    etlc_batch_free(h.fast);
    for (size_t c = 0; c < h.ncols; c++)
        etlc_batch_free(h.one[c]);
    etlc__buf_free(&h.scratch);
    return 0;
}
