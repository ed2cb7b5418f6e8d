/* Redaction under hostile input (issue 15): messages are redacted whole and
 * only then cut (a canary moved across every cut point: class 2), the
 * result's query is redacted like the Parquet footer (class 3), redaction
 * leaves ordinary words alone (class 4), and a URL password with an
 * unencoded reserved character gets one clear message (class 16). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "core/internal.h"
#include "sinks/format_reader.h"
#include "net/http.h"

#define CANARY "Xq9CutCanary7Secret"

/* Does s hold the n bytes at piece? */
static bool holds(const char *s, const char *piece, size_t n)
{
    for (; *s; s++)
        if (strncmp(s, piece, n) == 0)
            return true;
    return false;
}

/* No 4-character piece of the canary is in msg. */
static void assert_no_piece(const char *msg, size_t at)
{
    size_t n = strlen(CANARY);
    for (size_t i = 0; i + 4 <= n; i++)
        if (holds(msg, CANARY + i, 4))
            fail_msg("canary at offset %zu: piece '%.4s' survived in: %s", at, CANARY + i, msg);
}

/* `pad` filler characters, then the canary, then more text. */
static char *padded(size_t pad)
{
    char *s = malloc(pad + sizeof CANARY + 32);
    memset(s, 'h', pad);
    strcpy(s + pad, CANARY " and the rest");
    return s;
}

/* Class 2: etlc_error_set, etlc_error_prefix and the fixed-size detail
 * helper, with the canary at every offset around their cut points. */
static void canary_across_every_cut_point(void **state)
{
    (void)state;
    etlc_redact_register_secret(CANARY);
    for (size_t pad = 0; pad < ETLC_ERROR_MESSAGE_MAX + 40; pad++) {
        char *s = padded(pad);
        etlc_error err = {0};
        etlc_error_set(&err, ETLC_QUERY, "server said: %s", s);
        assert_no_piece(err.message, pad);
        assert_true(strlen(err.message) < ETLC_ERROR_MESSAGE_MAX);
        /* the prefix path: a long prefix carrying the canary before a message */
        etlc_error_set(&err, ETLC_QUERY, "inner message");
        etlc_error_prefix(&err, "%s", s);
        assert_no_piece(err.message, pad);
        /* a short message already cut, then prefixed: still whole-redacted */
        etlc_error_set(&err, ETLC_QUERY, "%s", s);
        etlc_error_prefix(&err, "ctx");
        assert_no_piece(err.message, pad);
        char detail[256];
        etlc__format_redacted_into(detail, sizeof detail, "health query failed: %s", s);
        assert_no_piece(detail, pad);
        free(s);
    }
}

/* Class 2: a driver that cut its message at its buffer's end (libmariadb's
 * 512 bytes, curl's 256) may leave the start of a secret at the end; an
 * HTTP error body is redacted whole before its excerpt is cut. */
static void driver_cuts_and_body_excerpts(void **state)
{
    (void)state;
    etlc_redact_register_secret(CANARY);
    const size_t cap = 512;
    for (size_t keep = 3; keep < strlen(CANARY); keep++) {
        char msg[512];
        memset(msg, 'm', cap - 1 - keep);
        memcpy(msg + cap - 1 - keep, CANARY, keep); /* the driver cut the canary after `keep` bytes */
        msg[cap - 1] = '\0';
        char *whole = etlc__redact_driver_message(msg, cap);
        etlc_error err = {0};
        etlc_error_set(&err, ETLC_QUERY, "mysql: %s", whole);
        free(whole);
        for (size_t i = 0; i + 3 <= keep; i++)
            if (holds(err.message, CANARY + i, 3))
                fail_msg("cut after %zu bytes: '%.3s' survived: %s", keep, CANARY + i, err.message);
    }
    /* a message that did not fill the buffer is left as it is */
    char *same = etlc__redact_driver_message("ends with Xq9", cap);
    assert_string_equal(same, "ends with Xq9");
    free(same);
    for (size_t pad = 180; pad < 230; pad++) {
        char *s = padded(pad);
        etlc__buf b = {0};
        assert_int_equal(etlc__http_body_excerpt(&b, s, strlen(s), 200), 0);
        assert_no_piece(b.data, pad);
        etlc__buf_free(&b);
        free(s);
    }
}

/* Class 2: a reader's conversion error shows at most 60 characters of the
 * value; the value is redacted before that cut. */
static void reader_value_cut_after_redaction(void **state)
{
    (void)state;
    etlc_redact_register_secret(CANARY);
    char *dir = tu_tempdir("redact-cut");
    char path[4200];
    snprintf(path, sizeof path, "%s/v.csv", dir);
    for (size_t pad = 40; pad < 80; pad++) {
        char *s = padded(pad);
        etlc__buf text = {0};
        assert_int_equal(etlc__buf_printf(&text, "a\n%s\n", s), 0);
        assert_int_equal(tu_write_file(path, text.data), 0);
        etlc__buf_free(&text);
        etlc__format_reader_options o = {.columns = "a:int64"};
        etlc__format_reader *r = NULL;
        etlc_error err = {0};
        const etlc_batch *b = NULL;
        int rc = etlc__format_reader_open_path(path, &o, &r, &err);
        if (rc == 0)
            rc = etlc__format_reader_next(r, &b, &err);
        etlc__format_reader_free(r);
        assert_int_equal(rc, ETLC_DATA_TYPE);
        assert_no_piece(err.message, pad);
        free(s);
    }
    tu_rmtree(dir);
    free(dir);
}

