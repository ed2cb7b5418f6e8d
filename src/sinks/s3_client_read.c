/* S3 requests of the lake's reading side: ListObjectsV2 pages, ranged and
 * small GETs, and conditional PUT/DELETE (If-None-Match / If-Match) for
 * leases. Built on etlc__s3_call_perform. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/s3_client.h"

/* ---- listing ------------------------------------------------------------- */

/* The next <Contents>...</Contents> at or after *pos; NULL when none. */
static const char *next_contents(const char *xml, size_t len, size_t *pos, size_t *elen)
{
    static const char open_tag[] = "<Contents>", close_tag[] = "</Contents>";
    const char *end = xml + len;
    const char *p = xml + *pos;
    while (p < end) {
        const char *o = memchr(p, '<', (size_t)(end - p));
        if (!o)
            return NULL;
        if ((size_t)(end - o) >= sizeof open_tag - 1 && memcmp(o, open_tag, sizeof open_tag - 1) == 0) {
            const char *body = o + sizeof open_tag - 1;
            for (const char *q = body; q < end; q++) {
                if (*q == '<' && (size_t)(end - q) >= sizeof close_tag - 1 &&
                    memcmp(q, close_tag, sizeof close_tag - 1) == 0) {
                    *elen = (size_t)(q - body);
                    *pos = (size_t)(q - xml) + sizeof close_tag - 1;
                    return body;
                }
            }
            return NULL;
        }
        p = o + 1;
    }
    return NULL;
}

static int page_entries(etlc__s3_client *c, const etlc__buf *reply, etlc__s3_list_fn fn, void *ud,
                        etlc_error *err)
{
    size_t pos = 0, elen = 0;
    const char *e;
    while ((e = next_contents(reply->data, reply->len, &pos, &elen))) {
        char *key = etlc__s3_xml_text(e, elen, "Key");
        char *size = etlc__s3_xml_text(e, elen, "Size");
        char *mtime = etlc__s3_xml_text(e, elen, "LastModified");
        char *etag = etlc__s3_xml_text(e, elen, "ETag");
        int rc = 0;
        int64_t mt = 0;
        if (!key || !size) {
            rc = etlc_error_set(err, ETLC_PROTOCOL, "list s3://%s: an entry without Key or Size",
                                etlc__s3_client_bucket(c));
        } else {
            if (mtime && etlc_parse_timestamp(mtime, strlen(mtime), &mt) != 0)
                mt = 0;
            rc = fn(ud, key, strtoull(size, NULL, 10), mt, etag, err);
        }
        free(key);
        free(size);
        free(mtime);
        free(etag);
        if (rc)
            return rc;
    }
    return 0;
}

int etlc__s3_list_objects(etlc__s3_client *c, const char *key_prefix, unsigned page_size,
                          etlc__s3_list_fn fn, void *userdata, etlc_error *err)
{
    char *token = NULL;
    int rc = 0;
    char max_keys[16];
    snprintf(max_keys, sizeof max_keys, "%u", page_size);
    etlc__buf reply = {0};
    do {
        etlc__s3_param params[4] = {{"list-type", "2"}, {"prefix", key_prefix ? key_prefix : ""}};
        size_t np = 2;
        if (page_size)
            params[np++] = (etlc__s3_param){"max-keys", max_keys};
        if (token)
            params[np++] = (etlc__s3_param){"continuation-token", token};
        etlc__s3_call call = {.method = "GET", .what = "list objects", .params = params,
                              .nparams = np, .response = &reply, .unbounded = true};
        etlc__buf_reset(&reply);
        rc = etlc__s3_call_perform(c, &call, err);
        if (rc)
            break;
        const char *xml = reply.data ? reply.data : "";
        rc = page_entries(c, &reply, fn, userdata, err);
        char *truncated = rc ? NULL : etlc__s3_xml_text(xml, reply.len, "IsTruncated");
        free(token);
        token = NULL;
        if (truncated && strcmp(truncated, "true") == 0) {
            token = etlc__s3_xml_text(xml, reply.len, "NextContinuationToken");
            if (!token || !*token)
                rc = etlc_error_set(err, ETLC_PROTOCOL,
                                    "list s3://%s/%s: truncated page without a continuation token",
                                    etlc__s3_client_bucket(c), key_prefix ? key_prefix : "");
        }
        free(truncated);
    } while (rc == 0 && token);
    free(token);
    etlc__buf_free(&reply);
    return rc;
}

