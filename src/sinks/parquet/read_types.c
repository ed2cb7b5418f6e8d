/* Parquet schema -> etlconn column types, and Parquet values -> etlconn
 * values (docs/parquet.md has the table). Unsigned integers, units of
 * time, INT96, float16, decimals of every width, UUID and INTERVAL are
 * converted here so the warehouse sees exact values; a value that cannot
 * be kept exactly is refused, never rounded. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sinks/parquet/read.h"

#define JULIAN_EPOCH_DAY 2440588 /* Julian day number of 1970-01-01 */
#define MICROS_PER_DAY INT64_C(86400000000)

size_t pqr_phys_width(const pqr_col *c)
{
    switch (c->phys) {
    case PQ_INT32: case PQ_FLOAT: return 4;
    case PQ_INT64: case PQ_DOUBLE: return 8;
    case PQ_INT96: return 12;
    case PQ_FLBA: return c->type_length > 0 ? (size_t)c->type_length : 0;
    default: return 0;
    }
}

/* A leaf's annotations, from its logical type or else its converted type. */
typedef struct leaf_ann {
    bool dec, str, json, time, ts, ts_utc, is_unsigned, date, uuid, f16, interval, bson, null;
    int unit;     /* 1 ms, 2 us, 3 ns */
    int int_bits; /* 0 = no INTEGER annotation */
    int prec, scale;
} leaf_ann;

static void annotations(const ins_schema *s, leaf_ann *a)
{
    memset(a, 0, sizeof *a);
    int lt = s->logical, ct = s->converted;
    a->dec = lt == PQ_LT_DECIMAL || ct == PQ_CT_DECIMAL;
    a->prec = lt == PQ_LT_DECIMAL ? s->lt_precision : s->precision;
    a->scale = lt == PQ_LT_DECIMAL ? s->lt_scale : s->scale;
    a->str = lt == PQ_LT_STRING || lt == PQ_LT_ENUM || ct == PQ_CT_UTF8 || ct == PQ_CT_ENUM;
    a->json = lt == PQ_LT_JSON || ct == PQ_CT_JSON;
    a->bson = lt == PQ_LT_BSON || ct == PQ_CT_BSON;
    a->date = lt == PQ_LT_DATE || ct == PQ_CT_DATE;
    a->uuid = lt == PQ_LT_UUID;
    a->f16 = lt == PQ_LT_FLOAT16;
    a->null = lt == PQ_LT_NULL;
    a->interval = ct == PQ_CT_INTERVAL;
    if (lt == PQ_LT_TIME || lt == PQ_LT_TIMESTAMP) {
        a->time = lt == PQ_LT_TIME;
        a->ts = lt == PQ_LT_TIMESTAMP;
        a->unit = s->ts_unit;
        a->ts_utc = s->ts_utc;
    } else if (ct == PQ_CT_TIME_MILLIS || ct == PQ_CT_TIME_MICROS) {
        a->time = true;
        a->unit = ct == PQ_CT_TIME_MILLIS ? 1 : 2;
    } else if (ct == PQ_CT_TIMESTAMP_MILLIS || ct == PQ_CT_TIMESTAMP_MICROS) {
        a->ts = a->ts_utc = true; /* the legacy types are instants */
        a->unit = ct == PQ_CT_TIMESTAMP_MILLIS ? 1 : 2;
    }
    if (lt == PQ_LT_INTEGER) {
        a->int_bits = s->int_bits;
        a->is_unsigned = !s->int_signed;
    } else if (ct >= PQ_CT_UINT_8 && ct <= PQ_CT_INT_64) {
        static const int bits[] = {8, 16, 32, 64};
        a->int_bits = bits[(ct - PQ_CT_UINT_8) % 4];
        a->is_unsigned = ct <= PQ_CT_UINT_64;
    }
}

static int set_decimal(const leaf_ann *a, pqr_col *c, char *why, size_t whysz)
{
    if (a->prec < 1 || a->prec > 38 || a->scale < 0 || a->scale > a->prec) {
        snprintf(why, whysz, "decimal precision %d and scale %d are not read (precision 1 to 38, "
                 "scale 0 to precision)", a->prec, a->scale);
        return ETLC_UNSUPPORTED;
    }
    c->def.type = ETLC_TYPE_DECIMAL;
    c->def.precision = a->prec;
    c->def.scale = c->scale = a->scale;
    c->conv = PQR_DECIMAL;
    return 0;
}

