/* URLs of the http connector: base_url + resource, query parameters,
 * next-page links (relative or absolute, kept on base_url's origin), Link
 * headers and JSON Pointers. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rest_internal.h"

/* curl_url_set, once more after a failure: libcurl reports some allocation
 * failures inside it as a bad URL (CURLUE_BAD_SCHEME...). A failure that
 * does not come back was not the URL's (the same rule as json_load.c). */
static CURLUcode url_set(CURLU *u, const char *url)
{
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
    return uc == CURLUE_OK ? uc : curl_url_set(u, CURLUPART_URL, url, 0);
}

char *etlc__rest_origin(const char *url, bool *oom)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;
    CURLUcode uc = u ? url_set(u, url) : CURLUE_OUT_OF_MEMORY;
    if (uc == CURLUE_OK)
        uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    if (uc == CURLUE_OK)
        uc = curl_url_get(u, CURLUPART_HOST, &host, 0);
    if (uc == CURLUE_OK)
        uc = curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
    *oom = uc == CURLUE_OUT_OF_MEMORY;
    if (uc == CURLUE_OK) {
        etlc__buf b = {0};
        if (etlc__buf_printf(&b, "%s://%s:%s", scheme, host, port) == 0) {
            for (size_t i = 0; i < b.len; i++)
                b.data[i] = (char)tolower((unsigned char)b.data[i]);
            out = etlc__buf_take(&b);
        }
        *oom = !out;
        etlc__buf_free(&b);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
    return out;
}

static bool is_absolute(const char *s)
{
    return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

static int check_origin(const rest_ctx *ctx, const char *url, etlc_error *err)
{
    bool oom = false;
    char *o = etlc__rest_origin(url, &oom);
    if (!o)
        return oom ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a URL")
                   : etlc_error_set(err, ETLC_PROTOCOL, "http: '%s' is not a valid URL", url);
    bool same = strcmp(o, ctx->origin) == 0;
    free(o);
    if (!same && !ctx->allow_other_origins)
        return etlc_error_set(err, ETLC_PROTOCOL,
                              "http: '%s' leaves the origin of base_url (%s); set "
                              "allow_other_origins=true to follow it", url, ctx->origin);
    return 0;
}

/* Append "key=value" pairs, URL-encoded, to u's query. */
static int append_query(CURLU *u, const etlc_kv *query, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        etlc__buf b = {0};
        int bad = etlc__buf_printf(&b, "%s=%s", query[i].key, query[i].value ? query[i].value : "");
        CURLUcode uc = bad ? CURLUE_OUT_OF_MEMORY
                           : curl_url_set(u, CURLUPART_QUERY, b.data,
                                          CURLU_APPENDQUERY | CURLU_URLENCODE);
        etlc__buf_free(&b);
        if (uc != CURLUE_OK)
            return -1;
    }
    return 0;
}

int etlc__rest_url(const rest_ctx *ctx, const char *resource, const etlc_kv *query, size_t nquery,
                   char **out, etlc_error *err)
{
    *out = NULL;
    resource = resource ? resource : "";
    etlc__buf b = {0};
    int rc = 0;
    if (is_absolute(resource)) {
        rc = check_origin(ctx, resource, err);
        if (rc == 0 && etlc__buf_puts(&b, resource))
            rc = ETLC_NO_MEMORY;
    } else {
        /* Joined as text, not by RFC 3986 resolution, so a base path stays:
         * https://x/v1 + /posts = https://x/v1/posts. */
        while (*resource == '/')
            resource++;
        if (etlc__buf_puts(&b, ctx->base_url) ||
            (*resource && (etlc__buf_putc(&b, '/') || etlc__buf_puts(&b, resource))))
            rc = ETLC_NO_MEMORY;
    }
    if (rc != 0) {
        etlc__buf_free(&b);
        return rc == ETLC_NO_MEMORY ? etlc_error_set(err, rc, "out of memory building a URL") : rc;
    }
    CURLU *u = curl_url();
    CURLUcode uc = u ? url_set(u, b.data) : CURLUE_OUT_OF_MEMORY;
    if (uc == CURLUE_OK && append_query(u, query, nquery) != 0)
        uc = CURLUE_OUT_OF_MEMORY;
    char *full = NULL;
    if (uc == CURLUE_OK)
        uc = curl_url_get(u, CURLUPART_URL, &full, 0);
    if (uc == CURLUE_OK) {
        *out = etlc__strdup(full);
        rc = *out ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building a URL");
    } else if (uc == CURLUE_OUT_OF_MEMORY) {
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building a URL");
    } else {
        rc = etlc_error_set(err, ETLC_CONFIG, "http: '%s' is not a valid URL (%s)", b.data,
                            curl_url_strerror(uc));
    }
    curl_free(full);
    curl_url_cleanup(u);
    etlc__buf_free(&b);
    return rc;
}

