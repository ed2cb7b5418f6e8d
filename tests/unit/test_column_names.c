/* #15 class 5: column names etlconn writes must read back. Hostile name
 * lists (',' ':' '%' control bytes, empty names, duplicates, a byte-order
 * mark), generated at random and by hand, go through every sink (jsonl,
 * csv, parquet) and back through every reader with the item's "columns"
 * metadata: the names read are the settled ones (unique, non-empty, no
 * BOM), the types and values survive, and the rule's corner cases hold. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "sinks/column_names.h"
#include "sinks/format_reader.h"
#include "etlconn/parquet.h"

#define OK(x) assert_int_equal((x), 0)
#define MAXC 8

static void assert_settled(const etlc_column_def *defs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!defs[i].name[0] || strncmp(defs[i].name, "\xEF\xBB\xBF", 3) == 0)
            fail_msg("column %zu has name '%s'", i + 1, defs[i].name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(defs[i].name, defs[j].name) == 0)
                fail_msg("columns %zu and %zu are both '%s'", j + 1, i + 1, defs[i].name);
    }
}

/* One batch with `names` through the `format` sink and back. */
static void round_trip(const char *root, const char *format, const char *const *names, size_t n, unsigned seq)
{
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    etlc_result *res = NULL;
    OK(etlc_lake_open_local(root, &lake, &err));
    OK(etlc_result_new("test", "src", "q", &res, &err));
    etlc_column_def defs[MAXC];
    for (size_t i = 0; i < n; i++)
        defs[i] = (etlc_column_def){.name = (char *)names[i], .type = i % 2 ? ETLC_TYPE_TEXT : ETLC_TYPE_INT64};
    etlc_batch *b = NULL;
    OK(etlc_batch_new(defs, n, 4, &b, &err));
    for (int r = 0; r < 3; r++) {
        for (size_t i = 0; i < n; i++) {
            char t[16];
            snprintf(t, sizeof t, "v%d", r);
            OK(i % 2 ? etlc_batch_append_var(b, i, ETLC_TYPE_TEXT, t, strlen(t), &err)
                     : etlc_batch_append_int64(b, i, r * 10 + (int64_t)i, &err));
        }
        OK(etlc_batch_end_row(b, &err));
    }
    char tmpl[64];
    snprintf(tmpl, sizeof tmpl, "t%u/{part}.{ext}", seq);
    etlc_sink_options o = {.format = format, .path_template = tmpl};
    etlc_sink *s = NULL;
    OK(etlc_sink_open(lake, &o, &s, &err));
    OK(etlc_sink_write(s, b, &err));
    OK(etlc_sink_finish(s, res, &err));
    const etlc_item *it = &res->items[0];
    const char *meta = etlc_meta_get(&it->metadata, "columns");
    assert_non_null(meta);
    etlc__format_reader_options ro = {.columns = meta};
    etlc__format_reader *rd = NULL;
    if (etlc__format_reader_open_path(it->path, &ro, &rd, &err) != 0)
        fail_msg("%s: reading back with columns '%s' failed: %s", format, meta, err.message);
    const etlc_column_def *got = NULL;
    assert_int_equal(etlc__format_reader_columns(rd, &got), n);
    assert_settled(got, n);
    char **want = NULL, *note = NULL;
    OK(etlc__column_names_settle(names, n, &want, &note));
    for (size_t i = 0; i < n; i++) {
        const char *w = want ? want[i] : names[i];
        if (strcmp(got[i].name, w) != 0)
            fail_msg("%s: column %zu reads back as '%s', settled '%s' (metadata '%s')", format, i + 1, got[i].name,
                     w, meta);
        assert_int_equal(got[i].type, defs[i].type);
    }
    const etlc_batch *rb = NULL;
    OK(etlc__format_reader_next(rd, &rb, &err));
    assert_non_null(rb);
    assert_int_equal(rb->nrows, 3);
    etlc__format_reader_free(rd);
    etlc__column_names_free(want, n);
    free(note);
    etlc_batch_free(b);
    etlc_result_free(res);
    etlc_lake_free(lake);
}

static const char *const formats[] = {"jsonl", "csv", "parquet"};

