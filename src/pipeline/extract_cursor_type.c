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

int etlc__ext_check_start_type(const ext_job *job, const etlc_value *max, etlc_error *err)
{
    const ext_cursor *c = &job->start;
    if (c->kind == EXT_CURSOR_NONE || c->n == 0 || max->type == ETLC_TYPE_NULL ||
        c->v[0].type == ETLC_TYPE_NULL)
        return 0;
    shape col = value_shape(max), cur = value_shape(&c->v[0]);
    if (fits(cur, col, max->type != ETLC_TYPE_TEXT))
        return 0;
    char have[80], top[80];
    value_text(&c->v[0], have, sizeof have);
    value_text(max, top, sizeof top);
    if (c->kind == EXT_CURSOR_FROM_VALUE && job->o->initial)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "--initial '%s' does not parse as the watermark column '%s', which holds %s "
                              "(its maximum is '%s'); nothing was run or saved",
                              job->o->initial, job->o->watermark, shape_names[col], top);
    return etlc_error_set(err, ETLC_CONFIG,
                          "the checkpoint's cursor value '%s' (%s) does not parse as the watermark column '%s', "
                          "which holds %s (its maximum is '%s'); fix or remove the checkpoint '%s'",
                          have, etlc_type_name(c->v[0].type), job->o->watermark, shape_names[col], top,
                          etlc__checkpoint_location(etlc__run_checkpoint(job->run)));
}
