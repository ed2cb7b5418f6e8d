/* The records capability: a cursor read page by page. Each page is up to
 * `rows` documents; one document is read ahead to know whether a page is
 * the last. next_cursor and the watermark are canonical extended JSON, so
 * a resumed read compares with values of their exact BSON types:
 *   cursor     {"got": n, "after": {"w": value, "id": _id}}   ("after" in incremental reads)
 *   watermark  {"w": value, "id": _id} of the last document landed
 * Without a watermark a stopped run resumes with skip = got (exact when the
 * order is stable: a sort, or no writes in between). A server lost mid-read
 * fails the page being read: nothing of it is handed on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mongo_internal.h"

typedef struct pager {
    mongo_ctx *ctx;
    const etlc_records_request *req;
    mongo_query q;
    mongo_resume r;
    mongo_schema schema;
    mongoc_cursor_t *cursor;
    bson_t *pending;          /* the document read ahead (a copy) */
    int64_t page, rows;
} pager;

static char *ext_json(const bson_t *b)
{
    size_t len;
    char *j = bson_as_canonical_extended_json(b, &len);
    char *out = j ? etlc__strndup(j, len) : NULL;
    bson_free(j);
    return out;
}

static int parse_state(const char *text, const char *what, bson_t **out, etlc_error *err)
{
    bson_error_t be;
    *out = bson_new_from_json((const uint8_t *)text, -1, &be);
    return *out ? 0 : etlc_error_set(err, ETLC_DATA, "mongodb: the checkpoint's %s is not one of "
                                     "this connector's: %s", what, be.message);
}

/* Where to start: the page cursor of a stopped run, else after the last
 * watermark. */
static int resume(pager *p, etlc_error *err)
{
    bson_t *c = NULL;
    bson_iter_t it, sub;
    if (p->req->cursor) {
        int rc = parse_state(p->req->cursor, "page cursor", &c, err);
        if (rc != 0)
            return rc;
        if (bson_iter_init_find(&it, c, "got") && BSON_ITER_HOLDS_NUMBER(&it))
            p->r.got = bson_iter_as_int64(&it);
        if (bson_iter_init_find(&it, c, "after") && BSON_ITER_HOLDS_DOCUMENT(&it) && bson_iter_recurse(&it, &sub)) {
            uint32_t len;
            const uint8_t *data;
            bson_iter_document(&it, &len, &data);
            p->r.after = bson_new_from_data(data, len);
        }
        bson_destroy(c);
        if (p->r.got < 0 || (p->q.watermark && !p->r.after))
            return etlc_error_set(err, ETLC_DATA, "mongodb: the checkpoint's page cursor is not one "
                                  "of this connector's");
        return 0;
    }
    if (p->req->watermark && p->q.watermark)
        return parse_state(p->req->watermark, "watermark", &p->r.after, err);
    return 0;
}

/* after = {"w": doc[watermark], "id": doc._id}. */
static int mark_doc(pager *p, const bson_t *doc, etlc_error *err)
{
    bson_iter_t w, id;
    if (!(bson_iter_init(&w, doc) && bson_iter_find_descendant(&w, p->q.watermark, &w)) ||
        !(bson_iter_init_find(&id, doc, "_id")))
        return etlc_error_set(err, ETLC_DATA, "mongodb: a document has no %s: an incremental fetch "
                              "needs the watermark field and _id in every document (keep both in "
                              "the projection)", bson_iter_init_find(&id, doc, "_id") ? p->q.watermark : "_id");
    if (!p->r.after && !(p->r.after = bson_new()))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    bson_reinit(p->r.after);
    if (!bson_append_iter(p->r.after, "w", 1, &w) || !bson_append_iter(p->r.after, "id", 2, &id))
        return etlc_error_set(err, ETLC_DATA, "mongodb: the watermark value is too large");
    return 0;
}

static int add_doc(pager *p, etlc_batch *b, const bson_t *doc, etlc_error *err)
{
    int rc = etlc__mongo_append_doc(b, doc, p->page, b->nrows, err);
    return rc == 0 && p->q.watermark ? mark_doc(p, doc, err) : rc;
}

static int cursor_failed(pager *p, etlc_error *err)
{
    bson_error_t be;
    if (!mongoc_cursor_error(p->cursor, &be))
        return 0;
    char what[64];
    snprintf(what, sizeof what, "reading page %lld", (long long)p->page);
    return etlc__mongo_error(&be, what, err);
}

