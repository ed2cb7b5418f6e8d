/* PostgreSQL values -> etlconn record types, from the binary wire form
 * (COPY binary and binary results) or the text form (fallback). Both forms
 * of a type give the same record value. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

/* 2000-01-01 (PostgreSQL's epoch) relative to 1970-01-01. */
#define PG_EPOCH_DAYS 10957
#define PG_EPOCH_MICROS INT64_C(946684800000000)

bool etlc__pg_type_known(Oid oid)
{
    switch (oid) {
    case PG_OID_BOOL: case PG_OID_BYTEA: case PG_OID_CHAR: case PG_OID_NAME: case PG_OID_INT8:
    case PG_OID_INT2: case PG_OID_INT4: case PG_OID_TEXT: case PG_OID_OID: case PG_OID_JSON:
    case PG_OID_FLOAT4: case PG_OID_FLOAT8: case PG_OID_UNKNOWN: case PG_OID_BPCHAR:
    case PG_OID_VARCHAR: case PG_OID_DATE: case PG_OID_TIME: case PG_OID_TIMESTAMP:
    case PG_OID_TIMESTAMPTZ: case PG_OID_NUMERIC: case PG_OID_UUID: case PG_OID_JSONB:
        return true;
    default:
        return false;
    }
}

void etlc__pg_column_init(pg_column *col, Oid oid, int typmod)
{
    col->oid = oid;
    col->typmod = typmod;
    col->precision = col->scale = 0;
    col->scaled = false;
    switch (oid) {
    case PG_OID_BOOL: col->type = ETLC_TYPE_BOOL; break;
    case PG_OID_INT2: case PG_OID_INT4: case PG_OID_INT8: case PG_OID_OID:
        col->type = ETLC_TYPE_INT64; break;
    case PG_OID_FLOAT4: case PG_OID_FLOAT8: col->type = ETLC_TYPE_DOUBLE; break;
    case PG_OID_BYTEA: col->type = ETLC_TYPE_BYTES; break;
    case PG_OID_DATE: col->type = ETLC_TYPE_DATE; break;
    case PG_OID_TIMESTAMP: case PG_OID_TIMESTAMPTZ: col->type = ETLC_TYPE_TIMESTAMP; break;
    case PG_OID_JSON: case PG_OID_JSONB: col->type = ETLC_TYPE_JSON; break;
    case PG_OID_NUMERIC:
        col->type = ETLC_TYPE_DECIMAL;
        if (typmod >= 4) {
            int p = ((typmod - 4) >> 16) & 0xffff;
            int s = (((typmod - 4) & 0x7ff) ^ 1024) - 1024; /* PostgreSQL 15 allows -1000..1000 */
            if (s < 0) {        /* numeric(5,-2) holds integers of up to 7 digits */
                col->precision = p - s;
                col->scale = 0;
            } else {            /* numeric(3,5) holds 0.00xyz: 5 digits, all fractional */
                col->precision = s > p ? s : p;
                col->scale = s;
            }
        }
        break;
    default: col->type = ETLC_TYPE_TEXT; break; /* text, varchar, uuid, time, and text casts */
    }
}

static int bad_value(etlc_error *err, const etlc_batch *b, size_t colno, const pg_column *col,
                     uint64_t row, const char *why)
{
    return etlc_error_set(err, ETLC_DATA_TYPE, "column '%s' (PostgreSQL type oid %u) row %llu: %s",
                          b->cols[colno].def.name, (unsigned)col->oid, (unsigned long long)row + 1, why);
}

static uint16_t be16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t be64(const unsigned char *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }

int etlc__pg_numeric_head_read(const unsigned char *p, size_t len, etlc__pg_numeric_head *h)
{
    if (len < 8)
        return -1;
    *h = (etlc__pg_numeric_head){.ndigits = be16(p), .weight = (int16_t)be16(p + 2),
                                 .sign = be16(p + 4), .dscale = be16(p + 6), .digits = p + 8};
    if (h->sign == 0xC000)
        return -2;
    if (h->sign == 0xD000)
        return -3;
    if (h->sign == 0xF000)
        return -4;
    if ((h->sign != 0x0000 && h->sign != 0x4000) || len != 8 + 2 * (size_t)h->ndigits ||
        h->dscale > 0x3FFF)
        return -1;
    for (size_t i = 0; i < h->ndigits; i++)
        if (be16(h->digits + 2 * i) > 9999)
            return -1;
    return 0;
}

