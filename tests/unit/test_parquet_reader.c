/* The Parquet reader reads back what the writer wrote: every type, NULLs,
 * dictionary and PLAIN pages, all four codecs, many row groups; and it
 * rejects damaged files with ETLC_DATA instead of crashing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "testutil.h"

static int to_buf(void *ud, const void *data, size_t len, etlc_error *err)
{
    (void)err;
    return etlc__buf_append(ud, data, len) ? ETLC_NO_MEMORY : 0;
}

static const etlc_column_def defs[] = {
    {"b", ETLC_TYPE_BOOL, 0, 0},      {"i", ETLC_TYPE_INT64, 0, 0},    {"d", ETLC_TYPE_DOUBLE, 0, 0},
    {"t", ETLC_TYPE_TEXT, 0, 0},      {"y", ETLC_TYPE_BYTES, 0, 0},    {"dt", ETLC_TYPE_DATE, 0, 0},
    {"ts", ETLC_TYPE_TIMESTAMP, 0, 0}, {"n18", ETLC_TYPE_DECIMAL, 18, 4}, {"n38", ETLC_TYPE_DECIMAL, 38, 10},
    {"j", ETLC_TYPE_JSON, 0, 0},      {"z", ETLC_TYPE_NULL, 0, 0},
};
#define NC (sizeof defs / sizeof defs[0])

/* Row r's values; every 7th row is NULL everywhere except i. */
static void fill(etlc_batch *b, size_t r, bool distinct)
{
    etlc_error err = {0};
    char s[64];
    bool null = r % 7 == 3;
    size_t k = distinct ? r : r % 5;
    for (size_t c = 0; c < NC; c++) {
        if (null && c != 1) {
            assert_int_equal(etlc_batch_append_null(b, c, &err), 0);
            continue;
        }
        switch (c) {
        case 0: etlc_batch_append_bool(b, c, k % 2, &err); break;
        case 1: etlc_batch_append_int64(b, c, r == 0 ? INT64_MIN : (int64_t)k * 1000003, &err); break;
        case 2: etlc_batch_append_double(b, c, r == 1 ? -0.0 : (double)k / 3.0, &err); break;
        case 3: snprintf(s, sizeof s, "text é %zu", k); etlc_batch_append_var(b, c, ETLC_TYPE_TEXT, s, strlen(s), &err); break;
        case 4: etlc_batch_append_var(b, c, ETLC_TYPE_BYTES, "\0\1\2\377", 4, &err); break;
        case 5: etlc_batch_append_date(b, c, (int32_t)k - 800, &err); break;
        case 6: etlc_batch_append_timestamp(b, c, (int64_t)k * 1000001 - 5, &err); break;
        case 7: snprintf(s, sizeof s, "-%zu.0125", k); etlc_batch_append_var(b, c, ETLC_TYPE_DECIMAL, s, strlen(s), &err); break;
        case 8: snprintf(s, sizeof s, "12345678901234567890.%010zu", k); etlc_batch_append_var(b, c, ETLC_TYPE_DECIMAL, s, strlen(s), &err); break;
        case 9: snprintf(s, sizeof s, "{\"k\":%zu}", k); etlc_batch_append_var(b, c, ETLC_TYPE_JSON, s, strlen(s), &err); break;
        default: etlc_batch_append_null(b, c, &err);
        }
    }
    assert_int_equal(etlc_batch_end_row(b, &err), 0);
}

static void check_row(const etlc_batch *got, size_t gr, etlc_batch *want)
{
    for (size_t c = 0; c < NC; c++) {
        const etlc_column *g = &got->cols[c], *w = &want->cols[c];
        assert_int_equal(etlc_column_is_null(g, gr), etlc_column_is_null(w, 0));
        if (etlc_column_is_null(w, 0))
            continue;
        size_t gl, wl;
        switch (w->def.type) {
        case ETLC_TYPE_BOOL: assert_int_equal(g->fixed.b[gr], w->fixed.b[0]); break;
        case ETLC_TYPE_INT64:
        case ETLC_TYPE_TIMESTAMP: assert_true(g->fixed.i64[gr] == w->fixed.i64[0]); break;
        case ETLC_TYPE_DOUBLE: assert_memory_equal(&g->fixed.f64[gr], &w->fixed.f64[0], 8); break;
        case ETLC_TYPE_DATE: assert_int_equal(g->fixed.i32[gr], w->fixed.i32[0]); break;
        default: {
            const uint8_t *gp = etlc_column_var(g, gr, &gl), *wp = etlc_column_var(w, 0, &wl);
            if (w->def.type == ETLC_TYPE_DECIMAL) {
                /* written exactly at the column's scale */
                assert_true(gl >= wl);
                assert_memory_equal(gp, wp, wl);
            } else {
                assert_int_equal(gl, wl);
                assert_memory_equal(gp, wp, wl);
            }
        }
        }
    }
}