static int map_int(const leaf_ann *a, pqr_col *c, char *why, size_t whysz)
{
    bool i32 = c->phys == PQ_INT32;
    if (a->dec)
        return set_decimal(a, c, why, whysz);
    if (a->time) {
        c->def.type = ETLC_TYPE_INT64;
        c->hint = ETLC_HINT_TIME;
        c->conv = a->unit == 1 ? PQR_MILLIS : a->unit == 3 ? PQR_NANOS : PQR_AS_IS;
        if ((a->unit == 1) != i32 || a->unit < 1 || a->unit > 3) {
            snprintf(why, whysz, "a TIME in %s stored as %s is not read",
                     a->unit == 1 ? "milliseconds" : a->unit == 2 ? "microseconds" : a->unit == 3 ? "nanoseconds"
                                                                                               : "an unknown unit",
                     i32 ? "INT32" : "INT64");
            return ETLC_UNSUPPORTED;
        }
        return 0;
    }
    if (a->ts && i32) {
        snprintf(why, whysz, "a TIMESTAMP stored as INT32 is not read (the format stores them as INT64)");
        return ETLC_UNSUPPORTED;
    }
    if (a->ts) {
        c->def.type = ETLC_TYPE_TIMESTAMP;
        c->hint = a->ts_utc ? ETLC_HINT_NONE : ETLC_HINT_TIMESTAMP_LOCAL;
        c->conv = a->unit == 1 ? PQR_MILLIS : a->unit == 3 ? PQR_NANOS : PQR_AS_IS;
        if (a->unit < 1 || a->unit > 3) {
            snprintf(why, whysz, "a TIMESTAMP of an unknown unit is not read");
            return ETLC_UNSUPPORTED;
        }
        return 0;
    }
    if (a->date && i32) {
        c->def.type = ETLC_TYPE_DATE;
        return 0;
    }
    if (a->null) {
        c->def.type = ETLC_TYPE_NULL;
        return 0;
    }
    c->def.type = ETLC_TYPE_INT64;
    if (a->int_bits && a->is_unsigned) {
        if (a->int_bits == 64 || !i32) {
            c->def.type = ETLC_TYPE_DECIMAL; /* 0 .. 2^64-1 needs 20 digits */
            c->def.precision = 20;
            c->conv = PQR_U64;
        } else {
            c->hint = a->int_bits == 8 ? ETLC_HINT_INT16 : a->int_bits == 16 ? ETLC_HINT_INT32
                                                                                   : ETLC_HINT_NONE;
            c->conv = PQR_U32;
        }
    }
    return 0;
}

static int map_fixed(const leaf_ann *a, pqr_col *c, char *why, size_t whysz)
{
    int len = c->type_length;
    if (len < 1) {
        snprintf(why, whysz, "a FIXED_LEN_BYTE_ARRAY of length %d is malformed", len);
        return ETLC_DATA;
    }
    if (a->dec) {
        if (len > 16) {
            snprintf(why, whysz, "a decimal stored in %d bytes is not read (16 bytes, precision 38, at most)", len);
            return ETLC_UNSUPPORTED;
        }
        return set_decimal(a, c, why, whysz);
    }
    c->def.type = ETLC_TYPE_BYTES;
    if (a->uuid && len == 16) {
        c->hint = ETLC_HINT_UUID;
        c->conv = PQR_UUID;
    } else if (a->f16 && len == 2) {
        c->def.type = ETLC_TYPE_DOUBLE;
        c->hint = ETLC_HINT_FLOAT32;
        c->conv = PQR_FLOAT16;
    } else if (a->interval && len == 12) {
        c->hint = ETLC_HINT_INTERVAL;
        c->conv = PQR_INTERVAL;
    } else if (a->uuid || a->f16 || a->interval) {
        snprintf(why, whysz, "a %s of %d bytes is malformed", a->uuid ? "UUID" : a->f16 ? "FLOAT16" : "INTERVAL",
                 len);
        return ETLC_DATA;
    }
    return 0;
}

int pqr_map_leaf(const ins_schema *s, pqr_col *c, char *why, size_t whysz)
{
    leaf_ann a;
    annotations(s, &a);
    c->phys = s->type;
    c->type_length = s->type_length;
    c->def.type = ETLC_TYPE_NULL;
    switch (s->type) {
    case PQ_BOOLEAN: c->def.type = ETLC_TYPE_BOOL; return 0;
    case PQ_INT32:
    case PQ_INT64: return map_int(&a, c, why, whysz);
    case PQ_INT96:
        c->def.type = ETLC_TYPE_TIMESTAMP;
        c->conv = PQR_INT96;
        return 0;
    case PQ_FLOAT:
        c->def.type = ETLC_TYPE_DOUBLE;
        c->hint = ETLC_HINT_FLOAT32;
        return 0;
    case PQ_DOUBLE: c->def.type = ETLC_TYPE_DOUBLE; return 0;
    case PQ_BYTE_ARRAY:
        if (a.dec)
            return set_decimal(&a, c, why, whysz);
        c->def.type = a.json || a.bson ? ETLC_TYPE_JSON : a.str ? ETLC_TYPE_TEXT : ETLC_TYPE_BYTES;
        c->conv = a.bson ? PQR_BSON : PQR_AS_IS;
        return 0;
    case PQ_FLBA: return map_fixed(&a, c, why, whysz);
    default:
        snprintf(why, whysz, "an unknown physical type (%d) is not read", s->type);
        return ETLC_UNSUPPORTED;
    }
}

