/* etlconn — the S3 lake backend (private). */
#ifndef ETLCONN_LAKE_S3_H
#define ETLCONN_LAKE_S3_H

#include "sinks/lake_backend.h"
#include "sinks/s3_client.h"

extern const etlc_lake_backend etlc__lake_backend_s3;
extern const etlc_lake_manage_ops etlc__lake_s3_manage; /* lake_s3_read.c */

/* The lake's key prefix: "" or "a/b/" (borrowed). */
const char *etlc__lake_s3_prefix(etlc_lake *lake);

/* The lake's S3 client (borrowed, valid until etlc_lake_free), or NULL when
 * the lake is not an S3 lake. Used by tests to read objects back. */
etlc__s3_client *etlc__lake_s3_client(etlc_lake *lake);

#endif
