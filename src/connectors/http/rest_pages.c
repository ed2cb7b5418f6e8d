/* The records capability of the http connector: page after page, as the
 * configured pagination says, each page's records (at records_path) handed
 * on as one batch. The opaque next_cursor is JSON {"url", "n", "got",
 * "since"}: the next request's URL, the page number or offset it stands
 * for, records read so far in the run and the run's incremental lower
 * bound, so a resumed run continues exactly there. Guards: max_pages, and a
 * next URL (which holds any cursor token) seen before in the run is an error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_load.h"
#include "rest_internal.h"

typedef struct pager {
    rest_ctx *ctx;
    const etlc_records_request *req;
    char *url;           /* of the page being read */
    int64_t n;           /* offset (offset paging) or page number (page paging) */
    int64_t got;         /* records read so far in this run */
    char *since;         /* incremental lower bound of this run (text), or NULL */
    json_t *max;         /* largest cursor_field value so far */
    uint64_t *seen;      /* hashes of URLs requested in this run */
    size_t nseen, capseen;
    etlc__json_columns schema;
    etlc__jscan scan;    /* reused page after page */
} pager;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Remember url; ETLC_PROTOCOL if this run asked for it before. */
static int guard_repeat(pager *p, const char *url, etlc_error *err)
{
    uint64_t h = fnv1a(url);
    for (size_t i = 0; i < p->nseen; i++)
        if (p->seen[i] == h)
            return etlc_error_set(err, ETLC_PROTOCOL, "http: pagination came back to '%s' (a "
                                  "repeated cursor or URL) after %zu pages; stopped so it does "
                                  "not loop", url, p->nseen);
    if (p->nseen == p->capseen) {
        size_t cap = p->capseen ? p->capseen * 2 : 64;
        uint64_t *g = realloc(p->seen, cap * sizeof *g);
        if (!g)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory tracking pages");
        p->seen = g;
        p->capseen = cap;
    }
    p->seen[p->nseen++] = h;
    return 0;
}

/* base_url + resource + params + the run's since value + paging pairs. */
static int build_url(pager *p, const etlc_kv *paging, size_t npaging, char **out, etlc_error *err)
{
    rest_ctx *ctx = p->ctx;
    size_t cap = ctx->nparams + p->req->nparams + npaging + 1;
    etlc_kv *q = calloc(cap, sizeof *q);
    char **store = calloc(ctx->nparams + 1, sizeof *store);
    size_t k = 0;
    int rc = q && store ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building a URL");
    for (size_t i = 0; rc == 0 && i < ctx->nparams; i++) {
        store[i] = etlc__strdup(ctx->params[i]);
        char *eq = store[i] ? strchr(store[i], '=') : NULL;
        if (!store[i])
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building a URL");
        else if (eq)
            *eq = '\0';
        if (rc == 0)
            q[k++] = (etlc_kv){store[i], eq ? eq + 1 : ""};
    }
    for (size_t i = 0; rc == 0 && i < p->req->nparams; i++)
        q[k++] = p->req->params[i];
    if (rc == 0 && p->since && ctx->since_param)
        q[k++] = (etlc_kv){ctx->since_param, p->since};
    for (size_t i = 0; rc == 0 && i < npaging; i++)
        q[k++] = paging[i];
    if (rc == 0)
        rc = etlc__rest_url(ctx, p->req->resource, q, k, out, err);
    for (size_t i = 0; store && i < ctx->nparams; i++)
        free(store[i]);
    free(store);
    free(q);
    return rc;
}

/* The URL of the page standing at p->n (offset or page paging) or carrying
 * `token` (cursor paging); the first page of other kinds has no extra pair. */
static int paged_url(pager *p, const char *token, char **out, etlc_error *err)
{
    rest_ctx *ctx = p->ctx;
    char n[32], lim[32];
    snprintf(n, sizeof n, "%lld", (long long)p->n);
    snprintf(lim, sizeof lim, "%lld", (long long)ctx->limit);
    etlc_kv kv[2];
    size_t k = 0;
    if (ctx->paging == REST_PAGE_OFFSET || ctx->paging == REST_PAGE_PAGE) {
        kv[k++] = (etlc_kv){ctx->paging == REST_PAGE_OFFSET ? ctx->offset_param : ctx->page_param, n};
        kv[k++] = (etlc_kv){ctx->limit_param, lim};
    } else if (token) {
        kv[k++] = (etlc_kv){ctx->cursor_param, token};
    }
    return build_url(p, kv, k, out, err);
}