/* The first page: its documents fix the columns, so they are copied first. */
static int first_page(pager *p, etlc_batch **out, etlc_error *err)
{
    bson_t **docs = calloc((size_t)p->rows, sizeof *docs);
    size_t n = 0;
    const bson_t *doc;
    int rc = docs ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    while (rc == 0 && n < (size_t)p->rows && mongoc_cursor_next(p->cursor, &doc))
        if (!(docs[n++] = bson_copy(doc)))
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    if (rc == 0)
        rc = cursor_failed(p, err);
    if (rc == 0)
        rc = etlc__mongo_schema_infer(&p->schema, docs, n, err);
    if (rc == 0)
        rc = etlc_batch_new(p->schema.cols, p->schema.ncols, (size_t)p->rows, out, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = add_doc(p, *out, docs[i], err);
    for (size_t i = 0; docs && i < n; i++)
        bson_destroy(docs[i]);
    free(docs);
    return rc;
}

static int next_page(pager *p, etlc_batch **out, etlc_error *err)
{
    int rc = etlc_batch_new(p->schema.cols, p->schema.ncols, (size_t)p->rows, out, err);
    if (rc == 0 && p->pending)
        rc = add_doc(p, *out, p->pending, err);
    if (p->pending)
        bson_destroy(p->pending);
    p->pending = NULL;
    const bson_t *doc;
    while (rc == 0 && (*out)->nrows < (size_t)p->rows && mongoc_cursor_next(p->cursor, &doc))
        rc = add_doc(p, *out, doc, err);
    return rc == 0 ? cursor_failed(p, err) : rc;
}

/* Read a page, look one document ahead, hand it on; *last when no more. */
static int one_page(pager *p, etlc_page_consumer pages, bool *last, etlc_error *err)
{
    etlc_batch *b = NULL;
    char *cursor = NULL, *mark = NULL;
    const bson_t *doc;
    int rc = p->schema.fixed ? next_page(p, &b, err) : first_page(p, &b, err);
    if (rc == 0 && b->nrows == (size_t)p->rows && mongoc_cursor_next(p->cursor, &doc) &&
        !(p->pending = bson_copy(doc)))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    if (rc == 0)
        rc = cursor_failed(p, err);
    if (rc == 0) {
        for (size_t c = 0; c < p->schema.ncols; c++) /* NULL columns promoted on this page */
            p->schema.cols[c].type = b->cols[c].def.type;
        p->r.got += (int64_t)b->nrows;
        *last = p->pending == NULL;
        bson_t st = BSON_INITIALIZER;
        if (!*last && (!BSON_APPEND_INT64(&st, "got", p->r.got) ||
                       (p->r.after && !BSON_APPEND_DOCUMENT(&st, "after", p->r.after)) || !(cursor = ext_json(&st))))
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing the page cursor");
        bson_destroy(&st);
        if (rc == 0 && p->q.watermark && b->nrows > 0 && !(mark = ext_json(p->r.after)))
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing the watermark");
    }
    if (rc == 0) {
        etlc_records_page pg = {.batch = b, .next_cursor = cursor, .watermark = mark};
        rc = pages.on_page(pages.userdata, &pg, err);
    }
    p->page++;
    free(cursor);
    free(mark);
    etlc_batch_free(b);
    return rc;
}

int etlc__mongo_fetch_pages(void *vctx, const etlc_records_request *req, etlc_page_consumer pages,
                            etlc_error *err)
{
    pager p = {.ctx = vctx, .req = req};
    p.rows = req->batch_rows ? (int64_t)req->batch_rows : p.ctx->batch_size;
    if (p.rows > 1000000)
        p.rows = 1000000;
    int rc = etlc__mongo_query_parse(req, &p.q, err);
    if (rc == 0)
        rc = resume(&p, err);
    if (rc == 0 && p.q.limit && p.r.got >= p.q.limit) {
        etlc_batch *empty = NULL; /* a stopped run that had read all: one empty last page */
        rc = etlc_batch_new(NULL, 0, 1, &empty, err);
        etlc_records_page pg = {.batch = empty};
        if (rc == 0)
            rc = pages.on_page(pages.userdata, &pg, err);
        etlc_batch_free(empty);
    } else if (rc == 0) {
        rc = etlc__mongo_open_cursor(p.ctx, req->resource, &p.q, &p.r, p.rows, &p.cursor, err);
        bool last = false;
        while (rc == 0 && !last)
            rc = one_page(&p, pages, &last, err);
    }
    if (p.cursor)
        mongoc_cursor_destroy(p.cursor);
    if (p.pending)
        bson_destroy(p.pending);
    if (p.r.after)
        bson_destroy(p.r.after);
    etlc__mongo_schema_free(&p.schema);
    etlc__mongo_query_free(&p.q);
    return rc;
}
