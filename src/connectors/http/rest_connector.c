/* The http connector: REST/JSON APIs. With records_path a fetch reads pages
 * into record batches (records capability); without it the body lands as
 * it is (bytes capability). One keep-alive session per connector, and one
 * connector per thread from the cache (ETLC_CONNECTOR_PER_THREAD). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_load.h"
#include "rest_internal.h"

static void rest_close(void *vctx)
{
    rest_ctx *ctx = vctx;
    etlc__http_session_free(ctx->http);
    for (size_t i = 0; i < ctx->nheaders; i++)
        etlc__free_secret((char *)ctx->headers[i].name); /* name and value share one block */
    free(ctx->headers);
    free(ctx->base_url);
    free(ctx->origin);
    free(ctx->bytes_resource);
    etlc__free_secret(ctx->access_token);
    *ctx = (rest_ctx){0};
}

/* "Name: value" entries -> headers (each one block "Name\0value"). */
static int parse_headers(rest_ctx *ctx, const etlc_config *cfg, etlc_error *err)
{
    const char *const *items;
    size_t n = etlc_config_get_list(cfg, "headers", &items);
    ctx->headers = calloc(n + 1, sizeof *ctx->headers);
    if (!ctx->headers)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading headers");
    for (size_t i = 0; i < n; i++) {
        const char *colon = strchr(items[i], ':');
        if (!colon || colon == items[i])
            return etlc_error_set(err, ETLC_CONFIG_TYPE, "http: headers entry %zu is not "
                                  "\"Name: value\"", i + 1);
        char *block = etlc__strdup(items[i]);
        if (!block)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading headers");
        char *c = block + (colon - items[i]), *v = c + 1;
        *c = '\0';
        while (*v == ' ' || *v == '\t')
            v++;
        ctx->headers[ctx->nheaders++] = (etlc__http_header){block, v};
    }
    return 0;
}

static int check_required(const rest_ctx *ctx, etlc_error *err)
{
    const char *missing = NULL;
    if (ctx->auth == REST_AUTH_BASIC && !ctx->username) missing = "username (auth=basic)";
    else if (ctx->auth == REST_AUTH_BEARER && !ctx->token) missing = "token (auth=bearer)";
    else if (ctx->auth == REST_AUTH_API_KEY && !ctx->api_key) missing = "api_key (auth=api_key)";
    else if (ctx->auth == REST_AUTH_OAUTH2 && !ctx->token_url) missing = "token_url (auth=oauth2)";
    else if (ctx->auth == REST_AUTH_OAUTH2 && !ctx->client_id) missing = "client_id (auth=oauth2)";
    else if (ctx->paging == REST_PAGE_NEXT_URL && !ctx->next_url_path) missing = "next_url_path (pagination=next_url)";
    else if (ctx->paging == REST_PAGE_CURSOR && !ctx->cursor_path) missing = "cursor_path (pagination=cursor)";
    else if (ctx->paging != REST_PAGE_NONE && !ctx->records_path) missing = "records_path (pagination needs records)";
    else if (ctx->since_param && !ctx->cursor_field) missing = "cursor_field (since_param is set)";
    if (missing)
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "http: %s is required", missing);
    return 0;
}

