/* Parquet writer: files are checked by tests/verify/parquet_check.py, which
 * reads them with BOTH pyarrow and DuckDB and compares every value. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/internal.h"

static char *g_dir;

static int setup(void **state)
{
    (void)state;
    g_dir = tu_tempdir("parquet");
    return g_dir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tu_rmtree(g_dir);
    free(g_dir);
    return 0;
}

static int file_write(void *ud, const void *p, size_t len, etlc_error *err)
{
    if (fwrite(p, 1, len, (FILE *)ud) != len)
        return etlc_error_set(err, ETLC_IO, "short write");
    return 0;
}

/* One case: a writer, a reusable batch, and the expected rows as JSON. */
typedef struct tcase {
    char path[512];
    FILE *f;
    etlc_parquet_writer *w;
    etlc_batch *b;
    etlc__buf rows;     /* JSON rows so far, comma separated */
    etlc__buf row;      /* current row */
    etlc__buf cols;     /* JSON column list */
    size_t nrows;
    bool check_values;  /* false: only counts (large files) */
} tcase;

static void tc_open(tcase *t, const char *name, const etlc_column_def *defs, size_t ncols,
                    size_t capacity, const etlc_parquet_options *opts)
{
    memset(t, 0, sizeof *t);
    t->check_values = true;
    snprintf(t->path, sizeof t->path, "%s/%s.parquet", g_dir, name);
    t->f = fopen(t->path, "wb");
    assert_non_null(t->f);
    etlc_error err = {0};
    assert_int_equal(etlc_parquet_writer_open(file_write, t->f, opts, &t->w, &err), 0);
    assert_int_equal(etlc_batch_new(defs, ncols, capacity, &t->b, &err), 0);
    for (size_t i = 0; i < ncols; i++) {
        etlc__buf_printf(&t->cols, "%s{\"name\":", i ? "," : "");
        etlc__buf_json_string(&t->cols, defs[i].name, strlen(defs[i].name));
        etlc__buf_printf(&t->cols, ",\"type\":\"%s\",\"precision\":%d,\"scale\":%d}",
                         etlc_type_name(defs[i].type), defs[i].precision, defs[i].scale);
    }
}

static void sep(tcase *t)
{
    if (t->row.len)
        etlc__buf_putc(&t->row, ',');
}

static void tc_flush(tcase *t)
{
    etlc_error err = {0};
    int rc = etlc_parquet_writer_write(t->w, t->b, &err);
    if (rc)
        fail_msg("write: %s", err.message);
    etlc_batch_reset(t->b);
}

static void tc_end_row(tcase *t)
{
    etlc_error err = {0};
    assert_int_equal(etlc_batch_end_row(t->b, &err), 0);
    if (t->check_values) {
        if (t->nrows)
            etlc__buf_putc(&t->rows, ',');
        etlc__buf_printf(&t->rows, "[%s]", t->row.data ? t->row.data : "");
    }
    etlc__buf_reset(&t->row);
    t->nrows++;
    if (etlc_batch_full(t->b))
        tc_flush(t);
}

static void v_null(tcase *t, size_t c)
{
    etlc_error err = {0};
    assert_int_equal(etlc_batch_append_null(t->b, c, &err), 0);
    sep(t);
    etlc__buf_puts(&t->row, "null");
}

static void v_int(tcase *t, size_t c, int64_t v)
{
    etlc_error err = {0};
    assert_int_equal(etlc_batch_append_int64(t->b, c, v, &err), 0);
    sep(t);
    etlc__buf_printf(&t->row, "%lld", (long long)v);
}

static void v_bool(tcase *t, size_t c, bool v)
{
    etlc_error err = {0};
    assert_int_equal(etlc_batch_append_bool(t->b, c, v, &err), 0);
    sep(t);
    etlc__buf_puts(&t->row, v ? "true" : "false");
}

