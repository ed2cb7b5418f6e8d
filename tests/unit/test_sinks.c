/* Sinks: exact JSONL and CSV bytes, items and totals, empty results,
 * rolling parts, abort and lazy opening. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "sinks/sink_formats.h"

static etlc_batch *every_type_batch(void)
{
    etlc_column_def defs[] = {
        {"id", ETLC_TYPE_INT64, 0, 0},      {"ok", ETLC_TYPE_BOOL, 0, 0},
        {"score", ETLC_TYPE_DOUBLE, 0, 0},  {"name", ETLC_TYPE_TEXT, 0, 0},
        {"raw", ETLC_TYPE_BYTES, 0, 0},     {"day", ETLC_TYPE_DATE, 0, 0},
        {"at", ETLC_TYPE_TIMESTAMP, 0, 0},  {"amount", ETLC_TYPE_DECIMAL, 10, 4},
        {"doc", ETLC_TYPE_JSON, 0, 0},      {"nothing", ETLC_TYPE_NULL, 0, 0},
    };
    etlc_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_batch_new(defs, 10, 16, &b, &err), 0);
#define OK(x) assert_int_equal((x), 0)
    const char *name0 = "Zoë \"quoted\", line1\nline2";
    OK(etlc_batch_append_int64(b, 0, 1, &err));
    OK(etlc_batch_append_bool(b, 1, true, &err));
    OK(etlc_batch_append_double(b, 2, 0.1, &err));
    OK(etlc_batch_append_var(b, 3, ETLC_TYPE_TEXT, name0, strlen(name0), &err));
    OK(etlc_batch_append_var(b, 4, ETLC_TYPE_BYTES, "\x00\xff\x10", 3, &err));
    OK(etlc_batch_append_date(b, 5, 0, &err));
    OK(etlc_batch_append_timestamp(b, 6, -1, &err));
    OK(etlc_batch_append_var(b, 7, ETLC_TYPE_DECIMAL, "-12.3400", 8, &err));
    OK(etlc_batch_append_var(b, 8, ETLC_TYPE_JSON, "{\"a\": [1, 2]}", 13, &err));
    OK(etlc_batch_append_null(b, 9, &err));
    OK(etlc_batch_end_row(b, &err));

    OK(etlc_batch_append_int64(b, 0, INT64_MIN, &err));
    OK(etlc_batch_append_bool(b, 1, false, &err));
    OK(etlc_batch_append_double(b, 2, NAN, &err));
    OK(etlc_batch_append_var(b, 3, ETLC_TYPE_TEXT, "", 0, &err));
    OK(etlc_batch_append_var(b, 4, ETLC_TYPE_BYTES, "", 0, &err));
    OK(etlc_batch_append_date(b, 5, 19753, &err));
    OK(etlc_batch_append_timestamp(b, 6, 1706704496123456LL, &err));
    OK(etlc_batch_append_var(b, 7, ETLC_TYPE_DECIMAL, "0", 1, &err));
    OK(etlc_batch_append_var(b, 8, ETLC_TYPE_JSON, "not json", 8, &err));
    OK(etlc_batch_append_null(b, 9, &err));
    OK(etlc_batch_end_row(b, &err));

    for (size_t c = 0; c < 10; c++)
        OK(etlc_batch_append_null(b, c, &err));
    OK(etlc_batch_end_row(b, &err));

    OK(etlc_batch_append_int64(b, 0, 42, &err));
    OK(etlc_batch_append_bool(b, 1, true, &err));
    OK(etlc_batch_append_double(b, 2, -INFINITY, &err));
    OK(etlc_batch_append_var(b, 3, ETLC_TYPE_TEXT, " lead", 5, &err));
    OK(etlc_batch_append_var(b, 4, ETLC_TYPE_BYTES, "hi", 2, &err));
    OK(etlc_batch_append_date(b, 5, -719162, &err));
    OK(etlc_batch_append_timestamp(b, 6, 0, &err));
    OK(etlc_batch_append_var(b, 7, ETLC_TYPE_DECIMAL, "3.14", 4, &err));
    OK(etlc_batch_append_var(b, 8, ETLC_TYPE_JSON, "{\n\"k\":\"v\"\n}", 11, &err));
    OK(etlc_batch_append_null(b, 9, &err));
    OK(etlc_batch_end_row(b, &err));
#undef OK
    return b;
}

static const char EXPECTED_JSONL[] =
    "{\"id\":1,\"ok\":true,\"score\":0.1,\"name\":\"Zoë \\\"quoted\\\", line1\\nline2\","
    "\"raw\":\"AP8Q\",\"day\":\"1970-01-01\",\"at\":\"1969-12-31T23:59:59.999999Z\","
    "\"amount\":\"-12.3400\",\"doc\":{\"a\": [1, 2]},\"nothing\":null}\n"
    "{\"id\":-9223372036854775808,\"ok\":false,\"score\":\"NaN\",\"name\":\"\",\"raw\":\"\","
    "\"day\":\"2024-01-31\",\"at\":\"2024-01-31T12:34:56.123456Z\",\"amount\":\"0\","
    "\"doc\":\"not json\",\"nothing\":null}\n"
    "{\"id\":null,\"ok\":null,\"score\":null,\"name\":null,\"raw\":null,\"day\":null,\"at\":null,"
    "\"amount\":null,\"doc\":null,\"nothing\":null}\n"
    "{\"id\":42,\"ok\":true,\"score\":\"-Infinity\",\"name\":\" lead\",\"raw\":\"aGk=\","
    "\"day\":\"0001-01-01\",\"at\":\"1970-01-01T00:00:00.000000Z\",\"amount\":\"3.14\","
    "\"doc\":{ \"k\":\"v\" },\"nothing\":null}\n";

static const char EXPECTED_CSV[] =
    "id,ok,score,name,raw,day,at,amount,doc,nothing\n"
    "1,true,0.1,\"Zoë \"\"quoted\"\", line1\nline2\",AP8Q,1970-01-01,1969-12-31T23:59:59.999999Z,"
    "-12.3400,\"{\"\"a\"\": [1, 2]}\",\n"
    "-9223372036854775808,false,NaN,\"\",\"\",2024-01-31,2024-01-31T12:34:56.123456Z,0,not json,\n"
    ",,,,,,,,,\n"
    "42,true,-Infinity,\" lead\",aGk=,0001-01-01,1970-01-01T00:00:00.000000Z,3.14,"
    "\"{\n\"\"k\"\":\"\"v\"\"\n}\",\n";

static const char EXPECTED_COLUMNS[] =
    "id:int64,ok:bool,score:double,name:text,raw:bytes,day:date,at:timestamp,amount:decimal,"
    "doc:json,nothing:null";

typedef struct fixture {
    char *root;
    etlc_lake *lake;
    etlc_result *result;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    f->root = tu_tempdir("sinks");
    etlc_error err = {0};
    if (etlc_lake_open_local(f->root, &f->lake, &err) != 0 ||
        etlc_result_new("test", "src", "q", &f->result, &err) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    etlc_result_free(f->result);
    etlc_lake_free(f->lake);
    tu_rmtree(f->root);
    free(f->root);
    free(f);
    return 0;
}

static etlc_sink_options opts_for(const char *format)
{
    etlc_sink_options o = {0};
    o.format = format;
    o.path_template = "{protocol}/{source}/{part}.{ext}";
    o.vars.protocol = "test";
    o.vars.source = "src";
    return o;
}

/* Check one item against the file it names. */
static void check_item(const fixture *f, const etlc_item *it, const char *want_name,
                       const char *want_bytes, size_t want_len, int64_t want_records)
{
    char want_path[4300];
    snprintf(want_path, sizeof want_path, "%s/test/src/%s", f->root, want_name);
    assert_string_equal(it->name, want_name);
    assert_string_equal(it->path, want_path);
    size_t len = 0;
    char *content = tu_read_file(it->path, &len);
    assert_non_null(content);
    if (want_bytes) {
        if (len != want_len || memcmp(content, want_bytes, len) != 0)
            fail_msg("file %s differs:\n--- got ---\n%s\n--- want ---\n%s", it->name, content,
                     want_bytes);
    }
    assert_true(it->byte_count == (int64_t)len);
    char sha[65];
    etlc__sha256_hex(content, len, sha);
    assert_string_equal(it->sha256, sha);
    assert_true(it->record_count == want_records);
    assert_true(it->fetched_at_us > 0);
    free(content);
}

