/* The lag window: the upper bound minus a duration (timestamp/date
 * watermarks) or a number (numeric ones), written back in the bound's own
 * representation so it compares exactly like the column's values. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/extract_internal.h"

/* Durations past 10,000 years and numbers past int64 are no lag a bound
 * can survive: refused before any cast or subtraction can wrap. */
#define LAG_MAX_MS (10000.0 * 366 * 86400000)
#define LAG_MAX_NUMBER 9223372036854775807.0 /* 2^63: below it the int64 cast is defined */

int etlc__ext_parse_lag(const char *lag, int64_t *ms, double *value)
{
    if (!lag || !*lag)
        return -1;
    char *end;
    errno = 0;
    double v = strtod(lag, &end);
    if (end == lag || (errno && errno != ERANGE) || isnan(v) || v < 0 || (v == 0 && errno))
        return -1;
    if (*end == '\0') {
        if (!isfinite(v) || v >= LAG_MAX_NUMBER)
            return -2;
        *value = v;
        return 0;
    }
    static const struct { const char *unit; double ms; } units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60000}, {"min", 60000}, {"h", 3600000}, {"d", 86400000}};
    for (size_t i = 0; i < ETLC__ARRAY_LEN(units); i++)
        if (strcmp(end, units[i].unit) == 0) {
            if (!isfinite(v) || v * units[i].ms > LAG_MAX_MS)
                return -2;
            *ms = (int64_t)llround(v * units[i].ms);
            return 1;
        }
    return -1;
}

int etlc__ext_lag_error(const char *lag, int kind, etlc_error *err)
{
    if (kind == -2)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "lag '%s' is too large (at most 10000 years as a duration, below 2^63 as a number)",
                              lag);
    return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                          "lag '%s' is neither a duration (250ms, 90s, 5m, 2h, 1d) nor a non-negative number",
                          lag ? lag : "");
}

/* The lag took the bound out of what a column can hold (before year 1, or
 * below the smallest int64): ours to say, not the server's. */
static int below_range(const char *lag, const char *what, etlc_error *err)
{
    return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                          "lag '%s' takes the upper bound below the smallest %s; give a smaller lag", lag, what);
}

#define MIN_DAYS (-719162)                          /* 0001-01-01 */
#define MIN_MICROS ((int64_t)MIN_DAYS * 86400000000LL) /* 0001-01-01T00:00:00Z */

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/* Re-render `micros` (UTC) like `model`: same date/time separator, seconds
 * and fraction digits (extra precision truncated downwards, which only
 * widens the window) and the same zone suffix, in that zone. */
static int format_like(const char *model, size_t len, int64_t micros, etlc__buf *out)
{
    char sep = len > 10 ? model[10] : 'T';
    bool has_seconds = len >= 19 && model[16] == ':';
    size_t pos = has_seconds ? 19 : 16;
    int frac = 0;
    if (has_seconds && pos < len && model[pos] == '.') {
        pos++;
        while (pos < len && isdigit((unsigned char)model[pos])) {
            pos++;
            frac++;
        }
    }
    const char *zone = pos < len ? model + pos : "";
    int64_t offset_s = 0;
    if (zone[0] == '+' || zone[0] == '-') {
        int hh = 0, mm = 0;
        if (sscanf(zone + 1, "%2d:%2d", &hh, &mm) < 1 && sscanf(zone + 1, "%2d%2d", &hh, &mm) < 1)
            return -1;
        offset_s = (hh * 3600 + mm * 60) * (zone[0] == '-' ? -1 : 1);
    }
    int64_t local = micros + offset_s * 1000000;
    int64_t days = floor_div(local, 86400000000LL);
    int64_t rem = local - days * 86400000000LL;
    int64_t y;
    unsigned mo, d;
    etlc_civil_from_days(days, &y, &mo, &d);
    int64_t secs = rem / 1000000, us = rem % 1000000;
    int rc = etlc__buf_printf(out, "%04lld-%02u-%02u%c%02lld:%02lld", (long long)y, mo, d, sep,
                              (long long)(secs / 3600), (long long)(secs / 60 % 60));
    if (rc == 0 && has_seconds)
        rc = etlc__buf_printf(out, ":%02lld", (long long)(secs % 60));
    if (rc == 0 && frac > 0) {
        char digits[8];
        snprintf(digits, sizeof digits, "%06lld", (long long)us);
        rc = etlc__buf_printf(out, ".%.*s", frac > 6 ? 6 : frac, digits);
        for (int i = 6; rc == 0 && i < frac; i++)
            rc = etlc__buf_putc(out, '0');
    }
    return rc ? rc : etlc__buf_puts(out, zone);
}

