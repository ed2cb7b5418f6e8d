/* Format readers: every type written through each sink (jsonl, csv,
 * parquet) into a local lake reads back the same, by path and through the
 * lake, in batches of at most N rows; malformed files fail naming the file
 * and the line. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "sinks/format_reader.h"

#define NROWS 2503 /* not a multiple of any batch size used */
#define NCOLS 10

static const etlc_column_def DEFS[NCOLS] = {
    {"id", ETLC_TYPE_INT64, 0, 0},     {"ok", ETLC_TYPE_BOOL, 0, 0},
    {"score", ETLC_TYPE_DOUBLE, 0, 0}, {"name", ETLC_TYPE_TEXT, 0, 0},
    {"raw", ETLC_TYPE_BYTES, 0, 0},    {"day", ETLC_TYPE_DATE, 0, 0},
    {"at", ETLC_TYPE_TIMESTAMP, 0, 0}, {"amount", ETLC_TYPE_DECIMAL, 18, 4},
    {"doc", ETLC_TYPE_JSON, 0, 0},     {"nothing", ETLC_TYPE_NULL, 0, 0},
};

static const char *const TEXTS[] = {
    "plain", "with \"quotes\", and commas", "line1\nline2", "crlf\r\nend\r", "Zoë ✓ 😀 日本",
    "", " lead and trail ", "tab\there", "back\\slash \\u0041", "null", "\"", ",",
};
static const char *const JSONS[] = {
    "{\"a\":[1,2,{\"b\":null}]}", "[]", "\"str, \\\"q\\\"\"", "42", "{\"k\": \"ü\", \"n\": -1.5e3}", "true",
};
static const char *const DECIMALS[] = {"-12.3400", "0.0000", "99999999999999.9999", "1.5000"};
static const double DOUBLES[] = {0.1, -1e300, 3.141592653589793, 1e-7, -0.0, 123456.789};

#define OK(x) assert_int_equal((x), 0)

/* Row i of the data set; about one value in seven is NULL, at a different row per column. */
static void append_row(etlc_batch *b, size_t i)
{
    etlc_error err = {0};
    for (size_t c = 0; c < NCOLS; c++) {
        if (c == 9 || (i + c) % 7 == 0) {
            OK(etlc_batch_append_null(b, c, &err));
            continue;
        }
        switch (c) {
        case 0: OK(etlc_batch_append_int64(b, c, i == 1 ? INT64_MIN : i == 2 ? INT64_MAX : (int64_t)i * 7919 - 5000, &err)); break;
        case 1: OK(etlc_batch_append_bool(b, c, i % 3 == 0, &err)); break;
        case 2: {
            double v = i % 50 == 4 ? NAN : i % 50 == 5 ? INFINITY : DOUBLES[i % 6] * (double)(i + 1);
            OK(etlc_batch_append_double(b, c, v, &err));
            break;
        }
        case 3: {
            const char *t = TEXTS[i % ETLC__ARRAY_LEN(TEXTS)];
            OK(etlc_batch_append_var(b, c, ETLC_TYPE_TEXT, t, strlen(t), &err));
            break;
        }
        case 4: {
            uint8_t raw[5] = {0x00, 0xff, (uint8_t)i, (uint8_t)(i >> 8), '\n'};
            OK(etlc_batch_append_var(b, c, ETLC_TYPE_BYTES, raw, i % 6, &err));
            break;
        }
        case 5: OK(etlc_batch_append_date(b, c, (int32_t)i * 37 - 40000, &err)); break;
        case 6: OK(etlc_batch_append_timestamp(b, c, (int64_t)i * 86400123457LL - 1000000000000000LL, &err)); break;
        case 7: {
            const char *d = DECIMALS[i % ETLC__ARRAY_LEN(DECIMALS)];
            OK(etlc_batch_append_var(b, c, ETLC_TYPE_DECIMAL, d, strlen(d), &err));
            break;
        }
        case 8: {
            const char *j = JSONS[i % ETLC__ARRAY_LEN(JSONS)];
            OK(etlc_batch_append_var(b, c, ETLC_TYPE_JSON, j, strlen(j), &err));
            break;
        }
        }
    }
    OK(etlc_batch_end_row(b, &err));
}

typedef struct fixture {
    char *root;
    etlc_lake *lake;
    etlc_result *result;
    etlc_batch *want; /* every row, for comparing */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    etlc_error err = {0};
    f->root = tu_tempdir("format_readers");
    if (etlc_lake_open_local(f->root, &f->lake, &err) || etlc_result_new("test", "src", "q", &f->result, &err) ||
        etlc_batch_new(DEFS, NCOLS, NROWS, &f->want, &err))
        return -1;
    for (size_t i = 0; i < NROWS; i++)
        append_row(f->want, i);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    etlc_batch_free(f->want);
    etlc_result_free(f->result);
    etlc_lake_free(f->lake);
    tu_rmtree(f->root);
    free(f->root);
    free(f);
    return 0;
}

