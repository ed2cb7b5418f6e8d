/* etlconn — the one libcurl layer (internal).
 *
 * A session owns one CURL easy handle: connections, TLS sessions and DNS
 * answers are kept between requests (keep-alive). Every request goes through
 * etlc__http_perform, which applies the session's settings (timeouts, TLS,
 * proxy, redirect limit, user agent), retries what is safe to retry with
 * exponential backoff and full jitter (honouring Retry-After), logs each
 * request and response at debug level with secrets masked, and maps libcurl
 * and HTTP failures to etlc codes.
 *
 * Threads: a session is used by ONE thread at a time (libcurl easy handles
 * are not shareable); different sessions may run in parallel. Connectors that
 * keep one session per thread set ETLC_CONNECTOR_PER_THREAD and let the cache
 * hand each thread its own. Settings are copied at session creation. */
#ifndef ETLCONN_NET_HTTP_H
#define ETLCONN_NET_HTTP_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"

/* ---- settings --------------------------------------------------------------- */

typedef struct etlc__http_settings {
    long connect_timeout_ms;   /* TCP + TLS handshake; 0 = libcurl's default (300 s) */
    long timeout_ms;           /* whole request, per attempt; 0 = none */
    long low_speed_limit;      /* bytes/s below which ... */
    long low_speed_time_ms;    /* ... for this long the transfer is cut; 0 = off */
    bool tls_verify;           /* peer certificate and host name; default true */
    const char *ca_file;       /* PEM bundle to trust instead of the system's; NULL = system */
    const char *client_cert;   /* PEM client certificate; NULL = none */
    const char *client_key;    /* PEM private key of client_cert; NULL = in client_cert */
    const char *client_key_password; /* secret; NULL = none */
    const char *proxy;         /* NULL = libcurl's default (http_proxy... variables); "" = none */
    const char *no_proxy;      /* comma-separated hosts that bypass the proxy; NULL = default */
    long max_redirects;        /* 0 = do not follow redirects */
    int retry_max;             /* extra attempts after the first, >= 0 */
    long retry_base_ms;        /* first backoff ceiling; doubles per attempt */
    long retry_cap_ms;         /* backoff ceiling cap */
    long retry_after_max_ms;   /* a longer Retry-After ends the retries */
    const char *user_agent;    /* NULL = "etlconn/<version>" */
    /* libcurl schemes the session may use, e.g. "ftp,ftps" (FTP connector);
     * NULL = "http,https". A non-HTTP scheme has no HTTP status: a request
     * succeeds when libcurl does (the status checks, Retry-After and the
     * status mapping do not apply) and redirects are not followed. */
    const char *protocols;
} etlc__http_settings;

/* Defaults: connect 10 s, no total timeout, cut below 1 byte/s for 60 s,
 * verify on, no proxy override, 5 redirects, 3 retries from 200 ms capped at
 * 10 s, Retry-After up to 60 s. */
void etlc__http_settings_default(etlc__http_settings *s);

/* Fill `s` (after defaults) from the keys of the net option fragments that
 * cfg's table includes; keys the table lacks keep their default. Strings
 * are borrowed from cfg (valid until it is freed). */
int etlc__http_settings_from_config(const etlc_config *cfg, etlc__http_settings *s,
                                    etlc_error *err);

/* ---- shared option fragments (http_options.c) ------------------------------
 * Include them in a connector's table: `.fragments = etlc__http_fragments`
 * (or pick single fragments into your own NULL-terminated list). */
extern const etlc_option_table etlc__net_fragment_tls;     /* tls_verify, ca_file, client_cert, client_key, client_key_password */
extern const etlc_option_table etlc__net_fragment_proxy;   /* proxy, no_proxy */
extern const etlc_option_table etlc__net_fragment_limits;  /* connect_timeout, timeout, low_speed_*, max_redirects */
extern const etlc_option_table etlc__net_fragment_retry;   /* retry_max, retry_base_delay, retry_max_delay, retry_after_max */
extern const etlc_option_table etlc__net_fragment_pool;    /* pool_max, pool_idle_timeout */
extern const etlc_option_table *const etlc__http_fragments[]; /* tls, proxy, limits, retry, NULL */

/* ---- backoff (http_retry.c) ------------------------------------------------- */

/* Full jitter: a uniform delay in [0, min(cap, base * 2^(attempt-1))] ms for
 * retry number `attempt` (1-based), drawn from *rng (any non-zero seed). */
long etlc__backoff_full_jitter(long base_ms, long cap_ms, unsigned attempt, uint64_t *rng);
/* Same with a per-thread generator seeded from the clock. */
long etlc__backoff_ms(long base_ms, long cap_ms, unsigned attempt);
/* Retry-After as delta seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015
 * 07:28:00 GMT", also RFC 850 and asctime forms), relative to `now` (Unix
 * seconds). 0 and the delay in ms (a past date is 0), or -1 if unparsable. */
int etlc__retry_after_ms(const char *value, int64_t now, long *delay_ms);
void etlc__sleep_ms(long ms);

/* ---- requests ---------------------------------------------------------------- */

typedef struct etlc__http_header {
    const char *name;
    const char *value;
} etlc__http_header;

/* Request body reader: fill buf with up to len bytes; return the count, 0 at
 * the end, or (size_t)-1 to abort (the request fails with IO). */
