/* The byte-level pieces of talking S3: URI encoding as SigV4 wants it,
 * canonical query strings, and the few XML fields we read and write. */
#include <stdlib.h>
#include <string.h>

#include "sinks/s3_client.h"

/* Make b hold a (possibly empty) NUL-terminated string. */
static int terminate(etlc__buf *b)
{
    if (etlc__buf_reserve(b, 0) != 0)
        return -1;
    b->data[b->len] = '\0';
    return 0;
}

static bool is_unreserved(unsigned char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

int etlc__s3_uri_encode(etlc__buf *b, const char *s, bool keep_slash)
{
    static const char hex[] = "0123456789ABCDEF";
    if (terminate(b) != 0)
        return -1;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (is_unreserved(*p) || (keep_slash && *p == '/')) {
            if (etlc__buf_putc(b, (char)*p) != 0)
                return -1;
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            if (etlc__buf_append(b, esc, 3) != 0)
                return -1;
        }
    }
    return 0;
}

typedef struct encoded_pair {
    char *name;
    char *value;
} encoded_pair;

static int pair_cmp(const void *a, const void *b)
{
    const encoded_pair *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

static char *encode_dup(const char *s)
{
    etlc__buf b = {0};
    if (etlc__s3_uri_encode(&b, s ? s : "", false) != 0) {
        etlc__buf_free(&b);
        return NULL;
    }
    return etlc__buf_take(&b);
}

int etlc__s3_canonical_query(etlc__buf *b, const etlc__s3_param *params, size_t n)
{
    if (n == 0)
        return terminate(b);
    encoded_pair *pairs = calloc(n, sizeof *pairs);
    if (!pairs)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        pairs[i].name = encode_dup(params[i].name);
        pairs[i].value = encode_dup(params[i].value);
        if (!pairs[i].name || !pairs[i].value)
            rc = -1;
    }
    if (rc == 0 && n > 0) {
        qsort(pairs, n, sizeof *pairs, pair_cmp);
        for (size_t i = 0; i < n && rc == 0; i++)
            rc = etlc__buf_printf(b, "%s%s=%s", i ? "&" : "", pairs[i].name, pairs[i].value);
    }
    for (size_t i = 0; i < n; i++) {
        free(pairs[i].name);
        free(pairs[i].value);
    }
    free(pairs);
    return rc;
}

/* Find "<tag>", "<tag ...>" or "<tag/>" in [xml, end); returns the byte after
 * its '>' or NULL. */
static const char *find_open(const char *xml, const char *end, const char *tag, const char **open_at)
{
    size_t tlen = strlen(tag);
    for (const char *p = xml; p + tlen + 2 <= end; p++) {
        if (p[0] != '<' || memcmp(p + 1, tag, tlen) != 0)
            continue;
        char after = p[1 + tlen];
        if (after != '>' && after != ' ' && after != '/')
            continue;
        const char *gt = memchr(p, '>', (size_t)(end - p));
        if (!gt)
            return NULL;
        if (open_at)
            *open_at = p;
        return gt + 1;
    }
    return NULL;
}

static int decode_entities(etlc__buf *out, const char *s, size_t len)
{
    static const struct { const char *ent; char ch; } ents[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''},
    };
    if (etlc__buf_reserve(out, len) != 0)
        return -1;
    for (size_t i = 0; i < len;) {
        bool matched = false;
        if (s[i] == '&') {
            for (size_t e = 0; e < ETLC__ARRAY_LEN(ents); e++) {
                size_t elen = strlen(ents[e].ent);
                if (i + elen <= len && memcmp(s + i, ents[e].ent, elen) == 0) {
                    if (etlc__buf_putc(out, ents[e].ch) != 0)
                        return -1;
                    i += elen;
                    matched = true;
                    break;
                }
            }
        }
        if (!matched && s[i] == '&' && i + 3 < len && s[i + 1] == '#') {
            /* &#39; / &#x27; for ASCII; anything else is kept as written. */
            bool hexnum = s[i + 2] == 'x' || s[i + 2] == 'X';
            size_t j = i + (hexnum ? 3 : 2);
            unsigned v = 0, digits = 0;
            for (; j < len && digits < 6; j++, digits++) {
                char ch = s[j];
                unsigned d;
                if (ch >= '0' && ch <= '9')
                    d = (unsigned)(ch - '0');
                else if (hexnum && ch >= 'a' && ch <= 'f')
                    d = (unsigned)(ch - 'a' + 10);
                else if (hexnum && ch >= 'A' && ch <= 'F')
                    d = (unsigned)(ch - 'A' + 10);
                else
                    break;
                v = v * (hexnum ? 16u : 10u) + d;
            }
            if (digits > 0 && j < len && s[j] == ';' && v >= 0x20 && v < 0x7f) {
                if (etlc__buf_putc(out, (char)v) != 0)
                    return -1;
                i = j + 1;
                matched = true;
            }
        }
        if (!matched) {
            if (etlc__buf_putc(out, s[i]) != 0)
                return -1;
            i++;
        }
    }
    return 0;
}

char *etlc__s3_xml_text(const char *xml, size_t len, const char *tag)
{
    if (!xml)
        return NULL;
    const char *end = xml + len, *open_at = NULL;
    const char *text = find_open(xml, end, tag, &open_at);
    if (!text)
        return NULL;
    etlc__buf out = {0};
    if (text[-2] != '/') { /* not <tag/> */
        size_t tlen = strlen(tag);
        const char *close = NULL;
        for (const char *p = text; p + tlen + 3 <= end; p++) {
            if (p[0] == '<' && p[1] == '/' && memcmp(p + 2, tag, tlen) == 0 && p[2 + tlen] == '>') {
                close = p;
                break;
            }
        }
        if (!close)
            return NULL;
        if (decode_entities(&out, text, (size_t)(close - text)) != 0) {
            etlc__buf_free(&out);
            return NULL;
        }
    }
    if (terminate(&out) != 0)
        return NULL;
    return etlc__buf_take(&out);
}

size_t etlc__s3_xml_count(const char *xml, size_t len, const char *tag)
{
    size_t n = 0;
    const char *end = xml + len, *p = xml, *open_at = NULL;
    while (p < end && (p = find_open(p, end, tag, &open_at)) != NULL)
        n++;
    return n;
}

int etlc__s3_xml_escape(etlc__buf *b, const char *s)
{
    if (terminate(b) != 0)
        return -1;
    for (; *s; s++) {
        int rc;
        switch (*s) {
        case '&': rc = etlc__buf_puts(b, "&amp;"); break;
        case '<': rc = etlc__buf_puts(b, "&lt;"); break;
        case '>': rc = etlc__buf_puts(b, "&gt;"); break;
        case '"': rc = etlc__buf_puts(b, "&quot;"); break;
        case '\'': rc = etlc__buf_puts(b, "&apos;"); break;
        default: rc = etlc__buf_putc(b, *s); break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}
