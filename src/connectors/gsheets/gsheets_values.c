/* The records capability: one page (one lake file) per A1 range. One range
 * is read with values.get, several with one values:batchGet, always with
 * valueRenderOption=UNFORMATTED_VALUE and dateTimeRenderOption=SERIAL_NUMBER.
 * The opaque next_cursor is "<index of the next range>/<hash of the range
 * list>", so a run that stopped after range k reads from range k + 1 on,
 * and a checkpoint written for another list of ranges (an empty query
 * reads the configured ones, which may have changed) is refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsheets_internal.h"

static const char render[] = "valueRenderOption=UNFORMATTED_VALUE&dateTimeRenderOption=SERIAL_NUMBER"
                             "&majorDimension=ROWS";

/* The ValueRanges of ranges[from..n): an array (owned by *doc). */
static int read_values(gs_ctx *ctx, const char *const *ranges, size_t n, json_t **doc,
                       json_t **vrs, etlc_error *err)
{
    etlc__buf pq = {0};
    int oom = etlc__buf_puts(&pq, "v4/spreadsheets/") || etlc__gs_escape(&pq, ctx->spreadsheet_id);
    if (n == 1) {
        oom = oom || etlc__buf_puts(&pq, "/values/") || etlc__gs_escape(&pq, ranges[0]) ||
              etlc__buf_printf(&pq, "?%s", render);
    } else {
        oom = oom || etlc__buf_puts(&pq, "/values:batchGet?");
        for (size_t i = 0; i < n && !oom; i++)
            oom = etlc__buf_puts(&pq, "ranges=") || etlc__gs_escape(&pq, ranges[i]) ||
                  etlc__buf_putc(&pq, '&');
        oom = oom || etlc__buf_puts(&pq, render);
    }
    int rc = oom ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building a request")
                 : etlc__gs_get_json(ctx, pq.data, n == 1 ? "gsheets: values.get"
                                                          : "gsheets: values:batchGet", doc, err);
    etlc__buf_free(&pq);
    if (rc != 0)
        return rc;
    if (n == 1) {
        json_t *arr = json_array();
        if (!arr || json_array_append(arr, *doc)) {
            json_decref(arr);
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
        }
        json_decref(*doc);
        *doc = *vrs = arr; /* the array owns the one ValueRange now */
        return 0;
    }
    *vrs = json_object_get(*doc, "valueRanges");
    if (json_array_size(*vrs) != n)
        return etlc_error_set(err, ETLC_PROTOCOL, "gsheets: values:batchGet answered %zu value "
                              "ranges for %zu ranges", json_array_size(*vrs), n);
    return 0;
}

static uint64_t ranges_hash(const char *const *ranges, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        for (const char *s = ranges[i];; s++) {
            h = (h ^ (unsigned char)*s) * 1099511628211ull;
            if (!*s)
                break;
        }
    return h;
}

static int one_range(gs_ctx *ctx, json_t *vr, const char *asked, size_t index, size_t total,
                     uint64_t hash, etlc_page_consumer pages, etlc_error *err)
{
    const char *range = json_string_value(json_object_get(vr, "range"));
    json_t *values = json_object_get(vr, "values"); /* absent for an empty range */
    gs_formats fmt = {0};
    etlc_batch *batch = NULL;
    int rc = etlc__gs_formats(ctx, range, values, &fmt, err);
    if (rc == 0)
        rc = etlc__gs_batch(ctx, values, &fmt, range ? range : asked, &batch, err);
    char next[48];
    snprintf(next, sizeof next, "%zu/%016llx", index + 1, (unsigned long long)hash);
    if (rc == 0) {
        etlc_records_page pg = {.batch = batch, .next_cursor = index + 1 < total ? next : NULL};
        rc = pages.on_page(pages.userdata, &pg, err);
    }
    etlc_batch_free(batch);
    free(fmt.is_date);
    return rc;
}

int etlc__gs_fetch_pages(void *vctx, const etlc_records_request *req, etlc_page_consumer pages,
                         etlc_error *err)
{
    gs_ctx *ctx = vctx;
    const char *one = req->resource && *req->resource ? req->resource : NULL;
    const char *const *ranges = one ? &one : ctx->ranges;
    size_t n = one ? 1 : ctx->nranges;
    if (n == 0)
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "gsheets: no range to read: set "
                              "`range` or name one in the fetch (Sheet1!A1:F)");
    size_t from = 0;
    uint64_t hash = ranges_hash(ranges, n);
    if (req->cursor) {
        char *end = NULL;
        unsigned long long k = strtoull(req->cursor, &end, 10);
        if (!end || *end != '/' || k >= n || strtoull(end + 1, NULL, 16) != hash)
            return etlc_error_set(err, ETLC_DATA, "gsheets: the checkpoint's position '%s' was "
                                  "written for another list of ranges (%zu now); remove the "
                                  "checkpoint to read them from the first", req->cursor, n);
        from = (size_t)k;
    }
    json_t *doc = NULL, *vrs = NULL;
    int rc = read_values(ctx, ranges + from, n - from, &doc, &vrs, err);
    for (size_t i = from; rc == 0 && i < n; i++)
        rc = one_range(ctx, json_array_get(vrs, i - from), ranges[i], i, n, hash, pages, err);
    json_decref(doc);
    return rc;
}
