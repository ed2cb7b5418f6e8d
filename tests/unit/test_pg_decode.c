/* PostgreSQL wire decoding without a server: the binary COPY parser fed in
 * every possible split, malformed streams, binary numeric to text, error
 * mapping by SQLSTATE, and the options table. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "connectors/postgres/pg_internal.h"

static void put16(etlc__buf *b, int v)
{
    unsigned char x[2] = {(unsigned char)(v >> 8), (unsigned char)v};
    etlc__buf_append(b, x, 2);
}
static void put32(etlc__buf *b, int32_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v};
    etlc__buf_append(b, x, 4);
}

/* header, ("ab", NULL), ("", "xyz"), trailer */
static void sample_stream(etlc__buf *b)
{
    etlc__buf_append(b, "PGCOPY\n\377\r\n\0", 11);
    put32(b, 0);
    put32(b, 3); /* a header extension the parser must skip */
    etlc__buf_append(b, "ext", 3);
    put16(b, 2); put32(b, 2); etlc__buf_append(b, "ab", 2); put32(b, -1);
    put16(b, 2); put32(b, 0); put32(b, 3); etlc__buf_append(b, "xyz", 3);
    put16(b, -1);
}

static int collect(void *ud, const pg_copy_field *f, size_t n, etlc_error *err)
{
    (void)err;
    etlc__buf *out = ud;
    for (size_t i = 0; i < n; i++) {
        if (f[i].data)
            etlc__buf_append(out, f[i].data, f[i].len);
        else
            etlc__buf_puts(out, "<null>");
        etlc__buf_putc(out, i + 1 < n ? ',' : ';');
    }
    return 0;
}

static void copy_parser_handles_every_split(void **state)
{
    (void)state;
    etlc__buf s = {0};
    sample_stream(&s);
    for (size_t cut1 = 0; cut1 <= s.len; cut1++)
        for (size_t cut2 = cut1; cut2 <= s.len; cut2 += 3) {
            pg_copy_parser p;
            etlc_error err = {0};
            etlc__buf out = {0};
            assert_int_equal(etlc__pg_copy_init(&p, 2, &err), 0);
            assert_int_equal(etlc__pg_copy_feed(&p, s.data, cut1, collect, &out, &err), 0);
            assert_int_equal(etlc__pg_copy_feed(&p, s.data + cut1, cut2 - cut1, collect, &out, &err), 0);
            assert_int_equal(etlc__pg_copy_feed(&p, s.data + cut2, s.len - cut2, collect, &out, &err), 0);
            assert_int_equal(etlc__pg_copy_finish(&p, &err), 0);
            assert_string_equal(out.data, "ab,<null>;,xyz;");
            etlc__buf_free(&out);
            etlc__pg_copy_free(&p);
        }
    etlc__buf_free(&s);
}

static void copy_parser_rejects_malformed_streams(void **state)
{
    (void)state;
    etlc__buf s = {0};
    sample_stream(&s);
    struct { size_t at; unsigned char byte; const char *why; } corruptions[] = {
        {0, 'X', "signature"},
        {23, 9, "number of fields"}, /* first tuple's field count (bytes 22-23): 2 -> 9 */
    };
    for (size_t i = 0; i < ETLC__ARRAY_LEN(corruptions); i++) {
        char *copy = malloc(s.len);
        memcpy(copy, s.data, s.len);
        copy[corruptions[i].at] = (char)corruptions[i].byte;
        pg_copy_parser p;
        etlc_error err = {0};
        etlc__buf out = {0};
        etlc__pg_copy_init(&p, 2, &err);
        assert_int_equal(etlc__pg_copy_feed(&p, copy, s.len, collect, &out, &err), ETLC_PROTOCOL);
        assert_non_null(strstr(err.message, corruptions[i].why));
        etlc__buf_free(&out);
        etlc__pg_copy_free(&p);
        free(copy);
    }
    /* truncated: no trailer */
    pg_copy_parser p;
    etlc_error err = {0};
    etlc__buf out = {0};
    etlc__pg_copy_init(&p, 2, &err);
    assert_int_equal(etlc__pg_copy_feed(&p, s.data, s.len - 5, collect, &out, &err), 0);
    assert_int_equal(etlc__pg_copy_finish(&p, &err), ETLC_PROTOCOL);
    assert_non_null(strstr(err.message, "inside a row"));
    etlc__pg_copy_free(&p);
    etlc__buf_free(&out);
    /* negative field length other than -1 */
    etlc__buf bad = {0};
    etlc__buf_append(&bad, s.data, 22); /* the header */
    put16(&bad, 2); put32(&bad, -7);
    etlc__pg_copy_init(&p, 2, &err);
    assert_int_equal(etlc__pg_copy_feed(&p, bad.data, bad.len, collect, &out, &err), ETLC_PROTOCOL);
    etlc__pg_copy_free(&p);
    etlc__buf_free(&bad);
    etlc__buf_free(&out);
    etlc__buf_free(&s);
}

