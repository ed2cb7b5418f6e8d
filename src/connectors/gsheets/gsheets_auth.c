/* Service-account auth: the key (credentials_file or its fields as
 * options), the JWT exchanged at token_uri (grant_type
 * urn:ietf:params:oauth:grant-type:jwt-bearer) for an access token that is
 * registered with the redactor, never logged, and kept until a minute
 * before it expires (half its life when that is shorter). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/json_load.h"
#include "gsheets_internal.h"

static char *key_field(json_t *doc, const char *name)
{
    const char *v = json_string_value(json_object_get(doc, name));
    return v && *v ? etlc__strdup(v) : NULL;
}

int etlc__gs_read_key_file(gs_ctx *ctx, const char *path, etlc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return etlc_error_set(err, ETLC_CONFIG_FILE, "gsheets: credentials_file '%s' cannot be "
                              "read: %s", path, strerror(errno));
    etlc__buf b = {0};
    char chunk[4096];
    size_t n;
    int oom = 0;
    while (!oom && (n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < (1u << 20))
        oom = etlc__buf_append(&b, chunk, n);
    fclose(f);
    bool joom = false;
    json_t *doc = oom ? NULL : etlc__json_loadb(b.data ? b.data : "", b.len, 0, NULL, &joom);
    if (b.data)
        memset(b.data, 0, b.len); /* it holds the private key */
    etlc__buf_free(&b);
    if (!doc)
        return oom || joom ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading %s", path)
                           : etlc_error_set(err, ETLC_CONFIG_FILE, "gsheets: credentials_file '%s' "
                                            "is not a JSON service-account key", path);
    ctx->private_key = key_field(doc, "private_key");
    ctx->key_email = key_field(doc, "client_email");
    ctx->key_token_uri = key_field(doc, "token_uri");
    json_decref(doc); /* jansson does not zero its strings; the key text lives on in ctx */
    if (ctx->private_key)
        etlc_redact_register_secret(ctx->private_key);
    if (!ctx->private_key || !ctx->key_email)
        return etlc_error_set(err, ETLC_CONFIG_FILE, "gsheets: credentials_file '%s' lacks "
                              "private_key or client_email (is it a service-account key?)", path);
    return 0;
}

/* "grant_type=...&assertion=<jwt>" */
static int token_form(gs_ctx *ctx, etlc__buf *form, etlc_error *err)
{
    char *jwt = NULL;
    int rc = etlc__gs_jwt(ctx, (int64_t)time(NULL), &jwt, err);
    if (rc != 0)
        return rc;
    etlc_redact_register_secret(jwt); /* a bearer credential for an hour */
    if (etlc__buf_puts(form, "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"
                             "&assertion=") || etlc__buf_puts(form, jwt))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the token request");
    etlc__free_secret(jwt);
    return rc;
}

static int token_reply(gs_ctx *ctx, const etlc__http_response *resp, etlc_error *err)
{
    bool oom = false;
    json_t *doc = etlc__json_loadb(resp->body.data ? resp->body.data : "", resp->body.len, 0, NULL, &oom);
    json_t *tok = doc ? json_object_get(doc, "access_token") : NULL;
    if (!json_is_string(tok) || !*json_string_value(tok)) {
        json_decref(doc);
        return oom ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the token")
                   : etlc_error_set(err, ETLC_AUTH, "gsheets: the token endpoint %s answered "
                                    "without an access_token", ctx->token_uri);
    }
    json_t *exp = json_object_get(doc, "expires_in");
    double life_s = json_is_number(exp) ? json_number_value(exp) : 3600;
    char *copy = etlc__strdup(json_string_value(tok));
    json_decref(doc);
    if (!copy)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping the access token");
    etlc_redact_register_secret(copy);
    etlc__free_secret(ctx->access_token);
    ctx->access_token = copy;
    double margin = life_s >= 120 ? 60 : life_s / 2;
    ctx->token_renew_ms = etlc__monotonic_ms() + (life_s - margin) * 1000;
    ctx->tokens_fetched++;
    etlc_log(ETLC_LOG_DEBUG, "gsheets", "access token for %s fetched (valid %.0f s)",
             ctx->client_email, life_s);
    return 0;
}

int etlc__gs_token(gs_ctx *ctx, bool force, etlc_error *err)
{
    if (!force && ctx->access_token && etlc__monotonic_ms() < ctx->token_renew_ms)
        return 0;
    etlc__buf form = {0};
    int rc = token_form(ctx, &form, err);
    etlc__http_header hdr[] = {{"Content-Type", "application/x-www-form-urlencoded"},
                               {"Accept", "application/json"}};
    etlc__http_request rq = {.method = "POST", .url = ctx->token_uri,
                             .what = "gsheets: token request", .headers = hdr, .nheaders = 2,
                             .body = form.data, .body_len = form.len, .send_body = true,
                             .body_limit = 1 << 20};
    etlc__http_response resp = {0};
    if (rc == 0)
        rc = etlc__http_perform(ctx->http, &rq, &resp, err);
    /* OAuth answers a refused grant with 400 (invalid_grant, invalid_client,
     * unauthorized_client: RFC 6749 5.2): the credentials, not the request */
    if (rc == ETLC_PROTOCOL && err && err->native_code == 400) {
        err->code = rc = ETLC_AUTH;
        err->retryable = false;
    }
    if (rc == 0)
        rc = token_reply(ctx, &resp, err);
    else if (rc != ETLC_NO_MEMORY && rc != ETLC_AUTH && rc != ETLC_AUTH_DENIED)
        etlc_error_prefix(err, "gsheets: getting an access token for %s", ctx->client_email);
    if (form.data)
        memset(form.data, 0, form.len); /* it holds the signed assertion */
    etlc__buf_free(&form);
    etlc__http_response_free(&resp);
    return rc;
}
