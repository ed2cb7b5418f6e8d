/* Text forms of column values shared by the JSONL and CSV sinks. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sinks/sink_formats.h"

int etlc__buf_int64(etlc__buf *b, int64_t v)
{
    char tmp[24], *o = tmp + sizeof tmp;
    /* Negate in unsigned arithmetic so INT64_MIN is exact. */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--o = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--o = '-';
    return etlc__buf_append(b, o, (size_t)(tmp + sizeof tmp - o));
}

/* Doubles with few decimals (prices, ratios) are the common case: find the
 * fewest fraction digits k <= 6 with m / 10^k == v exactly. Both m and 10^k
 * are exact doubles, so that quotient is the double nearest to the decimal
 * "m e-k", i.e. the text reads back as v — the same text %.15g gives, for
 * the range where %g uses fixed notation. Returns 1 when not applicable,
 * else etlc__buf_append's result. */
static int double_fixed_fast(etlc__buf *b, double v)
{
    static const double pow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
    double a = v < 0 ? -v : v;
    if (!(a >= 1e-4 && a < 1e15))
        return 1; /* also NaN, infinities, zeros (keeps the sign of -0.0) */
    for (int k = 0; k <= 6; k++) {
        double scaled = a * pow10[k];
        if (scaled >= 9007199254740992.0)
            return 1;
        double m = (double)(int64_t)(scaled + 0.5);
        if (m / pow10[k] != a)
            continue;
        char tmp[40], *o = tmp + sizeof tmp;
        uint64_t u = (uint64_t)m;
        for (int i = 0; i < k; i++) {
            *--o = (char)('0' + u % 10);
            u /= 10;
        }
        if (k > 0)
            *--o = '.';
        do {
            *--o = (char)('0' + u % 10);
            u /= 10;
        } while (u);
        if (v < 0)
            *--o = '-';
        /* %g drops trailing zeros of the fraction; so does the minimal k. */
        return etlc__buf_append(b, o, (size_t)(tmp + sizeof tmp - o));
    }
    return 1;
}

int etlc__buf_double(etlc__buf *b, double v)
{
    int fast = double_fixed_fast(b, v);
    if (fast != 1)
        return fast;
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (prec == 17 || strtod(tmp, NULL) == v)
            break;
    }
    return etlc__buf_puts(b, tmp);
}

int etlc__buf_base64(etlc__buf *b, const uint8_t *s, size_t len)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (etlc__buf_reserve(b, (len + 2) / 3 * 4) != 0)
        return -1;
    char *o = b->data + b->len;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        *o++ = tbl[v >> 18];
        *o++ = tbl[(v >> 12) & 63];
        *o++ = tbl[(v >> 6) & 63];
        *o++ = tbl[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < len ? (uint32_t)s[i + 1] << 8 : 0);
        *o++ = tbl[v >> 18];
        *o++ = tbl[(v >> 12) & 63];
        *o++ = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    return 0;
}

int etlc__value_text(etlc__buf *b, const etlc_column *c, size_t row)
{
    char tmp[48];
    size_t len;
    const uint8_t *p;
    switch (c->def.type) {
    case ETLC_TYPE_BOOL:
        return etlc__buf_puts(b, c->fixed.b[row] ? "true" : "false");
    case ETLC_TYPE_INT64:
        return etlc__buf_int64(b, c->fixed.i64[row]);
    case ETLC_TYPE_DOUBLE: {
        double v = c->fixed.f64[row];
        if (isnan(v))
            return etlc__buf_puts(b, "NaN");
        if (isinf(v))
            return etlc__buf_puts(b, v > 0 ? "Infinity" : "-Infinity");
        return etlc__buf_double(b, v);
    }
    case ETLC_TYPE_DATE:
        etlc_format_date(c->fixed.i32[row], tmp, sizeof tmp);
        return etlc__buf_puts(b, tmp);
    case ETLC_TYPE_TIMESTAMP:
        etlc_format_timestamp(c->fixed.i64[row], tmp, sizeof tmp);
        return etlc__buf_puts(b, tmp);
    case ETLC_TYPE_BYTES:
        p = etlc_column_var(c, row, &len);
        return etlc__buf_base64(b, p, len);
    case ETLC_TYPE_TEXT:
    case ETLC_TYPE_DECIMAL:
    case ETLC_TYPE_JSON:
        p = etlc_column_var(c, row, &len);
        return etlc__buf_append(b, p, len);
    case ETLC_TYPE_NULL:
        return 0; /* a NULL-typed column has only NULLs; callers handle those */
    }
    return 0;
}
