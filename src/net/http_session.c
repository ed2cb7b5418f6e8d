/* An HTTP session: one CURL easy handle kept for keep-alive, and a private
 * copy of the settings it applies to every request. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "net/http_internal.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;
static void curl_init_once(void) { curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT); }

int etlc__http_global_init(etlc_error *err)
{
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_result != CURLE_OK)
        return etlc_error_set(err, ETLC_INTERNAL, "libcurl initialisation failed: %s",
                              curl_easy_strerror(curl_init_result));
    return 0;
}

void etlc__http_session_free(etlc__http_session *s)
{
    if (!s)
        return;
    if (s->curl)
        curl_easy_cleanup(s->curl);
    free((char *)s->set.ca_file);
    free((char *)s->set.client_cert);
    free((char *)s->set.client_key);
    etlc__free_secret((char *)s->set.client_key_password);
    etlc__free_secret((char *)s->set.proxy); /* may carry user:password@ */
    free((char *)s->set.no_proxy);
    free((char *)s->set.user_agent);
    free((char *)s->set.protocols);
    free(s);
}

/* Copy an optional string; false only when the copy failed. */
static bool copy_opt(const char **dst, const char *src)
{
    *dst = src ? etlc__strdup(src) : NULL;
    return !src || *dst;
}

int etlc__http_session_new(const etlc__http_settings *settings, etlc__http_session **out,
                           etlc_error *err)
{
    *out = NULL;
    int rc = etlc__http_global_init(err);
    if (rc)
        return rc;
    etlc__http_session *s = calloc(1, sizeof *s);
    if (!s)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating an HTTP session");
    etlc__http_settings_default(&s->set);
    const etlc__http_settings *in = settings ? settings : &s->set;
    etlc__http_settings copy = *in;
    s->set = copy;
    s->set.ca_file = s->set.client_cert = s->set.client_key = NULL;
    s->set.client_key_password = s->set.proxy = s->set.no_proxy = s->set.user_agent = NULL;
    s->set.protocols = NULL;
    if (s->set.retry_max < 0)
        s->set.retry_max = 0;
    bool ok = copy_opt(&s->set.ca_file, copy.ca_file) &&
              copy_opt(&s->set.client_cert, copy.client_cert) &&
              copy_opt(&s->set.client_key, copy.client_key) &&
              copy_opt(&s->set.client_key_password, copy.client_key_password) &&
              copy_opt(&s->set.proxy, copy.proxy) && copy_opt(&s->set.no_proxy, copy.no_proxy) &&
              copy_opt(&s->set.protocols, copy.protocols) &&
              copy_opt(&s->set.user_agent,
                       copy.user_agent ? copy.user_agent : "etlconn/" ETLCONN_VERSION);
    if (ok && s->set.client_key_password) /* masked should curl or a caller ever echo it */
        etlc_redact_register_secret(s->set.client_key_password);
    s->curl = ok ? curl_easy_init() : NULL;
    if (!s->curl) {
        etlc__http_session_free(s);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating an HTTP session");
    }
    *out = s;
    return 0;
}

const etlc__http_settings *etlc__http_session_settings(const etlc__http_session *s)
{
    return &s->set;
}

CURL *etlc__http_session_curl(etlc__http_session *s) { return s->curl; }

/* The session's settings on the (freshly reset) handle. */
CURLcode etlc__http_apply_settings(etlc__http_session *s)
{
    const etlc__http_settings *t = &s->set;
    CURL *h = s->curl;
    CURLcode sc = CURLE_OK;
#define SET(opt, val)                                                                        \
    do {                                                                                     \
        if (sc == CURLE_OK)                                                                  \
            sc = curl_easy_setopt(h, opt, val);                                              \
    } while (0)
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_PROTOCOLS_STR, t->protocols ? t->protocols : "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_FOLLOWLOCATION, t->max_redirects > 0 && !t->protocols ? 1L : 0L);
    SET(CURLOPT_MAXREDIRS, t->max_redirects);
    SET(CURLOPT_CONNECTTIMEOUT_MS, t->connect_timeout_ms);
    SET(CURLOPT_TIMEOUT_MS, t->timeout_ms);
    if (t->low_speed_limit > 0 && t->low_speed_time_ms > 0) {
        SET(CURLOPT_LOW_SPEED_LIMIT, t->low_speed_limit);
        SET(CURLOPT_LOW_SPEED_TIME, (t->low_speed_time_ms + 999) / 1000);
    }
    SET(CURLOPT_SSL_VERIFYPEER, t->tls_verify ? 1L : 0L);
    SET(CURLOPT_SSL_VERIFYHOST, t->tls_verify ? 2L : 0L);
    if (t->ca_file)
        SET(CURLOPT_CAINFO, t->ca_file);
    if (t->client_cert)
        SET(CURLOPT_SSLCERT, t->client_cert);
    if (t->client_key)
        SET(CURLOPT_SSLKEY, t->client_key);
    if (t->client_key_password)
        SET(CURLOPT_KEYPASSWD, t->client_key_password);
    if (t->proxy)
        SET(CURLOPT_PROXY, t->proxy);
    if (t->no_proxy)
        SET(CURLOPT_NOPROXY, t->no_proxy);
    SET(CURLOPT_USERAGENT, t->user_agent);
#undef SET
    return sc;
}

int etlc__http_session_from_config(const etlc_config *cfg, etlc__http_session **out, etlc_error *err)
{
    etlc__http_settings s;
    *out = NULL;
    int rc = etlc__http_settings_from_config(cfg, &s, err);
    return rc == 0 ? etlc__http_session_new(&s, out, err) : rc;
}