/* Land the data set through the `format` sink, in batches of 1000 rows; the item it made. */
static const etlc_item *land(fixture *f, const char *format)
{
    etlc_error err = {0};
    etlc_sink_options o = {0};
    o.format = format;
    o.path_template = "{protocol}/{source}/{part}.{ext}";
    o.vars.protocol = "test";
    o.vars.source = "src";
    etlc_sink *s = NULL;
    OK(etlc_sink_open(f->lake, &o, &s, &err));
    etlc_batch *b = NULL;
    OK(etlc_batch_new(DEFS, NCOLS, 1000, &b, &err));
    for (size_t i = 0; i < NROWS; i++) {
        append_row(b, i);
        if (etlc_batch_full(b) || i + 1 == NROWS) {
            OK(etlc_sink_write(s, b, &err));
            etlc_batch_reset(b);
        }
    }
    etlc_batch_free(b);
    OK(etlc_sink_finish(s, f->result, &err));
    assert_int_equal(f->result->item_count, 1);
    return &f->result->items[0];
}

static void assert_same_value(const etlc_column *got, size_t g, const etlc_column *want, size_t w, size_t row)
{
    if (etlc_column_is_null(want, w) || etlc_column_is_null(got, g)) {
        if (etlc_column_is_null(want, w) != etlc_column_is_null(got, g))
            fail_msg("row %zu column %s: NULL %d, want NULL %d", row, want->def.name,
                     etlc_column_is_null(got, g), etlc_column_is_null(want, w));
        return;
    }
    size_t gl, wl;
    switch (want->def.type) {
    case ETLC_TYPE_BOOL: assert_int_equal(got->fixed.b[g], want->fixed.b[w]); break;
    case ETLC_TYPE_DATE: assert_int_equal(got->fixed.i32[g], want->fixed.i32[w]); break;
    case ETLC_TYPE_INT64:
    case ETLC_TYPE_TIMESTAMP: assert_true(got->fixed.i64[g] == want->fixed.i64[w]); break;
    case ETLC_TYPE_DOUBLE: {
        double a = got->fixed.f64[g], b = want->fixed.f64[w];
        if (!(isnan(a) && isnan(b)) && a != b)
            fail_msg("row %zu column score: %.17g, want %.17g", row, a, b);
        break;
    }
    default: {
        const uint8_t *gp = etlc_column_var(got, g, &gl), *wp = etlc_column_var(want, w, &wl);
        if (gl != wl || memcmp(gp, wp, wl) != 0)
            fail_msg("row %zu column %s: '%.*s', want '%.*s'", row, want->def.name, (int)gl, (const char *)gp,
                     (int)wl, (const char *)wp);
    }
    }
}

/* Read everything through r in batches of at most `max` rows and compare with the data set. */
static void read_back(fixture *f, etlc__format_reader *r, size_t max)
{
    etlc_error err = {0};
    const etlc_column_def *defs;
    assert_int_equal(etlc__format_reader_columns(r, &defs), NCOLS);
    for (size_t c = 0; c < NCOLS; c++) {
        assert_string_equal(defs[c].name, DEFS[c].name);
        assert_int_equal(defs[c].type, DEFS[c].type);
    }
    size_t row = 0, batches = 0;
    const etlc_batch *b;
    while (etlc__format_reader_next(r, &b, &err) == 0 && b) {
        assert_true(b->nrows > 0 && b->nrows <= max);
        assert_true(row + b->nrows <= NROWS);
        for (size_t i = 0; i < b->nrows; i++, row++)
            for (size_t c = 0; c < NCOLS; c++)
                assert_same_value(&b->cols[c], i, &f->want->cols[c], row, row);
        batches++;
    }
    assert_int_equal(err.code, 0);
    assert_int_equal(row, NROWS);
    assert_int_equal(batches, (NROWS + max - 1) / max);
    etlc__format_reader_free(r);
}

static void round_trip(void **state, const char *format)
{
    fixture *f = *state;
    etlc_error err = {0};
    const etlc_item *it = land(f, format);
    assert_int_equal(it->record_count, NROWS);
    /* The item's columns metadata are the hints, as the loader passes them. */
    etlc__format_reader_options o = {.columns = etlc_meta_get(&it->metadata, "columns"), .batch_rows = 97};
    assert_non_null(o.columns);
    etlc__format_reader *r = NULL;
    if (etlc__format_reader_open_path(it->path, &o, &r, &err) != 0)
        fail_msg("%s", err.message);
    assert_string_equal(etlc__format_reader_format(r), format);
    read_back(f, r, 97);

    /* The same file through the lake's ranged reader, in other batch sizes. */
    char relpath[64];
    snprintf(relpath, sizeof relpath, "test/src/00000.%s", format);
    o.batch_rows = 1000;
    if (etlc__format_reader_open_lake(f->lake, relpath, &o, &r, &err) != 0)
        fail_msg("%s", err.message);
    read_back(f, r, 1000);
}

