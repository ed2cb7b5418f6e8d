/* After landing: DELETE a resource, or MOVE it (never over an existing
 * one: Overwrite: F), creating the target's collections with MKCOL when
 * the server says they are missing (409 Conflict, or Apache's 500). */
#include <stdlib.h>
#include <string.h>

#include "webdav_internal.h"

int etlc__webdav_remove(void *vctx, const etlc_resource *res, etlc_error *err)
{
    webdav_ctx *ctx = vctx;
    char *url = etlc__webdav_url(ctx, res ? res->name : "", false, err);
    if (!url)
        return err ? err->code : ETLC_IO_PATH;
    etlc__http_request rq;
    etlc__webdav_request_init(ctx, &rq, "DELETE", url);
    etlc__http_response resp = {0};
    int rc = etlc__http_perform(ctx->http, &rq, &resp, err);
    if (rc != 0)
        etlc_error_prefix(err, "deleting '%s' after landing", res->name);
    etlc__http_response_free(&resp);
    free(url);
    return rc;
}

/* MKCOL each collection above `to`; one that exists answers 405. */
static int make_parents(webdav_ctx *ctx, const char *to, etlc_error *err)
{
    char *dir = etlc__strdup(to);
    if (!dir)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory moving to '%s'", to);
    int rc = 0;
    for (char *slash = strchr(dir, '/'); rc == 0 && slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        char *url = etlc__webdav_url(ctx, dir, true, err);
        *slash = '/';
        if (!url) {
            rc = err ? err->code : ETLC_IO_PATH;
            break;
        }
        etlc__http_request rq;
        etlc__webdav_request_init(ctx, &rq, "MKCOL", url);
        etlc__http_response resp = {0};
        etlc_error local = {0};
        rc = etlc__http_perform(ctx->http, &rq, &resp, &local);
        if (rc != 0 && resp.status == 405)
            rc = 0; /* it exists already */
        else if (rc != 0 && err)
            *err = local;
        etlc__http_response_free(&resp);
        free(url);
    }
    free(dir);
    return rc;
}

static int move_once(webdav_ctx *ctx, const char *from_url, const char *to_url, long *status,
                     etlc_error *err)
{
    etlc__http_header headers[] = {{"Destination", to_url}, {"Overwrite", "F"}};
    etlc__http_request rq;
    etlc__webdav_request_init(ctx, &rq, "MOVE", from_url);
    rq.headers = headers;
    rq.nheaders = 2;
    rq.no_retry = true; /* a lost reply to a MOVE that happened would turn into a 404 */
    etlc__http_response resp = {0};
    int rc = etlc__http_perform(ctx->http, &rq, &resp, err);
    *status = resp.status;
    etlc__http_response_free(&resp);
    return rc;
}

int etlc__webdav_move(void *vctx, const etlc_resource *res, const char *to, etlc_error *err)
{
    webdav_ctx *ctx = vctx;
    char *from_url = etlc__webdav_url(ctx, res ? res->name : "", false, err);
    char *to_url = from_url ? etlc__webdav_url(ctx, to ? to : "", false, err) : NULL;
    int rc = to_url ? 0 : err ? err->code : ETLC_IO_PATH;
    if (rc == 0 && !*to)
        rc = etlc_error_set(err, ETLC_IO_PATH, "moving '%s': no target name", res->name);
    long status = 0;
    if (rc == 0)
        rc = move_once(ctx, from_url, to_url, &status, err);
    /* A parent collection is missing: RFC 4918 says 409; Apache's mod_dav_fs
     * answers 500 ("Could not rename resource"). */
    if (rc != 0 && (status == 409 || status == 500) && strchr(to, '/')) {
        rc = make_parents(ctx, to, err);
        if (rc == 0)
            rc = move_once(ctx, from_url, to_url, &status, err);
    }
    if (rc != 0 && status == 412)
        rc = etlc_error_set(err, ETLC_IO, "moving '%s' to '%s': the target exists (not "
                            "overwritten)", res->name, to);
    else if (rc != 0 && res)
        etlc_error_prefix(err, "moving '%s' to '%s' after landing", res->name, to);
    free(from_url);
    free(to_url);
    return rc;
}