/* IEEE 754 half precision -> double (exact). */
static double half_to_double(uint16_t h)
{
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v;
    if (e == 0)
        v = ldexp(m, -24);
    else if (e == 31)
        v = m ? NAN : INFINITY;
    else
        v = ldexp(m + 1024, e - 25);
    return (h & 0x8000) ? -v : v;
}

static int refuse(const pqr_col *c, const char *file, etlc_error *err, const char *fmt, int64_t v)
{
    char what[160];
    snprintf(what, sizeof what, fmt, v);
    return etlc_error_set(err, ETLC_DATA_TYPE, "parquet %s: column \"%s\": %s", file, c->def.name, what);
}

/* A time value (micros) of the column's unit, checked. */
static int to_micros(const pqr_col *c, int64_t v, int64_t *out, const char *file, etlc_error *err)
{
    if (c->conv == PQR_MILLIS) {
        if (v > INT64_MAX / 1000 || v < INT64_MIN / 1000)
            return refuse(c, file, err, "millisecond value %" PRId64 " is out of range", v);
        v *= 1000;
    } else if (c->conv == PQR_NANOS) {
        if (v % 1000)
            return refuse(c, file, err, "nanosecond value %" PRId64 " has sub-microsecond digits, which "
                          "PostgreSQL cannot keep (etlconn does not round)", v);
        v /= 1000;
    }
    if (c->hint == ETLC_HINT_TIME && (v < 0 || v > MICROS_PER_DAY))
        return refuse(c, file, err, "time of day %" PRId64 " (microseconds) is outside 00:00..24:00", v);
    *out = v;
    return 0;
}

static int int96_micros(const pqr_col *c, const uint8_t *p, int64_t *out, const char *file, etlc_error *err)
{
    int64_t nanos;
    int32_t day;
    memcpy(&nanos, p, 8);
    memcpy(&day, p + 8, 4);
    if (nanos < 0 || nanos >= MICROS_PER_DAY * 1000 || day < 0 || day > 5373484 /* year 9999 */)
        return refuse(c, file, err, "INT96 timestamp of Julian day %" PRId64 " is out of range", day);
    if (nanos % 1000)
        return refuse(c, file, err, "INT96 timestamp with %" PRId64 " nanoseconds has sub-microsecond digits, "
                      "which PostgreSQL cannot keep (etlconn does not round)", nanos);
    *out = ((int64_t)day - JULIAN_EPOCH_DAY) * MICROS_PER_DAY + nanos / 1000;
    return 0;
}

static int append_decimal(etlc_batch *b, size_t col, const pqr_col *c, const pqr_value *v, const char *file,
                          etlc_error *err)
{
    char tmp[64];
    pq_i128 u;
    if (c->phys == PQ_INT32 || c->phys == PQ_INT64) {
        u = v->i;
    } else {
        const uint8_t *p = v->p;
        size_t n = v->len;
        /* Leading sign bytes beyond 16 are allowed when they only extend the sign. */
        while (n > 16 && (p[0] == 0x00 || p[0] == 0xff) && (p[1] & 0x80) == (p[0] & 0x80)) {
            p++;
            n--;
        }
        if (n == 0 || n > 16)
            return refuse(c, file, err, "a decimal of %" PRId64 " bytes is not read (1 to 16 bytes)",
                          (int64_t)v->len);
        u = pq_be_to_i128(p, n);
    }
    pq_decimal_format(u, c->scale, tmp, sizeof tmp);
    return etlc_batch_append_var(b, col, ETLC_TYPE_DECIMAL, tmp, strlen(tmp), err);
}

