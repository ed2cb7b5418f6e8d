/* The ftp connector without a server: URLs built from names (escaped
 * segments, absolute and relative roots), names refused before they reach
 * a command, MLSD/MDTM times, the `url` option's parts (its password
 * registered with the redactor), and config errors. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "connectors/ftp/ftp_internal.h"

static void urls_escape_each_segment(void **state)
{
    (void)state;
    ftp_ctx ctx = {.base = (char *)"ftp://h:21/", .root = (char *)"/srv/out"};
    char *u = etlc__ftp_url(&ctx, "a b/c#d%.csv", false);
    assert_string_equal(u, "ftp://h:21/%2Fsrv/out/a%20b/c%23d%25.csv");
    free(u);
    u = etlc__ftp_url(&ctx, "", true);
    assert_string_equal(u, "ftp://h:21/%2Fsrv/out/");
    free(u);
    ctx.root = (char *)""; /* the login directory */
    u = etlc__ftp_url(&ctx, "d\xc3\xa9/x", true);
    assert_string_equal(u, "ftp://h:21/d%C3%A9/x/");
    free(u);
    u = etlc__ftp_url(&ctx, "", true);
    assert_string_equal(u, "ftp://h:21/");
    free(u);
    ctx.root = (char *)"rel";
    u = etlc__ftp_server_path(&ctx, "x.csv");
    assert_string_equal(u, "rel/x.csv");
    free(u);
}

static void names_outside_root_are_refused(void **state)
{
    (void)state;
    const char *bad[] = {"", "/abs", "..", "../x", "a/../b", "a//b", "a/", ".", "a/./b",
                         "x\r\nDELE y", "x\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        etlc_error err = {0};
        assert_int_equal(etlc__ftp_check_name(bad[i], &err), ETLC_IO_PATH);
    }
    assert_int_equal(etlc__ftp_check_name(NULL, NULL), ETLC_IO_PATH);
    assert_int_equal(etlc__ftp_check_name("a/b c/..d.csv", NULL), 0);
}

static void times_parse(void **state)
{
    (void)state;
    assert_int_equal(etlc__ftp_time_us("19700101000001", 14), 1000000);
    assert_int_equal(etlc__ftp_time_us("20261128123456.25", 17), 1795869296250000LL);
    assert_int_equal(etlc__ftp_time_us("2026112812345", 13), 0);
    assert_int_equal(etlc__ftp_time_us("2026112812345x", 14), 0);
}

static void url_option_fills_what_is_unset(void **state)
{
    (void)state;
    ftp_ctx ctx = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__ftp_parse_url(&ctx, "ftps://u%40x:p%2Fw-secret-9@host.example:2121/%2Fdata/in",
                                         &err), 0);
    assert_string_equal(ctx.host, "host.example");
    assert_int_equal(ctx.port, 2121);
    assert_string_equal(ctx.username, "u@x");
    assert_string_equal(ctx.password, "p/w-secret-9");
    assert_string_equal(ctx.root, "/data/in");
    assert_int_equal(ctx.tls, FTP_TLS_IMPLICIT);
    char out[128];
    etlc_redact("login p/w-secret-9 failed", out, sizeof out);
    assert_null(strstr(out, "p/w-secret-9"));
    free(ctx.host);
    free(ctx.username);
    etlc__free_secret(ctx.password);
    free(ctx.root);

    ftp_ctx keep = {.host = etlc__strdup("mine"), .root = etlc__strdup("")};
    assert_int_equal(etlc__ftp_parse_url(&keep, "ftp://other/dir", &err), 0);
    assert_string_equal(keep.host, "mine"); /* keys set on their own win */
    assert_string_equal(keep.root, "");
    assert_null(keep.username);
    free(keep.host);
    free(keep.root);

    ftp_ctx bad = {0};
    assert_int_equal(etlc__ftp_parse_url(&bad, "http://h/x", &err), ETLC_CONFIG);
    assert_null(bad.host);
}

static void config_needs_a_host(void **state)
{
    (void)state;
    etlc_kv dict[] = {{"username", "u"}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 1};
    etlc_get_options go = {.no_reuse = true};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_get_connection("ftp", &src, &go, &c, &err), ETLC_CONFIG_MISSING_KEY);
    assert_non_null(strstr(err.message, "host"));
    assert_null(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(urls_escape_each_segment),
        cmocka_unit_test(names_outside_root_are_refused),
        cmocka_unit_test(times_parse),
        cmocka_unit_test(url_option_fills_what_is_unset),
        cmocka_unit_test(config_needs_a_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
