/* GET into a byte consumer, from the start or (resume) from an offset with
 * Range. Before the first byte is handed on, the reply is checked against
 * the listing: status (206 with the asked Content-Range when resuming),
 * ETag and length. A resource that changed, or a server that answers a
 * Range with the whole file, is reported as a retryable IO error and
 * nothing of the reply reaches the consumer. A resource of 1 MiB or more
 * is asked for again with PROPFIND Depth 0 once read (ETag, length, mtime): a
 * writer rewriting it in place during the GET (same size) shows there, and
 * the driver lands nothing of that read. Smaller ones are read in a few
 * buffers; the check before the first byte is theirs (one request less). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "webdav_internal.h"

typedef struct getter {
    webdav_ctx *ctx;
    const etlc_resource *res;
    int64_t offset;
    etlc_byte_consumer bytes;
    etlc__http_response *resp;
    bool checked;
    uint64_t got;
} getter;

static int changed(etlc_error *err, const char *name, const char *why)
{
    int rc = etlc_error_set(err, ETLC_IO, "WebDAV resource '%s' %s; nothing of it was landed "
                            "(a later run takes it again)", name, why);
    if (err)
        err->retryable = true;
    return rc;
}

/* The opaque part of an entity tag: W/ and the quotes dropped (servers
 * quote it in ETag but not always in getetag). */
static void etag_core(const char *t, char *out, size_t outsz)
{
    if (strncmp(t, "W/", 2) == 0)
        t += 2;
    size_t n = strlen(t);
    if (n >= 2 && t[0] == '"' && t[n - 1] == '"') {
        t++;
        n -= 2;
    }
    snprintf(out, outsz, "%.*s", (int)n, t);
}

static bool same_etag(const char *a, const char *b)
{
    char ca[512], cb[512];
    etag_core(a, ca, sizeof ca);
    etag_core(b, cb, sizeof cb);
    return strcmp(ca, cb) == 0;
}

/* "bytes FIRST-LAST/TOTAL" must start at the offset asked for and end at the listed size. */
static bool range_ok(const char *cr, int64_t offset, int64_t size)
{
    long long first = -1, last = -1, total = -1;
    if (!cr || sscanf(cr, "bytes %lld-%lld/%lld", &first, &last, &total) != 3)
        return false;
    return first == offset && (size < 0 || (last == size - 1 && total == size));
}

static int check_reply(getter *g, etlc_error *err)
{
    long status = 0;
    curl_easy_getinfo(etlc__http_session_curl(g->ctx->http), CURLINFO_RESPONSE_CODE, &status);
    const etlc_resource *res = g->res;
    g->checked = true;
    if (g->offset > 0 && status == 200)
        return changed(err, res->name, "came back whole instead of from the resume offset (it "
                       "changed, or the server ignores Range): the download must restart from 0");
    if (g->offset > 0 && (status != 206 ||
                          !range_ok(etlc__http_response_header(g->resp, "Content-Range"),
                                    g->offset, res->size)))
        return changed(err, res->name, "did not come back as the range asked for");
    const char *etag = etlc__http_response_header(g->resp, "ETag");
    if (res->etag && etag && !same_etag(res->etag, etag))
        return changed(err, res->name, "changed between listing and reading (new ETag)");
    const char *cl = etlc__http_response_header(g->resp, "Content-Length");
    if (cl && res->size >= 0 && strtoll(cl, NULL, 10) != res->size - g->offset)
        return changed(err, res->name, "changed between listing and reading (new size)");
    return 0;
}

static int on_body(void *ud, const void *data, size_t len, etlc_error *err)
{
    getter *g = ud;
    int rc = g->checked ? 0 : check_reply(g, err);
    if (rc != 0)
        return rc;
    g->got += len;
    return g->bytes.on_bytes(g->bytes.userdata, data, len, err);
}

#define RECHECK_MIN_BYTES ((int64_t)1 << 20)

typedef struct seen {
    const etlc_resource *res;
    bool found;
    char why[64];
} seen;