static void v_double(tcase *t, size_t c, double v)
{
    etlc_error err = {0};
    assert_int_equal(etlc_batch_append_double(t->b, c, v, &err), 0);
    sep(t);
    if (isnan(v))
        etlc__buf_puts(&t->row, "\"NaN\"");
    else if (isinf(v))
        etlc__buf_puts(&t->row, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else if (v == 0 && signbit(v))
        etlc__buf_puts(&t->row, "\"-0.0\"");
    else
        etlc__buf_printf(&t->row, "%.17g", v);
}

static void v_date(tcase *t, size_t c, int32_t d)
{
    etlc_error err = {0};
    assert_int_equal(etlc_batch_append_date(t->b, c, d, &err), 0);
    sep(t);
    etlc__buf_printf(&t->row, "%d", (int)d);
}

static void v_ts(tcase *t, size_t c, int64_t us)
{
    etlc_error err = {0};
    assert_int_equal(etlc_batch_append_timestamp(t->b, c, us, &err), 0);
    sep(t);
    etlc__buf_printf(&t->row, "%lld", (long long)us);
}

static void v_var(tcase *t, size_t c, etlc_type type, const char *s, size_t len)
{
    etlc_error err = {0};
    assert_int_equal(etlc_batch_append_var(t->b, c, type, s, len, &err), 0);
    sep(t);
    if (type == ETLC_TYPE_BYTES) {
        etlc__buf_putc(&t->row, '"');
        for (size_t i = 0; i < len; i++)
            etlc__buf_printf(&t->row, "%02x", (unsigned char)s[i]);
        etlc__buf_putc(&t->row, '"');
    } else {
        etlc__buf_json_string(&t->row, s, len);
    }
}

static void v_text(tcase *t, size_t c, const char *s) { v_var(t, c, ETLC_TYPE_TEXT, s, strlen(s)); }

/* Close the writer, write EXPECTED.json and run the two-reader check. */
static void tc_finish(tcase *t, const char *extra_json, etlc_parquet_stats *stats_out)
{
    etlc_error err = {0};
    if (t->b->nrows || t->nrows == 0)
        tc_flush(t);
    etlc_parquet_stats st = {0};
    int rc = etlc_parquet_writer_close(t->w, &st, &err);
    if (rc)
        fail_msg("close: %s", err.message);
    etlc_parquet_writer_free(t->w);
    etlc_batch_free(t->b);
    assert_int_equal(fclose(t->f), 0);
    assert_int_equal(st.rows, (int64_t)t->nrows);
    if (stats_out)
        *stats_out = st;
    char exp_path[600];
    snprintf(exp_path, sizeof exp_path, "%s.expected.json", t->path);
    FILE *e = fopen(exp_path, "wb");
    assert_non_null(e);
    fprintf(e, "{\"columns\":[%s],\"rows\":[%s]%s%s}", t->cols.data ? t->cols.data : "",
            t->rows.data ? t->rows.data : "", extra_json ? "," : "", extra_json ? extra_json : "");
    fclose(e);
    if (t->check_values) {
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "python3 %s/tests/verify/parquet_check.py '%s' '%s'",
                 ETLCONN_SOURCE_DIR, t->path, exp_path);
        int status = system(cmd);
        assert_int_equal(status, 0);
    }
    etlc__buf_free(&t->rows);
    etlc__buf_free(&t->row);
    etlc__buf_free(&t->cols);
}

static char *inspect(const char *path)
{
    char *json = NULL;
    etlc_error err = {0};
    int rc = etlc_parquet_inspect_file(path, &json, &err);
    if (rc)
        fail_msg("inspect %s: %s", path, err.message);
    return json;
}

/* ---- cases ----------------------------------------------------------------- */

static const etlc_column_def ALL_TYPES[] = {
    {"b", ETLC_TYPE_BOOL, 0, 0},      {"i", ETLC_TYPE_INT64, 0, 0},
    {"d", ETLC_TYPE_DOUBLE, 0, 0},    {"t", ETLC_TYPE_TEXT, 0, 0},
    {"y", ETLC_TYPE_BYTES, 0, 0},     {"dt", ETLC_TYPE_DATE, 0, 0},
    {"ts", ETLC_TYPE_TIMESTAMP, 0, 0}, {"dec_s", ETLC_TYPE_DECIMAL, 0, 0},
    {"dec", ETLC_TYPE_DECIMAL, 18, 4}, {"j", ETLC_TYPE_JSON, 0, 0},
    {"dec38", ETLC_TYPE_DECIMAL, 38, 10}, {"n", ETLC_TYPE_NULL, 0, 0},
};
#define NALL (sizeof ALL_TYPES / sizeof ALL_TYPES[0])

