/* The HTTP layer's pure parts (no server): full-jitter backoff, Retry-After
 * parsing in every form, error mapping, excerpts, secret header names. */
#include <curl/curl.h>
#include <string.h>

#include "testutil.h"

#include "net/http.h"

static void test_full_jitter_bounds_and_spread(void **state)
{
    (void)state;
    uint64_t rng = 12345;
    /* Ceilings 100, 200, 400, 800, then the cap 1000. */
    long ceilings[] = {0, 100, 200, 400, 800, 1000, 1000, 1000};
    for (unsigned a = 1; a < 8; a++) {
        long lo = 1000000, hi = -1;
        double sum = 0;
        for (int i = 0; i < 4000; i++) {
            long d = etlc__backoff_full_jitter(100, 1000, a, &rng);
            assert_true(d >= 0 && d <= ceilings[a]);
            lo = d < lo ? d : lo;
            hi = d > hi ? d : hi;
            sum += (double)d;
        }
        /* Full jitter: uniform over [0, ceiling], so it reaches both ends and
         * averages about half the ceiling (no fixed floor). */
        assert_true(lo <= ceilings[a] / 20);
        assert_true(hi >= ceilings[a] - ceilings[a] / 20);
        double mean = sum / 4000;
        assert_true(mean > ceilings[a] * 0.4 && mean < ceilings[a] * 0.6);
    }
    assert_int_equal(etlc__backoff_full_jitter(100, 1000, 0, &rng), 0);
    assert_int_equal(etlc__backoff_full_jitter(0, 1000, 3, &rng), 0);
    /* Huge attempt numbers do not overflow. */
    assert_true(etlc__backoff_full_jitter(100, 1000, 4000000000u, &rng) <= 1000);
    assert_true(etlc__backoff_ms(100, 1000, 64) <= 1000);
}

static void test_retry_after_forms(void **state)
{
    (void)state;
    long ms = -1;
    /* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 */
    const int64_t now = 784111777 - 30;
    assert_int_equal(etlc__retry_after_ms("120", now, &ms), 0);
    assert_int_equal(ms, 120000);
    assert_int_equal(etlc__retry_after_ms(" 0 ", now, &ms), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(etlc__retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", now, &ms), 0);
    assert_int_equal(ms, 30000);
    assert_int_equal(etlc__retry_after_ms("Sunday, 06-Nov-94 08:49:37 GMT", now, &ms), 0);
    assert_int_equal(ms, 30000);
    assert_int_equal(etlc__retry_after_ms("Sun Nov  6 08:49:37 1994", now, &ms), 0);
    assert_int_equal(ms, 30000);
    /* A date in the past means "now". */
    assert_int_equal(etlc__retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", now + 100, &ms), 0);
    assert_int_equal(ms, 0);
    /* Enormous values saturate instead of overflowing. */
    assert_int_equal(etlc__retry_after_ms("99999999999999999999", now, &ms), 0);
    assert_true(ms > 0);
    assert_int_equal(etlc__retry_after_ms("12s", now, &ms), -1);
    assert_int_equal(etlc__retry_after_ms("", now, &ms), -1);
    assert_int_equal(etlc__retry_after_ms("soon", now, &ms), -1);
    assert_int_equal(etlc__retry_after_ms(NULL, now, &ms), -1);
}

static void test_status_mapping(void **state)
{
    (void)state;
    struct { long status; int code; bool retry; } cases[] = {
        {401, ETLC_AUTH, false}, {403, ETLC_AUTH_DENIED, false}, {404, ETLC_IO_NOT_FOUND, false},
        {410, ETLC_IO_NOT_FOUND, false}, {429, ETLC_BUSY, true}, {502, ETLC_IO, true},
        {503, ETLC_BUSY, true}, {504, ETLC_TIMEOUT, true}, {500, ETLC_IO, false},
        {400, ETLC_PROTOCOL, false}, {302, ETLC_PROTOCOL, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        etlc_error err = {0};
        assert_int_equal(etlc__http_status_error(cases[i].status, "GET x", "oops", 4, &err),
                         cases[i].code);
        assert_int_equal(err.code, cases[i].code);
        assert_int_equal(err.native_code, cases[i].status);
        assert_string_equal(err.native_state, "HTTP");
        assert_int_equal(err.retryable, cases[i].retry);
        assert_non_null(strstr(err.message, "oops"));
    }
    /* The excerpt is one line, bounded, and redacted like every message. */
    char body[1000];
    memset(body, 'a', sizeof body);
    memcpy(body, "line1\n\tpassword=hunter2xyz ", 27);
    etlc_error err = {0};
    etlc__http_status_error(500, "GET x", body, sizeof body, &err);
    assert_null(strstr(err.message, "hunter2xyz"));
    assert_null(strchr(err.message, '\n'));
    assert_non_null(strstr(err.message, "line1 password="));
    assert_non_null(strstr(err.message, "..."));
    assert_true(strlen(err.message) < 400);
}

static void test_curl_mapping(void **state)
{
    (void)state;
    struct { CURLcode cc; bool connected; int code; bool retry; } cases[] = {
        {CURLE_COULDNT_CONNECT, false, ETLC_CONNECT_REFUSED, true},
        {CURLE_COULDNT_RESOLVE_HOST, false, ETLC_CONNECT_NOT_FOUND, false},
        {CURLE_OPERATION_TIMEDOUT, false, ETLC_CONNECT_TIMEOUT, true},
        {CURLE_OPERATION_TIMEDOUT, true, ETLC_TIMEOUT, true},
        {CURLE_RECV_ERROR, true, ETLC_IO, true},
        {CURLE_GOT_NOTHING, true, ETLC_IO, true},
        {CURLE_PEER_FAILED_VERIFICATION, true, ETLC_CONNECT, false},
        {CURLE_TOO_MANY_REDIRECTS, true, ETLC_PROTOCOL, false},
        {CURLE_OUT_OF_MEMORY, false, ETLC_NO_MEMORY, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        etlc_error err = {0};
        assert_int_equal(etlc__http_curl_error(cases[i].cc, cases[i].connected, "GET x", "", &err),
                         cases[i].code);
        assert_int_equal(err.native_code, cases[i].cc);
        assert_string_equal(err.native_state, "CURL");
        assert_int_equal(err.retryable, cases[i].retry);
    }
}

static void test_secret_header_names(void **state)
{
    (void)state;
    const char *secret[] = {"Authorization", "proxy-authorization", "COOKIE", "Set-Cookie",
                            "X-Amz-Security-Token", "x-api-key"};
    for (size_t i = 0; i < sizeof secret / sizeof *secret; i++)
        assert_true(etlc__http_header_is_secret(secret[i], strlen(secret[i])));
    assert_false(etlc__http_header_is_secret("Content-Type", 12));
    assert_false(etlc__http_header_is_secret("Authorization", 5)); /* a prefix is not the name */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_jitter_bounds_and_spread),
        cmocka_unit_test(test_retry_after_forms),
        cmocka_unit_test(test_status_mapping),
        cmocka_unit_test(test_curl_mapping),
        cmocka_unit_test(test_secret_header_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
