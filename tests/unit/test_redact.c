/* Redaction canaries: planted secrets never survive the redactor. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static void check(const char *in, const char *canary, const char *must_keep)
{
    char out[2048];
    etlc_redact(in, out, sizeof out);
    if (strstr(out, canary))
        fail_msg("canary '%s' survived: %s", canary, out);
    if (must_keep && !strstr(out, must_keep))
        fail_msg("expected '%s' kept in: %s", must_keep, out);
}

static void patterns(void **state)
{
    (void)state;
    check("postgresql://alice:S3cr3tPw@db.example:5432/sales", "S3cr3tPw", "alice:***@db.example");
    check("mysql://u:p%40ss@h/db?x=1", "p%40ss", "u:***@h");
    check("host=db password=CanaryOne dbname=x", "CanaryOne", "dbname=x");
    check("PG_PASSWORD=CanaryTwo", "CanaryTwo", "PG_PASSWORD=***");
    check("{\"password\": \"Canary Three\", \"user\": \"bob\"}", "Canary Three", "\"user\": \"bob\"");
    check("client_secret: CanaryFour", "CanaryFour", NULL);
    check("Authorization: Bearer CanaryFive.abc", "CanaryFive", "Authorization: ***");
    check("sent header authorization=Basic Q2FuYXJ5U2l4", "Q2FuYXJ5U2l4", NULL);
    check("using Bearer CanarySeven for x", "CanarySeven", "for x");
    check("aws_secret_access_key=CanaryEight&x=1", "CanaryEight", "&x=1");
    check("X-Api-Key: CanaryNine", "CanaryNine", NULL);
    check("token='Canary Ten'", "Canary Ten", NULL);
    /* ordinary text is untouched */
    {
        char prose[256];
        etlc_redact("install Oracle Instant Client Basic (or Basic Light)", prose, sizeof prose);
        assert_string_equal(prose, "install Oracle Instant Client Basic (or Basic Light)");
    }
    char out[256];
    etlc_redact("SELECT * FROM passwords_table WHERE bypass = 1", out, sizeof out);
    assert_string_equal(out, "SELECT * FROM passwords_table WHERE bypass = 1");
    etlc_redact("https://example.com/a:b@c", out, sizeof out);
    assert_string_equal(out, "https://example.com/a:b@c");
}

static void registered_values(void **state)
{
    (void)state;
    etlc_redact_register_secret("zz-registered-canary-zz");
    etlc_redact_register_secret("ab"); /* too short: ignored */
    check("the value zz-registered-canary-zz appeared twice: zz-registered-canary-zz", "registered-canary", "appeared twice");
    char out[64];
    etlc_redact("abc ab", out, sizeof out);
    assert_string_equal(out, "abc ab");
}

static void truncation_is_safe(void **state)
{
    (void)state;
    char out[8];
    size_t n = etlc_redact("password=CanaryLong and more", out, sizeof out);
    assert_true(n < sizeof out);
    assert_null(strstr(out, "Canary"));
    char *dup = etlc_redact_dup("password=x1y2z3");
    assert_string_equal(dup, "password=***");
    free(dup);
}

static void logs_are_redacted(void **state)
{
    (void)state;
    tu_capture_logs();
    etlc_log(ETLC_LOG_ERROR, "test", "connect to postgres://u:LogCanary1@h failed, token=LogCanary2");
    assert_non_null(strstr(tu_logs(), "[test]"));
    assert_null(strstr(tu_logs(), "LogCanary1"));
    assert_null(strstr(tu_logs(), "LogCanary2"));
    etlc_log_set_level(ETLC_LOG_ERROR);
    tu_clear_logs();
    etlc_log(ETLC_LOG_INFO, "test", "hidden");
    assert_null(strstr(tu_logs(), "hidden"));
    etlc_log_set_callback(NULL, NULL);
    assert_int_equal(etlc_log_level_parse("DEBUG"), ETLC_LOG_DEBUG);
    assert_int_equal(etlc_log_level_parse("nope"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(patterns),
        cmocka_unit_test(registered_values),
        cmocka_unit_test(truncation_is_safe),
        cmocka_unit_test(logs_are_redacted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
