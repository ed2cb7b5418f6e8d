/* One Sheets API GET: the bearer token (renewed once on a 401) or the API
 * key as the `key` query parameter. The key is added to a copy of the URL
 * that is freed as a secret; messages name the request, not the URL. */
#include <stdlib.h>
#include <string.h>

#include "core/json_load.h"
#include "gsheets_internal.h"

int etlc__gs_escape(etlc__buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~';
        int rc = plain ? etlc__buf_putc(b, (char)c)
                       : etlc__buf_printf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
        if (rc)
            return -1;
    }
    return 0;
}

static int send_once(gs_ctx *ctx, const char *path_query, const char *what,
                     etlc__http_response *resp, etlc_error *err)
{
    etlc__buf url = {0}, auth = {0};
    bool service = ctx->private_key != NULL;
    int oom = etlc__buf_printf(&url, "%s/%s", ctx->api_base, path_query);
    if (!oom && !service && ctx->api_key) {
        oom = etlc__buf_puts(&url, strchr(path_query, '?') ? "&key=" : "?key=") ||
              etlc__gs_escape(&url, ctx->api_key);
    }
    if (!oom && service)
        oom = etlc__buf_printf(&auth, "Bearer %s", ctx->access_token);
    etlc__http_header hdr[2] = {{"Accept", "application/json"}, {"Authorization", auth.data}};
    etlc__http_request rq = {.url = url.data, .what = what, .headers = hdr,
                             .nheaders = service ? 2 : 1, .body_limit = 256u << 20};
    int rc = oom ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building a request")
                 : etlc__http_perform(ctx->http, &rq, resp, err);
    if (url.data)
        memset(url.data, 0, url.len); /* may hold the API key */
    if (auth.data)
        memset(auth.data, 0, auth.len);
    etlc__buf_free(&url);
    etlc__buf_free(&auth);
    return rc;
}

int etlc__gs_get_json(gs_ctx *ctx, const char *path_query, const char *what, json_t **doc,
                      etlc_error *err)
{
    *doc = NULL;
    bool service = ctx->private_key != NULL;
    int rc = service ? etlc__gs_token(ctx, false, err) : 0;
    etlc__http_response resp = {0};
    if (rc == 0)
        rc = send_once(ctx, path_query, what, &resp, err);
    /* A token revoked or expired early: renew it once and try again. */
    if (rc != 0 && service && resp.status == 401) {
        etlc__http_response_free(&resp);
        etlc_error_clear(err);
        rc = etlc__gs_token(ctx, true, err);
        if (rc == 0)
            rc = send_once(ctx, path_query, what, &resp, err);
    }
    if (rc == 0) {
        json_error_t je;
        bool oom = false;
        *doc = etlc__json_loadb(resp.body.data ? resp.body.data : "", resp.body.len, 0, &je, &oom);
        if (!*doc)
            rc = oom ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory parsing a reply")
                     : etlc_error_set(err, ETLC_PROTOCOL, "%s: the reply is not JSON: %s", what,
                                      je.text);
    }
    etlc__http_response_free(&resp);
    return rc;
}
