/* Record batches (types, NULL promotion, row checks, growth) and the
 * date/time helpers. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static etlc_batch *make_batch(const etlc_column_def *defs, size_t n, size_t cap)
{
    etlc_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_batch_new(defs, n, cap, &b, &err), 0);
    assert_non_null(b);
    return b;
}

static void type_names_round_trip(void **state)
{
    (void)state;
    for (int t = 0; t < ETLC_TYPE_COUNT; t++)
        assert_int_equal(etlc_type_parse(etlc_type_name((etlc_type)t)), t);
    assert_string_equal(etlc_type_name(ETLC_TYPE_TIMESTAMP), "timestamp");
    assert_string_equal(etlc_type_name(ETLC_TYPE_INT64), "int64");
    assert_int_equal(etlc_type_parse("TEXT"), ETLC_TYPE_TEXT);
    assert_int_equal(etlc_type_parse("varchar"), -1);
    assert_int_equal(etlc_type_parse(NULL), -1);
}

static void every_type_is_stored(void **state)
{
    (void)state;
    etlc_column_def defs[] = {
        {"b", ETLC_TYPE_BOOL, 0, 0},      {"i", ETLC_TYPE_INT64, 0, 0},
        {"f", ETLC_TYPE_DOUBLE, 0, 0},    {"t", ETLC_TYPE_TEXT, 0, 0},
        {"y", ETLC_TYPE_BYTES, 0, 0},     {"d", ETLC_TYPE_DATE, 0, 0},
        {"ts", ETLC_TYPE_TIMESTAMP, 0, 0}, {"dec", ETLC_TYPE_DECIMAL, 10, 2},
        {"j", ETLC_TYPE_JSON, 0, 0},
    };
    etlc_batch *b = make_batch(defs, 9, 8);
    etlc_error err = {0};
    for (int row = 0; row < 2; row++) {
        if (row == 0) {
            assert_int_equal(etlc_batch_append_bool(b, 0, true, &err), 0);
            assert_int_equal(etlc_batch_append_int64(b, 1, INT64_MIN, &err), 0);
            assert_int_equal(etlc_batch_append_double(b, 2, 2.5, &err), 0);
            assert_int_equal(etlc_batch_append_var(b, 3, ETLC_TYPE_TEXT, "héllo", 6, &err), 0);
            assert_int_equal(etlc_batch_append_var(b, 4, ETLC_TYPE_BYTES, "\0\1\2", 3, &err), 0);
            assert_int_equal(etlc_batch_append_date(b, 5, -1, &err), 0);
            assert_int_equal(etlc_batch_append_timestamp(b, 6, 1234567, &err), 0);
            assert_int_equal(etlc_batch_append_var(b, 7, ETLC_TYPE_DECIMAL, "-12.34", 6, &err), 0);
            assert_int_equal(etlc_batch_append_var(b, 8, ETLC_TYPE_JSON, "{\"a\":1}", 7, &err), 0);
        } else {
            for (size_t c = 0; c < 9; c++)
                assert_int_equal(etlc_batch_append_null(b, c, &err), 0);
        }
        assert_int_equal(etlc_batch_end_row(b, &err), 0);
    }
    assert_int_equal(b->nrows, 2);
    assert_int_equal(b->cols[0].fixed.b[0], 1);
    assert_true(b->cols[1].fixed.i64[0] == INT64_MIN);
    assert_true(b->cols[2].fixed.f64[0] == 2.5);
    size_t len;
    const uint8_t *p = etlc_column_var(&b->cols[3], 0, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(p, "héllo", 6);
    p = etlc_column_var(&b->cols[4], 0, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(p, "\0\1\2", 3);
    assert_int_equal(b->cols[5].fixed.i32[0], -1);
    assert_true(b->cols[6].fixed.i64[0] == 1234567);
    p = etlc_column_var(&b->cols[7], 0, &len);
    assert_memory_equal(p, "-12.34", 6);
    assert_int_equal(b->cols[7].def.precision, 10);
    for (size_t c = 0; c < 9; c++) {
        assert_false(etlc_column_is_null(&b->cols[c], 0));
        assert_true(etlc_column_is_null(&b->cols[c], 1));
        assert_int_equal(b->cols[c].null_count, 1);
    }
    /* NULL slots are zero / empty. */
    assert_true(b->cols[1].fixed.i64[1] == 0);
    assert_true(b->cols[2].fixed.f64[1] == 0.0);
    etlc_column_var(&b->cols[3], 1, &len);
    assert_int_equal(len, 0);
    etlc_batch_free(b);
}

