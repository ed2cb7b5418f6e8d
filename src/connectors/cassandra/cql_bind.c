/* Bound values from text: a fetch's KEY=VALUE parameters are converted to
 * the type the server gives for the marker (prepared metadata). Text forms:
 * integers and floats as usual, booleans true/false, timestamps ISO-8601
 * (or epoch milliseconds), dates YYYY-MM-DD, uuids canonical, blobs 0x-hex,
 * varint/decimal as decimal text, inet dotted or IPv6 text, time HH:MM:SS[.f]. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cql_internal.h"

static int bad(etlc_error *err, const char *name, const char *what)
{
    return etlc_error_set(err, ETLC_DATA_TYPE, "cassandra: parameter \"%s\": not %s", name, what);
}

static int parse_i64(const char *s, int64_t lo, int64_t hi, int64_t *v)
{
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

static int put_int(etlc__buf *out, int64_t v, int width)
{
    uint8_t b[8];
    for (int i = 0; i < width; i++)
        b[i] = (uint8_t)((uint64_t)v >> (8 * (width - 1 - i)));
    return etlc__cql_wr_i32(out, width) || etlc__buf_append(out, b, (size_t)width) ? -1 : 0;
}

/* Decimal digits (with sign) -> minimal two's-complement big-endian bytes. */
static int varint_bytes(const char *s, etlc__buf *out)
{
    bool neg = *s == '-';
    s += (*s == '-' || *s == '+');
    size_t nd = strlen(s);
    if (nd == 0 || nd > 4096 || strspn(s, "0123456789") != nd)
        return -1;
    uint8_t *mag = calloc(nd / 2 + 2, 1);
    if (!mag)
        return -1;
    size_t n = nd / 2 + 2; /* little-endian magnitude */
    for (const char *p = s; *p; p++) {
        unsigned carry = (unsigned)(*p - '0');
        for (size_t i = 0; i < n; i++) {
            unsigned x = mag[i] * 10u + carry;
            mag[i] = (uint8_t)x;
            carry = x >> 8;
        }
    }
    if (neg) { /* two's complement */
        unsigned carry = 1;
        for (size_t i = 0; i < n; i++) {
            unsigned x = (uint8_t)~mag[i] + carry;
            mag[i] = (uint8_t)x;
            carry = x >> 8;
        }
    }
    uint8_t fill = neg ? 0xFF : 0x00;
    while (n > 1 && mag[n - 1] == fill && ((mag[n - 2] & 0x80) == (fill & 0x80)))
        n--;
    int rc = 0;
    for (size_t i = n; rc == 0 && i-- > 0;)
        rc = etlc__buf_append(out, &mag[i], 1);
    free(mag);
    return rc;
}

static int put_decimal(etlc__buf *out, const char *s, bool with_scale)
{
    char digits[4200];
    int32_t scale = 0;
    size_t o = 0;
    for (const char *p = s; *p && o + 1 < sizeof digits; p++) {
        if (*p == '.' && with_scale && scale == 0 && p[1])
            scale = (int32_t)strlen(p + 1);
        else
            digits[o++] = *p;
    }
    digits[o] = '\0';
    etlc__buf v = {0};
    int rc = (with_scale && etlc__cql_wr_i32(&v, scale)) || varint_bytes(digits, &v) ? -1 : 0;
    if (rc == 0)
        rc = etlc__cql_wr_bytes(out, v.data, (int32_t)v.len);
    etlc__buf_free(&v);
    return rc;
}

static int put_hex(etlc__buf *out, const char *s, size_t want, bool dashes)
{
    uint8_t b[4096];
    size_t n = 0;
    if (!dashes && (s[0] != '0' || (s[1] != 'x' && s[1] != 'X')))
        return -1;
    for (const char *p = dashes ? s : s + 2; *p; p++) {
        if (dashes && *p == '-')
            continue;
        char h[3] = {p[0], p[1], 0};
        char *end;
        if (!p[1] || n >= sizeof b)
            return -1;
        b[n++] = (uint8_t)strtoul(h, &end, 16);
        if (*end)
            return -1;
        p++;
    }
    if (want && n != want)
        return -1;
    return etlc__cql_wr_bytes(out, b, (int32_t)n);
}

