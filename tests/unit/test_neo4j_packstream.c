/* The neo4j connector's PackStream codec and the pieces around it that need
 * no server: decoding every marker, truncated and garbage input (every
 * prefix of valid messages, sizes larger than the input, deep nesting),
 * the encoder's boundaries, parameters, the URI form, the FAILURE code
 * mapping and the temporal text. The server side is tested in
 * tests/integration/test_cli_neo4j.py against a real Neo4j. */
#include "testutil.h"
#include "connectors/neo4j/neo4j_internal.h"
#include "connectors/neo4j/neo4j_temporal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int decode(n4j_msg *m, const void *p, size_t n, etlc_error *err)
{
    memset(err, 0, sizeof *err);
    return etlc__n4j_decode(m, p, n, err);
}

static void scalars(void **state)
{
    (void)state;
    static const uint8_t msg[] = {
        0x9C,                                     /* list of 12 */
        0xC0, 0xC3, 0xC2, 0x7F, 0xF0,             /* null true false 127 -16 */
        0xC8, 0x80,                               /* int8 -128 */
        0xC9, 0x80, 0x00,                         /* int16 -32768 */
        0xCA, 0x80, 0x00, 0x00, 0x00,             /* int32 min */
        0xCB, 0x80, 0, 0, 0, 0, 0, 0, 0,          /* int64 min */
        0xC1, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0,       /* 1.5 */
        0x82, 'h', 'i',                           /* "hi" */
        0xCC, 0x02, 0x00, 0xFF};                  /* bytes 00 FF */
    n4j_msg m = {0};
    etlc_error err;
    assert_int_equal(decode(&m, msg, sizeof msg, &err), ETLC_OK);
    assert_int_equal(m.vals[0].kind, N4J_LIST);
    assert_int_equal(m.vals[0].count, 12);
    assert_int_equal(m.nvals, 13);
    /* A header saying one value more (runs out) or one less (bytes left over). */
    uint8_t changed[sizeof msg];
    memcpy(changed, msg, sizeof msg);
    changed[0] = 0x9D;
    assert_int_equal(decode(&m, changed, sizeof changed, &err), ETLC_PROTOCOL);
    changed[0] = 0x9B;
    assert_int_equal(decode(&m, changed, sizeof changed, &err), ETLC_PROTOCOL);
    assert_int_equal(decode(&m, msg, sizeof msg, &err), ETLC_OK);
    const int64_t ints[] = {127, -16, -128, -32768, INT32_MIN, INT64_MIN};
    for (size_t i = 0; i < 6; i++) {
        const n4j_val *v = n4j_child(&m, &m.vals[0], 3 + i);
        assert_int_equal(v->kind, N4J_INT);
        assert_true(v->u.i == ints[i]);
    }
    assert_int_equal(n4j_child(&m, &m.vals[0], 0)->kind, N4J_NULL);
    assert_int_equal(n4j_child(&m, &m.vals[0], 1)->u.i, 1);
    assert_true(n4j_child(&m, &m.vals[0], 9)->u.f == 1.5);
    assert_true(etlc__n4j_str_eq(&m, n4j_child(&m, &m.vals[0], 10), "hi"));
    const n4j_val *by = n4j_child(&m, &m.vals[0], 11);
    assert_int_equal(by->kind, N4J_BYTES);
    assert_int_equal(by->count, 2);
    assert_memory_equal(n4j_str(&m, by), "\x00\xFF", 2);
    etlc__n4j_msg_free(&m);
}

/* A RECORD with a node, a map, a date-time and nested lists, packed by our encoder. */
static void build_record(etlc__buf *b)
{
    etlc__n4j_pack_struct(b, N4J_MSG_RECORD, 1);
    etlc__n4j_pack_header(b, N4J_LIST, 4);
    etlc__n4j_pack_struct(b, 'N', 4);
    etlc__n4j_pack_int(b, 7);
    etlc__n4j_pack_header(b, N4J_LIST, 1);
    etlc__n4j_pack_string(b, "Person", 6);
    etlc__n4j_pack_header(b, N4J_MAP, 1);
    etlc__n4j_pack_string(b, "name", 4);
    etlc__n4j_pack_string(b, "Ada", 3);
    etlc__n4j_pack_string(b, "4:db:7", 6);
    etlc__n4j_pack_header(b, N4J_MAP, 2);
    etlc__n4j_pack_string(b, "k", 1);
    etlc__n4j_pack_float(b, 0.1);
    etlc__n4j_pack_string(b, "big", 3);
    etlc__n4j_pack_int(b, INT64_MAX);
    etlc__n4j_pack_struct(b, 'I', 3);
    etlc__n4j_pack_int(b, 1714972089);
    etlc__n4j_pack_int(b, 123456789);
    etlc__n4j_pack_int(b, 7200);
    etlc__n4j_pack_header(b, N4J_LIST, 2);
    etlc__n4j_pack_header(b, N4J_LIST, 0);
    etlc__n4j_pack_bytes(b, "\x01\x02\x03", 3);
}

