/* The cassandra connector's CQL v4 decoding without a server: a real Rows
 * frame (captured from Cassandra 5.0.6, tests/fuzz/corpus/cassandra_frame)
 * decoded to typed columns, then cut at every length (each cut must fail
 * cleanly: a frame is length-checked before its body is allocated and
 * every read is bounds-checked), header checks, lying counts, LZ4 bodies,
 * varint/decimal text, bound values from text, and the error-code map. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/cassandra/cql_internal.h"

static uint8_t *seed(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/cassandra_frame/seed-%s", ETLCONN_SOURCE_DIR, name);
    uint8_t *d = (uint8_t *)tu_read_file(path, len);
    assert_non_null(d);
    return d;
}

static int decode_rows(const uint8_t *d, size_t len, etlc_batch **b, etlc_error *err)
{
    cql_resp resp;
    uint8_t *next = NULL;
    size_t nl;
    int rc = etlc__cql_frame_decode(d, len, CQL_MAX_FRAME, &resp, err);
    if (rc == 0)
        rc = etlc__cql_result_rows(&resp, b, &next, &nl, err);
    free(next);
    etlc__cql_resp_free(&resp);
    return rc;
}

static size_t col(const etlc_batch *b, const char *name)
{
    for (size_t i = 0; i < b->ncols; i++)
        if (strcmp(b->cols[i].def.name, name) == 0)
            return i;
    fail_msg("no column %s", name);
    return 0;
}

static void assert_var(const etlc_batch *b, size_t row, const char *name, const char *want)
{
    size_t len;
    const uint8_t *v = etlc_column_var(&b->cols[col(b, name)], row, &len);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(v, want, len);
}

static void test_rows_every_type(void **state)
{
    (void)state;
    size_t len;
    uint8_t *d = seed("rows_alltypes", &len);
    etlc_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(decode_rows(d, len, &b, &err), 0);
    assert_int_equal(b->nrows, 3);
    size_t r = 0;
    while (r < 3 && b->cols[col(b, "id")].fixed.i64[r] != 1)
        r++;
    assert_true(r < 3);
    assert_var(b, r, "t", "t\xc3\xabxt");
    assert_var(b, r, "vi", "-123456789012345678901234567890");
    assert_var(b, r, "de", "-1.50");
    assert_var(b, r, "tm", "12:34:56.123456789");
    assert_var(b, r, "u", "12345678-1234-5678-9abc-def012345678");
    assert_var(b, r, "ip", "::1");
    assert_var(b, r, "du", "{\"months\":1,\"days\":2,\"nanoseconds\":3}");
    assert_var(b, r, "li", "[3,1]");
    assert_var(b, r, "ma", "{\"k\":1}");
    assert_var(b, r, "tup", "[7,\"seven\"]");
    assert_var(b, r, "ad", "{\"street\":\"Main\",\"zip\":1}");
    assert_var(b, r, "nested", "{\"n\":[1,2]}");
    assert_int_equal(b->cols[col(b, "bi")].fixed.i64[r], -5);
    assert_int_equal(b->cols[col(b, "ti")].fixed.i64[r], -3);
    assert_int_equal(b->cols[col(b, "ts")].fixed.i64[r], 1709210096789000LL);
    assert_int_equal(b->cols[col(b, "dt")].fixed.i32[r], -165);
    assert_int_equal(b->cols[col(b, "ts")].def.type, ETLC_TYPE_TIMESTAMP);
    assert_int_equal(b->cols[col(b, "ad")].def.type, ETLC_TYPE_JSON);
    etlc_batch_free(b);
    free(d);
}

/* Every prefix of real frames fails cleanly (ASan checks no over-read). */
static void test_truncated_frames(void **state)
{
    (void)state;
    const char *names[] = {"rows_alltypes", "prepared", "rows_paged", "error_syntax", "rows_warning"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        size_t len;
        uint8_t *d = seed(names[k], &len);
        for (size_t cut = 0; cut < len; cut++) {
            uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any over-read */
            memcpy(copy, d, cut);
            etlc_error err = {0};
            etlc_batch *b = NULL;
            int rc = decode_rows(copy, cut, &b, &err);
            assert_int_not_equal(rc, 0);
            assert_int_equal(err.code, ETLC_PROTOCOL);
            assert_null(b);
            free(copy);
        }
        /* the body cut but the header's length fixed to match: the decoders must catch it */
        for (size_t cut = CQL_HEADER_LEN; cut < len; cut++) {
            uint8_t *copy = malloc(cut);
            memcpy(copy, d, cut);
            uint32_t bl = (uint32_t)(cut - CQL_HEADER_LEN);
            copy[5] = (uint8_t)(bl >> 24), copy[6] = (uint8_t)(bl >> 16), copy[7] = (uint8_t)(bl >> 8), copy[8] = (uint8_t)bl;
            etlc_error err = {0};
            etlc_batch *b = NULL;
            cql_resp resp;
            if (etlc__cql_frame_decode(copy, cut, CQL_MAX_FRAME, &resp, &err) == 0) {
                uint8_t *next = NULL;
                size_t nl;
                if (resp.h.opcode == CQL_OP_ERROR)
                    etlc__cql_error_from_body(&resp.r, "t", &err);
                else if (etlc__cql_result_rows(&resp, &b, &next, &nl, &err) == 0)
                    etlc_batch_free(b);
                free(next);
                etlc__cql_resp_free(&resp);
            }
            free(copy);
        }
        free(d);
    }
}

