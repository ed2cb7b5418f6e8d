/* Parquet writer compression threads (etlc_parquet_options.threads): the
 * file's bytes are the same for 1, 2 and 8 threads, with every codec,
 * many pages and row groups, dictionary fallback and a NULL column that
 * takes a type late; the file reads back to the values written. Also the
 * zstd level option and its validation. `make tsan` runs this file (its
 * name matches "thread"), so the pool's hand-offs are race-checked. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

static const etlc_column_def defs[] = {
    {"b", ETLC_TYPE_BOOL, 0, 0},  {"i", ETLC_TYPE_INT64, 0, 0},       {"d", ETLC_TYPE_DOUBLE, 0, 0},
    {"code", ETLC_TYPE_TEXT, 0, 0}, {"comment", ETLC_TYPE_TEXT, 0, 0}, {"dt", ETLC_TYPE_DATE, 0, 0},
    {"ts", ETLC_TYPE_TIMESTAMP, 0, 0}, {"late", ETLC_TYPE_NULL, 0, 0},
};
#define NC (sizeof defs / sizeof defs[0])
#if defined(__SANITIZE_THREAD__)
#define ROWS 15000 /* TSan runs our code ~10x slower: fewer rows, still >= 4 row groups */
#else
#define ROWS 30000
#endif
#define LATE_FROM (ROWS * 2 / 5) /* column "late" is all NULL (NULL-typed batches) before this row */

static int to_buf(void *ud, const void *data, size_t len, etlc_error *err)
{
    return etlc__buf_append(ud, data, len) ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : 0;
}

/* FNV-style digest of one value, the same on the write and read side. */
static uint64_t mix(uint64_t h, const void *p, size_t len)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

static int fill(etlc_batch *b, size_t r, uint64_t *h, etlc_error *err)
{
    char s[96];
    int rc = 0;
    for (size_t c = 0; c < NC && rc == 0; c++) {
        bool null = (r % 10 == 7 && c != 1) || (c == 7 && (r < LATE_FROM || r % 3 == 0));
        *h = mix(*h, &null, 1);
        if (null) {
            rc = etlc_batch_append_null(b, c, err);
            continue;
        }
        int64_t v = (int64_t)(r * 2654435761u % 1000003);
        switch (c) {
        case 0: { bool x = r % 3 == 0; *h = mix(*h, &x, 1); rc = etlc_batch_append_bool(b, c, x, err); break; }
        case 1: *h = mix(*h, &v, 8); rc = etlc_batch_append_int64(b, c, v, err); break;
        case 2: { double x = (double)v / 7.0; *h = mix(*h, &x, 8); rc = etlc_batch_append_double(b, c, x, err); break; }
        case 3: /* repeats: dictionary pages */
            snprintf(s, sizeof s, "SKU-%04lld", (long long)(v % 500));
            *h = mix(*h, s, strlen(s));
            rc = etlc_batch_append_var(b, c, ETLC_TYPE_TEXT, s, strlen(s), err);
            break;
        case 4: /* distinct: the dictionary is given up (PLAIN fallback) */
            snprintf(s, sizeof s, "comment %zu for row with value %lld, unique text", r, (long long)v);
            *h = mix(*h, s, strlen(s));
            rc = etlc_batch_append_var(b, c, ETLC_TYPE_TEXT, s, strlen(s), err);
            break;
        case 5: { int32_t x = (int32_t)(v % 20000) - 5000; *h = mix(*h, &x, 4); rc = etlc_batch_append_date(b, c, x, err); break; }
        case 6: { int64_t x = v * 1000001 - 7; *h = mix(*h, &x, 8); rc = etlc_batch_append_timestamp(b, c, x, err); break; }
        default: *h = mix(*h, &v, 8); rc = etlc_batch_append_int64(b, c, v, err);
        }
    }
    return rc ? rc : etlc_batch_end_row(b, err);
}

/* Batches of 1000 rows; the "late" column is NULL-typed until LATE_FROM. */
static int write_file(const etlc_parquet_options *o, etlc__buf *out, uint64_t *digest, etlc_error *err)
{
    etlc_parquet_writer *w = NULL;
    etlc_batch *early = NULL, *later = NULL;
    etlc_column_def typed[NC];
    memcpy(typed, defs, sizeof defs);
    typed[7].type = ETLC_TYPE_INT64;
    uint64_t h = 14695981039346656037ull;
    int rc = etlc_parquet_writer_open(to_buf, out, o, &w, err);
    if (rc == 0)
        rc = etlc_batch_new(defs, NC, 1000, &early, err);
    if (rc == 0)
        rc = etlc_batch_new(typed, NC, 1000, &later, err);
    for (size_t r = 0; rc == 0 && r < ROWS; r++) {
        etlc_batch *b = r < LATE_FROM ? early : later;
        rc = fill(b, r, &h, err);
        if (rc == 0 && (etlc_batch_full(b) || r + 1 == ROWS || r + 1 == LATE_FROM)) {
            rc = etlc_parquet_writer_write(w, b, err);
            etlc_batch_reset(b);
        }
    }
    etlc_parquet_stats st = {0};
    if (rc == 0)
        rc = etlc_parquet_writer_close(w, &st, err);
    if (rc == 0 && (st.rows != ROWS || st.row_groups < 4))
        rc = etlc_error_set(err, ETLC_INTERNAL, "%lld rows in %lld row groups", (long long)st.rows,
                            (long long)st.row_groups);
    etlc_parquet_writer_free(w);
    etlc_batch_free(early);
    etlc_batch_free(later);
    *digest = h;
    return rc;
}

