/* After landing: delete the remote file, or rename it into another
 * directory under the root (created as needed). Called by the bytes driver
 * only after the file's lake commit. */
#include <stdlib.h>
#include <string.h>

#include "ssh_internal.h"

int etlc__ssh_remove(void *vctx, const etlc_resource *res, etlc_error *err)
{
    ssh_ctx *ctx = vctx;
    int rc = etlc__ssh_ensure(ctx, err);
    char *path = rc == 0 ? etlc__ssh_join(ctx, res ? res->name : NULL, err) : NULL;
    if (rc == 0 && !path)
        rc = err ? err->code : ETLC_IO_PATH;
    if (rc == 0 && libssh2_sftp_unlink(ctx->sftp, path) != 0)
        rc = etlc__ssh_fail(ctx, ETLC_IO, err, "cannot delete '%s'", path);
    free(path);
    return rc;
}

/* mkdir -p of the directories above `path` that lie under the root. */
static int make_parents(ssh_ctx *ctx, char *path, etlc_error *err)
{
    size_t root_len = strcmp(ctx->root_abs, "/") == 0 ? 0 : strlen(ctx->root_abs);
    for (char *s = path + root_len + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        LIBSSH2_SFTP_ATTRIBUTES a;
        int rc = 0;
        if (libssh2_sftp_stat(ctx->sftp, path, &a) != 0) {
            if (etlc__ssh_lost(ctx))
                rc = etlc__ssh_fail(ctx, ETLC_IO, err, "cannot stat '%s'", path);
            else if (libssh2_sftp_mkdir(ctx->sftp, path, 0755) != 0)
                rc = etlc__ssh_fail(ctx, ETLC_IO, err, "cannot create directory '%s'", path);
        } else if (!LIBSSH2_SFTP_S_ISDIR(a.permissions)) {
            rc = etlc_error_set(err, ETLC_IO, "ssh: '%s' is in the way of move_to: not a directory", path);
        }
        *s = '/';
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* SFTP v3 (OpenSSH) renames refuse an existing target: the older copy
 * there is deleted first, as mv would replace it. */
static int rename_over(ssh_ctx *ctx, const char *from, const char *to, etlc_error *err)
{
    long flags = LIBSSH2_SFTP_RENAME_OVERWRITE | LIBSSH2_SFTP_RENAME_ATOMIC | LIBSSH2_SFTP_RENAME_NATIVE;
    if (libssh2_sftp_rename_ex(ctx->sftp, from, (unsigned)strlen(from), to, (unsigned)strlen(to), flags) == 0)
        return 0;
    LIBSSH2_SFTP_ATTRIBUTES a;
    if (etlc__ssh_lost(ctx) || libssh2_sftp_lstat(ctx->sftp, to, &a) != 0 ||
        LIBSSH2_SFTP_S_ISDIR(a.permissions))
        return etlc__ssh_fail(ctx, ETLC_IO, err, "cannot move '%s' to '%s'", from, to);
    etlc_log(ETLC_LOG_INFO, "ssh", "move: replacing the older '%s'", to);
    if (libssh2_sftp_unlink(ctx->sftp, to) != 0 ||
        libssh2_sftp_rename_ex(ctx->sftp, from, (unsigned)strlen(from), to, (unsigned)strlen(to), flags) != 0)
        return etlc__ssh_fail(ctx, ETLC_IO, err, "cannot move '%s' to '%s'", from, to);
    return 0;
}

int etlc__ssh_move(void *vctx, const etlc_resource *res, const char *to, etlc_error *err)
{
    ssh_ctx *ctx = vctx;
    int rc = etlc__ssh_ensure(ctx, err);
    char *from = rc == 0 ? etlc__ssh_join(ctx, res ? res->name : NULL, err) : NULL;
    char *dest = from ? etlc__ssh_join(ctx, to, err) : NULL;
    if (rc == 0 && !dest)
        rc = err ? err->code : ETLC_IO_PATH;
    if (rc == 0)
        rc = make_parents(ctx, dest, err);
    if (rc == 0)
        rc = rename_over(ctx, from, dest, err);
    free(from);
    free(dest);
    return rc;
}
