/* The webdav connector's private declarations. */
#ifndef ETLCONN_WEBDAV_INTERNAL_H
#define ETLCONN_WEBDAV_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/internal.h"
#include "net/http.h"

typedef struct webdav_ctx {
    etlc__http_settings settings; /* strings borrowed from the config */
    etlc__http_session *http;
    char *base_url;               /* the collection URL, ending in '/', no userinfo */
    char *base_path;              /* its path percent-decoded, ending in '/' */
    const char *username;         /* borrowed from the config; NULL = none */
    const char *password;         /* secret, borrowed */
    long auth;                    /* CURLAUTH_BASIC / _DIGEST / _ANY */
    bool depth_infinity;          /* still worth asking for (cleared when refused) */
    size_t max_listing;           /* largest PROPFIND reply read, bytes */
    char source[128];
} webdav_ctx;

extern const etlc_option_table etlc__webdav_options;

/* ---- PROPFIND replies (webdav_propfind.c) --------------------------------- */

typedef struct etlc__webdav_entry {
    const char *name;       /* decoded, relative to the base path, no trailing '/'; "" = the base */
    bool collection;
    int64_t size;           /* -1 when not given */
    int64_t mtime_us;       /* 0 when not given */
    const char *etag;       /* NULL when not given */
} etlc__webdav_entry;

/* Called once per <response> inside the base path (borrowed for the call). */
typedef int (*etlc__webdav_entry_fn)(void *ud, const etlc__webdav_entry *e, etlc_error *err);

/* Parse a 207 multistatus body (not NUL-terminated) without entities, DTDs
 * or network access. `base_path` is the decoded path every href must start
 * with (ending in '/'); hrefs outside it or whose names are not plain
 * relative paths are skipped. 0, the callback's code, or ETLC_PROTOCOL. */
int etlc__webdav_propfind_parse(const char *body, size_t len, const char *base_path,
                                etlc__webdav_entry_fn fn, void *ud, etlc_error *err);

/* The PROPFIND request body asking for the four properties we read. */
extern const char etlc__webdav_propfind_body[];

/* ---- URLs (webdav_url.c) -------------------------------------------------- */

/* Percent-decode [s, s+n) into a malloc'd string; NULL on a bad escape, a
 * NUL or control byte, or no memory (then *oom is set). */
char *etlc__webdav_pct_decode(const char *s, size_t n, bool *oom);
/* The decoded path of an href (absolute URL or absolute path); malloc'd, or
 * NULL when it is none (or no memory: *oom set). */
char *etlc__webdav_href_path(const char *href, bool *oom);
/* base_url + name with each segment percent-encoded ("" = the base itself);
 * `collection` adds a trailing '/'. malloc'd, NULL + err on a bad name. */
char *etlc__webdav_url(const webdav_ctx *ctx, const char *name, bool collection, etlc_error *err);
/* True when name is a plain relative path: no empty, "." or ".." segment,
 * no leading '/', no control bytes. */
bool etlc__webdav_name_ok(const char *name);

/* ---- requests (webdav_request.c) ------------------------------------------ */

/* A request with the connector's auth applied (setup hook). */
void etlc__webdav_request_init(webdav_ctx *ctx, etlc__http_request *rq, const char *method,
                               const char *url);
/* PROPFIND `url` with `depth` ("0", "1", "infinity") into resp->body. */
int etlc__webdav_propfind(webdav_ctx *ctx, const char *url, const char *depth,
                          etlc__http_response *resp, etlc_error *err);

/* ---- the bytes capability -------------------------------------------------- */

int etlc__webdav_list(void *ctx, const etlc_list_request *req, etlc_resource_fn fn, void *userdata,
                      etlc_error *err);
int etlc__webdav_open(void *ctx, const etlc_resource *res, etlc_byte_consumer bytes,
                      etlc_error *err);
int etlc__webdav_open_at(void *ctx, const etlc_resource *res, int64_t offset,
                         etlc_byte_consumer bytes, etlc_error *err);
int etlc__webdav_remove(void *ctx, const etlc_resource *res, etlc_error *err);
int etlc__webdav_move(void *ctx, const etlc_resource *res, const char *to, etlc_error *err);

#endif