static void all_types_row(tcase *t, int k)
{
    static const char *texts[] = {"", "plain", "h\xc3\xa9llo w\xc3\xb6rld", "\xf0\x9f\x98\x80 emoji",
                                  "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", "quote \" and \\ and \n"};
    static const double dbl[] = {0.0, -0.0, 1.5, -2.25e300, INFINITY, -INFINITY, NAN, 5e-324};
    static const int64_t ints[] = {0, 1, -1, INT64_MIN, INT64_MAX, 42};
    static const int64_t tss[] = {0, -1, -86400000000LL * 365 * 300, 253402300799999999LL,
                                  1700000000123456LL};
    static const int32_t dates[] = {0, -1, -719162, 2932896, 19000};
    static const char *decs[] = {"0", "-12.3400", "99999999999999.9999", "-99999999999999.9999",
                                 "1e3", "0.0001"};
    static const char *decs38[] = {"0", "-1234567890123456789012345678.0123456789",
                                   "9999999999999999999999999999.9999999999", "0.0000000001"};
    static const char *jsons[] = {"{\"a\":1}", "[1,2,3]", "null", "\"s\""};
    /* Every column is NULL in its own rows so each type sees NULLs. */
    for (size_t c = 0; c < NALL; c++) {
        if ((k + (int)c) % 5 == 0 || ALL_TYPES[c].type == ETLC_TYPE_NULL) {
            v_null(t, c);
            continue;
        }
        switch (c) {
        case 0: v_bool(t, c, k % 3 == 0); break;
        case 1: v_int(t, c, ints[k % 6]); break;
        case 2: v_double(t, c, dbl[k % 8]); break;
        case 3: v_text(t, c, texts[k % 6]); break;
        case 4: v_var(t, c, ETLC_TYPE_BYTES, "\x00\xff\x01z", (size_t)(k % 5)); break;
        case 5: v_date(t, c, dates[k % 5]); break;
        case 6: v_ts(t, c, tss[k % 5]); break;
        case 7: v_var(t, c, ETLC_TYPE_DECIMAL, decs[k % 6], strlen(decs[k % 6])); break;
        case 8: v_var(t, c, ETLC_TYPE_DECIMAL, decs[k % 6], strlen(decs[k % 6])); break;
        case 9: v_var(t, c, ETLC_TYPE_JSON, jsons[k % 4], strlen(jsons[k % 4])); break;
        case 10: v_var(t, c, ETLC_TYPE_DECIMAL, decs38[k % 4], strlen(decs38[k % 4])); break;
        }
    }
    tc_end_row(t);
}

static void all_types_every_codec(void **state)
{
    (void)state;
    const etlc_parquet_codec codecs[] = {ETLC_PARQUET_NONE, ETLC_PARQUET_SNAPPY, ETLC_PARQUET_ZSTD,
                                         ETLC_PARQUET_GZIP};
    for (size_t k = 0; k < 4; k++) {
        etlc_meta meta = {0};
        assert_int_equal(etlc_meta_set(&meta, "source", "unit test"), 0);
        etlc_parquet_options o = {.compression = codecs[k], .metadata = &meta};
        tcase t;
        char name[64];
        snprintf(name, sizeof name, "all_%s", etlc_parquet_codec_name(codecs[k]));
        tc_open(&t, name, ALL_TYPES, NALL, 7, &o);
        for (int r = 0; r < 120; r++)
            all_types_row(&t, r);
        tc_finish(&t, "\"metadata\":{\"source\":\"unit test\",\"writer\":\"etlconn " ETLCONN_VERSION
                      "\"}", NULL);
        etlc_meta_clear(&meta);
        char *json = inspect(t.path);
        assert_non_null(strstr(json, "\"num_rows\":120"));
        static const char *thrift_names[] = {"\"codec\":\"UNCOMPRESSED\"", "\"codec\":\"SNAPPY\"",
                                             "\"codec\":\"ZSTD\"", "\"codec\":\"GZIP\""};
        assert_non_null(strstr(json, thrift_names[k]));
        /* int64 stats span the full range; NaN never becomes a min/max. */
        assert_non_null(strstr(json, "\"min\":-9223372036854775808"));
        assert_non_null(strstr(json, "\"max\":9223372036854775807"));
        assert_null(strstr(json, "nan"));
        /* text min is the empty string, max compares as unsigned bytes (the emoji). */
        assert_non_null(strstr(json, "\"min\":\"\""));
        assert_non_null(strstr(json, "\"max\":\"\xf0\x9f\x98\x80 emoji\""));
        assert_non_null(strstr(json, "\"min\":\"-99999999999999.9999\""));
        free(json);
    }
}

