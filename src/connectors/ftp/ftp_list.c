/* Listing a remote tree: MLSD (type, size and time in one reply per
 * directory) where the server has it, else NLST with SIZE and MDTM per
 * entry. Names relative to root, filtered by the request's glob, reported
 * in byte order. The driver applies include/exclude/age (bytes fragment). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ftp_internal.h"

#define LISTING_MAX (256u * 1024u * 1024u) /* one directory's reply */

typedef struct entry {
    char *name;
    int64_t size, mtime_us;
} entry;

typedef struct walk {
    ftp_ctx *ctx;
    const char *pattern;  /* NULL: every file */
    bool recursive;
    entry *v;
    size_t n, cap;
    unsigned depth;
} walk;

int64_t etlc__ftp_time_us(const char *s, size_t len)
{
    struct tm tm = {0};
    if (len < 14)
        return 0;
    for (size_t i = 0; i < 14; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    int v[6], w[6] = {4, 2, 2, 2, 2, 2};
    for (int i = 0, off = 0; i < 6; off += w[i], i++) {
        v[i] = 0;
        for (int j = 0; j < w[i]; j++)
            v[i] = v[i] * 10 + (s[off + j] - '0');
    }
    tm.tm_year = v[0] - 1900;
    tm.tm_mon = v[1] - 1;
    tm.tm_mday = v[2];
    tm.tm_hour = v[3];
    tm.tm_min = v[4];
    tm.tm_sec = v[5];
    int64_t us = (int64_t)timegm(&tm) * 1000000;
    if (len > 15 && s[14] == '.') { /* fraction of a second, up to microseconds */
        int64_t scale = 100000;
        for (size_t i = 15; i < len && scale && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
            us += (s[i] - '0') * scale;
    }
    return us;
}

static bool wanted(const walk *w, const char *name)
{
    return !w->pattern || etlc_glob_match(w->pattern, name);
}

static int keep(walk *w, const char *name, int64_t size, int64_t mtime_us, etlc_error *err)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        entry *grown = realloc(w->v, cap * sizeof *grown);
        if (!grown)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing the FTP server");
        w->v = grown;
        w->cap = cap;
    }
    char *copy = etlc__strdup(name);
    if (!copy)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing the FTP server");
    w->v[w->n++] = (entry){.name = copy, .size = size, .mtime_us = mtime_us};
    return 0;
}

static int walk_dir(walk *w, const char *rel, etlc_error *err);

/* "dir/" + name, or name at the top. malloc'd. */
static char *child_name(const char *rel, const char *name, size_t len)
{
    etlc__buf b = {0};
    if (etlc__buf_printf(&b, "%s%s%.*s", rel, *rel ? "/" : "", (int)len, name) != 0) {
        etlc__buf_free(&b);
        return NULL;
    }
    return etlc__buf_take(&b);
}

/* ---- MLSD ----------------------------------------------------------------- */

static int set_mlsd(void *ud, CURL *h, etlc_error *err)
{
    (void)ud;
    (void)err;
    return curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "MLSD") == CURLE_OK ? 0 : ETLC_NO_MEMORY;
}

static int set_nlst(void *ud, CURL *h, etlc_error *err)
{
    (void)ud;
    (void)err;
    return curl_easy_setopt(h, CURLOPT_DIRLISTONLY, 1L) == CURLE_OK ? 0 : ETLC_NO_MEMORY;
}

/* The value of fact `key` in "type=file;size=3;modify=...;" or NULL. */
static const char *fact(const char *facts, size_t flen, const char *key, size_t *vlen)
{
    size_t klen = strlen(key);
    for (const char *p = facts, *end = facts + flen; p < end;) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *stop = semi ? semi : end;
        if ((size_t)(stop - p) > klen && p[klen] == '=' && strncasecmp(p, key, klen) == 0) {
            *vlen = (size_t)(stop - p) - klen - 1;
            return p + klen + 1;
        }
        p = semi ? semi + 1 : end;
    }
    return NULL;
}

