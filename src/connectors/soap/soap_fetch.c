/* The records and bytes capabilities of the soap connector. Records: the
 * response is pushed into the streaming reader as it arrives and each full
 * batch goes out as a page (its cursor "rows:N" resumes by calling again
 * and skipping N rows). Bytes: the response XML lands as it is, one
 * resource "<operation>.xml" per fetch. Both stop at max_response_size. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soap_call.h"

typedef struct pager {
    soap_ctx *ctx;
    soap_reader *reader;
    etlc_page_consumer pages;
    size_t got;               /* response bytes so far */
} pager;

static int page_out(void *ud, etlc_batch *batch, bool final, etlc_error *err)
{
    pager *p = ud;
    char cursor[48];
    snprintf(cursor, sizeof cursor, "rows:%" PRIu64, etlc__soap_reader_rows(p->reader));
    etlc_records_page page = {.batch = batch, .next_cursor = final ? NULL : cursor};
    int rc = p->pages.on_page(p->pages.userdata, &page, err);
    uint64_t next = batch->batch_index + 1;
    etlc_batch_reset(batch);
    batch->batch_index = next;
    return rc;
}

static int too_big(size_t *got, size_t n, size_t max, etlc_error *err)
{
    *got += n;
    if (*got > max)
        return etlc_error_set(err, ETLC_IO, "soap: the response is larger than max_response_size "
                              "(%zu bytes)", max);
    return 0;
}

static int to_reader(void *ud, const void *data, size_t len, etlc_error *err)
{
    pager *p = ud;
    int rc = too_big(&p->got, len, p->ctx->max_response, err);
    return rc ? rc : etlc__soap_reader_push(p->reader, data, len, err);
}

static int resume_at(const char *cursor, uint64_t *rows, etlc_error *err)
{
    char *end;
    *rows = 0;
    if (!cursor)
        return 0;
    if (strncmp(cursor, "rows:", 5) == 0) {
        *rows = strtoull(cursor + 5, &end, 10);
        if (end != cursor + 5 && !*end)
            return 0;
    }
    return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "soap: cursor '%.60s' is not one this "
                          "connector handed out", cursor);
}

int etlc__soap_fetch_pages(void *vctx, const etlc_records_request *req, etlc_page_consumer pages,
                           etlc_error *err)
{
    soap_ctx *ctx = vctx;
    soap_call call;
    soap_rowspec rs = {0};
    pager p = {.ctx = ctx, .pages = pages};
    uint64_t skip = 0;
    int rc = resume_at(req->cursor, &skip, err);
    if (rc == 0)
        rc = etlc__soap_call_prepare(ctx, req->resource, req->params, req->nparams, &call, err);
    if (rc == 0)
        rc = etlc__soap_rowspec(&ctx->wsdl, &call.op, ctx->row_element, &rs, err);
    if (rc == 0)
        rc = etlc__soap_reader_new(&rs, req->batch_rows, page_out, &p, &p.reader, err);
    if (rc == 0) {
        etlc__soap_reader_skip(p.reader, skip);
        rc = etlc__soap_call_send(ctx, &call, to_reader, &p, err);
    }
    if (rc == 0)
        rc = etlc__soap_reader_finish(p.reader, err);
    etlc__soap_reader_free(p.reader);
    etlc__soap_rowspec_free(&rs);
    etlc__soap_call_free(&call);
    return rc;
}

int etlc__soap_list(void *vctx, const etlc_list_request *req, etlc_resource_fn fn, void *userdata,
                    etlc_error *err)
{
    soap_ctx *ctx = vctx;
    const char *q = req->pattern ? req->pattern : "";
    free(ctx->bytes_resource);
    ctx->bytes_resource = etlc__strdup(q);
    size_t n = strcspn(q, " \t\r\n{");
    char name[160];
    snprintf(name, sizeof name, "%.*s.xml", (int)(n < 120 ? n : 120), q);
    for (char *c = name; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-", *c))
            *c = '_';
    if (!ctx->bytes_resource)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing '%s'", q);
    if (!n)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "soap: the query must name an operation");
    /* a call's answer has no validator: it lands on every run */
    char etag[48];
    snprintf(etag, sizeof etag, "call-%lld", (long long)etlc_now_us());
    etlc_resource res = {.name = name, .size = -1, .etag = etag, .content_type = "text/xml"};
    return fn(userdata, &res, err);
}

typedef struct tap {
    soap_ctx *ctx;
    etlc_byte_consumer bytes;
    size_t got;
} tap;

static int to_bytes(void *ud, const void *data, size_t len, etlc_error *err)
{
    tap *t = ud;
    int rc = too_big(&t->got, len, t->ctx->max_response, err);
    return rc ? rc : len ? t->bytes.on_bytes(t->bytes.userdata, data, len, err) : 0;
}

int etlc__soap_open(void *vctx, const etlc_resource *res, etlc_byte_consumer bytes,
                    etlc_error *err)
{
    soap_ctx *ctx = vctx;
    soap_call call;
    tap t = {.ctx = ctx, .bytes = bytes};
    int rc = etlc__soap_call_prepare(ctx, ctx->bytes_resource ? ctx->bytes_resource : res->name,
                                     NULL, 0, &call, err);
    if (rc == 0)
        rc = etlc__soap_call_send(ctx, &call, to_bytes, &t, err);
    etlc__soap_call_free(&call);
    return rc;
}