static void test_header_checks(void **state)
{
    (void)state;
    uint8_t h[CQL_HEADER_LEN];
    cql_header hd;
    etlc_error err = {0};
    etlc__cql_header_write(h, CQL_V4, 0, 0, CQL_OP_RESULT, 1000);
    h[0] = 0x84;
    assert_int_equal(etlc__cql_header_parse(h, CQL_V4, 999, &hd, &err), ETLC_PROTOCOL); /* over the limit */
    assert_non_null(strstr(err.message, "max_frame_size"));
    assert_int_equal(etlc__cql_header_parse(h, CQL_V4, 1000, &hd, &err), 0);
    /* a v4 RESULT on a v5 connection is out of step */
    assert_int_equal(etlc__cql_header_parse(h, CQL_V5, 1000, &hd, &err), ETLC_PROTOCOL);
    assert_non_null(strstr(err.message, "v4"));
    h[0] = 0x83;
    assert_int_equal(etlc__cql_header_parse(h, CQL_V4, 1000, &hd, &err), ETLC_PROTOCOL);
    assert_non_null(strstr(err.message, "v3"));
    h[0] = 0x04; /* a request frame */
    assert_int_equal(etlc__cql_header_parse(h, CQL_V4, 1000, &hd, &err), ETLC_PROTOCOL);
    h[0] = 0x84;
    h[4] = 0x42;
    assert_int_equal(etlc__cql_header_parse(h, CQL_V4, 1000, &hd, &err), ETLC_PROTOCOL);
    /* an ERROR in v4 or v3 answering v5 is a refusal: let through so its words can be read */
    h[4] = CQL_OP_ERROR;
    assert_int_equal(etlc__cql_header_parse(h, CQL_V5, 1000, &hd, &err), 0);
    h[0] = 0x83;
    assert_int_equal(etlc__cql_header_parse(h, CQL_V5, 1000, &hd, &err), 0);
    h[0] = 0x82; /* v2 headers are 8 bytes: not readable as a refusal */
    assert_int_equal(etlc__cql_header_parse(h, CQL_V5, 1000, &hd, &err), ETLC_PROTOCOL);
    etlc__cql_header_write(h, CQL_V4, 0, 0, CQL_OP_RESULT, 0xFFFFFFFFu);
    h[0] = 0x84;
    assert_int_equal(etlc__cql_header_parse(h, CQL_V4, 0xFFFFFFFFu, &hd, &err), ETLC_PROTOCOL); /* 256 MB cap */
    etlc__cql_header_write(h, CQL_V5, 0, 0, CQL_OP_RESULT, 10);
    assert_int_equal(h[0], 0x05);
}