static void write_one_format(fixture *f, const char *format, const char *expected, size_t len,
                             const char *ctype)
{
    etlc_error err = {0};
    etlc_sink_options o = opts_for(format);
    etlc_sink *s = NULL;
    assert_int_equal(etlc_sink_open(f->lake, &o, &s, &err), 0);
    etlc_batch *b = every_type_batch();
    etlc_batch_consumer c = etlc_sink_consumer(s);
    assert_int_equal(c.on_batch(c.userdata, b, &err), 0);
    assert_int_equal(etlc_sink_finish(s, f->result, &err), 0);
    etlc_batch_free(b);

    assert_int_equal(f->result->item_count, 1);
    const etlc_item *it = &f->result->items[0];
    char name[32];
    snprintf(name, sizeof name, "00000.%s", format);
    check_item(f, it, name, expected, len, 4);
    assert_string_equal(it->format, format);
    assert_string_equal(it->content_type, ctype);
    assert_string_equal(etlc_meta_get(&it->metadata, "columns"), EXPECTED_COLUMNS);
    assert_int_equal(f->result->record_count, 4);
    assert_true(f->result->byte_count == (int64_t)len);
    etlc_result_finish(f->result);
    assert_int_equal(etlc_result_validate(f->result, &err), 0);
    assert_int_equal(tu_count_files(f->root), 1);
}

