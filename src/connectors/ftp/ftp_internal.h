/* The ftp connector's private declarations. */
#ifndef ETLCONN_FTP_INTERNAL_H
#define ETLCONN_FTP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/internal.h"
#include "net/http.h"

typedef enum ftp_tls { FTP_TLS_NONE, FTP_TLS_EXPLICIT, FTP_TLS_IMPLICIT } ftp_tls;
typedef enum ftp_listing { FTP_LIST_AUTO, FTP_LIST_MLSD, FTP_LIST_NLST } ftp_listing;

typedef struct ftp_ctx {
    etlc__http_session *net;   /* one libcurl handle: the control connection is kept */
    char *base;                /* "ftp://host:port/" or "ftps://..." (no credentials) */
    char *host;
    long port;
    char *username;            /* NULL: anonymous */
    char *password;            /* secret; zeroed when freed */
    char *root;                /* "" = the login directory; "/x" absolute, "x" relative */
    ftp_tls tls;
    bool passive;
    bool skip_pasv_ip;
    char *active_port;         /* CURLOPT_FTPPORT in active mode */
    ftp_listing listing;
    int mlsd;                  /* auto: 0 untried, 1 works, -1 the server lacks it */
    size_t chunk_size;
    char source[128];
} ftp_ctx;

extern const etlc_option_table etlc__ftp_options;

/* ftp_url.c: the URL of `path` (relative to root, '/'-separated; "" = root;
 * a trailing '/' for a directory), each segment escaped. malloc'd; NULL on
 * out of memory. */
char *etlc__ftp_url(const ftp_ctx *ctx, const char *path, bool dir);
/* root/path as the server sees it in a command (DELE, RNFR); malloc'd. */
char *etlc__ftp_server_path(const ftp_ctx *ctx, const char *path);
/* 0 when `name` is a path inside root: not empty, not absolute, no "..",
 * no empty segment, no CR/LF/NUL; else ETLC_IO_PATH with err filled. */
int etlc__ftp_check_name(const char *name, etlc_error *err);
/* Fill host/port/username/password/root from an ftp:// or ftps:// `url`
 * (only the parts the config leaves unset). */
int etlc__ftp_parse_url(ftp_ctx *ctx, const char *url, etlc_error *err);

/* ftp_request.c: one request on the connector's session with the FTP
 * settings (credentials, TLS mode, passive/active) applied. `setup` (may be
 * NULL) sets more options after those. */
typedef struct ftp_call {
    const char *url;
    const char *what;              /* for messages: "MLSD dir/" */
    int (*setup)(void *ud, CURL *h, etlc_error *err);
    void *ud;
    etlc__http_write_fn on_body;   /* NULL: the body goes to resp->body */
    void *body_ud;
    size_t body_limit;
    bool no_retry;                 /* not idempotent (RNFR/RNTO, DELE) */
} ftp_call;
int etlc__ftp_perform(ftp_ctx *ctx, const ftp_call *call, etlc__http_response *resp,
                      etlc_error *err);
/* SIZE and MDTM of the file at `url` (one request, no body): *size -1 and
 * *mtime_s 0 when the server gives none. `what` names it in messages. */
int etlc__ftp_stat(ftp_ctx *ctx, const char *url, const char *what, int64_t *size, int64_t *mtime_s,
                   etlc_error *err);

/* ftp_list.c */
int etlc__ftp_list(void *ctx, const etlc_list_request *req, etlc_resource_fn fn, void *userdata,
                   etlc_error *err);
/* Parse a MLSD "modify" fact or an MDTM reply (YYYYMMDDHHMMSS[.fff]) to UTC
 * microseconds; 0 when unparsable. */
int64_t etlc__ftp_time_us(const char *s, size_t len);

/* ftp_read.c */
int etlc__ftp_open(void *ctx, const etlc_resource *res, etlc_byte_consumer bytes, etlc_error *err);
int etlc__ftp_open_at(void *ctx, const etlc_resource *res, int64_t offset,
                      etlc_byte_consumer bytes, etlc_error *err);
/* ftp_manage.c */
int etlc__ftp_remove(void *ctx, const etlc_resource *res, etlc_error *err);
int etlc__ftp_move(void *ctx, const etlc_resource *res, const char *to, etlc_error *err);

#endif