static int bind_temporal(etlc__buf *out, const cql_type *t, const char *name, const char *s, etlc_error *err)
{
    int64_t v;
    int32_t days;
    if (t->id == CQL_T_TIMESTAMP) {
        if (parse_i64(s, INT64_MIN, INT64_MAX, &v) != 0) {
            if (etlc_parse_timestamp(s, strlen(s), &v) != 0)
                return bad(err, name, "a timestamp (ISO-8601 or epoch milliseconds)");
            v /= 1000;
        }
        return put_int(out, v, 8) ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : 0;
    }
    if (t->id == CQL_T_DATE) {
        if (etlc_parse_date(s, strlen(s), &days) != 0)
            return bad(err, name, "a date (YYYY-MM-DD)");
        return put_int(out, (int64_t)(uint32_t)((uint32_t)days + 0x80000000u), 4) ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : 0;
    }
    unsigned h, m;
    double sec;
    if (sscanf(s, "%u:%u:%lf", &h, &m, &sec) != 3 || h > 23 || m > 59 || sec < 0 || sec >= 60)
        return bad(err, name, "a time (HH:MM:SS[.fraction])");
    v = ((int64_t)h * 3600 + m * 60) * 1000000000LL + (int64_t)llround(sec * 1e9);
    return put_int(out, v, 8) ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : 0;
}

int etlc__cql_bind_text(etlc__buf *out, const cql_type *t, const char *name, const char *s, etlc_error *err)
{
    int64_t v;
    double d;
    char *end;
    switch (t->id) {
    case CQL_T_ASCII: case CQL_T_VARCHAR:
        return etlc__cql_wr_bytes(out, s, (int32_t)strlen(s)) ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : 0;
    case CQL_T_BIGINT: case CQL_T_COUNTER: case CQL_T_INT: case CQL_T_SMALLINT: case CQL_T_TINYINT: {
        int w = t->id == CQL_T_TINYINT ? 1 : t->id == CQL_T_SMALLINT ? 2 : t->id == CQL_T_INT ? 4 : 8;
        int64_t lim = w == 8 ? INT64_MAX : (int64_t)((1ULL << (8 * w - 1)) - 1);
        if (parse_i64(s, -lim - 1, lim, &v) != 0)
            return bad(err, name, "an integer in the column's range");
        return put_int(out, v, w) ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : 0;
    }
    case CQL_T_DOUBLE: case CQL_T_FLOAT: {
        d = strtod(s, &end);
        if (end == s || *end)
            return bad(err, name, "a number");
        float f = (float)d;
        uint64_t u = 0;
        uint32_t u32 = 0;
        if (t->id == CQL_T_FLOAT)
            memcpy(&u32, &f, 4);
        else
            memcpy(&u, &d, 8);
        return put_int(out, t->id == CQL_T_FLOAT ? (int64_t)u32 : (int64_t)u, t->id == CQL_T_FLOAT ? 4 : 8)
                   ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : 0;
    }
    case CQL_T_BOOLEAN:
        if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
            return bad(err, name, "true or false");
        return put_int(out, s[0] == 't', 1) ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : 0;
    case CQL_T_TIMESTAMP: case CQL_T_DATE: case CQL_T_TIME:
        return bind_temporal(out, t, name, s, err);
    case CQL_T_UUID: case CQL_T_TIMEUUID:
        return put_hex(out, s, 16, true) ? bad(err, name, "a uuid") : 0;
    case CQL_T_BLOB:
        return put_hex(out, s, 0, false) ? bad(err, name, "a blob as 0x-hex") : 0;
    case CQL_T_VARINT: case CQL_T_DECIMAL:
        return put_decimal(out, s, t->id == CQL_T_DECIMAL) ? bad(err, name, "a decimal number") : 0;
    case CQL_T_INET: {
        uint8_t a[16];
        int four = inet_pton(AF_INET, s, a) == 1;
        if (!four && inet_pton(AF_INET6, s, a) != 1)
            return bad(err, name, "an IP address");
        return etlc__cql_wr_bytes(out, a, four ? 4 : 16) ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : 0;
    }
    default:
        return etlc_error_set(err, ETLC_UNSUPPORTED, "cassandra: parameter \"%s\": binding a "
                              "collection, tuple, UDT or duration from text is not supported; "
                              "write it as a CQL literal in the statement", name);
    }
}