int etlc__pg_numeric_to_text(const unsigned char *p, size_t len, etlc__buf *out)
{
    etlc__buf_reset(out);
    etlc__pg_numeric_head h;
    int rc = etlc__pg_numeric_head_read(p, len, &h);
    if (rc != 0)
        return rc;
    uint16_t ndigits = h.ndigits, sign = h.sign, dscale = h.dscale;
    int weight = h.weight;
    const unsigned char *d = h.digits;
#define DIGIT(i) ((i) >= 0 && (i) < (int)ndigits ? be16(d + 2 * (i)) : 0)
    /* Written by hand (no printf: this runs for every numeric value).
     * Room: sign, integer groups of 4, point, dscale digits + a group of slack. */
    size_t intgroups = weight < 0 ? 1 : (size_t)weight + 1;
    if (etlc__buf_reserve(out, 2 + 4 * intgroups + (size_t)dscale + 8) != 0)
        return -5;
    char *o = out->data;
    if (sign == 0x4000)
        *o++ = '-';
    if (weight < 0) {
        *o++ = '0';
    } else {
        unsigned g = DIGIT(0);
        char tmp[4];
        int n = 0;
        do {
            tmp[n++] = (char)('0' + g % 10);
            g /= 10;
        } while (g);
        while (n)
            *o++ = tmp[--n];
        for (int i = 1; i <= weight; i++) {
            g = DIGIT(i);
            o[0] = (char)('0' + g / 1000);
            o[1] = (char)('0' + g / 100 % 10);
            o[2] = (char)('0' + g / 10 % 10);
            o[3] = (char)('0' + g % 10);
            o += 4;
        }
    }
    if (dscale > 0) {
        *o++ = '.';
        size_t emitted = 0;
        for (int i = weight + 1; emitted < dscale; i++) {
            unsigned g = DIGIT(i);
            char grp[4] = {(char)('0' + g / 1000), (char)('0' + g / 100 % 10),
                           (char)('0' + g / 10 % 10), (char)('0' + g % 10)};
            size_t take = dscale - emitted < 4 ? dscale - emitted : 4;
            memcpy(o, grp, take);
            o += take;
            emitted += take;
        }
    }
#undef DIGIT
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return 0;
}

/* PostgreSQL's own time text: HH:MM:SS with the fraction's trailing zeros dropped. */
static int time_text(int64_t us, char *buf, size_t bufsz)
{
    int64_t secs = us / 1000000, frac = us % 1000000;
    int n = snprintf(buf, bufsz, "%02lld:%02lld:%02lld", (long long)(secs / 3600),
                     (long long)(secs / 60 % 60), (long long)(secs % 60));
    if (frac) {
        n += snprintf(buf + n, bufsz - (size_t)n, ".%06lld", (long long)frac);
        while (buf[n - 1] == '0')
            buf[--n] = '\0';
    }
    return n;
}

