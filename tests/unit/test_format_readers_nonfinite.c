/* Non-finite numbers in the JSONL and CSV readers (issue 15, class 7).
 * `1e400` used to load as Infinity without a word. The rule
 * (docs/data-contract.md): NaN and ±Infinity are marked, never implied:
 * the writers write NaN / Infinity / -Infinity and the readers take exactly
 * those; any other number text that is not a finite double is refused,
 * with or without column hints, in both formats. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "sinks/format_reader.h"

/* Read `content` as `name` in dir; the code of the first failure (0 if
 * none); *out gets the first double of column 0 when all went well. */
static int read_first(const char *dir, const char *name, const char *content, const char *hints, double *out,
                      etlc_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(tu_write_file(path, content), 0);
    etlc__format_reader_options o = {.columns = hints};
    etlc__format_reader *r = NULL;
    const etlc_batch *b = NULL;
    etlc_error_clear(err);
    int rc = etlc__format_reader_open_path(path, &o, &r, err);
    bool first = true;
    while (rc == 0 && (rc = etlc__format_reader_next(r, &b, err)) == 0 && b) {
        if (first && b->cols[0].def.type == ETLC_TYPE_DOUBLE)
            *out = b->cols[0].fixed.f64[0];
        first = false;
    }
    etlc__format_reader_free(r);
    return rc;
}

static void out_of_range_numbers_are_refused(void **state)
{
    (void)state;
    char *dir = tu_tempdir("nonfinite");
    /* The first three are valid JSON numbers too. */
    static const char *const bad[] = {"1e400", "-1e400", "1E999", "0x1p3", "inf", "nan", "-inf", "Infinityx"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bool is_json_number = i < 3;
        double got = 0;
        etlc_error err;
        char text[200];
        /* JSONL with hints, and without (inferred double), for JSON numbers */
        if (is_json_number) {
            snprintf(text, sizeof text, "{\"d\":1.5}\n{\"d\":%s}\n", bad[i]);
            if (read_first(dir, "h.jsonl", text, "d:double", &got, &err) != ETLC_DATA_TYPE)
                fail_msg("jsonl with hints took %s: %s", bad[i], err.message);
            assert_non_null(strstr(err.message, "line 2"));
            if (read_first(dir, "n.jsonl", text, NULL, &got, &err) == 0)
                fail_msg("jsonl without hints took %s", bad[i]);
        }
        /* JSONL with the value as a string, CSV with hints */
        snprintf(text, sizeof text, "{\"d\":\"%s\"}\n", bad[i]);
        if (read_first(dir, "s.jsonl", text, "d:double", &got, &err) != ETLC_DATA_TYPE)
            fail_msg("jsonl string took %s: %s", bad[i], err.message);
        snprintf(text, sizeof text, "d\n1.5\n%s\n", bad[i]);
        if (read_first(dir, "h.csv", text, "d:double", &got, &err) != ETLC_DATA_TYPE)
            fail_msg("csv took %s: %s", bad[i], err.message);
        assert_non_null(strstr(err.message, "line 3"));
    }
    tu_rmtree(dir);
    free(dir);
}

static void marked_non_finite_values_read_back(void **state)
{
    (void)state;
    char *dir = tu_tempdir("nonfinite-ok");
    static const struct { const char *text; int kind; } ok[] = {
        {"NaN", 0}, {"Infinity", 1}, {"-Infinity", -1}, {"1e308", 2}, {"1e-400", 2}, {"-0.0", 2}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char text[200];
        double got = 0;
        etlc_error err;
        for (int csv = 0; csv < 2; csv++) {
            if (csv)
                snprintf(text, sizeof text, "d\n%s\n", ok[i].text);
            else if (ok[i].kind == 2)
                snprintf(text, sizeof text, "{\"d\":%s}\n", ok[i].text);
            else
                snprintf(text, sizeof text, "{\"d\":\"%s\"}\n", ok[i].text);
            int rc = read_first(dir, csv ? "ok.csv" : "ok.jsonl", text, "d:double", &got, &err);
            if (rc != 0)
                fail_msg("%s %s refused: %s", csv ? "csv" : "jsonl", ok[i].text, err.message);
            if (ok[i].kind == 0)
                assert_true(isnan(got));
            else if (ok[i].kind == 2)
                assert_true(isfinite(got));
            else
                assert_true(isinf(got) && (got > 0) == (ok[i].kind > 0));
        }
    }
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(out_of_range_numbers_are_refused),
        cmocka_unit_test(marked_non_finite_values_read_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
