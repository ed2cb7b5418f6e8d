/* A growable byte buffer used for JSON, CSV and message building. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

int etlc__buf_reserve(etlc__buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int etlc__buf_append(etlc__buf *b, const void *data, size_t len)
{
    if (etlc__buf_reserve(b, len) != 0)
        return -1;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int etlc__buf_puts(etlc__buf *b, const char *s) { return etlc__buf_append(b, s, strlen(s)); }

int etlc__buf_putc(etlc__buf *b, char c) { return etlc__buf_append(b, &c, 1); }

int etlc__buf_printf(etlc__buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof small)
        return etlc__buf_append(b, small, (size_t)n);
    if (etlc__buf_reserve(b, (size_t)n) != 0)
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_valid_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t n;
    unsigned min;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (n > avail)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

/* What etlc__buf_json_string does with each byte: 0 copy as is, 1 escape,
 * 2 start of a UTF-8 sequence to validate. */
static const unsigned char json_class[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* The escape for byte c (class 1) into out; returns its length (2 or 6). */
static size_t json_escape(unsigned char c, char out[6])
{
    static const char hex[] = "0123456789abcdef";
    char short_form = c == '"' ? '"' : c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : 0;
    out[0] = '\\';
    if (short_form) {
        out[1] = short_form;
        return 2;
    }
    memcpy(out + 1, "u00", 3);
    out[4] = hex[c >> 4];
    out[5] = hex[c & 15];
    return 6;
}

/* Runs of bytes that need no escaping (ASCII and valid UTF-8) are found
 * with a table lookup per byte and copied with one memcpy each; only the
 * bytes that need an escape are handled one at a time. */
int etlc__buf_json_string(etlc__buf *b, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    if (etlc__buf_reserve(b, len + 2) != 0)
        return -1;
    b->data[b->len++] = '"';
    size_t i = 0;
    while (i < len) {
        size_t run = i;
        for (;;) {
            while (i < len && json_class[s[i]] == 0)
                i++;
            if (i == len || json_class[s[i]] != 2)
                break;
            size_t step = utf8_valid_len(s + i, len - i);
            if (step == 0)
                break;
            i += step;
        }
        /* Room for the run, the worst-case escape, the rest and the quote. */
        if (etlc__buf_reserve(b, (i - run) + 6 + (len - i) + 1) != 0)
            return -1;
        memcpy(b->data + b->len, s + run, i - run);
        b->len += i - run;
        if (i == len)
            break;
        if (json_class[s[i]] == 2) {
            memcpy(b->data + b->len, "\xEF\xBF\xBD", 3); /* U+FFFD for an invalid byte */
            b->len += 3;
        } else {
            b->len += json_escape(s[i], b->data + b->len);
        }
        i++;
    }
    b->data[b->len++] = '"';
    b->data[b->len] = '\0';
    return 0;
}

void etlc__buf_reset(etlc__buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void etlc__buf_free(etlc__buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *etlc__buf_take(etlc__buf *b)
{
    char *p = b->data;
    if (!p)
        p = calloc(1, 1);
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
