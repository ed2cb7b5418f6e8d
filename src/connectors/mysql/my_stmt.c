/* Prepared statements: parameters bound server-side, results in the binary
 * protocol, read unbuffered (no mysql_stmt_store_result) into bound result
 * buffers. A value longer than its buffer (MYSQL_DATA_TRUNCATED) is read
 * again whole with mysql_stmt_fetch_column and the buffer kept larger. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "my_internal.h"

#define VAR_INITIAL 256

/* Per-column receiving storage. */
typedef struct slot {
    union {
        int64_t i64;
        double f64;
        float f32;
        MYSQL_TIME tm;
    } v;
    char *buf;           /* variable-width kinds */
    unsigned long cap;
    unsigned long length;
    my_bool is_null;
    my_bool error;
} slot;

static bool variable(my_kind k)
{
    return k == MY_K_DECIMAL || k == MY_K_UINT64_DEC || k == MY_K_TEXT || k == MY_K_BYTES || k == MY_K_JSON ||
           k == MY_K_BIT1 || k == MY_K_BITS;
}

/* DATE (days) or TIMESTAMP (UTC micros; sessions run at time_zone '+00:00'). */
static void to_mysql_time(const etlc_param *p, MYSQL_TIME *t)
{
    memset(t, 0, sizeof *t);
    int64_t days = p->i64, us = 0;
    if (p->type == ETLC_TYPE_TIMESTAMP) {
        days = p->i64 / 86400000000LL - (p->i64 % 86400000000LL < 0);
        us = p->i64 - days * 86400000000LL;
    }
    int64_t y;
    unsigned m, d;
    etlc_civil_from_days(days, &y, &m, &d);
    t->year = (unsigned)y;
    t->month = m;
    t->day = d;
    t->hour = (unsigned)(us / 3600000000LL);
    t->minute = (unsigned)(us / 60000000LL % 60);
    t->second = (unsigned)(us / 1000000LL % 60);
    t->second_part = (unsigned long)(us % 1000000LL);
    t->time_type = p->type == ETLC_TYPE_DATE ? MYSQL_TIMESTAMP_DATE : MYSQL_TIMESTAMP_DATETIME;
}

static int bind_params(MYSQL_STMT *stmt, MYSQL *conn, const etlc_fetch_request *req, MYSQL_BIND *pb, unsigned long *plen,
                       MYSQL_TIME *ptime, etlc_error *err)
{
    unsigned long expected = mysql_stmt_param_count(stmt);
    if (expected != req->nparams)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "the query has %lu parameter placeholder(s) but %zu value(s) were given", expected,
                              req->nparams);
    for (size_t i = 0; i < req->nparams; i++) {
        const etlc_param *p = &req->params[i];
        MYSQL_BIND *b = &pb[i];
        switch (p->type) {
        case ETLC_TYPE_NULL: b->buffer_type = MYSQL_TYPE_NULL; break;
        case ETLC_TYPE_BOOL:
        case ETLC_TYPE_INT64:
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = (void *)&p->i64;
            break;
        case ETLC_TYPE_DOUBLE:
            b->buffer_type = MYSQL_TYPE_DOUBLE;
            b->buffer = (void *)&p->f64;
            break;
        case ETLC_TYPE_DATE:
        case ETLC_TYPE_TIMESTAMP:
            to_mysql_time(p, &ptime[i]);
            b->buffer_type = p->type == ETLC_TYPE_DATE ? MYSQL_TYPE_DATE : MYSQL_TYPE_DATETIME;
            b->buffer = &ptime[i];
            b->buffer_length = sizeof ptime[i];
            break;
        case ETLC_TYPE_TEXT:
        case ETLC_TYPE_BYTES:
        case ETLC_TYPE_DECIMAL:
        case ETLC_TYPE_JSON:
            /* A DECIMAL goes as an exact decimal (a string would compare
             * with a DECIMAL column as a double). */
            b->buffer_type = p->type == ETLC_TYPE_BYTES     ? MYSQL_TYPE_BLOB
                           : p->type == ETLC_TYPE_DECIMAL ? MYSQL_TYPE_NEWDECIMAL
                                                            : MYSQL_TYPE_STRING;
            b->buffer = (void *)p->data;
            plen[i] = (unsigned long)p->len;
            b->buffer_length = plen[i];
            b->length = &plen[i];
            break;
        default:
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "parameter %zu has type %s, which cannot be bound",
                                  i + 1, etlc_type_name(p->type));
        }
    }
    if (req->nparams && mysql_stmt_bind_param(stmt, pb) != 0)
        return etlc__my_stmt_error(err, stmt, conn, "cannot bind the parameters");
    return 0;
}