static void roundtrip(etlc_parquet_codec codec, size_t rows, bool distinct, int64_t rg_bytes)
{
    etlc_error err = {0};
    etlc__buf file = {0};
    etlc_parquet_options o = {.compression = codec, .row_group_bytes = rg_bytes};
    etlc_parquet_writer *w;
    assert_int_equal(etlc_parquet_writer_open(to_buf, &file, &o, &w, &err), 0);
    etlc_batch *b;
    assert_int_equal(etlc_batch_new(defs, NC, 1000, &b, &err), 0);
    for (size_t r = 0; r < rows; r++) {
        fill(b, r, distinct);
        if (etlc_batch_full(b) || r + 1 == rows) {
            assert_int_equal(etlc_parquet_writer_write(w, b, &err), 0);
            etlc_batch_reset(b);
        }
    }
    etlc_parquet_stats st;
    assert_int_equal(etlc_parquet_writer_close(w, &st, &err), 0);
    etlc_parquet_writer_free(w);

    etlc_parquet_reader *r;
    assert_int_equal(etlc_parquet_reader_open_memory(file.data, file.len, &r, &err), 0);
    const etlc_column_def *rd;
    assert_int_equal(etlc_parquet_reader_columns(r, &rd), NC);
    for (size_t c = 0; c < NC; c++) {
        assert_string_equal(rd[c].name, defs[c].name);
        assert_int_equal(rd[c].type, defs[c].type);
        assert_int_equal(rd[c].precision, defs[c].precision);
        assert_int_equal(rd[c].scale, defs[c].scale);
    }
    assert_int_equal(etlc_parquet_reader_num_rows(r), (int64_t)rows);
    etlc_batch *one;
    assert_int_equal(etlc_batch_new(defs, NC, 1, &one, &err), 0);
    size_t seen = 0, groups = 0;
    const etlc_batch *got;
    int nrc;
    while ((nrc = etlc_parquet_reader_next(r, &got, &err)) == 0 && got) {
        groups++;
        for (size_t i = 0; i < got->nrows; i++) {
            etlc_batch_reset(one);
            fill(one, seen + i, distinct);
            check_row(got, i, one);
        }
        seen += got->nrows;
    }
    if (nrc)
        fail_msg("reader: %s", err.message);
    assert_int_equal(seen, rows);
    /* One batch per row group, or several slices of one big row group. */
    assert_true((int64_t)groups >= st.row_groups);
    assert_true(groups >= (rows + 65535) / 65536);
    etlc_batch_free(one);
    etlc_parquet_reader_free(r);

    /* Damage: flip bytes across the data area; never a crash, DATA or success. */
    for (size_t off = 4; off + 8 < file.len && off < 4000; off += 37) {
        file.data[off] ^= 0x5a;
        etlc_parquet_reader *dr = NULL;
        int rc = etlc_parquet_reader_open_memory(file.data, file.len, &dr, &err);
        while (rc == 0 && (rc = etlc_parquet_reader_next(dr, &got, &err)) == 0 && got)
            ;
        assert_true(rc == 0 || rc == ETLC_DATA || rc == ETLC_UNSUPPORTED);
        etlc_parquet_reader_free(dr);
        file.data[off] ^= 0x5a;
    }
    etlc_batch_free(b);
    etlc__buf_free(&file);
}

static void all_types_zstd_dictionary(void **s) { (void)s; roundtrip(ETLC_PARQUET_ZSTD, 3000, false, 0); }
static void all_types_snappy_plain(void **s) { (void)s; roundtrip(ETLC_PARQUET_SNAPPY, 20000, true, 0); }
static void all_types_gzip_many_row_groups(void **s) { (void)s; roundtrip(ETLC_PARQUET_GZIP, 9000, true, 64 * 1024); }
static void all_types_uncompressed(void **s) { (void)s; roundtrip(ETLC_PARQUET_NONE, 2500, false, 32 * 1024); }
static void big_row_group_in_slices(void **s) { (void)s; roundtrip(ETLC_PARQUET_ZSTD, 140000, false, 0); }
static void one_row(void **s) { (void)s; roundtrip(ETLC_PARQUET_ZSTD, 1, false, 0); }

static void rejects_garbage(void **s)
{
    (void)s;
    etlc_error err = {0};
    etlc_parquet_reader *r = NULL;
    assert_int_equal(etlc_parquet_reader_open_memory("PAR1xxxxPAR1", 12, &r, &err), ETLC_DATA);
    assert_null(r);
    assert_int_equal(etlc_parquet_reader_open("/nonexistent/x.parquet", &r, &err), ETLC_IO_NOT_FOUND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_types_zstd_dictionary), cmocka_unit_test(all_types_snappy_plain),
        cmocka_unit_test(all_types_gzip_many_row_groups), cmocka_unit_test(all_types_uncompressed),
        cmocka_unit_test(one_row), cmocka_unit_test(big_row_group_in_slices), cmocka_unit_test(rejects_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
