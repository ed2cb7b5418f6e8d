/* etlconn types -> PostgreSQL types, and record batches -> binary COPY
 * tuples (network byte order; dates and timestamps from the 2000-01-01
 * PostgreSQL epoch; numeric in base-10000 digits). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dw_internal.h"

#define PG_EPOCH_DAYS 10957                  /* 2000-01-01 - 1970-01-01 */
#define PG_EPOCH_MICROS 946684800000000LL

int etlc__dw_ident(etlc__buf *b, const char *name)
{
    if (etlc__buf_putc(b, '"'))
        return -1;
    for (const char *p = name; *p; p++)
        if ((*p == '"' && etlc__buf_putc(b, '"')) || etlc__buf_putc(b, *p))
            return -1;
    return etlc__buf_putc(b, '"');
}

int etlc__dw_qualified(etlc__buf *b, const char *schema, const char *table)
{
    return etlc__dw_ident(b, schema) || etlc__buf_putc(b, '.') || etlc__dw_ident(b, table) ? -1 : 0;
}

void etlc__dw_pg_type_hinted(const etlc_column_def *def, int hint, char *buf, size_t bufsz)
{
    const char *t = NULL;
    switch (hint) {
    case ETLC_HINT_INT16: t = def->type == ETLC_TYPE_INT64 ? "smallint" : NULL; break;
    case ETLC_HINT_INT32: t = def->type == ETLC_TYPE_INT64 ? "integer" : NULL; break;
    case ETLC_HINT_TIME: t = def->type == ETLC_TYPE_INT64 ? "time" : NULL; break;
    case ETLC_HINT_FLOAT32: t = def->type == ETLC_TYPE_DOUBLE ? "real" : NULL; break;
    case ETLC_HINT_TIMESTAMP_LOCAL: t = def->type == ETLC_TYPE_TIMESTAMP ? "timestamp" : NULL; break;
    case ETLC_HINT_UUID: t = def->type == ETLC_TYPE_BYTES ? "uuid" : NULL; break;
    case ETLC_HINT_INTERVAL: t = def->type == ETLC_TYPE_BYTES ? "interval" : NULL; break;
    default: break;
    }
    if (t) {
        snprintf(buf, bufsz, "%s", t);
        return;
    }
    switch (def->type) {
    case ETLC_TYPE_BOOL: snprintf(buf, bufsz, "boolean"); break;
    case ETLC_TYPE_INT64: snprintf(buf, bufsz, "bigint"); break;
    case ETLC_TYPE_DOUBLE: snprintf(buf, bufsz, "double precision"); break;
    case ETLC_TYPE_BYTES: snprintf(buf, bufsz, "bytea"); break;
    case ETLC_TYPE_DATE: snprintf(buf, bufsz, "date"); break;
    case ETLC_TYPE_TIMESTAMP: snprintf(buf, bufsz, "timestamptz"); break;
    case ETLC_TYPE_DECIMAL:
        if (def->precision > 0 && def->precision <= 1000 && def->scale >= 0 && def->scale <= def->precision)
            snprintf(buf, bufsz, "numeric(%d,%d)", def->precision, def->scale);
        else
            snprintf(buf, bufsz, "numeric");
        break;
    case ETLC_TYPE_JSON: snprintf(buf, bufsz, "jsonb"); break;
    case ETLC_TYPE_TEXT:
    case ETLC_TYPE_NULL: /* no value ever seen: text holds whatever comes later */
    default: snprintf(buf, bufsz, "text"); break;
    }
}

void etlc__dw_pg_type(const etlc_column_def *def, char *buf, size_t bufsz)
{
    etlc__dw_pg_type_hinted(def, ETLC_HINT_NONE, buf, bufsz);
}

