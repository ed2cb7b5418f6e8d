/* The Parquet writer's fast paths give the same answers as the general ones:
 * the 64-bit decimal parser (and its hand-over to the general parser for
 * everything it does not take), and the dictionary's in-table keys and
 * run short-cut (indexes in first-seen order, across rehashing). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/parquet/pq.h"

static int parse(const char *s, int precision, int scale, pq_i128 *out)
{
    const char *why = NULL;
    return pq_decimal_parse((const uint8_t *)s, strlen(s), precision, scale, out, &why);
}

static void decimal_common_forms(void **state)
{
    (void)state;
    pq_i128 v = 0;
    assert_int_equal(parse("12.34", 15, 2, &v), 0);
    assert_true(v == 1234);
    assert_int_equal(parse("-0.05", 15, 2, &v), 0);
    assert_true(v == -5);
    assert_int_equal(parse("+7", 15, 2, &v), 0);
    assert_true(v == 700);
    assert_int_equal(parse("7.", 15, 2, &v), 0);
    assert_true(v == 700);
    assert_int_equal(parse(".5", 15, 2, &v), 0);
    assert_true(v == 50);
    assert_int_equal(parse("-0.00", 15, 2, &v), 0);
    assert_true(v == 0);
    assert_int_equal(parse("9999999999999.99", 15, 2, &v), 0); /* exactly 15 digits */
    assert_true(v == 999999999999999LL);
    assert_int_equal(parse("999999999999999999", 18, 0, &v), 0);
    assert_true(v == 999999999999999999LL);
}

static void decimal_hand_over_to_general_parser(void **state)
{
    (void)state;
    pq_i128 v = 0;
    /* Too many digits for the column: rejected either way. */
    assert_int_equal(parse("10000000000000.00", 15, 2, &v), -1);
    /* Fractional zeros beyond the scale: the general parser accepts them. */
    assert_int_equal(parse("1.2300", 15, 2, &v), 0);
    assert_true(v == 123);
    /* Non-zero digits beyond the scale: rejected. */
    assert_int_equal(parse("1.234", 15, 2, &v), -1);
    /* Exponent, 19+ digits, precision > 18: general parser. */
    assert_int_equal(parse("1.5e2", 15, 2, &v), 0);
    assert_true(v == 15000);
    assert_int_equal(parse("1234567890123456789", 20, 0, &v), 0);
    assert_true(v == (pq_i128)1234567890123456789LL);
    assert_int_equal(parse("-12345678901234567890.5", 38, 1, &v), 0);
    assert_true(v == -((pq_i128)12345678901234567890ULL * 10 + 5));
    /* Not numbers. */
    assert_int_equal(parse("", 15, 2, &v), -1);
    assert_int_equal(parse("-", 15, 2, &v), -1);
    assert_int_equal(parse("1.2.3", 15, 2, &v), -1);
    assert_int_equal(parse("12a", 15, 2, &v), -1);
}

/* Every value of a sweep parses to the integer it was printed from. */
static void decimal_sweep_round_trips(void **state)
{
    (void)state;
    uint64_t x = 88172645463325252ULL;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        int64_t cents = (int64_t)(x % 1000000000000000ULL) * ((x >> 60) & 1 ? -1 : 1);
        char buf[48];
        pq_decimal_format(cents, 2, buf, sizeof buf);
        pq_i128 v = 0;
        assert_int_equal(parse(buf, 15, 2, &v), 0);
        assert_true(v == cents);
    }
}

