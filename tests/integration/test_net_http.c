/* The HTTP layer (src/net) against a real loopback peer,
 * tests/services/httpbin (plain HTTP and HTTPS with a self-signed
 * certificate made here by `openssl`; the same server acts as a forward
 * proxy). Covers retries and backoff, Retry-After in both forms and its cap,
 * no retry for bodies that cannot be replayed, 4xx mapping, timeouts, the
 * redirect limit, streaming in bounded memory with restart on retry,
 * keep-alive, TLS verification, the proxy, and that secrets never reach the
 * debug log, and mutual TLS with a password-protected client key. Not
 * covered here: a connect timeout (nothing on loopback blackholes a SYN);
 * docs/net.md says so. Not the run's shared httpbin: this one needs its own
 * TLS and client-CA settings (certificates made here). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "http_peer.h"

#include "net/http.h"

static char cert_dir[900], cert_file[1000], key_file[1000], client_cert[1000], client_key[1000];
#define CLIENT_KEY_PASSWORD "client-key-pass-7f3a"

static etlc__http_settings base_settings(void)
{
    etlc__http_settings s;
    etlc__http_settings_default(&s);
    s.proxy = ""; /* no proxy from the environment */
    s.retry_base_ms = 20;
    s.retry_cap_ms = 100;
    s.timeout_ms = 30000;
    return s;
}

static etlc__http_session *session(const etlc__http_settings *s)
{
    etlc__http_session *h = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc__http_session_new(s, &h, &err), 0);
    return h;
}

static char *url(const char *fmt, const char *arg)
{
    static char buf[8][512];
    static int next;
    char path[300];
    snprintf(path, sizeof path, fmt, arg);
    char *u = buf[next++ % 8];
    snprintf(u, 512, "%s%s", peer_url, path);
    return u;
}

/* A key no earlier run or test used (the peer counts hits per key). */
static const char *fresh_key(void)
{
    static char key[64];
    static int n;
    snprintf(key, sizeof key, "k%ld-%d-%d", (long)time(NULL), (int)getpid(), ++n);
    return key;
}

static long hits(const char *key)
{
    etlc__http_settings s = base_settings();
    etlc__http_session *h = session(&s);
    etlc__http_request rq = {.url = url("/hits/%s", key)};
    etlc__http_response resp = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    const char *p = strstr(resp.body.data, "\"hits\": ");
    long n = p ? strtol(p + 8, NULL, 10) : -1;
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);
    return n;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* ---- basics ---------------------------------------------------------------- */

static void test_get_echo_headers_and_user_agent(void **state)
{
    (void)state;
    etlc__http_settings s = base_settings();
    etlc__http_session *h = session(&s);
    etlc__http_header hdr[] = {{"X-Etlc-Test", "yes"}};
    etlc__http_request rq = {.method = "PUT", .url = url("/echo", NULL), .headers = hdr,
                             .nheaders = 1, .body = "payload", .body_len = 7};
    etlc__http_response resp = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.attempts, 1);
    assert_string_equal(etlc__http_response_header(&resp, "content-type"), "application/json");
    assert_null(etlc__http_response_header(&resp, "X-Nope"));
    assert_non_null(strstr(resp.body.data, "\"method\": \"PUT\""));
    assert_non_null(strstr(resp.body.data, "\"X-Etlc-Test\": \"yes\""));
    assert_non_null(strstr(resp.body.data, "\"body\": \"payload\""));
    assert_non_null(strstr(resp.body.data, "\"User-Agent\": \"etlconn/" ETLCONN_VERSION "\""));
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);
}

/* ---- retries ----------------------------------------------------------------- */

static void test_retry_until_success(void **state)
{
    (void)state;
    etlc__http_settings s = base_settings();
    s.retry_max = 3;
    etlc__http_session *h = session(&s);
    const char *key = fresh_key();
    etlc__http_request rq = {.url = url("/flaky/%s/2", key)};
    etlc__http_response resp = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_int_equal(resp.attempts, 3);
    assert_non_null(strstr(resp.body.data, "ok "));
    assert_int_equal(hits(key), 3);
    etlc__http_response_free(&resp);

    /* A dropped connection (no reply at all) is retried too. A fresh
     * session: on a reused connection libcurl itself retries once. */
    etlc__http_session_free(h);
    h = session(&s);
    key = fresh_key();
    char path[200];
    snprintf(path, sizeof path, "/drop/%s/1", key);
    rq.url = url("%s", path);
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_int_equal(resp.attempts, 2);
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);
}

