/* The JSON scanner's tokens: strings, numbers and literals, checked the way
 * jansson's lexer checks them (json_scan.h). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_scan_lex.h"

/* 1 for the bytes a string scan must stop at: '"', '\\', controls, non-ASCII. */
static const unsigned char stop[256] = {
    [0 ... 0x1F] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xFF] = 1,
};

/* Length of the well-formed UTF-8 sequence at p (jansson's utf8_check_*), 0 if bad. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
             : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || (size_t)(end - p) < n)
        return 0;
    uint32_t cp = c & (n == 2 ? 0x1Fu : n == 3 ? 0x0Fu : 0x07u);
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[k] & 0x3Fu);
    }
    if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n;
}

static int hex4(const unsigned char *p, const unsigned char *end, uint32_t *out)
{
    if (end - p < 4)
        return -1;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i];
        unsigned d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                   : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 16;
        if (d == 16)
            return -1;
        v = (v << 4) | d;
    }
    *out = v;
    return 0;
}

static size_t utf8_put(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* One escape after the backslash at *pp: its code point, surrogate pairs
 * joined; no lone surrogate, no \u0000 (jansson rejects both). */
static int unescape(const unsigned char **pp, const unsigned char *end, uint32_t *cp)
{
    const unsigned char *p = *pp + 1;
    if (p >= end)
        return -1;
    static const char simple_in[] = "\"\\/bfnrt", simple_out[] = "\"\\/\b\f\n\r\t";
    const char *hit = *p ? strchr(simple_in, *p) : NULL;
    if (hit) {
        *cp = (unsigned char)simple_out[hit - simple_in];
        *pp = p + 1;
        return 0;
    }
    if (*p != 'u' || hex4(p + 1, end, cp) != 0)
        return -1;
    p += 5;
    if (*cp >= 0xDC00 && *cp <= 0xDFFF)
        return -1;
    if (*cp >= 0xD800 && *cp <= 0xDBFF) {
        uint32_t lo;
        if (end - p < 2 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, end, &lo) != 0 ||
            lo < 0xDC00 || lo > 0xDFFF)
            return -1;
        *cp = ((*cp - 0xD800) << 10) + (lo - 0xDC00) + 0x10000;
        p += 6;
    }
    *pp = p;
    return *cp == 0 ? -1 : 0;
}

int etlc__jlex_string(etlc__jscan *s, etlc__buf *out, const char **str, size_t *len)
{
    const unsigned char *p = s->p + 1, *end = s->end, *start = p;
    bool escaped = false;
    if (out)
        etlc__buf_reset(out);
    for (;;) {
        const unsigned char *run = p;
        while (p < end && !stop[*p])
            p++;
        if (p >= end || *p < 0x20)
            return ETLC__JSCAN_BAD;
        if (*p >= 0x80) {
            size_t n = utf8_seq(p, end);
            if (n == 0)
                return ETLC__JSCAN_BAD;
            p += n;
            if (escaped && out && etlc__buf_append(out, run, (size_t)(p - run)) != 0)
                return ETLC__JSCAN_NOMEM;
            continue;
        }
        if (escaped && out && etlc__buf_append(out, run, (size_t)(p - run)) != 0)
            return ETLC__JSCAN_NOMEM;
        if (*p == '"')
            break;
        if (!escaped && out && etlc__buf_append(out, start, (size_t)(p - start)) != 0)
            return ETLC__JSCAN_NOMEM;
        escaped = true;
        uint32_t cp;
        if (unescape(&p, end, &cp) != 0)
            return ETLC__JSCAN_BAD;
        char enc[4];
        if (out && etlc__buf_append(out, enc, utf8_put(cp, enc)) != 0)
            return ETLC__JSCAN_NOMEM;
    }
    if (str) {
        *str = escaped && out ? (out->data ? out->data : "") : (const char *)start;
        *len = escaped && out ? out->len : (size_t)(p - start);
    }
    s->p = p + 1;
    return 0;
}

