/* etlc_glob_match: the one glob dialect of every bytes connector (file,
 * FTP, SFTP, WebDAV), so `'**' '/' '*.csv'` means the same everywhere. */
#include <stdbool.h>
#include <string.h>

#include "core/internal.h"

/* A class at p ('[' already seen at p[-1]); sets *end past ']' and returns
 * whether c is in it. *end = NULL when the class is not closed. */
static bool class_match(const char *p, unsigned char c, const char **end)
{
    bool negate = *p == '!' || *p == '^';
    if (negate)
        p++;
    bool hit = false;
    const char *q = p;
    do { /* a ']' right after '[' or '[!' is a member */
        unsigned char lo = (unsigned char)*q;
        if (lo == '\0') {
            *end = NULL;
            return false;
        }
        if (lo == '\\' && q[1])
            lo = (unsigned char)*++q;
        unsigned char hi = lo;
        if (q[1] == '-' && q[2] && q[2] != ']') {
            q += 2;
            hi = (unsigned char)(*q == '\\' && q[1] ? *++q : *q);
        }
        if (c >= lo && c <= hi)
            hit = true;
        q++;
    } while (*q != ']');
    *end = q + 1;
    return hit != negate;
}

/* "**" standing for a whole segment: at a segment start, followed by '/' or the end. */
static bool is_globstar(const char *p, bool seg_start)
{
    return seg_start && p[0] == '*' && p[1] == '*' && (p[2] == '/' || p[2] == '\0');
}

static bool match_from(const char *p, const char *n, bool seg_start);

static bool match_globstar(const char *p, const char *n)
{
    if (p[2] == '\0')
        return true; /* the rest of the name, '/' included */
    const char *rest = p + 3;
    for (const char *s = n;; s++) { /* zero or more whole segments */
        if ((s == n || s[-1] == '/') && match_from(rest, s, true))
            return true;
        if (*s == '\0')
            return false;
    }
}

static bool match_from(const char *p, const char *n, bool seg_start)
{
    for (;;) {
        if (is_globstar(p, seg_start))
            return match_globstar(p, n);
        switch (*p) {
        case '\0': return *n == '\0';
        case '*':
            while (*p == '*')
                p++; /* "a**b" inside a segment is one '*' */
            for (const char *s = n;; s++) {
                if (match_from(p, s, false))
                    return true;
                if (*s == '\0' || *s == '/')
                    return false;
            }
        case '?':
            if (*n == '\0' || *n == '/')
                return false;
            break;
        case '[': {
            const char *end;
            if (*n == '\0' || *n == '/')
                return false;
            bool in = class_match(p + 1, (unsigned char)*n, &end);
            if (end) {
                if (!in)
                    return false;
                p = end;
                n++;
                seg_start = false;
                continue;
            }
            if (*n != '[') /* unclosed: a literal '[' */
                return false;
            break;
        }
        case '\\':
            if (p[1])
                p++;
            /* fall through */
        default:
            if (*p != *n)
                return false;
            break;
        }
        seg_start = *p == '/';
        p++;
        n++;
    }
}

bool etlc_glob_match(const char *pattern, const char *name)
{
    if (!pattern || !name)
        return false;
    return match_from(pattern, name, true);
}