static int append_interval(etlc_batch *b, size_t col, pqr_col *c, const pqr_value *v, const char *file,
                           etlc_error *err)
{
    uint32_t months, days, millis;
    memcpy(&months, v->p, 4);
    memcpy(&days, v->p + 4, 4);
    memcpy(&millis, v->p + 8, 4);
    if (months > INT32_MAX || days > INT32_MAX)
        return refuse(c, file, err, "interval of %" PRId64 " months or days is out of range",
                      (int64_t)(months > days ? months : days));
    int64_t us = (int64_t)millis * 1000;
    int32_t d = (int32_t)days, m = (int32_t)months;
    memcpy(c->interval, &us, 8);
    memcpy(c->interval + 8, &d, 4);
    memcpy(c->interval + 12, &m, 4);
    return etlc_batch_append_var(b, col, ETLC_TYPE_BYTES, c->interval, 16, err);
}

static int bson_json(const pqr_col *c, const pqr_value *v, etlc__buf *out, const char *file, etlc_error *err)
{
    int rc = pqr_bson_json(v->p ? v->p : (const uint8_t *)"", v->len, out);
    if (rc == -1)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory converting a BSON document");
    if (rc)
        return refuse(c, file, err, "a BSON document of %" PRId64 " bytes is malformed or holds a regex, "
                      "DBPointer or code-with-scope value (not read)", (int64_t)v->len);
    return 0;
}

int pqr_append(etlc_batch *b, size_t col, pqr_col *c, const pqr_value *v, const char *file, etlc_error *err)
{
    char tmp[32];
    int64_t us = 0;
    int rc;
    switch (c->conv) {
    case PQR_U32: return etlc_batch_append_int64(b, col, (int64_t)(uint32_t)v->i, err);
    case PQR_U64:
        snprintf(tmp, sizeof tmp, "%" PRIu64, (uint64_t)v->i);
        return etlc_batch_append_var(b, col, ETLC_TYPE_DECIMAL, tmp, strlen(tmp), err);
    case PQR_MILLIS:
    case PQR_NANOS:
        if ((rc = to_micros(c, v->i, &us, file, err)))
            return rc;
        return c->def.type == ETLC_TYPE_TIMESTAMP ? etlc_batch_append_timestamp(b, col, us, err)
                                                  : etlc_batch_append_int64(b, col, us, err);
    case PQR_INT96:
        if ((rc = int96_micros(c, v->p, &us, file, err)))
            return rc;
        return etlc_batch_append_timestamp(b, col, us, err);
    case PQR_FLOAT16: return etlc_batch_append_double(b, col, half_to_double((uint16_t)(v->p[0] | v->p[1] << 8)), err);
    case PQR_DECIMAL: return append_decimal(b, col, c, v, file, err);
    case PQR_INTERVAL: return append_interval(b, col, c, v, file, err);
    case PQR_BSON:
        etlc__buf_reset(&c->bson);
        if ((rc = bson_json(c, v, &c->bson, file, err)))
            return rc;
        return etlc_batch_append_var(b, col, ETLC_TYPE_JSON, c->bson.data ? c->bson.data : "", c->bson.len, err);
    default: break;
    }
    switch (c->def.type) {
    case ETLC_TYPE_BOOL: return etlc_batch_append_bool(b, col, v->i != 0, err);
    case ETLC_TYPE_INT64:
        if (c->hint == ETLC_HINT_TIME && (rc = to_micros(c, v->i, &us, file, err)))
            return rc;
        return etlc_batch_append_int64(b, col, v->i, err);
    case ETLC_TYPE_DOUBLE: return etlc_batch_append_double(b, col, v->d, err);
    case ETLC_TYPE_DATE: return etlc_batch_append_date(b, col, (int32_t)v->i, err);
    case ETLC_TYPE_TIMESTAMP: return etlc_batch_append_timestamp(b, col, v->i, err);
    case ETLC_TYPE_TEXT:
    case ETLC_TYPE_BYTES:
    case ETLC_TYPE_JSON:
        return etlc_batch_append_var(b, col, c->def.type, v->p ? (const void *)v->p : "", v->len, err);
    default:
        return etlc_batch_append_null(b, col, err);
    }
}

/* Bytes as PostgreSQL's bytea text ("\\x00ff") inside a JSON string. */
static int json_hex(etlc__buf *out, const uint8_t *p, size_t len)
{
    static const char hx[] = "0123456789abcdef";
    if (etlc__buf_puts(out, "\"\\\\x"))
        return -1;
    for (size_t i = 0; i < len; i++)
        if (etlc__buf_putc(out, hx[p[i] >> 4]) || etlc__buf_putc(out, hx[p[i] & 15]))
            return -1;
    return etlc__buf_putc(out, '"');
}