static void null_column_takes_first_type(void **state)
{
    (void)state;
    etlc_column_def defs[] = {{"x", ETLC_TYPE_NULL, 0, 0}, {"s", ETLC_TYPE_NULL, 0, 0}};
    etlc_batch *b = make_batch(defs, 2, 100);
    etlc_error err = {0};
    for (int r = 0; r < 3; r++) {
        assert_int_equal(etlc_batch_append_null(b, 0, &err), 0);
        assert_int_equal(etlc_batch_append_null(b, 1, &err), 0);
        assert_int_equal(etlc_batch_end_row(b, &err), 0);
    }
    assert_int_equal(b->cols[0].def.type, ETLC_TYPE_NULL);
    assert_int_equal(etlc_batch_append_int64(b, 0, 42, &err), 0);
    assert_int_equal(etlc_batch_append_var(b, 1, ETLC_TYPE_TEXT, "abc", 3, &err), 0);
    assert_int_equal(etlc_batch_end_row(b, &err), 0);
    assert_int_equal(b->cols[0].def.type, ETLC_TYPE_INT64);
    assert_int_equal(b->cols[1].def.type, ETLC_TYPE_TEXT);
    for (size_t r = 0; r < 3; r++) {
        assert_true(etlc_column_is_null(&b->cols[0], r));
        assert_true(b->cols[0].fixed.i64[r] == 0);
        size_t len = 99;
        etlc_column_var(&b->cols[1], r, &len);
        assert_int_equal(len, 0);
    }
    assert_true(b->cols[0].fixed.i64[3] == 42);
    size_t len;
    const uint8_t *p = etlc_column_var(&b->cols[1], 3, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(p, "abc", 3);
    assert_int_equal(b->cols[0].null_count, 3);
    etlc_batch_free(b);
}

static void type_mismatch_is_data_type(void **state)
{
    (void)state;
    etlc_column_def defs[] = {{"amount", ETLC_TYPE_INT64, 0, 0}};
    etlc_batch *b = make_batch(defs, 1, 10);
    etlc_error err = {0};
    assert_int_equal(etlc_batch_append_int64(b, 0, 1, &err), 0);
    assert_int_equal(etlc_batch_end_row(b, &err), 0);
    assert_int_equal(etlc_batch_append_var(b, 0, ETLC_TYPE_TEXT, "x", 1, &err), ETLC_DATA_TYPE);
    assert_int_equal(err.code, ETLC_DATA_TYPE);
    assert_non_null(strstr(err.message, "amount"));
    assert_non_null(strstr(err.message, "int64"));
    assert_non_null(strstr(err.message, "text"));
    assert_non_null(strstr(err.message, "row 1"));
    /* A promoted column also refuses other types. */
    etlc_column_def d2[] = {{"v", ETLC_TYPE_NULL, 0, 0}};
    etlc_batch *b2 = make_batch(d2, 1, 10);
    assert_int_equal(etlc_batch_append_double(b2, 0, 1.0, &err), 0);
    assert_int_equal(etlc_batch_end_row(b2, &err), 0);
    assert_int_equal(etlc_batch_append_bool(b2, 0, true, &err), ETLC_DATA_TYPE);
    assert_non_null(strstr(err.message, "double"));
    assert_non_null(strstr(err.message, "bool"));
    /* append_var with a fixed type is a programming error. */
    assert_int_equal(etlc_batch_append_var(b2, 0, ETLC_TYPE_INT64, "1", 1, &err),
                     ETLC_INVALID_ARGUMENT);
    assert_int_equal(etlc_batch_append_int64(b2, 7, 1, &err), ETLC_INVALID_ARGUMENT);
    etlc_batch_free(b);
    etlc_batch_free(b2);
}

static void end_row_requires_one_value_per_column(void **state)
{
    (void)state;
    etlc_column_def defs[] = {{"a", ETLC_TYPE_INT64, 0, 0}, {"b_col", ETLC_TYPE_TEXT, 0, 0}};
    etlc_batch *b = make_batch(defs, 2, 10);
    etlc_error err = {0};
    assert_int_equal(etlc_batch_append_int64(b, 0, 1, &err), 0);
    assert_int_equal(etlc_batch_end_row(b, &err), ETLC_INTERNAL);
    assert_non_null(strstr(err.message, "b_col"));
    assert_int_equal(b->nrows, 0);
    /* A second value for the same column in one row is refused. */
    assert_int_equal(etlc_batch_append_int64(b, 0, 2, &err), ETLC_INTERNAL);
    assert_non_null(strstr(err.message, "'a'"));
    assert_int_equal(etlc_batch_append_null(b, 1, &err), 0);
    assert_int_equal(etlc_batch_end_row(b, &err), 0);
    assert_int_equal(b->nrows, 1);
    etlc_batch_free(b);
}

static void capacity_growth_and_reset(void **state)
{
    (void)state;
    etlc_column_def defs[] = {{"n", ETLC_TYPE_INT64, 0, 0}, {"s", ETLC_TYPE_TEXT, 0, 0}};
    etlc_batch *b = make_batch(defs, 2, 1000);
    etlc_error err = {0};
    size_t mem0 = etlc_batch_memory(b);
    char text[32];
    for (int r = 0; r < 1000; r++) {
        assert_false(etlc_batch_full(b));
        int n = snprintf(text, sizeof text, "row-%d", r);
        assert_int_equal(etlc_batch_append_int64(b, 0, r, &err), 0);
        assert_int_equal(etlc_batch_append_var(b, 1, ETLC_TYPE_TEXT, text, (size_t)n, &err), 0);
        assert_int_equal(etlc_batch_end_row(b, &err), 0);
    }
    assert_true(etlc_batch_full(b));
    size_t mem1 = etlc_batch_memory(b);
    assert_true(mem1 > mem0);
    /* Rows are bounded by the capacity, not by the allocation. */
    assert_true(mem1 < 1000 * (1 + 8 + 1 + 8 + 8 + 16) + 4096);
    assert_int_equal(etlc_batch_append_int64(b, 0, 1, &err), ETLC_INTERNAL);
    for (int r = 0; r < 1000; r += 97) {
        assert_true(b->cols[0].fixed.i64[r] == r);
        size_t len;
        const uint8_t *p = etlc_column_var(&b->cols[1], (size_t)r, &len);
        int n = snprintf(text, sizeof text, "row-%d", r);
        assert_int_equal(len, (size_t)n);
        assert_memory_equal(p, text, len);
    }
    etlc_batch_reset(b);
    assert_int_equal(b->nrows, 0);
    assert_false(etlc_batch_full(b));
    assert_int_equal(etlc_batch_memory(b), mem1); /* buffers kept */
    assert_int_equal(etlc_batch_append_int64(b, 0, 5, &err), 0);
    assert_int_equal(etlc_batch_append_var(b, 1, ETLC_TYPE_TEXT, "z", 1, &err), 0);
    assert_int_equal(etlc_batch_end_row(b, &err), 0);
    size_t len;
    const uint8_t *p = etlc_column_var(&b->cols[1], 0, &len);
    assert_int_equal(len, 1);
    assert_int_equal(p[0], 'z');
    assert_int_equal(b->cols[1].null_count, 0);
    etlc_batch_free(b);
    etlc_batch_free(NULL);

    etlc_batch *bad = NULL;
    assert_int_equal(etlc_batch_new(defs, 2, 0, &bad, &err), ETLC_INVALID_ARGUMENT);
    assert_null(bad);
}

/* ---- dates and timestamps ---------------------------------------------- */

static void civil_days(void **state)
{
    (void)state;
    assert_int_equal(etlc_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(etlc_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(etlc_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(etlc_days_from_civil(1, 1, 1), -719162);
    assert_int_equal(etlc_days_from_civil(9999, 12, 31), 2932896);
    /* Every day over a wide range round-trips. */
    for (int64_t d = -800000; d < 3000000; d += 997) {
        int64_t y;
        unsigned m, dd;
        etlc_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(etlc_days_from_civil(y, m, dd), d);
    }
    int64_t y;
    unsigned m, d;
    etlc_civil_from_days(etlc_days_from_civil(-44, 3, 15), &y, &m, &d);
    assert_true(y == -44 && m == 3 && d == 15);
    etlc_civil_from_days(etlc_days_from_civil(2024, 2, 29), &y, &m, &d);
    assert_true(y == 2024 && m == 2 && d == 29);
}

static void format_and_parse_dates(void **state)
{
    (void)state;
    char buf[40];
    struct { int32_t days; const char *text; } cases[] = {
        {0, "1970-01-01"}, {-1, "1969-12-31"}, {-719162, "0001-01-01"},
        {2932896, "9999-12-31"}, {19753, "2024-01-31"}, {-719528, "0000-01-01"},
        {-719529, "-0001-12-31"}, {2932897, "+10000-01-01"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        etlc_format_date(cases[i].days, buf, sizeof buf);
        assert_string_equal(buf, cases[i].text);
        int32_t back = 12345;
        assert_int_equal(etlc_parse_date(cases[i].text, strlen(cases[i].text), &back), 0);
        assert_int_equal(back, cases[i].days);
    }
    int32_t d;
    const char *bad[] = {"2024-02-30", "2023-02-29", "2024-13-01", "2024-1-01", "24-01-01",
                         "2024-01-01x", "", "2024/01/01", "2024-00-10"};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        assert_int_not_equal(etlc_parse_date(bad[i], strlen(bad[i]), &d), 0);
    assert_int_equal(etlc_parse_date("2024-02-29", 10, &d), 0);
    /* len bounds the input: trailing bytes beyond it are ignored. */
    assert_int_equal(etlc_parse_date("2024-02-29T00", 10, &d), 0);
}

static void format_timestamps(void **state)
{
    (void)state;
    char buf[40];
    etlc_format_timestamp(0, buf, sizeof buf);
    assert_string_equal(buf, "1970-01-01T00:00:00.000000Z");
    etlc_format_timestamp(-1, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");
    etlc_format_timestamp(-1500000, buf, sizeof buf);
    assert_string_equal(buf, "1969-12-31T23:59:58.500000Z");
    int64_t us = (int64_t)etlc_days_from_civil(2024, 1, 31) * 86400000000LL +
                 ((12 * 60 + 34) * 60 + 56) * 1000000LL + 123456;
    etlc_format_timestamp(us, buf, sizeof buf);
    assert_string_equal(buf, "2024-01-31T12:34:56.123456Z");
    us = (int64_t)etlc_days_from_civil(9999, 12, 31) * 86400000000LL + 86399999999LL;
    etlc_format_timestamp(us, buf, sizeof buf);
    assert_string_equal(buf, "9999-12-31T23:59:59.999999Z");
    us = (int64_t)etlc_days_from_civil(1, 1, 1) * 86400000000LL;
    etlc_format_timestamp(us, buf, sizeof buf);
    assert_string_equal(buf, "0001-01-01T00:00:00.000000Z");
    /* The extremes do not crash and stay within the buffer. */
    etlc_format_timestamp(INT64_MAX, buf, sizeof buf);
    assert_true(strlen(buf) < sizeof buf);
    etlc_format_timestamp(INT64_MIN, buf, sizeof buf);
    assert_true(buf[0] == '-');
}

static void parse_timestamps(void **state)
{
    (void)state;
    int64_t base = (int64_t)etlc_days_from_civil(2024, 1, 31) * 86400000000LL;
    int64_t hms = ((12 * 60 + 34) * 60 + 56) * 1000000LL;
    struct { const char *text; int64_t us; } ok[] = {
        {"2024-01-31T12:34:56.123456Z", base + hms + 123456},
        {"2024-01-31 12:34:56.123456", base + hms + 123456},
        {"2024-01-31T12:34:56Z", base + hms},
        {"2024-01-31t12:34:56z", base + hms},
        {"2024-01-31T12:34", base + (12 * 60 + 34) * 60000000LL},
        {"2024-01-31", base},
        {"2024-01-31T12:34:56.1", base + hms + 100000},
        {"2024-01-31T12:34:56.123456789Z", base + hms + 123456}, /* truncated to µs */
        {"2024-01-31T14:34:56.5+02:00", base + hms + 500000},
        {"2024-01-31T14:34:56.5+0200", base + hms + 500000},
        {"2024-01-31T14:34:56.5+02", base + hms + 500000},
        {"2024-01-31T07:04:56-05:30", base + hms},
        {"2024-02-01T00:04:56+11:30", base + hms},
        {"1969-12-31T23:59:59.999999Z", -1},
        {"1969-12-31T23:59:59.5Z", -500000},
        {"1970-01-01T01:00:00+01:00", 0},
        {"1970-01-01T00:00:00.000001-00:00", 1},
    };
    for (size_t i = 0; i < ARRAY_LEN(ok); i++) {
        int64_t us = 42;
        int rc = etlc_parse_timestamp(ok[i].text, strlen(ok[i].text), &us);
        if (rc != 0 || us != ok[i].us)
            fail_msg("parsing '%s': rc %d, got %lld, want %lld", ok[i].text, rc, (long long)us,
                     (long long)ok[i].us);
    }
    const char *bad[] = {"2024-01-31T24:00:00", "2024-01-31T12:60", "2024-01-31T12:34:61",
                         "2024-01-31T12", "2024-01-31T12:34:56.", "2024-01-31T12:34:56.1234567890",
                         "2024-01-31T12:34:56+2", "2024-01-31T12:34:56+02:", "2024-01-31X12:34",
                         "2024-01-31T12:34:56Zjunk", "", "not a date", "2024-01-31T12:34:56+24:00",
                         "+999999-12-31T23:59:59Z" /* beyond int64 microseconds */,
                         "-292277-01-01T00:00:00Z"};
    int64_t us;
    for (size_t i = 0; i < ARRAY_LEN(bad); i++)
        if (etlc_parse_timestamp(bad[i], strlen(bad[i]), &us) == 0)
            fail_msg("'%s' should not parse", bad[i]);
}

static void timestamp_text_round_trips(void **state)
{
    (void)state;
    int64_t samples[] = {0, 1, -1, 999999, -999999, -1000000, 1706704496123456LL,
                         -62135596800000000LL /* 0001-01-01 */, 253402300799999999LL /* 9999 */,
                         -86400000001LL, -12345678901234LL, INT64_MIN, INT64_MAX,
                         INT64_MIN + 1, INT64_MAX - 1};
    char buf[40];
    for (size_t i = 0; i < ARRAY_LEN(samples); i++) {
        etlc_format_timestamp(samples[i], buf, sizeof buf);
        int64_t back = 0;
        assert_int_equal(etlc_parse_timestamp(buf, strlen(buf), &back), 0);
        if (back != samples[i])
            fail_msg("%lld -> %s -> %lld", (long long)samples[i], buf, (long long)back);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(type_names_round_trip),
        cmocka_unit_test(every_type_is_stored),
        cmocka_unit_test(null_column_takes_first_type),
        cmocka_unit_test(type_mismatch_is_data_type),
        cmocka_unit_test(end_row_requires_one_value_per_column),
        cmocka_unit_test(capacity_growth_and_reset),
        cmocka_unit_test(civil_days),
        cmocka_unit_test(format_and_parse_dates),
        cmocka_unit_test(format_timestamps),
        cmocka_unit_test(parse_timestamps),
        cmocka_unit_test(timestamp_text_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
