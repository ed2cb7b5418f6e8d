/* The gsheets connector's private declarations. */
#ifndef ETLCONN_GSHEETS_INTERNAL_H
#define ETLCONN_GSHEETS_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/internal.h"
#include "net/http.h"

typedef struct gs_ctx {
    etlc__http_session *http;
    char *api_base;               /* without trailing '/' */
    const char *spreadsheet_id;
    const char *const *ranges;    /* borrowed from the config */
    size_t nranges;
    bool header_row;
    /* service account (client_email + private_key) or api_key */
    const char *client_email, *scopes, *token_uri, *api_key;
    char *private_key;            /* PEM, owned, registered as a secret */
    char *key_email, *key_token_uri; /* from credentials_file (owned) */
    char *access_token;           /* registered with the redactor; zeroed when freed */
    double token_renew_ms;        /* monotonic ms from which it is renewed */
    long tokens_fetched;          /* for logs and tests of the cache */
    char source[128];
} gs_ctx;

extern const etlc_option_table etlc__gsheets_options;

/* ---- auth (gsheets_auth.c, gsheets_jwt.c) ---- */
/* The signed RS256 JWT assertion for the service account, malloc'd in *out
 * (a secret: the caller zeroes and frees it). now = seconds since epoch. */
int etlc__gs_jwt(const gs_ctx *ctx, int64_t now, char **out, etlc_error *err);
/* The access token, fetched or renewed when due (force: renew now). */
int etlc__gs_token(gs_ctx *ctx, bool force, etlc_error *err);
/* Read credentials_file (service-account JSON key) into ctx. */
int etlc__gs_read_key_file(gs_ctx *ctx, const char *path, etlc_error *err);

/* ---- requests (gsheets_send.c) ---- */
/* GET api_base + path (already URL-encoded, with its query), with the
 * bearer token or the `key` parameter; the JSON reply in *doc. One token
 * renewal on a 401. */
int etlc__gs_get_json(gs_ctx *ctx, const char *path_query, const char *what, json_t **doc,
                      etlc_error *err);
/* URL-encode s (every byte but unreserved ones) onto b; -1 out of memory. */
int etlc__gs_escape(etlc__buf *b, const char *s);

/* ---- values -> batches (gsheets_table.c) ---- */
/* Which columns are formatted as date, time or date-time (by number format
 * type), index = column offset within the range; NULL = none known. */
typedef struct gs_formats {
    bool *is_date;
    size_t n;
} gs_formats;
/* The date columns of `values` (a ValueRange of the normalized `range`). */
int etlc__gs_formats(gs_ctx *ctx, const char *range, json_t *values, gs_formats *fmt,
                     etlc_error *err);
/* ValueRange `values` (rows of cells) into a new batch: header row for the
 * names (or column_<n>), types inferred per column, dates as timestamps. */
int etlc__gs_batch(const gs_ctx *ctx, json_t *values, const gs_formats *fmt, const char *range,
                   etlc_batch **out, etlc_error *err);

/* ---- records (gsheets_values.c) ---- */
int etlc__gs_fetch_pages(void *ctx, const etlc_records_request *req, etlc_page_consumer pages,
                         etlc_error *err);

#endif
