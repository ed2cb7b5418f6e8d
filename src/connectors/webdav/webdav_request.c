/* Requests carrying the connector's credentials, and PROPFIND. */
#include <string.h>

#include "webdav_internal.h"

/* Called by the HTTP layer before each attempt (after its own options). */
static int set_auth(void *ud, CURL *h, etlc_error *err)
{
    webdav_ctx *ctx = ud;
    if (!ctx->username)
        return 0;
    CURLcode cc = curl_easy_setopt(h, CURLOPT_USERNAME, ctx->username);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_PASSWORD, ctx->password ? ctx->password : "");
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h, CURLOPT_HTTPAUTH, ctx->auth);
    if (cc != CURLE_OK)
        return etlc_error_set(err, cc == CURLE_OUT_OF_MEMORY ? ETLC_NO_MEMORY : ETLC_INVALID_ARGUMENT,
                              "setting up WebDAV authentication: %s", curl_easy_strerror(cc));
    return 0;
}

void etlc__webdav_request_init(webdav_ctx *ctx, etlc__http_request *rq, const char *method,
                               const char *url)
{
    memset(rq, 0, sizeof *rq);
    rq->method = method;
    rq->url = url;
    rq->setup = set_auth;
    rq->hook_ud = ctx;
}

int etlc__webdav_propfind(webdav_ctx *ctx, const char *url, const char *depth,
                          etlc__http_response *resp, etlc_error *err)
{
    etlc__http_header headers[] = {
        {"Depth", depth},
        {"Content-Type", "application/xml; charset=utf-8"},
    };
    etlc__http_request rq;
    etlc__webdav_request_init(ctx, &rq, "PROPFIND", url);
    rq.headers = headers;
    rq.nheaders = sizeof headers / sizeof headers[0];
    rq.body = etlc__webdav_propfind_body;
    rq.body_len = strlen(etlc__webdav_propfind_body);
    rq.body_limit = ctx->max_listing;
    int rc = etlc__http_perform(ctx->http, &rq, resp, err);
    if (rc == 0 && resp->status != 207)
        rc = etlc_error_set(err, ETLC_PROTOCOL, "PROPFIND %s answered %ld, not 207 Multi-Status "
                            "(is it a WebDAV collection?)", url, resp->status);
    return rc;
}