static void jsonl_exact_bytes(void **state)
{
    write_one_format(*state, "jsonl", EXPECTED_JSONL, sizeof EXPECTED_JSONL - 1,
                     "application/x-ndjson");
}

static void csv_exact_bytes(void **state)
{
    write_one_format(*state, "csv", EXPECTED_CSV, sizeof EXPECTED_CSV - 1, "text/csv");
}

static void empty_result_lands_one_file(void **state)
{
    fixture *f = *state;
    etlc_error err = {0};
    /* JSONL, no batch at all: one empty file. */
    etlc_sink_options o = opts_for("jsonl");
    etlc_sink *s = NULL;
    assert_int_equal(etlc_sink_open(f->lake, &o, &s, &err), 0);
    assert_int_equal(etlc_sink_finish(s, f->result, &err), 0);
    assert_int_equal(f->result->item_count, 1);
    check_item(f, &f->result->items[0], "00000.jsonl", "", 0, 0);

    /* CSV with an empty batch carrying the schema: header only. */
    o = opts_for("csv");
    assert_int_equal(etlc_sink_open(f->lake, &o, &s, &err), 0);
    etlc_column_def defs[] = {{"a", ETLC_TYPE_INT64, 0, 0}, {"b,c", ETLC_TYPE_TEXT, 0, 0}};
    etlc_batch *b = NULL;
    assert_int_equal(etlc_batch_new(defs, 2, 8, &b, &err), 0);
    assert_int_equal(etlc_sink_write(s, b, &err), 0);
    assert_int_equal(tu_count_files(f->root), 1); /* nothing opened for zero rows */
    assert_int_equal(etlc_sink_finish(s, f->result, &err), 0);
    etlc_batch_free(b);
    assert_int_equal(f->result->item_count, 2);
    const char hdr[] = "a,\"b,c\"\n";
    check_item(f, &f->result->items[1], "00000.csv", hdr, sizeof hdr - 1, 0);
    assert_string_equal(etlc_meta_get(&f->result->items[1].metadata, "columns"), "a:int64,b%2Cc:text"); /* a comma in a name is encoded (#15) */
    assert_int_equal(f->result->record_count, 0);
    etlc_result_finish(f->result);
    assert_int_equal(etlc_result_validate(f->result, &err), 0);
}

