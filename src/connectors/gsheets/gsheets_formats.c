/* Which columns of a range are dates. The cheap way chosen: one
 * spreadsheets.get of the first data row only (from the normalized range
 * the values reply states, e.g. Data!A1:F7 -> Data!A2:F2) with the field
 * mask sheets(data(rowData(values(userEnteredFormat(numberFormat(type)))))):
 * a column is a date column when that cell's number format type is DATE,
 * TIME or DATE_TIME. No request at all when the first data row holds no
 * number. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "gsheets_internal.h"

static const char mask[] = "sheets(data(rowData(values(userEnteredFormat(numberFormat(type))))))";

/* "Sheet!A1:F7" -> "Sheet!A<row>:F<row>" for the given row offset from the
 * range's first row; NULL when the range is not of that shape. */
static char *row_range(const char *range, size_t offset)
{
    const char *bang = strrchr(range, '!');
    const char *cells = bang ? bang + 1 : range;
    size_t c1 = 0, r1len = 0;
    while (isalpha((unsigned char)cells[c1]))
        c1++;
    while (isdigit((unsigned char)cells[c1 + r1len]))
        r1len++;
    if (c1 == 0 || r1len == 0)
        return NULL;
    long row = strtol(cells + c1, NULL, 10) + (long)offset;
    const char *end = strchr(cells, ':');
    const char *c2 = end ? end + 1 : cells;
    size_t c2len = 0;
    while (isalpha((unsigned char)c2[c2len]))
        c2len++;
    etlc__buf b = {0};
    if (etlc__buf_printf(&b, "%.*s%.*s%ld:%.*s%ld", (int)(cells - range), range, (int)c1, cells,
                         row, (int)c2len, c2, row))
        return NULL;
    return etlc__buf_take(&b);
}

static bool has_number(json_t *row)
{
    size_t i;
    json_t *v;
    json_array_foreach(row, i, v)
        if (json_is_number(v))
            return true;
    return false;
}

static void mark(json_t *doc, gs_formats *fmt)
{
    json_t *vals = json_object_get(json_array_get(json_object_get(
        json_array_get(json_object_get(json_array_get(json_object_get(doc, "sheets"), 0), "data"), 0),
        "rowData"), 0), "values");
    for (size_t c = 0; c < fmt->n && c < json_array_size(vals); c++) {
        json_t *nf = json_object_get(json_object_get(json_array_get(vals, c), "userEnteredFormat"),
                                     "numberFormat");
        const char *t = json_string_value(json_object_get(nf, "type"));
        fmt->is_date[c] = t && (!strcmp(t, "DATE") || !strcmp(t, "TIME") || !strcmp(t, "DATE_TIME"));
    }
}

int etlc__gs_formats(gs_ctx *ctx, const char *range, json_t *values, gs_formats *fmt,
                     etlc_error *err)
{
    *fmt = (gs_formats){0};
    size_t first = ctx->header_row ? 1 : 0;
    json_t *row = json_array_get(values, first);
    if (!range || !has_number(row))
        return 0;
    char *one = row_range(range, first);
    if (!one) {
        etlc_log(ETLC_LOG_DEBUG, "gsheets", "range '%s': no row bounds, dates stay numbers", range);
        return 0;
    }
    etlc__buf pq = {0};
    int oom = etlc__buf_printf(&pq, "v4/spreadsheets/") || etlc__gs_escape(&pq, ctx->spreadsheet_id) ||
              etlc__buf_puts(&pq, "?ranges=") || etlc__gs_escape(&pq, one) ||
              etlc__buf_puts(&pq, "&fields=") || etlc__gs_escape(&pq, mask);
    free(one);
    fmt->n = json_array_size(row);
    fmt->is_date = calloc(fmt->n ? fmt->n : 1, sizeof *fmt->is_date);
    json_t *doc = NULL;
    int rc = oom || !fmt->is_date ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory")
                                  : etlc__gs_get_json(ctx, pq.data, "gsheets: spreadsheets.get "
                                                      "(number formats)", &doc, err);
    if (rc == 0)
        mark(doc, fmt);
    json_decref(doc);
    etlc__buf_free(&pq);
    return rc;
}