static void truncated_prefixes(void **state)
{
    (void)state;
    etlc__buf b = {0};
    build_record(&b);
    n4j_msg m = {0};
    etlc_error err;
    assert_int_equal(decode(&m, b.data, b.len, &err), ETLC_OK);
    etlc__buf json = {0};
    assert_int_equal(etlc__n4j_to_json(&json, &m, n4j_child(&m, &m.vals[0], 0), 0, &err), ETLC_OK);
    assert_string_equal(json.data,
                        "[{\"element_id\":\"4:db:7\",\"id\":7,\"labels\":[\"Person\"],\"properties\":{\"name\":\"Ada\"}},"
                        "{\"k\":0.1,\"big\":9223372036854775807},\"2024-05-06T07:08:09.123456789+02:00\",[[],\"AQID\"]]");
    etlc__buf_free(&json);
    for (size_t n = 0; n < b.len; n++) {
        assert_int_equal(decode(&m, b.data, n, &err), ETLC_PROTOCOL);
        assert_non_null(strstr(err.message, "malformed PackStream"));
    }
    /* Trailing garbage after a whole value. */
    etlc__buf_putc(&b, 0x00);
    assert_int_equal(decode(&m, b.data, b.len, &err), ETLC_PROTOCOL);
    etlc__n4j_msg_free(&m);
    etlc__buf_free(&b);
}

