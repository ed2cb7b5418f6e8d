/* Allocation failures in record batches and the sinks writing into a local
 * lake (jsonl, csv, parquet): build batches of every type, open a sink,
 * write (rolling to a second file), finish; and the abort path. Failing
 * allocation 1, 2, ... in turn, every run gives ETLC_NO_MEMORY (or reaches
 * the end), leaks nothing and leaves no file in the lake.
 *
 * The library's fault injector (core/fault.h) makes the allocations fail:
 * built with -DETLCONN_FAULT_INJECTION=ON only, and run under ASan too,
 * where a scenario of more than 400 allocations is stepped through with a
 * stride (about 200 runs; NOMEM_STRIDE=1 runs them all: nomem_alloc.h). */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nomem_alloc.h"
#include "nomem_loop.h"

/* Four rows of every type (NULL rows, empty and multi-line text), under a
 * repeated and an empty column name (#15: the sink renames them). */
static int every_type_batch(etlc_batch **out, etlc_error *err)
{
    etlc_column_def defs[] = {
        {"id", ETLC_TYPE_INT64, 0, 0},      {"id", ETLC_TYPE_BOOL, 0, 0}, /* repeated and empty */
        {"score", ETLC_TYPE_DOUBLE, 0, 0},  {"name", ETLC_TYPE_TEXT, 0, 0},
        {"raw", ETLC_TYPE_BYTES, 0, 0},     {"day", ETLC_TYPE_DATE, 0, 0},
        {"at", ETLC_TYPE_TIMESTAMP, 0, 0},  {"amount", ETLC_TYPE_DECIMAL, 10, 4},
        {"doc", ETLC_TYPE_JSON, 0, 0},      {"", ETLC_TYPE_NULL, 0, 0},   /* names: the rule's path too */
    };
    etlc_batch *b = NULL;
    int rc = etlc_batch_new(defs, 10, 4, &b, err);
    for (int row = 0; rc == 0 && row < 4; row++) {
        if (row == 2) {
            for (size_t c = 0; rc == 0 && c < 10; c++)
                rc = etlc_batch_append_null(b, c, err);
        } else {
            char name[64];
            int len = snprintf(name, sizeof name, "Zoë \"quoted\", line%d\nline2 %d", row, row * 1000);
            if (rc == 0) rc = etlc_batch_append_int64(b, 0, row == 1 ? INT64_MIN : row, err);
            if (rc == 0) rc = etlc_batch_append_bool(b, 1, row & 1, err);
            if (rc == 0) rc = etlc_batch_append_double(b, 2, row == 1 ? NAN : 0.1 * row, err);
            if (rc == 0) rc = etlc_batch_append_var(b, 3, ETLC_TYPE_TEXT, name, (size_t)len, err);
            if (rc == 0) rc = etlc_batch_append_var(b, 4, ETLC_TYPE_BYTES, "\x00\xff\x10", 3, err);
            if (rc == 0) rc = etlc_batch_append_date(b, 5, 19753 + row, err);
            if (rc == 0) rc = etlc_batch_append_timestamp(b, 6, 1706704496123456LL * row, err);
            if (rc == 0) rc = etlc_batch_append_var(b, 7, ETLC_TYPE_DECIMAL, "-12.3400", 8, err);
            if (rc == 0) rc = etlc_batch_append_var(b, 8, ETLC_TYPE_JSON, "{\"a\": [1, 2]}", 13, err);
            if (rc == 0) rc = etlc_batch_append_null(b, 9, err);
        }
        if (rc == 0)
            rc = etlc_batch_end_row(b, err);
    }
    if (rc) {
        etlc_batch_free(b);
        b = NULL;
    }
    *out = b;
    return rc;
}

typedef struct sink_ctx {
    const char *format;
    char *root;
    bool abort_instead;
    bool committed; /* the sink's finish succeeded: its files are visible */
} sink_ctx;

