/* The gsheets connector: Google Sheets ranges as record batches (records
 * capability), authenticated as a service account (RS256 JWT -> access
 * token) or with an API key. One keep-alive session per connector, one
 * connector per thread from the cache (ETLC_CONNECTOR_PER_THREAD). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_load.h"
#include "gsheets_internal.h"

static const char default_token_uri[] = "https://oauth2.googleapis.com/token";

static void gs_close(void *vctx)
{
    gs_ctx *ctx = vctx;
    etlc__http_session_free(ctx->http);
    free(ctx->api_base);
    etlc__free_secret(ctx->private_key);
    free(ctx->key_email);
    free(ctx->key_token_uri);
    etlc__free_secret(ctx->access_token);
    *ctx = (gs_ctx){0};
}

/* private_key given as an option: "\n" escapes (one-line env values) undone. */
static int key_from_option(gs_ctx *ctx, const char *pem, etlc_error *err)
{
    ctx->private_key = etlc__strdup(pem);
    if (!ctx->private_key)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    char *w = ctx->private_key;
    for (const char *r = pem; *r; r++) {
        if (r[0] == '\\' && r[1] == 'n') {
            *w++ = '\n';
            r++;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    etlc_redact_register_secret(ctx->private_key);
    return 0;
}

static int read_auth(gs_ctx *ctx, const etlc_config *cfg, etlc_error *err)
{
    const char *file = etlc__config_text(cfg, "credentials_file"), *pem = etlc__config_text(cfg, "private_key");
    ctx->api_key = etlc__config_text(cfg, "api_key");
    ctx->scopes = etlc_config_get_string(cfg, "scopes");
    int rc = file ? etlc__gs_read_key_file(ctx, file, err) : pem ? key_from_option(ctx, pem, err) : 0;
    if (rc != 0)
        return rc;
    ctx->client_email = etlc__config_text(cfg, "client_email") ? etlc__config_text(cfg, "client_email") : ctx->key_email;
    ctx->token_uri = etlc__config_text(cfg, "token_uri") ? etlc__config_text(cfg, "token_uri")
                     : ctx->key_token_uri ? ctx->key_token_uri : default_token_uri;
    if (ctx->private_key && !ctx->client_email)
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "gsheets: client_email is required "
                              "with private_key");
    if (!ctx->private_key && !ctx->api_key)
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "gsheets: set credentials_file (or "
                              "client_email + private_key) for a service account, or api_key "
                              "for a public sheet");
    return 0;
}

static int gs_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    gs_ctx *ctx = vctx;
    ctx->spreadsheet_id = etlc_config_get_string(cfg, "spreadsheet_id");
    ctx->nranges = etlc_config_get_list(cfg, "range", &ctx->ranges);
    ctx->header_row = etlc_config_get_bool(cfg, "header_row");
    const char *base = etlc_config_get_string(cfg, "api_base_url");
    if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
        return etlc_error_set(err, ETLC_CONFIG, "gsheets: api_base_url '%s' must start with "
                              "http:// or https://", base);
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    if (!(ctx->api_base = etlc__strndup(base, n)))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    snprintf(ctx->source, sizeof ctx->source, "%s",
             etlc__config_text(cfg, "source") ? etlc__config_text(cfg, "source") : ctx->spreadsheet_id);
    int rc = read_auth(ctx, cfg, err);
    if (rc == 0)
        rc = etlc__http_session_from_config(cfg, &ctx->http, err);
    return rc;
}

/* Healthy when (a token is had and) spreadsheets.get fields=properties.title answers. */
static int gs_test(void *vctx, etlc_health *health, etlc_error *err)
{
    gs_ctx *ctx = vctx;
    (void)err;
    etlc_error e = {0};
    double t0 = etlc__monotonic_ms();
    etlc__buf pq = {0};
    json_t *doc = NULL;
    int rc = etlc__buf_puts(&pq, "v4/spreadsheets/") || etlc__gs_escape(&pq, ctx->spreadsheet_id) ||
                     etlc__buf_puts(&pq, "?fields=properties.title")
                 ? etlc_error_set(&e, ETLC_NO_MEMORY, "out of memory")
                 : etlc__gs_get_json(ctx, pq.data, "gsheets: spreadsheets.get", &doc, &e);
    health->latency_ms = etlc__monotonic_ms() - t0;
    const char *title = json_string_value(json_object_get(json_object_get(doc, "properties"), "title"));
    health->healthy = rc == 0 && title;
    snprintf(health->server_version, sizeof health->server_version, "Google Sheets API v4");
    if (health->healthy)
        snprintf(health->detail, sizeof health->detail, "spreadsheet \"%s\" readable (%s)", title,
                 ctx->private_key ? "service account" : "API key");
    else
        snprintf(health->detail, sizeof health->detail, "%s",
                 rc ? e.message : "spreadsheets.get answered without properties.title");
    json_decref(doc);
    etlc__buf_free(&pq);
    return 0;
}

static bool gs_alive(void *vctx) { return ((gs_ctx *)vctx)->http != NULL; }

static void gs_source_name(void *vctx, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "%s", ((gs_ctx *)vctx)->source);
}

static const etlc_records_ops gs_records = {.fetch_pages = etlc__gs_fetch_pages};

const etlc_connector_ops etlc_connector_gsheets = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "gsheets",
    .description = "Google Sheets ranges (values.get / values:batchGet) as typed records",
    .options = &etlc__gsheets_options,
    .context_size = sizeof(gs_ctx),
    .flags = ETLC_CONNECTOR_PER_THREAD,
    .connect = gs_connect,
    .test = gs_test,
    .alive = gs_alive,
    .source_name = gs_source_name,
    .close = gs_close,
    .records = &gs_records,
};
