/* Allocation failures in the Parquet reader (etlc_parquet_reader_*) on
 * small files our writer made (every type, NULLs, dictionary and PLAIN
 * pages, several row groups, all four codecs), and in the writer with
 * footer metadata. Failing allocation 1, 2, ... in turn: ETLC_NO_MEMORY
 * (or the end), nothing leaked, and a run that succeeds read exactly the
 * same values as without failures.
 *
 * The library's fault injector (core/fault.h) makes the allocations fail:
 * built with -DETLCONN_FAULT_INJECTION=ON only, and run under ASan too,
 * where a scenario of more than 400 allocations is stepped through with a
 * stride (about 200 runs; NOMEM_STRIDE=1 runs them all: nomem_alloc.h). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

#include "nomem_alloc.h"
#include "nomem_loop.h"

static const etlc_column_def defs[] = {
    {"b", ETLC_TYPE_BOOL, 0, 0},       {"i", ETLC_TYPE_INT64, 0, 0},      {"d", ETLC_TYPE_DOUBLE, 0, 0},
    {"t", ETLC_TYPE_TEXT, 0, 0},       {"y", ETLC_TYPE_BYTES, 0, 0},      {"dt", ETLC_TYPE_DATE, 0, 0},
    {"ts", ETLC_TYPE_TIMESTAMP, 0, 0}, {"n", ETLC_TYPE_DECIMAL, 18, 4},   {"j", ETLC_TYPE_JSON, 0, 0},
    {"z", ETLC_TYPE_NULL, 0, 0},
};
#define NC (sizeof defs / sizeof defs[0])

static int to_buf(void *ud, const void *data, size_t len, etlc_error *err)
{
    return etlc__buf_append(ud, data, len) ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : 0;
}

/* Row r; every 7th row NULL but for i; `distinct` false repeats 5 values (dictionary pages). */
static int fill(etlc_batch *b, size_t r, bool distinct, etlc_error *err)
{
    char s[64];
    size_t k = distinct ? r : r % 5;
    int rc = 0;
    for (size_t c = 0; c < NC && rc == 0; c++) {
        if (r % 7 == 3 && c != 1) {
            rc = etlc_batch_append_null(b, c, err);
            continue;
        }
        switch (c) {
        case 0: rc = etlc_batch_append_bool(b, c, k % 2, err); break;
        case 1: rc = etlc_batch_append_int64(b, c, (int64_t)k * 1000003, err); break;
        case 2: rc = etlc_batch_append_double(b, c, (double)k / 3.0, err); break;
        case 3: snprintf(s, sizeof s, "text é %zu", k); rc = etlc_batch_append_var(b, c, ETLC_TYPE_TEXT, s, strlen(s), err); break;
        case 4: rc = etlc_batch_append_var(b, c, ETLC_TYPE_BYTES, "\0\1\2\377", 4, err); break;
        case 5: rc = etlc_batch_append_date(b, c, (int32_t)k - 800, err); break;
        case 6: rc = etlc_batch_append_timestamp(b, c, (int64_t)k * 1000001 - 5, err); break;
        case 7: snprintf(s, sizeof s, "-%zu.0125", k); rc = etlc_batch_append_var(b, c, ETLC_TYPE_DECIMAL, s, strlen(s), err); break;
        case 8: snprintf(s, sizeof s, "{\"k\":%zu}", k); rc = etlc_batch_append_var(b, c, ETLC_TYPE_JSON, s, strlen(s), err); break;
        default: rc = etlc_batch_append_null(b, c, err);
        }
    }
    return rc ? rc : etlc_batch_end_row(b, err);
}

/* Compression threads of the writer (etlc_parquet_options.threads). */
static int g_threads = 1;

/* Write `rows` rows in batches of 40 into out (a Parquet file). */
static int write_file(etlc_parquet_codec codec, size_t rows, bool distinct, etlc__buf *out, etlc_error *err)
{
    etlc_meta meta = {0};
    etlc_parquet_options o = {.compression = codec, .row_group_bytes = 2000, .page_bytes = 500,
                              .metadata = &meta, .threads = g_threads};
    etlc_parquet_writer *w = NULL;
    etlc_batch *b = NULL;
    int rc = etlc_meta_set(&meta, "etlconn.query", "SELECT 1") ? etlc_error_set(err, ETLC_NO_MEMORY, "meta") : 0;
    if (rc == 0)
        rc = etlc_parquet_writer_open(to_buf, out, &o, &w, err);
    if (rc == 0)
        rc = etlc_batch_new(defs, NC, 40, &b, err);
    for (size_t r = 0; rc == 0 && r < rows; r++) {
        rc = fill(b, r, distinct, err);
        if (rc == 0 && (etlc_batch_full(b) || r + 1 == rows)) {
            rc = etlc_parquet_writer_write(w, b, err);
            etlc_batch_reset(b);
        }
    }
    if (rc == 0)
        rc = etlc_parquet_writer_set_meta(w, "etlconn.rows", "many", err);
    if (rc == 0)
        rc = etlc_parquet_writer_close(w, NULL, err);
    etlc_parquet_writer_free(w);
    etlc_batch_free(b);
    etlc_meta_clear(&meta);
    return rc;
}

typedef struct reader_ctx {
    char path[4200];
    etlc__buf bytes;      /* the file, for open_memory */
    bool from_memory;
    uint64_t expect_sum;  /* what a run without failures reads (0 = not known yet) */
} reader_ctx;

/* A digest of every value read, so a run that "succeeds" after a failure
 * cannot have read something else. */
