/* Debug logging of requests and replies. Header values that are secret by
 * name (Authorization, Cookie, ...) are replaced before the line is built;
 * the logger's redactor then masks secrets in URLs and registered values. */
#include <string.h>

#include "net/http_internal.h"

bool etlc__http_log_on(void) { return etlc_log_get_level() <= ETLC_LOG_DEBUG; }

/* Log one header line with its direction mark; secret values masked. */
static void log_header_line(char mark, const char *line, size_t len)
{
    while (len && (line[len - 1] == '\r' || line[len - 1] == '\n'))
        len--;
    if (!len)
        return;
    const char *colon = memchr(line, ':', len);
    if (colon && etlc__http_header_is_secret(line, (size_t)(colon - line))) {
        etlc_log(ETLC_LOG_DEBUG, "http", "%c %.*s: %s", mark, (int)(colon - line), line,
                 ETLC_REDACTED);
        return;
    }
    etlc_log(ETLC_LOG_DEBUG, "http", "%c %.*s", mark, (int)len, line);
}

static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
    (void)h;
    (void)ud;
    if (type != CURLINFO_HEADER_OUT && type != CURLINFO_HEADER_IN)
        return 0; /* bodies and TLS data are never logged */
    char mark = type == CURLINFO_HEADER_OUT ? '>' : '<';
    /* HEADER_OUT is the whole block; HEADER_IN one line at a time. */
    for (size_t i = 0; i < size;) {
        const char *nl = memchr(data + i, '\n', size - i);
        size_t end = nl ? (size_t)(nl - data) + 1 : size;
        log_header_line(mark, data + i, end - i);
        i = end;
    }
    return 0;
}

CURLcode etlc__http_log_attach(CURL *h)
{
    if (!etlc__http_log_on())
        return CURLE_OK;
    CURLcode sc = curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
    if (sc == CURLE_OK)
        sc = curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
    return sc;
}

void etlc__http_log_result(CURL *h, const char *what, unsigned attempt, long status, int rc)
{
    if (!etlc__http_log_on())
        return;
    curl_off_t total_us = 0, down = 0;
    long connects = 0;
    curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &total_us);
    curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &down);
    curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
    char *scheme = NULL; /* "FTP" replies are not HTTP statuses */
    curl_easy_getinfo(h, CURLINFO_SCHEME, &scheme);
    const char *kind = scheme && (scheme[0] == 'F' || scheme[0] == 'f') ? "FTP" : "HTTP";
    etlc_log(ETLC_LOG_DEBUG, "http", "%s: attempt %u -> %s %ld in %ld ms, %lld bytes, %s", what,
             attempt, rc ? etlc_code_name(rc) : kind, status, (long)(total_us / 1000),
             (long long)down, connects ? "new connection" : "connection reused");
}
