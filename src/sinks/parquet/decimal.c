/* Exact conversion of decimal text to scaled integers (up to 38 digits). */
#include <stdio.h>
#include <string.h>

#include "sinks/parquet/pq.h"

static pq_u128 pow10_u128(int n)
{
    pq_u128 p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

static const uint64_t pow10_u64[19] = {
    1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
    1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
    100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
    1000000000000000000ull};

/* The common case in 64-bit arithmetic: "[-]digits[.digits]" with at most
 * 18 digits, no more fractional digits than the scale, precision <= 18.
 * Returns false for anything else (the general parser then decides, and
 * words the error). */
static bool decimal_parse_u64(const uint8_t *s, size_t len, int precision, int scale,
                              pq_i128 *out)
{
    if (len == 0 || len > 20 || precision < 1 || precision > 18 || scale < 0 || scale > 18)
        return false;
    size_t i = 0;
    bool neg = s[0] == '-';
    if (s[0] == '-' || s[0] == '+')
        i++;
    uint64_t mant = 0;
    int ndigits = 0, frac = -1;
    for (; i < len; i++) {
        unsigned d = (unsigned)s[i] - '0';
        if (d <= 9) {
            mant = mant * 10 + d;
            ndigits++;
            if (frac >= 0)
                frac++;
        } else if (s[i] == '.' && frac < 0) {
            frac = 0;
        } else {
            return false;
        }
    }
    if (frac < 0)
        frac = 0;
    if (ndigits == 0 || ndigits > 18 || frac > scale)
        return false;
    uint64_t p = pow10_u64[scale - frac];
    if (mant > pow10_u64[18] / p)
        return false;
    mant *= p;
    if (mant >= pow10_u64[precision])
        return false;
    *out = neg ? -(pq_i128)mant : (pq_i128)mant;
    return true;
}

int pq_decimal_parse(const uint8_t *s, size_t len, int precision, int scale, pq_i128 *out,
                     const char **why)
{
    if (decimal_parse_u64(s, len, precision, scale, out))
        return 0;
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    pq_u128 mant = 0;
    const pq_u128 limit = pow10_u128(38);
    int frac = 0;            /* digits after the point kept in mant */
    int pending_zeros = 0;   /* zeros after the point not yet multiplied in */
    bool seen_point = false, any = false;
    for (; i < len; i++) {
        uint8_t ch = s[i];
        if (ch == '.' && !seen_point) {
            seen_point = true;
            continue;
        }
        if (ch < '0' || ch > '9')
            break;
        any = true;
        if (seen_point && ch == '0') {
            pending_zeros++;
            continue;
        }
        /* Bring in deferred zeros, then this digit. */
        for (int z = 0; z <= pending_zeros; z++) {
            if (mant > (limit - 1) / 10) {
                *why = "has more than 38 significant digits";
                return -1;
            }
            mant *= 10;
        }
        if (seen_point)
            frac += pending_zeros + 1;
        pending_zeros = 0;
        mant += (pq_u128)(ch - '0');
    }
    if (!any) {
        *why = "is not a decimal number";
        return -1;
    }
    long exp = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        if (i >= len) {
            *why = "has an empty exponent";
            return -1;
        }
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            if (exp < 100000)
                exp = exp * 10 + (s[i] - '0');
        if (eneg)
            exp = -exp;
    }
    if (i != len) {
        *why = "is not a decimal number";
        return -1;
    }
    /* value = mant * 10^(exp - frac); we want mant * 10^(scale + exp - frac). */
    long shift = (long)scale + exp - frac;
    if (mant == 0)
        shift = 0;
    if (shift < 0) {
        if (shift < -38) {
            *why = "has more fractional digits than the column's scale";
            return -1;
        }
        pq_u128 p = pow10_u128((int)-shift);
        if (mant % p != 0) {
            *why = "has more fractional digits than the column's scale";
            return -1;
        }
        mant /= p;
    } else if (shift > 0) {
        if (shift > 38 || mant > (limit - 1) / pow10_u128((int)shift)) {
            *why = "has more digits than the column's precision";
            return -1;
        }
        mant *= pow10_u128((int)shift);
    }
    if (mant >= pow10_u128(precision)) {
        *why = "has more digits than the column's precision";
        return -1;
    }
    *out = neg ? -(pq_i128)mant : (pq_i128)mant;
    return 0;
}

int pq_decimal_bytes(int precision)
{
    pq_u128 need = pow10_u128(precision) - 1;
    for (int n = 1; n < 16; n++)
        if (need <= (((pq_u128)1 << (8 * n - 1)) - 1))
            return n;
    return 16;
}

void pq_i128_to_be(pq_i128 v, uint8_t *out, int n)
{
    pq_u128 u = (pq_u128)v;
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (uint8_t)u;
        u >>= 8;
    }
}

pq_i128 pq_be_to_i128(const uint8_t *p, size_t n)
{
    if (n == 0 || n > 16)
        return 0;
    pq_u128 u = (p[0] & 0x80) ? ~(pq_u128)0 : 0; /* sign-extend */
    for (size_t i = 0; i < n; i++)
        u = (u << 8) | p[i];
    return (pq_i128)u;
}

void pq_decimal_format(pq_i128 v, int scale, char *buf, size_t bufsz)
{
    char digits[48];
    int n = 0;
    bool neg = v < 0;
    pq_u128 u = neg ? (pq_u128)0 - (pq_u128)v : (pq_u128)v;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u && n < 40);
    while (n <= scale && n < 40)
        digits[n++] = '0';
    size_t k = 0;
    char tmp[64];
    if (neg)
        tmp[k++] = '-';
    for (int i = n - 1; i >= 0; i--) {
        tmp[k++] = digits[i];
        if (i == scale && scale > 0)
            tmp[k++] = '.';
    }
    tmp[k] = '\0';
    snprintf(buf, bufsz, "%s", tmp);
}