static int append_binary(etlc_batch *b, size_t colno, const pg_column *col, const unsigned char *p,
                         size_t len, uint64_t row, etlc__buf *scratch, etlc_error *err)
{
    char tmp[64];
    switch (col->oid) {
    case PG_OID_BOOL:
        if (len != 1)
            break;
        return etlc_batch_append_bool(b, colno, p[0] != 0, err);
    case PG_OID_INT2:
        if (len != 2)
            break;
        return etlc_batch_append_int64(b, colno, (int16_t)be16(p), err);
    case PG_OID_INT4:
        if (len != 4)
            break;
        return etlc_batch_append_int64(b, colno, (int32_t)be32(p), err);
    case PG_OID_OID:
        if (len != 4)
            break;
        return etlc_batch_append_int64(b, colno, (int64_t)be32(p), err);
    case PG_OID_INT8:
        if (len != 8)
            break;
        return etlc_batch_append_int64(b, colno, (int64_t)be64(p), err);
    case PG_OID_FLOAT4: {
        if (len != 4)
            break;
        uint32_t u = be32(p);
        float f;
        memcpy(&f, &u, sizeof f);
        return etlc_batch_append_double(b, colno, (double)f, err);
    }
    case PG_OID_FLOAT8: {
        if (len != 8)
            break;
        uint64_t u = be64(p);
        double f;
        memcpy(&f, &u, sizeof f);
        return etlc_batch_append_double(b, colno, f, err);
    }
    case PG_OID_NUMERIC: {
        int r = etlc__pg_numeric_to_text(p, len, scratch);
        if (r == -5)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory decoding a numeric");
        if (r == -2 || r == -3 || r == -4)
            return bad_value(err, b, colno, col, row,
                             r == -2 ? "numeric NaN has no exact decimal form (filter it or cast the column to float8 or text)"
                                     : "numeric infinity has no exact decimal form (filter it or cast the column to float8 or text)");
        if (r != 0)
            break;
        return etlc_batch_append_var(b, colno, ETLC_TYPE_DECIMAL, scratch->data, scratch->len, err);
    }
    case PG_OID_BYTEA:
        return etlc_batch_append_var(b, colno, ETLC_TYPE_BYTES, p, len, err);
    case PG_OID_DATE: {
        if (len != 4)
            break;
        int32_t v = (int32_t)be32(p);
        if (v == INT32_MAX || v == INT32_MIN)
            return bad_value(err, b, colno, col, row,
                             "date 'infinity' has no calendar value (filter it, or cast the column to text)");
        if ((int64_t)v + PG_EPOCH_DAYS > INT32_MAX)
            return bad_value(err, b, colno, col, row, "date beyond the range of a 32-bit day count");
        return etlc_batch_append_date(b, colno, (int32_t)((int64_t)v + PG_EPOCH_DAYS), err);
    }
    case PG_OID_TIMESTAMP:
    case PG_OID_TIMESTAMPTZ: {
        if (len != 8)
            break;
        int64_t v = (int64_t)be64(p);
        if (v == INT64_MAX || v == INT64_MIN)
            return bad_value(err, b, colno, col, row,
                             "timestamp 'infinity' has no calendar value (filter it, or cast the column to text)");
        int64_t unix_us;
        if (__builtin_add_overflow(v, PG_EPOCH_MICROS, &unix_us))
            return bad_value(err, b, colno, col, row,
                             "timestamp beyond the range of 64-bit microseconds since 1970");
        return etlc_batch_append_timestamp(b, colno, unix_us, err);
    }
    case PG_OID_TIME: {
        if (len != 8)
            break;
        int n = time_text((int64_t)be64(p), tmp, sizeof tmp);
        return etlc_batch_append_var(b, colno, ETLC_TYPE_TEXT, tmp, (size_t)n, err);
    }
    case PG_OID_UUID: {
        if (len != 16)
            break;
        int n = 0;
        for (int i = 0; i < 16; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10)
                tmp[n++] = '-';
            n += snprintf(tmp + n, sizeof tmp - (size_t)n, "%02x", p[i]);
        }
        return etlc_batch_append_var(b, colno, ETLC_TYPE_TEXT, tmp, (size_t)n, err);
    }
    case PG_OID_JSONB:
        if (len < 1 || p[0] != 1)
            return bad_value(err, b, colno, col, row, "unsupported jsonb binary version");
        return etlc_batch_append_var(b, colno, ETLC_TYPE_JSON, p + 1, len - 1, err);
    case PG_OID_JSON:
        return etlc_batch_append_var(b, colno, ETLC_TYPE_JSON, p, len, err);
    default: /* text, varchar, bpchar, name, "char", unknown: UTF-8 bytes */
        return etlc_batch_append_var(b, colno, ETLC_TYPE_TEXT, p, len, err);
    }
    snprintf(tmp, sizeof tmp, "malformed binary value (%zu bytes)", len);
    return bad_value(err, b, colno, col, row, tmp);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int append_text(etlc_batch *b, size_t colno, const pg_column *col, const char *s, size_t len,
                       uint64_t row, etlc__buf *scratch, etlc_error *err)
{
    etlc__buf_reset(scratch);
    if (etlc__buf_append(scratch, s, len) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory decoding a value");
    const char *z = scratch->data; /* NUL-terminated copy */
    char *end = NULL;
    switch (col->oid) {
    case PG_OID_BOOL:
        if (len == 1 && (z[0] == 't' || z[0] == 'f'))
            return etlc_batch_append_bool(b, colno, z[0] == 't', err);
        break;
    case PG_OID_INT2: case PG_OID_INT4: case PG_OID_INT8: case PG_OID_OID: {
        errno = 0;
        long long v = strtoll(z, &end, 10);
        if (errno == 0 && end != z && *end == '\0')
            return etlc_batch_append_int64(b, colno, v, err);
        break;
    }
    case PG_OID_FLOAT4: case PG_OID_FLOAT8: {
        double v = col->oid == PG_OID_FLOAT4 ? (double)strtof(z, &end) : strtod(z, &end);
        if (end != z && *end == '\0')
            return etlc_batch_append_double(b, colno, v, err);
        break;
    }
    case PG_OID_NUMERIC:
        if (strcmp(z, "NaN") == 0 || strstr(z, "Infinity"))
            return bad_value(err, b, colno, col, row, "numeric NaN or infinity has no exact decimal form (filter it or cast the column to float8 or text)");
        return etlc_batch_append_var(b, colno, ETLC_TYPE_DECIMAL, s, len, err);
    case PG_OID_BYTEA: {
        if (len < 2 || z[0] != '\\' || z[1] != 'x' || len % 2)
            break;
        unsigned char *out = (unsigned char *)scratch->data; /* decode in place: output is shorter */
        size_t n = 0;
        for (size_t i = 2; i < len; i += 2) {
            int hi = hexval(z[i]), lo = hexval(z[i + 1]);
            if (hi < 0 || lo < 0)
                return bad_value(err, b, colno, col, row, "malformed bytea hex text");
            out[n++] = (unsigned char)(hi << 4 | lo);
        }
        return etlc_batch_append_var(b, colno, ETLC_TYPE_BYTES, out, n, err);
    }
    case PG_OID_DATE: {
        int32_t days;
        if (strstr(z, "infinity"))
            return bad_value(err, b, colno, col, row, "date 'infinity' has no calendar value (filter it, or cast the column to text)");
        if (etlc_parse_date(z, len, &days) == 0)
            return etlc_batch_append_date(b, colno, days, err);
        break;
    }
    case PG_OID_TIMESTAMP: case PG_OID_TIMESTAMPTZ: {
        int64_t us;
        if (strstr(z, "infinity"))
            return bad_value(err, b, colno, col, row, "timestamp 'infinity' has no calendar value (filter it, or cast the column to text)");
        if (etlc_parse_timestamp(z, len, &us) == 0)
            return etlc_batch_append_timestamp(b, colno, us, err);
        break;
    }
    case PG_OID_JSON: case PG_OID_JSONB:
        return etlc_batch_append_var(b, colno, ETLC_TYPE_JSON, s, len, err);
    default:
        return etlc_batch_append_var(b, colno, ETLC_TYPE_TEXT, s, len, err);
    }
    char why[120];
    char *shown = etlc__redacted_excerpt(z, strlen(z), 60); /* redacted, then cut */
    snprintf(why, sizeof why, "cannot read the text value '%s'", shown ? shown : "(not shown: out of memory)");
    free(shown);
    return bad_value(err, b, colno, col, row, why);
}

/* A numeric of a scaled column; its errors are worded as the text path's
 * (here or in the Parquet writer) would word them. */
static int put_scaled(etlc_batch *b, size_t colno, const pg_column *col, const unsigned char *p,
                      size_t len, uint64_t row, etlc__buf *scratch, etlc_error *err)
{
    etlc__i128 v;
    const char *why = "";
    int r = etlc__pg_numeric_scaled(p, len, col->precision, col->scale, &v, &why);
    if (r == 0) {
        etlc__batch_put_scaled(b, colno, v);
        return 0;
    }
    if (r == -2 || r == -3 || r == -4)
        return bad_value(err, b, colno, col, row,
                         r == -2 ? "numeric NaN has no exact decimal form (filter it or cast the column to float8 or text)"
                                 : "numeric infinity has no exact decimal form (filter it or cast the column to float8 or text)");
    if (r != -5 || etlc__pg_numeric_to_text(p, len, scratch) != 0) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "malformed binary value (%zu bytes)", len);
        return bad_value(err, b, colno, col, row, tmp);
    }
    char *value = etlc__redacted_excerpt(scratch->data, scratch->len, 64); /* redacted, then cut */
    char msg[200];
    snprintf(msg, sizeof msg, "value \"%s\" %s (DECIMAL(%d,%d))", value ? value : "(out of memory)",
             why, col->precision, col->scale);
    free(value);
    return bad_value(err, b, colno, col, row, msg);
}

