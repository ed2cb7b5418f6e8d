/* The soap connector: operations of a WSDL-described SOAP 1.1/1.2 service.
 * A fetch names an operation; its response's repeated complex elements
 * become typed rows (records capability), or with output=bytes the
 * response XML lands as it is (bytes capability). One keep-alive session
 * per connector and one connector per thread from the cache
 * (ETLC_CONNECTOR_PER_THREAD); the WSDL is read once per connector. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soap_internal.h"

static void soap_close(void *vctx)
{
    soap_ctx *ctx = vctx;
    etlc__http_session_free(ctx->http);
    etlc__soap_wsdl_free(&ctx->wsdl);
    free(ctx->bytes_resource);
    *ctx = (soap_ctx){0};
}

static bool is_http(const char *u)
{
    return u && (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0);
}

/* No credentials inside URLs: they would end up in logs and lake paths. */
static int check_url(const char *key, const char *u, etlc_error *err)
{
    if (!is_http(u))
        return 0;
    const char *host = strstr(u, "://") + 3, *at = strchr(host, '@');
    if (at && at < host + strcspn(host, "/?#"))
        return etlc_error_set(err, ETLC_CONFIG, "soap: %s must not hold credentials; use "
                              "username/password", key);
    return 0;
}

static void default_source(soap_ctx *ctx)
{
    const char *u = is_http(ctx->endpoint) ? ctx->endpoint : is_http(ctx->wsdl_url) ? ctx->wsdl_url
                                                                                     : NULL;
    if (!u) {
        snprintf(ctx->source, sizeof ctx->source, "soap");
        return;
    }
    const char *h = strstr(u, "://") + 3;
    snprintf(ctx->source, sizeof ctx->source, "%.*s", (int)strcspn(h, ":/?#"), h);
}

static int soap_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    soap_ctx *ctx = vctx;
    const char *ver = etlc_config_get_string(cfg, "soap_version");
    ctx->wsdl_url = etlc_config_get_string(cfg, "wsdl_url");
    ctx->endpoint = etlc__config_text(cfg, "endpoint");
    ctx->pick = (soap_pick){etlc__config_text(cfg, "service"), etlc__config_text(cfg, "port"),
                            !strcmp(ver, "1.1") ? 11 : !strcmp(ver, "1.2") ? 12 : 0};
    ctx->username = etlc__config_text(cfg, "username");
    ctx->password = etlc_config_get_string(cfg, "password");
    ctx->wss = strcmp(etlc_config_get_string(cfg, "ws_security"), "username_token") == 0;
    ctx->bytes_out = strcmp(etlc_config_get_string(cfg, "output"), "bytes") == 0;
    ctx->row_element = etlc__config_text(cfg, "row_element");
    ctx->max_response = (size_t)etlc_config_get_int(cfg, "max_response_size");
    ctx->max_depth = (int)etlc_config_get_int(cfg, "wsdl_max_depth");
    if (ctx->wss && !ctx->username)
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "soap: username is required "
                              "(ws_security=username_token)");
    if (ctx->endpoint && !is_http(ctx->endpoint))
        return etlc_error_set(err, ETLC_CONFIG, "soap: endpoint '%s' must start with http:// or "
                              "https://", ctx->endpoint);
    int rc = check_url("wsdl_url", ctx->wsdl_url, err);
    if (rc == 0)
        rc = check_url("endpoint", ctx->endpoint, err);
    const char *source = etlc__config_text(cfg, "source");
    if (source)
        snprintf(ctx->source, sizeof ctx->source, "%s", source);
    else
        default_source(ctx);
    if (rc == 0)
        rc = etlc__http_session_from_config(cfg, &ctx->http, err);
    return rc;
}

int etlc__soap_ensure_wsdl(soap_ctx *ctx, etlc_error *err)
{
    if (ctx->wsdl_loaded)
        return 0;
    soap_loader ld = {.http = ctx->http, .username = ctx->username, .password = ctx->password,
                      .max_size = ctx->max_response, .max_depth = ctx->max_depth};
    int rc = etlc__soap_wsdl_load(&ctx->wsdl, &ld, ctx->wsdl_url, err);
    ctx->wsdl_loaded = rc == 0;
    return rc;
}

/* Healthy when the WSDL (and its imports) load and the port has operations. */
static int soap_test(void *vctx, etlc_health *health, etlc_error *err)
{
    soap_ctx *ctx = vctx;
    (void)err;
    etlc_error e = {0};
    etlc__buf names = {0};
    double t0 = etlc__monotonic_ms();
    int rc = etlc__soap_ensure_wsdl(ctx, &e);
    if (rc == 0)
        rc = etlc__soap_operation_names(&ctx->wsdl, &ctx->pick, &names, &e);
    health->latency_ms = etlc__monotonic_ms() - t0;
    health->healthy = rc == 0 && names.len > 0;
    snprintf(health->server_version, sizeof health->server_version, "SOAP (WSDL 1.1)");
    if (rc != 0)
        snprintf(health->detail, sizeof health->detail, "%s", e.message);
    else
        snprintf(health->detail, sizeof health->detail, "%zu document(s); operations: %s",
                 ctx->wsdl.ndocs, names.len ? names.data : "none");
    etlc__buf_free(&names);
    return 0;
}

static bool soap_alive(void *vctx) { return ((soap_ctx *)vctx)->http != NULL; }

static void soap_source_name(void *vctx, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "%s", ((soap_ctx *)vctx)->source);
}

static bool soap_records_wanted(void *vctx) { return !((soap_ctx *)vctx)->bytes_out; }

static const etlc_records_ops soap_records = {
    .fetch_pages = etlc__soap_fetch_pages,
    .wanted = soap_records_wanted,
};

static const etlc_bytes_ops soap_bytes = {
    .list = etlc__soap_list,
    .open = etlc__soap_open,
};

const etlc_connector_ops etlc_connector_soap = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "soap",
    .description = "SOAP 1.1/1.2 services described by a WSDL: operation responses as typed rows "
                   "or XML",
    .options = &etlc__soap_options,
    .context_size = sizeof(soap_ctx),
    .flags = ETLC_CONNECTOR_PER_THREAD,
    .connect = soap_connect,
    .test = soap_test,
    .alive = soap_alive,
    .source_name = soap_source_name,
    .close = soap_close,
    .records = &soap_records,
    .bytes = &soap_bytes,
};