static void garbage(void **state)
{
    (void)state;
    n4j_msg m = {0};
    etlc_error err;
    /* Sizes far beyond the input: refused before any allocation of that size. */
    static const uint8_t big_list[] = {0xD6, 0xFF, 0xFF, 0xFF, 0xFF, 0xC0};
    static const uint8_t big_map[] = {0xDA, 0x7F, 0xFF, 0xFF, 0xFF};
    static const uint8_t big_str[] = {0xD2, 0xFF, 0xFF, 0xFF, 0xFF, 'a'};
    static const uint8_t big_bytes[] = {0xCE, 0x80, 0x00, 0x00, 0x00};
    static const uint8_t bad_marker[] = {0xC4};
    static const uint8_t key_not_string[] = {0xA1, 0x01, 0x02};
    static const uint8_t struct_no_tag[] = {0xB1};
    static const uint8_t short_float[] = {0xC1, 0x00, 0x00};
    const struct { const uint8_t *p; size_t n; } cases[] = {
        {big_list, sizeof big_list}, {big_map, sizeof big_map}, {big_str, sizeof big_str},
        {big_bytes, sizeof big_bytes}, {bad_marker, 1}, {key_not_string, 3}, {struct_no_tag, 1},
        {short_float, 3}, {big_list, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(decode(&m, cases[i].p, cases[i].n, &err), ETLC_PROTOCOL);
        assert_true(m.cap <= 64); /* nothing sized by the bogus length */
    }
    /* Nesting deeper than N4J_MAX_DEPTH. */
    uint8_t deep[200];
    memset(deep, 0x91, sizeof deep);
    deep[sizeof deep - 1] = 0xC0;
    assert_int_equal(decode(&m, deep, sizeof deep, &err), ETLC_PROTOCOL);
    assert_non_null(strstr(err.message, "nested too deeply"));
    assert_int_equal(decode(&m, deep + sizeof deep - 40, 40, &err), ETLC_OK);
    /* Malformed structures decode (PackStream is fine) but are refused as values. */
    static const uint8_t bad_node[] = {0xB2, 'N', 0x01, 0x02};
    assert_int_equal(decode(&m, bad_node, sizeof bad_node, &err), ETLC_OK);
    etlc__buf json = {0};
    assert_int_equal(etlc__n4j_to_json(&json, &m, &m.vals[0], 0, &err), ETLC_PROTOCOL);
    static const uint8_t bad_path[] = {0xB3, 'P', 0x90, 0x90, 0x92, 0x05, 0x00};
    assert_int_equal(decode(&m, bad_path, sizeof bad_path, &err), ETLC_OK);
    assert_int_equal(etlc__n4j_to_json(&json, &m, &m.vals[0], 0, &err), ETLC_PROTOCOL);
    static const uint8_t bad_time[] = {0xB2, 'T', 0xCB, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
    assert_int_equal(decode(&m, bad_time, sizeof bad_time, &err), ETLC_OK);
    assert_int_equal(etlc__n4j_to_json(&json, &m, &m.vals[0], 0, &err), ETLC_PROTOCOL);
    static const uint8_t unknown_struct[] = {0xB0, 'Q'};
    assert_int_equal(decode(&m, unknown_struct, sizeof unknown_struct, &err), ETLC_OK);
    assert_int_equal(etlc__n4j_to_json(&json, &m, &m.vals[0], 0, &err), ETLC_PROTOCOL);
    etlc__buf_free(&json);
    etlc__n4j_msg_free(&m);
}

static void encoder_boundaries(void **state)
{
    (void)state;
    const int64_t v[] = {-17, -16, 127, 128, -128, -129, 32767, 32768, -32769, INT32_MAX, (int64_t)INT32_MAX + 1,
                         INT64_MIN, INT64_MAX, 0};
    const size_t len[] = {2, 1, 1, 3, 2, 3, 3, 5, 5, 5, 9, 9, 9, 1};
    n4j_msg m = {0};
    etlc_error err;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        etlc__buf b = {0};
        etlc__n4j_pack_int(&b, v[i]);
        assert_int_equal(b.len, len[i]);
        assert_int_equal(decode(&m, b.data, b.len, &err), ETLC_OK);
        assert_true(m.vals[0].u.i == v[i]);
        etlc__buf_free(&b);
    }
    const size_t slen[] = {0, 15, 16, 255, 256, 65535, 65536};
    for (size_t i = 0; i < sizeof slen / sizeof slen[0]; i++) {
        char *s = malloc(slen[i] + 1);
        memset(s, 'x', slen[i]);
        etlc__buf b = {0};
        etlc__n4j_pack_string(&b, s, slen[i]);
        assert_int_equal(decode(&m, b.data, b.len, &err), ETLC_OK);
        assert_int_equal(m.vals[0].count, slen[i]);
        etlc__buf_free(&b);
        free(s);
    }
    etlc__n4j_msg_free(&m);
}

static void params(void **state)
{
    (void)state;
    etlc_param p[6] = {
        {.type = ETLC_TYPE_TEXT, .data = "age=42", .len = 6},
        {.type = ETLC_TYPE_TEXT, .data = "name=Ada Lovelace", .len = 17},
        {.type = ETLC_TYPE_TEXT, .data = "tags=[\"a\",1]", .len = 12},
        {.type = ETLC_TYPE_TEXT, .data = "zip=\"007\"", .len = 9},
        {.type = ETLC_TYPE_INT64, .i64 = -5},
        {.type = ETLC_TYPE_TEXT, .data = "no name here", .len = 12}};
    etlc__buf b = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__n4j_pack_params(&b, p, 6, &err), ETLC_OK);
    n4j_msg m = {0};
    assert_int_equal(decode(&m, b.data, b.len, &err), ETLC_OK);
    etlc__buf json = {0};
    assert_int_equal(etlc__n4j_to_json(&json, &m, &m.vals[0], 0, &err), ETLC_OK);
    assert_string_equal(json.data, "{\"age\":42,\"name\":\"Ada Lovelace\",\"tags\":[\"a\",1],\"zip\":\"007\",\"p5\":-5,"
                                   "\"p6\":\"no name here\"}");
    etlc__buf_free(&json);
    etlc__buf_free(&b);
    etlc__n4j_msg_free(&m);
}

static void uris(void **state)
{
    (void)state;
    char *host = NULL;
    int port = 0, tls = -1;
    etlc_error err = {0};
    assert_int_equal(etlc__n4j_parse_uri("bolt://db.example:7688", &host, &port, &tls, &err), ETLC_OK);
    assert_string_equal(host, "db.example");
    assert_int_equal(port, 7688);
    assert_int_equal(tls, N4J_URI_PLAIN);
    free(host);
    assert_int_equal(etlc__n4j_parse_uri("neo4j+s://[::1]", &host, &port, &tls, &err), ETLC_OK);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 7687);
    assert_int_equal(tls, N4J_URI_TLS);
    free(host);
    assert_int_equal(etlc__n4j_parse_uri("bolt+ssc://h/", &host, &port, &tls, &err), ETLC_OK);
    assert_int_equal(tls, N4J_URI_TLS_SELF_SIGNED);
    free(host);
    const char *bad[] = {"http://h", "bolt://", "bolt://h:0", "bolt://h:99999", "bolt://h:x", "bolt://[::1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(etlc__n4j_parse_uri(bad[i], &host, &port, &tls, &err), ETLC_CONFIG_RANGE);
    assert_int_equal(etlc__n4j_parse_uri("bolt://neo4j:S3cretPw@h", &host, &port, &tls, &err), ETLC_CONFIG_RANGE);
    assert_null(strstr(err.message, "S3cretPw"));
    assert_non_null(strstr(err.message, "password"));
}

