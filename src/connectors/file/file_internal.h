/* The file connector's private declarations. */
#ifndef ETLCONN_FILE_INTERNAL_H
#define ETLCONN_FILE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "core/internal.h"

typedef struct file_ctx {
    char *root;                  /* without a trailing '/' (except "/" itself) */
    bool recursive;
    bool follow_symlinks;
    size_t chunk_size;
    char source[128];
} file_ctx;

extern const etlc_option_table etlc__file_options;

/* bytes capability (file_list.c, file_read.c) */
int etlc__file_list(void *ctx, const etlc_list_request *req, etlc_resource_fn fn, void *userdata,
                    etlc_error *err);
int etlc__file_open(void *ctx, const etlc_resource *res, etlc_byte_consumer bytes,
                    etlc_error *err);
int etlc__file_open_at(void *ctx, const etlc_resource *res, int64_t offset,
                       etlc_byte_consumer bytes, etlc_error *err);
/* after_landing (file_after.c) */
int etlc__file_remove(void *ctx, const etlc_resource *res, etlc_error *err);
int etlc__file_move(void *ctx, const etlc_resource *res, const char *to, etlc_error *err);
/* "root/name" (malloc'd) after checking name stays inside root; NULL + err otherwise. */
char *etlc__file_join(const file_ctx *ctx, const char *name, etlc_error *err);
/* The entity tag of a local file: inode, change time and size in hex. */
void etlc__file_etag(const struct stat *st, char out[64]);
int64_t etlc__file_mtime_us(const struct stat *st);

#endif