static void single_row_and_empty(void **state)
{
    (void)state;
    tcase t;
    tc_open(&t, "single", ALL_TYPES, NALL, 10, NULL);
    all_types_row(&t, 1);
    tc_finish(&t, "\"row_groups\":1", NULL);

    /* 0 rows: the batch still carries the schema. */
    tc_open(&t, "empty", ALL_TYPES, NALL, 10, NULL);
    tc_finish(&t, NULL, NULL);
    char *json = inspect(t.path);
    assert_non_null(strstr(json, "\"num_rows\":0"));
    assert_non_null(strstr(json, "\"name\":\"ts\""));
    free(json);
}

static void schema_from_options_without_batches(void **state)
{
    (void)state;
    const etlc_column_def defs[] = {{"a", ETLC_TYPE_INT64, 0, 0}, {"when", ETLC_TYPE_TIMESTAMP, 0, 0}};
    char path[600], exp[700];
    snprintf(path, sizeof path, "%s/optschema.parquet", g_dir);
    snprintf(exp, sizeof exp, "%s.expected.json", path);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    etlc_error err = {0};
    etlc_parquet_writer *w;
    etlc_parquet_options o = {.schema = defs, .schema_ncols = 2};
    assert_int_equal(etlc_parquet_writer_open(file_write, f, &o, &w, &err), 0);
    assert_int_equal(etlc_parquet_writer_close(w, NULL, &err), 0);
    etlc_parquet_writer_free(w);
    fclose(f);
    assert_int_equal(tu_write_file(exp, "{\"columns\":[{\"name\":\"a\",\"type\":\"int64\"},"
                                        "{\"name\":\"when\",\"type\":\"timestamp\"}],\"rows\":[]}"),
                     0);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "python3 %s/tests/verify/parquet_check.py '%s' '%s'", ETLCONN_SOURCE_DIR,
             path, exp);
    assert_int_equal(system(cmd), 0);
}

static void big_string_and_doubles(void **state)
{
    (void)state;
    const etlc_column_def defs[] = {{"s", ETLC_TYPE_TEXT, 0, 0}, {"d", ETLC_TYPE_DOUBLE, 0, 0}};
    tcase t;
    tc_open(&t, "bigstr", defs, 2, 4, NULL);
    size_t n = 1024 * 1024;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + i % 26);
    big[n] = '\0';
    v_text(&t, 0, "small");
    v_double(&t, 1, NAN);
    tc_end_row(&t);
    v_text(&t, 0, big);
    v_double(&t, 1, NAN);
    tc_end_row(&t);
    big[0] = 'z';
    v_text(&t, 0, big);
    v_null(&t, 1);
    tc_end_row(&t);
    free(big);
    tc_finish(&t, NULL, NULL);
    char *json = inspect(t.path);
    /* min "a..." and max "z..." are over the stats size limit: omitted, not wrong;
     * an all-NaN double column has no min/max either. */
    assert_null(strstr(json, "\"max\":\"z"));
    assert_null(strstr(json, "\"max\":"));
    assert_non_null(strstr(json, "\"null_count\":1"));
    free(json);
}

