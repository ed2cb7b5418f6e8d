/* Authentication of the http connector: basic (libcurl's user/password),
 * bearer token, API key (header or query), and OAuth2 client credentials:
 * the access token is fetched from token_url, registered with the redactor
 * (never logged), kept per connector and renewed before it expires. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_load.h"
#include "rest_internal.h"

int etlc__rest_setup_basic(void *ud, CURL *h, etlc_error *err)
{
    const rest_ctx *ctx = ud;
    (void)err;
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, ctx->username ? ctx->username : "");
    curl_easy_setopt(h, CURLOPT_PASSWORD, ctx->password ? ctx->password : "");
    return 0;
}

int etlc__rest_auth_header(const rest_ctx *ctx, etlc__http_header *h, etlc__buf *buf)
{
    switch (ctx->auth) {
    case REST_AUTH_BEARER:
    case REST_AUTH_OAUTH2: {
        const char *t = ctx->auth == REST_AUTH_BEARER ? ctx->token : ctx->access_token;
        if (etlc__buf_printf(buf, "Bearer %s", t ? t : ""))
            return -1;
        *h = (etlc__http_header){"Authorization", buf->data};
        return 1;
    }
    case REST_AUTH_API_KEY:
        if (ctx->api_key_in_query)
            return 0;
        *h = (etlc__http_header){ctx->api_key_name, ctx->api_key};
        return 1;
    default:
        return 0;
    }
}

/* "a=1&b=2" form body of the client credentials grant. */
static int token_form(const rest_ctx *ctx, CURL *h, etlc__buf *b)
{
    const char *keys[] = {"grant_type", "client_id", "client_secret", "scope"};
    const char *vals[] = {"client_credentials", ctx->client_id, ctx->client_secret, ctx->scope};
    for (size_t i = 0; i < 4; i++) {
        if (!vals[i] || !*vals[i])
            continue;
        char *esc = curl_easy_escape(h, vals[i], 0);
        int bad = !esc || etlc__buf_printf(b, "%s%s=%s", b->len ? "&" : "", keys[i], esc);
        curl_free(esc);
        if (bad)
            return -1;
    }
    return 0;
}

/* The token reply: access_token (required), expires_in (default 3600 s). */
static int token_reply(rest_ctx *ctx, const etlc__http_response *resp, etlc_error *err)
{
    bool oom = false;
    json_t *doc = etlc__json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL, &oom);
    json_t *tok = doc ? json_object_get(doc, "access_token") : NULL;
    if (!json_is_string(tok) || !*json_string_value(tok)) {
        json_decref(doc);
        return oom ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the OAuth2 token")
                   : etlc_error_set(err, ETLC_AUTH, "http: the OAuth2 token endpoint %s answered "
                                    "without an access_token", ctx->token_url);
    }
    json_t *exp = json_object_get(doc, "expires_in");
    double life_s = json_is_number(exp) ? json_number_value(exp) : 3600;
    char *copy = etlc__strdup(json_string_value(tok));
    json_decref(doc);
    if (!copy)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping the OAuth2 token");
    etlc_redact_register_secret(copy);
    etlc__free_secret(ctx->access_token);
    ctx->access_token = copy;
    /* Renewed before it runs out: a tenth of its life early, at least 5 s. */
    double margin = life_s / 10 < 5 ? 5 : life_s / 10;
    ctx->token_expires_ms = etlc__monotonic_ms() + (life_s - margin) * 1000;
    return 0;
}

int etlc__rest_oauth2_token(rest_ctx *ctx, bool force, etlc_error *err)
{
    if (!force && ctx->access_token && etlc__monotonic_ms() < ctx->token_expires_ms)
        return 0;
    etlc__buf form = {0};
    if (token_form(ctx, etlc__http_session_curl(ctx->http), &form) != 0) {
        etlc__buf_free(&form);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the token request");
    }
    etlc__http_header hdr[] = {{"Content-Type", "application/x-www-form-urlencoded"},
                               {"Accept", "application/json"}};
    etlc__http_request rq = {.method = "POST", .url = ctx->token_url,
                             .what = "http: OAuth2 token request", .headers = hdr, .nheaders = 2,
                             .body = form.data, .body_len = form.len, .send_body = true,
                             .body_limit = 1 << 20};
    etlc__http_response resp = {0};
    etlc__rest_rate_wait(ctx);
    int rc = etlc__http_perform(ctx->http, &rq, &resp, err);
    if (rc == 0)
        rc = token_reply(ctx, &resp, err);
    else if (rc != ETLC_NO_MEMORY && rc != ETLC_AUTH)
        etlc_error_prefix(err, "http: getting an OAuth2 token");
    if (form.data)
        memset(form.data, 0, form.len); /* it holds client_secret */
    etlc__buf_free(&form);
    etlc__http_response_free(&resp);
    return rc;
}
