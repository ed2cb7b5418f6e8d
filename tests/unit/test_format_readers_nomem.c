/* Allocation failures in the JSONL and CSV readers (src/sinks/jsonl_read.c, csv_read.c
 * through format_reader.h), with column hints and without (JSONL type
 * inference, CSV text), and in the Parquet adapter. Failing allocation
 * 1, 2, ... in turn: ETLC_NO_MEMORY (or the end), nothing leaked, and a run
 * that succeeds read the same rows as without failures.
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
#include "sinks/format_reader.h"

#include "nomem_alloc.h"
#include "nomem_loop.h"

#define HINTS "i:int64,d:double,b:bool,t:text,y:bytes,dt:date,ts:timestamp,n:decimal,j:json,z:null"

static const char JSONL[] =
    "{\"i\":1,\"d\":0.5,\"b\":true,\"t\":\"a \\\"q\\\"\\n\\u00e9\",\"y\":\"AP8=\",\"dt\":\"2024-01-31\","
    "\"ts\":\"2024-01-31T12:34:56.123456Z\",\"n\":\"-12.3400\",\"j\":{\"k\":[1,2]},\"z\":null}\n"
    "\n"
    "{\"i\":-2,\"d\":\"NaN\",\"b\":false,\"t\":\"\",\"y\":\"\",\"dt\":null,\"ts\":null,\"n\":\"0\",\"j\":[],\"z\":null}\n"
    "{\"i\":3,\"t\":\"x\"}\n";

static const char CSV[] = "i,d,b,t,y,dt,ts,n,j,z\n"
                          "1,0.5,true,\"a \"\"q\"\",\r\nline\",AP8=,2024-01-31,2024-01-31T12:34:56Z,-12.3400,\"{\"\"k\"\":1}\",\n"
                          "-2,NaN,false,\"\",,,,0,[],\n"
                          "3,,,x,,,,,,\n";

typedef struct ctx {
    char path[1200];
    const char *hints;
    long expect_rows;
} ctx;

static int do_read(void *p, etlc_error *err)
{
    ctx *c = p;
    etlc__format_reader_options o = {.columns = c->hints, .batch_rows = 2};
    etlc__format_reader *r = NULL;
    int rc = etlc__format_reader_open_path(c->path, &o, &r, err);
    long rows = 0;
    const etlc_batch *b;
    while (rc == 0 && (rc = etlc__format_reader_next(r, &b, err)) == 0 && b)
        rows += (long)b->nrows;
    etlc__format_reader_free(r);
    if (rc == 0 && rows != c->expect_rows)
        rc = etlc_error_set(err, ETLC_INTERNAL, "read %ld rows, want %ld", rows, c->expect_rows);
    return rc;
}

static void run(const char *name, const char *content, const char *hints, long rows)
{
    ctx c = {.hints = hints, .expect_rows = rows};
    char *dir = tu_tempdir("format-readers-nomem");
    snprintf(c.path, sizeof c.path, "%s/%s", dir, name);
    assert_int_equal(tu_write_file(c.path, content), 0);
    char what[80];
    snprintf(what, sizeof what, "%s reader%s", name, hints ? " with hints" : "");
    nomem_each_allocation_fails(what, do_read, NULL, &c);
    tu_rmtree(dir);
    free(dir);
}

static void nomem_jsonl_hints(void **state) { (void)state; run("f.jsonl", JSONL, HINTS, 3); }
static void nomem_jsonl_inferred(void **state) { (void)state; run("f.jsonl", JSONL, NULL, 3); }
static void nomem_csv_hints(void **state) { (void)state; run("f.csv", CSV, HINTS, 3); }
static void nomem_csv_text(void **state) { (void)state; run("f.csv", CSV, NULL, 3); }

/* The Parquet adapter: a file landed by the parquet sink. */
static void nomem_parquet(void **state)
{
    (void)state;
    etlc_error err = {0};
    char *dir = tu_tempdir("format-readers-nomem-pq");
    etlc_lake *lake = NULL;
    etlc_result *res = NULL;
    etlc_sink *s = NULL;
    etlc_batch *b = NULL;
    etlc_column_def defs[] = {{"i", ETLC_TYPE_INT64, 0, 0}, {"t", ETLC_TYPE_TEXT, 0, 0}};
    etlc_sink_options o = {.format = "parquet", .path_template = "f.{ext}"};
    assert_int_equal(etlc_lake_open_local(dir, &lake, &err), 0);
    assert_int_equal(etlc_result_new("test", "src", "q", &res, &err), 0);
    assert_int_equal(etlc_sink_open(lake, &o, &s, &err), 0);
    assert_int_equal(etlc_batch_new(defs, 2, 16, &b, &err), 0);
    for (int64_t i = 0; i < 5; i++) {
        assert_int_equal(etlc_batch_append_int64(b, 0, i, &err), 0);
        assert_int_equal(i == 2 ? etlc_batch_append_null(b, 1, &err)
                                : etlc_batch_append_var(b, 1, ETLC_TYPE_TEXT, "abc", 3, &err), 0);
        assert_int_equal(etlc_batch_end_row(b, &err), 0);
    }
    assert_int_equal(etlc_sink_write(s, b, &err), 0);
    assert_int_equal(etlc_sink_finish(s, res, &err), 0);
    etlc_batch_free(b);
    etlc_result_free(res);
    etlc_lake_free(lake);
    ctx c = {.expect_rows = 5};
    snprintf(c.path, sizeof c.path, "%s/f.parquet", dir);
    nomem_each_allocation_fails("parquet adapter", do_read, NULL, &c);
    tu_rmtree(dir);
    free(dir);
}

int main(int argc, char **argv)
{
    (void)argc;
    nomem_main_setup(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nomem_jsonl_hints), cmocka_unit_test(nomem_jsonl_inferred),
        cmocka_unit_test(nomem_csv_hints),   cmocka_unit_test(nomem_csv_text),
        cmocka_unit_test(nomem_parquet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
