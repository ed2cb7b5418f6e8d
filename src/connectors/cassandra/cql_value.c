/* CQL cells -> etlconn columns. Scalars keep their type (ints -> int64,
 * varint/decimal -> exact decimal text, timestamp/date -> timestamp/date,
 * uuid/inet/time -> text, blob -> bytes); duration, collections, tuples and
 * UDTs become JSON (cql_json.c). Every length is checked against the type. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cql_internal.h"

etlc_type etlc__cql_column_type(const cql_type *t)
{
    switch (t->id) {
    case CQL_T_ASCII: case CQL_T_VARCHAR: case CQL_T_UUID: case CQL_T_TIMEUUID:
    case CQL_T_INET: case CQL_T_TIME:
        return ETLC_TYPE_TEXT;
    case CQL_T_BIGINT: case CQL_T_COUNTER: case CQL_T_INT: case CQL_T_SMALLINT: case CQL_T_TINYINT:
        return ETLC_TYPE_INT64;
    case CQL_T_DOUBLE: case CQL_T_FLOAT:
        return ETLC_TYPE_DOUBLE;
    case CQL_T_BOOLEAN:
        return ETLC_TYPE_BOOL;
    case CQL_T_TIMESTAMP:
        return ETLC_TYPE_TIMESTAMP;
    case CQL_T_DATE:
        return ETLC_TYPE_DATE;
    case CQL_T_VARINT: case CQL_T_DECIMAL:
        return ETLC_TYPE_DECIMAL;
    case CQL_T_BLOB: case CQL_T_CUSTOM:
        return ETLC_TYPE_BYTES;
    default: /* duration, list, set, map, tuple, UDT */
        return ETLC_TYPE_JSON;
    }
}

static int bad_len(etlc_error *err, const char *what, int32_t len)
{
    return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: %s value of %d bytes", what, (int)len);
}

/* Big-endian signed integer of 1, 2, 4 or 8 bytes (the type says which). */
int etlc__cql_int_value(const cql_type *t, const uint8_t *p, int32_t len, int64_t *v)
{
    int32_t want = t->id == CQL_T_TINYINT ? 1 : t->id == CQL_T_SMALLINT ? 2 : t->id == CQL_T_INT ? 4 : 8;
    if (len != want)
        return -1;
    *v = want == 1 ? (int8_t)p[0] : want == 2 ? (int16_t)etlc__cql_be16(p)
         : want == 4 ? (int32_t)etlc__cql_be32(p) : (int64_t)etlc__cql_be64(p);
    return 0;
}

int etlc__cql_double_value(const cql_type *t, const uint8_t *p, int32_t len, double *v)
{
    if (t->id == CQL_T_FLOAT && len == 4) {
        uint32_t u = etlc__cql_be32(p);
        float f;
        memcpy(&f, &u, 4);
        *v = f;
        return 0;
    }
    if (t->id == CQL_T_DOUBLE && len == 8) {
        uint64_t u = etlc__cql_be64(p);
        memcpy(v, &u, 8);
        return 0;
    }
    return -1;
}

/* Text-typed scalars: uuid, inet, time, and text itself. */
static int append_text(etlc_batch *b, size_t col, const cql_type *t, const uint8_t *p, int32_t len,
                       etlc_error *err)
{
    char tmp[64];
    switch (t->id) {
    case CQL_T_UUID: case CQL_T_TIMEUUID:
        if (len != 16)
            return bad_len(err, "uuid", len);
        etlc__cql_uuid_text(p, tmp);
        break;
    case CQL_T_INET:
        if (etlc__cql_inet_text(p, (size_t)len, tmp) != 0)
            return bad_len(err, "inet", len);
        break;
    case CQL_T_TIME:
        if (len != 8)
            return bad_len(err, "time", len);
        etlc__cql_time_text((int64_t)etlc__cql_be64(p), tmp);
        break;
    default:
        return etlc_batch_append_var(b, col, ETLC_TYPE_TEXT, p, (size_t)len, err);
    }
    return etlc_batch_append_var(b, col, ETLC_TYPE_TEXT, tmp, strlen(tmp), err);
}

static int append_fixed(etlc_batch *b, size_t col, const cql_type *t, const uint8_t *p, int32_t len,
                        etlc_error *err)
{
    int64_t i;
    double d;
    switch (t->id) {
    case CQL_T_BOOLEAN:
        if (len != 1)
            return bad_len(err, "boolean", len);
        return etlc_batch_append_bool(b, col, p[0] != 0, err);
    case CQL_T_DOUBLE: case CQL_T_FLOAT:
        if (etlc__cql_double_value(t, p, len, &d) != 0)
            return bad_len(err, "floating-point", len);
        return etlc_batch_append_double(b, col, d, err);
    case CQL_T_TIMESTAMP:
        if (len != 8)
            return bad_len(err, "timestamp", len);
        i = (int64_t)etlc__cql_be64(p);
        if (i > INT64_MAX / 1000 || i < INT64_MIN / 1000)
            return etlc_error_set(err, ETLC_DATA_TYPE, "cassandra: timestamp %lld ms is out of the "
                                  "microsecond range", (long long)i);
        return etlc_batch_append_timestamp(b, col, i * 1000, err);
    case CQL_T_DATE:
        if (len != 4)
            return bad_len(err, "date", len);
        /* days with the epoch at 2^31 */
        return etlc_batch_append_date(b, col, (int32_t)(etlc__cql_be32(p) - 0x80000000u), err);
    default:
        if (etlc__cql_int_value(t, p, len, &i) != 0)
            return bad_len(err, "integer", len);
        return etlc_batch_append_int64(b, col, i, err);
    }
}

int etlc__cql_append_cell(etlc_batch *b, size_t col, const cql_type *t, const uint8_t *data,
                          int32_t len, etlc__buf *scratch, etlc_error *err)
{
    etlc_type et = etlc__cql_column_type(t);
    /* An empty value of a fixed-size type is CQL's "empty": no value. */
    if (len < 0 || (len == 0 && et != ETLC_TYPE_TEXT && et != ETLC_TYPE_BYTES))
        return etlc_batch_append_null(b, col, err);
    etlc__buf_reset(scratch);
    switch (et) {
    case ETLC_TYPE_TEXT:
        return append_text(b, col, t, data, len, err);
    case ETLC_TYPE_BYTES:
        return etlc_batch_append_var(b, col, ETLC_TYPE_BYTES, data, (size_t)len, err);
    case ETLC_TYPE_DECIMAL:
        if ((t->id == CQL_T_VARINT ? etlc__cql_varint_text(scratch, data, (size_t)len)
                                   : etlc__cql_decimal_text(scratch, data, (size_t)len)) != 0)
            return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: malformed %s value of %d bytes",
                                  t->id == CQL_T_VARINT ? "varint" : "decimal", (int)len);
        return etlc_batch_append_var(b, col, ETLC_TYPE_DECIMAL, scratch->data, scratch->len, err);
    case ETLC_TYPE_JSON: {
        int rc = etlc__cql_value_json(scratch, t, data, len, 0, err);
        return rc ? rc : etlc_batch_append_var(b, col, ETLC_TYPE_JSON, scratch->data, scratch->len, err);
    }
    default:
        return append_fixed(b, col, t, data, len, err);
    }
}