static int set_text(etlc_value *out, etlc_type type, etlc__buf *b, etlc_error *err)
{
    out->type = type;
    out->len = b->len;
    out->data = etlc__buf_take(b);
    if (!out->data) {
        out->type = ETLC_TYPE_NULL;
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory applying the lag");
    }
    return 0;
}

/* [-]digits[.digits] -> sign, integer digits (no leading zeros kept beyond
 * one) and fraction digits; false for anything else (exponents, spaces). */
static bool plain_decimal(const char *s, bool *neg, const char **ip, size_t *in, const char **fp, size_t *fn)
{
    *neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    *ip = s;
    *in = strspn(s, "0123456789");
    s += *in;
    *fp = s;
    *fn = 0;
    if (*s == '.') {
        *fp = ++s;
        *fn = strspn(s, "0123456789");
        s += *fn;
    }
    return *s == '\0' && *in + *fn > 0;
}

/* Exact a - b for plain decimal texts with b >= 0: a lag must never round
 * the bound upwards (a double cannot hold a DECIMAL(30,10)). Trailing
 * fraction zeros are trimmed. 1 when either is not a plain decimal. */
static int decimal_minus(const char *a, const char *b, etlc__buf *out)
{
    bool an, bn;
    const char *ai, *af, *bi, *bf;
    size_t ail, afl, bil, bfl;
    if (!plain_decimal(a, &an, &ai, &ail, &af, &afl) || !plain_decimal(b, &bn, &bi, &bil, &bf, &bfl) || bn)
        return 1;
    size_t il = (ail > bil ? ail : bil) + 1, fl = afl > bfl ? afl : bfl, n = il + fl;
    /* Digits aligned on the point, least significant last. */
    char *x = calloc(n, 1), *y = calloc(n, 1), *r = calloc(n + 2, 1);
    if (!x || !y || !r) {
        free(x), free(y), free(r);
        return -1;
    }
    for (size_t i = 0; i < ail; i++) x[il - ail + i] = (char)(ai[i] - '0');
    for (size_t i = 0; i < afl; i++) x[il + i] = (char)(af[i] - '0');
    for (size_t i = 0; i < bil; i++) y[il - bil + i] = (char)(bi[i] - '0');
    for (size_t i = 0; i < bfl; i++) y[il + i] = (char)(bf[i] - '0');
    bool neg;
    const char *big = x, *small = y;
    if (an) { /* -(|a| + b) */
        int carry = 0;
        for (size_t i = n; i-- > 0;) {
            int d = x[i] + y[i] + carry;
            r[i] = (char)(d % 10);
            carry = d / 10;
        }
        neg = true;
    } else {
        neg = memcmp(x, y, n) < 0; /* same length, digit per byte: compares as numbers */
        if (neg)
            big = y, small = x;
        int borrow = 0;
        for (size_t i = n; i-- > 0;) {
            int d = big[i] - small[i] - borrow;
            borrow = d < 0;
            r[i] = (char)(d < 0 ? d + 10 : d);
        }
    }
    size_t first = 0, last = n;
    while (first + 1 < il && r[first] == 0)
        first++;
    while (last > il && r[last - 1] == 0)
        last--;
    bool zero = true;
    for (size_t i = first; i < last; i++)
        zero = zero && r[i] == 0;
    int rc = neg && !zero ? etlc__buf_putc(out, '-') : 0;
    for (size_t i = first; i < last && rc == 0; i++) {
        if (i == il)
            rc = etlc__buf_putc(out, '.');
        rc = rc ? rc : etlc__buf_putc(out, (char)('0' + r[i]));
    }
    free(x), free(y), free(r);
    return rc ? -1 : 0;
}

/* A watermark held as text (SQLite timestamps, exact decimals): the bound
 * is written back in the column's own representation. */
