/* Recognises the one query shape a parallel table scan may rewrite:
 * `SELECT <* | col, ...> FROM <rel>` and nothing else. Adding
 * `WHERE ctid ...` to it keeps its meaning; to anything richer it might
 * not, so everything else is refused (strictly: a false "no" only costs
 * speed, a false "yes" would change results). */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "pipeline/fetch_scan.h"

static size_t skip_space(const char *s, size_t i)
{
    while (s[i] && isspace((unsigned char)s[i]))
        i++;
    return i;
}

/* A keyword followed by a space (or, for FROM's sake, a quote). */
static size_t keyword(const char *s, size_t i, const char *kw)
{
    size_t n = strlen(kw);
    if (strncasecmp(s + i, kw, n) != 0)
        return 0;
    unsigned char next = (unsigned char)s[i + n];
    return isspace(next) || next == '"' || next == '*' ? i + n : 0;
}

static bool ident_start(unsigned char c) { return isalpha(c) || c == '_' || c >= 0x80; }
static bool ident_char(unsigned char c) { return ident_start(c) || isdigit(c) || c == '$'; }

/* One name, plain or "quoted" ("" inside a quoted one); 0 when none. */
static size_t name(const char *s, size_t i)
{
    if (s[i] == '"') {
        for (size_t j = i + 1; s[j]; j++) {
            if (s[j] != '"')
                continue;
            if (s[j + 1] != '"')
                return j > i + 1 ? j + 1 : 0; /* "" is not a name */
            j++;
        }
        return 0; /* unterminated */
    }
    if (!ident_start((unsigned char)s[i]))
        return 0;
    while (ident_char((unsigned char)s[i]))
        i++;
    return i;
}

/* `*`, or names separated by commas; 0 when neither. */
static size_t target_list(const char *s, size_t i)
{
    if (s[i] == '*')
        return i + 1;
    for (;;) {
        size_t j = name(s, i);
        if (!j)
            return 0;
        /* a plain name that is really the keyword FROM: an empty list */
        if (s[i] != '"' && j - i == 4 && strncasecmp(s + i, "from", 4) == 0)
            return 0;
        i = skip_space(s, j);
        if (s[i] != ',')
            return i;
        i = skip_space(s, i + 1);
    }
}

bool etlc__scan_plain_query(const char *query, size_t *body_len, char *rel, size_t relsz)
{
    if (!query || relsz == 0)
        return false;
    size_t i = keyword(query, skip_space(query, 0), "select");
    if (!i)
        return false;
    i = target_list(query, skip_space(query, i));
    if (!i)
        return false;
    i = keyword(query, skip_space(query, i), "from");
    if (!i)
        return false;
    size_t rel_start = skip_space(query, i), j = name(query, rel_start);
    if (j && query[j] == '.')
        j = name(query, j + 1);
    if (!j)
        return false;
    size_t end = j, k = skip_space(query, j);
    if (query[k] == ';')
        k = skip_space(query, k + 1);
    if (query[k] != '\0' || j - rel_start >= relsz)
        return false;
    memcpy(rel, query + rel_start, j - rel_start);
    rel[j - rel_start] = '\0';
    *body_len = end;
    return true;
}