static void many_row_groups_and_dictionary_fallback(void **state)
{
    (void)state;
    const etlc_column_def defs[] = {{"id", ETLC_TYPE_INT64, 0, 0}, {"u", ETLC_TYPE_TEXT, 0, 0},
                                    {"low", ETLC_TYPE_TEXT, 0, 0}, {"ts", ETLC_TYPE_TIMESTAMP, 0, 0},
                                    {"rep", ETLC_TYPE_TEXT, 0, 0}};
    etlc_parquet_options o = {.compression = ETLC_PARQUET_SNAPPY, .row_group_bytes = 1 << 20,
                              .dictionary_bytes = 64 * 1024, .page_bytes = 16 * 1024};
    tcase t;
    tc_open(&t, "rowgroups", defs, 5, 1000, &o);
    char s[64];
    for (int r = 0; r < 40000; r++) {
        v_int(&t, 0, r);
        snprintf(s, sizeof s, "distinct-value-%08d", r * 7919);
        if (r % 10 == 3)
            v_null(&t, 1);
        else
            v_text(&t, 1, s);
        v_text(&t, 2, r % 3 ? "x" : "yy");
        v_ts(&t, 3, 1700000000000000LL + r * 1000LL);
        /* every value twice: worth a dictionary, until it passes 64 KiB */
        snprintf(s, sizeof s, "repeated-value-%030d", r / 2);
        v_text(&t, 4, s);
        tc_end_row(&t);
    }
    etlc_parquet_stats st;
    tc_finish(&t, "\"min_row_groups\":3", &st);
    assert_true(st.row_groups >= 3);
    char *json = inspect(t.path);
    assert_non_null(strstr(json, "\"num_rows\":40000"));
    char want_rgs[64];
    snprintf(want_rgs, sizeof want_rgs, "\"num_row_groups\":%lld", (long long)st.row_groups);
    assert_non_null(strstr(json, want_rgs));
    /* "rep" fell back to PLAIN once its dictionary passed 64 KiB: both
     * encodings in its first chunk; "low" stayed dictionary-encoded. */
    const char *rep = strstr(json, "\"path\":\"rep\"");
    assert_non_null(rep);
    const char *rep_end = strstr(rep, "\"statistics\"");
    const char *enc = strstr(rep, "\"encodings\":[\"PLAIN\",\"RLE\",\"RLE_DICTIONARY\"]");
    assert_true(enc && enc < rep_end);
    assert_non_null(strstr(json, "\"dictionary_page_offset\""));
    assert_non_null(strstr(json, "\"min\":0"));
    free(json);
}

static void decimal_errors_and_schema_rules(void **state)
{
    (void)state;
    const etlc_column_def defs[] = {{"amount", ETLC_TYPE_DECIMAL, 6, 2}, {"n", ETLC_TYPE_NULL, 0, 0},
                                    {"x", ETLC_TYPE_INT64, 0, 0}};
    tcase t;
    tc_open(&t, "schema", defs, 3, 100, NULL);
    etlc_error err = {0};
    /* 1. a value that does not fit DECIMAL(6,2) names the column and the row */
    v_var(&t, 0, ETLC_TYPE_DECIMAL, "1.25", 4);
    v_null(&t, 1);
    v_int(&t, 2, 1);
    tc_end_row(&t);
    etlc_batch *bad;
    assert_int_equal(etlc_batch_new(defs, 3, 10, &bad, &err), 0);
    etlc_batch_append_var(bad, 0, ETLC_TYPE_DECIMAL, "12345.6", 7, &err);
    etlc_batch_append_null(bad, 1, &err);
    etlc_batch_append_int64(bad, 2, 2, &err);
    assert_int_equal(etlc_batch_end_row(bad, &err), 0);
    tc_flush(&t);
    assert_int_equal(etlc_parquet_writer_write(t.w, bad, &err), ETLC_DATA_TYPE);
    assert_non_null(strstr(err.message, "\"amount\""));
    assert_non_null(strstr(err.message, "row 1"));
    assert_non_null(strstr(err.message, "12345.6"));
    etlc_batch_reset(bad);
    etlc_batch_append_var(bad, 0, ETLC_TYPE_DECIMAL, "1.234", 5, &err);
    etlc_batch_append_null(bad, 1, &err);
    etlc_batch_append_int64(bad, 2, 2, &err);
    etlc_batch_end_row(bad, &err);
    assert_int_equal(etlc_parquet_writer_write(t.w, bad, &err), ETLC_DATA_TYPE);
    etlc_batch_free(bad);

    /* 2. int64 -> double is not a safe widening: schema error naming both types */
    const etlc_column_def defs2[] = {{"amount", ETLC_TYPE_DECIMAL, 6, 2}, {"n", ETLC_TYPE_TEXT, 0, 0},
                                     {"x", ETLC_TYPE_DOUBLE, 0, 0}};
    assert_int_equal(etlc_batch_new(defs2, 3, 10, &bad, &err), 0);
    etlc_batch_append_null(bad, 0, &err);
    etlc_batch_append_var(bad, 1, ETLC_TYPE_TEXT, "now typed", 9, &err);
    etlc_batch_append_double(bad, 2, 2.5, &err);
    etlc_batch_end_row(bad, &err);
    assert_int_equal(etlc_parquet_writer_write(t.w, bad, &err), ETLC_DATA_SCHEMA);
    assert_non_null(strstr(err.message, "\"x\""));
    assert_non_null(strstr(err.message, "int64"));
    assert_non_null(strstr(err.message, "double"));
    etlc_batch_free(bad);

    /* 3. a NULL column takes its type from a later batch (nothing was lost above) */
    const etlc_column_def defs3[] = {{"amount", ETLC_TYPE_DECIMAL, 6, 2}, {"n", ETLC_TYPE_TEXT, 0, 0},
                                     {"x", ETLC_TYPE_INT64, 0, 0}};
    etlc_batch_free(t.b);
    assert_int_equal(etlc_batch_new(defs3, 3, 100, &t.b, &err), 0);
    etlc__buf_reset(&t.cols);
    etlc__buf_puts(&t.cols, "{\"name\":\"amount\",\"type\":\"decimal\",\"precision\":6,\"scale\":2},"
                            "{\"name\":\"n\",\"type\":\"text\"},{\"name\":\"x\",\"type\":\"int64\"}");
    v_var(&t, 0, ETLC_TYPE_DECIMAL, "-9999.99", 8);
    v_text(&t, 1, "now typed");
    v_int(&t, 2, 3);
    tc_end_row(&t);
    tc_finish(&t, NULL, NULL);
}

