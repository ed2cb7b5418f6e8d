/* URLs and server paths: names relative to root, each segment escaped in a
 * URL (spaces, '#', '%', UTF-8), raw in a command; a name that could climb
 * out of root or smuggle a second command (CR, LF) is refused. */
#include <stdlib.h>
#include <string.h>

#include "ftp_internal.h"

int etlc__ftp_check_name(const char *name, etlc_error *err)
{
    bool bad = !name || !*name || name[0] == '/' || name[strlen(name) - 1] == '/' ||
               strpbrk(name, "\r\n");
    for (const char *s = name; !bad && *s;) {
        size_t seg = strcspn(s, "/");
        bad = seg == 0 || (seg == 2 && s[0] == '.' && s[1] == '.') || (seg == 1 && s[0] == '.');
        s += seg;
        if (*s == '/')
            s++;
    }
    if (bad)
        return etlc_error_set(err, ETLC_IO_PATH, "FTP name '%s' is not a path inside the root",
                              name ? name : "(null)");
    return 0;
}

/* Append `path`'s segments to b, escaped, '/' between them. */
static int append_escaped(etlc__buf *b, const char *path)
{
    while (*path) {
        size_t seg = strcspn(path, "/");
        if (seg) {
            char *e = curl_easy_escape(NULL, path, (int)seg);
            int rc = e ? etlc__buf_printf(b, "%s", e) : -1;
            curl_free(e);
            if (rc)
                return -1;
        }
        path += seg;
        if (*path == '/') {
            if (etlc__buf_putc(b, '/'))
                return -1;
            path++;
        }
    }
    return 0;
}

char *etlc__ftp_url(const ftp_ctx *ctx, const char *path, bool dir)
{
    etlc__buf b = {0};
    int rc = etlc__buf_printf(&b, "%s", ctx->base);
    const char *root = ctx->root;
    if (!rc && root[0] == '/') /* "%2F": an absolute path, not one under the login directory */
        rc = etlc__buf_printf(&b, "%%2F");
    while (*root == '/')
        root++;
    if (!rc && *root)
        rc = append_escaped(&b, root) || etlc__buf_putc(&b, '/');
    if (!rc && path && *path)
        rc = append_escaped(&b, path);
    if (!rc && dir && b.len && b.data[b.len - 1] != '/')
        rc = etlc__buf_putc(&b, '/');
    if (rc) {
        etlc__buf_free(&b);
        return NULL;
    }
    return etlc__buf_take(&b);
}

char *etlc__ftp_server_path(const ftp_ctx *ctx, const char *path)
{
    etlc__buf b = {0};
    size_t rl = strlen(ctx->root);
    int rc = etlc__buf_printf(&b, "%s%s%s", ctx->root, rl && ctx->root[rl - 1] != '/' ? "/" : "",
                              path ? path : "");
    if (rc) {
        etlc__buf_free(&b);
        return NULL;
    }
    return etlc__buf_take(&b);
}

static int url_part(CURLU *u, CURLUPart what, char **out)
{
    char *v = NULL;
    CURLUcode uc = curl_url_get(u, what, &v, CURLU_URLDECODE);
    if (uc == CURLUE_OK) {
        *out = etlc__strdup(v);
        if (what == CURLUPART_PASSWORD) /* libcurl's copy of a secret */
            memset(v, 0, strlen(v));
        curl_free(v);
        return *out ? 0 : -1;
    }
    return 0; /* absent part */
}

int etlc__ftp_parse_url(ftp_ctx *ctx, const char *url, etlc_error *err)
{
    CURLU *u = curl_url();
    if (!u)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading url");
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *pass = NULL, *path = NULL;
    int rc = 0;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcmp(scheme, "ftp") != 0 && strcmp(scheme, "ftps") != 0))
        rc = etlc_error_set(err, ETLC_CONFIG, "url: not an ftp:// or ftps:// URL (%s)", url);
    if (!rc && (url_part(u, CURLUPART_HOST, &host) || url_part(u, CURLUPART_PORT, &port) ||
                url_part(u, CURLUPART_USER, &user) || url_part(u, CURLUPART_PASSWORD, &pass) ||
                url_part(u, CURLUPART_PATH, &path)))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading url");
    if (!rc && pass)
        etlc_redact_register_secret(pass);
    if (!rc && strcmp(scheme, "ftps") == 0 && ctx->tls == FTP_TLS_NONE)
        ctx->tls = FTP_TLS_IMPLICIT;
#define TAKE(field, v) do { if (!ctx->field) { ctx->field = v; v = NULL; } } while (0)
    if (!rc) {
        TAKE(host, host);
        TAKE(username, user);
        TAKE(password, pass);
        if (!ctx->port && port)
            ctx->port = strtol(port, NULL, 10);
        /* ftp://h/dir is "dir" under the login directory; ftp://h/%2Fdir is "/dir" */
        if (!ctx->root && path && strcmp(path, "/") != 0)
            ctx->root = etlc__strdup(path + 1);
    }
#undef TAKE
    curl_free(scheme);
    free(host);
    free(port);
    free(user);
    etlc__free_secret(pass);
    free(path);
    curl_url_cleanup(u);
    return rc;
}