/* A Rows body claiming more rows than its bytes can hold fails before sizing a batch. */
static void test_lying_row_count(void **state)
{
    (void)state;
    etlc__buf f = {0};
    etlc__buf_append(&f, "\x84\x00\x00\x00\x08\x00\x00\x00\x00", 9);
    etlc__cql_wr_i32(&f, 2);             /* kind Rows */
    etlc__cql_wr_i32(&f, 1);             /* flags: global spec */
    etlc__cql_wr_i32(&f, 1);             /* one column */
    etlc__cql_wr_string(&f, "ks", 2);
    etlc__cql_wr_string(&f, "t", 1);
    etlc__cql_wr_string(&f, "c", 1);
    etlc__cql_wr_u16(&f, CQL_T_INT);
    etlc__cql_wr_i32(&f, 0x7FFFFFFF);    /* rows */
    etlc__cql_wr_i32(&f, 4);
    etlc__cql_wr_i32(&f, 42);
    uint32_t bl = (uint32_t)(f.len - 9);
    f.data[8] = (char)bl;
    etlc_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(decode_rows((uint8_t *)f.data, f.len, &b, &err), ETLC_PROTOCOL);
    assert_non_null(strstr(err.message, "rows claimed"));
    /* the true count decodes */
    memcpy(f.data + f.len - 12, "\0\0\0\1", 4);
    assert_int_equal(decode_rows((uint8_t *)f.data, f.len, &b, &err), 0);
    assert_int_equal(b->nrows, 1);
    assert_int_equal(b->cols[0].fixed.i64[0], 42);
    etlc_batch_free(b);
    etlc__buf_free(&f);
}

static void test_lz4_bodies(void **state)
{
    (void)state;
    const char *text = "abcabcabcabcabcabcabcabcabcabc hello hello hello";
    etlc__buf z = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__cql_lz4_compress((const uint8_t *)text, strlen(text), &z, &err), 0);
    uint8_t *out;
    size_t n;
    assert_int_equal(etlc__cql_lz4_decompress((uint8_t *)z.data, z.len, 1 << 20, &out, &n, &err), 0);
    assert_int_equal(n, strlen(text));
    assert_memory_equal(out, text, n);
    free(out);
    /* a stated size over the limit is refused before allocation; a wrong one fails */
    assert_int_equal(etlc__cql_lz4_decompress((uint8_t *)z.data, z.len, 10, &out, &n, &err), ETLC_PROTOCOL);
    z.data[3]++;
    assert_int_equal(etlc__cql_lz4_decompress((uint8_t *)z.data, z.len, 1 << 20, &out, &n, &err), ETLC_PROTOCOL);
    etlc__buf_free(&z);
}

static void varint_is(const uint8_t *p, size_t n, const char *want)
{
    etlc__buf b = {0};
    assert_int_equal(etlc__cql_varint_text(&b, p, n), 0);
    assert_string_equal(b.data, want);
    etlc__buf_free(&b);
}

static void test_numbers_text(void **state)
{
    (void)state;
    varint_is((const uint8_t *)"\x00\x80", 2, "128");
    varint_is((const uint8_t *)"\xff", 1, "-1");
    varint_is((const uint8_t *)"\xff\x7f", 2, "-129");
    varint_is((const uint8_t *)"\x80\x00\x00\x00\x00\x00\x00\x00", 8, "-9223372036854775808");
    varint_is((const uint8_t *)"\x3b\x9a\xca\x00", 4, "1000000000");
    etlc__buf b = {0};
    assert_int_equal(etlc__cql_decimal_text(&b, (const uint8_t *)"\0\0\0\2\xff\x6a", 6), 0);
    assert_string_equal(b.data, "-1.50");
    etlc__buf_reset(&b);
    assert_int_equal(etlc__cql_decimal_text(&b, (const uint8_t *)"\0\0\0\5\x07", 5), 0);
    assert_string_equal(b.data, "0.00007");
    etlc__buf_reset(&b);
    assert_int_equal(etlc__cql_decimal_text(&b, (const uint8_t *)"\xff\xff\xff\xfe\x07", 5), 0);
    assert_string_equal(b.data, "700");
    etlc__buf_reset(&b);
    assert_int_equal(etlc__cql_decimal_text(&b, (const uint8_t *)"\0\0", 2), -1);
    etlc__buf_free(&b);
}

