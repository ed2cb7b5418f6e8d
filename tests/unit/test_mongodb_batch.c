/* BSON documents -> record batches (src/connectors/mongodb/mongo_batch.c)
 * with libbson alone, no server: the types FerretDB cannot store (Decimal128,
 * regex, BSON timestamp, min/max key, symbol) and the column rule across
 * pages (docs/parquet.md). The same code runs against FerretDB in
 * tests/integration/test_cli_mongodb.py. */
#include <stdlib.h>
#include <string.h>

#include "connectors/mongodb/mongo_internal.h"
#include "testutil.h"

static bson_t *doc(const char *json)
{
    bson_error_t be;
    bson_t *b = bson_new_from_json((const uint8_t *)json, -1, &be);
    if (!b)
        fail_msg("bad test JSON %s: %s", json, be.message);
    return b;
}

/* One page of docs through infer + append; the batch in *out (caller frees). */
static int page(mongo_schema *s, const char *const *json, size_t n, int64_t pg, etlc_batch **out,
                etlc_error *err)
{
    bson_t **docs = calloc(n, sizeof *docs);
    for (size_t i = 0; i < n; i++)
        docs[i] = doc(json[i]);
    int rc = s->fixed ? 0 : etlc__mongo_schema_infer(s, docs, n, err);
    if (rc == 0)
        rc = etlc_batch_new(s->cols, s->ncols, n ? n : 1, out, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = etlc__mongo_append_doc(*out, docs[i], pg, i, err);
    for (size_t c = 0; rc == 0 && c < s->ncols; c++)
        s->cols[c].type = (*out)->cols[c].def.type;
    for (size_t i = 0; i < n; i++)
        bson_destroy(docs[i]);
    free(docs);
    return rc;
}

static const char *text_at(const etlc_batch *b, size_t c, size_t r, size_t *len)
{
    const etlc_column *col = &b->cols[c];
    *len = (size_t)(col->offsets[r + 1] - col->offsets[r]);
    return (const char *)col->data + col->offsets[r];
}

static void assert_text(const etlc_batch *b, size_t c, size_t r, const char *want)
{
    size_t len;
    const char *t = text_at(b, c, r, &len);
    if (len != strlen(want) || memcmp(t, want, len) != 0)
        fail_msg("column %s row %zu: got '%.*s', want '%s'", b->cols[c].def.name, r, (int)len, t, want);
}

static void decimal128_is_exact_decimal_text(void **state)
{
    (void)state;
    const char *const d[] = {"{\"d\": {\"$numberDecimal\": \"12.345\"}}",
                             "{\"d\": {\"$numberDecimal\": \"-0.000100\"}}",
                             "{\"d\": {\"$numberDecimal\": \"1E+3\"}}",
                             "{\"d\": {\"$numberDecimal\": \"9999999999999999999999999999999999\"}}",
                             "{}"};
    mongo_schema s = {0};
    etlc_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(page(&s, d, 5, 0, &b, &err), 0);
    assert_int_equal(b->cols[0].def.type, ETLC_TYPE_DECIMAL);
    assert_int_equal(b->cols[0].def.precision, 0); /* unknown: exact text in Parquet */
    assert_text(b, 0, 0, "12.345");
    assert_text(b, 0, 1, "-0.000100");
    assert_text(b, 0, 2, "1E+3");
    assert_text(b, 0, 3, "9999999999999999999999999999999999");
    assert_true(b->cols[0].nulls[4]);
    etlc_batch_free(b);
    /* NaN has no decimal value: refused in words, never a silent null. */
    const char *const nan[] = {"{\"d\": {\"$numberDecimal\": \"NaN\"}}"};
    assert_int_equal(page(&s, nan, 1, 1, &b, &err), ETLC_DATA_TYPE);
    assert_non_null(strstr(err.message, "NaN"));
    etlc_batch_free(b);
    etlc__mongo_schema_free(&s);
}

static void other_types_map_as_documented(void **state)
{
    (void)state;
    const char *const d[] = {
        "{\"i\": {\"$numberInt\": \"7\"}, \"l\": {\"$numberLong\": \"-9000000000\"}, "
        "\"mix\": 1, \"t\": {\"$date\": {\"$numberLong\": \"-1500\"}}, \"re\": {\"$regularExpression\": "
        "{\"pattern\": \"^a\", \"options\": \"i\"}}, \"ts\": {\"$timestamp\": {\"t\": 5, \"i\": 1}}, "
        "\"mk\": {\"$minKey\": 1}, \"sym\": {\"$symbol\": \"abc\"}, \"arr\": [1, \"a\", {\"b\": null}], "
        "\"bin\": {\"$binary\": {\"base64\": \"AAEC\", \"subType\": \"00\"}}, \"o\": {\"$oid\": "
        "\"0123456789abcdef01234567\"}, \"n\": null}",
        "{\"mix\": 2.5, \"i\": 8}"};
    mongo_schema s = {0};
    etlc_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(page(&s, d, 2, 0, &b, &err), 0);
    const struct { const char *name; etlc_type type; } want[] = {
        {"i", ETLC_TYPE_INT64}, {"l", ETLC_TYPE_INT64}, {"mix", ETLC_TYPE_DOUBLE},
        {"t", ETLC_TYPE_TIMESTAMP}, {"re", ETLC_TYPE_JSON}, {"ts", ETLC_TYPE_JSON},
        {"mk", ETLC_TYPE_JSON}, {"sym", ETLC_TYPE_TEXT}, {"arr", ETLC_TYPE_JSON},
        {"bin", ETLC_TYPE_BYTES}, {"o", ETLC_TYPE_TEXT}, {"n", ETLC_TYPE_NULL}};
    assert_int_equal(b->ncols, sizeof want / sizeof want[0]);
    for (size_t c = 0; c < b->ncols; c++) {
        assert_string_equal(b->cols[c].def.name, want[c].name);
        assert_int_equal(b->cols[c].def.type, want[c].type);
    }
    assert_int_equal(b->cols[1].fixed.i64[0], -9000000000LL);
    assert_true(b->cols[2].fixed.f64[0] == 1.0 && b->cols[2].fixed.f64[1] == 2.5);
    assert_int_equal(b->cols[3].fixed.i64[0], -1500000); /* ms -> µs, before 1970 */
    assert_text(b, 4, 0, "{\"$regularExpression\":{\"pattern\":\"^a\",\"options\":\"i\"}}");
    assert_text(b, 7, 0, "abc");
    assert_text(b, 8, 0, "[1,\"a\",{\"b\":null}]");
    size_t len;
    const char *bytes = text_at(b, 9, 0, &len);
    assert_int_equal(len, 3);
    assert_memory_equal(bytes, "\x00\x01\x02", 3);
    assert_text(b, 10, 0, "0123456789abcdef01234567");
    assert_true(b->cols[0].fixed.i64[1] == 8 && b->cols[3].nulls[1] && b->cols[11].nulls[0]);
    etlc_batch_free(b);
    etlc__mongo_schema_free(&s);
}

static void later_pages_keep_the_first_pages_columns(void **state)
{
    (void)state;
    const char *const p0[] = {"{\"a\": 1, \"b\": null, \"c\": 1.5}"};
    mongo_schema s = {0};
    etlc_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(page(&s, p0, 1, 0, &b, &err), 0);
    etlc_batch_free(b);
    /* b was NULL-only: it takes text now; an int into the double column is fine. */
    const char *const p1[] = {"{\"a\": 2, \"b\": \"x\", \"c\": 3}"};
    assert_int_equal(page(&s, p1, 1, 1, &b, &err), 0);
    assert_int_equal(b->cols[1].def.type, ETLC_TYPE_TEXT);
    assert_true(b->cols[2].fixed.f64[0] == 3.0);
    etlc_batch_free(b);
    const char *const p2[] = {"{\"a\": 2.5}"};
    assert_int_equal(page(&s, p2, 1, 2, &b, &err), ETLC_DATA_SCHEMA);
    assert_non_null(strstr(err.message, "\"a\" is int64"));
    assert_non_null(strstr(err.message, "page 2"));
    etlc_batch_free(b);
    const char *const p3[] = {"{\"a\": 1, \"new\": 1}"};
    assert_int_equal(page(&s, p3, 1, 3, &b, &err), ETLC_DATA_SCHEMA);
    assert_non_null(strstr(err.message, "\"new\""));
    etlc_batch_free(b);
    const char *const p4[] = {"{\"b\": 7}"};
    assert_int_equal(page(&s, p4, 1, 4, &b, &err), ETLC_DATA_SCHEMA);
    etlc_batch_free(b);
    etlc__mongo_schema_free(&s);
}

static void mixed_kinds_on_the_first_page_are_json(void **state)
{
    (void)state;
    const char *const d[] = {"{\"v\": 1}", "{\"v\": \"one\"}", "{\"v\": {\"x\": true}}",
                             "{\"v\": {\"s p\": \"a \\\" b\\\\\", \"t\": [ ]}}"};
    mongo_schema s = {0};
    etlc_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(page(&s, d, 4, 0, &b, &err), 0);
    assert_int_equal(b->cols[0].def.type, ETLC_TYPE_JSON);
    assert_text(b, 0, 3, "{\"s p\":\"a \\\" b\\\\\",\"t\":[]}"); /* blanks in strings kept */
    assert_text(b, 0, 0, "1");
    assert_text(b, 0, 1, "\"one\"");
    assert_text(b, 0, 2, "{\"x\":true}");
    etlc_batch_free(b);
    etlc__mongo_schema_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decimal128_is_exact_decimal_text),
        cmocka_unit_test(other_types_map_as_documented),
        cmocka_unit_test(later_pages_keep_the_first_pages_columns),
        cmocka_unit_test(mixed_kinds_on_the_first_page_are_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
