/* Reading one local file into a byte consumer, in chunks, and noticing when
 * it changes underneath: a file still being written is reported, never
 * handed on as if whole. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_internal.h"

char *etlc__file_join(const file_ctx *ctx, const char *name, etlc_error *err)
{
    /* The names this connector lists never climb out of the root; refuse
     * any other (a caller passing "../x" or "/etc/passwd"). */
    bool bad = !name || !*name || name[0] == '/';
    for (const char *s = name; !bad && s && *s;) {
        size_t seg = strcspn(s, "/");
        bad = (seg == 2 && s[0] == '.' && s[1] == '.') || seg == 0;
        s += seg;
        if (*s == '/')
            s++;
    }
    if (bad) {
        etlc_error_set(err, ETLC_IO_PATH, "file name '%s' is not a path inside root '%s'",
                       name ? name : "(null)", ctx->root);
        return NULL;
    }
    etlc__buf b = {0};
    if (etlc__buf_printf(&b, "%s/%s", ctx->root, name) != 0) {
        etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening '%s'", name);
        return NULL;
    }
    return etlc__buf_take(&b);
}

static bool same_version(const struct stat *st, const etlc_resource *res)
{
    if (res->size >= 0 && (int64_t)st->st_size != res->size)
        return false;
    return res->mtime_us == 0 || etlc__file_mtime_us(st) == res->mtime_us;
}

static int changed(etlc_error *err, const char *path, const char *when)
{
    int rc = etlc_error_set(err, ETLC_IO, "file '%s' changed %s; nothing of it was landed "
                            "(a later run takes it once it is stable; min_age helps)", path, when);
    if (err)
        err->retryable = true;
    return rc;
}

/* Read from `offset` to the end with pread, one chunk at a time. */
static int stream_fd(const file_ctx *ctx, int fd, const char *path, int64_t offset,
                     etlc_byte_consumer bytes, uint64_t *total, etlc_error *err)
{
    char *buf = malloc(ctx->chunk_size);
    if (!buf)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading '%s'", path);
    int rc = 0;
    for (;;) {
        ssize_t got = pread(fd, buf, ctx->chunk_size, (off_t)(offset + (int64_t)*total));
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = etlc_error_set(err, ETLC_IO, "cannot read '%s': %s", path, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        *total += (uint64_t)got;
        rc = bytes.on_bytes(bytes.userdata, buf, (size_t)got, err);
        if (rc != 0)
            break;
    }
    free(buf);
    return rc;
}

static int open_error(etlc_error *err, const char *path)
{
    int e = errno;
    return etlc_error_set(err, e == ENOENT ? ETLC_IO_NOT_FOUND : e == EACCES ? ETLC_IO_PERMISSION : ETLC_IO,
                          "cannot open '%s': %s", path,
                          e == ELOOP ? "a symbolic link (follow_symlinks is off)" : strerror(e));
}

/* Stream res from `offset` on; the file must be the version listed before
 * and after the read, and the bytes read must reach its end. */
static int read_from(file_ctx *ctx, const etlc_resource *res, int64_t offset,
                     etlc_byte_consumer bytes, etlc_error *err)
{
    char *path = etlc__file_join(ctx, res ? res->name : NULL, err);
    if (!path)
        return err ? err->code : ETLC_IO_PATH;
    int fd = open(path, O_RDONLY | O_CLOEXEC | (ctx->follow_symlinks ? 0 : O_NOFOLLOW));
    int rc = 0;
    struct stat before, after;
    if (fd < 0) {
        rc = open_error(err, path);
    } else if (fstat(fd, &before) != 0 || !S_ISREG(before.st_mode)) {
        rc = etlc_error_set(err, ETLC_IO, "'%s' is not a regular file", path);
    } else if (!same_version(&before, res)) {
        rc = changed(err, path, "between listing and reading");
    } else if (offset < 0 || offset > (int64_t)before.st_size) {
        rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT, "'%s': offset %lld is outside its %lld bytes",
                            path, (long long)offset, (long long)before.st_size);
    } else {
        uint64_t total = 0;
        rc = stream_fd(ctx, fd, path, offset, bytes, &total, err);
        if (rc == 0 && (fstat(fd, &after) != 0 || !same_version(&after, res) ||
                        (int64_t)total + offset != (int64_t)after.st_size ||
                        etlc__file_mtime_us(&after) != etlc__file_mtime_us(&before)))
            rc = changed(err, path, "while it was read");
    }
    if (fd >= 0)
        close(fd);
    free(path);
    return rc;
}

int etlc__file_open(void *vctx, const etlc_resource *res, etlc_byte_consumer bytes,
                    etlc_error *err)
{
    return read_from(vctx, res, 0, bytes, err);
}

int etlc__file_open_at(void *vctx, const etlc_resource *res, int64_t offset,
                       etlc_byte_consumer bytes, etlc_error *err)
{
    return read_from(vctx, res, offset, bytes, err);
}
