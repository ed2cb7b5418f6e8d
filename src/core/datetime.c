/* Civil dates and ISO-8601 timestamps (proleptic Gregorian, UTC).
 * days_from_civil / civil_from_days follow Howard Hinnant's algorithms
 * (http://howardhinnant.github.io/date_algorithms.html): exact for any
 * year, negative ones included. */
#include <stdio.h>
#include <string.h>

#include "core/internal.h"

#define US_PER_DAY INT64_C(86400000000)

int32_t etlc_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const int64_t yoe = y - era * 400;                                  /* [0, 399] */
    const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
    return (int32_t)(era * 146097 + doe - 719468);
}

void etlc_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Years 0..9999 as 4 digits; others with a sign (ISO-8601 expanded form),
 * which etlc_parse_* read back. */
static int format_ymd(int64_t days, char *buf, size_t bufsz)
{
    int64_t y;
    unsigned m, d;
    etlc_civil_from_days(days, &y, &m, &d);
    if (y >= 0 && y <= 9999 && bufsz > 10) {
        /* The common case by hand: this runs once per value in the sinks. */
        buf[0] = (char)('0' + y / 1000);
        buf[1] = (char)('0' + y / 100 % 10);
        buf[2] = (char)('0' + y / 10 % 10);
        buf[3] = (char)('0' + y % 10);
        buf[4] = '-';
        buf[5] = (char)('0' + m / 10);
        buf[6] = (char)('0' + m % 10);
        buf[7] = '-';
        buf[8] = (char)('0' + d / 10);
        buf[9] = (char)('0' + d % 10);
        buf[10] = '\0';
        return 10;
    }
    if (y >= 0 && y <= 9999)
        return snprintf(buf, bufsz, "%04lld-%02u-%02u", (long long)y, m, d);
    return snprintf(buf, bufsz, "%c%04lld-%02u-%02u", y < 0 ? '-' : '+',
                    (long long)(y < 0 ? -y : y), m, d);
}

void etlc_format_date(int32_t days, char *buf, size_t bufsz)
{
    format_ymd(days, buf, bufsz);
}

