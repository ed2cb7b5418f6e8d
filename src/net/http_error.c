/* libcurl and HTTP failures -> etlc codes, with the native code and the
 * retryable bit; error bodies shown as a short redacted excerpt. */
#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/http.h"

#define EXCERPT_MAX 200

static void set_native(etlc_error *err, long code, const char *kind, bool retryable)
{
    if (!err)
        return;
    err->native_code = code;
    snprintf(err->native_state, sizeof err->native_state, "%s", kind);
    err->retryable = retryable;
}

static const char *tls_hint(CURLcode cc)
{
    switch (cc) {
    case CURLE_PEER_FAILED_VERIFICATION:
        return " (the server's certificate is not trusted: set ca_file to the CA that signed it, "
               "or tls_verify=false only for testing)";
    case CURLE_SSL_CACERT_BADFILE: return " (ca_file cannot be read or holds no certificate)";
    case CURLE_SSL_CERTPROBLEM: return " (client_cert cannot be used)";
    case CURLE_SSL_CONNECT_ERROR: return " (TLS handshake failed)";
    default: return "";
    }
}

int etlc__http_curl_error(CURLcode cc, bool connected, const char *what, const char *detail,
                          etlc_error *err)
{
    int code;
    bool retryable = false;
    switch (cc) {
    case CURLE_COULDNT_CONNECT: code = ETLC_CONNECT_REFUSED; retryable = true; break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: code = ETLC_CONNECT_NOT_FOUND; break;
    case CURLE_OPERATION_TIMEDOUT:
        code = connected ? ETLC_TIMEOUT : ETLC_CONNECT_TIMEOUT;
        retryable = true;
        break;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM: code = ETLC_IO; retryable = true; break;
    case CURLE_OUT_OF_MEMORY: code = ETLC_NO_MEMORY; break;
    case CURLE_READ_ERROR:
    case CURLE_WRITE_ERROR: code = ETLC_IO; break;
    case CURLE_LOGIN_DENIED: code = ETLC_AUTH; break;
    case CURLE_REMOTE_ACCESS_DENIED: code = ETLC_AUTH_DENIED; break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE: code = ETLC_CONNECT; break;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: code = ETLC_INVALID_ARGUMENT; break;
    case CURLE_ABORTED_BY_CALLBACK: code = ETLC_CANCELLED; break;
    /* FTP: the data connection could not be set up (PASV/EPSV/PORT), the
     * server refused TLS, the file is not there or cannot be resumed. */
    case CURLE_FTP_WEIRD_PASV_REPLY:
    case CURLE_FTP_WEIRD_227_FORMAT:
    case CURLE_FTP_CANT_GET_HOST:
    case CURLE_FTP_PORT_FAILED:
    case CURLE_FTP_ACCEPT_FAILED:
    case CURLE_FTP_ACCEPT_TIMEOUT: code = ETLC_CONNECT; retryable = true; break;
    case CURLE_USE_SSL_FAILED: code = ETLC_CONNECT; break;
    case CURLE_REMOTE_FILE_NOT_FOUND:
    case CURLE_FTP_COULDNT_RETR_FILE: code = ETLC_IO_NOT_FOUND; break;
    case CURLE_BAD_DOWNLOAD_RESUME: code = ETLC_IO; break;
    default: code = ETLC_PROTOCOL; break; /* TOO_MANY_REDIRECTS among others */
    }
    /* curl's error buffer holds CURL_ERROR_SIZE bytes: it may have cut a secret. */
    char *whole = etlc__redact_driver_message(detail, CURL_ERROR_SIZE);
    etlc_error_set(err, code, "%s: %s%s%s%s", what, curl_easy_strerror(cc),
                   (whole && *whole) ? ": " : "", whole ? whole : "", tls_hint(cc));
    etlc__free_secret(whole);
    set_native(err, (long)cc, "CURL", retryable);
    return code;
}

int etlc__http_body_excerpt(etlc__buf *b, const char *raw, size_t raw_len, size_t max)
{
    /* Redact the whole body, then cut: a cut first could split a secret. */
    char *whole = etlc__strndup(raw ? raw : "", raw ? raw_len : 0);
    char *body = whole ? etlc_redact_dup(whole) : NULL;
    etlc__free_secret(whole);
    if (!body)
        return -1;
    size_t len = strlen(body);
    size_t n = len < max ? len : max;
    int rc = 0;
    bool space = false;
    for (size_t i = 0; i < n && rc == 0; i++) {
        unsigned char c = (unsigned char)body[i];
        if (isspace(c) || c < 0x20 || c == 0x7f) { /* one line, no control bytes */
            space = true;
            continue;
        }
        if (space && b->len)
            rc |= etlc__buf_putc(b, ' ');
        space = false;
        rc |= etlc__buf_putc(b, (char)c);
    }
    if (rc == 0 && len > max)
        rc = etlc__buf_puts(b, "...");
    free(body);
    return rc;
}

int etlc__http_status_error(long status, const char *what, const char *body, size_t body_len,
                            etlc_error *err)
{
    int code;
    bool retryable = false;
    const char *hint = "";
    if (status == 401) {
        code = ETLC_AUTH;
        hint = " (check the credentials)";
    } else if (status == 403) {
        code = ETLC_AUTH_DENIED;
    } else if (status == 404 || status == 410) {
        code = ETLC_IO_NOT_FOUND;
    } else if (status == 408) {
        code = ETLC_TIMEOUT;
    } else if (status == 409 || status == 423) {
        code = ETLC_BUSY;
    } else if (status == 429) {
        code = ETLC_BUSY;
        retryable = true;
    } else if (status == 502) {
        code = ETLC_IO;
        retryable = true;
    } else if (status == 503) {
        code = ETLC_BUSY;
        retryable = true;
    } else if (status == 504) {
        code = ETLC_TIMEOUT;
        retryable = true;
    } else if (status >= 500) {
        code = ETLC_IO;
    } else if (status >= 300 && status < 400) {
        code = ETLC_PROTOCOL;
        hint = " (a redirect that was not followed: raise max_redirects or use the final URL)";
    } else {
        code = ETLC_PROTOCOL;
    }
    etlc__buf ex = {0};
    if (body && body_len)
        (void)etlc__http_body_excerpt(&ex, body, body_len, EXCERPT_MAX); /* best effort */
    etlc_error_set(err, code, "%s: HTTP %ld%s%s%s", what, status, hint, ex.len ? ": " : "",
                   ex.len ? ex.data : "");
    etlc__buf_free(&ex);
    set_native(err, status, "HTTP", retryable);
    return code;
}

bool etlc__http_header_is_secret(const char *name, size_t name_len)
{
    static const char *const secret_headers[] = {
        "authorization", "proxy-authorization", "cookie", "set-cookie",
        "x-amz-security-token", "x-api-key",
    };
    for (size_t i = 0; i < sizeof secret_headers / sizeof *secret_headers; i++)
        if (strlen(secret_headers[i]) == name_len &&
            strncasecmp(secret_headers[i], name, name_len) == 0)
            return true;
    return false;
}