static void test_retry_gives_up_with_the_status(void **state)
{
    (void)state;
    etlc__http_settings s = base_settings();
    s.retry_max = 2;
    etlc__http_session *h = session(&s);
    const char *key = fresh_key();
    etlc__http_request rq = {.url = url("/flaky/%s/10", key)};
    etlc__http_response resp = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), ETLC_BUSY);
    assert_int_equal(err.native_code, 503);
    assert_string_equal(err.native_state, "HTTP");
    assert_true(err.retryable);
    assert_non_null(strstr(err.message, "after 3 attempts"));
    assert_non_null(strstr(err.message, "HTTP 503"));
    assert_non_null(strstr(err.message, "try again")); /* the body excerpt */
    assert_int_equal(hits(key), 3);
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);
}

static void test_backoff_waits_between_attempts(void **state)
{
    (void)state;
    /* Full jitter below a ceiling that doubles: 3 retries from 400 ms wait
     * in [0, 400+800+1600]; the sum of 3 uniform draws is almost never
     * below 100 ms or above the ceiling sum. */
    etlc__http_settings s = base_settings();
    s.retry_max = 3;
    s.retry_base_ms = 400;
    s.retry_cap_ms = 1600;
    etlc__http_session *h = session(&s);
    etlc__http_request rq = {.url = url("/flaky/%s/3", fresh_key())};
    etlc__http_response resp = {0};
    etlc_error err = {0};
    double t0 = now_ms();
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    double took = now_ms() - t0;
    assert_int_equal(resp.attempts, 4);
    assert_true(took >= 20 && took < 2800 + 1500);
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);
}

static void test_retry_after_both_forms_and_cap(void **state)
{
    (void)state;
    etlc__http_settings s = base_settings();
    s.retry_max = 2;
    s.retry_base_ms = 1;
    s.retry_cap_ms = 1;
    s.retry_after_max_ms = 5000;
    etlc__http_session *h = session(&s);
    etlc__http_response resp = {0};
    etlc_error err = {0};

    etlc__http_request rq = {.url = url("/retry-after/%s/1/seconds/1", fresh_key())};
    double t0 = now_ms();
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_true(now_ms() - t0 >= 950);
    assert_int_equal(resp.attempts, 2);
    etlc__http_response_free(&resp);

    /* An HTTP-date two seconds ahead (whole seconds: waits 1..2 s). */
    rq.url = url("/retry-after/%s/1/date/2", fresh_key());
    t0 = now_ms();
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_true(now_ms() - t0 >= 900);
    assert_int_equal(resp.attempts, 2);
    etlc__http_response_free(&resp);

    /* Asked to wait 30 s with a 5 s cap: no wait, no retry, a clear error. */
    const char *key = fresh_key();
    rq.url = url("/retry-after/%s/1/seconds/30", key);
    t0 = now_ms();
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), ETLC_BUSY);
    assert_true(now_ms() - t0 < 3000);
    assert_int_equal(err.native_code, 429);
    assert_non_null(strstr(err.message, "retry_after_max"));
    assert_int_equal(hits(key), 1);
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);
}

typedef struct body_src {
    const char *data;
    size_t len, pos;
    int rewinds;
} body_src;

static size_t src_read(void *ud, char *buf, size_t len)
{
    body_src *b = ud;
    size_t n = b->len - b->pos < len ? b->len - b->pos : len;
    memcpy(buf, b->data + b->pos, n);
    b->pos += n;
    return n;
}

static int src_rewind(void *ud)
{
    body_src *b = ud;
    b->pos = 0;
    b->rewinds++;
    return 0;
}

static void test_no_retry_for_unreplayable_body(void **state)
{
    (void)state;
    etlc__http_settings s = base_settings();
    s.retry_max = 3;
    etlc__http_session *h = session(&s);
    body_src src = {"streamed body", 13, 0, 0};
    const char *key = fresh_key();
    etlc__http_request rq = {.method = "POST", .url = url("/flaky/%s/1", key),
                             .body_read = src_read, .body_ud = &src, .body_read_len = 13};
    etlc__http_response resp = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), ETLC_BUSY);
    assert_int_equal(resp.attempts, 1);
    assert_int_equal(hits(key), 1);
    etlc__http_response_free(&resp);

    /* The same with a rewind is replayable; the body arrives whole (chunked). */
    src.pos = 0;
    rq.body_rewind = src_rewind;
    rq.url = url("/flaky/%s/1", fresh_key());
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_int_equal(resp.attempts, 2);
    assert_int_equal(src.rewinds, 1);
    etlc__http_response_free(&resp);
    src.pos = 0;
    rq.url = url("/echo", NULL);
    rq.body_read_len = -1;
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_non_null(strstr(resp.body.data, "\"body\": \"streamed body\""));
    etlc__http_response_free(&resp);

    /* A caller may forbid retries outright (a non-idempotent POST). */
    key = fresh_key();
    etlc__http_request once = {.method = "POST", .url = url("/flaky/%s/1", key), .body = "x",
                               .body_len = 1, .no_retry = true};
    assert_int_equal(etlc__http_perform(h, &once, &resp, &err), ETLC_BUSY);
    assert_int_equal(hits(key), 1);
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);
}

