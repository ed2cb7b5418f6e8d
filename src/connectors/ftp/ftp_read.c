/* Downloading one file (RETR, or REST + RETR to resume) into a byte
 * consumer, a libcurl buffer at a time, and noticing when the file is not
 * the one listed: a different size or modification time is ETLC_IO with
 * err->retryable set, and the driver lands nothing of it. libcurl sends
 * MDTM before RETR, so a file of 1 MiB or more is asked for its MDTM and
 * SIZE again once read: a writer rewriting it in place during the transfer
 * (same size) shows there. Smaller files are read in a few buffers; the
 * check before the transfer is theirs (one round trip less per file). */
#include <stdlib.h>
#include <string.h>

#include "ftp_internal.h"

typedef struct tap {
    etlc_byte_consumer bytes;
    int64_t offset;   /* REST: where the transfer starts */
    uint64_t total;   /* bytes received */
} tap;

static int on_body(void *ud, const void *data, size_t len, etlc_error *err)
{
    tap *t = ud;
    t->total += len;
    return t->bytes.on_bytes(t->bytes.userdata, data, len, err);
}

static int set_retr(void *ud, CURL *h, etlc_error *err)
{
    const tap *t = ud;
    (void)err;
    CURLcode sc = curl_easy_setopt(h, CURLOPT_FILETIME, 1L); /* MDTM: the version we read */
    if (sc == CURLE_OK && t->offset > 0)
        sc = curl_easy_setopt(h, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)t->offset);
    return sc == CURLE_OK ? 0 : ETLC_NO_MEMORY;
}

static int changed(etlc_error *err, const char *name, const char *how)
{
    int rc = etlc_error_set(err, ETLC_IO, "FTP file '%s' changed since it was listed (%s); "
                            "nothing of it was landed (a later run takes it once it is stable; "
                            "min_age helps)", name, how);
    if (err)
        err->retryable = true;
    return rc;
}


#define RECHECK_MIN_BYTES ((int64_t)1 << 20)

/* MDTM and SIZE once more, after the transfer (see the top). */
static int recheck(ftp_ctx *ctx, const etlc_resource *res, const char *url, etlc_error *err)
{
    char what[300], how[160];
    snprintf(what, sizeof what, "SIZE/MDTM %s after RETR", res->name);
    int64_t size, ft;
    int rc = etlc__ftp_stat(ctx, url, what, &size, &ft, err);
    if (rc == 0 && size >= 0 && size != res->size) {
        snprintf(how, sizeof how, "%lld bytes once read, %lld listed", (long long)size,
                 (long long)res->size);
        rc = changed(err, res->name, how);
    } else if (rc == 0 && ft > 0 && res->mtime_us > 0 && ft != res->mtime_us / 1000000) {
        snprintf(how, sizeof how, "modified at %lld once read, listed at %lld (Unix seconds)",
                 (long long)ft, (long long)(res->mtime_us / 1000000));
        rc = changed(err, res->name, how);
    }
    return rc;
}

/* After a complete transfer: is what we read the version that was listed? */
static int verify(ftp_ctx *ctx, const etlc_resource *res, const tap *t, etlc_error *err)
{
    char how[160];
    uint64_t end = (uint64_t)t->offset + t->total;
    if (res->size >= 0 && end != (uint64_t)res->size) {
        snprintf(how, sizeof how, "%llu bytes read, %lld listed", (unsigned long long)end,
                 (long long)res->size);
        return changed(err, res->name, how);
    }
    curl_off_t ft = -1;
    curl_easy_getinfo(etlc__http_session_curl(ctx->net), CURLINFO_FILETIME_T, &ft);
    /* FTP times have whole seconds (MDTM); the listing may carry a fraction. */
    if (ft > 0 && res->mtime_us > 0 && (int64_t)ft != res->mtime_us / 1000000) {
        snprintf(how, sizeof how, "modified at %lld, listed at %lld (Unix seconds)", (long long)ft,
                 (long long)(res->mtime_us / 1000000));
        return changed(err, res->name, how);
    }
    return 0;
}

int etlc__ftp_open_at(void *vctx, const etlc_resource *res, int64_t offset,
                      etlc_byte_consumer bytes, etlc_error *err)
{
    ftp_ctx *ctx = vctx;
    int rc = etlc__ftp_check_name(res ? res->name : NULL, err);
    if (rc)
        return rc;
    if (offset < 0 || (offset > 0 && res->size >= 0 && offset >= res->size))
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "FTP resume of '%s' from byte %lld: outside its %lld bytes",
                              res->name, (long long)offset, (long long)res->size);
    char *url = etlc__ftp_url(ctx, res->name, false);
    if (!url)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening '%s'", res->name);
    char what[300];
    if (offset > 0)
        snprintf(what, sizeof what, "REST %lld + RETR %s", (long long)offset, res->name);
    else
        snprintf(what, sizeof what, "RETR %s", res->name);
    tap t = {.bytes = bytes, .offset = offset};
    ftp_call call = {.url = url, .what = what, .setup = set_retr, .ud = &t,
                     .on_body = on_body, .body_ud = &t};
    etlc__http_response resp = {0};
    rc = etlc__ftp_perform(ctx, &call, &resp, err);
    if (rc == 0)
        rc = verify(ctx, res, &t, err);
    if (rc == 0 && res->size >= RECHECK_MIN_BYTES)
        rc = recheck(ctx, res, url, err);
    etlc__http_response_free(&resp);
    free(url);
    return rc;
}

int etlc__ftp_open(void *ctx, const etlc_resource *res, etlc_byte_consumer bytes, etlc_error *err)
{
    return etlc__ftp_open_at(ctx, res, 0, bytes, err);
}
