/* etlconn — a small S3 client on the HTTP layer (src/net) (private).
 *
 * Requests are signed by libcurl's own SigV4 (CURLOPT_AWS_SIGV4, set through
 * the layer's setup hook). We hand curl a canonical path and query (S3
 * URI-encoding, sorted "k=v" pairs) so the string curl signs equals the one
 * the server rebuilds, whatever curl's version does with query strings. A
 * client owns one HTTP session (one kept-alive connection) and is used by one
 * thread at a time. Retries, backoff and libcurl error mapping are the
 * layer's; S3 error replies (<Code>, <Message>) are mapped here. */
#ifndef ETLCONN_S3_CLIENT_H
#define ETLCONN_S3_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"
#include "net/http.h"

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

/* ---- one signed request (the helper every operation uses) ------------------ */

typedef struct etlc__s3_param {
    const char *name;
    const char *value;  /* NULL or "" both give "name=" */
} etlc__s3_param;

typedef struct etlc__s3_request {
    const char *method;             /* GET PUT POST DELETE HEAD */
    const char *what;               /* for messages: "PUT object" */
    const char *key;                /* NULL: the bucket itself */
    const etlc__s3_param *params;   /* query parameters (signed, canonical order) */
    size_t nparams;
    const etlc__http_header *headers; /* extra headers: Range, If-None-Match, ... */
    size_t nheaders;
    const void *body;               /* sent for PUT/POST (may be empty) */
    size_t body_len;
    const char *content_type;       /* PUT/POST; NULL = application/octet-stream */
    etlc__buf *response;            /* 2xx body appended here; NULL = discard */
    bool unbounded;                 /* response may be any size (else at most 1 MiB) */
    /* Or stream the 2xx body (instead of `response`); on_restart makes a
     * half-received body retryable (see net/http.h). */
    etlc__http_write_fn on_body;
    etlc__http_restart_fn on_restart;
    void *body_ud;
    char **etag_out;                /* receives the ETag header (malloc'd, quotes kept) */
} etlc__s3_request;

/* Sign and send `rq` with the client's retries. 0 for a 2xx reply. Errors:
 * 401/403 AUTH_DENIED, 404 IO_NOT_FOUND, 409/412 BUSY, 429/503 BUSY and 5xx
 * IO/TIMEOUT (retryable), 301/307 CONNECT (wrong endpoint/region), libcurl
 * failures as net/http.h maps them; messages name "what s3://bucket/key at
 * endpoint" and the S3 <Code>/<Message>. `resp` (may be NULL) receives the
 * final reply's status and headers: free it with etlc__http_response_free. */
int etlc__s3_send(etlc__s3_client *c, const etlc__s3_request *rq, etlc__http_response *resp,
                  etlc_error *err);

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