static int pick(const char *v, const char *const *names)
{
    for (int i = 0; names[i]; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    return 0;
}

static void read_options(rest_ctx *ctx, const etlc_config *cfg)
{
    static const char *const auths[] = {"none", "basic", "bearer", "api_key", "oauth2", NULL};
    static const char *const pagings[] = {"none", "link", "next_url", "cursor", "offset", "page", NULL};
    ctx->method = etlc_config_get_string(cfg, "method");
    ctx->nparams = etlc_config_get_list(cfg, "params", &ctx->params);
    ctx->json_body = etlc__config_text(cfg, "json_body");
    ctx->auth = (rest_auth)pick(etlc_config_get_string(cfg, "auth"), auths);
    ctx->username = etlc__config_text(cfg, "username");
    ctx->password = etlc__config_text(cfg, "password");
    ctx->token = etlc__config_text(cfg, "token");
    ctx->api_key = etlc__config_text(cfg, "api_key");
    ctx->api_key_name = etlc_config_get_string(cfg, "api_key_name");
    ctx->api_key_in_query = strcmp(etlc_config_get_string(cfg, "api_key_in"), "query") == 0;
    ctx->token_url = etlc__config_text(cfg, "token_url");
    ctx->client_id = etlc__config_text(cfg, "client_id");
    ctx->client_secret = etlc__config_text(cfg, "client_secret");
    ctx->scope = etlc__config_text(cfg, "scope");
    ctx->rate_limit = etlc_config_get_float(cfg, "rate_limit");
    ctx->records_path = etlc_config_has(cfg, "records_path") ? etlc_config_get_string(cfg, "records_path") : NULL;
    ctx->paging = (rest_paging)pick(etlc_config_get_string(cfg, "pagination"), pagings);
    ctx->next_url_path = etlc__config_text(cfg, "next_url_path");
    ctx->cursor_path = etlc__config_text(cfg, "cursor_path");
    ctx->cursor_param = etlc_config_get_string(cfg, "cursor_param");
    ctx->offset_param = etlc_config_get_string(cfg, "offset_param");
    ctx->limit_param = etlc_config_get_string(cfg, "limit_param");
    ctx->page_param = etlc_config_get_string(cfg, "page_param");
    ctx->total_path = etlc__config_text(cfg, "total_path");
    ctx->total_header = etlc__config_text(cfg, "total_header");
    ctx->limit = etlc_config_get_int(cfg, "limit");
    ctx->page_start = etlc_config_get_int(cfg, "page_start");
    ctx->max_pages = etlc_config_get_int(cfg, "max_pages");
    ctx->cursor_field = etlc__config_text(cfg, "cursor_field");
    ctx->since_param = etlc__config_text(cfg, "since_param");
    ctx->allow_other_origins = etlc_config_get_bool(cfg, "allow_other_origins");
    ctx->health_path = etlc__config_text(cfg, "health_path");
    ctx->max_body = (size_t)etlc_config_get_int(cfg, "max_body_size");
}

static int set_base(rest_ctx *ctx, const etlc_config *cfg, etlc_error *err)
{
    const char *base = etlc_config_get_string(cfg, "base_url");
    if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
        return etlc_error_set(err, ETLC_CONFIG, "http: base_url '%s' must start with http:// or "
                              "https://", base);
    const char *host = strstr(base, "://") + 3, *at = strchr(host, '@');
    if (at && at < host + strcspn(host, "/?#"))
        return etlc_error_set(err, ETLC_CONFIG, "http: base_url must not hold credentials; "
                              "use username/password (auth=basic) or token");
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    ctx->base_url = etlc__strndup(base, n);
    bool oom = !ctx->base_url;
    ctx->origin = ctx->base_url ? etlc__rest_origin(ctx->base_url, &oom) : NULL;
    if (!ctx->origin)
        return oom ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading base_url")
                   : etlc_error_set(err, ETLC_CONFIG, "http: base_url '%s' is not a valid URL", base);
    const char *source = etlc__config_text(cfg, "source");
    if (source) {
        snprintf(ctx->source, sizeof ctx->source, "%s", source);
    } else { /* the host, without the port */
        const char *h = strstr(ctx->base_url, "://") + 3;
        snprintf(ctx->source, sizeof ctx->source, "%.*s", (int)strcspn(h, ":/?#"), h);
    }
    return 0;
}

static int rest_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    rest_ctx *ctx = vctx;
    read_options(ctx, cfg);
    int rc = set_base(ctx, cfg, err);
    if (rc == 0)
        rc = parse_headers(ctx, cfg, err);
    if (rc == 0)
        rc = check_required(ctx, err);
    if (rc == 0 && ctx->json_body) {
        bool oom = false;
        json_t *j = etlc__json_loadb(ctx->json_body, strlen(ctx->json_body), JSON_DECODE_ANY, NULL, &oom);
        rc = j ? 0 : etlc_error_set(err, oom ? ETLC_NO_MEMORY : ETLC_CONFIG_TYPE,
                                    "http: json_body is not valid JSON");
        json_decref(j);
    }
    if (rc == 0)
        rc = etlc__http_session_from_config(cfg, &ctx->http, err);
    return rc;
}

/* Healthy when a GET of health_path (default base_url) answers 2xx. */
static int rest_test(void *vctx, etlc_health *health, etlc_error *err)
{
    rest_ctx *ctx = vctx;
    (void)err;
    char *url = NULL;
    etlc_error e = {0};
    double t0 = etlc__monotonic_ms();
    int rc = etlc__rest_url(ctx, ctx->health_path ? ctx->health_path : "", NULL, 0, &url, &e);
    etlc__http_response resp = {0};
    if (rc == 0) {
        etlc__http_request rq = {.url = url, .body_limit = 64 * 1024};
        rc = etlc__rest_send(ctx, &rq, &resp, &e);
    }
    health->latency_ms = etlc__monotonic_ms() - t0;
    health->healthy = rc == 0;
    const char *server = etlc__http_response_header(&resp, "Server");
    snprintf(health->server_version, sizeof health->server_version, "%s",
             server ? server : "HTTP server");
    if (rc == 0)
        snprintf(health->detail, sizeof health->detail, "%s: HTTP %ld", url, resp.status);
    else
        snprintf(health->detail, sizeof health->detail, "%s", e.message);
    etlc__http_response_free(&resp);
    free(url);
    return 0;
}

static bool rest_alive(void *vctx) { return ((rest_ctx *)vctx)->http != NULL; }

static void rest_source_name(void *vctx, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "%s", ((rest_ctx *)vctx)->source);
}

static bool rest_records_wanted(void *vctx) { return ((rest_ctx *)vctx)->records_path != NULL; }

static const etlc_records_ops rest_records = {
    .fetch_pages = etlc__rest_fetch_pages,
    .wanted = rest_records_wanted,
};

static const etlc_bytes_ops rest_bytes = {
    .list = etlc__rest_list,
    .open = etlc__rest_open,
};

static const char *const rest_aliases[] = {"rest", NULL};

const etlc_connector_ops etlc_connector_http = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "http",
    .aliases = rest_aliases,
    .description = "REST/JSON APIs over HTTP(S): paged records or raw bodies",
    .options = &etlc__rest_options,
    .context_size = sizeof(rest_ctx),
    .flags = ETLC_CONNECTOR_PER_THREAD,
    .connect = rest_connect,
    .test = rest_test,
    .alive = rest_alive,
    .source_name = rest_source_name,
    .close = rest_close,
    .records = &rest_records,
    .bytes = &rest_bytes,
};
