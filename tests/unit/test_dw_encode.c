/* The dw destination's pure parts: decimal text -> numeric binary, type
 * mapping, and which table column types take which file types. */
#include <string.h>

#include "destinations/dw/dw_internal.h"
#include "testutil.h"

static void expect_numeric(const char *text, const uint16_t *want, size_t n)
{
    etlc__buf b = {0};
    assert_int_equal(etlc__dw_numeric_binary(&b, text, strlen(text)), 0);
    assert_int_equal(b.len, 2 * n);
    for (size_t i = 0; i < n; i++) {
        uint16_t v = (uint16_t)((uint8_t)b.data[2 * i] << 8 | (uint8_t)b.data[2 * i + 1]);
        if (v != want[i])
            fail_msg("%s: word %zu is %u, want %u", text, i, v, want[i]);
    }
    etlc__buf_free(&b);
}

static void numeric_binary(void **s)
{
    (void)s;
    /* ndigits, weight, sign, dscale, digits (base 10000) */
    expect_numeric("-12.345", (const uint16_t[]){2, 0, 0x4000, 3, 12, 3450}, 6);
    expect_numeric("0.000", (const uint16_t[]){0, 0, 0, 3}, 4);
    expect_numeric("1e3", (const uint16_t[]){1, 0, 0, 0, 1000}, 5);
    expect_numeric("0.0001", (const uint16_t[]){1, (uint16_t)-1, 0, 4, 1}, 5);
    expect_numeric("123456789.5", (const uint16_t[]){4, 2, 0, 1, 1, 2345, 6789, 5000}, 8);
    expect_numeric("12345678901234567890.0123456789",
                   (const uint16_t[]){8, 4, 0, 10, 1234, 5678, 9012, 3456, 7890, 123, 4567, 8900}, 12);
    expect_numeric("1.5E-2", (const uint16_t[]){1, (uint16_t)-1, 0, 3, 150}, 5);
    etlc__buf b = {0};
    assert_int_equal(etlc__dw_numeric_binary(&b, "1.2.3", 5), -1);
    assert_int_equal(etlc__dw_numeric_binary(&b, "abc", 3), -1);
    assert_int_equal(etlc__dw_numeric_binary(&b, "", 0), -1);
    assert_int_equal(etlc__dw_numeric_binary(&b, "1e99999", 7), -1);
    etlc__buf_free(&b);
}

static void type_mapping(void **s)
{
    (void)s;
    char t[64];
    etlc_column_def d = {.name = "x", .type = ETLC_TYPE_DECIMAL, .precision = 12, .scale = 3};
    etlc__dw_pg_type(&d, t, sizeof t);
    assert_string_equal(t, "numeric(12,3)");
    d.precision = 0;
    etlc__dw_pg_type(&d, t, sizeof t);
    assert_string_equal(t, "numeric");
    d.type = ETLC_TYPE_TIMESTAMP;
    etlc__dw_pg_type(&d, t, sizeof t);
    assert_string_equal(t, "timestamptz");
    d.type = ETLC_TYPE_JSON;
    etlc__dw_pg_type(&d, t, sizeof t);
    assert_string_equal(t, "jsonb");
    assert_true(etlc__dw_type_accepts(PG_OID_INT8, ETLC_TYPE_INT64));
    assert_false(etlc__dw_type_accepts(PG_OID_INT4, ETLC_TYPE_INT64));
    assert_true(etlc__dw_type_accepts(PG_OID_INT4, ETLC_TYPE_NULL));
    assert_true(etlc__dw_type_accepts(PG_OID_VARCHAR, ETLC_TYPE_TEXT));
    assert_false(etlc__dw_type_accepts(PG_OID_TEXT, ETLC_TYPE_DECIMAL));
}

static void identifiers_are_quoted(void **s)
{
    (void)s;
    etlc__buf b = {0};
    assert_int_equal(etlc__dw_qualified(&b, "my schema", "t\"; DROP TABLE x; --"), 0);
    assert_string_equal(b.data, "\"my schema\".\"t\"\"; DROP TABLE x; --\"");
    etlc__buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(numeric_binary), cmocka_unit_test(type_mapping),
                                       cmocka_unit_test(identifiers_are_quoted)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
