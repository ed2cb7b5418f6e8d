/* Every error code has a distinct name and a message; messages are redacted. */
#include "testutil.h"

#include <string.h>

static void every_code_has_name_and_message(void **state)
{
    (void)state;
    const int *codes;
    size_t n = etlc_code_all(&codes);
    assert_true(n > 20);
    for (size_t i = 0; i < n; i++) {
        const char *name = etlc_code_name(codes[i]);
        const char *msg = etlc_code_str(codes[i]);
        assert_string_not_equal(name, "UNKNOWN_CODE");
        assert_true(strlen(msg) > 3);
        for (size_t j = 0; j < i; j++) {
            assert_int_not_equal(codes[i], codes[j]);
            assert_string_not_equal(name, etlc_code_name(codes[j]));
        }
    }
    assert_string_equal(etlc_code_name(12345), "UNKNOWN_CODE");
    assert_string_equal(etlc_code_name(ETLC_CONFIG_MISSING_KEY), "CONFIG_MISSING_KEY");
}

static void codes_are_grouped_by_hundreds(void **state)
{
    (void)state;
    assert_int_equal(ETLC_CONFIG / 100, 1);
    assert_int_equal(ETLC_CONNECT / 100, 2);
    assert_int_equal(ETLC_AUTH / 100, 3);
    assert_int_equal(ETLC_PROTOCOL / 100, 4);
    assert_int_equal(ETLC_IO / 100, 5);
    assert_int_equal(ETLC_DATA / 100, 6);
    assert_int_equal(ETLC_NOT_BUILT_IN / 100, 7);
}

static void error_set_redacts(void **state)
{
    (void)state;
    etlc_error err = {0};
    int rc = etlc_error_set(&err, ETLC_CONNECT, "cannot reach postgresql://bob:hunter2pw@db:5432/x");
    assert_int_equal(rc, ETLC_CONNECT);
    assert_null(strstr(err.message, "hunter2pw"));
    assert_non_null(strstr(err.message, "bob:***@db"));
    etlc_error_prefix(&err, "token=%s", "tok-abcdef");
    assert_null(strstr(err.message, "tok-abcdef"));
    assert_int_equal(err.code, ETLC_CONNECT);
    assert_int_equal(etlc_code_from_errno(28 /* ENOSPC */), ETLC_IO_NO_SPACE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_code_has_name_and_message),
        cmocka_unit_test(codes_are_grouped_by_hundreds),
        cmocka_unit_test(error_set_redacts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
