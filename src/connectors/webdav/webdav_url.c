/* Names and URLs: hrefs from the server are decoded and made relative to
 * the base path; names going out are encoded one segment at a time, so a
 * name read from a listing always leads back to the same resource. */
#include <stdlib.h>
#include <string.h>

#include "webdav_internal.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *etlc__webdav_pct_decode(const char *s, size_t n, bool *oom)
{
    *oom = false;
    char *out = malloc(n + 1);
    if (!out) {
        *oom = true;
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(out);
                return NULL;
            }
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        }
        if (c < 0x20 || c == 0x7f) { /* NUL and control bytes never make a name */
            free(out);
            return NULL;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return out;
}

char *etlc__webdav_href_path(const char *href, bool *oom)
{
    *oom = false;
    while (*href == ' ' || *href == '\t' || *href == '\n' || *href == '\r')
        href++;
    const char *p = href;
    const char *scheme_end = strstr(href, "://");
    if (scheme_end && scheme_end < href + strcspn(href, "/")) { /* an absolute URL */
        p = strchr(scheme_end + 3, '/');
        if (!p) {
            char *root = etlc__strdup("/");
            *oom = root == NULL;
            return root;
        }
    }
    size_t n = strcspn(p, "?#");
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' || p[n - 1] == '\r'))
        n--;
    if (n == 0 || p[0] != '/')
        return NULL;
    for (size_t i = 0; i + 2 < n; i++) /* a '/' inside a segment cannot be named back */
        if (p[i] == '%' && p[i + 1] == '2' && (p[i + 2] == 'F' || p[i + 2] == 'f'))
            return NULL;
    return etlc__webdav_pct_decode(p, n, oom);
}

bool etlc__webdav_name_ok(const char *name)
{
    if (!name || !*name || name[0] == '/')
        return false;
    for (const char *s = name; *s;) {
        size_t seg = strcspn(s, "/");
        if (seg == 0 || (seg == 1 && s[0] == '.') || (seg == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        for (size_t i = 0; i < seg; i++)
            if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                return false;
        s += seg;
        if (*s == '/' && !*++s)
            return false; /* a trailing '/' */
    }
    return true;
}

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

char *etlc__webdav_url(const webdav_ctx *ctx, const char *name, bool collection, etlc_error *err)
{
    if (*name && !etlc__webdav_name_ok(name)) {
        etlc_error_set(err, ETLC_IO_PATH, "'%s' is not a resource name inside the base URL", name);
        return NULL;
    }
    etlc__buf b = {0};
    int bad = etlc__buf_puts(&b, ctx->base_url);
    for (const unsigned char *s = (const unsigned char *)name; !bad && *s; s++)
        bad = (*s == '/' || unreserved(*s)) ? etlc__buf_putc(&b, (char)*s)
                                            : etlc__buf_printf(&b, "%%%02X", *s);
    if (!bad && collection && *name)
        bad = etlc__buf_putc(&b, '/');
    if (bad) {
        etlc__buf_free(&b);
        etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the URL of '%s'", name);
        return NULL;
    }
    return etlc__buf_take(&b);
}
