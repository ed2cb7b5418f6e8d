/* PostgreSQL binary numeric straight to a scaled integer
 * (etlc__pg_numeric_scaled) gives what the text path gives: binary ->
 * etlc__pg_numeric_to_text -> the Parquet writer's pq_decimal_parse. Same
 * value, same acceptance, same reason, over edge values and many random
 * ones (random digit groups, weights, dscales, signs, column precisions and
 * scales, including values that do not fit). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/postgres/pg_internal.h"
#include "sinks/parquet/pq.h"

static void put16(etlc__buf *b, int v)
{
    unsigned char x[2] = {(unsigned char)((unsigned)v >> 8), (unsigned char)v};
    etlc__buf_append(b, x, 2);
}

/* Wire form: ndigits, weight, sign, dscale, digits. */
static void wire(etlc__buf *b, int weight, int sign, int dscale, const int *digits, int n)
{
    etlc__buf_reset(b);
    put16(b, n);
    put16(b, weight);
    put16(b, sign);
    put16(b, dscale);
    for (int i = 0; i < n; i++)
        put16(b, digits[i]);
}

static int checked; /* comparisons made, asserted at the end of the random run */
static int accepted;

/* Both paths on one wire value; they must agree in every respect. */
static void compare(const etlc__buf *w, int precision, int scale)
{
    etlc__buf text = {0};
    const unsigned char *p = (const unsigned char *)w->data;
    int trc = etlc__pg_numeric_to_text(p, w->len, &text);
    etlc__i128 direct = 0;
    const char *dwhy = "";
    int drc = etlc__pg_numeric_scaled(p, w->len, precision, scale, &direct, &dwhy);
    if (trc != 0) { /* NaN, infinities, malformed: the same code */
        assert_int_equal(drc, trc);
        etlc__buf_free(&text);
        return;
    }
    pq_i128 parsed = 0;
    const char *pwhy = "";
    int prc = pq_decimal_parse((const uint8_t *)text.data, text.len, precision, scale, &parsed, &pwhy);
    if (prc == 0) {
        if (drc != 0)
            fail_msg("'%s' DECIMAL(%d,%d): text path accepts, direct says %d (%s)", text.data,
                     precision, scale, drc, dwhy);
        if (direct != parsed)
            fail_msg("'%s' DECIMAL(%d,%d): values differ", text.data, precision, scale);
        accepted++;
    } else {
        if (drc != -5)
            fail_msg("'%s' DECIMAL(%d,%d): text path rejects (%s), direct says %d", text.data,
                     precision, scale, pwhy, drc);
        assert_string_equal(dwhy, pwhy);
    }
    checked++;
    etlc__buf_free(&text);
}

