/* The http connector through the C API.
 * shared-service: jsonserver
 * Real peers: json-server (npm, tests/services/jsonserver, one instance per
 * run) for paged REST collections; tests/services/httpbin (the run's one
 * plain-HTTP instance, http_peer.h) for echo, bearer auth, 429 + Retry-After
 * and status codes (its own keys: /hits/httpc). Covers etlc_http_request (status, headers, body; params, headers,
 * JSON body; base_url + path joining), a paged fetch landed by the records
 * driver, the per-thread session cache, and errors without secrets. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "http_peer.h"
#include "shared_service.h"

#include "etlconn/http.h"

static char js_url[256];

static void js_line(const char *name, const char *value, void *ud)
{
    (void)ud;
    if (strcmp(name, "ETLC_TEST_JSONSERVER_URL") == 0)
        snprintf(js_url, sizeof js_url, "%s", value);
}

static etlc_connector *connect_kv(const etlc_kv *kv, size_t n, bool fresh)
{
    etlc_config_sources src = {.dict = kv, .dict_len = n, .env_prefix = ""};
    etlc_get_options o = {.no_reuse = fresh};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    int rc = etlc_get_connection("http", &src, &o, &c, &err);
    if (rc != 0)
        fprintf(stderr, "connect: %s\n", err.message);
    assert_int_equal(rc, 0);
    return c;
}

/* base_url with a path and a trailing slash + a path with a query + params:
 * the echo shows what reached the server. */
static void test_request_join_params_headers_body(void **state)
{
    (void)state;
    char base[400];
    snprintf(base, sizeof base, "%s/echo/v1/", peer_url);
    etlc_kv kv[] = {{"base_url", base}, {"proxy", ""}, {"headers", "X-Team: etl,X-Other: two"}};
    etlc_connector *c = connect_kv(kv, 3, true);
    etlc_kv params[] = {{"b", "x y&z"}};
    etlc_kv hdrs[] = {{"X-Req", "yes"}};
    const char body[] = "{\"q\": [1, 2]}";
    etlc_http_request_options rq = {.method = "POST", .path = "/posts?a=1", .params = params,
                                    .nparams = 1, .headers = hdrs, .nheaders = 1, .body = body,
                                    .body_len = strlen(body)};
    etlc_http_response *resp = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_http_request(c, &rq, &resp, &err), 0);
    assert_non_null(resp);
    assert_int_equal(resp->status, 200);
    assert_non_null(strstr(resp->body, "\"method\": \"POST\""));
    assert_non_null(strstr(resp->body, "\"path\": \"/echo/v1/posts?a=1&b=x+y%26z\""));
    assert_non_null(strstr(resp->body, "\"X-Req\": \"yes\""));
    assert_non_null(strstr(resp->body, "\"X-Team\": \"etl\""));
    assert_non_null(strstr(resp->body, "\"Content-Type\": \"application/json\""));
    assert_non_null(strstr(resp->body, "\\\"q\\\": [1, 2]"));
    char buf[128];
    assert_string_equal(etlc_http_response_header(resp, "content-type", buf, sizeof buf),
                        "application/json");
    assert_null(etlc_http_response_header(resp, "X-Absent", buf, sizeof buf));
    etlc_http_response_free(resp);
    etlc_connector_release(c);
}

/* A 404 is an answer: 0 with the status and the body; no secret in it. */
static void test_request_status_and_bearer(void **state)
{
    (void)state;
    etlc_kv kv[] = {{"base_url", peer_url}, {"proxy", ""}, {"auth", "bearer"}, {"token", peer_token}};
    etlc_connector *c = connect_kv(kv, 4, true);
    etlc_http_response *resp = NULL;
    etlc_error err = {0};
    etlc_http_request_options rq = {.path = "/auth"};
    assert_int_equal(etlc_http_request(c, &rq, &resp, &err), 0);
    assert_int_equal(resp->status, 200);
    assert_non_null(strstr(resp->body, "\"authenticated\": true"));
    etlc_http_response_free(resp);
    etlc_http_request_options nf = {.path = "/status/404"};
    assert_int_equal(etlc_http_request(c, &nf, &resp, &err), 0);
    assert_int_equal(resp->status, 404);
    assert_non_null(strstr(resp->body, "status 404 as asked"));
    etlc_http_response_free(resp);
    etlc_connector_release(c);

    /* A wrong token: the fetch fails with AUTH, and the token is not in the message. */
    etlc_kv bad[] = {{"base_url", peer_url}, {"proxy", ""}, {"auth", "bearer"},
                     {"token", "wrong-CANARY-token-4411"}, {"records_path", ""}};
    c = connect_kv(bad, 5, true);
    char *lake = tu_tempdir("http-auth");
    etlc_land_options land = {.lake_root = lake};
    etlc_fetch_request fr = {.query = "/auth"};
    etlc_result *res = NULL;
    assert_int_equal(etlc_connector_fetch(c, &fr, &land, &res, &err), ETLC_AUTH);
    assert_non_null(strstr(err.message, "401"));
    assert_null(strstr(err.message, "wrong-CANARY-token-4411"));
    etlc_result_free(res);
    etlc_connector_release(c);
    tu_rmtree(lake);
    free(lake);
}