/* ---- reading ---------------------------------------------------------------- */

int etlc__s3_get_range(etlc__s3_client *c, const char *key, uint64_t offset, size_t len, void *buf,
                       size_t *got, etlc_error *err)
{
    *got = 0;
    if (len == 0)
        return 0;
    char range[64];
    snprintf(range, sizeof range, "Range: bytes=%llu-%llu", (unsigned long long)offset,
             (unsigned long long)(offset + len - 1));
    const char *headers[] = {range};
    etlc__buf body = {0};
    etlc__s3_call call = {.method = "GET", .what = "GET object range", .key = key,
                          .headers = headers, .nheaders = 1, .response = &body, .unbounded = true};
    int rc = etlc__s3_call_perform(c, &call, err);
    if (rc == ETLC_PROTOCOL && call.status == 416) { /* offset at or past the end */
        etlc_error_clear(err);
        rc = 0;
    } else if (rc == 0) {
        /* 206 is the range; a server ignoring Range answers 200 with it all. */
        const char *p = body.data;
        size_t n = body.len;
        if (call.status == 200) {
            size_t skip = offset < n ? (size_t)offset : n;
            p += skip;
            n -= skip;
        }
        *got = n < len ? n : len;
        if (*got)
            memcpy(buf, p, *got);
    }
    etlc__buf_free(&body);
    return rc;
}

int etlc__s3_get_small(etlc__s3_client *c, const char *key, size_t max_bytes, etlc__buf *body,
                       char **etag, etlc_error *err)
{
    if (etag)
        *etag = NULL;
    etlc__s3_call call = {.method = "GET", .what = "GET object", .key = key, .response = body,
                          .unbounded = true, .etag_out = etag};
    int rc = etlc__s3_call_perform(c, &call, err);
    if (rc == 0 && body->len > max_bytes) {
        rc = etlc_error_set(err, ETLC_IO, "s3://%s/%s is %zu bytes, more than the %zu read here",
                            etlc__s3_client_bucket(c), key, body->len, max_bytes);
        if (etag) {
            free(*etag);
            *etag = NULL;
        }
    }
    return rc;
}

/* ---- conditional writes ------------------------------------------------------ */

static int precondition(etlc__s3_client *c, const etlc__s3_call *call, int rc, bool *lost,
                        etlc_error *err)
{
    *lost = false;
    if (rc && (call->status == 412 || call->status == 409)) {
        *lost = true;
        return etlc_error_set(err, ETLC_BUSY, "%s s3://%s/%s: the object changed (HTTP %ld)",
                              call->what, etlc__s3_client_bucket(c), call->key, call->status);
    }
    return rc;
}

int etlc__s3_put_if(etlc__s3_client *c, const char *key, const void *data, size_t len,
                    const char *content_type, const char *if_match, char **etag, bool *lost,
                    etlc_error *err)
{
    etlc__buf h = {0};
    if (etag)
        *etag = NULL;
    if (if_match ? etlc__buf_printf(&h, "If-Match: %s", if_match) : etlc__buf_puts(&h, "If-None-Match: *")) {
        *lost = false;
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building S3 request");
    }
    const char *headers[] = {h.data};
    etlc__s3_call call = {.method = "PUT", .what = "conditional PUT", .key = key, .body = data,
                          .body_len = len, .content_type = content_type, .headers = headers,
                          .nheaders = 1, .etag_out = etag};
    int rc = precondition(c, &call, etlc__s3_call_perform(c, &call, err), lost, err);
    etlc__buf_free(&h);
    return rc;
}

int etlc__s3_delete_if(etlc__s3_client *c, const char *key, const char *if_match, bool *lost,
                       etlc_error *err)
{
    etlc__buf h = {0};
    if (etlc__buf_printf(&h, "If-Match: %s", if_match) != 0) {
        *lost = false;
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building S3 request");
    }
    const char *headers[] = {h.data};
    etlc__s3_call call = {.method = "DELETE", .what = "conditional DELETE", .key = key,
                          .headers = headers, .nheaders = 1};
    int rc = precondition(c, &call, etlc__s3_call_perform(c, &call, err), lost, err);
    etlc__buf_free(&h);
    return rc;
}
