/* A ValueRange's rows -> a record batch. The header row names the columns
 * (an empty name becomes column_<n>, a repeated one <name>_<k>: the
 * project's column-name rule, src/sinks/column_names.h). Each column's type
 * comes from all its non-empty cells: only booleans -> bool, only whole
 * numbers -> int64, numbers -> double, numbers in a column whose first data
 * row is formatted DATE, TIME or DATE_TIME -> timestamp (the serial number:
 * days since 1899-12-30, UTC), anything mixed -> text. Missing cells
 * (Sheets drops trailing empty ones; rows may be ragged) and empty strings
 * are NULL. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsheets_internal.h"
#include "sinks/column_names.h"

static json_t *cell(json_t *row, size_t c)
{
    json_t *v = json_array_get(row, c);
    if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
        return NULL;
    return v;
}

static etlc_type kind_of(json_t *v)
{
    if (json_is_boolean(v))
        return ETLC_TYPE_BOOL;
    if (json_is_integer(v))
        return ETLC_TYPE_INT64;
    if (json_is_real(v)) {
        double d = json_real_value(v);
        return d == floor(d) && fabs(d) < 9.0e15 ? ETLC_TYPE_INT64 : ETLC_TYPE_DOUBLE;
    }
    return ETLC_TYPE_TEXT;
}

static etlc_type merge(etlc_type have, etlc_type seen)
{
    if (have == ETLC_TYPE_NULL || have == seen)
        return seen;
    if ((have == ETLC_TYPE_INT64 && seen == ETLC_TYPE_DOUBLE) ||
        (have == ETLC_TYPE_DOUBLE && seen == ETLC_TYPE_INT64))
        return ETLC_TYPE_DOUBLE;
    return ETLC_TYPE_TEXT;
}

static etlc_type column_type(json_t *values, size_t first, size_t c, bool is_date)
{
    etlc_type t = ETLC_TYPE_NULL;
    for (size_t r = first; r < json_array_size(values); r++) {
        json_t *v = cell(json_array_get(values, r), c);
        if (v)
            t = merge(t, kind_of(v));
    }
    if (is_date && (t == ETLC_TYPE_INT64 || t == ETLC_TYPE_DOUBLE))
        return ETLC_TYPE_TIMESTAMP;
    return t == ETLC_TYPE_NULL ? ETLC_TYPE_TEXT : t; /* an all-empty column stays text */
}

static double number(json_t *v) { return json_number_value(v); }

static int append_text(etlc_batch *b, size_t c, json_t *v, etlc_error *err)
{
    char tmp[64];
    const char *s = tmp;
    if (json_is_string(v))
        s = json_string_value(v);
    else if (json_is_boolean(v))
        s = json_is_true(v) ? "TRUE" : "FALSE";
    else if (json_is_integer(v))
        snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
    else
        snprintf(tmp, sizeof tmp, "%.17g", number(v));
    return etlc_batch_append_var(b, c, ETLC_TYPE_TEXT, s, strlen(s), err);
}

static int append(etlc_batch *b, size_t c, json_t *v, etlc_error *err)
{
    if (!v)
        return etlc_batch_append_null(b, c, err);
    switch (b->cols[c].def.type) {
    case ETLC_TYPE_BOOL: return etlc_batch_append_bool(b, c, json_is_true(v), err);
    case ETLC_TYPE_INT64: return etlc_batch_append_int64(b, c, (int64_t)number(v), err);
    case ETLC_TYPE_DOUBLE: return etlc_batch_append_double(b, c, number(v), err);
    case ETLC_TYPE_TIMESTAMP: /* serial days since 1899-12-30, to the millisecond */
        return etlc_batch_append_timestamp(b, c, llround((number(v) - 25569.0) * 86400000.0) * 1000,
                                           err);
    default: return append_text(b, c, v, err);
    }
}

/* Column names from the header row (or none) after the column-name rule. */
static int names(const gs_ctx *ctx, json_t *values, etlc_column_def *defs, size_t ncols,
                 etlc_error *err)
{
    const char **raw = calloc(ncols, sizeof *raw);
    char **tmp = calloc(ncols, sizeof *tmp), **settled = NULL, *note = NULL;
    json_t *header = ctx->header_row ? json_array_get(values, 0) : NULL;
    int rc = raw && tmp ? 0 : -1;
    for (size_t c = 0; rc == 0 && c < ncols; c++) {
        json_t *h = cell(header, c);
        tmp[c] = !h ? etlc__strdup("") : json_is_string(h) ? etlc__strdup(json_string_value(h))
                                      : json_dumps(h, JSON_ENCODE_ANY);
        raw[c] = tmp[c];
        rc = tmp[c] ? 0 : -1;
    }
    if (rc == 0)
        rc = etlc__column_names_settle(raw, ncols, &settled, &note);
    for (size_t c = 0; rc == 0 && c < ncols; c++) {
        defs[c].name = settled ? settled[c] : tmp[c];
        if (settled)
            free(tmp[c]);
        else
            tmp[c] = NULL;
    }
    if (rc != 0)
        etlc__column_names_free(tmp, ncols);
    else
        free(tmp);
    free(settled); /* the names moved into defs */
    free(note);
    free(raw);
    return rc == 0 ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming columns");
}

int etlc__gs_batch(const gs_ctx *ctx, json_t *values, const gs_formats *fmt, const char *range,
                   etlc_batch **out, etlc_error *err)
{
    *out = NULL;
    if (values && !json_is_array(values))
        return etlc_error_set(err, ETLC_PROTOCOL, "gsheets: range '%s': `values` is not an array",
                              range);
    size_t first = ctx->header_row ? 1 : 0, nrows = json_array_size(values), ncols = 0;
    for (size_t r = 0; r < nrows; r++) {
        json_t *row = json_array_get(values, r);
        if (!json_is_array(row))
            return etlc_error_set(err, ETLC_PROTOCOL, "gsheets: range '%s': row %zu is not an "
                                  "array", range, r + 1);
        if (json_array_size(row) > ncols)
            ncols = json_array_size(row);
    }
    size_t ndefs = ncols ? ncols : 1; /* an empty range lands one empty text column */
    etlc_column_def *defs = calloc(ndefs, sizeof *defs);
    if (!defs)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    int rc = names(ctx, values, defs, ndefs, err);
    for (size_t c = 0; rc == 0 && c < ndefs; c++)
        defs[c].type = column_type(values, first, c, fmt && c < fmt->n && fmt->is_date[c]);
    size_t ndata = nrows > first ? nrows - first : 0;
    if (rc == 0)
        rc = etlc_batch_new(defs, ndefs, ndata ? ndata : 1, out, err);
    for (size_t r = first; rc == 0 && r < nrows; r++) {
        json_t *row = json_array_get(values, r);
        for (size_t c = 0; rc == 0 && c < ndefs; c++)
            rc = append(*out, c, cell(row, c), err);
        if (rc == 0)
            rc = etlc_batch_end_row(*out, err);
    }
    for (size_t c = 0; c < ndefs; c++)
        free(defs[c].name);
    free(defs);
    if (rc != 0) {
        etlc_batch_free(*out);
        *out = NULL;
    }
    return rc;
}
