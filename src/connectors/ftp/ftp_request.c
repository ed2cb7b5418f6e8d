/* One FTP request through the shared net layer (src/net): its timeouts,
 * TLS verification, retries and error mapping; here only what is FTP's own
 * (credentials, AUTH TLS, passive/active data connections). */
#include <string.h>

#include "ftp_internal.h"

typedef struct hook {
    ftp_ctx *ctx;
    const ftp_call *call;
} hook;

static int ftp_setup(void *ud, CURL *h, etlc_error *err)
{
    hook *k = ud;
    const ftp_ctx *ctx = k->ctx;
    CURLcode sc = CURLE_OK;
#define SET(opt, val)                                                                        \
    do {                                                                                     \
        if (sc == CURLE_OK)                                                                  \
            sc = curl_easy_setopt(h, opt, val);                                              \
    } while (0)
    if (ctx->username) {
        SET(CURLOPT_USERNAME, ctx->username);
        SET(CURLOPT_PASSWORD, ctx->password ? ctx->password : "");
    }
    if (ctx->tls == FTP_TLS_EXPLICIT)
        SET(CURLOPT_USE_SSL, (long)CURLUSESSL_ALL); /* refuse to go on in the clear */
    SET(CURLOPT_FTP_FILEMETHOD, (long)CURLFTPMETHOD_SINGLECWD);
    SET(CURLOPT_FTP_USE_EPSV, 1L);  /* EPSV first; libcurl falls back to PASV */
    SET(CURLOPT_FTP_SKIP_PASV_IP, ctx->skip_pasv_ip ? 1L : 0L);
    if (!ctx->passive)
        SET(CURLOPT_FTPPORT, ctx->active_port);
    SET(CURLOPT_HTTPPROXYTUNNEL, 1L); /* FTP through an HTTP proxy only as a tunnel */
    SET(CURLOPT_BUFFERSIZE, (long)ctx->chunk_size);
#undef SET
    if (sc != CURLE_OK)
        return etlc_error_set(err, sc == CURLE_OUT_OF_MEMORY ? ETLC_NO_MEMORY : ETLC_INVALID_ARGUMENT,
                              "%s: setting up the FTP request: %s", k->call->what,
                              curl_easy_strerror(sc));
    return k->call->setup ? k->call->setup(k->call->ud, h, err) : 0;
}

int etlc__ftp_perform(ftp_ctx *ctx, const ftp_call *call, etlc__http_response *resp,
                      etlc_error *err)
{
    hook k = {.ctx = ctx, .call = call};
    etlc__http_request rq = {
        .method = "GET", .url = call->url, .what = call->what, .body_limit = call->body_limit,
        .on_body = call->on_body, .body_consumer_ud = call->body_ud,
        .no_retry = call->no_retry, .setup = ftp_setup, .hook_ud = &k,
    };
    return etlc__http_perform(ctx->net, &rq, resp, err);
}

static int set_nobody(void *ud, CURL *h, etlc_error *err)
{
    (void)ud;
    (void)err;
    CURLcode sc = curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    if (sc == CURLE_OK)
        sc = curl_easy_setopt(h, CURLOPT_FILETIME, 1L);
    return sc == CURLE_OK ? 0 : ETLC_NO_MEMORY;
}

int etlc__ftp_stat(ftp_ctx *ctx, const char *url, const char *what, int64_t *size, int64_t *mtime_s,
                   etlc_error *err)
{
    ftp_call call = {.url = url, .what = what, .setup = set_nobody};
    etlc__http_response resp = {0};
    int rc = etlc__ftp_perform(ctx, &call, &resp, err);
    curl_off_t ft = -1;
    if (rc == 0)
        curl_easy_getinfo(etlc__http_session_curl(ctx->net), CURLINFO_FILETIME_T, &ft);
    *size = rc == 0 ? resp.content_length : -1;
    *mtime_s = ft > 0 ? (int64_t)ft : 0;
    etlc__http_response_free(&resp);
    return rc;
}