/* Read the file with etlconn's reader and digest it like fill() did. */
static uint64_t read_digest(const etlc__buf *file)
{
    etlc_error err = {0};
    etlc_parquet_reader *r = NULL;
    assert_int_equal(etlc_parquet_reader_open_memory(file->data, file->len, &r, &err), 0);
    uint64_t h = 14695981039346656037ull;
    int64_t rows = 0;
    for (;;) {
        const etlc_batch *b = NULL;
        assert_int_equal(etlc_parquet_reader_next(r, &b, &err), 0);
        if (!b)
            break;
        assert_int_equal(b->ncols, NC);
        for (size_t row = 0; row < b->nrows; row++, rows++)
            for (size_t c = 0; c < NC; c++) {
                const etlc_column *col = &b->cols[c];
                bool null = etlc_column_is_null(col, row);
                h = mix(h, &null, 1);
                if (null)
                    continue;
                switch (col->def.type) {
                case ETLC_TYPE_BOOL: { bool x = col->fixed.b[row] != 0; h = mix(h, &x, 1); break; }
                case ETLC_TYPE_DATE: h = mix(h, &col->fixed.i32[row], 4); break;
                case ETLC_TYPE_DOUBLE: h = mix(h, &col->fixed.f64[row], 8); break;
                case ETLC_TYPE_INT64:
                case ETLC_TYPE_TIMESTAMP: h = mix(h, &col->fixed.i64[row], 8); break;
                default: {
                    size_t len;
                    const uint8_t *p = etlc_column_var(col, row, &len);
                    h = mix(h, p, len);
                }
                }
            }
    }
    assert_int_equal(rows, ROWS);
    etlc_parquet_reader_free(r);
    return h;
}

static void same_bytes_for(etlc_parquet_codec codec, int level)
{
    static const int threads[] = {1, 2, 8};
    etlc__buf first = {0};
    uint64_t written = 0;
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        etlc_parquet_options o = {.compression = codec, .compression_level = level,
                                  .row_group_bytes = 256 << 10, .page_bytes = 8 << 10,
                                  .dictionary_bytes = 8 << 10, .threads = threads[t]};
        etlc__buf out = {0};
        etlc_error err = {0};
        uint64_t h;
        if (write_file(&o, &out, &h, &err) != 0)
            fail_msg("%s, %d threads: %s", etlc_parquet_codec_name(codec), threads[t], err.message);
        if (t == 0) {
            first = out;
            written = h;
            assert_true(read_digest(&first) == written);
            continue;
        }
        assert_true(h == written);
        if (out.len != first.len || memcmp(out.data, first.data, out.len) != 0)
            fail_msg("%s level %d: %d threads wrote other bytes than 1 thread (%zu vs %zu bytes)",
                     etlc_parquet_codec_name(codec), level, threads[t], out.len, first.len);
        etlc__buf_free(&out);
    }
    etlc__buf_free(&first);
}

static void same_bytes_zstd(void **state) { (void)state; same_bytes_for(ETLC_PARQUET_ZSTD, 0); }
static void same_bytes_snappy(void **state) { (void)state; same_bytes_for(ETLC_PARQUET_SNAPPY, 0); }
static void same_bytes_gzip(void **state) { (void)state; same_bytes_for(ETLC_PARQUET_GZIP, 1); }
static void same_bytes_none(void **state) { (void)state; same_bytes_for(ETLC_PARQUET_NONE, 0); }

/* The level reaches zstd: a higher level gives other (here smaller) bytes. */
static void zstd_level_changes_output(void **state)
{
    (void)state;
    etlc__buf l1 = {0}, l19 = {0};
    etlc_error err = {0};
    uint64_t h1, h19;
    etlc_parquet_options o = {.compression_level = 1, .row_group_bytes = 256 << 10, .threads = 2};
    assert_int_equal(write_file(&o, &l1, &h1, &err), 0);
    o.compression_level = 19;
    assert_int_equal(write_file(&o, &l19, &h19, &err), 0);
    assert_true(l19.len < l1.len);
    assert_true(read_digest(&l19) == h19);
    etlc__buf_free(&l1);
    etlc__buf_free(&l19);
}

static void bad_options_refused(void **state)
{
    (void)state;
    etlc__buf out = {0};
    etlc_error err = {0};
    etlc_parquet_writer *w = NULL;
    etlc_parquet_options o = {.compression = ETLC_PARQUET_ZSTD, .compression_level = 23};
    assert_int_equal(etlc_parquet_writer_open(to_buf, &out, &o, &w, &err), ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "23"));
    assert_null(w);
    o = (etlc_parquet_options){.threads = -1};
    assert_int_equal(etlc_parquet_writer_open(to_buf, &out, &o, &w, &err), ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "threads"));
    assert_null(w);
    etlc__buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_bytes_zstd),
        cmocka_unit_test(same_bytes_snappy), cmocka_unit_test(same_bytes_gzip),
        cmocka_unit_test(same_bytes_none),   cmocka_unit_test(zstd_level_changes_output),
        cmocka_unit_test(bad_options_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
