/* etlconn — the content type of a file landed as is (internal). */
#ifndef ETLCONN_PIPELINE_CONTENT_TYPE_H
#define ETLCONN_PIPELINE_CONTENT_TYPE_H

#include <stddef.h>

/* Bytes of the file's head worth looking at. */
#define ETLC__SNIFF_BYTES 16

/* A MIME type for a file named `name` whose first bytes are head[0..n):
 * magic bytes of a compressed or binary container win over a text-like
 * extension (a "x.csv" that is gzip is application/gzip); otherwise the
 * extension; otherwise the magic; otherwise text/plain for printable
 * ASCII/UTF-8 heads and application/octet-stream. Static string. */
const char *etlc__content_type(const char *name, const unsigned char *head, size_t n);

#endif