static int do_sink(void *p, etlc_error *err)
{
    sink_ctx *ctx = p;
    etlc_batch *batch = NULL;
    etlc_lake *lake = NULL;
    etlc_result *result = NULL;
    etlc_sink *sink = NULL;
    char *json = NULL;
    ctx->committed = false;
    int rc = every_type_batch(&batch, err);
    if (rc == 0)
        rc = etlc_lake_open_local(ctx->root, &lake, err);
    if (rc == 0)
        rc = etlc_result_new("nomem", "src", "SELECT 1", &result, err);
    if (rc == 0) {
        etlc_sink_options o = {.format = ctx->format, .query = "SELECT 1", .max_records_per_file = 6,
                               .compression = "zstd",
                               .vars = {.protocol = "nomem", .source = "src", .date = "2026-11-27",
                                        .run_id = "r1", .query_hash = "0123456789ab"}};
        rc = etlc_sink_open(lake, &o, &sink, err);
    }
    /* 3 x 4 rows with a roll after 6: two files */
    for (int i = 0; rc == 0 && i < 3; i++)
        rc = etlc_sink_write(sink, batch, err);
    if (ctx->abort_instead) {
        etlc_sink_abort(sink);
    } else if (sink) {
        int frc = etlc_sink_finish(sink, result, err);
        if (rc == 0)
            rc = frc;
        ctx->committed = rc == 0;
        if (rc == 0 && result->item_count != 2)
            rc = etlc_error_set(err, ETLC_INTERNAL, "expected 2 items, got %zu", result->item_count);
    }
    if (rc == 0) {
        etlc_result_finish(result);
        rc = etlc_result_to_json(result, true, &json, err);
    }
    free(json);
    etlc_result_free(result);
    etlc_lake_free(lake);
    etlc_batch_free(batch);
    return rc;
}

static void lake_empty_unless_success(void *p, int rc, long n)
{
    sink_ctx *ctx = p;
    char first[4096] = "";
    size_t visible = nomem_visible_files(ctx->root, first, sizeof first);
    size_t all = tu_count_files(ctx->root);
    if (!ctx->committed && all != 0)
        fail_msg("%s: failing allocation %ld (rc %s) left %zu file(s) (%zu visible, e.g. %s)", ctx->format,
                 n, etlc_code_name(rc), all, visible, first);
    if (ctx->committed && (visible != 2 || all != 2))
        fail_msg("%s: a successful run left %zu file(s), %zu visible, not 2", ctx->format, all, visible);
    tu_rmtree(ctx->root);
}

static void run_format(const char *format, bool abort_instead)
{
    if (!etlc_sink_format_supported(format))
        fail_msg("format %s not built in", format); /* parquet is built in the default build */
    sink_ctx ctx = {.format = format, .root = tu_tempdir("sinks-nomem"), .abort_instead = abort_instead};
    char what[64];
    snprintf(what, sizeof what, "%s %s", format, abort_instead ? "abort" : "finish");
    nomem_each_allocation_fails(what, do_sink, lake_empty_unless_success, &ctx);
    tu_rmtree(ctx.root);
    free(ctx.root);
}

static void nomem_jsonl(void **state) { (void)state; run_format("jsonl", false); }
static void nomem_csv(void **state) { (void)state; run_format("csv", false); }
static void nomem_parquet(void **state) { (void)state; run_format("parquet", false); }
static void nomem_jsonl_abort(void **state) { (void)state; run_format("jsonl", true); }
static void nomem_parquet_abort(void **state) { (void)state; run_format("parquet", true); }

int main(int argc, char **argv)
{
    (void)argc;
    nomem_main_setup(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nomem_jsonl),       cmocka_unit_test(nomem_csv),
        cmocka_unit_test(nomem_parquet),     cmocka_unit_test(nomem_jsonl_abort),
        cmocka_unit_test(nomem_parquet_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
