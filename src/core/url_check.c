/* Checks a connection URL before any parser sees it, so that a password
 * holding an unencoded reserved character ('#', '/', '?', '@') or a broken
 * percent-escape gets one clear message instead of a parser's complaint
 * about the port or host, which could quote a fragment of the password. */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "core/internal.h"

/* Every '%' starts %XX with two hex digits, and none decodes to a NUL. */
static bool percent_escapes_ok(const char *s)
{
    for (const char *p = strchr(s, '%'); p; p = strchr(p + 1, '%')) {
        if (!isxdigit((unsigned char)p[1]) || !isxdigit((unsigned char)p[2]))
            return false;
        if (p[1] == '0' && p[2] == '0')
            return false;
    }
    return true;
}

/* Is [s, end) a plausible host[:port] (the port, if any, 1-5 digits)? */
static bool host_port_ok(const char *s, const char *end)
{
    const char *close = *s == '[' ? memchr(s, ']', (size_t)(end - s)) : NULL;
    const char *colon = memchr(close ? close : s, ':', (size_t)(end - (close ? close : s)));
    if (!colon)
        return true;
    size_t n = (size_t)(end - colon - 1);
    if (n == 0 || n > 5)
        return false;
    for (const char *p = colon + 1; p < end; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return true;
}

int etlc__url_check_userinfo(const char *url, const char *what, bool last_at_ends_userinfo,
                             etlc_error *err)
{
    const char *s = url ? strstr(url, "://") : NULL;
    if (!s)
        return 0; /* the caller's own scheme check reports it */
    s += 3;
    const char *end = s + strcspn(s, "/?#");
    const char *first_at = memchr(s, '@', (size_t)(end - s));
    const char *later_at = strchr(end, '@');
    bool reserved = false;
    if (first_at && !last_at_ends_userinfo && memchr(first_at + 1, '@', (size_t)(end - first_at - 1)))
        reserved = true; /* "u:p@ss@host": this parser ends the password at the first '@' */
    if (!first_at && later_at && *end) {
        /* "u:p#ss@host", "u:p/ss@host": the authority ended inside the
         * credentials. A query's "user=me@corp" is told apart by its '='
         * (then only a malformed port gives the credentials away). */
        bool has_eq = memchr(end, '=', (size_t)(later_at - end)) != NULL;
        reserved = !has_eq || !host_port_ok(s, end);
    }
    if (reserved)
        return etlc_error_set(err, ETLC_CONFIG_RANGE,
                              "%s url: the user name or password holds a reserved character ('#', '/', '?' "
                              "or '@') that is not percent-encoded; reserved characters in a URL password "
                              "must be percent-encoded (for example '#' as %%23, '@' as %%40), or give the "
                              "password with the separate 'password' key (value not shown)",
                              what);
    if (!percent_escapes_ok(url))
        return etlc_error_set(err, ETLC_CONFIG_RANGE,
                              "%s url: a '%%' is not followed by two hex digits (or encodes a NUL byte); "
                              "write a literal '%%' as %%25, or give the password with the separate "
                              "'password' key (value not shown)",
                              what);
    return 0;
}