int etlc__rest_resolve(const rest_ctx *ctx, const char *current, const char *link, char **out,
                       etlc_error *err)
{
    *out = NULL;
    CURLU *u = curl_url();
    char *full = NULL;
    CURLUcode uc = u ? url_set(u, current) : CURLUE_OUT_OF_MEMORY;
    if (uc == CURLUE_OK)
        uc = url_set(u, link); /* relative to current */
    if (uc == CURLUE_OK)
        uc = curl_url_get(u, CURLUPART_URL, &full, 0);
    int rc = uc == CURLUE_OK ? check_origin(ctx, full, err)
             : uc == CURLUE_OUT_OF_MEMORY
                 ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory following a link")
                 : etlc_error_set(err, ETLC_PROTOCOL, "http: next-page link '%s' is not a valid "
                                  "URL (%s)", link, curl_url_strerror(uc));
    if (rc == 0 && !(*out = etlc__strdup(full)))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory following a link");
    curl_free(full);
    curl_url_cleanup(u);
    return rc;
}

/* One link-value "<url>; rel=\"next\"; ..." of a Link header: the url when
 * its rel list has "next". */
static char *link_value_next(const char *s, size_t n)
{
    const char *lt = memchr(s, '<', n), *gt = lt ? memchr(lt, '>', n - (size_t)(lt - s)) : NULL;
    if (!gt)
        return NULL;
    for (const char *p = gt; p < s + n; p++) {
        if (strncasecmp(p, "rel=", 4) != 0)
            continue;
        p += 4;
        const char *end = s + n;
        if (*p == '"') {
            p++;
            const char *q = memchr(p, '"', (size_t)(end - p));
            end = q ? q : end;
        } else {
            const char *q = memchr(p, ';', (size_t)(end - p));
            end = q ? q : end;
        }
        for (const char *w = p; w < end;) { /* space-separated relation types */
            while (w < end && *w == ' ')
                w++;
            const char *we = w;
            while (we < end && *we != ' ')
                we++;
            if (we - w == 4 && strncasecmp(w, "next", 4) == 0)
                return etlc__strndup(lt + 1, (size_t)(gt - lt - 1));
            w = we;
        }
    }
    return NULL;
}

char *etlc__rest_link_next(const char *h)
{
    while (h && *h) {
        /* link-values are separated by commas outside <...> */
        const char *p = h;
        bool in_url = false, in_quote = false;
        for (; *p && (in_url || in_quote || *p != ','); p++) {
            if (*p == '<' && !in_quote) in_url = true;
            else if (*p == '>' && !in_quote) in_url = false;
            else if (*p == '"' && !in_url) in_quote = !in_quote;
        }
        char *next = link_value_next(h, (size_t)(p - h));
        if (next)
            return next;
        h = *p ? p + 1 : p;
    }
    return NULL;
}

/* One reference token into buf (~1 -> '/', ~0 -> '~'), without allocating
 * (an allocation failure must not read as "absent"); its length, or -1
 * when it does not fit (such a key is treated as absent). */
long etlc__rest_pointer_token(const char *s, size_t n, char *buf, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++, o++) {
        if (o + 1 >= cap)
            return -1;
        if (s[i] == '~' && i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1'))
            buf[o] = s[++i] == '0' ? '~' : '/';
        else
            buf[o] = s[i];
    }
    buf[o] = '\0';
    return (long)o;
}

json_t *etlc__rest_pointer(json_t *doc, const char *ptr)
{
    if (!ptr || !*ptr)
        return doc;
    if (*ptr != '/')
        return NULL;
    json_t *v = doc;
    char tok[1024];
    while (v && *ptr == '/') {
        ptr++;
        size_t n = strcspn(ptr, "/");
        long len = etlc__rest_pointer_token(ptr, n, tok, sizeof tok);
        if (len < 0)
            return NULL;
        if (json_is_object(v)) {
            v = json_object_getn(v, tok, (size_t)len);
        } else if (json_is_array(v)) {
            char *end;
            unsigned long i = strtoul(tok, &end, 10);
            v = len && !*end ? json_array_get(v, i) : NULL;
        } else {
            v = NULL;
        }
        ptr += n;
    }
    return v;
}

char *etlc__rest_strip_param(const char *url, const char *name)
{
    const char *q = strchr(url, '?');
    if (!q)
        return etlc__strdup(url);
    size_t qend = strcspn(q, "#"), nlen = strlen(name);
    etlc__buf b = {0};
    int bad = etlc__buf_append(&b, url, (size_t)(q - url));
    char sep = '?';
    for (const char *p = q + 1; !bad && p < q + qend;) {
        size_t n = strcspn(p, "&#");
        if (p + n > q + qend)
            n = (size_t)(q + qend - p);
        bool drop = n >= nlen && strncmp(p, name, nlen) == 0 && (n == nlen || p[nlen] == '=');
        if (n && !drop) {
            bad = etlc__buf_putc(&b, sep) || etlc__buf_append(&b, p, n);
            sep = '&';
        }
        p += n + 1;
    }
    if (!bad)
        bad = etlc__buf_puts(&b, q + qend); /* the fragment, if any */
    if (bad) {
        etlc__buf_free(&b);
        return NULL;
    }
    return etlc__buf_take(&b);
}