/* Text -> bound value -> the decoder's text again. */
static void test_bind_round_trip(void **state)
{
    (void)state;
    const struct { uint16_t id; const char *in, *out; } cases[] = {
        {CQL_T_VARINT, "-129", "-129"}, {CQL_T_VARINT, "123456789012345678901234567890", "123456789012345678901234567890"},
        {CQL_T_DECIMAL, "-1.50", "-1.50"}, {CQL_T_DECIMAL, "42", "42"}, {CQL_T_VARINT, "0", "0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        cql_type t = {.id = cases[i].id};
        etlc__buf v = {0}, txt = {0};
        etlc_error err = {0};
        assert_int_equal(etlc__cql_bind_text(&v, &t, "p", cases[i].in, &err), 0);
        uint8_t *p = (uint8_t *)v.data + 4;
        size_t n = v.len - 4;
        assert_int_equal(t.id == CQL_T_VARINT ? etlc__cql_varint_text(&txt, p, n) : etlc__cql_decimal_text(&txt, p, n), 0);
        assert_string_equal(txt.data, cases[i].out);
        etlc__buf_free(&v);
        etlc__buf_free(&txt);
    }
    cql_type t = {.id = CQL_T_INT};
    etlc__buf v = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__cql_bind_text(&v, &t, "n", "2147483648", &err), ETLC_DATA_TYPE);
    assert_non_null(strstr(err.message, "\"n\""));
    cql_type l = {.id = CQL_T_LIST};
    assert_int_equal(etlc__cql_bind_text(&v, &l, "xs", "[1]", &err), ETLC_UNSUPPORTED);
    etlc__buf_free(&v);
}

static void error_is(int32_t code, int etlc, bool retryable)
{
    etlc__buf b = {0};
    etlc__cql_wr_i32(&b, code);
    etlc__cql_wr_string(&b, "server says no", 14);
    cql_rd r = {(uint8_t *)b.data, (uint8_t *)b.data + b.len};
    etlc_error err = {0};
    assert_int_equal(etlc__cql_error_from_body(&r, "QUERY", &err), etlc);
    assert_int_equal(err.retryable, retryable);
    assert_int_equal(err.native_code, code);
    assert_non_null(strstr(err.message, "server says no"));
    etlc__buf_free(&b);
}

static void test_error_map(void **state)
{
    (void)state;
    error_is(0x0100, ETLC_AUTH, false);
    error_is(0x1000, ETLC_BUSY, true);
    error_is(0x1001, ETLC_BUSY, true);
    error_is(0x1002, ETLC_BUSY, true);
    error_is(0x1100, ETLC_TIMEOUT, true);
    error_is(0x1200, ETLC_TIMEOUT, true);
    error_is(0x1300, ETLC_QUERY, false);
    error_is(0x2000, ETLC_QUERY, false);
    error_is(0x2100, ETLC_AUTH_DENIED, false);
    error_is(0x2200, ETLC_QUERY, false);
    error_is(0x2300, ETLC_CONFIG, false);
    error_is(0x000A, ETLC_PROTOCOL, false);
    error_is(0x7777, ETLC_QUERY, false); /* a code newer than the list */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_every_type), cmocka_unit_test(test_truncated_frames),
        cmocka_unit_test(test_header_checks),   cmocka_unit_test(test_lying_row_count),
        cmocka_unit_test(test_lz4_bodies),      cmocka_unit_test(test_numbers_text),
        cmocka_unit_test(test_bind_round_trip), cmocka_unit_test(test_error_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