static void bind_result(MYSQL_BIND *rb, slot *s, const my_column *col, const MYSQL_FIELD *f)
{
    memset(rb, 0, sizeof *rb);
    rb->is_null = &s->is_null;
    rb->error = &s->error;
    rb->length = &s->length;
    switch (col->kind) {
    case MY_K_INT:
    case MY_K_UINT64:
    case MY_K_BOOL:
        rb->buffer_type = MYSQL_TYPE_LONGLONG;
        rb->buffer = &s->v.i64;
        rb->is_unsigned = (f->flags & UNSIGNED_FLAG) != 0;
        break;
    case MY_K_FLOAT:
        rb->buffer_type = MYSQL_TYPE_FLOAT;
        rb->buffer = &s->v.f32;
        break;
    case MY_K_DOUBLE:
        rb->buffer_type = MYSQL_TYPE_DOUBLE;
        rb->buffer = &s->v.f64;
        break;
    case MY_K_DATE:
    case MY_K_DATETIME:
    case MY_K_TIME:
        rb->buffer_type = col->kind == MY_K_DATE ? MYSQL_TYPE_DATE
                        : col->kind == MY_K_TIME ? MYSQL_TYPE_TIME
                                                 : MYSQL_TYPE_DATETIME;
        rb->buffer = &s->v.tm;
        rb->buffer_length = sizeof s->v.tm;
        break;
    default:
        if (f->type == MYSQL_TYPE_NULL) {
            rb->buffer_type = MYSQL_TYPE_NULL;
            break;
        }
        rb->buffer_type = MYSQL_TYPE_BLOB; /* exact bytes, no terminator needed */
        rb->buffer = s->buf;
        rb->buffer_length = s->cap;
        break;
    }
}

/* Re-read truncated variable-width columns whole, growing their buffers. */
static int refetch_truncated(MYSQL_STMT *stmt, MYSQL *conn, MYSQL_BIND *rb, slot *slots, const my_column *cols, size_t ncols,
                             const MYSQL_FIELD *fields, uint64_t row, etlc_error *err)
{
    for (size_t c = 0; c < ncols; c++) {
        if (!slots[c].error || slots[c].is_null)
            continue;
        if (!variable(cols[c].kind))
            return etlc_error_set(err, ETLC_DATA_TYPE, "column '%s' row %llu: the value does not fit its %s type",
                                  fields[c].name, (unsigned long long)row + 1, etlc_type_name(cols[c].type));
        unsigned long need = slots[c].length;
        char *grown = realloc(slots[c].buf, need ? need : 1);
        if (!grown)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading column '%s' (%lu bytes) at row %llu",
                                  fields[c].name, need, (unsigned long long)row + 1);
        slots[c].buf = grown;
        slots[c].cap = need ? need : 1;
        rb[c].buffer = grown;
        rb[c].buffer_length = slots[c].cap;
        if (mysql_stmt_fetch_column(stmt, &rb[c], (unsigned)c, 0) != 0)
            return etlc__my_stmt_error(err, stmt, conn, "cannot re-read a long value");
        slots[c].error = 0;
    }
    /* Keep the larger buffers for the rows that follow. */
    if (mysql_stmt_bind_result(stmt, rb) != 0)
        return etlc__my_stmt_error(err, stmt, conn, "cannot bind the result buffers");
    return 0;
}

static int append_slot(etlc_batch *b, size_t c, const my_column *col, const MYSQL_BIND *rb, const slot *s,
                       uint64_t row, const my_type_options *opt, etlc_error *err)
{
    if (s->is_null || rb->buffer_type == MYSQL_TYPE_NULL)
        return etlc_batch_append_null(b, c, err);
    switch (col->kind) {
    case MY_K_INT:
    case MY_K_UINT64:
    case MY_K_BOOL:
        return etlc__my_append_int(b, c, col, s->v.i64, rb->is_unsigned, row, err);
    case MY_K_FLOAT:
        if (col->widen_float)
            return etlc_batch_append_double(b, c, (double)s->v.f32, err);
        return etlc__my_append_float(b, c, s->v.f32, err);
    case MY_K_DOUBLE:
        return etlc_batch_append_double(b, c, s->v.f64, err);
    case MY_K_DATE:
    case MY_K_DATETIME:
    case MY_K_TIME:
        return etlc__my_append_time(b, c, col, &s->v.tm, row, opt, err);
    default:
        return etlc__my_append_text(b, c, col, s->buf, s->length, row, opt, err);
    }
}