static void null_column_promoted_after_row_groups(void **state)
{
    (void)state;
    const etlc_column_def d1[] = {{"id", ETLC_TYPE_INT64, 0, 0}, {"late", ETLC_TYPE_NULL, 0, 0}};
    etlc_parquet_options o = {.row_group_bytes = 4096};
    tcase t;
    tc_open(&t, "promote", d1, 2, 500, &o);
    for (int r = 0; r < 3000; r++) {
        v_int(&t, 0, r);
        if (r >= 2500)
            v_int(&t, 1, -r);
        else
            v_null(&t, 1);
        tc_end_row(&t);
    }
    etlc__buf_reset(&t.cols);
    etlc__buf_puts(&t.cols, "{\"name\":\"id\",\"type\":\"int64\"},{\"name\":\"late\",\"type\":\"int64\"}");
    tc_finish(&t, "\"min_row_groups\":2", NULL);
    /* and a column that never saw a value stays a Null-typed column */
    tc_open(&t, "allnull", d1, 2, 100, NULL);
    for (int r = 0; r < 10; r++) {
        v_int(&t, 0, r);
        v_null(&t, 1);
        tc_end_row(&t);
    }
    tc_finish(&t, NULL, NULL);
}

static int discard_write(void *ud, const void *p, size_t len, etlc_error *err)
{
    (void)p;
    (void)err;
    *(uint64_t *)ud += len;
    return 0;
}

/* The workload runs in a child so its peak RSS is its own. */
static void bounded_workload(void)
{
    /* ~200 MB of text through one reused batch with 4 MiB row groups: peak
     * RSS must stay far below the data size. */
    const etlc_column_def defs[] = {{"s", ETLC_TYPE_TEXT, 0, 0}, {"i", ETLC_TYPE_INT64, 0, 0}};
    etlc_error err = {0};
    etlc_batch *b;
    if (etlc_batch_new(defs, 2, 4096, &b, &err) != 0)
        _exit(1);
    uint64_t written = 0;
    etlc_parquet_writer *w;
    etlc_parquet_options o = {.compression = ETLC_PARQUET_NONE, .row_group_bytes = 4 << 20};
    if (etlc_parquet_writer_open(discard_write, &written, &o, &w, &err) != 0)
        _exit(1);
    char s[200];
    memset(s, 'q', sizeof s);
    for (int r = 0; r < 1000000; r++) {
        snprintf(s, 20, "%019d", r);
        s[19] = 'q';
        etlc_batch_append_var(b, 0, ETLC_TYPE_TEXT, s, sizeof s, &err);
        etlc_batch_append_int64(b, 1, r, &err);
        if (etlc_batch_end_row(b, &err) != 0)
            _exit(1);
        if (etlc_batch_full(b)) {
            if (etlc_parquet_writer_write(w, b, &err) != 0)
                _exit(1);
            etlc_batch_reset(b);
        }
    }
    etlc_parquet_stats st;
    if (etlc_parquet_writer_write(w, b, &err) != 0 || etlc_parquet_writer_close(w, &st, &err) != 0)
        _exit(1);
    etlc_parquet_writer_free(w);
    etlc_batch_free(b);
    if (written < 200000000ULL || st.row_groups < 40)
        _exit(2);
    _exit(0);
}