bool etlc__dw_type_accepts_hinted(Oid oid, etlc_type t, int hint)
{
    /* Hinted columns go to their finer type; INTERVAL bytes only there. */
    if (t == ETLC_TYPE_INT64 && hint == ETLC_HINT_TIME)
        return oid == PG_OID_TIME;
    if (t == ETLC_TYPE_INT64 && (hint == ETLC_HINT_INT16 || hint == ETLC_HINT_INT32) &&
        (oid == PG_OID_INT4 || (oid == PG_OID_INT2 && hint == ETLC_HINT_INT16)))
        return true;
    if (t == ETLC_TYPE_DOUBLE && hint == ETLC_HINT_FLOAT32 && oid == PG_OID_FLOAT4)
        return true;
    if (t == ETLC_TYPE_BYTES && hint == ETLC_HINT_INTERVAL)
        return oid == DW_OID_INTERVAL;
    if (t == ETLC_TYPE_BYTES && hint == ETLC_HINT_UUID && oid == PG_OID_UUID)
        return true;
    return etlc__dw_type_accepts(oid, t);
}

bool etlc__dw_type_accepts(Oid oid, etlc_type t)
{
    switch (t) {
    case ETLC_TYPE_NULL: return true; /* every value is NULL */
    case ETLC_TYPE_BOOL: return oid == PG_OID_BOOL;
    case ETLC_TYPE_INT64: return oid == PG_OID_INT8;
    case ETLC_TYPE_DOUBLE: return oid == PG_OID_FLOAT8;
    case ETLC_TYPE_TEXT: return oid == PG_OID_TEXT || oid == PG_OID_VARCHAR || oid == PG_OID_BPCHAR;
    case ETLC_TYPE_BYTES: return oid == PG_OID_BYTEA;
    case ETLC_TYPE_DATE: return oid == PG_OID_DATE;
    case ETLC_TYPE_TIMESTAMP: return oid == PG_OID_TIMESTAMPTZ || oid == PG_OID_TIMESTAMP;
    case ETLC_TYPE_DECIMAL: return oid == PG_OID_NUMERIC;
    case ETLC_TYPE_JSON: return oid == PG_OID_JSONB || oid == PG_OID_JSON;
    }
    return false;
}

static inline void be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void be64(uint8_t *p, uint64_t v) { be32(p, (uint32_t)(v >> 32)); be32(p + 4, (uint32_t)v); }

int etlc__dw_copy_header(dw_encoder *e)
{
    static const uint8_t hdr[19] = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xff, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0};
    return etlc__buf_append(&e->out, hdr, sizeof hdr);
}

int etlc__dw_copy_trailer(dw_encoder *e)
{
    uint8_t t[2] = {0xff, 0xff};
    return etlc__buf_append(&e->out, t, 2);
}

int etlc__dw_numeric_binary(etlc__buf *out, const char *s, size_t len)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    char digits[1100];
    size_t nd = 0;
    long point = -1;
    bool any = false;
    for (; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (nd >= sizeof digits - 8)
                return -1;
            digits[nd++] = s[i];
            any = true;
        } else if (s[i] == '.' && point < 0) {
            point = (long)nd;
        } else {
            break;
        }
    }
    if (!any)
        return -1;
    if (point < 0)
        point = (long)nd;
    long exp10 = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < len && (s[i] == '-' || s[i] == '+'))
            eneg = s[i++] == '-';
        if (i >= len)
            return -1;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
            exp10 = exp10 * 10 + (s[i] - '0');
            if (exp10 > 1000)
                return -1;
        }
        if (eneg)
            exp10 = -exp10;
    }
    if (i != len)
        return -1;
    point += exp10; /* digits[0..point) is the integer part (point may be <0 or >nd) */
    long dscale = (long)nd - point;
    if (dscale < 0)
        dscale = 0;
    if (dscale > 16383)
        return -1;
    /* Align to base-10000 groups: the first group starts at a multiple of 4
     * before the decimal point. */
    long pad = ((point % 4) + 4) % 4 ? 4 - ((point % 4) + 4) % 4 : 0;
    long first = -pad;                 /* index in digits of the first group's first digit */
    long ngroups = ((long)nd - first + 3) / 4;
    if (point > (long)nd)
        ngroups = (point - first) / 4;
    uint16_t groups[300];
    if (ngroups > 300)
        return -1;
    for (long g = 0; g < ngroups; g++) {
        uint16_t v = 0;
        for (long k = 0; k < 4; k++) {
            long idx = first + g * 4 + k;
            v = (uint16_t)(v * 10 + (idx >= 0 && idx < (long)nd ? digits[idx] - '0' : 0));
        }
        groups[g] = v;
    }
    long weight = (point - first) / 4 - 1;
    long lo = 0, hi = ngroups;
    while (lo < hi && groups[lo] == 0) {
        lo++;
        weight--;
    }
    while (hi > lo && groups[hi - 1] == 0)
        hi--;
    long n = hi - lo;
    if (n == 0) {
        weight = 0;
        neg = false;
    }
    if (etlc__buf_reserve(out, 8 + 2 * (size_t)n))
        return -2;
    uint8_t *p = (uint8_t *)out->data + out->len;
    be16(p, (uint16_t)n);
    be16(p + 2, (uint16_t)(int16_t)weight);
    be16(p + 4, neg ? 0x4000 : 0);
    be16(p + 6, (uint16_t)dscale);
    for (long g = 0; g < n; g++)
        be16(p + 8 + 2 * g, groups[lo + g]);
    out->len += 8 + 2 * (size_t)n;
    out->data[out->len] = '\0';
    return 0;
}

