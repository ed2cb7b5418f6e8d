/* etlc_http_request (include/etlconn/http.h): one request through an http
 * connector's session, the response handed to the caller. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/connector_internal.h"
#include "etlconn/http.h"
#include "rest_internal.h"

extern const etlc_connector_ops etlc_connector_http;

typedef struct err_body {
    etlc__buf body;
} err_body;

/* Keep a non-2xx reply's body for the caller, then map it as the layer
 * does (so retryable statuses are still retried). */
static int keep_error_body(void *ud, const etlc__http_response *resp, const char *body,
                           size_t len, etlc_error *err)
{
    err_body *e = ud;
    etlc__buf_reset(&e->body);
    if (len && etlc__buf_append(&e->body, body, len) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping the reply");
    return etlc__http_status_error(resp->status, "http request", body, len, err);
}

static int make_response(const etlc__http_response *resp, const etlc__buf *body,
                         etlc_http_response **out, etlc_error *err)
{
    etlc_http_response *r = calloc(1, sizeof *r);
    etlc__buf h = {0};
    int bad = !r;
    for (size_t i = 0; !bad && i < resp->headers.len;) {
        const char *line = resp->headers.data + i;
        size_t n = strlen(line);
        bad = etlc__buf_append(&h, line, n) || etlc__buf_putc(&h, '\n');
        i += n + 1;
    }
    if (!bad) {
        r->status = resp->status;
        r->body = malloc(body->len + 1);
        bad = !r->body;
    }
    if (bad) {
        if (r)
            free(r->body);
        free(r);
        etlc__buf_free(&h);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping the reply");
    }
    if (body->len)
        memcpy(r->body, body->data, body->len);
    r->body[body->len] = '\0';
    r->body_len = body->len;
    r->headers_len = h.len;
    r->headers = h.data ? etlc__buf_take(&h) : calloc(1, 1);
    *out = r;
    return r->headers ? 0 : (etlc_http_response_free(r), *out = NULL,
                             etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping the reply"));
}

static int do_request(rest_ctx *ctx, const etlc_http_request_options *o, etlc_http_response **out,
                      etlc_error *err)
{
    char *url = NULL;
    int rc = etlc__rest_url(ctx, o->path, o->params, o->nparams, &url, err);
    etlc__http_header *h = calloc(o->nheaders + 1, sizeof *h);
    if (rc == 0 && !h)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the request");
    size_t k = 0;
    for (size_t i = 0; rc == 0 && i < o->nheaders; i++)
        h[k++] = (etlc__http_header){o->headers[i].key, o->headers[i].value};
    if (rc == 0 && o->body)
        h[k++] = (etlc__http_header){"Content-Type", o->content_type ? o->content_type : "application/json"};
    err_body eb = {{0}};
    etlc__http_response resp = {0};
    if (rc == 0) {
        etlc__http_request rq = {.method = o->method, .url = url, .headers = h, .nheaders = k,
                                 .body = o->body, .body_len = o->body_len, .send_body = o->body != NULL,
                                 .body_limit = ctx->max_body, .map_status = keep_error_body,
                                 .hook_ud = &eb};
        rc = etlc__rest_send(ctx, &rq, &resp, err);
        if (rc != 0 && resp.status >= 100 && rc != ETLC_NO_MEMORY) {
            etlc_error_clear(err); /* the server answered: the caller reads the status */
            rc = 0;
        }
    }
    if (rc == 0)
        rc = make_response(&resp, resp.status >= 200 && resp.status <= 299 ? &resp.body : &eb.body,
                           out, err);
    etlc__buf_free(&eb.body);
    etlc__http_response_free(&resp);
    free(h);
    free(url);
    return rc;
}

int etlc_http_request(etlc_connector *c, const etlc_http_request_options *req,
                      etlc_http_response **out, etlc_error *err)
{
    if (out)
        *out = NULL;
    if (!c || !req || !out)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "etlc_http_request needs a connector, "
                              "a request and an out pointer");
    if (c->ops != &etlc_connector_http)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "etlc_http_request: connector '%s' is "
                              "not an http connector", c->ops->name);
    etlc__connector_enter(c);
    int rc = do_request(c->ctx, req, out, err);
    etlc__connector_leave(c);
    return rc;
}

const char *etlc_http_response_header(const etlc_http_response *resp, const char *name,
                                      char *buf, size_t bufsz)
{
    size_t n = name ? strlen(name) : 0;
    for (const char *l = resp && n ? resp->headers : NULL; l && *l;) {
        size_t len = strcspn(l, "\n");
        if (len > n && l[n] == ':' && strncasecmp(l, name, n) == 0) {
            const char *v = l + n + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            snprintf(buf, bufsz, "%.*s", (int)(l + len - v), v);
            return buf;
        }
        l += len + (l[len] == '\n');
    }
    return NULL;
}

void etlc_http_response_free(etlc_http_response *resp)
{
    if (!resp)
        return;
    free(resp->body);
    free(resp->headers);
    free(resp);
}