typedef size_t (*etlc__http_read_fn)(void *ud, char *buf, size_t len);
/* Start the body again from its first byte (for a retry); 0 or -1. */
typedef int (*etlc__http_rewind_fn)(void *ud);
/* Streaming response consumer: 0, or an etlc code (with err filled) to abort. */
typedef int (*etlc__http_write_fn)(void *ud, const void *data, size_t len, etlc_error *err);
/* A retry is about to deliver the body again from its first byte: discard
 * what was received so far. 0, or an etlc code (err filled) to stop. */
typedef int (*etlc__http_restart_fn)(void *ud, etlc_error *err);
/* Set extra options on the handle after the layer's own (e.g. CURLOPT_AWS_SIGV4,
 * CURLOPT_USERNAME). Called before each attempt. 0 or an etlc code. */
typedef int (*etlc__http_setup_fn)(void *ud, CURL *h, etlc_error *err);
struct etlc__http_response;
/* Map a non-2xx reply to an error (code, message, retryable). NULL = the
 * layer's own mapping (etlc__http_status_error). */
typedef int (*etlc__http_status_fn)(void *ud, const struct etlc__http_response *resp,
                                    const char *body, size_t body_len, etlc_error *err);

typedef struct etlc__http_request {
    const char *method;                 /* NULL = "GET" (or "POST" with a body) */
    const char *url;
    const char *what;                   /* for messages; NULL = "METHOD url" (redacted) */
    const etlc__http_header *headers;
    size_t nheaders;
    /* Body: a buffer (always replayable) ... */
    const void *body;
    size_t body_len;
    bool send_body;                     /* send body/body_len even when empty (PUT, POST) */
    /* ... or a reader; replayable only with a rewind. */
    etlc__http_read_fn body_read;
    etlc__http_rewind_fn body_rewind;
    void *body_ud;
    int64_t body_read_len;              /* -1 = unknown (chunked) */
    /* Response body: into resp->body (kept up to body_limit bytes, 0 = all),
     * or streamed to on_body. With on_body, a retry after bytes were delivered
     * needs on_restart; without it such a request is not retried. */
    size_t body_limit;
    etlc__http_write_fn on_body;
    etlc__http_restart_fn on_restart;
    void *body_consumer_ud;
    bool no_retry;                      /* never retry (e.g. a non-idempotent POST) */
    etlc__http_setup_fn setup;
    etlc__http_status_fn map_status;
    void *hook_ud;                      /* for setup and map_status */
} etlc__http_request;

typedef struct etlc__http_response {
    long status;              /* of the last attempt; 0 when no reply came */
    etlc__buf body;           /* 2xx body when the request has no on_body */
    etlc__buf headers;        /* the final reply's header lines, "Name: value\0" each */
    unsigned attempts;        /* attempts made */
    long num_connects;        /* CURLINFO_NUM_CONNECTS of the last attempt (0 = reused) */
    int64_t content_length;   /* -1 when unknown */
} etlc__http_response;

/* The value of the reply header `name` (case-insensitive, first match,
 * trimmed), borrowed until the response is freed or reused; NULL if absent. */
const char *etlc__http_response_header(const etlc__http_response *resp, const char *name);
/* Free what the response holds and zero it (the struct itself is the caller's). */
void etlc__http_response_free(etlc__http_response *resp);

/* ---- sessions ------------------------------------------------------------------ */

typedef struct etlc__http_session etlc__http_session;

int etlc__http_session_new(const etlc__http_settings *settings, etlc__http_session **out,
                           etlc_error *err);
/* A session with the settings the connector's config gives (defaults, then
 * the net fragments' keys it sets). */
int etlc__http_session_from_config(const etlc_config *cfg, etlc__http_session **out, etlc_error *err);
void etlc__http_session_free(etlc__http_session *s); /* NULL ok; secrets zeroed */
const etlc__http_settings *etlc__http_session_settings(const etlc__http_session *s);
/* The handle, for curl_easy_getinfo after a request. Borrowed. */
CURL *etlc__http_session_curl(etlc__http_session *s);

/* Send `rq` with retries. 0 for a 2xx reply; otherwise an etlc code with err
 * filled (native_code = CURLcode with native_state "CURL", or the HTTP status
 * with native_state "HTTP"; retryable set). `resp` is always filled as far as
 * the last attempt got (free it either way). */
int etlc__http_perform(etlc__http_session *s, const etlc__http_request *rq,
                       etlc__http_response *resp, etlc_error *err);

/* ---- error mapping (http_error.c) ------------------------------------------------ */

/* A failed transfer: CURLcode -> CONNECT_REFUSED, CONNECT_NOT_FOUND,
 * CONNECT_TIMEOUT/TIMEOUT, IO, CONNECT (TLS), PROTOCOL...; `connected`
 * tells a connect timeout from a transfer timeout. */
int etlc__http_curl_error(CURLcode cc, bool connected, const char *what, const char *detail,
                          etlc_error *err);
/* A non-2xx status: 401 AUTH, 403 AUTH_DENIED, 404/410 IO_NOT_FOUND, 429 BUSY,
 * 502 IO, 503 BUSY, 504 TIMEOUT (those four retryable), other -> PROTOCOL/IO;
 * a redacted excerpt of the body goes into the message. */
int etlc__http_status_error(long status, const char *what, const char *body, size_t body_len,
                            etlc_error *err);
/* Append to `b` a one-line printable excerpt of body (at most max bytes). */
int etlc__http_body_excerpt(etlc__buf *b, const char *body, size_t len, size_t max);
/* True for reply headers whose value is secret (Authorization, Cookie, ...). */
bool etlc__http_header_is_secret(const char *name, size_t name_len);

#endif