static void numeric(const int16_t *words, size_t nwords, const char *expect, int expect_rc)
{
    etlc__buf in = {0}, out = {0};
    for (size_t i = 0; i < nwords; i++)
        put16(&in, words[i]);
    int rc = etlc__pg_numeric_to_text((const unsigned char *)in.data, in.len, &out);
    assert_int_equal(rc, expect_rc);
    if (expect)
        assert_string_equal(out.data, expect);
    etlc__buf_free(&in);
    etlc__buf_free(&out);
}

static void numeric_binary_to_text(void **state)
{
    (void)state;
    /* ndigits, weight, sign, dscale, digits... */
    numeric((int16_t[]){0, 0, 0, 0}, 4, "0", 0);
    numeric((int16_t[]){0, 0, 0, 2}, 4, "0.00", 0);
    numeric((int16_t[]){2, 0, 0x4000, 2, 12, 3400}, 6, "-12.34", 0);
    numeric((int16_t[]){1, -2, 0, 8, 1234}, 5, "0.00001234", 0);   /* weight -2: 10^-8 group */
    numeric((int16_t[]){1, 2, 0, 0, 5}, 5, "500000000", 0);         /* trailing zero groups omitted */
    numeric((int16_t[]){3, 1, 0, 3, 1, 2, 5000}, 7, "10002.500", 0); /* dscale cuts inside a group */
    numeric((int16_t[]){0, 0, (int16_t)0xC000, 0}, 4, NULL, -2);    /* NaN */
    numeric((int16_t[]){0, 0, (int16_t)0xD000, 0}, 4, NULL, -3);    /* +Infinity */
    numeric((int16_t[]){1, 0, 0, 0, 10000}, 5, NULL, -1);           /* digit out of range */
    numeric((int16_t[]){2, 0, 0, 0, 1}, 5, NULL, -1);               /* length disagrees with ndigits */
    numeric((int16_t[]){0, 0}, 2, NULL, -1);                        /* short */
}

static void sqlstates_map_to_codes(void **state)
{
    (void)state;
    bool retry;
    assert_int_equal(etlc__pg_sqlstate_code("28P01", &retry), ETLC_AUTH);
    assert_false(retry);
    assert_int_equal(etlc__pg_sqlstate_code("3D000", &retry), ETLC_CONNECT_NOT_FOUND);
    assert_int_equal(etlc__pg_sqlstate_code("57014", &retry), ETLC_TIMEOUT);
    assert_int_equal(etlc__pg_sqlstate_code("42P01", &retry), ETLC_QUERY);
    assert_false(retry);
    assert_int_equal(etlc__pg_sqlstate_code("40001", &retry), ETLC_QUERY);
    assert_true(retry);
    assert_int_equal(etlc__pg_sqlstate_code("40P01", &retry), ETLC_BUSY);
    assert_true(retry);
    assert_int_equal(etlc__pg_sqlstate_code("08006", &retry), ETLC_CONNECT);
    assert_true(retry);
    assert_int_equal(etlc__pg_sqlstate_code("53100", &retry), ETLC_IO_NO_SPACE);
    assert_int_equal(etlc__pg_sqlstate_code("42501", &retry), ETLC_AUTH_DENIED);
}