static etlc_batch *int_batch(int from, int n)
{
    etlc_column_def defs[] = {{"n", ETLC_TYPE_INT64, 0, 0}, {"s", ETLC_TYPE_TEXT, 0, 0}};
    etlc_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_batch_new(defs, 2, (size_t)n, &b, &err), 0);
    for (int i = from; i < from + n; i++) {
        char t[16];
        int len = snprintf(t, sizeof t, "v%d", i);
        assert_int_equal(etlc_batch_append_int64(b, 0, i, &err), 0);
        assert_int_equal(etlc_batch_append_var(b, 1, ETLC_TYPE_TEXT, t, (size_t)len, &err), 0);
        assert_int_equal(etlc_batch_end_row(b, &err), 0);
    }
    return b;
}

static void rolling_parts(void **state)
{
    fixture *f = *state;
    etlc_error err = {0};
    etlc_sink_options o = opts_for("csv");
    o.max_records_per_file = 3;
    etlc_sink *s = NULL;
    assert_int_equal(etlc_sink_open(f->lake, &o, &s, &err), 0);
    for (int k = 0; k < 2; k++) {
        etlc_batch *b = int_batch(k * 4, 4);
        assert_int_equal(etlc_sink_write(s, b, &err), 0);
        etlc_batch_free(b);
    }
    /* Before finish: three parts exist, all still hidden temporaries. */
    char dir[4300];
    snprintf(dir, sizeof dir, "%s/test/src", f->root);
    assert_int_equal(tu_count_files(f->root), 3);
    char p0[4400];
    snprintf(p0, sizeof p0, "%s/00000.csv", dir);
    char *none = tu_read_file(p0, NULL);
    assert_null(none);

    assert_int_equal(etlc_sink_finish(s, f->result, &err), 0);
    assert_int_equal(f->result->item_count, 3);
    const char *want[] = {"n,s\n0,v0\n1,v1\n2,v2\n", "n,s\n3,v3\n4,v4\n5,v5\n", "n,s\n6,v6\n7,v7\n"};
    const int64_t recs[] = {3, 3, 2};
    int64_t bytes = 0;
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "%05d.csv", i);
        check_item(f, &f->result->items[i], name, want[i], strlen(want[i]), recs[i]);
        bytes += f->result->items[i].byte_count;
    }
    assert_int_equal(f->result->record_count, 8);
    assert_true(f->result->byte_count == bytes);
    assert_int_equal(tu_count_files(f->root), 3);

    /* Exactly at the boundary: no empty extra part. */
    etlc_result *r2 = NULL;
    assert_int_equal(etlc_result_new("test", "src", NULL, &r2, &err), 0);
    o = opts_for("jsonl");
    o.max_records_per_file = 4;
    assert_int_equal(etlc_sink_open(f->lake, &o, &s, &err), 0);
    etlc_batch *b = int_batch(0, 4);
    assert_int_equal(etlc_sink_write(s, b, &err), 0);
    etlc_batch_free(b);
    assert_int_equal(etlc_sink_finish(s, r2, &err), 0);
    assert_int_equal(r2->item_count, 1);
    assert_int_equal(r2->record_count, 4);
    etlc_result_free(r2);
}

