/* after_landing for local files: the bytes driver calls these only once a
 * file's lake commit (and the checkpoint covering it) succeeded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_internal.h"

static int errno_code(int e)
{
    return e == ENOENT ? ETLC_IO_NOT_FOUND : e == EACCES || e == EPERM ? ETLC_IO_PERMISSION : ETLC_IO;
}

int etlc__file_remove(void *vctx, const etlc_resource *res, etlc_error *err)
{
    file_ctx *ctx = vctx;
    char *path = etlc__file_join(ctx, res ? res->name : NULL, err);
    if (!path)
        return err ? err->code : ETLC_IO_PATH;
    int rc = 0;
    if (unlink(path) != 0)
        rc = etlc_error_set(err, errno_code(errno), "cannot delete '%s': %s", path, strerror(errno));
    free(path);
    return rc;
}

/* mkdir -p of the directories above `path` (those below the root). */
static int make_parents(const file_ctx *ctx, char *path, etlc_error *err)
{
    for (char *s = path + strlen(ctx->root) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        int bad = mkdir(path, 0755) != 0 && errno != EEXIST;
        int e = errno;
        *s = '/';
        if (bad)
            return etlc_error_set(err, errno_code(e), "cannot create directory for '%s': %s", path,
                                  strerror(e));
    }
    return 0;
}

int etlc__file_move(void *vctx, const etlc_resource *res, const char *to, etlc_error *err)
{
    file_ctx *ctx = vctx;
    char *from = etlc__file_join(ctx, res ? res->name : NULL, err);
    char *dest = from ? etlc__file_join(ctx, to, err) : NULL;
    int rc = dest ? make_parents(ctx, dest, err) : (err ? err->code : ETLC_IO_PATH);
    if (rc == 0 && rename(from, dest) != 0)
        rc = etlc_error_set(err, errno_code(errno), "cannot move '%s' to '%s': %s", from, dest,
                            strerror(errno));
    free(from);
    free(dest);
    return rc;
}