/* 429 with Retry-After: retried by the shared layer, then 200. */
static void test_request_retry_after(void **state)
{
    (void)state;
    etlc_kv kv[] = {{"base_url", peer_url}, {"proxy", ""}, {"retry_max", "2"}};
    etlc_connector *c = connect_kv(kv, 3, true);
    etlc_http_response *resp = NULL;
    etlc_error err = {0};
    etlc_http_request_options rq = {.path = "/retry-after/httpc/1/seconds/1"};
    assert_int_equal(etlc_http_request(c, &rq, &resp, &err), 0);
    assert_int_equal(resp->status, 200);
    etlc_http_response_free(resp);
    etlc_http_request_options h = {.path = "/hits/httpc"};
    assert_int_equal(etlc_http_request(c, &h, &resp, &err), 0);
    assert_non_null(strstr(resp->body, "\"hits\": 2"));
    etlc_http_response_free(resp);
    etlc_connector_release(c);
}

/* No reply at all: an error, no response. Not an http connector: refused. */
static void test_request_errors(void **state)
{
    (void)state;
    etlc_kv kv[] = {{"base_url", "http://127.0.0.1:9"}, {"proxy", ""}, {"retry_max", "0"}};
    etlc_connector *c = connect_kv(kv, 3, true);
    etlc_http_response *resp = (etlc_http_response *)1;
    etlc_error err = {0};
    etlc_http_request_options rq = {.path = "/x"};
    assert_int_equal(etlc_http_request(c, &rq, &resp, &err), ETLC_CONNECT_REFUSED);
    assert_null(resp);
    etlc_connector_release(c);

    char *dir = tu_tempdir("http-notme");
    etlc_kv fkv[] = {{"root", dir}};
    etlc_config_sources src = {.dict = fkv, .dict_len = 1, .env_prefix = ""};
    assert_int_equal(etlc_get_connection("file", &src, NULL, &c, &err), 0);
    assert_int_equal(etlc_http_request(c, &rq, &resp, &err), ETLC_INVALID_ARGUMENT);
    etlc_connector_release(c);
    tu_rmtree(dir);
    free(dir);
}

/* A paged json-server collection landed through the records driver. */
static void test_fetch_pages_json_server(void **state)
{
    (void)state;
    etlc_kv kv[] = {{"base_url", js_url}, {"records_path", ""}, {"pagination", "page"},
                    {"page_param", "_page"}, {"limit_param", "_limit"}, {"limit", "25"},
                    {"total_header", "X-Total-Count"}};
    etlc_connector *c = connect_kv(kv, 7, true);
    char *lake = tu_tempdir("http-pages");
    etlc_land_options land = {.lake_root = lake};
    etlc_fetch_request fr = {.query = "/posts"};
    etlc_result *res = NULL;
    etlc_error err = {0};
    int rc = etlc_connector_fetch(c, &fr, &land, &res, &err);
    if (rc)
        fprintf(stderr, "fetch: %s\n", err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(res->record_count, 95);
    assert_int_equal(res->item_count, 1); /* 25 + 25 + 25 + 20 rolled into one file, stopped by X-Total-Count */
    assert_string_equal(res->items[0].format, "parquet");
    etlc_result_free(res);
    etlc_connector_release(c);
    tu_rmtree(lake);
    free(lake);
}

/* Per-thread sessions from the cache: same thread, same connector; another
 * thread, its own; no_reuse, a fresh one. */
static etlc_kv cache_kv[2];
static void *other_thread(void *arg)
{
    etlc_connector **out = arg;
    etlc_config_sources src = {.dict = cache_kv, .dict_len = 2, .env_prefix = ""};
    etlc_error err = {0};
    if (etlc_get_connection("http", &src, NULL, out, &err) != 0)
        *out = NULL;
    return NULL;
}

static void test_sessions_per_thread(void **state)
{
    (void)state;
    cache_kv[0] = (etlc_kv){"base_url", peer_url};
    cache_kv[1] = (etlc_kv){"proxy", ""};
    etlc_connector *a = connect_kv(cache_kv, 2, false), *b = connect_kv(cache_kv, 2, false);
    assert_ptr_equal(a, b);
    etlc_connector *t = NULL;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, other_thread, &t), 0);
    pthread_join(th, NULL);
    assert_non_null(t);
    assert_ptr_not_equal(t, a);
    etlc_connector *fresh = connect_kv(cache_kv, 2, true);
    assert_ptr_not_equal(fresh, a);
    etlc_connector_release(fresh);
    etlc_connector_release(t);
    etlc_connector_release(b);
    etlc_connector_release(a);
    etlc_close_all_connections();
}

int main(void)
{
    if (shared_service_env("jsonserver", js_line, NULL) != 0 || !*js_url)
        return 1;
    if (peer_shared() != 0) /* shared-service: httpbin */
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_join_params_headers_body),
        cmocka_unit_test(test_request_status_and_bearer),
        cmocka_unit_test(test_request_retry_after),
        cmocka_unit_test(test_request_errors),
        cmocka_unit_test(test_fetch_pages_json_server),
        cmocka_unit_test(test_sessions_per_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
