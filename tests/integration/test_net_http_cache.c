/* Per-thread keep-alive HTTP sessions through the connection cache. A test
 * connector ("httpsession", registered with etlc_registry_add, flagged
 * ETLC_CONNECTOR_PER_THREAD, options = its own `url` + the net fragments)
 * owns one etlc__http_session. Against the loopback peer
 * (tests/services/httpbin, the run's one plain-HTTP instance; shared-service:
 * httpbin): the same thread gets the same connector and session back and its
 * second request reuses the connection (CURLINFO_NUM_CONNECTS 0); another
 * thread gets its own. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "http_peer.h"

#include "core/connector_internal.h"
#include "net/http.h"

typedef struct hs_ctx {
    etlc__http_session *http;
    char url[300];
} hs_ctx;

static const etlc_option hs_own[] = {
    {"url", ETLC_OPT_STRING, NULL, 0, 0, NULL, ETLC_OPT_REQUIRED, "base URL of the peer"},
};
static const etlc_option_table hs_table = {"httpsession", "HTTPSESSION", hs_own, 1,
                                           etlc__http_fragments};

static int hs_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    hs_ctx *ctx = vctx;
    etlc__http_settings s;
    int rc = etlc__http_settings_from_config(cfg, &s, err);
    if (rc == 0)
        rc = etlc__http_session_new(&s, &ctx->http, err);
    snprintf(ctx->url, sizeof ctx->url, "%s", etlc_config_get_string(cfg, "url"));
    return rc;
}

static int hs_fetch(void *vctx, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                    etlc_error *err)
{
    (void)vctx; (void)req; (void)consumer;
    return etlc_error_set(err, ETLC_UNSUPPORTED, "httpsession only keeps a session");
}

static void hs_close(void *vctx)
{
    hs_ctx *ctx = vctx;
    etlc__http_session_free(ctx->http);
    ctx->http = NULL;
}

static const etlc_connector_ops hs_ops = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "httpsession",
    .description = "test connector owning one keep-alive HTTP session",
    .options = &hs_table,
    .context_size = sizeof(hs_ctx),
    .flags = ETLC_CONNECTOR_PER_THREAD,
    .connect = hs_connect,
    .fetch = hs_fetch,
    .close = hs_close,
};

/* What one thread saw. */
typedef struct seen {
    etlc_connector *first, *second;
    etlc__http_session *session_first, *session_second;
    long connects[2];
    long retry_max;
    int rc;
} seen;

static void get(etlc_connector **c, etlc_error *err, int *rc)
{
    etlc_kv dict[] = {{"url", peer_url}, {"proxy", ""}, {"retry_max", "1"}};
    etlc_config_sources src = {.dict = dict, .dict_len = 3, .env_prefix = ""};
    if (*rc == 0)
        *rc = etlc_get_connection("httpsession", &src, NULL, c, err);
}

static int request(etlc_connector *c, long *connects, etlc_error *err)
{
    hs_ctx *ctx = c->ctx;
    char u[400];
    snprintf(u, sizeof u, "%s/status/200", ctx->url);
    etlc__http_request rq = {.url = u};
    etlc__http_response resp = {0};
    int rc = etlc__http_perform(ctx->http, &rq, &resp, err);
    *connects = resp.num_connects;
    etlc__http_response_free(&resp);
    return rc;
}

/* Get, use, release, get again, use again: on one thread. */
static void *one_thread(void *arg)
{
    seen *s = arg;
    etlc_error err = {0};
    get(&s->first, &err, &s->rc);
    if (s->rc == 0) {
        s->session_first = ((hs_ctx *)s->first->ctx)->http;
        s->retry_max = etlc__http_session_settings(s->session_first)->retry_max;
        s->rc = request(s->first, &s->connects[0], &err);
        etlc_connector_release(s->first);
    }
    get(&s->second, &err, &s->rc);
    if (s->rc == 0) {
        s->session_second = ((hs_ctx *)s->second->ctx)->http;
        s->rc = request(s->second, &s->connects[1], &err);
        etlc_connector_release(s->second);
    }
    if (s->rc)
        fprintf(stderr, "thread failed: %s\n", err.message);
    return NULL;
}

static void test_same_thread_same_session_reused(void **state)
{
    (void)state;
    seen s = {0};
    one_thread(&s);
    assert_int_equal(s.rc, 0);
    assert_ptr_equal(s.first, s.second);
    assert_ptr_equal(s.session_first, s.session_second);
    assert_int_equal(s.retry_max, 1); /* settings came from the fragment keys */
    assert_int_equal(s.connects[0], 1);
    assert_int_equal(s.connects[1], 0); /* keep-alive: no new connection */
}

static void test_two_threads_two_sessions(void **state)
{
    (void)state;
    seen a = {0}, b = {0};
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, one_thread, &a), 0);
    assert_int_equal(pthread_create(&tb, NULL, one_thread, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    assert_int_equal(a.rc, 0);
    assert_int_equal(b.rc, 0);
    assert_ptr_not_equal(a.first, b.first);
    assert_ptr_not_equal(a.session_first, b.session_first);
    assert_ptr_equal(a.session_first, a.session_second);
    assert_ptr_equal(b.session_first, b.session_second);
    assert_int_equal(a.connects[1], 0);
    assert_int_equal(b.connects[1], 0);
}

static void test_options_listed_with_fragments(void **state)
{
    (void)state;
    /* `etlconn options` and the docs render through these. */
    char *md = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_options_to_markdown(&hs_table, &md, &err), 0);
    assert_non_null(strstr(md, "`url`"));
    assert_non_null(strstr(md, "`ca_file`"));
    assert_non_null(strstr(md, "`HTTPSESSION_RETRY_MAX`"));
    assert_non_null(strstr(md, "`client_key_password` | string |  | no |"));
    free(md);
}

int main(void)
{
    if (peer_shared() != 0) /* shared-service: httpbin */
        return 1;
    etlc_error err = {0};
    if (etlc_registry_add(&hs_ops, &err) != 0) {
        fprintf(stderr, "FAIL: registry_add: %s\n", err.message);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_thread_same_session_reused),
        cmocka_unit_test(test_two_threads_two_sessions),
        cmocka_unit_test(test_options_listed_with_fragments),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    etlc_close_all_connections();
    return failed;
}