static int put_var(etlc__buf *o, const void *p, size_t len, bool jsonb)
{
    size_t total = len + (jsonb ? 1 : 0);
    if (total > INT32_MAX || etlc__buf_reserve(o, 4 + total))
        return -1;
    uint8_t *q = (uint8_t *)o->data + o->len;
    be32(q, (uint32_t)total);
    q += 4;
    if (jsonb)
        *q++ = 1; /* jsonb binary format version */
    memcpy(q, p, len);
    o->len += 4 + total;
    o->data[o->len] = '\0';
    return 0;
}

/* smallint / integer from an INT64 column, range-checked (o has 12 bytes reserved at q). */
static int put_narrow_int(etlc__buf *o, uint8_t *q, const etlc_column *col, size_t row, int width, etlc_error *err)
{
    int64_t v = col->fixed.i64[row];
    if (width == 2 ? (v < INT16_MIN || v > INT16_MAX) : (v < INT32_MIN || v > INT32_MAX))
        return etlc_error_set(err, ETLC_DATA_TYPE, "column \"%s\": %lld does not fit a %s column", col->def.name,
                              (long long)v, width == 2 ? "smallint" : "integer");
    be32(q, (uint32_t)width);
    if (width == 2)
        be16(q + 4, (uint16_t)v);
    else
        be32(q + 4, (uint32_t)v);
    o->len += 4 + (size_t)width;
    return 0;
}

/* uuid (16 bytes as is) or interval (ETLC_HINT_INTERVAL's 16 host-order bytes -> PostgreSQL's). */
static int put_fixed_bytes(etlc__buf *o, const etlc_column *col, size_t row, Oid oid, etlc_error *err)
{
    size_t len;
    const uint8_t *p = etlc_column_var(col, row, &len);
    if (len != 16)
        return etlc_error_set(err, ETLC_DATA_TYPE, "column \"%s\": a %zu-byte value is not a %s", col->def.name,
                              len, oid == PG_OID_UUID ? "uuid (16 bytes)" : "interval");
    if (etlc__buf_reserve(o, 20))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory encoding rows for COPY");
    uint8_t *q = (uint8_t *)o->data + o->len;
    be32(q, 16);
    if (oid == PG_OID_UUID) {
        memcpy(q + 4, p, 16);
    } else {
        int64_t us;
        int32_t days, months;
        memcpy(&us, p, 8);
        memcpy(&days, p + 8, 4);
        memcpy(&months, p + 12, 4);
        be64(q + 4, (uint64_t)us);
        be32(q + 12, (uint32_t)days);
        be32(q + 16, (uint32_t)months);
    }
    o->len += 20;
    return 0;
}

