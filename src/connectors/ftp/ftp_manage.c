/* After landing: DELE a file, or RNFR/RNTO it elsewhere under root. The
 * commands run after libcurl has changed into root (CURLOPT_POSTQUOTE on
 * root's URL, no transfer), so they take names relative to root. */
#include <stdlib.h>
#include <string.h>

#include "ftp_internal.h"

static int set_commands(void *ud, CURL *h, etlc_error *err)
{
    (void)err;
    CURLcode sc = curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    if (sc == CURLE_OK)
        sc = curl_easy_setopt(h, CURLOPT_POSTQUOTE, (struct curl_slist *)ud);
    return sc == CURLE_OK ? 0 : ETLC_NO_MEMORY;
}

/* Run `cmds` in root; `what` names them in errors. Not retried: a RNFR
 * that worked before the connection broke must not run twice. */
static int run_commands(ftp_ctx *ctx, struct curl_slist *cmds, const char *what, etlc_error *err)
{
    char *url = etlc__ftp_url(ctx, "", true);
    if (!url)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory: %s", what);
    ftp_call call = {.url = url, .what = what, .setup = set_commands, .ud = cmds, .no_retry = true};
    etlc__http_response resp = {0};
    int rc = etlc__ftp_perform(ctx, &call, &resp, err);
    etlc__http_response_free(&resp);
    free(url);
    return rc;
}

static int append(struct curl_slist **l, const char *fmt, const char *a, size_t alen)
{
    etlc__buf b = {0};
    struct curl_slist *n = NULL;
    if (etlc__buf_printf(&b, fmt, (int)alen, a) == 0)
        n = curl_slist_append(*l, b.data);
    etlc__buf_free(&b);
    if (!n)
        return -1;
    *l = n;
    return 0;
}

int etlc__ftp_remove(void *vctx, const etlc_resource *res, etlc_error *err)
{
    ftp_ctx *ctx = vctx;
    int rc = etlc__ftp_check_name(res ? res->name : NULL, err);
    if (rc)
        return rc;
    struct curl_slist *cmds = NULL;
    char what[300];
    snprintf(what, sizeof what, "DELE %s", res->name);
    if (append(&cmds, "DELE %.*s", res->name, strlen(res->name)) != 0)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory: %s", what);
    if (rc == 0)
        rc = run_commands(ctx, cmds, what, err);
    curl_slist_free_all(cmds);
    return rc;
}

/* The target of a move: `to` itself, or `to` + the base name when `to`
 * ends with '/' (a directory). malloc'd. */
static char *target_of(const char *name, const char *to)
{
    size_t tl = strlen(to);
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    etlc__buf b = {0};
    if (etlc__buf_printf(&b, "%s%s", to, tl && to[tl - 1] == '/' ? base : "") != 0) {
        etlc__buf_free(&b);
        return NULL;
    }
    return etlc__buf_take(&b);
}

int etlc__ftp_move(void *vctx, const etlc_resource *res, const char *to, etlc_error *err)
{
    ftp_ctx *ctx = vctx;
    int rc = etlc__ftp_check_name(res ? res->name : NULL, err);
    char *target = rc == 0 && to ? target_of(res->name, to) : NULL;
    if (rc == 0 && !target)
        rc = to ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory moving '%s'", res->name)
                : etlc_error_set(err, ETLC_INVALID_ARGUMENT, "move of '%s' needs a target", res->name);
    if (rc == 0)
        rc = etlc__ftp_check_name(target, err);
    struct curl_slist *cmds = NULL;
    char what[600] = "";
    if (rc == 0) {
        snprintf(what, sizeof what, "RNFR %s + RNTO %s", res->name, target);
        bool oom = false;
        /* "*MKD": each directory on the way, failure ignored (it may exist). */
        for (const char *s = strchr(target, '/'); s && !oom; s = strchr(s + 1, '/'))
            oom = append(&cmds, "*MKD %.*s", target, (size_t)(s - target)) != 0;
        if (oom || append(&cmds, "RNFR %.*s", res->name, strlen(res->name)) != 0 ||
            append(&cmds, "RNTO %.*s", target, strlen(target)) != 0)
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory: %s", what);
    }
    if (rc == 0)
        rc = run_commands(ctx, cmds, what, err);
    curl_slist_free_all(cmds);
    free(target);
    return rc;
}
