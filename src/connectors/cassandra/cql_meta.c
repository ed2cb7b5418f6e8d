/* CQL type options and result metadata. Counts read from the wire are
 * checked against the bytes left before anything is allocated for them,
 * and type nesting is bounded (a hostile frame cannot recurse us away). */
#include <stdlib.h>
#include <string.h>

#include "cql_internal.h"

#define CQL_MAX_TYPE_DEPTH 32

static int truncated(etlc_error *err, const char *what)
{
    return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: truncated or malformed %s in a result", what);
}

void etlc__cql_type_free(cql_type *t)
{
    if (!t)
        return;
    for (size_t i = 0; t->sub && i < t->nsub; i++)
        etlc__cql_type_free(&t->sub[i]);
    for (size_t i = 0; t->field_names && i < t->nsub; i++)
        free(t->field_names[i]);
    free(t->sub);
    free(t->field_names);
    free(t->custom);
    *t = (cql_type){0};
}

/* n sub-types (each at least 2 bytes on the wire), for UDT with names. */
static int read_subs(cql_rd *r, cql_type *t, size_t n, bool named, int depth, etlc_error *err)
{
    if (n > (size_t)(r->end - r->p) / 2)
        return truncated(err, "type");
    t->sub = calloc(n ? n : 1, sizeof *t->sub);
    if (named)
        t->field_names = calloc(n ? n : 1, sizeof *t->field_names);
    if (!t->sub || (named && !t->field_names))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    t->nsub = n;
    for (size_t i = 0; i < n; i++) {
        if (named) {
            int rc = etlc__cql_rd_strdup(r, &t->field_names[i]);
            if (rc != 0)
                return rc == -2 ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : truncated(err, "UDT");
        }
        int rc = etlc__cql_type_read(r, &t->sub[i], depth + 1, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int read_udt(cql_rd *r, cql_type *t, int depth, etlc_error *err)
{
    const char *s;
    size_t len;
    uint16_t n;
    /* keyspace and type name: not kept (the JSON is keyed by field names) */
    if (etlc__cql_rd_string(r, &s, &len) != 0 || etlc__cql_rd_string(r, &s, &len) != 0 ||
        etlc__cql_rd_u16(r, &n) != 0)
        return truncated(err, "UDT");
    return read_subs(r, t, n, true, depth, err);
}

int etlc__cql_type_read(cql_rd *r, cql_type *t, int depth, etlc_error *err)
{
    *t = (cql_type){0};
    if (depth > CQL_MAX_TYPE_DEPTH)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: type nested deeper than %d levels",
                              CQL_MAX_TYPE_DEPTH);
    if (etlc__cql_rd_u16(r, &t->id) != 0)
        return truncated(err, "type");
    uint16_t n;
    switch (t->id) {
    case CQL_T_CUSTOM: {
        int rc = etlc__cql_rd_strdup(r, &t->custom);
        if (rc != 0)
            return rc == -2 ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : truncated(err, "type");
        /* v4 has no duration id: the server names its class instead. */
        if (strcmp(t->custom, "org.apache.cassandra.db.marshal.DurationType") == 0)
            t->id = CQL_T_DURATION;
        return 0;
    }
    case CQL_T_LIST: case CQL_T_SET:
        return read_subs(r, t, 1, false, depth, err);
    case CQL_T_MAP:
        return read_subs(r, t, 2, false, depth, err);
    case CQL_T_TUPLE:
        if (etlc__cql_rd_u16(r, &n) != 0)
            return truncated(err, "tuple type");
        return read_subs(r, t, n, false, depth, err);
    case CQL_T_UDT:
        return read_udt(r, t, depth, err);
    default:
        if (t->id > CQL_T_DURATION || t->id == 0x0A)
            return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: unknown type id 0x%04x", t->id);
        return 0;
    }
}

void etlc__cql_columns_free(cql_columns *c)
{
    /* ncols alone (a NO_METADATA result) owns nothing */
    for (size_t i = 0; (c->names || c->types) && i < c->ncols; i++) {
        if (c->names)
            free(c->names[i]);
        if (c->types)
            etlc__cql_type_free(&c->types[i]);
    }
    free(c->names);
    free(c->types);
    *c = (cql_columns){0};
}

/* Column specs: [ks][table] per column unless global, then name and type. */
static int read_specs(cql_rd *r, cql_columns *cols, int32_t count, bool global, etlc_error *err)
{
    const char *s;
    size_t len;
    if (count < 0 || (size_t)count > (size_t)(r->end - r->p) / 4)
        return truncated(err, "column count");
    if (global && (etlc__cql_rd_string(r, &s, &len) != 0 || etlc__cql_rd_string(r, &s, &len) != 0))
        return truncated(err, "table spec");
    cols->names = calloc(count ? (size_t)count : 1, sizeof *cols->names);
    cols->types = calloc(count ? (size_t)count : 1, sizeof *cols->types);
    if (!cols->names || !cols->types)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    cols->ncols = (size_t)count;
    for (size_t i = 0; i < cols->ncols; i++) {
        if (!global && (etlc__cql_rd_string(r, &s, &len) != 0 || etlc__cql_rd_string(r, &s, &len) != 0))
            return truncated(err, "column spec");
        int rc = etlc__cql_rd_strdup(r, &cols->names[i]);
        if (rc != 0)
            return rc == -2 ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : truncated(err, "column name");
        if ((rc = etlc__cql_type_read(r, &cols->types[i], 0, err)) != 0)
            return rc;
    }
    return 0;
}

int etlc__cql_rows_meta_read(cql_rd *r, cql_columns *cols, const uint8_t **paging,
                             size_t *paging_len, etlc_error *err)
{
    int32_t flags, count;
    *paging = NULL;
    *paging_len = 0;
    if (etlc__cql_rd_i32(r, &flags) != 0 || etlc__cql_rd_i32(r, &count) != 0)
        return truncated(err, "rows metadata");
    if (flags & CQL_ROWS_HAS_MORE) {
        int32_t len;
        if (etlc__cql_rd_bytes(r, paging, &len) != 0)
            return truncated(err, "paging state");
        *paging_len = len > 0 ? (size_t)len : 0;
        if (len <= 0)
            *paging = NULL;
    }
    if (flags & CQL_ROWS_METADATA_CHANGED) {
        const uint8_t *id;
        size_t idlen;
        if (etlc__cql_rd_short_bytes(r, &id, &idlen) != 0)
            return truncated(err, "new metadata id");
    }
    if (flags & CQL_ROWS_NO_METADATA) {
        if (count < 0)
            return truncated(err, "column count");
        cols->ncols = (size_t)count; /* names and types come from the prepared statement */
        return 0;
    }
    return read_specs(r, cols, count, flags & CQL_ROWS_GLOBAL_SPEC, err);
}

int etlc__cql_prepared_meta_read(cql_rd *r, cql_columns *cols, etlc_error *err)
{
    int32_t flags, count, pk_count;
    if (etlc__cql_rd_i32(r, &flags) != 0 || etlc__cql_rd_i32(r, &count) != 0 ||
        etlc__cql_rd_i32(r, &pk_count) != 0 || pk_count < 0 ||
        etlc__cql_rd_skip(r, (size_t)pk_count * 2) != 0)
        return truncated(err, "prepared metadata");
    return read_specs(r, cols, count, flags & CQL_ROWS_GLOBAL_SPEC, err);
}