/* Class 3: the result keeps the query redacted, so its JSON agrees with
 * the Parquet footer and the logs. */
static void result_query_is_redacted(void **state)
{
    (void)state;
    etlc_redact_register_secret(CANARY);
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_result_new("postgres", "db", "SELECT '" CANARY "' AS k, 'x' AS password=hunter2Zz",
                                     &r, &err), 0);
    char *json = NULL;
    assert_int_equal(etlc_result_to_json(r, false, &json, &err), 0);
    assert_no_piece(json, 0);
    assert_null(strstr(json, "hunter2Zz"));
    assert_non_null(strstr(json, "SELECT '***' AS k"));
    /* the same text the Parquet footer gets */
    char *footer = etlc_redact_dup("SELECT '" CANARY "' AS k, 'x' AS password=hunter2Zz");
    assert_non_null(strstr(json, footer));
    free(footer);
    free(json);
    etlc_result_free(r);
}

/* Class 4: redaction does not eat ordinary words. The S3 message of the
 * issue, sentences that name secret words, and short or common values
 * registered as secrets. */
static void ordinary_words_survive(void **state)
{
    (void)state;
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    etlc_lake_s3_options o = {.bucket = "some-bucket", .endpoint = "http://127.0.0.1:9", .path_style = true};
    etlc_lake *lake = NULL;
    etlc_error err = {0};
    int rc = etlc_lake_open_s3(&o, &lake, &err);
    if (rc != ETLC_NOT_BUILT_IN) {
        assert_int_equal(rc, ETLC_CONFIG_MISSING_KEY);
        assert_non_null(strstr(err.message, "needs credentials: set access_key_id and secret_access_key"));
    }
    static const char *const prose[] = {
        "S3 lake s3://b needs credentials: set access_key_id and secret_access_key",
        "the password: must be given with the separate key",
        "token: missing from the response",
        "credentials: none were found in the environment",
        "metadata for the dataset and the database was read",
        "SELECT * FROM passwords_table WHERE bypass = 1",
    };
    /* Values that must never be registered: too short, or common words. */
    etlc_redact_register_secret("");
    etlc_redact_register_secret("set");
    etlc_redact_register_secret("and");
    etlc_redact_register_secret("none");
    etlc_redact_register_secret("password");
    for (size_t i = 0; i < sizeof prose / sizeof prose[0]; i++) {
        char *out = etlc_redact_dup(prose[i]);
        if (strcmp(out, prose[i]) != 0)
            fail_msg("ordinary text changed:\n  %s\n  %s", prose[i], out);
        free(out);
    }
    etlc_redact_register_secret("Zq4x");
    char *out = etlc_redact_dup("the key is Zq4x, password: Zk8-value, token=abc123XY, none: Qv");
    assert_string_equal(out, "the key is ***, password: ***, token=***, none: Qv");
    free(out);
}

/* Class 16: every reserved character in every position of a password
 * gives the percent-encoding message naming the separate key, and never
 * quotes the URL; encoded, the same password passes. */
static void url_reserved_characters_in_passwords(void **state)
{
    (void)state;
    static const char reserved[] = {'#', '/', '?', '@'};
    const char *pw = "Zk5qXv9J";
    for (size_t r = 0; r < sizeof reserved; r++) {
        for (size_t at = 0; at <= strlen(pw); at++) {
            for (int last_at = 0; last_at < 2; last_at++) {
                char url[200], bad[40];
                snprintf(bad, sizeof bad, "%.*s%c%s", (int)at, pw, reserved[r], pw + at);
                snprintf(url, sizeof url, "mysql://ann:%s@db.example:3306/shop", bad);
                etlc_error err = {0};
                int rc = etlc__url_check_userinfo(url, "MySQL", last_at, &err);
                if (reserved[r] == '@' && last_at) {
                    assert_int_equal(rc, 0); /* this parser splits at the last '@' */
                    continue;
                }
                if (rc != ETLC_CONFIG_RANGE)
                    fail_msg("%s: accepted", url);
                assert_non_null(strstr(err.message, "must be percent-encoded"));
                assert_non_null(strstr(err.message, "'password' key"));
                assert_null(strstr(err.message, "ann"));
                assert_null(strstr(err.message, "db.example"));
                for (size_t i = 0; i + 3 <= strlen(pw); i++)
                    assert_false(holds(err.message, pw + i, 3));
            }
        }
    }
    etlc_error err = {0};
    assert_int_equal(etlc__url_check_userinfo("mysql://ann:pa%23s%2F%3F%40w@db:3306/shop", "MySQL", false, &err), 0);
    assert_int_equal(etlc__url_check_userinfo("postgresql://db/shop?user=me@corp&sslmode=disable", "PostgreSQL", false, &err), 0);
    assert_int_equal(etlc__url_check_userinfo("postgresql://ann:p%zzw@db/shop", "PostgreSQL", false, &err), ETLC_CONFIG_RANGE);
    assert_null(strstr(err.message, "%zz"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(canary_across_every_cut_point),
        cmocka_unit_test(reader_value_cut_after_redaction),
        cmocka_unit_test(driver_cuts_and_body_excerpts),
        cmocka_unit_test(result_query_is_redacted),
        cmocka_unit_test(url_reserved_characters_in_passwords),
        cmocka_unit_test(ordinary_words_survive), /* last: it registers short values */
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