static void failure_codes(void **state)
{
    (void)state;
    const struct { const char *code; int want; bool retry; } cases[] = {
        {"Neo.ClientError.Security.Unauthorized", ETLC_AUTH, false},
        {"Neo.ClientError.Security.Forbidden", ETLC_AUTH_DENIED, false},
        {"Neo.TransientError.Transaction.DeadlockDetected", ETLC_BUSY, true},
        {"Neo.TransientError.General.MemoryPoolOutOfMemoryError", ETLC_BUSY, true},
        {"Neo.ClientError.Statement.SyntaxError", ETLC_QUERY, false},
        {"Neo.ClientError.Statement.AccessMode", ETLC_QUERY, false},
        {"Neo.ClientError.Database.DatabaseNotFound", ETLC_CONNECT_NOT_FOUND, false},
        {"Neo.ClientError.Request.Invalid", ETLC_PROTOCOL, false},
        {"Neo.DatabaseError.General.UnknownError", ETLC_QUERY, false},
        {"", ETLC_QUERY, false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool retry = !cases[i].retry;
        assert_int_equal(etlc__n4j_code_for(cases[i].code, strlen(cases[i].code), &retry), cases[i].want);
        assert_int_equal(retry, cases[i].retry);
    }
    /* A whole FAILURE message (Bolt 5.7+ names the code neo4j_code). */
    etlc__buf b = {0};
    etlc__n4j_pack_struct(&b, N4J_MSG_FAILURE, 1);
    etlc__n4j_pack_header(&b, N4J_MAP, 2);
    etlc__n4j_pack_string(&b, "neo4j_code", 10);
    etlc__n4j_pack_string(&b, "Neo.ClientError.Statement.SyntaxError", 37);
    etlc__n4j_pack_string(&b, "message", 7);
    etlc__n4j_pack_string(&b, "Invalid input 'RETRN'", 21);
    n4j_msg m = {0};
    etlc_error err = {0};
    assert_int_equal(decode(&m, b.data, b.len, &err), ETLC_OK);
    assert_int_equal(etlc__n4j_failure(&m, "the query", &err), ETLC_QUERY);
    assert_non_null(strstr(err.message, "Invalid input 'RETRN'"));
    assert_non_null(strstr(err.message, "syntax"));
    etlc__buf_free(&b);
    etlc__n4j_msg_free(&m);
}

static char *text_of(const uint8_t *p, size_t n)
{
    n4j_msg m = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__n4j_decode(&m, p, n, &err), ETLC_OK);
    etlc__buf b = {0};
    int rc = etlc__n4j_temporal_text(&b, &m, &m.vals[0], &err);
    etlc__n4j_msg_free(&m);
    if (rc != ETLC_OK) {
        etlc__buf_free(&b);
        return NULL;
    }
    return etlc__buf_take(&b);
}

static void temporal_text(void **state)
{
    (void)state;
    static const uint8_t dur[] = {0xB4, 'E', 14, 3, 0xFF, 0xCA, 0x1D, 0xCD, 0x65, 0x00}; /* -1 s + 0.5 s */
    static const uint8_t time_off[] = {0xB2, 'T', 0x00, 0xC9, 0xCE, 0xC8};                  /* 00:00 -03:30 */
    static const uint8_t date_old[] = {0xB1, 'D', 0xCA, 0xFF, 0xF5, 0x05, 0x57};            /* -719529 days */
    static const uint8_t zone[] = {0xB3, 'i', 0x00, 0x00, 0x83, 'U', 'T', 'C'};
    static const uint8_t legacy_zone[] = {0xB3, 'f', 0x00, 0x00, 0x83, 'U', 'T', 'C'};
    char *s;
    assert_string_equal((s = text_of(dur, sizeof dur)), "P14M3DT-0.5S");
    free(s);
    assert_string_equal((s = text_of(time_off, sizeof time_off)), "00:00:00-03:30");
    free(s);
    assert_string_equal((s = text_of(date_old, sizeof date_old)), "-0001-12-31");
    free(s);
    assert_string_equal((s = text_of(zone, sizeof zone)), "1970-01-01T00:00:00Z[UTC]");
    free(s);
    assert_null(text_of(legacy_zone, sizeof legacy_zone));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scalars),
        cmocka_unit_test(truncated_prefixes),
        cmocka_unit_test(garbage),
        cmocka_unit_test(encoder_boundaries),
        cmocka_unit_test(params),
        cmocka_unit_test(uris),
        cmocka_unit_test(failure_codes),
        cmocka_unit_test(temporal_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