/* ---- error mapping ------------------------------------------------------------- */

static void expect_status(etlc__http_session *h, const char *status, int code, bool retryable)
{
    etlc__http_request rq = {.url = url("/status/%s", status)};
    etlc__http_response resp = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), code);
    assert_int_equal(err.native_code, strtol(status, NULL, 10));
    assert_string_equal(err.native_state, "HTTP");
    assert_int_equal(err.retryable, retryable);
    assert_non_null(strstr(err.message, "as asked")); /* excerpt of the JSON body */
    etlc__http_response_free(&resp);
}

static void test_status_mapping_without_retry(void **state)
{
    (void)state;
    etlc__http_settings s = base_settings();
    s.retry_max = 0; /* so 429/503 come back at once */
    etlc__http_session *h = session(&s);
    expect_status(h, "401", ETLC_AUTH, false);
    expect_status(h, "403", ETLC_AUTH_DENIED, false);
    expect_status(h, "404", ETLC_IO_NOT_FOUND, false);
    expect_status(h, "400", ETLC_PROTOCOL, false);
    expect_status(h, "429", ETLC_BUSY, true);
    expect_status(h, "500", ETLC_IO, false);
    expect_status(h, "502", ETLC_IO, true);
    expect_status(h, "503", ETLC_BUSY, true);
    expect_status(h, "504", ETLC_TIMEOUT, true);
    etlc__http_session_free(h);

    /* With retries on, a 4xx is still tried once only. */
    s.retry_max = 3;
    h = session(&s);
    etlc__http_request rq = {.url = url("/status/%s", "404")};
    etlc__http_response resp = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), ETLC_IO_NOT_FOUND);
    assert_int_equal(resp.attempts, 1);
    assert_int_equal(resp.status, 404);
    assert_int_equal(resp.body.len, 0); /* an error body is not handed over as data */
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);
}

static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd); /* nothing listens there now */
    return ntohs(a.sin_port);
}

static void test_timeouts_and_refusal(void **state)
{
    (void)state;
    etlc__http_settings s = base_settings();
    s.retry_max = 0;
    s.timeout_ms = 300;
    etlc__http_session *h = session(&s);
    etlc__http_request rq = {.url = url("/slow/%s", "3000")};
    etlc__http_response resp = {0};
    etlc_error err = {0};
    double t0 = now_ms();
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), ETLC_TIMEOUT);
    assert_true(now_ms() - t0 < 2500);
    assert_int_equal(err.native_code, CURLE_OPERATION_TIMEDOUT);
    assert_string_equal(err.native_state, "CURL");
    assert_true(err.retryable);
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);

    /* Low speed: one byte, then a stall longer than low_speed_time. */
    s = base_settings();
    s.retry_max = 0;
    s.low_speed_limit = 100;
    s.low_speed_time_ms = 1000;
    h = session(&s);
    rq.url = url("/stall/%s", "4000");
    t0 = now_ms();
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), ETLC_TIMEOUT);
    assert_true(now_ms() - t0 < 3800);
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);

    /* Refused: retried (transient), then CONNECT_REFUSED. */
    s = base_settings();
    s.retry_max = 2;
    h = session(&s);
    char refused[100];
    snprintf(refused, sizeof refused, "http://127.0.0.1:%d/x", closed_port());
    rq.url = refused;
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), ETLC_CONNECT_REFUSED);
    assert_int_equal(resp.attempts, 3);
    assert_int_equal(err.native_code, CURLE_COULDNT_CONNECT);
    assert_true(err.retryable);
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);
}