static void typmods_give_precision_and_scale(void **state)
{
    (void)state;
    pg_column c;
    etlc__pg_column_init(&c, PG_OID_NUMERIC, ((10 << 16) | 2) + 4);
    assert_int_equal(c.type, ETLC_TYPE_DECIMAL);
    assert_int_equal(c.precision, 10);
    assert_int_equal(c.scale, 2);
    etlc__pg_column_init(&c, PG_OID_NUMERIC, -1);
    assert_int_equal(c.precision, 0);
    etlc__pg_column_init(&c, PG_OID_TIMESTAMPTZ, -1);
    assert_int_equal(c.type, ETLC_TYPE_TIMESTAMP);
    etlc__pg_column_init(&c, 869 /* inet: decoded as its text */, -1);
    assert_int_equal(c.type, ETLC_TYPE_TEXT);
}

static void options_validate_and_password_is_secret(void **state)
{
    (void)state;
    etlc_kv bad_port[] = {{"database", "x"}, {"port", "70000"}};
    etlc_config_sources src = {.env_prefix = "", .overrides = bad_port, .overrides_len = 2};
    etlc_config *cfg = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_load_connection_config("postgres", &src, &cfg, &err), ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "port"));
    etlc_kv bad_mode[] = {{"sslmode", "sometimes"}};
    src.overrides = bad_mode;
    src.overrides_len = 1;
    assert_int_equal(etlc_load_connection_config("postgres", &src, &cfg, &err), ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "verify-full"));
    etlc_kv ok[] = {{"database", "d"}, {"password", "Sekrit-Passw0rd"},
                    {"url", "postgresql://u:UrlSekrit-99@h/db"}};
    src.overrides = ok;
    src.overrides_len = 3;
    assert_int_equal(etlc_load_connection_config("pg", &src, &cfg, &err), ETLC_OK);
    char *json = NULL;
    assert_int_equal(etlc_config_to_json(cfg, &json, &err), ETLC_OK);
    assert_null(strstr(json, "Sekrit-Passw0rd"));
    assert_null(strstr(json, "UrlSekrit-99"));
    free(json);
    /* conninfo: the password only in the keyword array, defaults before the url */
    const char **keys = NULL;
    char **values = NULL;
    int expand = 0;
    assert_int_equal(etlc__pg_conninfo(cfg, &keys, &values, &expand, &err), ETLC_OK);
    assert_int_equal(expand, 1);
    int url_at = -1, host_at = -1, pw_at = -1;
    for (int i = 0; keys[i]; i++) {
        if (strcmp(keys[i], "dbname") == 0 && strncmp(values[i], "postgresql://", 13) == 0)
            url_at = i;
        if (strcmp(keys[i], "host") == 0)
            host_at = i;
        if (strcmp(keys[i], "password") == 0)
            pw_at = i;
    }
    assert_true(url_at >= 0 && host_at >= 0 && pw_at >= 0);
    assert_true(host_at < url_at); /* default host: the url overrides it */
    assert_true(pw_at > url_at);   /* explicitly set password: overrides the url's */
    char msg[200];
    etlc_redact("url postgresql://u:UrlSekrit-99@h/db password Sekrit-Passw0rd", msg, sizeof msg);
    assert_null(strstr(msg, "Sekrit"));
    etlc__pg_conninfo_free(keys, values);
    etlc_config_free(cfg);
    /* the url must be a postgresql:// URL */
    etlc_kv notes[] = {{"url", "host=x password=y"}};
    src.overrides = notes;
    src.overrides_len = 1;
    assert_int_equal(etlc_load_connection_config("postgres", &src, &cfg, &err), ETLC_OK);
    assert_int_equal(etlc__pg_conninfo(cfg, &keys, &values, &expand, &err), ETLC_CONFIG_RANGE);
    assert_null(strstr(err.message, "password=y"));
    etlc_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(copy_parser_handles_every_split),
        cmocka_unit_test(copy_parser_rejects_malformed_streams),
        cmocka_unit_test(numeric_binary_to_text),
        cmocka_unit_test(sqlstates_map_to_codes),
        cmocka_unit_test(typmods_give_precision_and_scale),
        cmocka_unit_test(options_validate_and_password_is_secret),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