static int json_double(etlc__buf *out, double d)
{
    if (isnan(d))
        return etlc__buf_puts(out, "\"NaN\"");
    if (isinf(d))
        return etlc__buf_puts(out, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return etlc__buf_printf(out, "%.17g", d);
}

static int json_micros(const pqr_col *c, etlc__buf *out, int64_t us)
{
    char tmp[48];
    if (c->hint == ETLC_HINT_TIME) {
        snprintf(tmp, sizeof tmp, "%02d:%02d:%02d.%06d", (int)(us / 3600000000), (int)(us / 60000000 % 60),
                 (int)(us / 1000000 % 60), (int)(us % 1000000));
    } else {
        etlc_format_timestamp(us, tmp, sizeof tmp);
        size_t n = strlen(tmp);
        if (c->hint == ETLC_HINT_TIMESTAMP_LOCAL && n && tmp[n - 1] == 'Z')
            tmp[n - 1] = '\0';
    }
    return etlc__buf_json_string(out, tmp, strlen(tmp));
}

int pqr_value_json(pqr_col *c, const pqr_value *v, etlc__buf *out, const char *file, etlc_error *err)
{
    char tmp[64];
    int64_t us = 0;
    int rc = 0;
    switch (c->conv) {
    case PQR_U32: rc = etlc__buf_printf(out, "%" PRIu32, (uint32_t)v->i); break;
    case PQR_U64: rc = etlc__buf_printf(out, "%" PRIu64, (uint64_t)v->i); break;
    case PQR_MILLIS:
    case PQR_NANOS:
        if ((rc = to_micros(c, v->i, &us, file, err)))
            return rc;
        rc = json_micros(c, out, us);
        break;
    case PQR_INT96:
        if ((rc = int96_micros(c, v->p, &us, file, err)))
            return rc;
        rc = json_micros(c, out, us);
        break;
    case PQR_FLOAT16: rc = json_double(out, half_to_double((uint16_t)(v->p[0] | v->p[1] << 8))); break;
    case PQR_DECIMAL:
        if (c->phys == PQ_INT32 || c->phys == PQ_INT64) {
            pq_decimal_format(v->i, c->scale, tmp, sizeof tmp);
        } else {
            if (v->len == 0 || v->len > 16)
                return refuse(c, file, err, "a decimal of %" PRId64 " bytes in a nested column is not read",
                              (int64_t)v->len);
            pq_decimal_format(pq_be_to_i128(v->p, v->len), c->scale, tmp, sizeof tmp);
        }
        rc = etlc__buf_puts(out, tmp);
        break;
    case PQR_BSON:
        return bson_json(c, v, out, file, err);
    case PQR_INTERVAL: {
        uint32_t m, d, ms;
        memcpy(&m, v->p, 4);
        memcpy(&d, v->p + 4, 4);
        memcpy(&ms, v->p + 8, 4);
        rc = etlc__buf_printf(out, "{\"months\":%" PRIu32 ",\"days\":%" PRIu32 ",\"milliseconds\":%" PRIu32 "}", m,
                              d, ms);
        break;
    }
    case PQR_UUID: {
        static const char hx[] = "0123456789abcdef";
        size_t k = 0;
        for (size_t i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                tmp[k++] = '-';
            tmp[k++] = hx[v->p[i] >> 4];
            tmp[k++] = hx[v->p[i] & 15];
        }
        rc = etlc__buf_json_string(out, tmp, k);
        break;
    }
    default:
        switch (c->def.type) {
        case ETLC_TYPE_BOOL: rc = etlc__buf_puts(out, v->i ? "true" : "false"); break;
        case ETLC_TYPE_INT64:
            if (c->hint == ETLC_HINT_TIME)
                rc = json_micros(c, out, v->i);
            else
                rc = etlc__buf_printf(out, "%" PRId64, v->i);
            break;
        case ETLC_TYPE_DOUBLE: rc = json_double(out, v->d); break;
        case ETLC_TYPE_DATE:
            etlc_format_date((int32_t)v->i, tmp, sizeof tmp);
            rc = etlc__buf_json_string(out, tmp, strlen(tmp));
            break;
        case ETLC_TYPE_TIMESTAMP: rc = json_micros(c, out, v->i); break;
        case ETLC_TYPE_TEXT: rc = etlc__buf_json_string(out, v->p ? (const char *)v->p : "", v->len); break;
        case ETLC_TYPE_JSON: rc = v->len ? etlc__buf_append(out, v->p, v->len) : etlc__buf_puts(out, "null"); break;
        case ETLC_TYPE_BYTES: rc = json_hex(out, v->p, v->len); break;
        default: rc = etlc__buf_puts(out, "null"); break;
        }
    }
    return rc ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a nested Parquet column") : 0;
}