static void edge_values(void **state)
{
    (void)state;
    etlc__buf w = {0};
    etlc__i128 v = 0;
    const char *why = "";
    /* 12.34 in numeric(15,2) */
    wire(&w, 0, 0, 2, (int[]){12, 3400}, 2);
    assert_int_equal(etlc__pg_numeric_scaled((const unsigned char *)w.data, w.len, 15, 2, &v, &why), 0);
    assert_true(v == 1234);
    /* -0.05 */
    wire(&w, -1, 0x4000, 2, (int[]){500}, 1);
    assert_int_equal(etlc__pg_numeric_scaled((const unsigned char *)w.data, w.len, 15, 2, &v, &why), 0);
    assert_true(v == -5);
    /* 5 * 10^8, trailing zero groups left out */
    wire(&w, 2, 0, 0, (int[]){5}, 1);
    assert_int_equal(etlc__pg_numeric_scaled((const unsigned char *)w.data, w.len, 18, 4, &v, &why), 0);
    assert_true(v == (etlc__i128)5000000000000LL);
    /* NaN, +inf, -inf, malformed */
    wire(&w, 0, 0xC000, 0, NULL, 0);
    assert_int_equal(etlc__pg_numeric_scaled((const unsigned char *)w.data, w.len, 15, 2, &v, &why), -2);
    wire(&w, 0, 0xD000, 0, NULL, 0);
    assert_int_equal(etlc__pg_numeric_scaled((const unsigned char *)w.data, w.len, 15, 2, &v, &why), -3);
    wire(&w, 0, 0xF000, 0, NULL, 0);
    assert_int_equal(etlc__pg_numeric_scaled((const unsigned char *)w.data, w.len, 15, 2, &v, &why), -4);
    wire(&w, 0, 0, 0, (int[]){10000}, 1);
    assert_int_equal(etlc__pg_numeric_scaled((const unsigned char *)w.data, w.len, 15, 2, &v, &why), -1);
    assert_int_equal(etlc__pg_numeric_scaled((const unsigned char *)w.data, 7, 15, 2, &v, &why), -1);
    /* scale beyond the column's: 1.234 in (15,2) */
    wire(&w, 0, 0, 3, (int[]){1, 2340}, 2);
    assert_int_equal(etlc__pg_numeric_scaled((const unsigned char *)w.data, w.len, 15, 2, &v, &why), -5);
    assert_string_equal(why, "has more fractional digits than the column's scale");
    /* 38 nines fit DECIMAL(38,0); 39 digits do not */
    int nines[10] = {99, 9999, 9999, 9999, 9999, 9999, 9999, 9999, 9999, 9999};
    wire(&w, 9, 0x4000, 0, nines, 10);
    assert_int_equal(etlc__pg_numeric_scaled((const unsigned char *)w.data, w.len, 38, 0, &v, &why), 0);
    compare(&w, 38, 0);
    nines[0] = 999;
    wire(&w, 9, 0, 0, nines, 10);
    assert_int_equal(etlc__pg_numeric_scaled((const unsigned char *)w.data, w.len, 38, 0, &v, &why), -5);
    compare(&w, 38, 0);
    /* Digits below dscale are not part of the value (the text drops them). */
    wire(&w, 0, 0, 1, (int[]){1, 2345}, 2);
    compare(&w, 15, 2);
    compare(&w, 15, 0);
    /* Zero in every guise, negative zero too */
    wire(&w, 0, 0x4000, 5, NULL, 0);
    compare(&w, 1, 0);
    wire(&w, 3, 0, 0, (int[]){0, 0}, 2);
    compare(&w, 1, 0);
    /* Huge and tiny weights */
    wire(&w, 5000, 0, 0, (int[]){1}, 1);
    compare(&w, 38, 0);
    wire(&w, -5000, 0, 16383, (int[]){1}, 1);
    compare(&w, 38, 10);
    etlc__buf_free(&w);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A random group: often 0 or with zeros at either end, to hit the edges. */
static int random_group(void)
{
    switch (rnd() % 6) {
    case 0: return 0;
    case 1: return 9999;
    case 2: return (int)(rnd() % 10) * 1000;
    case 3: return (int)(rnd() % 10);
    default: return (int)(rnd() % 10000);
    }
}

static void random_values(void **state)
{
    (void)state;
    etlc__buf w = {0};
    int digits[12];
    for (int iter = 0; iter < 300000; iter++) {
        int n = (int)(rnd() % 12);
        for (int i = 0; i < n; i++)
            digits[i] = random_group();
        if (n && rnd() % 2 && digits[0] == 0)
            digits[0] = 1 + (int)(rnd() % 9999); /* PostgreSQL's own: no leading zero group */
        int weight = (int)(rnd() % 14) - 6;
        int dscale = (int)(rnd() % 30);
        int sign = rnd() % 2 ? 0x4000 : 0;
        if (rnd() % 200 == 0)
            sign = rnd() % 2 ? 0xC000 : 0xD000;
        wire(&w, weight, sign, dscale, digits, n);
        int precision = 1 + (int)(rnd() % 38);
        int scale = (int)(rnd() % (precision + 1));
        compare(&w, precision, scale);
    }
    /* The run compared real values, and accepted as well as rejected some. */
    assert_true(checked > 250000);
    assert_true(accepted > 10000);
    assert_true(checked - accepted > 10000);
    etlc__buf_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(edge_values),
        cmocka_unit_test(random_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