static void abort_and_failed_fetch_leave_nothing(void **state)
{
    fixture *f = *state;
    etlc_error err = {0};
    etlc_sink_options o = opts_for("jsonl");
    o.max_records_per_file = 2;
    etlc_sink *s = NULL;
    /* Parts written (one rolled, one open), then aborted. */
    assert_int_equal(etlc_sink_open(f->lake, &o, &s, &err), 0);
    etlc_batch *b = int_batch(0, 3);
    assert_int_equal(etlc_sink_write(s, b, &err), 0);
    etlc_batch_free(b);
    assert_int_equal(tu_count_files(f->root), 2);
    etlc_sink_abort(s);
    assert_int_equal(tu_count_files(f->root), 0);
    /* A fetch that fails before any row: not even a temporary file. */
    assert_int_equal(etlc_sink_open(f->lake, &o, &s, &err), 0);
    assert_int_equal(tu_count_files(f->root), 0);
    etlc_sink_abort(s);
    etlc_sink_abort(NULL);
    assert_int_equal(tu_count_files(f->root), 0);
    assert_int_equal(f->result->item_count, 0);
}

static void formats_and_option_errors(void **state)
{
    fixture *f = *state;
    etlc_error err = {0};
    assert_true(etlc_sink_format_supported("jsonl"));
    assert_true(etlc_sink_format_supported("CSV"));
    assert_true(etlc_sink_format_supported(NULL));
    assert_false(etlc_sink_format_supported("xml"));
    etlc_sink_options o = opts_for("xml");
    etlc_sink *s = NULL;
    assert_int_equal(etlc_sink_open(f->lake, &o, &s, &err), ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "xml"));
    assert_null(s);
    o = opts_for("parquet");
    int rc = etlc_sink_open(f->lake, &o, &s, &err);
    if (etlc_sink_format_supported("parquet")) {
        assert_int_equal(rc, 0);
        etlc_sink_abort(s);
    } else {
        assert_int_equal(rc, ETLC_UNSUPPORTED);
        assert_non_null(strstr(err.message, "parquet"));
    }
    o = opts_for("jsonl");
    o.path_template = "{protocol}/{table}.{ext}";
    assert_int_equal(etlc_sink_open(f->lake, &o, &s, &err), ETLC_CONFIG);
    assert_non_null(strstr(err.message, "{table}"));
    o.path_template = "{protocol}/fixed.{ext}";
    o.max_records_per_file = 1;
    assert_int_equal(etlc_sink_open(f->lake, &o, &s, &err), 0);
    etlc_batch *b = int_batch(0, 2);
    assert_int_equal(etlc_sink_write(s, b, &err), ETLC_CONFIG);
    assert_non_null(strstr(err.message, "{part}"));
    etlc_batch_free(b);
    assert_int_not_equal(etlc_sink_finish(s, f->result, &err), 0);
    assert_int_equal(f->result->item_count, 0);
    assert_int_equal(tu_count_files(f->root), 0);
}

static void value_text_helpers(void **state)
{
    (void)state;
    etlc__buf b = {0};
    const double vals[] = {0.1, 1.0 / 3.0, 1e300, -0.0, 123456789012345678.0, 5e-324};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        etlc__buf_reset(&b);
        assert_int_equal(etlc__buf_double(&b, vals[i]), 0);
        assert_true(strtod(b.data, NULL) == vals[i]);
    }
    etlc__buf_reset(&b);
    etlc__buf_double(&b, 0.1);
    assert_string_equal(b.data, "0.1");
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < 7; i++) {
        etlc__buf_reset(&b);
        assert_int_equal(etlc__buf_base64(&b, (const uint8_t *)in[i], strlen(in[i])), 0);
        assert_string_equal(b.data ? b.data : "", out[i]);
    }
    etlc__buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(jsonl_exact_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(csv_exact_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(empty_result_lands_one_file, setup, teardown),
        cmocka_unit_test_setup_teardown(rolling_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(abort_and_failed_fetch_leave_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(formats_and_option_errors, setup, teardown),
        cmocka_unit_test(value_text_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
