/* Text forms of CQL values that have no exact etlconn scalar: varint and
 * decimal (exact decimal text), uuid, inet, time. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cql_internal.h"

/* Longest varint converted to text (bytes): ~160k digits, far beyond any
 * real value; a hostile frame cannot make us spin. */
#define CQL_VARINT_MAX 65536

/* Two's-complement big-endian bytes -> decimal digits (by repeated division
 * of the magnitude by 10^9). */
int etlc__cql_varint_text(etlc__buf *out, const uint8_t *p, size_t n)
{
    if (n == 0)
        return etlc__buf_putc(out, '0');
    if (n > CQL_VARINT_MAX)
        return -1;
    bool neg = p[0] & 0x80;
    uint8_t *mag = malloc(n);
    uint32_t *chunks = malloc((n * 8 / 29 + 2) * sizeof *chunks);
    if (!mag || !chunks) {
        free(mag);
        free(chunks);
        return -1;
    }
    memcpy(mag, p, n);
    if (neg) { /* negate: invert and add one */
        for (size_t i = 0; i < n; i++)
            mag[i] = (uint8_t)~mag[i];
        for (size_t i = n; i-- > 0;)
            if (++mag[i] != 0)
                break;
    }
    size_t nchunks = 0, start = 0;
    while (start < n && mag[start] == 0)
        start++;
    while (start < n) {
        uint64_t rem = 0;
        for (size_t i = start; i < n; i++) {
            uint64_t cur = rem << 8 | mag[i];
            mag[i] = (uint8_t)(cur / 1000000000u);
            rem = cur % 1000000000u;
        }
        chunks[nchunks++] = (uint32_t)rem;
        while (start < n && mag[start] == 0)
            start++;
    }
    int rc = neg ? etlc__buf_putc(out, '-') : 0;
    if (nchunks == 0)
        rc = rc || etlc__buf_putc(out, '0');
    for (size_t i = nchunks; rc == 0 && i-- > 0;)
        rc = etlc__buf_printf(out, i == nchunks - 1 ? "%u" : "%09u", chunks[i]);
    free(mag);
    free(chunks);
    return rc ? -1 : 0;
}

/* [int scale][varint unscaled]: unscaled * 10^-scale, as plain text when
 * the scale is modest, else with an exponent. */
int etlc__cql_decimal_text(etlc__buf *out, const uint8_t *p, size_t n)
{
    if (n < 4)
        return -1;
    int32_t scale = (int32_t)etlc__cql_be32(p);
    etlc__buf digits = {0};
    if (etlc__cql_varint_text(&digits, p + 4, n - 4) != 0) {
        etlc__buf_free(&digits);
        return -1;
    }
    const char *d = digits.data;
    bool neg = d[0] == '-';
    d += neg;
    size_t nd = strlen(d);
    int rc = neg ? etlc__buf_putc(out, '-') : 0;
    if (scale <= 0 && scale > -64) {
        rc = rc || etlc__buf_puts(out, d);
        for (int32_t i = 0; rc == 0 && i < -scale && strcmp(d, "0") != 0; i++)
            rc = etlc__buf_putc(out, '0');
    } else if (scale > 0 && (size_t)scale < nd) {
        rc = rc || etlc__buf_append(out, d, nd - (size_t)scale) || etlc__buf_putc(out, '.') ||
             etlc__buf_puts(out, d + nd - (size_t)scale);
    } else if (scale > 0 && scale < 4096) {
        rc = rc || etlc__buf_puts(out, "0.");
        for (size_t i = nd; rc == 0 && i < (size_t)scale; i++)
            rc = etlc__buf_putc(out, '0');
        rc = rc || etlc__buf_puts(out, d);
    } else {
        rc = rc || etlc__buf_printf(out, "%sE%lld", d, -(long long)scale);
    }
    etlc__buf_free(&digits);
    return rc ? -1 : 0;
}

void etlc__cql_uuid_text(const uint8_t p[16], char out[37])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[p[i] >> 4];
        out[o++] = hex[p[i] & 15];
    }
    out[o] = '\0';
}

int etlc__cql_inet_text(const uint8_t *p, size_t n, char out[64])
{
    if ((n != 4 && n != 16) || !inet_ntop(n == 4 ? AF_INET : AF_INET6, p, out, 64))
        return -1;
    return 0;
}

/* Nanoseconds since midnight -> HH:MM:SS[.fraction without trailing zeros]. */
void etlc__cql_time_text(int64_t nanos, char out[32])
{
    if (nanos < 0 || nanos >= 86400LL * 1000000000LL) {
        snprintf(out, 32, "%lld", (long long)nanos);
        return;
    }
    int64_t s = nanos / 1000000000LL, f = nanos % 1000000000LL;
    int n = snprintf(out, 32, "%02d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
    if (f) {
        char frac[16];
        snprintf(frac, sizeof frac, "%09lld", (long long)f);
        size_t fl = 9;
        while (fl > 0 && frac[fl - 1] == '0')
            fl--;
        snprintf(out + n, (size_t)(32 - n), ".%.*s", (int)fl, frac);
    }
}
