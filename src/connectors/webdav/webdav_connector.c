/* The webdav connector: a WebDAV collection (and its sub-collections)
 * landed into the lake as it is. Bytes capability only; every request goes
 * through the shared HTTP layer (TLS, proxy, limits, retries). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bytes_options.h"
#include "webdav_internal.h"

static void webdav_close(void *vctx)
{
    webdav_ctx *ctx = vctx;
    etlc__http_session_free(ctx->http);
    ctx->http = NULL;
    free(ctx->base_url);
    free(ctx->base_path);
    ctx->base_url = ctx->base_path = NULL;
}

/* Split the configured URL: scheme http(s), no userinfo, no query. Sets
 * base_url (path ending in '/'), base_path (decoded) and the default source. */
static int parse_url(webdav_ctx *ctx, const char *url, const char *origin, etlc_error *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *user = NULL, *pass = NULL, *host = NULL, *path = NULL, *query = NULL;
    int rc = 0;
    if (!u)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the WebDAV url");
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
        rc = etlc_error_set(err, ETLC_CONFIG, "url (from %s) is not a URL", origin);
    curl_url_get(u, CURLUPART_USER, &user, 0);
    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0);
    curl_url_get(u, CURLUPART_QUERY, &query, 0);
    if (rc == 0 && strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
        rc = etlc_error_set(err, ETLC_CONFIG, "url (from %s) must be http:// or https://, "
                            "not %s://", origin, scheme);
    else if (rc == 0 && (user || pass)) /* the value itself is not repeated: it holds a secret */
        rc = etlc_error_set(err, ETLC_CONFIG, "url (from %s) carries credentials "
                            "(user:password@); put them in username and password instead", origin);
    else if (rc == 0 && query)
        rc = etlc_error_set(err, ETLC_CONFIG, "url (from %s) has a query; a WebDAV "
                            "collection URL has none", origin);
    size_t plen = path ? strlen(path) : 0;
    bool slash = plen && path[plen - 1] == '/';
    etlc__buf b = {0};
    bool oom = false;
    if (rc == 0 && (curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK ||
                    etlc__buf_printf(&b, "%s%s", path, slash ? "" : "/") != 0 ||
                    curl_url_set(u, CURLUPART_PATH, b.data, 0) != CURLUE_OK ||
                    curl_url_get(u, CURLUPART_URL, &ctx->base_url, 0) != CURLUE_OK))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the WebDAV url");
    if (rc == 0 && !(ctx->base_path = etlc__webdav_pct_decode(b.data, b.len, &oom)))
        rc = oom ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the WebDAV url")
                 : etlc_error_set(err, ETLC_CONFIG, "url (from %s): its path is not usable "
                                  "(bad %%-escape or control byte)", origin);
    if (rc == 0)
        snprintf(ctx->source, sizeof ctx->source, "%s", host);
    etlc__buf_free(&b);
    curl_free(scheme), curl_free(user), curl_free(pass), curl_free(host), curl_free(path),
        curl_free(query);
    curl_url_cleanup(u);
    return rc;
}

static long auth_of(const char *name)
{
    if (name && strcmp(name, "digest") == 0)
        return CURLAUTH_DIGEST;
    if (name && strcmp(name, "any") == 0)
        return CURLAUTH_ANY;
    return CURLAUTH_BASIC;
}

static int webdav_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    webdav_ctx *ctx = vctx;
    const char *origin = "unknown";
    etlc_layer layer;
    etlc_config_provenance(cfg, "url", &layer, &origin);
    int rc = parse_url(ctx, etlc_config_get_string(cfg, "url"), origin, err);
    if (rc != 0)
        return rc;
    /* curl's url parser gives base_url back malloc'd by curl; keep our own copy. */
    char *own = etlc__strdup(ctx->base_url);
    curl_free(ctx->base_url);
    ctx->base_url = own;
    if (!own)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the WebDAV url");
    ctx->username = etlc_config_get_string(cfg, "username");
    ctx->password = etlc_config_get_string(cfg, "password");
    if (ctx->username && !*ctx->username)
        ctx->username = NULL;
    ctx->auth = auth_of(etlc_config_get_string(cfg, "auth"));
    ctx->depth_infinity = etlc_config_get_bool(cfg, "depth_infinity");
    ctx->max_listing = (size_t)etlc_config_get_int(cfg, "max_listing_size");
    const char *source = etlc_config_get_string(cfg, "source");
    if (source && *source)
        snprintf(ctx->source, sizeof ctx->source, "%s", source);
    rc = etlc__http_settings_from_config(cfg, &ctx->settings, err);
    if (rc == 0)
        rc = etlc__http_session_new(&ctx->settings, &ctx->http, err);
    return rc;
}

typedef struct base_probe {
    bool seen, collection;
} base_probe;

static int on_base(void *ud, const etlc__webdav_entry *e, etlc_error *err)
{
    base_probe *p = ud;
    (void)err;
    if (!*e->name) {
        p->seen = true;
        p->collection = e->collection;
    }
    return 0;
}

/* Healthy when PROPFIND Depth: 0 on the base URL says it is a collection. */
static int webdav_test(void *vctx, etlc_health *health, etlc_error *err)
{
    webdav_ctx *ctx = vctx;
    double t0 = etlc__monotonic_ms();
    etlc__http_response resp = {0};
    etlc_error e = {0};
    base_probe p = {0};
    int rc = etlc__webdav_propfind(ctx, ctx->base_url, "0", &resp, &e);
    if (rc == 0)
        rc = etlc__webdav_propfind_parse(resp.body.data, resp.body.len, ctx->base_path, on_base, &p,
                                         &e);
    health->latency_ms = etlc__monotonic_ms() - t0;
    const char *server = etlc__http_response_header(&resp, "Server");
    snprintf(health->server_version, sizeof health->server_version, "%s",
             server ? server : "WebDAV");
    health->healthy = rc == 0 && p.seen && p.collection;
    if (health->healthy)
        snprintf(health->detail, sizeof health->detail, "%s (WebDAV collection)", ctx->base_url);
    else if (rc == 0)
        snprintf(health->detail, sizeof health->detail, "%s: %s", ctx->base_url,
                 p.seen ? "not a collection" : "the reply does not describe it");
    else
        snprintf(health->detail, sizeof health->detail, "%s", e.message);
    etlc__http_response_free(&resp);
    (void)err;
    return 0;
}

static bool webdav_alive(void *vctx)
{
    webdav_ctx *ctx = vctx;
    return ctx->http != NULL;
}

static void webdav_source_name(void *vctx, char *buf, size_t bufsz)
{
    webdav_ctx *ctx = vctx;
    snprintf(buf, bufsz, "%s", ctx->source);
}

static const etlc_bytes_ops webdav_bytes = {
    .list = etlc__webdav_list,
    .open = etlc__webdav_open,
    .open_at = etlc__webdav_open_at,
    .remove = etlc__webdav_remove,
    .move = etlc__webdav_move,
};

static const char *const webdav_aliases[] = {"dav", NULL};

const etlc_connector_ops etlc_connector_webdav = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "webdav",
    .aliases = webdav_aliases,
    .description = "WebDAV collections (PROPFIND, GET with Range), landed into the lake as they are",
    .options = &etlc__webdav_options,
    .context_size = sizeof(webdav_ctx),
    .connect = webdav_connect,
    .test = webdav_test,
    .alive = webdav_alive,
    .source_name = webdav_source_name,
    .close = webdav_close,
    .bytes = &webdav_bytes,
};