static void hostile_names_round_trip(void **state)
{
    (void)state;
    char *root = tu_tempdir("colnames");
    static const char *const cases[][MAXC + 1] = {
        {"a,b", "x:y", "p%2Cq", "100%", NULL},
        {"", "", "id", NULL},
        {"id", "id", "id_2", "ID", NULL},
        {"\xEF\xBB\xBFid", "name", NULL},
        {"tab\there", "nl\nx", ",", ":", "%", NULL},
        {"column_1", "", "x", NULL},
    };
    unsigned seq = 0;
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        size_t n = 0;
        while (cases[c][n])
            n++;
        for (size_t f = 0; f < 3; f++)
            if (etlc_sink_format_supported(formats[f]))
                round_trip(root, formats[f], cases[c], n, seq++);
    }
    /* random names over the awkward alphabet */
    static const char alphabet[] = {',', ':', '%', 'a', 'b', '2', '_', ' ', '"', '\t'};
    srand(15);
    for (int k = 0; k < 60; k++) {
        char buf[MAXC][8];
        const char *names[MAXC];
        size_t n = 1 + (size_t)rand() % MAXC;
        for (size_t i = 0; i < n; i++) {
            size_t len = (size_t)rand() % 4;
            for (size_t j = 0; j < len; j++)
                buf[i][j] = alphabet[rand() % (int)sizeof alphabet];
            buf[i][len] = '\0';
            names[i] = buf[i];
        }
        if (etlc_sink_format_supported(formats[k % 3])) /* parquet may be compiled out */
            round_trip(root, formats[k % 3], names, n, seq++);
    }
    tu_rmtree(root);
    free(root);
}

static void rule_and_encoding(void **state)
{
    (void)state;
    const char *in[] = {"", "a", "a", "a_2", "\xEF\xBB\xBF" "b", ""};
    char **out = NULL, *note = NULL;
    OK(etlc__column_names_settle(in, 6, &out, &note));
    assert_non_null(out);
    const char *want[] = {"column_1", "a", "a_3", "a_2", "b", "column_6"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(out[i], want[i]);
    assert_non_null(strstr(note, "3 'a' -> 'a_3'"));
    etlc__column_names_free(out, 6);
    free(note);
    const char *fine[] = {"id", "name"};
    OK(etlc__column_names_settle(fine, 2, &out, &note));
    assert_null(out);
    assert_null(note);
    etlc__buf b = {0};
    OK(etlc__column_name_encode(&b, "a,b:c%d\t"));
    assert_string_equal(b.data, "a%2Cb%3Ac%25d%09");
    char *back = etlc__column_name_decode(b.data, b.len);
    assert_string_equal(back, "a,b:c%d\t");
    free(back);
    etlc__buf_free(&b);
    /* old metadata: a bare '%' stands for itself */
    back = etlc__column_name_decode("100%", 4);
    assert_string_equal(back, "100%");
    free(back);
}

/* A CSV written elsewhere: byte-order mark, empty and repeated header names. */
static void csv_header_names(void **state)
{
    (void)state;
    char *root = tu_tempdir("colnames_csv");
    char path[4200];
    snprintf(path, sizeof path, "%s/in.csv", root);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    fputs("\xEF\xBB\xBFid,a,a,\n1,2,3,4\n", fp);
    fclose(fp);
    etlc_error err = {0};
    etlc__format_reader *rd = NULL;
    OK(etlc__format_reader_open_path(path, NULL, &rd, &err));
    const etlc_column_def *got = NULL;
    assert_int_equal(etlc__format_reader_columns(rd, &got), 4);
    assert_string_equal(got[0].name, "id");
    assert_string_equal(got[1].name, "a");
    assert_string_equal(got[2].name, "a_2");
    assert_string_equal(got[3].name, "column_4");
    etlc__format_reader_free(rd);
    tu_rmtree(root);
    free(root);
}

static int discard(void *ud, const void *p, size_t len, etlc_error *err)
{
    (void)ud, (void)p, (void)len, (void)err;
    return 0;
}

/* The Parquet writer's own guard, for callers that bypass the sinks. */
static void parquet_writer_refuses_unreadable_names(void **state)
{
    (void)state;
    if (!etlc_sink_format_supported("parquet"))
        skip();
    static const etlc_column_def dup[] = {{"a", ETLC_TYPE_INT64, 0, 0}, {"a", ETLC_TYPE_TEXT, 0, 0}};
    static const etlc_column_def empty[] = {{"a", ETLC_TYPE_INT64, 0, 0}, {"", ETLC_TYPE_TEXT, 0, 0}};
    const etlc_column_def *sets[] = {dup, empty};
    const char *want[] = {"both named \"a\"", "column 2 has an empty name"};
    for (int k = 0; k < 2; k++) {
        etlc_error err = {0};
        etlc_parquet_writer *w = NULL;
        etlc_batch *b = NULL;
        OK(etlc_parquet_writer_open(discard, NULL, NULL, &w, &err));
        OK(etlc_batch_new(sets[k], 2, 4, &b, &err));
        assert_int_equal(etlc_parquet_writer_write(w, b, &err), ETLC_DATA_SCHEMA);
        assert_non_null(strstr(err.message, want[k]));
        etlc_batch_free(b);
        etlc_parquet_writer_free(w);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rule_and_encoding),
        cmocka_unit_test(hostile_names_round_trip),
        cmocka_unit_test(csv_header_names),
        cmocka_unit_test(parquet_writer_refuses_unreadable_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