int etlc__my_fetch_prepared(my_ctx *ctx, MYSQL *conn, const etlc_fetch_request *req,
                            const my_type_options *types, etlc_batch_consumer consumer, bool *reusable,
                            etlc_error *err)
{
    if (!types)
        types = &ctx->types;
    MYSQL_STMT *stmt = mysql_stmt_init(conn);
    if (!stmt)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating a prepared statement");
    MYSQL_BIND *pb = calloc(req->nparams ? req->nparams : 1, sizeof *pb);
    unsigned long *plen = calloc(req->nparams ? req->nparams : 1, sizeof *plen);
    MYSQL_TIME *ptime = calloc(req->nparams ? req->nparams : 1, sizeof *ptime);
    MYSQL_RES *meta = NULL;
    MYSQL_BIND *rb = NULL;
    slot *slots = NULL;
    my_column *cols = NULL;
    etlc_batch *batch = NULL;
    size_t ncols = 0;
    bool streaming = false, done = false;
    uint64_t row = 0;
    int rc = pb && plen && ptime ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory binding parameters");
    if (rc == 0 && mysql_stmt_prepare(stmt, req->query, (unsigned long)strlen(req->query)) != 0)
        rc = etlc__my_stmt_error(err, stmt, conn, "cannot prepare the query");
    if (rc == 0)
        rc = bind_params(stmt, conn, req, pb, plen, ptime, err);
    if (rc == 0 && mysql_stmt_field_count(stmt) == 0)
        rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                            "the statement returns no columns; fetch runs queries that return rows");
    if (rc == 0 && mysql_stmt_execute(stmt) != 0)
        rc = etlc__my_stmt_error(err, stmt, conn, "query failed");
    if (rc == 0) {
        streaming = true;
        if (!(meta = mysql_stmt_result_metadata(stmt)))
            rc = etlc__my_stmt_error(err, stmt, conn, "cannot read the result's columns");
    }
    const MYSQL_FIELD *fields = NULL;
    if (rc == 0) {
        ncols = mysql_num_fields(meta);
        fields = mysql_fetch_fields(meta);
        rb = calloc(ncols, sizeof *rb);
        slots = calloc(ncols, sizeof *slots);
        cols = calloc(ncols, sizeof *cols);
        if (!rb || !slots || !cols)
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory describing columns");
    }
    if (rc == 0)
        rc = etlc__my_make_batch(fields, ncols, cols, types, req->batch_rows ? req->batch_rows : 10000,
                                 &batch, err);
    for (size_t c = 0; rc == 0 && c < ncols; c++) {
        if (variable(cols[c].kind) || cols[c].kind == MY_K_TEXT) {
            slots[c].cap = VAR_INITIAL;
            if (!(slots[c].buf = malloc(VAR_INITIAL)))
                rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory for result buffers");
        }
        if (rc == 0)
            bind_result(&rb[c], &slots[c], &cols[c], &fields[c]);
    }
    if (rc == 0 && mysql_stmt_bind_result(stmt, rb) != 0)
        rc = etlc__my_stmt_error(err, stmt, conn, "cannot bind the result buffers");
    while (rc == 0) {
        int f = mysql_stmt_fetch(stmt);
        if (f == MYSQL_NO_DATA) {
            done = true;
            break;
        }
        if (f == 1) {
            char what[80];
            snprintf(what, sizeof what, "reading the result failed after %llu rows", (unsigned long long)row);
            rc = etlc__my_stmt_error(err, stmt, conn, what);
            break;
        }
        if (f == MYSQL_DATA_TRUNCATED)
            rc = refetch_truncated(stmt, conn, rb, slots, cols, ncols, fields, row, err);
        for (size_t c = 0; c < ncols && rc == 0; c++)
            rc = append_slot(batch, c, &cols[c], &rb[c], &slots[c], row, types, err);
        if (rc == 0)
            rc = etlc_batch_end_row(batch, err);
        row++;
        if (rc == 0)
            rc = etlc_batch_flush(batch, consumer, false, err);
    }
    if (rc == 0)
        rc = etlc_batch_flush(batch, consumer, true, err);
    if (streaming && !done) {
        etlc__my_abort_stream(conn);
        *reusable = false;
    }
    if (rc == 0)
        etlc_log(ETLC_LOG_INFO, "mysql", "fetched %llu rows (prepared statement)", (unsigned long long)row);
    mysql_free_result(meta);
    mysql_stmt_close(stmt);
    for (size_t c = 0; slots && c < ncols; c++)
        free(slots[c].buf);
    free(slots);
    free(rb);
    free(cols);
    free(pb);
    free(plen);
    free(ptime);
    etlc_batch_free(batch);
    return rc;
}