void etlc_format_timestamp(int64_t micros, char *buf, size_t bufsz)
{
    /* Floor division so instants before 1970 get a positive time of day. */
    int64_t days = micros / US_PER_DAY;
    int64_t rem = micros % US_PER_DAY;
    if (rem < 0) {
        rem += US_PER_DAY;
        days -= 1;
    }
    int n = format_ymd(days, buf, bufsz);
    if (n < 0 || (size_t)n >= bufsz)
        return;
    int64_t secs = rem / 1000000, frac = rem % 1000000;
    if (bufsz - (size_t)n <= 17) {
        snprintf(buf + n, bufsz - (size_t)n, "T%02d:%02d:%02d.%06dZ", (int)(secs / 3600),
                 (int)(secs / 60 % 60), (int)(secs % 60), (int)frac);
        return;
    }
    /* "Thh:mm:ss.ffffffZ" by hand (hot in the sinks). */
    char *o = buf + n;
    int parts[3] = {(int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60)};
    for (int i = 0; i < 3; i++) {
        *o++ = i == 0 ? 'T' : ':';
        *o++ = (char)('0' + parts[i] / 10);
        *o++ = (char)('0' + parts[i] % 10);
    }
    *o++ = '.';
    for (int i = 5; i >= 0; i--) {
        o[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    o += 6;
    *o++ = 'Z';
    *o = '\0';
}

/* ---- parsing ------------------------------------------------------------- */

typedef struct cursor {
    const char *s;
    size_t len, pos;
} cursor;

static int peek(const cursor *c) { return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1; }

/* Exactly n digits. */
static bool digits(cursor *c, int n, int64_t *out)
{
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        int ch = peek(c);
        if (ch < '0' || ch > '9')
            return false;
        v = v * 10 + (ch - '0');
        c->pos++;
    }
    *out = v;
    return true;
}

static bool expect(cursor *c, char ch)
{
    if (peek(c) != (unsigned char)ch)
        return false;
    c->pos++;
    return true;
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* "YYYY-MM-DD", or "±YYYY[YY]-MM-DD" for years outside 0..9999. */
static bool parse_ymd(cursor *c, int64_t *days)
{
    int64_t y, m, d;
    int sign = peek(c);
    if (sign == '+' || sign == '-') {
        c->pos++;
        size_t start = c->pos;
        y = 0;
        while (peek(c) >= '0' && peek(c) <= '9' && c->pos - start < 6) {
            y = y * 10 + (peek(c) - '0');
            c->pos++;
        }
        if (c->pos - start < 4)
            return false;
        if (sign == '-')
            y = -y;
    } else if (!digits(c, 4, &y)) {
        return false;
    }
    if (!expect(c, '-') || !digits(c, 2, &m) || !expect(c, '-') || !digits(c, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, (unsigned)m))
        return false;
    *days = etlc_days_from_civil(y, (unsigned)m, (unsigned)d);
    return true;
}

int etlc_parse_date(const char *s, size_t len, int32_t *days)
{
    cursor c = {s, len, 0};
    int64_t d;
    if (!s || !parse_ymd(&c, &d) || c.pos != len)
        return -1;
    *days = (int32_t)d;
    return 0;
}

int etlc_parse_timestamp(const char *s, size_t len, int64_t *micros)
{
    if (!s)
        return -1;
    cursor c = {s, len, 0};
    int64_t days;
    if (!parse_ymd(&c, &days))
        return -1;
    int64_t h = 0, mi = 0, sec = 0, frac_us = 0, offset_min = 0;
    int sep = peek(&c);
    if (sep == 'T' || sep == 't' || sep == ' ') {
        c.pos++;
        if (!digits(&c, 2, &h) || !expect(&c, ':') || !digits(&c, 2, &mi))
            return -1;
        if (peek(&c) == ':') {
            c.pos++;
            if (!digits(&c, 2, &sec))
                return -1;
            if (peek(&c) == '.' || peek(&c) == ',') {
                c.pos++;
                int n = 0;
                while (peek(&c) >= '0' && peek(&c) <= '9') {
                    if (n >= 9)
                        return -1;
                    if (n < 6) /* digits beyond microseconds are truncated */
                        frac_us = frac_us * 10 + (peek(&c) - '0');
                    n++;
                    c.pos++;
                }
                if (n == 0)
                    return -1;
                for (int i = n; i < 6; i++)
                    frac_us *= 10;
            }
        }
        if (h > 23 || mi > 59 || sec > 59)
            return -1;
        int z = peek(&c);
        if (z == 'Z' || z == 'z') {
            c.pos++;
        } else if (z == '+' || z == '-') {
            c.pos++;
            int64_t oh, om = 0;
            if (!digits(&c, 2, &oh))
                return -1;
            bool colon = expect(&c, ':');
            if ((colon || c.pos < len) && !digits(&c, 2, &om))
                return -1;
            if (oh > 23 || om > 59)
                return -1;
            offset_min = (oh * 60 + om) * (z == '-' ? -1 : 1);
        }
    }
    if (c.pos != len)
        return -1;
    /* Local time minus the offset is UTC. The time of day (offset
     * applied) lies within a day either side, so near the ends of the int64
     * range the sum is taken from the neighbouring midnight; a value that
     * still does not fit is refused rather than wrapped. */
    int64_t tod = ((h * 60 + mi - offset_min) * 60 + sec) * 1000000 + frac_us;
    int64_t v;
    if (__builtin_mul_overflow(days, US_PER_DAY, &v) || __builtin_add_overflow(v, tod, &v)) {
        int64_t step = days < 0 ? 1 : -1;
        if (__builtin_mul_overflow(days + step, US_PER_DAY, &v) ||
            __builtin_add_overflow(v, tod - step * US_PER_DAY, &v))
            return -1;
    }
    *micros = v;
    return 0;
}