static void test_redirect_limit(void **state)
{
    (void)state;
    etlc__http_settings s = base_settings();
    s.max_redirects = 2;
    etlc__http_session *h = session(&s);
    etlc__http_request rq = {.url = url("/redirect/%s", "2")};
    etlc__http_response resp = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_non_null(strstr(resp.body.data, "redirects done"));
    etlc__http_response_free(&resp);
    rq.url = url("/redirect/%s", "3");
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), ETLC_PROTOCOL);
    assert_int_equal(err.native_code, CURLE_TOO_MANY_REDIRECTS);
    assert_int_equal(resp.attempts, 1);
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);

    s.max_redirects = 0; /* not followed: the 302 is an error that says why */
    h = session(&s);
    rq.url = url("/redirect/%s", "1");
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), ETLC_PROTOCOL);
    assert_int_equal(err.native_code, 302);
    assert_non_null(strstr(err.message, "max_redirects"));
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);
}

/* ---- streaming ------------------------------------------------------------------ */

typedef struct sink {
    uint64_t bytes;
    size_t largest;
    bool bad;
    int restarts;
} sink;

static int sink_write(void *ud, const void *data, size_t len, etlc_error *err)
{
    (void)err;
    sink *k = ud;
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        if (p[i] != (k->bytes + i) % 251)
            k->bad = true;
    k->bytes += len;
    if (len > k->largest)
        k->largest = len;
    return 0;
}

static int sink_restart(void *ud, etlc_error *err)
{
    (void)err;
    sink *k = ud;
    k->bytes = 0;
    k->restarts++;
    return 0;
}

static long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void test_streaming_download_bounded(void **state)
{
    (void)state;
    etlc__http_settings s = base_settings();
    etlc__http_session *h = session(&s);
    sink k = {0};
    const char *n = "134217728"; /* 128 MiB */
    etlc__http_request rq = {.url = url("/bytes/%s", n), .on_body = sink_write,
                             .body_consumer_ud = &k};
    etlc__http_response resp = {0};
    etlc_error err = {0};
    long before = peak_rss_kib();
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    long grown = peak_rss_kib() - before;
    assert_int_equal(k.bytes, 134217728ull);
    assert_false(k.bad);
    assert_true(k.largest <= CURL_MAX_WRITE_SIZE);
    assert_null(resp.body.data); /* nothing kept by the layer */
    assert_int_equal(resp.content_length, 134217728);
    assert_true(grown < 16 * 1024);
    etlc__http_response_free(&resp);

    /* Cut halfway twice: the consumer is told to restart, and ends whole. */
    k = (sink){0};
    rq.url = url("/cut/%s/2/300000", fresh_key());
    rq.on_restart = sink_restart;
    s.retry_max = 3;
    etlc__http_session_free(h);
    h = session(&s);
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_int_equal(k.restarts, 2);
    assert_int_equal(k.bytes, 300000);
    assert_false(k.bad);
    etlc__http_response_free(&resp);

    /* Without a restart hook a half-delivered body is not retried. */
    k = (sink){0};
    rq.on_restart = NULL;
    rq.url = url("/cut/%s/1/300000", fresh_key());
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), ETLC_IO);
    assert_int_equal(resp.attempts, 1);
    assert_int_equal(err.native_code, CURLE_PARTIAL_FILE);
    etlc__http_response_free(&resp);

    /* A buffered reply over body_limit is refused, not kept. */
    etlc__http_request small = {.url = url("/bytes/%s", "100000"), .body_limit = 1000};
    assert_int_equal(etlc__http_perform(h, &small, &resp, &err), ETLC_IO);
    assert_non_null(strstr(err.message, "larger than 1000"));
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);
}

static void test_keep_alive_reuses_the_connection(void **state)
{
    (void)state;
    etlc__http_settings s = base_settings();
    etlc__http_session *h = session(&s);
    etlc__http_request rq = {.url = url("/status/%s", "200")};
    etlc__http_response resp = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_int_equal(resp.num_connects, 1);
    etlc__http_response_free(&resp);
    rq.url = url("/echo", NULL);
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_int_equal(resp.num_connects, 0);
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);
}

/* ---- TLS --------------------------------------------------------------------------- */