int etlc__pg_put_binary(etlc_batch *b, size_t colno, const pg_column *col, const char *data,
                        size_t len, uint64_t row, etlc__buf *scratch, etlc_error *err)
{
    const unsigned char *p = (const unsigned char *)data;
    switch (col->oid) {
    case PG_OID_INT8:
        if (len != 8)
            break;
        etlc__batch_put_i64(b, colno, (int64_t)be64(p));
        return 0;
    case PG_OID_INT4:
        if (len != 4)
            break;
        etlc__batch_put_i64(b, colno, (int32_t)be32(p));
        return 0;
    case PG_OID_INT2:
        if (len != 2)
            break;
        etlc__batch_put_i64(b, colno, (int16_t)be16(p));
        return 0;
    case PG_OID_FLOAT8: {
        if (len != 8)
            break;
        uint64_t u = be64(p);
        double f;
        memcpy(&f, &u, sizeof f);
        etlc__batch_put_f64(b, colno, f);
        return 0;
    }
    case PG_OID_DATE: {
        if (len != 4)
            break;
        int32_t v = (int32_t)be32(p);
        if (v == INT32_MAX || v == INT32_MIN || (int64_t)v + PG_EPOCH_DAYS > INT32_MAX)
            break; /* infinity, out of range: the general path words the error */
        etlc__batch_put_i32(b, colno, (int32_t)((int64_t)v + PG_EPOCH_DAYS));
        return 0;
    }
    case PG_OID_TIMESTAMP:
    case PG_OID_TIMESTAMPTZ: {
        if (len != 8)
            break;
        int64_t v = (int64_t)be64(p), unix_us;
        if (v == INT64_MAX || v == INT64_MIN || __builtin_add_overflow(v, PG_EPOCH_MICROS, &unix_us))
            break;
        etlc__batch_put_i64(b, colno, unix_us);
        return 0;
    }
    case PG_OID_NUMERIC:
        if (col->scaled)
            return put_scaled(b, colno, col, p, len, row, scratch, err);
        if (etlc__pg_numeric_to_text(p, len, scratch) != 0)
            break; /* NaN, infinity, malformed, no memory: the general path decides */
        data = scratch->data;
        len = scratch->len;
        goto put_var;
    case PG_OID_TEXT: case PG_OID_VARCHAR: case PG_OID_BPCHAR: case PG_OID_NAME:
    case PG_OID_CHAR: case PG_OID_UNKNOWN:
    put_var:
        if (etlc__batch_put_var(b, colno, data, len) != 0)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory storing a %zu-byte value in "
                                  "column '%s'", len, b->cols[colno].def.name);
        return 0;
    default:
        break;
    }
    return append_binary(b, colno, col, (const unsigned char *)data, len, row, scratch, err);
}

int etlc__pg_append_value(etlc_batch *b, size_t colno, const pg_column *col, bool binary,
                          const char *data, size_t len, uint64_t row, etlc__buf *scratch,
                          etlc_error *err)
{
    return binary ? append_binary(b, colno, col, (const unsigned char *)data, len, row, scratch, err)
                  : append_text(b, colno, col, data, len, row, scratch, err);
}
