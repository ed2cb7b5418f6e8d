/* etlconn — the S3 lake backend (private). */
#ifndef ETLCONN_LAKE_S3_H
#define ETLCONN_LAKE_S3_H

#include "sinks/lake_backend.h"
#include "sinks/s3_client.h"

extern const etlc_lake_backend etlc__lake_backend_s3;
extern const etlc_lake_manage_ops etlc__lake_s3_manage; /* lake_s3_read.c */

/* Conditional replacement of small objects (lake_s3_versioned.c): the
 * version is the object's ETag. */
int etlc__lake_s3_read_versioned(etlc_lake *lake, const char *relpath, size_t max_bytes, etlc__buf *body,
                                 char **version, etlc_error *err);
int etlc__lake_s3_put_if(etlc_lake *lake, const char *relpath, const void *data, size_t len,
                         const char *version, char **new_version, etlc_error *err);

/* The lake's key prefix: "" or "a/b/" (borrowed). */
const char *etlc__lake_s3_prefix(etlc_lake *lake);
/* The object key of `relpath` (the lake's prefix + relpath), malloc'd; NULL
 * when out of memory. */
char *etlc__lake_s3_key(etlc_lake *lake, const char *relpath);

/* The lake's S3 client (borrowed, valid until etlc_lake_free), or NULL when
 * the lake is not an S3 lake. Used by tests to read objects back. */
etlc__s3_client *etlc__lake_s3_client(etlc_lake *lake);

#endif