static void memory_stays_bounded(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        bounded_workload();
    int status = 0;
    struct rusage ru;
    assert_int_equal(wait4(pid, &status, 0, &ru), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    print_message("memory: 200+ MB of Parquet written, child peak RSS %ld KiB\n", ru.ru_maxrss);
#ifndef ETLCONN_SANITIZED
    assert_true(ru.ru_maxrss < 64 * 1024); /* < 64 MiB for 200 MB of data */
#endif
}

static void codec_names(void **state)
{
    (void)state;
    etlc_parquet_codec c;
    etlc_error err = {0};
    assert_int_equal(etlc_parquet_codec_parse(NULL, &c, &err), 0);
    assert_int_equal(c, ETLC_PARQUET_ZSTD);
    assert_int_equal(etlc_parquet_codec_parse("Snappy", &c, &err), 0);
    assert_int_equal(c, ETLC_PARQUET_SNAPPY);
    assert_int_equal(etlc_parquet_codec_parse("lzo", &c, &err), ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "lzo"));
}

static void inspect_rejects_garbage(void **state)
{
    (void)state;
    char *json = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_parquet_inspect("PAR1xxxx", 8, &json, &err), ETLC_DATA);
    assert_int_equal(etlc_parquet_inspect("PAR1\x05\x00\x00\x00PAR1", 12, &json, &err), ETLC_DATA);
    const char bad[] = "PAR1\x19\x0c\x02\x00\x00\x00PAR1";
    assert_int_equal(etlc_parquet_inspect(bad, sizeof bad - 1, &json, &err), ETLC_DATA);
    assert_null(json);
}

static void through_the_lake_sink(void **state)
{
    (void)state;
    etlc_error err = {0};
    char root[600];
    snprintf(root, sizeof root, "%s/lake", g_dir);
    etlc_lake *lake;
    assert_int_equal(etlc_lake_open_local(root, &lake, &err), 0);
    etlc_result *res;
    assert_int_equal(etlc_result_new("sqlite", "db", "q", &res, &err), 0);
    assert_true(etlc_sink_format_supported("parquet"));
    etlc_sink_options o = {.format = "parquet", .path_template = "out/{part}.{ext}",
                           .compression = "snappy", .row_group_bytes = 1 << 20};
    etlc_sink *sink;
    assert_int_equal(etlc_sink_open(lake, &o, &sink, &err), 0);
    const etlc_column_def defs[] = {{"id", ETLC_TYPE_INT64, 0, 0}, {"name", ETLC_TYPE_TEXT, 0, 0}};
    etlc_batch *b;
    assert_int_equal(etlc_batch_new(defs, 2, 100, &b, &err), 0);
    for (int r = 0; r < 250; r++) {
        etlc_batch_append_int64(b, 0, r, &err);
        etlc_batch_append_var(b, 1, ETLC_TYPE_TEXT, "n", 1, &err);
        assert_int_equal(etlc_batch_end_row(b, &err), 0);
        if (etlc_batch_full(b)) {
            assert_int_equal(etlc_sink_write(sink, b, &err), 0);
            etlc_batch_reset(b);
        }
    }
    assert_int_equal(etlc_sink_write(sink, b, &err), 0);
    assert_int_equal(etlc_sink_finish(sink, res, &err), 0);
    assert_int_equal(res->item_count, 1);
    assert_string_equal(res->items[0].format, "parquet");
    assert_string_equal(res->items[0].content_type, "application/vnd.apache.parquet");
    assert_int_equal(res->items[0].record_count, 250);
    char *json = inspect(res->items[0].path);
    assert_non_null(strstr(json, "\"num_rows\":250"));
    assert_non_null(strstr(json, "\"codec\":\"SNAPPY\""));
    free(json);
    /* a bad codec name is a config error naming it */
    etlc_sink_options bad = {.format = "parquet", .path_template = "bad/{part}.{ext}",
                             .compression = "lz77"};
    assert_int_equal(etlc_sink_open(lake, &bad, &sink, &err), 0);
    etlc_batch_reset(b);
    int rc = etlc_sink_write(sink, b, &err);
    if (rc == 0)
        rc = etlc_sink_finish(sink, res, &err);
    else
        etlc_sink_abort(sink);
    assert_int_equal(rc, ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "lz77"));
    /* so is a level the codec does not have, naming the key, level and codec */
    etlc_sink_options badlevel = {.format = "parquet", .path_template = "badlevel/{part}.{ext}",
                                  .compression = "gzip", .compression_level = 10};
    assert_int_equal(etlc_sink_open(lake, &badlevel, &sink, &err), 0);
    rc = etlc_sink_write(sink, b, &err);
    if (rc == 0)
        rc = etlc_sink_finish(sink, res, &err);
    else
        etlc_sink_abort(sink);
    assert_int_equal(rc, ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "compression_level 10 is not in 1..9 for gzip"));
    etlc_batch_free(b);
    etlc_result_free(res);
    etlc_lake_free(lake);
}

