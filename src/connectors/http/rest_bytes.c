/* The bytes capability of the http connector (no records_path): the
 * fetched resource's body lands as it is, streamed. Listing asks the server
 * with HEAD for its ETag, Last-Modified and Content-Type, so an unchanged
 * resource (same validator as the checkpoint) is not landed again; a server
 * that gives no validator (or refuses HEAD) has its resource landed every
 * run. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest_internal.h"

/* A lake-safe name for the resource: its path, other bytes as '_'. */
static char *resource_name(const char *resource)
{
    const char *s = resource;
    if (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0) {
        s = strstr(s, "://") + 3;
        s += strcspn(s, "/");
    }
    while (*s == '/')
        s++;
    size_t n = strcspn(s, "?#");
    while (n && s[n - 1] == '/')
        n--;
    char *name = etlc__strndup(n ? s : "index", n ? n : 5);
    for (char *p = name; p && *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("._-/", *p))
            *p = '_';
    return name;
}

int etlc__rest_list(void *vctx, const etlc_list_request *req, etlc_resource_fn fn, void *userdata,
                    etlc_error *err)
{
    rest_ctx *ctx = vctx;
    const char *resource = req->pattern ? req->pattern : "";
    free(ctx->bytes_resource);
    ctx->bytes_resource = etlc__strdup(resource);
    char *name = resource_name(resource), *url = NULL;
    if (!ctx->bytes_resource || !name) {
        free(name);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing '%s'", resource);
    }
    int rc = etlc__rest_url(ctx, resource, NULL, 0, &url, err);
    etlc__http_response resp = {0};
    bool head_ok = false;
    if (rc == 0) {
        etlc__http_request rq = {.method = "HEAD", .url = url, .body_limit = 1};
        etlc_error ignored = {0};
        head_ok = etlc__rest_send(ctx, &rq, &resp, &ignored) == 0; /* GET tells the real error */
    }
    char fallback[48];
    snprintf(fallback, sizeof fallback, "unvalidated-%lld", (long long)etlc_now_us());
    const char *etag = head_ok ? etlc__http_response_header(&resp, "ETag") : NULL;
    const char *lm = head_ok ? etlc__http_response_header(&resp, "Last-Modified") : NULL;
    time_t mtime = lm ? curl_getdate(lm, NULL) : -1;
    if (rc == 0) {
        etlc_resource res = {.name = name, .size = -1,
                             .mtime_us = mtime > 0 ? (int64_t)mtime * 1000000 : 0,
                             .etag = etag ? etag : (lm ? lm : fallback),
                             .content_type = head_ok ? etlc__http_response_header(&resp, "Content-Type")
                                                     : NULL};
        rc = fn(userdata, &res, err);
    }
    etlc__http_response_free(&resp);
    free(url);
    free(name);
    return rc;
}

typedef struct body_tap {
    etlc_byte_consumer bytes;
} body_tap;

static int on_body(void *ud, const void *data, size_t len, etlc_error *err)
{
    body_tap *t = ud;
    return len ? t->bytes.on_bytes(t->bytes.userdata, data, len, err) : 0;
}

int etlc__rest_open(void *vctx, const etlc_resource *res, etlc_byte_consumer bytes,
                    etlc_error *err)
{
    rest_ctx *ctx = vctx;
    (void)res;
    char *url = NULL;
    int rc = etlc__rest_url(ctx, ctx->bytes_resource ? ctx->bytes_resource : res->name, NULL, 0,
                            &url, err);
    if (rc != 0)
        return rc;
    body_tap t = {.bytes = bytes};
    bool post = strcmp(ctx->method, "POST") == 0;
    etlc__http_header ct = {"Content-Type", "application/json"};
    /* Bytes already handed on cannot be taken back: no on_restart, so the
     * layer retries only failures before the first byte. */
    etlc__http_request rq = {.method = ctx->method, .url = url, .headers = &ct,
                             .nheaders = post && ctx->json_body ? 1 : 0,
                             .body = post ? ctx->json_body : NULL,
                             .body_len = post && ctx->json_body ? strlen(ctx->json_body) : 0,
                             .send_body = post, .on_body = on_body, .body_consumer_ud = &t};
    etlc__http_response resp = {0};
    rc = etlc__rest_send(ctx, &rq, &resp, err);
    etlc__http_response_free(&resp);
    free(url);
    return rc;
}
