/* The statements of an extraction. Every name is quoted for the dialect
 * and every value is a bound parameter; only our own integers (LIMIT, the
 * modulo of a slice, the boundaries of a range slice computed from the
 * column's min/max) are written into the text. A full partitioned read thus
 * has no parameters, which lets PostgreSQL stream it with COPY. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/extract_internal.h"

static int col_ref(const etlc_sql_ops *sql, const char *name, const char *what, char **out, etlc_error *err)
{
    char *q = NULL;
    int rc = etlc_sql_quote_ident(sql, name, false, what, &q, err);
    if (rc)
        return rc;
    etlc__buf b = {0};
    rc = etlc__buf_printf(&b, "etlc_src.%s", q);
    free(q);
    if (rc)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory quoting %s", what);
    *out = etlc__buf_take(&b);
    return 0;
}

void etlc__ext_plan_free(ext_plan *p)
{
    free(p->relation);
    for (size_t i = 0; i < EXT_MAX_CURSOR_COLS; i++)
        free(p->cur[i]);
    free(p->part);
    memset(p, 0, sizeof *p);
}

int etlc__ext_plan_build(const etlc_sql_ops *sql, const etlc_extract_options *o, ext_plan *p, etlc_error *err)
{
    memset(p, 0, sizeof *p);
    p->sql = sql;
    int rc = 0;
    if ((o->table == NULL) == (o->query == NULL))
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "give either a table or a query to extract (not %s)",
                              o->table ? "both" : "neither");
    if (o->table) {
        char *q = NULL;
        rc = etlc_sql_quote_ident(sql, o->table, true, "table name", &q, err);
        if (rc)
            return rc;
        p->relation = q;
    } else {
        size_t n = strlen(o->query);
        while (n > 0 && (o->query[n - 1] == ';' || o->query[n - 1] == ' ' || o->query[n - 1] == '\n' ||
                         o->query[n - 1] == '\t' || o->query[n - 1] == '\r'))
            n--;
        if (n == 0)
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "the query to extract is empty");
        etlc__buf b = {0};
        if (etlc__buf_puts(&b, "(") || etlc__buf_append(&b, o->query, n) || etlc__buf_puts(&b, "\n)"))
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory copying the query");
        p->relation = etlc__buf_take(&b);
    }
    if (o->nkeys + 1 > EXT_MAX_CURSOR_COLS) {
        etlc__ext_plan_free(p);
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "at most %d key columns are supported (%zu given)",
                              EXT_MAX_CURSOR_COLS - 1, o->nkeys);
    }
    if (o->watermark) {
        p->has_watermark = true;
        rc = col_ref(sql, o->watermark, "watermark column", &p->cur[p->ncur++], err);
    }
    for (size_t i = 0; rc == 0 && i < o->nkeys; i++) {
        /* A key equal to the watermark adds nothing to the order. */
        if (o->watermark && strcmp(o->keys[i], o->watermark) == 0)
            continue;
        rc = col_ref(sql, o->keys[i], "key column", &p->cur[p->ncur++], err);
    }
    if (rc == 0 && o->partition_on)
        rc = col_ref(sql, o->partition_on, "partition column", &p->part, err);
    if (rc)
        etlc__ext_plan_free(p);
    return rc;
}

void etlc__ext_stmt_free(ext_stmt *s) { etlc__buf_free(&s->sql); }

/* Append a placeholder bound to `v`. */
static int bind(const ext_plan *p, ext_stmt *st, const etlc_value *v)
{
    if (st->nparams >= ETLC__ARRAY_LEN(st->params))
        return -1;
    etlc_param *par = &st->params[st->nparams++];
    memset(par, 0, sizeof *par);
    par->type = v->type;
    par->i64 = v->i64;
    par->f64 = v->f64;
    par->data = v->data;
    par->len = v->len;
    if (p->sql->placeholder == ETLC_SQL_PLACEHOLDER_DOLLAR)
        return etlc__buf_printf(&st->sql, "$%zu", st->nparams);
    return etlc__buf_putc(&st->sql, '?');
}