static void jsonl_round_trip(void **state) { round_trip(state, "jsonl"); }
static void csv_round_trip(void **state) { round_trip(state, "csv"); }
static void parquet_round_trip(void **state)
{
    if (!etlc_sink_format_supported("parquet"))
        fail_msg("parquet is not built in: this test needs it");
    round_trip(state, "parquet");
}

/* Without hints: JSONL infers types from the values, CSV reads text. */
static void jsonl_infers_csv_reads_text(void **state)
{
    fixture *f = *state;
    etlc_error err = {0};
    etlc__buf path = {0};
    OK(etlc__buf_printf(&path, "%s/inferred.jsonl", f->root));
    OK(tu_write_file(path.data, "{\"i\":1,\"d\":1,\"b\":true,\"t\":\"x\",\"j\":{\"a\":1},\"n\":null}\n\n"
                                "{\"i\":-2,\"d\":2.5,\"b\":false,\"t\":3,\"j\":[1],\"extra\":\"late\"}\n"));
    etlc__format_reader *r = NULL;
    OK(etlc__format_reader_open_path(path.data, NULL, &r, &err));
    const etlc_column_def *defs;
    assert_int_equal(etlc__format_reader_columns(r, &defs), 7);
    const etlc_type want[] = {ETLC_TYPE_INT64, ETLC_TYPE_DOUBLE, ETLC_TYPE_BOOL, ETLC_TYPE_TEXT,
                              ETLC_TYPE_JSON,  ETLC_TYPE_NULL,   ETLC_TYPE_TEXT};
    for (size_t c = 0; c < 7; c++)
        assert_int_equal(defs[c].type, want[c]);
    const etlc_batch *b;
    OK(etlc__format_reader_next(r, &b, &err));
    assert_non_null(b);
    assert_int_equal(b->nrows, 2);
    assert_true(b->cols[0].fixed.i64[1] == -2);
    assert_true(b->cols[1].fixed.f64[1] == 2.5);
    assert_true(etlc_column_is_null(&b->cols[6], 0)); /* a key missing from a line is NULL */
    size_t len;
    const uint8_t *t = etlc_column_var(&b->cols[3], 1, &len);
    assert_int_equal(len, 1);
    assert_memory_equal(t, "3", 1);
    OK(etlc__format_reader_next(r, &b, &err));
    assert_null(b);
    etlc__format_reader_free(r);

    etlc__buf_reset(&path);
    OK(etlc__buf_printf(&path, "%s/plain.csv", f->root));
    OK(tu_write_file(path.data, "a,b\n1,\n\"\",x\n"));
    OK(etlc__format_reader_open_path(path.data, NULL, &r, &err));
    assert_int_equal(etlc__format_reader_columns(r, &defs), 2);
    assert_int_equal(defs[0].type, ETLC_TYPE_TEXT);
    OK(etlc__format_reader_next(r, &b, &err));
    assert_int_equal(b->nrows, 2);
    assert_true(etlc_column_is_null(&b->cols[1], 0));  /* empty unquoted: NULL */
    assert_false(etlc_column_is_null(&b->cols[0], 1)); /* "": the empty string */
    etlc_column_var(&b->cols[0], 1, &len);
    assert_int_equal(len, 0);
    etlc__format_reader_free(r);

    /* CRLF line ends (another tool's CSV): stripped between records, kept inside quotes. */
    etlc__buf_reset(&path);
    OK(etlc__buf_printf(&path, "%s/crlf.csv", f->root));
    OK(tu_write_file(path.data, "a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n"));
    OK(etlc__format_reader_open_path(path.data, NULL, &r, &err));
    OK(etlc__format_reader_next(r, &b, &err));
    assert_int_equal(b->nrows, 2);
    t = etlc_column_var(&b->cols[1], 0, &len);
    assert_int_equal(len, 4);
    assert_memory_equal(t, "x\r\ny", 4);
    t = etlc_column_var(&b->cols[1], 1, &len);
    assert_int_equal(len, 1);
    assert_memory_equal(t, "z", 1);
    etlc__format_reader_free(r);
    etlc__buf_free(&path);
}

/* A file with `content` fails at open or while reading with `code`, and the
 * message names the file and contains `what`. */