static void dictionary_indexes_in_first_seen_order(void **state)
{
    (void)state;
    pq_dict d;
    pq_dict_init(&d, 8);
    /* 5000 distinct keys in runs, then all again in reverse: forces rehashing
     * (512 slots at first) and exercises the run short-cut. */
    for (int64_t k = 0; k < 5000; k++)
        for (int rep = 0; rep < 3; rep++) {
            int64_t key = k * 7919;
            assert_int_equal(pq_dict_fixed(&d, &key), k);
        }
    for (int64_t k = 4999; k >= 0; k--) {
        int64_t key = k * 7919;
        assert_int_equal(pq_dict_fixed(&d, &key), k);
    }
    assert_int_equal(d.count, 5000);
    assert_int_equal(d.plain.len, 5000 * 8);
    pq_dict_reset(&d);
    int64_t key = 7919; /* was index 1: after a reset it is new */
    assert_int_equal(pq_dict_fixed(&d, &key), 0);
    pq_dict_free(&d);

    pq_dict_init(&d, 4);
    for (int32_t k = 0; k < 3000; k++) {
        int32_t v = -k;
        assert_int_equal(pq_dict_fixed(&d, &v), k);
        assert_int_equal(pq_dict_fixed(&d, &v), k);
    }
    int32_t zero = 0;
    assert_int_equal(pq_dict_fixed(&d, &zero), 0);
    pq_dict_free(&d);

    pq_dict_init(&d, 0);
    const char *words[] = {"AIR", "AIR", "MAIL", "", "AIR", "", "MAIL", "SHIP"};
    const int64_t expect[] = {0, 0, 1, 2, 0, 2, 1, 3};
    for (size_t i = 0; i < ETLC__ARRAY_LEN(words); i++)
        assert_int_equal(pq_dict_bytes(&d, (const uint8_t *)words[i], strlen(words[i])), expect[i]);
    pq_dict_free(&d);
}

/* Values near the first one go through the direct window, the rest through
 * the hash table; both give first-seen indexes, also when the table is
 * first built after thousands of window entries, and after a reset
 * re-anchors the window. */
static void dictionary_direct_window_and_table(void **state)
{
    (void)state;
    pq_dict d;
    pq_dict_init(&d, 8);
    for (int round = 0; round < 2; round++) {
        int64_t base = round ? -5000000000LL : 100;
        for (int64_t k = 0; k < 6000; k++) {
            int64_t v = base + k;
            assert_int_equal(pq_dict_fixed(&d, &v), k);
        }
        for (int64_t k = 0; k < 20000; k++) { /* far outside the window */
            int64_t v = base + 1000000 + k * 3;
            assert_int_equal(pq_dict_fixed(&d, &v), 6000 + k);
        }
        for (int64_t k = 0; k < 26000; k += 7) { /* all of them again */
            int64_t v = k < 6000 ? base + k : base + 1000000 + (k - 6000) * 3;
            assert_int_equal(pq_dict_fixed(&d, &v), k);
        }
        int64_t below = base - PQ_DICT_DIRECT; /* below the window */
        assert_int_equal(pq_dict_fixed(&d, &below), 26000);
        assert_int_equal(d.plain.len, 26001 * 8);
        pq_dict_reset(&d);
    }
    pq_dict_free(&d);

    pq_dict_init(&d, 4); /* int32: negative values sign-extended into the window */
    for (int32_t k = 0; k < 100; k++) {
        int32_t v = -50 + k;
        assert_int_equal(pq_dict_fixed(&d, &v), k);
    }
    int32_t extreme[] = {INT32_MIN, INT32_MAX, -50};
    assert_int_equal(pq_dict_fixed(&d, &extreme[0]), 100);
    assert_int_equal(pq_dict_fixed(&d, &extreme[1]), 101);
    assert_int_equal(pq_dict_fixed(&d, &extreme[2]), 0);
    pq_dict_free(&d);
}

/* A width set after the table exists (a column typed late) still works. */
static void dictionary_width_set_late(void **state)
{
    (void)state;
    pq_dict d;
    pq_dict_init(&d, 0);
    assert_int_equal(pq_dict_bytes(&d, (const uint8_t *)"x", 1), 0);
    pq_dict_reset(&d);
    d.width = 8;
    int64_t a = 42, b = 43;
    assert_int_equal(pq_dict_fixed(&d, &a), 0);
    assert_int_equal(pq_dict_fixed(&d, &b), 1);
    assert_int_equal(pq_dict_fixed(&d, &a), 0);
    pq_dict_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decimal_common_forms),
        cmocka_unit_test(decimal_hand_over_to_general_parser),
        cmocka_unit_test(decimal_sweep_round_trips),
        cmocka_unit_test(dictionary_indexes_in_first_seen_order),
        cmocka_unit_test(dictionary_direct_window_and_table),
        cmocka_unit_test(dictionary_width_set_late),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