/* One MLSD line: "facts; name". */
static int mlsd_line(walk *w, const char *rel, const char *line, size_t len, etlc_error *err)
{
    const char *sp = memchr(line, ' ', len);
    if (!sp || sp == line)
        return 0;
    size_t flen = (size_t)(sp - line), tlen = 0, slen = 0, mlen = 0;
    const char *name = sp + 1;
    size_t nlen = len - flen - 1;
    const char *type = fact(line, flen, "type", &tlen);
    if (!type || !nlen || memchr(name, '/', nlen) || (nlen <= 2 && strncmp(name, "..", nlen) == 0))
        return 0;
    char *child = child_name(rel, name, nlen);
    if (!child)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing the FTP server");
    int rc = 0;
    if (tlen == 3 && strncasecmp(type, "dir", 3) == 0) {
        if (w->recursive)
            rc = walk_dir(w, child, err);
    } else if (tlen == 4 && strncasecmp(type, "file", 4) == 0 && wanted(w, child)) {
        const char *size = fact(line, flen, "size", &slen);
        const char *mod = fact(line, flen, "modify", &mlen);
        rc = keep(w, child, size ? strtoll(size, NULL, 10) : -1,
                  mod ? etlc__ftp_time_us(mod, mlen) : 0, err);
    }
    free(child);
    return rc;
}

/* Each CRLF- (or LF-) terminated line of body to fn. */
static int each_line(walk *w, const char *rel, const etlc__buf *body,
                     int (*fn)(walk *, const char *, const char *, size_t, etlc_error *),
                     etlc_error *err)
{
    const char *p = body->data ? body->data : "", *end = p + body->len;
    int rc = 0;
    while (rc == 0 && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        size_t len = (size_t)(stop - p);
        if (len && p[len - 1] == '\r')
            len--;
        if (len)
            rc = fn(w, rel, p, len, err);
        p = nl ? nl + 1 : end;
    }
    return rc;
}

/* ---- NLST + SIZE + MDTM -------------------------------------------------- */

/* SIZE and MDTM of `child`: 0 with *size >= 0 for a file; *size -1 when the
 * server has no size for it (a directory, most likely). */
static int stat_file(walk *w, const char *child, int64_t *size, int64_t *mtime_us, etlc_error *err)
{
    char *url = etlc__ftp_url(w->ctx, child, false);
    if (!url)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing the FTP server");
    char what[300];
    snprintf(what, sizeof what, "SIZE/MDTM %s", child);
    etlc_error local = {0};
    int64_t mtime_s;
    int rc = etlc__ftp_stat(w->ctx, url, what, size, &mtime_s, &local);
    *mtime_us = mtime_s * 1000000;
    if (rc == ETLC_IO_NOT_FOUND || rc == ETLC_PROTOCOL)
        rc = 0; /* no SIZE for it: not a plain file */
    else if (rc != 0 && err)
        *err = local;
    free(url);
    return rc;
}

static int nlst_line(walk *w, const char *rel, const char *line, size_t len, etlc_error *err)
{
    for (size_t i = len; i > 0; i--) /* some servers answer "dir/name" */
        if (line[i - 1] == '/') {
            line += i;
            len -= i;
            break;
        }
    if (!len || (len <= 2 && strncmp(line, "..", len) == 0))
        return 0;
    char *child = child_name(rel, line, len);
    if (!child)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing the FTP server");
    int rc = 0;
    if (wanted(w, child) || w->recursive) {
        int64_t size, mtime_us;
        rc = stat_file(w, child, &size, &mtime_us, err);
        if (rc == 0 && size >= 0 && wanted(w, child))
            rc = keep(w, child, size, mtime_us, err);
        else if (rc == 0 && size < 0 && w->recursive)
            rc = walk_dir(w, child, err);
    }
    free(child);
    return rc;
}