static void assert_bad_file(fixture *f, const char *name, const char *content, const char *hints, int code,
                            const char *what)
{
    etlc_error err = {0};
    etlc__buf path = {0};
    OK(etlc__buf_printf(&path, "%s/%s", f->root, name));
    OK(tu_write_file(path.data, content));
    etlc__format_reader_options o = {.columns = hints, .batch_rows = 2};
    etlc__format_reader *r = NULL;
    int rc = etlc__format_reader_open_path(path.data, &o, &r, &err);
    const etlc_batch *b = NULL;
    while (rc == 0 && (rc = etlc__format_reader_next(r, &b, &err)) == 0 && b)
        ;
    etlc__format_reader_free(r);
    if (rc != code || !strstr(err.message, path.data) || !strstr(err.message, what))
        fail_msg("%s: got %d \"%s\", want %d with the path and \"%s\"", name, rc, err.message, code, what);
    etlc__buf_free(&path);
}

static void malformed_files_name_file_and_line(void **state)
{
    fixture *f = *state;
    assert_bad_file(f, "bad.jsonl", "{\"a\":1}\n{\"a\":2}\n{\"a\":3,}\n", "a:int64", ETLC_DATA,
                    "line 3: malformed JSON");
    assert_bad_file(f, "bad_infer.jsonl", "{\"a\":1}\n[1,2]\n", NULL, ETLC_DATA, "line 2: not a JSON object");
    assert_bad_file(f, "unknown_key.jsonl", "{\"a\":1}\n{\"b\":1}\n", "a:int64", ETLC_DATA_SCHEMA,
                    "line 2: column \"b\" is not in the file's columns");
    assert_bad_file(f, "twice.jsonl", "{\"a\":1,\"a\":2}\n", "a:int64", ETLC_DATA, "line 1: column \"a\" appears twice");
    assert_bad_file(f, "type.jsonl", "{\"a\":1}\n{\"a\":\"x\"}\n", "a:int64", ETLC_DATA_TYPE,
                    "line 2 column \"a\": 'x' is not a int64 value");
    assert_bad_file(f, "utf8.jsonl", "{\"a\":\"ok\"}\n{\"a\":\"\xc3\x28\"}\n", NULL, ETLC_DATA,
                    "line 2: invalid UTF-8 at byte 7");
    assert_bad_file(f, "ragged.csv", "a,b\n1,2\n3\n4,5\n", NULL, ETLC_DATA, "line 3: 1 fields, the header has 2");
    assert_bad_file(f, "utf8.csv", "a,b\n1,2\n\"x\xed\xa0\x80\",3\n", NULL, ETLC_DATA, "line 3: invalid UTF-8");
    assert_bad_file(f, "quote.csv", "a\n\"open\nstill open\n", NULL, ETLC_DATA, "line 3: unterminated quoted field");
    assert_bad_file(f, "after.csv", "a,b\n\"x\"y,1\n", NULL, ETLC_DATA, "line 2: text after a closing quote");
    assert_bad_file(f, "header.csv", "a,c\n1,2\n", "a:int64,b:int64", ETLC_DATA_SCHEMA,
                    "CSV header column 2 \"c\" does not match");
    assert_bad_file(f, "date.csv", "a,b\n1,2024-02-30\n", "a:int64,b:date", ETLC_DATA_TYPE,
                    "line 2 column \"b\": '2024-02-30' is not a date value");
    assert_bad_file(f, "empty.csv", "", NULL, ETLC_DATA, "empty CSV file");
    assert_bad_file(f, "x.parquet", "PAR1 not really", NULL, ETLC_DATA, "not a Parquet file");
}

static void open_errors(void **state)
{
    fixture *f = *state;
    etlc_error err = {0};
    etlc__format_reader *r = NULL;
    assert_int_equal(etlc__format_reader_open_path("/nonexistent/x.csv", NULL, &r, &err), ETLC_IO_NOT_FOUND);
    assert_non_null(strstr(err.message, "/nonexistent/x.csv"));
    assert_int_equal(etlc__format_reader_open_path("/etc/hostname.txt", NULL, &r, &err), ETLC_UNSUPPORTED);
    etlc__format_reader_options o = {.format = "xml"};
    assert_int_equal(etlc__format_reader_open_path("a.csv", &o, &r, &err), ETLC_UNSUPPORTED);
    assert_int_equal(etlc__format_reader_open_lake(f->lake, "missing/x.jsonl", NULL, &r, &err), ETLC_IO_NOT_FOUND);
    assert_null(r);
    assert_string_equal(etlc__format_of_name("a/b.ndjson"), "jsonl");
    assert_null(etlc__format_of_name("a/b.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(jsonl_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(csv_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(parquet_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(jsonl_infers_csv_reads_text, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_files_name_file_and_line, setup, teardown),
        cmocka_unit_test_setup_teardown(open_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