int etlc__jlex_literal(etlc__jscan *s, etlc__jval *v)
{
    static const struct { const char *text; size_t len; etlc__jkind kind; bool b; } lits[] = {
        {"true", 4, ETLC__JBOOL, true}, {"false", 5, ETLC__JBOOL, false}, {"null", 4, ETLC__JNULL, false}};
    size_t avail = (size_t)(s->end - s->p);
    for (size_t i = 0; i < 3; i++) {
        size_t n = lits[i].len;
        if (avail < n || memcmp(s->p, lits[i].text, n) != 0)
            continue;
        /* jansson reads a run of letters as one word: "truex" is no literal */
        unsigned c = avail > n ? s->p[n] : 0;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            return ETLC__JSCAN_BAD;
        v->kind = lits[i].kind;
        v->b = lits[i].b;
        s->p += n;
        return 0;
    }
    return ETLC__JSCAN_BAD;
}

static bool digit(const unsigned char *p, const unsigned char *end)
{
    return p < end && *p >= '0' && *p <= '9';
}

/* Exact powers of ten a double holds (Clinger's fast path). */
static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A real from its text: exact fast path when the digits fit 2^53 and the
 * power of ten is exact, else strtod (as jansson; overflow is BAD). */
static int real_value(const unsigned char *start, const unsigned char *end, bool neg,
                      uint64_t mant, int sig, long exp10, double *out)
{
    if (sig <= 19 && mant <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
        double d = (double)mant;
        d = exp10 < 0 ? d / pow10_exact[-exp10] : d * pow10_exact[exp10];
        *out = neg ? -d : d;
        return 0;
    }
    char small[64], *text = small;
    size_t n = (size_t)(end - start);
    if (n >= sizeof small && !(text = malloc(n + 1)))
        return ETLC__JSCAN_NOMEM;
    memcpy(text, start, n);
    text[n] = '\0';
    errno = 0;
    double d = strtod(text, NULL);
    int overflow = (d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE;
    if (text != small)
        free(text);
    *out = d;
    return overflow ? ETLC__JSCAN_BAD : 0;
}

int etlc__jlex_number(etlc__jscan *s, etlc__jval *v)
{
    const unsigned char *p = s->p, *end = s->end, *start = p;
    bool neg = p < end && *p == '-';
    p += neg;
    if (!digit(p, end) || (*p == '0' && digit(p + 1, end)))
        return ETLC__JSCAN_BAD;
    uint64_t mant = 0;
    int sig = 0, ndig = 0;
    long exp10 = 0;
    for (; digit(p, end); p++, ndig++) {
        if (sig < 19 && (sig || *p != '0'))
            mant = mant * 10 + (uint64_t)(*p - '0');
        else if (sig >= 19)
            exp10++; /* digits past 19 only matter to strtod */
        sig += sig || *p != '0';
    }
    if (p >= end || (*p != '.' && *p != 'e' && *p != 'E')) {
        /* at most 19 digits, all of them in mant (no leading zeros) */
        bool fits = ndig <= 19 && mant <= (neg ? (1ull << 63) : (1ull << 63) - 1);
        if (!fits)
            return ETLC__JSCAN_BAD; /* jansson: "too big integer" */
        v->kind = ETLC__JINT;
        v->i = neg ? (int64_t)(0 - mant) : (int64_t)mant;
        s->p = p;
        return 0;
    }
    if (p < end && *p == '.') {
        if (!digit(++p, end))
            return ETLC__JSCAN_BAD;
        for (; digit(p, end); p++) {
            if (sig < 19 && (sig || *p != '0')) {
                mant = mant * 10 + (uint64_t)(*p - '0');
                exp10--;
            } else if (sig < 19) {
                exp10--; /* a leading zero of the fraction */
            }
            sig += sig || *p != '0';
        }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = p < end && (*p == '-' || *p == '+') ? *p++ == '-' : false;
        if (!digit(p, end))
            return ETLC__JSCAN_BAD;
        long e = 0;
        for (; digit(p, end); p++)
            e = e < 100000 ? e * 10 + (*p - '0') : e;
        exp10 += eneg ? -e : e;
    }
    v->kind = ETLC__JREAL;
    int rc = real_value(start, p, neg, mant, sig, exp10, &v->d);
    s->p = p;
    return rc;
}
