/* Reading one remote file into a byte consumer, from its start or from an
 * offset (resume), in chunks of chunk_size, and noticing when it changes
 * underneath (size or mtime no longer those listed, or a read count that
 * does not add up): that is an IO error with retryable set, so the driver
 * lands nothing of it. A connection lost mid-file is the same kind of
 * error; the next call connects again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh_internal.h"

char *etlc__ssh_join(const ssh_ctx *ctx, const char *name, etlc_error *err)
{
    /* Listed names never climb out of the root; refuse any other. */
    bool bad = !name || !*name || name[0] == '/';
    for (const char *s = name; !bad && s && *s;) {
        size_t seg = strcspn(s, "/");
        bad = (seg == 2 && s[0] == '.' && s[1] == '.') || seg == 0;
        for (size_t i = 0; i < seg && !bad; i++)
            bad = (unsigned char)s[i] < 0x20;
        s += seg + (s[seg] == '/');
    }
    if (bad) {
        etlc_error_set(err, ETLC_IO_PATH, "ssh: name '%s' is not a path inside root '%s'",
                       name ? name : "(null)", ctx->root);
        return NULL;
    }
    const char *root = ctx->root_abs ? ctx->root_abs : ctx->root;
    etlc__buf b = {0};
    bool slash = strcmp(root, "/") != 0;
    if (etlc__buf_printf(&b, "%s%s%s", slash ? root : "", "/", name) != 0) {
        etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening '%s'", name);
        return NULL;
    }
    return etlc__buf_take(&b);
}

static bool same_version(const LIBSSH2_SFTP_ATTRIBUTES *a, const etlc_resource *res)
{
    if (res->size >= 0 && (a->flags & LIBSSH2_SFTP_ATTR_SIZE) && (int64_t)a->filesize != res->size)
        return false;
    return res->mtime_us == 0 || etlc__ssh_mtime_us(a) == res->mtime_us;
}

static int changed(etlc_error *err, const char *path, const char *when)
{
    int rc = etlc_error_set(err, ETLC_IO, "ssh: '%s' changed %s; nothing of it was landed (a later "
                            "run takes it once it is stable; min_age helps)", path, when);
    if (err)
        err->retryable = true;
    return rc;
}

/* libssh2 (1.10) keeps up to four times the buffer it is handed in read
 * requests in flight, whatever the file's size, and drains them all at
 * close: a 1 MiB buffer on a 4 KiB file is some 140 requests answered for
 * nothing. So the buffer is never larger than what is left of the listed
 * size, and the loop stops once that much has come (the fstat after the
 * read catches a file that grew). want < 0: size unknown, read to EOF. */
static int stream(ssh_ctx *ctx, LIBSSH2_SFTP_HANDLE *h, const char *path, int64_t want,
                  etlc_byte_consumer bytes, int64_t *total, etlc_error *err)
{
    char *buf = malloc(ctx->chunk_size);
    if (!buf)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading '%s'", path);
    int rc = 0;
    while (want < 0 || *total < want) {
        size_t ask = ctx->chunk_size;
        if (want >= 0 && (uint64_t)(want - *total) < ask)
            ask = (size_t)(want - *total);
        ssize_t got = libssh2_sftp_read(h, buf, ask);
        if (got < 0) {
            rc = etlc__ssh_fail(ctx, ETLC_IO, err, "reading '%s' failed after %lld bytes", path,
                                (long long)*total);
            break;
        }
        if (got == 0)
            break;
        *total += got;
        if ((rc = bytes.on_bytes(bytes.userdata, buf, (size_t)got, err)) != 0)
            break;
    }
    free(buf);
    return rc;
}

/* Check, seek, stream, check again. */
static int read_handle(ssh_ctx *ctx, LIBSSH2_SFTP_HANDLE *h, const char *path,
                       const etlc_resource *res, int64_t offset, etlc_byte_consumer bytes,
                       int64_t *delivered, etlc_error *err)
{
    LIBSSH2_SFTP_ATTRIBUTES before, after;
    if (libssh2_sftp_fstat(h, &before) != 0)
        return etlc__ssh_fail(ctx, ETLC_IO, err, "cannot stat '%s'", path);
    if ((before.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) &&
        !LIBSSH2_SFTP_S_ISREG(before.permissions))
        return etlc_error_set(err, ETLC_IO, "ssh: '%s' is not a regular file", path);
    if (!same_version(&before, res))
        return changed(err, path, "between listing and reading");
    if (offset > 0)
        libssh2_sftp_seek64(h, (libssh2_uint64_t)offset);
    int64_t total = 0;
    int64_t want = res->size >= 0 ? res->size - offset : -1;
    int rc = stream(ctx, h, path, want, bytes, &total, err);
    *delivered = total;
    if (rc != 0)
        return rc;
    if (libssh2_sftp_fstat(h, &after) != 0)
        return etlc__ssh_fail(ctx, ETLC_IO, err, "cannot stat '%s' after reading it", path);
    bool sized = after.flags & LIBSSH2_SFTP_ATTR_SIZE;
    if (!same_version(&after, res) || etlc__ssh_mtime_us(&after) != etlc__ssh_mtime_us(&before) ||
        (sized && offset + total != (int64_t)after.filesize))
        return changed(err, path, "while it was read");
    return 0;
}

static int open_read(ssh_ctx *ctx, const etlc_resource *res, int64_t offset,
                     etlc_byte_consumer bytes, int64_t *delivered, etlc_error *err)
{
    int rc = etlc__ssh_ensure(ctx, err);
    if (rc != 0)
        return rc;
    char *path = etlc__ssh_join(ctx, res ? res->name : NULL, err);
    if (!path)
        return err ? err->code : ETLC_IO_PATH;
    LIBSSH2_SFTP_HANDLE *h = libssh2_sftp_open(ctx->sftp, path, LIBSSH2_FXF_READ, 0);
    if (!h)
        rc = etlc__ssh_fail(ctx, ETLC_IO, err, "cannot open '%s'", path);
    else
        rc = read_handle(ctx, h, path, res, offset, bytes, delivered, err);
    if (h) /* also after a lost connection: closing frees it */
        libssh2_sftp_close_handle(h);
    free(path);
    return rc;
}

int etlc__ssh_open_at(void *vctx, const etlc_resource *res, int64_t offset,
                      etlc_byte_consumer bytes, etlc_error *err)
{
    ssh_ctx *ctx = vctx;
    if (offset < 0 || (res && res->size >= 0 && offset > res->size))
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "ssh: offset %lld is outside '%s' (%lld bytes)",
                              (long long)offset, res && res->name ? res->name : "?",
                              (long long)(res ? res->size : -1));
    /* A session that died while idle (a cached connector) shows it at the
     * first request: connect again once, as long as no byte was handed on. */
    for (int round = 0;; round++) {
        int64_t delivered = 0;
        int rc = open_read(ctx, res, offset, bytes, &delivered, err);
        if (rc == 0 || !ctx->broken || delivered > 0 || round > 0)
            return rc;
        etlc_log(ETLC_LOG_INFO, "ssh", "%s; connecting again", err ? err->message : "connection lost");
    }
}

int etlc__ssh_open(void *ctx, const etlc_resource *res, etlc_byte_consumer bytes, etlc_error *err)
{
    return etlc__ssh_open_at(ctx, res, 0, bytes, err);
}
