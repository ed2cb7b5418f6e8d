/* etlconn — a small S3 client over libcurl (private).
 *
 * Requests are signed by libcurl's own SigV4 (CURLOPT_AWS_SIGV4). We hand
 * curl a canonical path and query (S3 URI-encoding, sorted "k=v" pairs) so
 * the string curl signs equals the one the server rebuilds, whatever curl's
 * version does with query strings. A client owns one CURL handle (kept for
 * connection reuse) and is used by one thread at a time. */
#ifndef ETLCONN_S3_CLIENT_H
#define ETLCONN_S3_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"

typedef struct etlc__s3_client etlc__s3_client;

/* Resolved settings: every pointer is copied; credentials are required here
 * (environment fallbacks are applied by the caller). */
typedef struct etlc__s3_config {
    const char *endpoint;        /* "http://127.0.0.1:8333" or "https://s3.eu-west-1.amazonaws.com" */
    const char *region;
    const char *bucket;
    bool path_style;
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;   /* NULL or "" = none */
    int max_retries;             /* extra attempts after the first, >= 0 */
    long timeout_ms;             /* per request */
    long connect_timeout_ms;
} etlc__s3_config;

int etlc__s3_client_new(const etlc__s3_config *cfg, etlc__s3_client **out, etlc_error *err);
void etlc__s3_client_free(etlc__s3_client *c);
const char *etlc__s3_client_bucket(const etlc__s3_client *c);

/* HEAD the bucket: 0, AUTH_DENIED, IO_NOT_FOUND, CONNECT_* ... */
int etlc__s3_head_bucket(etlc__s3_client *c, etlc_error *err);
int etlc__s3_put_object(etlc__s3_client *c, const char *key, const void *data, size_t len,
                        const char *content_type, etlc_error *err);
/* Whole object into `body` (appended). IO_NOT_FOUND when it does not exist. */
int etlc__s3_get_object(etlc__s3_client *c, const char *key, etlc__buf *body, etlc_error *err);
/* 0 when the object exists (fills *size if not NULL), IO_NOT_FOUND if not. */
int etlc__s3_head_object(etlc__s3_client *c, const char *key, uint64_t *size, etlc_error *err);
int etlc__s3_delete_object(etlc__s3_client *c, const char *key, etlc_error *err);

/* Multipart upload. upload_id is malloc'd; etag is malloc'd (with quotes, as sent). */
int etlc__s3_multipart_create(etlc__s3_client *c, const char *key, const char *content_type,
                              char **upload_id, etlc_error *err);
int etlc__s3_multipart_upload_part(etlc__s3_client *c, const char *key, const char *upload_id,
                                   unsigned part_number, const void *data, size_t len,
                                   char **etag, etlc_error *err);
int etlc__s3_multipart_complete(etlc__s3_client *c, const char *key, const char *upload_id,
                                char *const *etags, unsigned part_count, etlc_error *err);
int etlc__s3_multipart_abort(etlc__s3_client *c, const char *key, const char *upload_id,
                             etlc_error *err);
/* Number of unfinished multipart uploads under `key_prefix` (for tests and
 * cleanup checks). */
int etlc__s3_multipart_count(etlc__s3_client *c, const char *key_prefix, unsigned *count,
                             etlc_error *err);

/* ---- encoding helpers (s3_encode.c) -------------------------------------- */

/* Append `s` URI-encoded the S3 way: unreserved bytes [A-Za-z0-9-._~] kept,
 * '/' kept when keep_slash, everything else %XX (upper-case hex). */
int etlc__s3_uri_encode(etlc__buf *b, const char *s, bool keep_slash);

typedef struct etlc__s3_param {
    const char *name;
    const char *value;  /* NULL or "" both give "name=" */
} etlc__s3_param;
/* Canonical query: pairs encoded, sorted by encoded name then value, "k=v"
 * joined with '&' (what SigV4 signs). Appended to b. */
int etlc__s3_canonical_query(etlc__buf *b, const etlc__s3_param *params, size_t n);

/* Text of the first <tag>...</tag> in an XML body, entity-decoded
 * (malloc'd), or NULL when absent / no memory. */
char *etlc__s3_xml_text(const char *xml, size_t len, const char *tag);
/* Count of <tag> elements. */
size_t etlc__s3_xml_count(const char *xml, size_t len, const char *tag);
/* Append `s` with &<>"' escaped for an XML text node. */
int etlc__s3_xml_escape(etlc__buf *b, const char *s);

/* Retry delay in ms before attempt `attempt` (1-based): 100ms doubling,
 * capped at 3.2s, with up to 25% random jitter. */
long etlc__s3_backoff_ms(unsigned attempt);

/* ---- any request (the reading side, s3_client_read.c, builds on it) ----- */
typedef struct etlc__s3_call {
    const char *method;              /* GET PUT POST DELETE HEAD */
    const char *what;                /* for messages: "GET object" */
    const char *key;                 /* NULL: the bucket itself */
    const etlc__s3_param *params;
    size_t nparams;
    const void *body;                /* PUT/POST */
    size_t body_len;
    const char *content_type;
    const char *const *headers;      /* extra "Name: value" request headers */
    size_t nheaders;
    etlc__buf *response;             /* response body; NULL = discard */
    bool unbounded;                  /* keep the whole body (else capped like error bodies) */
    char **etag_out;                 /* receives the reply's ETag (malloc'd); required when set */
    long status;                     /* out: HTTP status of the last attempt, 0 if none */
} etlc__s3_call;
/* One request with the client's signing, retries and error mapping; a 2xx
 * reply is 0. */
int etlc__s3_call_perform(etlc__s3_client *c, etlc__s3_call *call, etlc_error *err);

/* ---- reading and conditional writes (s3_client_read.c) -------------------- */

/* ListObjectsV2 under key_prefix, every page (continuation tokens), in the
 * server's order (UTF-8 binary = byte order). page_size 0 = the server's
 * default (1000). fn returns 0 to go on. */
typedef int (*etlc__s3_list_fn)(void *userdata, const char *key, uint64_t size, int64_t mtime_us,
                                const char *etag, etlc_error *err);
int etlc__s3_list_objects(etlc__s3_client *c, const char *key_prefix, unsigned page_size,
                          etlc__s3_list_fn fn, void *userdata, etlc_error *err);
/* Bytes [offset, offset+len) of an object into buf (ranged GET); *got is
 * less than len only at the end. */
int etlc__s3_get_range(etlc__s3_client *c, const char *key, uint64_t offset, size_t len, void *buf,
                       size_t *got, etlc_error *err);
/* A whole small object and its ETag (malloc'd, as sent, may be NULL).
 * IO_NOT_FOUND when absent; IO when larger than max_bytes. */
int etlc__s3_get_small(etlc__s3_client *c, const char *key, size_t max_bytes, etlc__buf *body,
                       char **etag, etlc_error *err);
/* PUT only if absent (if_match NULL: If-None-Match: *) or only if the
 * current ETag is if_match. A refused condition (HTTP 412, or 409 for a
 * concurrent conditional write) is ETLC_BUSY with *lost = true. Fills
 * *etag (malloc'd) on success when etag is not NULL. */
int etlc__s3_put_if(etlc__s3_client *c, const char *key, const void *data, size_t len,
                    const char *content_type, const char *if_match, char **etag, bool *lost,
                    etlc_error *err);
/* DELETE only if the current ETag is if_match; *lost as above. */
int etlc__s3_delete_if(etlc__s3_client *c, const char *key, const char *if_match, bool *lost,
                       etlc_error *err);

#endif
