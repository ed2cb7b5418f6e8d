/* One request of the http connector: the rate limit, the configured
 * headers, auth (an API key in the query is added here, so next-page links
 * from the server get it too), and one token renewal on a 401 with OAuth2. */
#include <stdlib.h>
#include <string.h>

#include "rest_internal.h"

void etlc__rest_rate_wait(rest_ctx *ctx)
{
    if (ctx->rate_limit <= 0)
        return;
    double now = etlc__monotonic_ms();
    if (ctx->next_slot_ms > now)
        etlc__sleep_ms((long)(ctx->next_slot_ms - now + 0.5));
    double base = ctx->next_slot_ms > now ? ctx->next_slot_ms : now;
    ctx->next_slot_ms = base + 1000.0 / ctx->rate_limit;
}

static int with_key_in_query(const rest_ctx *ctx, const char *url, char **out, etlc_error *err)
{
    CURLU *u = curl_url();
    etlc__buf kv = {0};
    char *full = NULL;
    CURLUcode uc = u ? curl_url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;
    if (uc == CURLUE_OK && etlc__buf_printf(&kv, "%s=%s", ctx->api_key_name, ctx->api_key))
        uc = CURLUE_OUT_OF_MEMORY;
    if (uc == CURLUE_OK)
        uc = curl_url_set(u, CURLUPART_QUERY, kv.data, CURLU_APPENDQUERY | CURLU_URLENCODE);
    if (uc == CURLUE_OK)
        uc = curl_url_get(u, CURLUPART_URL, &full, 0);
    *out = uc == CURLUE_OK ? etlc__strdup(full) : NULL;
    if (kv.data)
        memset(kv.data, 0, kv.len);
    etlc__buf_free(&kv);
    curl_free(full);
    curl_url_cleanup(u);
    /* url came out of libcurl's own parser (etlc__rest_url, _resolve): a
     * failure here is an allocation's, whatever code libcurl gives it. */
    return *out ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory adding the API key");
}

static int send_once(rest_ctx *ctx, etlc__http_request *rq, etlc__http_response *resp,
                     etlc_error *err)
{
    size_t n = ctx->nheaders + rq->nheaders + 2;
    etlc__http_header *h = calloc(n, sizeof *h);
    if (!h)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building request headers");
    size_t k = 0;
    for (size_t i = 0; i < rq->nheaders; i++)
        h[k++] = rq->headers[i];
    for (size_t i = 0; i < ctx->nheaders; i++)
        h[k++] = ctx->headers[i];
    etlc__buf authbuf = {0};
    int has_auth = etlc__rest_auth_header(ctx, &h[k], &authbuf);
    if (has_auth < 0) {
        free(h);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building request headers");
    }
    k += (size_t)has_auth;
    etlc__http_request copy = *rq;
    copy.headers = h;
    copy.nheaders = k;
    if (ctx->auth == REST_AUTH_BASIC) {
        copy.setup = etlc__rest_setup_basic;
        copy.hook_ud = ctx;
    }
    etlc__rest_rate_wait(ctx);
    int rc = etlc__http_perform(ctx->http, &copy, resp, err);
    if (authbuf.data)
        memset(authbuf.data, 0, authbuf.len); /* it holds the token */
    etlc__buf_free(&authbuf);
    free(h);
    return rc;
}

int etlc__rest_send(rest_ctx *ctx, etlc__http_request *rq, etlc__http_response *resp,
                    etlc_error *err)
{
    int rc = 0;
    if (ctx->auth == REST_AUTH_OAUTH2)
        rc = etlc__rest_oauth2_token(ctx, false, err);
    char *keyed = NULL;
    const char *url = rq->url;
    if (rc == 0 && ctx->auth == REST_AUTH_API_KEY && ctx->api_key_in_query) {
        rc = with_key_in_query(ctx, rq->url, &keyed, err);
        rq->url = keyed;
    }
    if (rc == 0)
        rc = send_once(ctx, rq, resp, err);
    /* A token revoked or expired early: renew it once and try again. */
    if (rc == ETLC_AUTH && ctx->auth == REST_AUTH_OAUTH2 && resp->status == 401) {
        etlc__http_response_free(resp);
        etlc_error_clear(err);
        rc = etlc__rest_oauth2_token(ctx, true, err);
        if (rc == 0)
            rc = send_once(ctx, rq, resp, err);
    }
    rq->url = url;
    etlc__free_secret(keyed);
    return rc;
}