/* The total record count the reply states, or -1. */
static int64_t reply_total(const rest_ctx *ctx, json_t *doc, const etlc__http_response *resp)
{
    json_t *t = ctx->total_path ? etlc__rest_pointer(doc, ctx->total_path) : NULL;
    if (json_is_integer(t))
        return json_integer_value(t);
    const char *h = ctx->total_header ? etlc__http_response_header(resp, ctx->total_header) : NULL;
    return h && *h ? strtoll(h, NULL, 10) : -1;
}

/* Where the page after this one is: *next (malloc'd) or NULL at the end. */
static int next_url(pager *p, json_t *doc, const etlc__http_response *resp, size_t nrec,
                    char **next, etlc_error *err)
{
    rest_ctx *ctx = p->ctx;
    *next = NULL;
    const char *link = NULL;
    json_t *v;
    switch (ctx->paging) {
    case REST_PAGE_LINK:
        link = etlc__http_response_header(resp, "Link");
        if (!link)
            return 0;
        char *target = etlc__rest_link_next(link);
        int rc = target ? etlc__rest_resolve(ctx, p->url, target, next, err) : 0;
        free(target);
        return rc;
    case REST_PAGE_NEXT_URL:
        v = etlc__rest_pointer(doc, ctx->next_url_path);
        return json_is_string(v) && *json_string_value(v)
                   ? etlc__rest_resolve(ctx, p->url, json_string_value(v), next, err) : 0;
    case REST_PAGE_CURSOR: {
        v = etlc__rest_pointer(doc, ctx->cursor_path);
        if (!v || json_is_null(v) || json_is_false(v) || (json_is_string(v) && !*json_string_value(v)))
            return 0;
        char *token = etlc__rest_value_text(v);
        int rc2 = token ? paged_url(p, token, next, err)
                        : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a cursor");
        free(token);
        return rc2;
    }
    case REST_PAGE_OFFSET:
    case REST_PAGE_PAGE: {
        int64_t total = reply_total(ctx, doc, resp);
        if (nrec == 0 || (total >= 0 && p->got >= total))
            return 0;
        p->n += ctx->paging == REST_PAGE_OFFSET ? (int64_t)nrec : 1;
        return paged_url(p, NULL, next, err);
    }
    default:
        return 0;
    }
}