static int on_entry(void *ud, const etlc__webdav_entry *e, etlc_error *err)
{
    seen *s = ud;
    (void)err;
    if (e->collection || strcmp(e->name, s->res->name) != 0)
        return 0;
    s->found = true;
    const etlc_resource *res = s->res;
    if (res->etag && e->etag && !same_etag(res->etag, e->etag))
        snprintf(s->why, sizeof s->why, "new ETag");
    else if (e->size >= 0 && e->size != res->size)
        snprintf(s->why, sizeof s->why, "new size");
    else if (e->mtime_us && res->mtime_us && e->mtime_us != res->mtime_us)
        snprintf(s->why, sizeof s->why, "new modification time");
    return 0;
}

/* PROPFIND Depth 0 once read (not HEAD: a server may send a body with a
 * HEAD's 401, which breaks the connection): still the version listed? */
static int recheck(webdav_ctx *ctx, const etlc_resource *res, const char *url, etlc_error *err)
{
    etlc__http_response resp = {0};
    seen s = {.res = res};
    int rc = etlc__webdav_propfind(ctx, url, "0", &resp, err);
    if (rc == 0)
        rc = etlc__webdav_propfind_parse(resp.body.data, resp.body.len, ctx->base_path, on_entry, &s, err);
    etlc__http_response_free(&resp);
    if (rc == 0 && !s.found)
        return changed(err, res->name, "is gone once read");
    if (rc == 0 && s.why[0]) {
        char how[96];
        snprintf(how, sizeof how, "changed while it was read (%s)", s.why);
        return changed(err, res->name, how);
    }
    return rc;
}

static int get_from(webdav_ctx *ctx, const etlc_resource *res, int64_t offset,
                    etlc_byte_consumer bytes, etlc_error *err)
{
    char *url = etlc__webdav_url(ctx, res ? res->name : "", false, err);
    if (!url)
        return err ? err->code : ETLC_IO_PATH;
    char range[48];
    snprintf(range, sizeof range, "bytes=%" PRId64 "-", offset);
    /* If-Range takes a strong tag, quoted (getetag often comes unquoted):
     * a server that sees it changed sends it whole (200), which is refused. */
    char if_range[520] = "";
    if (res->etag && strncmp(res->etag, "W/", 2) != 0 && strlen(res->etag) < 500)
        snprintf(if_range, sizeof if_range, res->etag[0] == '"' ? "%s" : "\"%s\"", res->etag);
    etlc__http_header headers[2] = {{"Range", range}, {"If-Range", if_range}};
    size_t nh = offset > 0 ? (if_range[0] ? 2 : 1) : 0;
    etlc__http_response resp = {0};
    getter g = {.ctx = ctx, .res = res, .offset = offset, .bytes = bytes, .resp = &resp};
    etlc__http_request rq;
    etlc__webdav_request_init(ctx, &rq, "GET", url);
    rq.headers = headers;
    rq.nheaders = nh;
    rq.on_body = on_body; /* no on_restart: bytes handed on are never taken back */
    rq.body_consumer_ud = &g;
    int rc = etlc__http_perform(ctx->http, &rq, &resp, err);
    if (rc == 0 && !g.checked)
        rc = check_reply(&g, err); /* an empty reply */
    if (rc == 0 && res->size >= 0 && g.got != (uint64_t)(res->size - offset))
        rc = changed(err, res->name, "ended early or ran long (size differs from the listing)");
    if (rc == 0 && res->size >= RECHECK_MIN_BYTES)
        rc = recheck(ctx, res, url, err);
    etlc__http_response_free(&resp);
    free(url);
    return rc;
}

int etlc__webdav_open(void *ctx, const etlc_resource *res, etlc_byte_consumer bytes,
                      etlc_error *err)
{
    return get_from(ctx, res, 0, bytes, err);
}

int etlc__webdav_open_at(void *ctx, const etlc_resource *res, int64_t offset,
                         etlc_byte_consumer bytes, etlc_error *err)
{
    if (offset <= 0 || (res->size >= 0 && offset >= res->size))
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "resume offset %" PRId64 " of '%s' is "
                              "outside 0 < offset < %" PRId64, offset, res->name, res->size);
    return get_from(ctx, res, offset, bytes, err);
}
