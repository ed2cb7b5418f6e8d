/* The ftp connector: FTP and FTPS servers landed into the lake as they
 * are (bytes capability), through libcurl and the shared net layer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftp_internal.h"

static void ftp_close(void *vctx)
{
    ftp_ctx *ctx = vctx;
    etlc__http_session_free(ctx->net);
    free(ctx->base);
    free(ctx->host);
    free(ctx->username);
    etlc__free_secret(ctx->password);
    free(ctx->root);
    free(ctx->active_port);
    memset(ctx, 0, sizeof *ctx);
}

static int dup_opt(const etlc_config *cfg, const char *key, char **dst)
{
    const char *v = etlc_config_get_string(cfg, key);
    if (!v)
        return 0;
    *dst = etlc__strdup(v);
    return *dst ? 0 : -1;
}

static int read_config(ftp_ctx *ctx, const etlc_config *cfg, etlc_error *err)
{
    const char *tls = etlc_config_get_string(cfg, "tls");
    const char *listing = etlc_config_get_string(cfg, "listing");
    ctx->tls = strcmp(tls, "explicit") == 0 ? FTP_TLS_EXPLICIT
               : strcmp(tls, "implicit") == 0 ? FTP_TLS_IMPLICIT : FTP_TLS_NONE;
    ctx->listing = strcmp(listing, "mlsd") == 0 ? FTP_LIST_MLSD
                   : strcmp(listing, "nlst") == 0 ? FTP_LIST_NLST : FTP_LIST_AUTO;
    ctx->passive = strcmp(etlc_config_get_string(cfg, "mode"), "active") != 0;
    ctx->skip_pasv_ip = etlc_config_get_bool(cfg, "ftp_skip_pasv_ip");
    ctx->chunk_size = (size_t)etlc_config_get_int(cfg, "chunk_size");
    if (etlc_config_has(cfg, "port"))
        ctx->port = (long)etlc_config_get_int(cfg, "port");
    if (dup_opt(cfg, "host", &ctx->host) || dup_opt(cfg, "username", &ctx->username) ||
        dup_opt(cfg, "password", &ctx->password) || dup_opt(cfg, "root", &ctx->root) ||
        dup_opt(cfg, "active_port", &ctx->active_port))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the ftp config");
    const char *url = etlc_config_get_string(cfg, "url");
    int rc = url && *url ? etlc__ftp_parse_url(ctx, url, err) : 0;
    if (rc == 0 && (!ctx->host || !*ctx->host))
        rc = etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "ftp needs 'host' (or a 'url')");
    if (rc == 0 && !ctx->root && !(ctx->root = etlc__strdup("")))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the ftp config");
    if (rc == 0 && (strpbrk(ctx->root, "\r\n") || strpbrk(ctx->host, "/@ \r\n")))
        rc = etlc_error_set(err, ETLC_CONFIG, "ftp: host or root has forbidden characters");
    return rc;
}

/* "ftp://host:port/" ([v6] bracketed); ftps:// for implicit TLS. */
static int build_base(ftp_ctx *ctx, etlc_error *err)
{
    if (!ctx->port)
        ctx->port = ctx->tls == FTP_TLS_IMPLICIT ? 990 : 21;
    bool v6 = strchr(ctx->host, ':') != NULL && ctx->host[0] != '[';
    etlc__buf b = {0};
    if (etlc__buf_printf(&b, "%s://%s%s%s:%ld/", ctx->tls == FTP_TLS_IMPLICIT ? "ftps" : "ftp",
                         v6 ? "[" : "", ctx->host, v6 ? "]" : "", ctx->port) != 0) {
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the ftp config");
    }
    ctx->base = etlc__buf_take(&b);
    return 0;
}

