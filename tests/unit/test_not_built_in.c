/* Compile-out that works: in a build with connectors switched off
 * (-DETLCONN_WITH_<X>=OFF), each of them is still known, answers
 * NOT_BUILT_IN through the registry, the façade and its own public functions
 * (sqlite.h, dw.h), and the message names the CMake option to turn it on.
 * Built only when at least one connector is off; ETLCONN_COMPILED_OUT lists
 * them ("sqlite,dw"). */
#include "testutil.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ETLCONN_COMPILED_OUT
#error "ETLCONN_COMPILED_OUT is set by tests/CMakeLists.txt"
#endif

static bool compiled_out(const char *name)
{
    char list[512];
    snprintf(list, sizeof list, ",%s,", ETLCONN_COMPILED_OUT);
    char needle[80];
    snprintf(needle, sizeof needle, ",%s,", name);
    return strstr(list, needle) != NULL;
}

/* "-DETLCONN_WITH_SQLITE=ON" for "sqlite". */
static void option_for(const char *name, char *buf, size_t bufsz)
{
    int n = snprintf(buf, bufsz, "-DETLCONN_WITH_");
    for (const char *p = name; *p && (size_t)n + 5 < bufsz; p++)
        buf[n++] = (char)toupper((unsigned char)*p);
    snprintf(buf + n, bufsz - (size_t)n, "=ON");
}

static void assert_not_built_in(const etlc_error *err, int rc, const char *name)
{
    char option[64];
    option_for(name, option, sizeof option);
    if (rc != ETLC_NOT_BUILT_IN || !strstr(err->message, "not built in") || !strstr(err->message, option))
        fail_msg("%s: expected NOT_BUILT_IN naming %s, got %s: %s", name, option, etlc_code_name(rc),
                 err->message);
}

static void each_is_listed_and_refused_by_name(void **state)
{
    (void)state;
    const etlc_protocol_info *list = NULL;
    size_t n = etlc_registry_list(&list), seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (!compiled_out(list[i].name))
            continue;
        seen++;
        assert_false(list[i].built_in);
        assert_null(list[i].ops);
        etlc_error err = {0};
        const etlc_connector_ops *ops = (const etlc_connector_ops *)&err;
        assert_not_built_in(&err, etlc_registry_find(list[i].name, &ops, &err), list[i].name);
        assert_null(ops);
    }
    /* every compiled-out connector is still known by name */
    size_t names = 1;
    for (const char *p = ETLCONN_COMPILED_OUT; *p; p++)
        names += *p == ',';
    assert_int_equal(seen, names);
}

static void the_facade_answers_not_built_in(void **state)
{
    (void)state;
    const etlc_protocol_info *list = NULL;
    size_t n = etlc_registry_list(&list);
    for (size_t i = 0; i < n; i++) {
        if (!compiled_out(list[i].name))
            continue;
        etlc_config_sources src = {.env_prefix = ""};
        etlc_error err = {0};
        etlc_connector *c = NULL;
        assert_not_built_in(&err, etlc_get_connection(list[i].name, &src, NULL, &c, &err), list[i].name);
        assert_null(c);
        etlc_health h;
        memset(&h, 0, sizeof h);
        assert_not_built_in(&err, etlc_test_connection(list[i].name, &src, &h, &err), list[i].name);
        etlc_config *cfg = NULL;
        assert_not_built_in(&err, etlc_load_connection_config(list[i].name, &src, &cfg, &err),
                            list[i].name);
        assert_null(cfg);
    }
}

static void sqlite_builders_answer_not_built_in(void **state)
{
    (void)state;
    if (!compiled_out("sqlite")) {
        /* This build has SQLite: its builders are the real ones (test_sqlite). */
        etlc_error err = {0};
        etlc_connector *c = NULL;
        assert_int_equal(etlc_get_sqlite_engine(":memory:", false, &c, &err), ETLC_OK);
        etlc_connector_release(c);
        return;
    }
    etlc_error err = {0};
    etlc_connector *c = (etlc_connector *)&err;
    assert_not_built_in(&err, etlc_get_sqlite_engine(":memory:", false, &c, &err), "sqlite");
    assert_null(c);
    assert_non_null(strstr(err.message, "etlc_get_sqlite_engine"));
    etlc_health h;
    memset(&h, 0xff, sizeof h);
    assert_not_built_in(&err, etlc_test_sqlite_connection(":memory:", &h, &err), "sqlite");
    assert_false(h.healthy);
}

static void dw_answers_not_built_in(void **state)
{
    (void)state;
    /* The mode names are data: they work in every build. */
    assert_int_equal(etlc_dw_mode_parse("merge"), ETLC_DW_MERGE);
    assert_int_equal(etlc_dw_mode_parse("upsert"), -1);
    assert_string_equal(etlc_dw_mode_name(ETLC_DW_REPLACE), "replace");
    if (!compiled_out("dw"))
        return; /* the real loader is tested against PostgreSQL (test_cli_dw) */
    etlc_error err = {0};
    const char *paths[] = {"lake/x.parquet"};
    etlc_dw_load_options o = {.table = "t"};
    etlc_dw_load_result *r = (etlc_dw_load_result *)&err;
    assert_not_built_in(&err, etlc_dw_load(NULL, paths, 1, &o, &r, &err), "dw");
    assert_null(r);
    etlc_dw_load_result_free(NULL);
    char *json = (char *)&err;
    assert_not_built_in(&err, etlc_dw_load_result_to_json(NULL, false, &json, &err), "dw");
    assert_null(json);
    etlc_dw_status st;
    memset(&st, 0xff, sizeof st);
    assert_not_built_in(&err, etlc_dw_status_get(NULL, &st, &err), "dw");
    assert_false(st.schema_exists);
}

static void http_request_answers_not_built_in(void **state)
{
    (void)state;
    etlc_http_response_free(NULL);
    if (!compiled_out("http"))
        return; /* the real helper is tested against its peers (test_http) */
    etlc_error err = {0};
    etlc_http_request_options rq = {.path = "/"};
    etlc_http_response *resp = (etlc_http_response *)&err;
    assert_not_built_in(&err, etlc_http_request(NULL, &rq, &resp, &err), "http");
    assert_null(resp);
    char buf[8];
    assert_null(etlc_http_response_header(NULL, "x", buf, sizeof buf));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_is_listed_and_refused_by_name),
        cmocka_unit_test(the_facade_answers_not_built_in),
        cmocka_unit_test(sqlite_builders_answer_not_built_in),
        cmocka_unit_test(dw_answers_not_built_in),
        cmocka_unit_test(http_request_answers_not_built_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