static int failing_write(void *ud, const void *p, size_t len, etlc_error *err)
{
    (void)p;
    size_t *budget = ud;
    if (len > *budget)
        return etlc_error_set(err, ETLC_IO_NO_SPACE, "disk full after the budget");
    *budget -= len;
    return 0;
}

static void write_errors_propagate(void **state)
{
    (void)state;
    /* The sink's write fails at several points: in the magic, in a row
     * group flush, in the footer. Each failure is reported with the sink's
     * code, the writer refuses further use, and freeing leaks nothing. */
    const etlc_column_def defs[] = {{"i", ETLC_TYPE_INT64, 0, 0}, {"s", ETLC_TYPE_TEXT, 0, 0}};
    size_t full = SIZE_MAX; /* first pass: unlimited, to learn the file size */
    for (size_t k = 0; k < 5; k++) {
        size_t budgets[] = {SIZE_MAX, 0, 100, full / 2, full - 10};
        size_t budget = budgets[k];
        etlc_error err = {0};
        etlc_parquet_writer *w = NULL;
        etlc_parquet_options o = {.row_group_bytes = 8192};
        int rc = etlc_parquet_writer_open(failing_write, &budget, &o, &w, &err);
        if (k == 1) {
            assert_int_equal(rc, ETLC_IO_NO_SPACE);
            assert_null(w);
            continue;
        }
        assert_int_equal(rc, 0);
        etlc_batch *b;
        assert_int_equal(etlc_batch_new(defs, 2, 5000, &b, &err), 0);
        for (int r = 0; r < 5000; r++) {
            etlc_batch_append_int64(b, 0, r * 7919, &err);
            etlc_batch_append_var(b, 1, ETLC_TYPE_TEXT, "some text value", 15, &err);
            etlc_batch_end_row(b, &err);
        }
        rc = etlc_parquet_writer_write(w, b, &err);
        if (rc == 0)
            rc = etlc_parquet_writer_close(w, NULL, &err);
        if (k == 0) {
            assert_int_equal(rc, 0);
            full = SIZE_MAX - budget;
            assert_true(full > 1000);
            etlc_parquet_writer_free(w);
            etlc_batch_free(b);
            continue;
        }
        assert_int_equal(rc, ETLC_IO_NO_SPACE);
        assert_non_null(strstr(err.message, "disk full"));
        assert_int_not_equal(etlc_parquet_writer_write(w, b, &err), 0);
        etlc_parquet_writer_free(w);
        etlc_batch_free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codec_names),
        cmocka_unit_test(inspect_rejects_garbage),
        cmocka_unit_test(all_types_every_codec),
        cmocka_unit_test(single_row_and_empty),
        cmocka_unit_test(schema_from_options_without_batches),
        cmocka_unit_test(big_string_and_doubles),
        cmocka_unit_test(many_row_groups_and_dictionary_fallback),
        cmocka_unit_test(decimal_errors_and_schema_rules),
        cmocka_unit_test(null_column_promoted_after_row_groups),
        cmocka_unit_test(memory_stays_bounded),
        cmocka_unit_test(through_the_lake_sink),
        cmocka_unit_test(write_errors_propagate),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