/* ---- the walk --------------------------------------------------------------- */

static int list_dir(walk *w, const char *rel, bool mlsd, etlc__buf *out, etlc_error *err)
{
    char *url = etlc__ftp_url(w->ctx, rel, true);
    if (!url)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing the FTP server");
    char what[300];
    /* name the directory as configured: "NLST ./" does not say which root was refused */
    const char *root = w->ctx->root && *w->ctx->root ? w->ctx->root : "(login directory)";
    snprintf(what, sizeof what, "%s %.120s%s%.160s", mlsd ? "MLSD" : "NLST", root, *rel ? "/" : "", rel);
    ftp_call call = {.url = url, .what = what, .setup = mlsd ? set_mlsd : set_nlst,
                     .body_limit = LISTING_MAX};
    etlc__http_response resp = {0};
    int rc = etlc__ftp_perform(w->ctx, &call, &resp, err);
    if (rc == 0) {
        *out = resp.body;
        resp.body = (etlc__buf){0};
    }
    etlc__http_response_free(&resp);
    free(url);
    return rc;
}

/* Worth trying NLST after MLSD failed with this? (not for a dead server or a refused login) */
static bool mlsd_refused(int rc)
{
    return rc == ETLC_PROTOCOL || rc == ETLC_IO_NOT_FOUND || rc == ETLC_AUTH_DENIED;
}

static int walk_dir(walk *w, const char *rel, etlc_error *err)
{
    ftp_ctx *ctx = w->ctx;
    if (w->depth >= 64)
        return etlc_error_set(err, ETLC_IO, "FTP directory '%s' is nested too deep (64 levels)", rel);
    w->depth++;
    etlc__buf body = {0};
    bool mlsd = ctx->listing == FTP_LIST_MLSD || (ctx->listing == FTP_LIST_AUTO && ctx->mlsd >= 0);
    etlc_error local = {0};
    int rc = list_dir(w, rel, mlsd, &body, &local);
    if (rc && mlsd && ctx->listing == FTP_LIST_AUTO && ctx->mlsd == 0 && mlsd_refused(rc)) {
        etlc_log(ETLC_LOG_INFO, "ftp", "MLSD refused (%s); listing with NLST, SIZE and MDTM",
                 local.message);
        mlsd = false;
        rc = list_dir(w, rel, false, &body, &local);
        if (rc == 0)
            ctx->mlsd = -1;
    }
    if (rc == 0 && mlsd && ctx->mlsd == 0)
        ctx->mlsd = 1;
    if (rc == 0)
        rc = each_line(w, rel, &body, mlsd ? mlsd_line : nlst_line, err);
    else if (err)
        *err = local;
    etlc__buf_free(&body);
    w->depth--;
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

int etlc__ftp_list(void *vctx, const etlc_list_request *req, etlc_resource_fn fn, void *userdata,
                   etlc_error *err)
{
    walk w = {.ctx = vctx};
    const char *pattern = req && req->pattern && *req->pattern ? req->pattern : NULL;
    while (pattern && *pattern == '/') /* a leading "/" means the root */
        pattern++;
    w.pattern = pattern && *pattern ? pattern : NULL;
    /* A pattern without '/' or "**" matches top-level names only. */
    bool deep = !w.pattern || strchr(w.pattern, '/') || strstr(w.pattern, "**");
    w.recursive = (!req || req->recursive) && deep;
    int rc = walk_dir(&w, "", err);
    if (rc == 0 && w.n > 1)
        qsort(w.v, w.n, sizeof *w.v, by_name);
    for (size_t i = 0; rc == 0 && i < w.n; i++) {
        etlc_resource res = {.name = w.v[i].name, .size = w.v[i].size, .mtime_us = w.v[i].mtime_us};
        rc = fn(userdata, &res, err);
    }
    for (size_t i = 0; i < w.n; i++)
        free(w.v[i].name);
    free(w.v);
    return rc;
}
