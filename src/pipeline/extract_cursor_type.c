/* The start cursor against the watermark column's type: an --initial value
 * or a hand-edited checkpoint cursor that the column's values cannot be
 * compared with would select nothing, silently, run after run (SQLite
 * orders every integer before every text). The column's maximum, read in
 * the snapshot before anything is written, tells the type in every dialect:
 * typed (SQLite storage classes, MariaDB binds) or as its text form
 * (PostgreSQL's ::text). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/connector_internal.h"
#include "pipeline/extract_internal.h"

typedef enum shape { SHAPE_TEXT = 0, SHAPE_INTEGER, SHAPE_NUMBER, SHAPE_DATE, SHAPE_TIMESTAMP } shape;

static const char *const shape_names[] = {"text", "integers", "numbers", "dates", "timestamps"};

static shape text_shape(const char *s, size_t len)
{
    char *end;
    int32_t days;
    int64_t micros;
    if (len == 0)
        return SHAPE_TEXT;
    errno = 0;
    (void)strtoll(s, &end, 10);
    if (*end == '\0' && !errno && strspn(s, "+-0123456789") == len)
        return SHAPE_INTEGER;
    errno = 0;
    double d = strtod(s, &end);
    if (*end == '\0' && !errno && isfinite(d) && strspn(s, "+-0123456789.eE") == len)
        return SHAPE_NUMBER;
    if (etlc_parse_date(s, len, &days) == 0)
        return SHAPE_DATE;
    if (etlc_parse_timestamp(s, len, &micros) == 0)
        return SHAPE_TIMESTAMP;
    return SHAPE_TEXT;
}

static shape value_shape(const etlc_value *v)
{
    switch (v->type) {
    case ETLC_TYPE_INT64: return SHAPE_INTEGER;
    case ETLC_TYPE_DOUBLE:
    case ETLC_TYPE_DECIMAL: return SHAPE_NUMBER;
    case ETLC_TYPE_DATE: return SHAPE_DATE;
    case ETLC_TYPE_TIMESTAMP: return SHAPE_TIMESTAMP;
    case ETLC_TYPE_TEXT: return text_shape(v->data ? v->data : "", v->len);
    default: return SHAPE_TEXT;
    }
}

/* Whether a cursor of shape `c` compares with a column whose maximum has
 * shape `col`. A text maximum that merely looks like a whole number may be
 * a NUMERIC column's: it takes any number. */
static bool fits(shape c, shape col, bool col_typed)
{
    if (col == SHAPE_TEXT || c == col)
        return true;
    switch (col) {
    case SHAPE_INTEGER: return c == SHAPE_NUMBER && !col_typed;
    case SHAPE_NUMBER: return c == SHAPE_INTEGER;
    case SHAPE_DATE:
    case SHAPE_TIMESTAMP: return c == SHAPE_DATE || c == SHAPE_TIMESTAMP;
    default: return false;
    }
}

static void value_text(const etlc_value *v, char *buf, size_t n)
{
    switch (v->type) {
    case ETLC_TYPE_INT64: snprintf(buf, n, "%lld", (long long)v->i64); break;
    case ETLC_TYPE_DOUBLE: snprintf(buf, n, "%.17g", v->f64); break;
    case ETLC_TYPE_DATE: etlc_format_date((int32_t)v->i64, buf, n); break;
    case ETLC_TYPE_TIMESTAMP: etlc_format_timestamp(v->i64, buf, n); break;
    default: snprintf(buf, n, "%.*s", (int)(v->len > 64 ? 64 : v->len), v->data ? v->data : ""); break;
    }
}

/* The first batch's first column type (a zero-row result still has one). */
static int capture_type(void *ud, const etlc_batch *batch, etlc_error *err)
{
    (void)err;
    etlc_type *t = ud;
    if (batch->ncols > 0 && *t == ETLC_TYPE_NULL)
        *t = batch->cols[0].def.type;
    return 0;
}

/* An empty table has no maximum: the column's declared type speaks instead. */
static int declared_type(const ext_job *job, etlc_type *out, etlc_error *err)
{
    *out = ETLC_TYPE_NULL;
    etlc__buf sql = {0};
    if (etlc__buf_printf(&sql, "SELECT %s FROM %s AS etlc_src WHERE 1 = 0", job->plan.cur[0], job->plan.relation))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory checking the initial value");
    etlc_fetch_request req = {.query = sql.data, .batch_rows = 1, .cancel = etlc__run_cancel_token(job->run)};
    int rc = job->sql->snapshot_fetch(job->c->ctx, job->main_snap, &req,
                                      (etlc_batch_consumer){.on_batch = capture_type, .userdata = out}, err);
    etlc__buf_free(&sql);
    return rc;
}

static int refuse(const ext_job *job, shape col, const char *top, etlc_error *err)
{
    const ext_cursor *c = &job->start;
    char have[80];
    value_text(&c->v[0], have, sizeof have);
    if (c->kind == EXT_CURSOR_FROM_VALUE && job->o->initial)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "--initial '%s' does not parse as the watermark column '%s', which holds %s (%s); "
                              "nothing was run or saved", job->o->initial, job->o->watermark, shape_names[col], top);
    return etlc_error_set(err, ETLC_CONFIG,
                          "the checkpoint's cursor value '%s' (%s) does not parse as the watermark column '%s', "
                          "which holds %s (%s); fix or remove the checkpoint '%s'",
                          have, etlc_type_name(c->v[0].type), job->o->watermark, shape_names[col], top,
                          etlc__checkpoint_location(etlc__run_checkpoint(job->run)));
}

int etlc__ext_check_start_type(const ext_job *job, const etlc_value *max, etlc_error *err)
{
    const ext_cursor *c = &job->start;
    if (c->kind == EXT_CURSOR_NONE || c->n == 0 || c->v[0].type == ETLC_TYPE_NULL)
        return 0;
    shape cur = value_shape(&c->v[0]);
    char top[120];
    if (max->type != ETLC_TYPE_NULL) {
        shape col = value_shape(max);
        if (fits(cur, col, max->type != ETLC_TYPE_TEXT))
            return 0;
        char mv[80];
        value_text(max, mv, sizeof mv);
        snprintf(top, sizeof top, "its maximum is '%s'", mv);
        return refuse(job, col, top, err);
    }
    etlc_type declared;
    int rc = declared_type(job, &declared, err);
    etlc_value probe = {.type = declared};
    shape col = rc || declared == ETLC_TYPE_TEXT ? SHAPE_TEXT : value_shape(&probe);
    /* Declared types are looser than stored values (SQLite keeps epoch
     * integers in TIMESTAMP columns): numbers pass a date or timestamp. */
    bool loose = (col == SHAPE_DATE || col == SHAPE_TIMESTAMP) && (cur == SHAPE_INTEGER || cur == SHAPE_NUMBER);
    if (rc || loose || fits(cur, col, false))
        return rc;
    snprintf(top, sizeof top, "declared %s; the table has no rows yet", etlc_type_name(declared));
    return refuse(job, col, top, err);
}
