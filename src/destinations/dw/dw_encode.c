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

void etlc__dw_pg_type(const etlc_column_def *def, char *buf, size_t bufsz)
{
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
                be32(q, 8);
                be64(q + 4, (uint64_t)col->fixed.i64[row]);
                o->len += 12;
                break;
            case ETLC_TYPE_TIMESTAMP:
                be32(q, 8);
                be64(q + 4, (uint64_t)(col->fixed.i64[row] - PG_EPOCH_MICROS));
                o->len += 12;
                break;
            case ETLC_TYPE_DOUBLE: {
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