static void test_https_verification(void **state)
{
    (void)state;
    assert_true(*peer_https_url);
    char u[400];
    snprintf(u, sizeof u, "%s/status/200", peer_https_url);
    etlc__http_settings s = base_settings();
    s.retry_max = 2;
    etlc__http_session *h = session(&s);
    etlc__http_request rq = {.url = u};
    etlc__http_response resp = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), ETLC_CONNECT);
    assert_int_equal(err.native_code, CURLE_PEER_FAILED_VERIFICATION);
    assert_false(err.retryable);
    assert_int_equal(resp.attempts, 1);
    assert_non_null(strstr(err.message, "ca_file"));
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);

    s.ca_file = cert_file;
    h = session(&s);
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_int_equal(resp.status, 200);
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);

    s.ca_file = NULL;
    s.tls_verify = false;
    h = session(&s);
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);

    s.tls_verify = true;
    s.ca_file = "/nonexistent/ca.pem";
    h = session(&s);
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), ETLC_CONNECT);
    assert_non_null(strstr(err.message, "ca_file"));
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);
}

static void test_mutual_tls(void **state)
{
    (void)state;
    assert_true(*peer_mtls_url);
    char u[400];
    snprintf(u, sizeof u, "%s/status/200", peer_mtls_url);
    etlc__http_settings s = base_settings();
    s.retry_max = 0;
    s.ca_file = cert_file;
    etlc__http_request rq = {.url = u};
    etlc__http_response resp = {0};
    etlc_error err = {0};

    /* No client certificate: the server refuses the handshake. */
    etlc__http_session *h = session(&s);
    assert_int_not_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_int_equal(resp.status, 0);
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);

    /* Certificate and encrypted key with its password: accepted. */
    s.client_cert = client_cert;
    s.client_key = client_key;
    s.client_key_password = CLIENT_KEY_PASSWORD;
    h = session(&s);
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_int_equal(resp.status, 200);
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);

    /* A wrong key password: a clear error naming client_cert, no password. */
    s.client_key_password = "wrong-key-password-1";
    h = session(&s);
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), ETLC_CONNECT);
    assert_int_equal(err.native_code, CURLE_SSL_CERTPROBLEM);
    assert_non_null(strstr(err.message, "client_cert"));
    assert_null(strstr(err.message, "wrong-key-password"));
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);
}

/* ---- proxy ------------------------------------------------------------------------- */

static void test_forward_proxy(void **state)
{
    (void)state;
    /* The peer proxies to itself: the reply then carries X-Etlc-Proxy. */
    etlc__http_settings s = base_settings();
    s.proxy = peer_url;
    etlc__http_session *h = session(&s);
    etlc__http_request rq = {.url = url("/echo", NULL)};
    etlc__http_response resp = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    const char *via = etlc__http_response_header(&resp, "X-Etlc-Proxy");
    assert_non_null(via);
    assert_string_equal(via, "1");
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);

    s.no_proxy = "127.0.0.1";
    h = session(&s);
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_null(etlc__http_response_header(&resp, "X-Etlc-Proxy"));
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);
}

/* ---- secrets in the debug log -------------------------------------------------------- */

static void test_secrets_never_logged(void **state)
{
    (void)state;
    tu_clear_logs();
    tu_capture_logs();
    char bearer[200];
    snprintf(bearer, sizeof bearer, "Bearer %s", peer_token);
    etlc__http_settings s = base_settings();
    etlc__http_session *h = session(&s);
    etlc__http_header hdr[] = {{"Authorization", bearer},
                               {"Cookie", "session=cookie-secret-value"},
                               {"X-Api-Key", "api-key-secret-value"}};
    etlc__http_request rq = {.url = url("/auth?api_key=%s", "query-secret-value"),
                             .headers = hdr, .nheaders = 3};
    etlc__http_response resp = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), 0);
    assert_non_null(strstr(resp.body.data, "\"authenticated\": true"));
    etlc__http_response_free(&resp);

    /* A refused token: the error says AUTH, never the token. */
    hdr[0].value = "Bearer wrong-token-value-123";
    assert_int_equal(etlc__http_perform(h, &rq, &resp, &err), ETLC_AUTH);
    assert_null(strstr(err.message, "wrong-token-value"));
    etlc__http_response_free(&resp);
    etlc__http_session_free(h);

    const char *logs = tu_logs();
    assert_non_null(strstr(logs, "> GET /auth")); /* debug logging did happen */
    assert_non_null(strstr(logs, "> Authorization: ***"));
    assert_non_null(strstr(logs, "> Cookie: ***"));
    assert_non_null(strstr(logs, "< HTTP/1.1 401"));
    assert_null(strstr(logs, peer_token));
    assert_null(strstr(logs, "wrong-token-value"));
    assert_null(strstr(logs, "cookie-secret-value"));
    assert_null(strstr(logs, "api-key-secret-value"));
    assert_null(strstr(logs, "query-secret-value"));
    etlc_log_set_callback(NULL, NULL);
    etlc_log_set_level(ETLC_LOG_WARN);
}

