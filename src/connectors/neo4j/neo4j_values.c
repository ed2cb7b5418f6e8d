/* A record's values -> typed batch columns. Scalars keep their type;
 * lists, maps, graph and spatial values become JSON (neo4j_json.c); dates
 * become DATE, date-times TIMESTAMP (UTC), times and durations ISO text.
 * A column's type is set by its first non-null value (docs/parquet.md):
 * another type later is ETLC_DATA_SCHEMA naming the column and row. */
#include <stdio.h>

#include "neo4j_internal.h"
#include "neo4j_temporal.h"

etlc_type etlc__n4j_value_type(const n4j_val *v)
{
    switch (v->kind) {
    case N4J_NULL: return ETLC_TYPE_NULL;
    case N4J_BOOL: return ETLC_TYPE_BOOL;
    case N4J_INT: return ETLC_TYPE_INT64;
    case N4J_FLOAT: return ETLC_TYPE_DOUBLE;
    case N4J_STRING: return ETLC_TYPE_TEXT;
    case N4J_BYTES: return ETLC_TYPE_BYTES;
    case N4J_STRUCT:
        switch (v->tag) {
        case N4J_TAG_DATE: return ETLC_TYPE_DATE;
        case N4J_TAG_DATE_TIME: case N4J_TAG_DATE_TIME_ZONE_ID: case N4J_TAG_LOCAL_DATE_TIME:
        case N4J_TAG_LEGACY_DATE_TIME: case N4J_TAG_LEGACY_DATE_TIME_ZONE_ID:
            return ETLC_TYPE_TIMESTAMP;
        case N4J_TAG_TIME: case N4J_TAG_LOCAL_TIME: case N4J_TAG_DURATION: return ETLC_TYPE_TEXT;
        default: return ETLC_TYPE_JSON;
        }
    default: return ETLC_TYPE_JSON;
    }
}

static int append_struct(etlc_batch *b, size_t col, const n4j_msg *m, const n4j_val *v, etlc_type t,
                         etlc__buf *scratch, etlc_error *err)
{
    int rc;
    if (t == ETLC_TYPE_DATE || t == ETLC_TYPE_TIMESTAMP) {
        n4j_instant in;
        if ((rc = etlc__n4j_instant(m, v, &in, err)) != ETLC_OK)
            return rc;
        if (t == ETLC_TYPE_DATE) {
            if (in.days < INT32_MIN || in.days > INT32_MAX)
                return etlc_error_set(err, ETLC_DATA_TYPE, "neo4j: date %lld days from 1970 is out of range",
                                      (long long)in.days);
            return etlc_batch_append_date(b, col, (int32_t)in.days, err);
        }
        int64_t us = 0;
        if ((rc = etlc__n4j_timestamp_us(&in, &us, err)) != ETLC_OK)
            return rc;
        return etlc_batch_append_timestamp(b, col, us, err);
    }
    etlc__buf_reset(scratch);
    rc = t == ETLC_TYPE_TEXT ? etlc__n4j_temporal_text(scratch, m, v, err) : etlc__n4j_to_json(scratch, m, v, 0, err);
    if (rc != ETLC_OK)
        return rc;
    return etlc_batch_append_var(b, col, t, scratch->data ? scratch->data : "", scratch->len, err);
}

int etlc__n4j_append(etlc_batch *b, size_t col, const n4j_msg *m, const n4j_val *v, uint64_t row,
                     etlc__buf *scratch, etlc_error *err)
{
    etlc_type t = etlc__n4j_value_type(v);
    etlc_type have = b->cols[col].def.type;
    if (t != ETLC_TYPE_NULL && have != ETLC_TYPE_NULL && t != have)
        return etlc_error_set(err, ETLC_DATA_SCHEMA,
                              "neo4j: column \"%s\" changed type from %s to %s at record %llu (a column keeps the "
                              "type of its first non-null value; convert in Cypher, e.g. toString() or toFloat())",
                              b->cols[col].def.name, etlc_type_name(have), etlc_type_name(t),
                              (unsigned long long)row + 1);
    int rc;
    switch (v->kind) {
    case N4J_NULL: return etlc_batch_append_null(b, col, err);
    case N4J_BOOL: return etlc_batch_append_bool(b, col, v->u.i != 0, err);
    case N4J_INT: return etlc_batch_append_int64(b, col, v->u.i, err);
    case N4J_FLOAT: return etlc_batch_append_double(b, col, v->u.f, err);
    case N4J_STRING:
    case N4J_BYTES: return etlc_batch_append_var(b, col, t, n4j_str(m, v), v->count, err);
    case N4J_STRUCT:
        rc = append_struct(b, col, m, v, t, scratch, err);
        break;
    default:
        etlc__buf_reset(scratch);
        rc = etlc__n4j_to_json(scratch, m, v, 0, err);
        if (rc == ETLC_OK)
            rc = etlc_batch_append_var(b, col, ETLC_TYPE_JSON, scratch->data ? scratch->data : "", scratch->len, err);
    }
    if (rc != ETLC_OK && rc != ETLC_NO_MEMORY)
        etlc_error_prefix(err, "column \"%s\", record %llu", b->cols[col].def.name, (unsigned long long)row + 1);
    return rc;
}