static int ftp_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    ftp_ctx *ctx = vctx;
    int rc = read_config(ctx, cfg, err);
    if (rc == 0)
        rc = build_base(ctx, err);
    etlc__http_settings set;
    if (rc == 0)
        rc = etlc__http_settings_from_config(cfg, &set, err);
    if (rc == 0) {
        set.protocols = "ftp,ftps";
        set.max_redirects = 0;
        rc = etlc__http_session_new(&set, &ctx->net, err);
    }
    const char *source = etlc_config_get_string(cfg, "source");
    snprintf(ctx->source, sizeof ctx->source, "%s", source && *source ? source : ctx->host ? ctx->host : "ftp");
    return rc;
}

/* Capture the server's greeting ("220 ...") for the health report. */
typedef struct greeting {
    char line[128];
} greeting;

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    greeting *g = ud;
    size_t n = size * nmemb;
    if (!g->line[0] && n > 4 && strncmp(ptr, "220", 3) == 0) {
        size_t len = n - 4;
        while (len && (ptr[4 + len - 1] == '\r' || ptr[4 + len - 1] == '\n'))
            len--;
        snprintf(g->line, sizeof g->line, "%.*s", (int)len, ptr + 4);
    }
    return n;
}

static int set_health(void *ud, CURL *h, etlc_error *err)
{
    (void)err;
    CURLcode sc = curl_easy_setopt(h, CURLOPT_DIRLISTONLY, 1L);
    if (sc == CURLE_OK)
        sc = curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    if (sc == CURLE_OK)
        sc = curl_easy_setopt(h, CURLOPT_HEADERDATA, ud);
    if (sc == CURLE_OK) /* a fresh connection: the greeting, login and TLS are checked */
        sc = curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
    return sc == CURLE_OK ? 0 : ETLC_NO_MEMORY;
}

/* Healthy when we can connect, log in (over TLS if asked) and list root. */
static int ftp_test(void *vctx, etlc_health *health, etlc_error *err)
{
    ftp_ctx *ctx = vctx;
    double t0 = etlc__monotonic_ms();
    char *url = etlc__ftp_url(ctx, "", true);
    if (!url)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory checking the FTP server");
    greeting g = {{0}};
    ftp_call call = {.url = url, .what = "NLST of root", .setup = set_health, .ud = &g,
                     .body_limit = 64u * 1024u * 1024u};
    etlc__http_response resp = {0};
    etlc_error local = {0};
    int rc = etlc__ftp_perform(ctx, &call, &resp, &local);
    health->latency_ms = etlc__monotonic_ms() - t0;
    health->healthy = rc == 0;
    snprintf(health->server_version, sizeof health->server_version, "%s",
             g.line[0] ? g.line : "FTP server");
    if (rc == 0)
        snprintf(health->detail, sizeof health->detail, "%s%s: logged in%s, root listed",
                 ctx->host, ctx->root[0] ? "" : "", ctx->tls != FTP_TLS_NONE ? " over TLS" : "");
    else
        snprintf(health->detail, sizeof health->detail, "%s", local.message);
    etlc__http_response_free(&resp);
    free(url);
    return 0;
}

static bool ftp_alive(void *vctx)
{
    ftp_ctx *ctx = vctx;
    return ctx->net != NULL;
}

static void ftp_source_name(void *vctx, char *buf, size_t bufsz)
{
    ftp_ctx *ctx = vctx;
    snprintf(buf, bufsz, "%s", ctx->source);
}

static const etlc_bytes_ops ftp_bytes = {
    .list = etlc__ftp_list,
    .open = etlc__ftp_open,
    .open_at = etlc__ftp_open_at,
    .remove = etlc__ftp_remove,
    .move = etlc__ftp_move,
};

static const char *const ftp_aliases[] = {"ftps", NULL};

const etlc_connector_ops etlc_connector_ftp = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "ftp",
    .aliases = ftp_aliases,
    .description = "FTP and FTPS servers (MLSD or NLST listing, resume), files landed as they are",
    .options = &etlc__ftp_options,
    .context_size = sizeof(ftp_ctx),
    .connect = ftp_connect,
    .test = ftp_test,
    .alive = ftp_alive,
    .source_name = ftp_source_name,
    .close = ftp_close,
    .bytes = &ftp_bytes,
};