/* ---- settings from a config ----------------------------------------------------------- */

static const etlc_option own_options[] = {
    {"url", ETLC_OPT_STRING, NULL, 0, 0, NULL, 0, "base URL"},
};
static const etlc_option_table cfg_table = {"httpcfg", "HTTPCFG", own_options, 1,
                                            etlc__http_fragments};

static void test_settings_from_config(void **state)
{
    (void)state;
    etlc_kv dict[] = {{"timeout", "2s"}, {"retry_max", "5"}, {"tls_verify", "false"},
                      {"proxy", ""}, {"retry_base_delay", "50ms"},
                      {"client_key_password", "pw-secret-value"}};
    etlc_config_sources src = {.dict = dict, .dict_len = 6, .env_prefix = ""};
    etlc_config *cfg = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_config_load(&cfg_table, &src, &cfg, &err), 0);
    etlc__http_settings s;
    assert_int_equal(etlc__http_settings_from_config(cfg, &s, &err), 0);
    assert_int_equal(s.timeout_ms, 2000);
    assert_int_equal(s.retry_max, 5);
    assert_false(s.tls_verify);
    assert_int_equal(s.retry_base_ms, 50);
    assert_int_equal(s.connect_timeout_ms, 10000); /* default */
    assert_int_equal(s.max_redirects, 5);
    assert_string_equal(s.client_key_password, "pw-secret-value");
    char *json = NULL;
    assert_int_equal(etlc_config_to_json(cfg, &json, &err), 0);
    assert_null(strstr(json, "pw-secret-value"));
    free(json);
    etlc_config_free(cfg);
}

static int make_cert(void)
{
    snprintf(cert_dir, sizeof cert_dir, "%s/services/httpbin-test_net_http-certs", ETLCONN_BINARY_DIR);
    snprintf(cert_file, sizeof cert_file, "%s/cert.pem", cert_dir);
    snprintf(key_file, sizeof key_file, "%s/key.pem", cert_dir);
    snprintf(client_cert, sizeof client_cert, "%s/client.pem", cert_dir);
    snprintf(client_key, sizeof client_key, "%s/client-key.pem", cert_dir);
    char cmd[8000];
    /* The server's certificate, and a client certificate whose key is
     * encrypted with CLIENT_KEY_PASSWORD (the server trusts it as its own CA). */
    snprintf(cmd, sizeof cmd,
             "rm -rf '%s' && mkdir -p '%s' && openssl req -x509 -newkey rsa:2048 -nodes "
             "-keyout '%s' -out '%s' -days 2 -subj /CN=localhost "
             "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 >'%s/openssl.out' 2>&1 && "
             "openssl req -x509 -newkey rsa:2048 -passout pass:" CLIENT_KEY_PASSWORD " "
             "-keyout '%s' -out '%s' -days 2 -subj /CN=etlc-client >>'%s/openssl.out' 2>&1",
             cert_dir, cert_dir, key_file, cert_file, cert_dir, client_key, client_cert, cert_dir);
    return peer_sh(cmd);
}

int main(void)
{
    char tls[3200];
    if (make_cert() != 0) {
        fprintf(stderr, "FAIL: openssl could not make a self-signed certificate in %s\n", cert_dir);
        return 1;
    }
    snprintf(tls, sizeof tls, "--tls '%s' '%s' --client-ca '%s'", cert_file, key_file,
             client_cert);
    if (peer_start("test_net_http", tls) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_echo_headers_and_user_agent),
        cmocka_unit_test(test_retry_until_success),
        cmocka_unit_test(test_retry_gives_up_with_the_status),
        cmocka_unit_test(test_backoff_waits_between_attempts),
        cmocka_unit_test(test_retry_after_both_forms_and_cap),
        cmocka_unit_test(test_no_retry_for_unreplayable_body),
        cmocka_unit_test(test_status_mapping_without_retry),
        cmocka_unit_test(test_timeouts_and_refusal),
        cmocka_unit_test(test_redirect_limit),
        cmocka_unit_test(test_streaming_download_bounded),
        cmocka_unit_test(test_keep_alive_reuses_the_connection),
        cmocka_unit_test(test_https_verification),
        cmocka_unit_test(test_mutual_tls),
        cmocka_unit_test(test_forward_proxy),
        cmocka_unit_test(test_secrets_never_logged),
        cmocka_unit_test(test_settings_from_config),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    peer_stop();
    tu_rmtree(cert_dir);
    return failed;
}