/* An integer we computed, as a literal every dialect reads as one: in
 * parentheses, INT64_MIN as an expression (its digits alone overflow). */
static int put_int(ext_stmt *st, int64_t v)
{
    if (v == INT64_MIN)
        return etlc__buf_puts(&st->sql, "(-9223372036854775807 - 1)");
    return etlc__buf_printf(&st->sql, "(%lld)", (long long)v);
}

/* (c0 > v0 OR (c0 = v0 AND (c1 > v1 OR (c1 = v1 AND c2 > v2)))) */
static int lexicographic_after(const ext_plan *p, ext_stmt *st, const ext_cursor *c)
{
    int rc = 0;
    for (size_t i = 0; i < c->n && rc == 0; i++) {
        rc = etlc__buf_printf(&st->sql, "(%s > ", p->cur[i]);
        rc = rc ? rc : bind(p, st, &c->v[i]);
        if (rc == 0 && i + 1 < c->n) {
            rc = etlc__buf_printf(&st->sql, " OR (%s = ", p->cur[i]);
            rc = rc ? rc : bind(p, st, &c->v[i]);
            rc = rc ? rc : etlc__buf_puts(&st->sql, " AND ");
        }
    }
    for (size_t i = 0; i < c->n && rc == 0; i++)
        rc = etlc__buf_puts(&st->sql, i + 1 < c->n ? "))" : ")");
    return rc;
}

static int slice_cond(const ext_plan *p, ext_stmt *st, const ext_slice *s)
{
    int rc = 0;
    if (s->kind == EXT_SLICE_BLOCKS) { /* PostgreSQL >= 14 scans just these blocks (TID range scan) */
        if (s->has_lo)
            rc = etlc__buf_printf(&st->sql, "etlc_src.ctid >= '(%lld,0)'::tid", (long long)s->lo);
        if (rc == 0 && s->has_hi)
            rc = etlc__buf_printf(&st->sql, "%setlc_src.ctid < '(%lld,0)'::tid", s->has_lo ? " AND " : "",
                                  (long long)s->hi);
        if (rc == 0 && !s->has_lo && !s->has_hi)
            rc = etlc__buf_puts(&st->sql, "TRUE");
        return rc;
    }
    if (s->kind == EXT_SLICE_RANGE) {
        if (!s->has_lo) {
            rc = etlc__buf_printf(&st->sql, "(%s IS NULL OR %s < ", p->part, p->part);
            rc = rc ? rc : put_int(st, s->hi);
            return rc ? rc : etlc__buf_putc(&st->sql, ')');
        }
        rc = etlc__buf_printf(&st->sql, "%s >= ", p->part);
        rc = rc ? rc : put_int(st, s->lo);
        if (rc == 0 && s->has_hi) {
            rc = etlc__buf_printf(&st->sql, " AND %s < ", p->part);
            rc = rc ? rc : put_int(st, s->hi);
        }
        return rc;
    }
    rc = etlc__buf_printf(&st->sql, "((((%s %% %u) + %u) %% %u) = %u", p->part, s->count, s->count, s->count,
                          s->index);
    if (rc == 0 && s->index == 0)
        rc = etlc__buf_printf(&st->sql, " OR %s IS NULL", p->part);
    return rc ? rc : etlc__buf_putc(&st->sql, ')');
}

