/* The file connector: local directories landed into the lake as they are.
 * It has only the bytes capability (no record-shaped fetch). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_internal.h"

static void file_close(void *vctx)
{
    file_ctx *ctx = vctx;
    free(ctx->root);
    ctx->root = NULL;
}

static char *trimmed_root(const char *root)
{
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    return etlc__strndup(root, n);
}

static void default_source(file_ctx *ctx)
{
    const char *base = strrchr(ctx->root, '/');
    base = base && base[1] ? base + 1 : ctx->root;
    if (strcmp(base, "/") == 0)
        base = "root";
    snprintf(ctx->source, sizeof ctx->source, "%s", base);
}

static int file_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    file_ctx *ctx = vctx;
    const char *root = etlc_config_get_string(cfg, "root");
    const char *origin = "unknown";
    etlc_layer layer;
    etlc_config_provenance(cfg, "root", &layer, &origin);
    ctx->root = trimmed_root(root);
    if (!ctx->root)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening the file root");
    struct stat st;
    if (stat(ctx->root, &st) != 0)
        return etlc_error_set(err, errno == ENOENT ? ETLC_CONNECT_NOT_FOUND : ETLC_CONNECT,
                              "file root '%s' (from %s) cannot be used: %s", root, origin,
                              strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return etlc_error_set(err, ETLC_CONNECT, "file root '%s' (from %s) is not a directory",
                              root, origin);
    ctx->recursive = etlc_config_get_bool(cfg, "recursive");
    ctx->follow_symlinks = etlc_config_get_bool(cfg, "follow_symlinks");
    ctx->chunk_size = (size_t)etlc_config_get_int(cfg, "chunk_size");
    const char *source = etlc_config_get_string(cfg, "source");
    if (source && *source)
        snprintf(ctx->source, sizeof ctx->source, "%s", source);
    else
        default_source(ctx);
    return 0;
}

/* Healthy when the root is a directory this process can list and enter. */
static int file_test(void *vctx, etlc_health *health, etlc_error *err)
{
    file_ctx *ctx = vctx;
    double t0 = etlc__monotonic_ms();
    struct stat st;
    int rc = stat(ctx->root, &st);
    int saved = errno;
    bool ok = rc == 0 && S_ISDIR(st.st_mode) && access(ctx->root, R_OK | X_OK) == 0;
    if (rc == 0 && !ok)
        saved = errno;
    health->latency_ms = etlc__monotonic_ms() - t0;
    snprintf(health->server_version, sizeof health->server_version, "local file system");
    health->healthy = ok;
    if (ok)
        etlc__format_redacted_into(health->detail, sizeof health->detail, "%s (readable directory)", ctx->root);
    else if (rc == 0 && !S_ISDIR(st.st_mode))
        etlc__format_redacted_into(health->detail, sizeof health->detail, "%s: not a directory", ctx->root);
    else
        etlc__format_redacted_into(health->detail, sizeof health->detail, "%s: %s", ctx->root, strerror(saved));
    (void)err;
    return 0;
}

static bool file_alive(void *vctx)
{
    file_ctx *ctx = vctx;
    return ctx->root != NULL;
}

static void file_source_name(void *vctx, char *buf, size_t bufsz)
{
    file_ctx *ctx = vctx;
    snprintf(buf, bufsz, "%s", ctx->source);
}

static const etlc_bytes_ops file_bytes = {
    .list = etlc__file_list,
    .open = etlc__file_open,
    .open_at = etlc__file_open_at,
    .remove = etlc__file_remove,
    .move = etlc__file_move,
};

static const char *const file_aliases[] = {"files", NULL};

const etlc_connector_ops etlc_connector_file = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "file",
    .aliases = file_aliases,
    .description = "Local files and directories (globs), landed into the lake as they are",
    .options = &etlc__file_options,
    .context_size = sizeof(file_ctx),
    .connect = file_connect,
    .test = file_test,
    .alive = file_alive,
    .source_name = file_source_name,
    .close = file_close,
    .bytes = &file_bytes,
};