static uint64_t digest_batch(const etlc_batch *b, uint64_t h)
{
    for (size_t c = 0; c < b->ncols; c++) {
        const etlc_column *col = &b->cols[c];
        for (size_t r = 0; r < b->nrows; r++) {
            h = h * 1099511628211ull + (etlc_column_is_null(col, r) ? 7 : 1);
            if (etlc_column_is_null(col, r))
                continue;
            switch (col->def.type) {
            case ETLC_TYPE_BOOL: h = h * 31 + col->fixed.b[r]; break;
            case ETLC_TYPE_DATE: h = h * 31 + (uint64_t)col->fixed.i32[r]; break;
            case ETLC_TYPE_INT64:
            case ETLC_TYPE_TIMESTAMP: h = h * 31 + (uint64_t)col->fixed.i64[r]; break;
            case ETLC_TYPE_DOUBLE: { uint64_t u; memcpy(&u, &col->fixed.f64[r], 8); h = h * 31 + u; break; }
            case ETLC_TYPE_NULL: break;
            default: {
                size_t len;
                const uint8_t *p = etlc_column_var(col, r, &len);
                for (size_t i = 0; i < len; i++)
                    h = h * 31 + p[i];
            }
            }
        }
    }
    return h;
}

static int do_read(void *p, etlc_error *err)
{
    reader_ctx *ctx = p;
    etlc_parquet_reader *r = NULL;
    int rc = ctx->from_memory ? etlc_parquet_reader_open_memory(ctx->bytes.data, ctx->bytes.len, &r, err)
                              : etlc_parquet_reader_open(ctx->path, &r, err);
    uint64_t h = 1;
    int64_t rows = 0;
    if (rc == 0) {
        const etlc_column_def *cd;
        if (etlc_parquet_reader_columns(r, &cd) != NC)
            rc = etlc_error_set(err, ETLC_INTERNAL, "wrong column count");
    }
    while (rc == 0) {
        const etlc_batch *b = NULL;
        rc = etlc_parquet_reader_next(r, &b, err);
        if (rc || !b)
            break;
        rows += (int64_t)b->nrows;
        h = digest_batch(b, h);
    }
    if (rc == 0 && rows != etlc_parquet_reader_num_rows(r))
        rc = etlc_error_set(err, ETLC_INTERNAL, "read %lld rows", (long long)rows);
    etlc_parquet_reader_free(r);
    if (rc == 0 && !ctx->expect_sum)
        ctx->expect_sum = h;
    else if (rc == 0 && h != ctx->expect_sum)
        rc = etlc_error_set(err, ETLC_INTERNAL, "a run that succeeded read other values");
    return rc;
}

static void run_reader(etlc_parquet_codec codec, bool distinct, bool from_memory)
{
    reader_ctx ctx = {.from_memory = from_memory};
    etlc_error err = {0};
    assert_int_equal(write_file(codec, 150, distinct, &ctx.bytes, &err), 0);
    char *dir = tu_tempdir("pq-reader-nomem");
    snprintf(ctx.path, sizeof ctx.path, "%s/f.parquet", dir);
    FILE *f = fopen(ctx.path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(ctx.bytes.data, 1, ctx.bytes.len, f), ctx.bytes.len);
    fclose(f);
    char what[80];
    snprintf(what, sizeof what, "parquet reader %s %s%s", etlc_parquet_codec_name(codec),
             distinct ? "plain" : "dictionary", from_memory ? " (memory)" : "");
    nomem_each_allocation_fails(what, do_read, NULL, &ctx);
    etlc__buf_free(&ctx.bytes);
    tu_rmtree(dir);
    free(dir);
}

static int do_write(void *p, etlc_error *err)
{
    etlc__buf out = {0};
    int rc = write_file(*(etlc_parquet_codec *)p, 100, false, &out, err);
    etlc__buf_free(&out);
    return rc;
}

static void nomem_read_zstd_dictionary(void **state) { (void)state; run_reader(ETLC_PARQUET_ZSTD, false, false); }
static void nomem_read_snappy_plain(void **state) { (void)state; run_reader(ETLC_PARQUET_SNAPPY, true, false); }
static void nomem_read_gzip_memory(void **state) { (void)state; run_reader(ETLC_PARQUET_GZIP, false, true); }
static void nomem_read_none_plain(void **state) { (void)state; run_reader(ETLC_PARQUET_NONE, true, true); }

static void nomem_write_gzip(void **state)
{
    (void)state;
    etlc_parquet_codec codec = ETLC_PARQUET_GZIP;
    nomem_each_allocation_fails("parquet writer gzip", do_write, NULL, &codec);
}

/* Three compression threads: a failure on a worker (zstd's workspace, a
 * page buffer) reaches the caller as NO_MEMORY, nothing leaks, and the
 * workers are joined (which thread's allocation is "the nth" varies). */
static void nomem_write_zstd_threads(void **state)
{
    (void)state;
    etlc_parquet_codec codec = ETLC_PARQUET_ZSTD;
    g_threads = 3;
    nomem_each_allocation_fails("parquet writer zstd, 3 threads", do_write, NULL, &codec);
    g_threads = 1;
}

int main(int argc, char **argv)
{
    (void)argc;
    nomem_main_setup(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nomem_read_zstd_dictionary), cmocka_unit_test(nomem_read_snappy_plain),
        cmocka_unit_test(nomem_read_gzip_memory),     cmocka_unit_test(nomem_read_none_plain),
        cmocka_unit_test(nomem_write_gzip), cmocka_unit_test(nomem_write_zstd_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