/* JSON next_cursor for the driver, malloc'd. */
static char *cursor_text(const pager *p, const char *next)
{
    json_t *o = json_pack("{s:s,s:I,s:I,s:s?}", "url", next, "n", (json_int_t)p->n, "got",
                          (json_int_t)p->got, "since", p->since);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

static int resume(pager *p, etlc_error *err)
{
    const etlc_records_request *req = p->req;
    bool oom = false;
    if (req->watermark) {
        p->max = etlc__json_loadb(req->watermark, strlen(req->watermark), JSON_DECODE_ANY, NULL, &oom);
        if (!p->max)
            return oom ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory")
                       : etlc_error_set(err, ETLC_DATA, "http: the checkpoint's watermark '%s' is "
                                        "not JSON", req->watermark);
    }
    if (!req->cursor) {
        p->n = p->ctx->paging == REST_PAGE_PAGE ? p->ctx->page_start : 0;
        if (p->max && !(p->since = etlc__rest_value_text(p->max)))
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
        return paged_url(p, NULL, &p->url, err);
    }
    json_t *c = etlc__json_loadb(req->cursor, strlen(req->cursor), 0, NULL, &oom);
    if (!c && oom)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    const char *url = json_string_value(json_object_get(c, "url"));
    const char *since = json_string_value(json_object_get(c, "since"));
    p->n = json_integer_value(json_object_get(c, "n"));
    p->got = json_integer_value(json_object_get(c, "got"));
    p->url = url ? etlc__strdup(url) : NULL;
    p->since = since ? etlc__strdup(since) : NULL;
    json_decref(c);
    if (!url)
        return etlc_error_set(err, ETLC_DATA, "http: the checkpoint's page cursor is not one of "
                              "this connector's");
    return p->url && (!since || p->since) ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
}

/* The page: scanned (*scanned: *span is the records array, *doc the page
 * without it, or NULL), or parsed (*doc the page, *records its array). */
static int get_page(pager *p, etlc__http_response *resp, json_t **doc, json_t **records,
                    etlc__jval *span, bool *scanned, etlc_error *err)
{
    rest_ctx *ctx = p->ctx;
    etlc__http_header accept = {"Accept", "application/json"}, ct = {"Content-Type", "application/json"};
    etlc__http_header hdrs[2] = {accept, ct};
    bool post = strcmp(ctx->method, "POST") == 0;
    etlc__http_request rq = {.method = ctx->method, .url = p->url, .headers = hdrs,
                             .nheaders = post && ctx->json_body ? 2 : 1,
                             .body = post ? ctx->json_body : NULL,
                             .body_len = post && ctx->json_body ? strlen(ctx->json_body) : 0,
                             .send_body = post, .body_limit = ctx->max_body};
    int rc = etlc__rest_send(ctx, &rq, resp, err);
    if (rc != 0)
        return rc;
    rc = etlc__rest_scan_page(ctx, &p->scan, resp->body.data, resp->body.len, span, doc, err);
    *scanned = rc == 0;
    if (rc >= 0)
        return rc;
    json_error_t je;
    bool oom = false;
    *doc = etlc__json_loadb(resp->body.data ? resp->body.data : "", resp->body.len,
                            JSON_DECODE_ANY, &je, &oom);
    if (!*doc)
        return oom ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory parsing a page")
                   : etlc_error_set(err, ETLC_DATA, "http: page %zu (%s) is not JSON: %s at "
                                    "line %d", p->nseen, p->url, je.text, je.line);
    *records = etlc__rest_pointer(*doc, ctx->records_path);
    if (!json_is_array(*records))
        return etlc_error_set(err, ETLC_DATA, "http: records_path '%s' does not point to an array "
                              "in page %zu (%s)", ctx->records_path, p->nseen, p->url);
    return 0;
}

/* Read, hand on and advance one page; *done at the last. */
static int one_page(pager *p, etlc_page_consumer pages, bool *done, etlc_error *err)
{
    etlc__http_response resp = {0};
    json_t *doc = NULL, *records = NULL;
    etlc_batch *batch = NULL;
    char *next = NULL, *cursor = NULL, *mark = NULL;
    etlc__jval span;
    bool scanned = false;
    size_t nrec = 0;
    int rc = guard_repeat(p, p->url, err);
    if (rc == 0)
        rc = get_page(p, &resp, &doc, &records, &span, &scanned, err);
    if (rc == 0)
        rc = scanned ? etlc__rest_batch_text(&p->schema, &p->scan, &span, (int64_t)p->nseen,
                                             p->ctx->cursor_field, &p->max, &nrec, &batch, err)
                     : etlc__rest_batch(&p->schema, records, (int64_t)p->nseen, &batch, err);
    if (rc == 0) {
        nrec = scanned ? nrec : json_array_size(records);
        p->got += (int64_t)nrec;
        rc = next_url(p, doc, &resp, nrec, &next, err);
    }
    if (rc == 0 && next && p->ctx->auth == REST_AUTH_API_KEY && p->ctx->api_key_in_query) {
        /* A next link may echo the key: it is added at each send, never kept
         * in the URL (nor so in the checkpoint). */
        char *bare = etlc__rest_strip_param(next, p->ctx->api_key_name);
        etlc__free_secret(next);
        next = bare;
        if (!next)
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory following a link");
    }
    if (rc == 0 && p->ctx->cursor_field) {
        size_t i;
        json_t *rec;
        if (!scanned) /* the scan path kept it record by record */
            json_array_foreach(records, i, rec)
                etlc__rest_watermark(&p->max, rec, p->ctx->cursor_field);
        if (p->max && !(mark = json_dumps(p->max, JSON_COMPACT | JSON_ENCODE_ANY)))
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    }
    if (rc == 0 && next && !(cursor = cursor_text(p, next)))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing the page cursor");
    if (rc == 0) {
        etlc_records_page pg = {.batch = batch, .next_cursor = cursor, .watermark = mark};
        rc = pages.on_page(pages.userdata, &pg, err);
    }
    *done = next == NULL;
    if (rc == 0 && next) {
        free(p->url);
        p->url = next;
        next = NULL;
    }
    free(next);
    free(cursor);
    free(mark);
    etlc_batch_free(batch);
    json_decref(doc);
    etlc__http_response_free(&resp);
    return rc;
}

int etlc__rest_fetch_pages(void *vctx, const etlc_records_request *req, etlc_page_consumer pages,
                           etlc_error *err)
{
    pager p = {.ctx = vctx, .req = req};
    int rc = resume(&p, err);
    bool done = false;
    for (int64_t n = 0; rc == 0 && !done; n++) {
        if (n >= p.ctx->max_pages) {
            rc = etlc_error_set(err, ETLC_PROTOCOL, "http: stopped after max_pages=%lld pages with "
                                "more to read; the next run resumes there (raise max_pages to "
                                "read more per run)", (long long)p.ctx->max_pages);
            break;
        }
        rc = one_page(&p, pages, &done, err);
    }
    free(p.url);
    free(p.since);
    free(p.seen);
    json_decref(p.max);
    etlc__json_columns_free(&p.schema);
    etlc__jscan_free(&p.scan);
    return rc;
}