static int lag_text(const etlc_value *upper, const char *lag, int kind, int64_t ms, double value, etlc_value *out,
                    etlc_error *err)
{
    etlc__buf b = {0};
    const char *s = upper->data ? upper->data : "";
    if (kind == 0) {
        char *end;
        errno = 0;
        long long iv = strtoll(s, &end, 10);
        int rc;
        long long diff;
        bool whole = *end == '\0' && end != s && !errno && value == floor(value);
        if (whole && __builtin_sub_overflow(iv, (long long)value, &diff))
            return below_range(lag, "integer", err);
        if (whole)
            rc = etlc__buf_printf(&b, "%lld", diff);
        else if ((rc = decimal_minus(s, lag, &b)) <= 0)
            ;
        else {
            double dv = strtod(s, &end);
            if (*end != '\0' || end == s)
                return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                                      "lag '%s' is a number but the watermark's maximum '%s' is not", lag, s);
            rc = etlc__buf_printf(&b, "%.15g", dv - value);
        }
        return rc ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory applying the lag")
                  : set_text(out, upper->type, &b, err);
    }
    int32_t days;
    int64_t micros;
    if (upper->len == 10 && etlc_parse_date(s, upper->len, &days) == 0) {
        int64_t nd = (int64_t)days - (ms + 86399999) / 86400000;
        if (nd < MIN_DAYS)
            return below_range(lag, "date (0001-01-01)", err);
        char buf[40];
        etlc_format_date((int32_t)nd, buf, sizeof buf);
        if (etlc__buf_puts(&b, buf))
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory applying the lag");
        return set_text(out, upper->type, &b, err);
    }
    if (etlc_parse_timestamp(s, upper->len, &micros) != 0 || upper->len < 16)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "lag '%s' is a duration but the watermark's maximum '%s' is not a date or "
                              "timestamp", lag, s);
    if (micros < MIN_MICROS + ms * 1000) /* ms <= LAG_MAX_MS: the sum cannot overflow */
        return below_range(lag, "timestamp (0001-01-01)", err);
    if (format_like(s, upper->len, micros - ms * 1000, &b) != 0) {
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "cannot subtract lag '%s' from '%s'", lag, s);
    }
    return set_text(out, upper->type, &b, err);
}

/* TIMESTAMP (micros) and DATE (days) values held as integers. */
static int lag_binary_time(const etlc_value *upper, const char *lag, int64_t ms, etlc_value *out, etlc_error *err)
{
    bool ts = upper->type == ETLC_TYPE_TIMESTAMP;
    int64_t step = ts ? ms * 1000 : (ms + 86399999) / 86400000; /* ms <= LAG_MAX_MS: no overflow */
    int64_t floor_value = ts ? MIN_MICROS : MIN_DAYS;
    if (upper->i64 < floor_value + step) /* floor_value + step cannot overflow either */
        return below_range(lag, ts ? "timestamp (0001-01-01)" : "date (0001-01-01)", err);
    *out = *upper;
    out->i64 = upper->i64 - step;
    return 0;
}

int etlc__ext_apply_lag(const etlc_value *upper, const char *lag, etlc_value *out, etlc_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t ms = 0;
    double value = 0;
    int kind = etlc__ext_parse_lag(lag, &ms, &value);
    if (kind < 0)
        return etlc__ext_lag_error(lag, kind, err);
    if (upper->type == ETLC_TYPE_NULL)
        return 0;
    switch (upper->type) {
    case ETLC_TYPE_INT64:
        if (kind == 1 || value != floor(value))
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                                  "the watermark holds integers: give the lag as a whole number in the column's "
                                  "units, not '%s'", lag);
        *out = *upper;
        if (__builtin_sub_overflow(upper->i64, (int64_t)value, &out->i64)) {
            memset(out, 0, sizeof *out);
            return below_range(lag, "integer", err);
        }
        return 0;
    case ETLC_TYPE_DOUBLE:
        if (kind == 1)
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                                  "the watermark holds numbers: give the lag as a number, not '%s'", lag);
        *out = *upper;
        out->f64 = upper->f64 - value;
        return 0;
    case ETLC_TYPE_TIMESTAMP:
    case ETLC_TYPE_DATE:
        if (kind != 1)
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                                  "the watermark holds %s values: give the lag as a duration (e.g. 5m), not '%s'",
                                  etlc_type_name(upper->type), lag);
        return lag_binary_time(upper, lag, ms, out, err);
    case ETLC_TYPE_TEXT:
    case ETLC_TYPE_DECIMAL:
        return lag_text(upper, lag, kind, ms, value, out, err);
    default:
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "a lag cannot be applied to a %s watermark",
                              etlc_type_name(upper->type));
    }
}
