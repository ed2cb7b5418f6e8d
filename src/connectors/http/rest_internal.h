/* The http (REST) connector's private declarations. */
#ifndef ETLCONN_REST_INTERNAL_H
#define ETLCONN_REST_INTERNAL_H

#include "core/json_columns.h"
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/internal.h"
#include "net/http.h"

typedef enum rest_auth { REST_AUTH_NONE, REST_AUTH_BASIC, REST_AUTH_BEARER, REST_AUTH_API_KEY,
                         REST_AUTH_OAUTH2 } rest_auth;
typedef enum rest_paging { REST_PAGE_NONE, REST_PAGE_LINK, REST_PAGE_NEXT_URL, REST_PAGE_CURSOR,
                           REST_PAGE_OFFSET, REST_PAGE_PAGE } rest_paging;

typedef struct rest_ctx {
    etlc__http_session *http;
    char *base_url;               /* without trailing '/' */
    char *origin;                 /* "scheme://host:port" of base_url, lower case */
    bool allow_other_origins;
    const char *method;           /* "GET" or "POST" */
    etlc__http_header *headers;   /* from `headers` ("Name: value"), owned copies */
    size_t nheaders;
    const char *const *params;    /* "key=value", borrowed from the config */
    size_t nparams;
    const char *json_body;        /* POST body, validated JSON; NULL = none */
    rest_auth auth;
    const char *username, *password, *token, *api_key, *api_key_name;
    bool api_key_in_query;
    const char *token_url, *client_id, *client_secret, *scope;
    char *access_token;           /* OAuth2, registered with the redactor; zeroed when freed */
    double token_expires_ms;      /* monotonic ms when it must be renewed */
    double rate_limit;            /* requests per second; 0 = none */
    double next_slot_ms;          /* monotonic ms of the next allowed request */
    const char *records_path;     /* JSON Pointer; NULL = bytes (raw body) */
    rest_paging paging;
    const char *next_url_path, *cursor_path, *cursor_param, *offset_param, *limit_param,
        *page_param, *total_path, *total_header;
    int64_t limit, page_start, max_pages;
    const char *cursor_field, *since_param;
    const char *health_path;
    size_t max_body;
    char *bytes_resource;         /* the resource a bytes fetch listed (owned) */
    char source[128];
} rest_ctx;

extern const etlc_option_table etlc__rest_options;

/* ---- URLs (rest_url.c) ---- */
/* base_url + resource (an absolute URL is taken as is, after the origin
 * check), then the query pairs appended, URL-encoded. malloc'd in *out. */
int etlc__rest_url(const rest_ctx *ctx, const char *resource, const etlc_kv *query, size_t nquery,
                   char **out, etlc_error *err);
/* `link` (absolute or relative to `current`) resolved; refused when it leaves
 * the base URL's origin unless allowed. malloc'd in *out. */
int etlc__rest_resolve(const rest_ctx *ctx, const char *current, const char *link, char **out,
                       etlc_error *err);
/* "scheme://host:port" of url (lower case, default port filled), malloc'd;
 * NULL if unparsable or, with *oom set, out of memory. */
char *etlc__rest_origin(const char *url, bool *oom);
/* The target of rel="next" in a Link header value, malloc'd; NULL when none. */
char *etlc__rest_link_next(const char *link_header);
/* RFC 6901 JSON Pointer ("" = the document itself); NULL when absent. */
json_t *etlc__rest_pointer(json_t *doc, const char *pointer);

/* ---- sending (rest_send.c, rest_auth.c) ---- */
/* Send rq (url, method, body, consumers already set) with the connector's
 * headers, auth and rate limit. With OAuth2 a 401 renews the token once. */
int etlc__rest_send(rest_ctx *ctx, etlc__http_request *rq, etlc__http_response *resp,
                    etlc_error *err);
/* The OAuth2 access token, fetched or renewed when due. */
int etlc__rest_oauth2_token(rest_ctx *ctx, bool force, etlc_error *err);
/* Auth header (bearer, api key, OAuth2) in *h, its value built in buf if
 * needed: 1 when set, 0 when none, -1 out of memory. */
int etlc__rest_auth_header(const rest_ctx *ctx, etlc__http_header *h, etlc__buf *buf);
/* url without the query pairs named `name` (malloc'd); NULL out of memory. */
char *etlc__rest_strip_param(const char *url, const char *name);
int etlc__rest_setup_basic(void *ud, CURL *h, etlc_error *err);
void etlc__rest_rate_wait(rest_ctx *ctx);

/* ---- records (rest_pages.c, rest_batch.c) ---- */
int etlc__rest_fetch_pages(void *ctx, const etlc_records_request *req, etlc_page_consumer pages,
                           etlc_error *err);

/* The records (an array of objects) of page number `page` into a new
 * batch; the first page that has records fixes the columns (docs/parquet.md). */
int etlc__rest_batch(etlc__json_columns *s, json_t *records, int64_t page, etlc_batch **out,
                     etlc_error *err);
/* One record (row `row` of page `page`) into b through its DOM: the checks
 * and messages of etlc__rest_batch; the row is ended. */
int etlc__rest_record_dom(etlc_batch *b, json_t *rec, int64_t page, size_t row, etlc_error *err);
/* The same from the page's text, without a DOM (rest_batch_scan.c): `records`
 * is the records array's span; the watermark over `field` (NULL: none) is
 * kept in *max as etlc__rest_watermark does; *nrec the records read. */
int etlc__rest_batch_text(etlc__json_columns *s, etlc__jscan *sc, const etlc__jval *records,
                          int64_t page, const char *field, json_t **max, size_t *nrec,
                          etlc_batch **out, etlc_error *err);
/* The page `text` read without a DOM: 0 with *records the records array's
 * span and *env (NULL when paging needs none) the page parsed with that
 * array emptied, for the next-URL, cursor and total pointers; 1 when the
 * caller must parse the page (not JSON, no array at records_path, a
 * pointer into the records); or an etlc code. */
int etlc__rest_scan_page(const rest_ctx *ctx, etlc__jscan *sc, const char *text, size_t len,
                         etlc__jval *records, json_t **env, etlc_error *err);
/* One JSON Pointer token s[0..n) unescaped (~0 ~1) into buf: its length, -1 if too long. */
long etlc__rest_pointer_token(const char *s, size_t n, char *buf, size_t cap);
/* The larger of *max and record's `field` (numbers numerically, strings by bytes). */
void etlc__rest_watermark(json_t **max, json_t *record, const char *field);
/* Text form of a watermark value (string as is, number as JSON), malloc'd. */
char *etlc__rest_value_text(json_t *v);

/* ---- bytes (rest_bytes.c) ---- */
int etlc__rest_list(void *ctx, const etlc_list_request *req, etlc_resource_fn fn, void *userdata,
                    etlc_error *err);
int etlc__rest_open(void *ctx, const etlc_resource *res, etlc_byte_consumer bytes,
                    etlc_error *err);

#endif