int etlc__ext_page_sql(const ext_plan *p, const ext_cursor *from, const etlc_value *upper,
                       const ext_slice *slice, size_t limit, ext_stmt *st, etlc_error *err)
{
    memset(st, 0, sizeof *st);
    if (slice && slice->kind != EXT_SLICE_ALL && slice->kind != EXT_SLICE_BLOCKS && !p->part)
        return etlc_error_set(err, ETLC_INTERNAL, "a slice needs a partition column");
    int rc = etlc__buf_puts(&st->sql, "SELECT etlc_src.*");
    for (size_t i = 0; i < p->ncur && rc == 0; i++) {
        rc = etlc__buf_puts(&st->sql, ", ");
        rc = rc ? rc : etlc__buf_printf(&st->sql, p->sql->raw_value_format, p->cur[i]);
        rc = rc ? rc : etlc__buf_printf(&st->sql, " AS etlc__c%zu", i);
    }
    rc = rc ? rc : etlc__buf_printf(&st->sql, " FROM %s AS etlc_src", p->relation);
    const char *glue = " WHERE ";
    if (rc == 0 && p->has_watermark) {
        rc = etlc__buf_puts(&st->sql, glue);
        glue = " AND ";
        switch (from->kind) {
        case EXT_CURSOR_NONE: rc = rc ? rc : etlc__buf_printf(&st->sql, "%s IS NOT NULL", p->cur[0]); break;
        case EXT_CURSOR_AFTER_VALUE:
        case EXT_CURSOR_FROM_VALUE:
            rc = rc ? rc : etlc__buf_printf(&st->sql, "%s %s ", p->cur[0], from->kind == EXT_CURSOR_FROM_VALUE ? ">=" : ">");
            rc = rc ? rc : bind(p, st, &from->v[0]);
            break;
        case EXT_CURSOR_AFTER_ROW: rc = rc ? rc : lexicographic_after(p, st, from); break;
        }
        if (rc == 0 && upper) {
            rc = etlc__buf_printf(&st->sql, " AND %s <= ", p->cur[0]);
            rc = rc ? rc : bind(p, st, upper);
        }
    } else if (rc == 0 && from->kind == EXT_CURSOR_AFTER_ROW) {
        rc = etlc__buf_puts(&st->sql, glue);
        glue = " AND ";
        rc = rc ? rc : lexicographic_after(p, st, from);
    }
    if (rc == 0 && slice && slice->kind != EXT_SLICE_ALL) {
        rc = etlc__buf_puts(&st->sql, glue);
        rc = rc ? rc : slice_cond(p, st, slice);
    }
    for (size_t i = 0; i < p->ncur && rc == 0; i++)
        rc = etlc__buf_printf(&st->sql, "%s%s", i ? ", " : " ORDER BY ", p->cur[i]);
    if (rc == 0 && limit)
        rc = etlc__buf_printf(&st->sql, " LIMIT %zu", limit);
    if (rc) {
        etlc__ext_stmt_free(st);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the page query");
    }
    return 0;
}

int etlc__ext_agg_sql(const ext_plan *p, const char *agg, const char *col, ext_stmt *st, etlc_error *err)
{
    memset(st, 0, sizeof *st);
    etlc__buf inner = {0};
    int rc = etlc__buf_printf(&inner, "%s(%s)", agg, col);
    rc = rc ? rc : etlc__buf_puts(&st->sql, "SELECT ");
    rc = rc ? rc : etlc__buf_printf(&st->sql, p->sql->raw_value_format, inner.data);
    rc = rc ? rc : etlc__buf_printf(&st->sql, " AS etlc_agg FROM %s AS etlc_src", p->relation);
    etlc__buf_free(&inner);
    if (rc) {
        etlc__ext_stmt_free(st);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the %s query", agg);
    }
    return 0;
}

int etlc__ext_minmax_sql(const ext_plan *p, const char *col, ext_stmt *st, etlc_error *err)
{
    memset(st, 0, sizeof *st);
    etlc__buf lo = {0}, hi = {0};
    int rc = etlc__buf_printf(&lo, "MIN(%s)", col);
    rc = rc ? rc : etlc__buf_printf(&hi, "MAX(%s)", col);
    rc = rc ? rc : etlc__buf_puts(&st->sql, "SELECT ");
    rc = rc ? rc : etlc__buf_printf(&st->sql, p->sql->raw_value_format, lo.data);
    rc = rc ? rc : etlc__buf_puts(&st->sql, " AS etlc_min, ");
    rc = rc ? rc : etlc__buf_printf(&st->sql, p->sql->raw_value_format, hi.data);
    rc = rc ? rc : etlc__buf_printf(&st->sql, " AS etlc_max FROM %s AS etlc_src", p->relation);
    etlc__buf_free(&lo);
    etlc__buf_free(&hi);
    if (rc) {
        etlc__ext_stmt_free(st);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the MIN/MAX query");
    }
    return 0;
}
