/* CQL values as JSON: collections (list/set -> array, map -> object with
 * the keys' text), tuples (array), UDTs (object by field name), duration
 * ({"months","days","nanoseconds"}), and scalars inside them. Nested
 * elements are [int]-length prefixed (v3+ collection encoding). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cql_internal.h"

#define CQL_MAX_JSON_DEPTH 32

static int malformed(etlc_error *err, const char *what)
{
    return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: malformed %s value", what);
}

static int nomem(etlc_error *err) { return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory"); }

/* A signed zig-zag vint (duration's fields). */
static int read_vint(cql_rd *r, int64_t *v)
{
    uint8_t first;
    if (etlc__cql_rd_u8(r, &first) != 0)
        return -1;
    int extra = 0;
    while (extra < 8 && (first & (0x80 >> extra)))
        extra++;
    uint64_t u = extra == 8 ? 0 : (uint64_t)(first & (0xFF >> (extra + 1)));
    for (int i = 0; i < extra; i++) {
        uint8_t b;
        if (etlc__cql_rd_u8(r, &b) != 0)
            return -1;
        u = u << 8 | b;
    }
    *v = (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
    return 0;
}

static int duration_json(etlc__buf *out, const uint8_t *p, int32_t len, etlc_error *err)
{
    cql_rd r = {p, p + len};
    int64_t m, d, ns;
    if (read_vint(&r, &m) != 0 || read_vint(&r, &d) != 0 || read_vint(&r, &ns) != 0)
        return malformed(err, "duration");
    if (etlc__buf_printf(out, "{\"months\":%lld,\"days\":%lld,\"nanoseconds\":%lld}", (long long)m,
                         (long long)d, (long long)ns))
        return nomem(err);
    return 0;
}

static int hex_json(etlc__buf *out, const uint8_t *p, int32_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (etlc__buf_puts(out, "\"0x") || etlc__buf_reserve(out, (size_t)len * 2 + 2))
        return -1;
    for (int32_t i = 0; i < len; i++) {
        out->data[out->len++] = hex[p[i] >> 4];
        out->data[out->len++] = hex[p[i] & 15];
    }
    out->data[out->len] = '\0';
    return etlc__buf_putc(out, '"');
}

static int text_json(etlc__buf *out, const char *s)
{
    return etlc__buf_json_string(out, s, strlen(s));
}

/* Scalars inside a collection / tuple / UDT. */
static int scalar_json(etlc__buf *out, const cql_type *t, const uint8_t *p, int32_t len, etlc_error *err)
{
    char tmp[64];
    int64_t i;
    double d;
    switch (t->id) {
    case CQL_T_ASCII: case CQL_T_VARCHAR:
        return etlc__buf_json_string(out, (const char *)p, (size_t)len) ? nomem(err) : 0;
    case CQL_T_BOOLEAN:
        if (len != 1)
            return malformed(err, "boolean");
        return etlc__buf_puts(out, p[0] ? "true" : "false") ? nomem(err) : 0;
    case CQL_T_DOUBLE: case CQL_T_FLOAT:
        if (etlc__cql_double_value(t, p, len, &d) != 0)
            return malformed(err, "floating-point");
        if (!isfinite(d))
            return text_json(out, isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity") ? nomem(err) : 0;
        return etlc__buf_printf(out, t->id == CQL_T_FLOAT ? "%.9g" : "%.17g", d) ? nomem(err) : 0;
    case CQL_T_TIMESTAMP:
        if (len != 8)
            return malformed(err, "timestamp");
        i = (int64_t)etlc__cql_be64(p);
        if (i > INT64_MAX / 1000 || i < INT64_MIN / 1000)
            return malformed(err, "timestamp");
        etlc_format_timestamp(i * 1000, tmp, sizeof tmp);
        return text_json(out, tmp) ? nomem(err) : 0;
    case CQL_T_DATE:
        if (len != 4)
            return malformed(err, "date");
        etlc_format_date((int32_t)(etlc__cql_be32(p) - 0x80000000u), tmp, sizeof tmp);
        return text_json(out, tmp) ? nomem(err) : 0;
    case CQL_T_TIME:
        if (len != 8)
            return malformed(err, "time");
        etlc__cql_time_text((int64_t)etlc__cql_be64(p), tmp);
        return text_json(out, tmp) ? nomem(err) : 0;
    case CQL_T_UUID: case CQL_T_TIMEUUID:
        if (len != 16)
            return malformed(err, "uuid");
        etlc__cql_uuid_text(p, tmp);
        return text_json(out, tmp) ? nomem(err) : 0;
    case CQL_T_INET:
        if (etlc__cql_inet_text(p, (size_t)len, tmp) != 0)
            return malformed(err, "inet");
        return text_json(out, tmp) ? nomem(err) : 0;
    case CQL_T_VARINT:
        return etlc__cql_varint_text(out, p, (size_t)len) ? malformed(err, "varint") : 0;
    case CQL_T_DECIMAL:
        return etlc__cql_decimal_text(out, p, (size_t)len) ? malformed(err, "decimal") : 0;
    case CQL_T_BLOB: case CQL_T_CUSTOM:
        return hex_json(out, p, len) ? nomem(err) : 0;
    case CQL_T_DURATION:
        return duration_json(out, p, len, err);
    default:
        if (etlc__cql_int_value(t, p, len, &i) != 0)
            return malformed(err, "integer");
        return etlc__buf_printf(out, "%lld", (long long)i) ? nomem(err) : 0;
    }
}

/* A map key as a JSON object key: its text when it renders as a string,
 * else its JSON text quoted. */
static int key_json(etlc__buf *out, const cql_type *t, const uint8_t *p, int32_t len, int depth,
                    etlc_error *err)
{
    etlc__buf k = {0};
    int rc = etlc__cql_value_json(&k, t, p, len, depth, err);
    if (rc == 0 && k.len > 0 && k.data[0] == '"')
        rc = etlc__buf_append(out, k.data, k.len) ? nomem(err) : 0;
    else if (rc == 0)
        rc = etlc__buf_json_string(out, k.data ? k.data : "", k.len) ? nomem(err) : 0;
    etlc__buf_free(&k);
    return rc;
}

/* list, set, map: [int n] then n elements (n pairs for a map). */
static int collection_json(etlc__buf *out, const cql_type *t, cql_rd *r, int depth, etlc_error *err)
{
    int32_t n;
    bool map = t->id == CQL_T_MAP;
    if (etlc__cql_rd_i32(r, &n) != 0 || n < 0 || (size_t)n > (size_t)(r->end - r->p) / 4)
        return malformed(err, "collection");
    if (etlc__buf_putc(out, map ? '{' : '['))
        return nomem(err);
    for (int32_t i = 0; i < n; i++) {
        const uint8_t *p;
        int32_t len;
        if ((i && etlc__buf_putc(out, ',')) || etlc__cql_rd_bytes(r, &p, &len) != 0)
            return malformed(err, "collection");
        int rc = map ? key_json(out, &t->sub[0], p, len, depth + 1, err)
                     : etlc__cql_value_json(out, &t->sub[0], p, len, depth + 1, err);
        if (rc == 0 && map) {
            if (etlc__buf_putc(out, ':') || etlc__cql_rd_bytes(r, &p, &len) != 0)
                return malformed(err, "map");
            rc = etlc__cql_value_json(out, &t->sub[1], p, len, depth + 1, err);
        }
        if (rc != 0)
            return rc;
    }
    return etlc__buf_putc(out, map ? '}' : ']') ? nomem(err) : 0;
}

/* tuple, UDT: one [bytes] per field; fields missing at the end are null. */
static int fields_json(etlc__buf *out, const cql_type *t, cql_rd *r, int depth, etlc_error *err)
{
    bool udt = t->id == CQL_T_UDT;
    if (etlc__buf_putc(out, udt ? '{' : '['))
        return nomem(err);
    for (size_t i = 0; i < t->nsub; i++) {
        const uint8_t *p = NULL;
        int32_t len = -1;
        if (r->p < r->end && etlc__cql_rd_bytes(r, &p, &len) != 0)
            return malformed(err, udt ? "UDT" : "tuple");
        if ((i && etlc__buf_putc(out, ',')) ||
            (udt && (text_json(out, t->field_names[i]) || etlc__buf_putc(out, ':'))))
            return nomem(err);
        int rc = etlc__cql_value_json(out, &t->sub[i], p, len, depth + 1, err);
        if (rc != 0)
            return rc;
    }
    return etlc__buf_putc(out, udt ? '}' : ']') ? nomem(err) : 0;
}

int etlc__cql_value_json(etlc__buf *out, const cql_type *t, const uint8_t *data, int32_t len,
                         int depth, etlc_error *err)
{
    if (depth > CQL_MAX_JSON_DEPTH)
        return malformed(err, "nested");
    bool text = t->id == CQL_T_ASCII || t->id == CQL_T_VARCHAR || t->id == CQL_T_BLOB || t->id == CQL_T_CUSTOM;
    if (len < 0 || (len == 0 && !text))
        return etlc__buf_puts(out, "null") ? nomem(err) : 0;
    cql_rd r = {data, data + len};
    switch (t->id) {
    case CQL_T_LIST: case CQL_T_SET: case CQL_T_MAP:
        return collection_json(out, t, &r, depth, err);
    case CQL_T_TUPLE: case CQL_T_UDT:
        return fields_json(out, t, &r, depth, err);
    default:
        return scalar_json(out, t, data, len, err);
    }
}