int etlc__dw_encode_batch(dw_encoder *e, const etlc_batch *b, etlc_error *err)
{
    etlc__buf *o = &e->out;
    for (size_t row = 0; row < b->nrows; row++) {
        if (etlc__buf_reserve(o, 2 + b->ncols * 12))
            goto nomem;
        uint8_t *q = (uint8_t *)o->data + o->len;
        be16(q, (uint16_t)b->ncols);
        o->len += 2;
        for (size_t c = 0; c < b->ncols; c++) {
            const etlc_column *col = &b->cols[c];
            if (etlc__buf_reserve(o, 12))
                goto nomem;
            q = (uint8_t *)o->data + o->len;
            if (col->def.type == ETLC_TYPE_NULL || etlc_column_is_null(col, row)) {
                be32(q, 0xffffffffu);
                o->len += 4;
                continue;
            }
            size_t len;
            const uint8_t *p;
            switch (col->def.type) {
            case ETLC_TYPE_BOOL:
                be32(q, 1);
                q[4] = col->fixed.b[row] ? 1 : 0;
                o->len += 5;
                break;
            case ETLC_TYPE_INT64:
                if (e->oids[c] == PG_OID_INT2 || e->oids[c] == PG_OID_INT4) {
                    if (put_narrow_int(o, q, col, row, e->oids[c] == PG_OID_INT2 ? 2 : 4, err))
                        return ETLC_DATA_TYPE;
                    break;
                }
                be32(q, 8); /* bigint, or time: microseconds since midnight */
                be64(q + 4, (uint64_t)col->fixed.i64[row]);
                o->len += 12;
                break;
            case ETLC_TYPE_TIMESTAMP:
                be32(q, 8);
                be64(q + 4, (uint64_t)(col->fixed.i64[row] - PG_EPOCH_MICROS));
                o->len += 12;
                break;
            case ETLC_TYPE_DOUBLE: {
                if (e->oids[c] == PG_OID_FLOAT4) {
                    float f = (float)col->fixed.f64[row];
                    uint32_t b32;
                    memcpy(&b32, &f, 4);
                    be32(q, 4);
                    be32(q + 4, b32);
                    o->len += 8;
                    break;
                }
                uint64_t bits;
                memcpy(&bits, &col->fixed.f64[row], 8);
                be32(q, 8);
                be64(q + 4, bits);
                o->len += 12;
                break;
            }
            case ETLC_TYPE_DATE:
                be32(q, 4);
                be32(q + 4, (uint32_t)(col->fixed.i32[row] - PG_EPOCH_DAYS));
                o->len += 8;
                break;
            case ETLC_TYPE_DECIMAL: {
                p = etlc_column_var(col, row, &len);
                size_t at = o->len;
                o->len += 4;
                int rc = etlc__dw_numeric_binary(o, (const char *)p, len);
                if (rc == -2)
                    goto nomem;
                if (rc != 0) {
                    char *shown = etlc__redacted_excerpt((const char *)p, len, 60); /* redacted, then cut */
                    etlc_error_set(err, ETLC_DATA_TYPE, "column \"%s\": '%s' is not a decimal number",
                                   col->def.name, shown ? shown : "(not shown: out of memory)");
                    free(shown);
                    return ETLC_DATA_TYPE;
                }
                be32((uint8_t *)o->data + at, (uint32_t)(o->len - at - 4));
                break;
            }
            case ETLC_TYPE_BYTES:
                if (e->oids[c] == DW_OID_INTERVAL || e->oids[c] == PG_OID_UUID) {
                    int rc = put_fixed_bytes(o, col, row, e->oids[c], err);
                    if (rc)
                        return rc;
                    break;
                }
                /* fall through */
            default:
                p = etlc_column_var(col, row, &len);
                if (put_var(o, p, len, col->def.type == ETLC_TYPE_JSON && e->oids[c] == PG_OID_JSONB))
                    goto nomem;
            }
        }
    }
    return 0;
nomem:
    return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory encoding %zu rows for COPY", b->nrows);
}
