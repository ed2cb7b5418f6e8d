/* etlconn — one HTTP request through an http connector, for code that
 * wants the response itself (status, headers, body) rather than landing it.
 *
 * The request goes through the connector's session: its base_url, headers,
 * auth (basic, bearer, API key, OAuth2 token fetched and renewed), rate
 * limit, TLS, proxy, timeouts and retries (429, 502, 503, 504 with backoff
 * and Retry-After). Secrets never appear in error messages or logs.
 *
 * Threads: like every call on a connector, one thread at a time per
 * connector (the call waits for others); get a connector per thread from
 * the cache (etlc_get_connection) to run requests in parallel.
 *
 * When the http connector is compiled out (-DETLCONN_WITH_HTTP=OFF) the
 * functions still link and etlc_http_request answers ETLC_NOT_BUILT_IN. */
#ifndef ETLCONN_HTTP_H
#define ETLCONN_HTTP_H

#include <stddef.h>

#include "config.h"
#include "connector.h"
#include "error.h"
#include "export.h"

ETLC_BEGIN_DECLS

typedef struct etlc_http_request_options {
    const char *method;        /* NULL = "GET" ("POST" when body is set) */
    const char *path;          /* joined to base_url ("/posts", "posts?x=1"); an absolute
                                  URL must stay on base_url's origin unless the connector
                                  has allow_other_origins; NULL = base_url itself */
    const etlc_kv *params;     /* query parameters, URL-encoded and appended; may be NULL */
    size_t nparams;
    const etlc_kv *headers;    /* extra request headers (after the connector's own) */
    size_t nheaders;
    const void *body;          /* request body, sent as is; NULL = none */
    size_t body_len;
    const char *content_type;  /* of the body; NULL = "application/json" */
} etlc_http_request_options;

typedef struct etlc_http_response {
    long status;               /* the final reply's HTTP status */
    char *body;                /* NUL-terminated (also when binary: use body_len); for a
                                  non-2xx reply its first 64 KiB */
    size_t body_len;
    char *headers;             /* the final reply's header lines, "Name: value\n" each */
    size_t headers_len;
} etlc_http_response;

/* Send one request. 0 when the server answered, whatever the status: check
 * (*out)->status (after a retryable status whose retries ran out it is the
 * last reply's). An etlc code with err filled, and *out NULL, when no reply
 * came (connect, TLS, timeout, a 2xx body over the connector's
 * max_body_size); ETLC_INVALID_ARGUMENT when `c` is not an http connector.
 * Free *out with etlc_http_response_free. */
int etlc_http_request(etlc_connector *c, const etlc_http_request_options *req,
                      etlc_http_response **out, etlc_error *err);
/* The value of reply header `name` (case-insensitive, first match) copied
 * into buf (NUL-terminated, truncated to bufsz); NULL when absent. */
const char *etlc_http_response_header(const etlc_http_response *resp, const char *name,
                                      char *buf, size_t bufsz);
void etlc_http_response_free(etlc_http_response *resp); /* NULL ok */

ETLC_END_DECLS
#endif
