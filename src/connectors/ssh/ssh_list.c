/* Listing the remote tree over SFTP: readdir with attributes (size, mtime,
 * file type) in one round trip per directory, names relative to the root,
 * filtered by the request's glob, reported in byte order. The walk starts
 * at the glob's literal leading directories and goes no deeper than the
 * glob can match ("**" has no limit). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh_internal.h"

typedef struct found {
    char *name;
    int64_t size, mtime_us;
} found;

typedef struct walk {
    ssh_ctx *ctx;
    const char *pattern;   /* NULL: every file */
    int max_depth;         /* directories below the start; -1 = no limit */
    found *items;
    size_t n, cap;
    char **stack;          /* real paths of the directories being walked (link loops) */
    size_t depth, stack_cap;
} walk;

int64_t etlc__ssh_mtime_us(const LIBSSH2_SFTP_ATTRIBUTES *a)
{
    return (a->flags & LIBSSH2_SFTP_ATTR_ACMODTIME) ? (int64_t)a->mtime * 1000000 : 0;
}

static bool has_glob(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '*' || s[i] == '?' || s[i] == '[' || s[i] == '\\')
            return true;
    return false;
}

/* The glob's literal leading directories (start, malloc'd) and how deep
 * below them it can match. */
static int plan(walk *w, const etlc_list_request *req, char **start)
{
    const char *p = req && req->pattern ? req->pattern : "";
    while (*p == '/') /* a leading "/" means the root all the same */
        p++;
    w->pattern = *p ? p : NULL;
    size_t lit = 0; /* bytes of the literal prefix */
    int segs_after = 0;
    bool literal = true;
    for (const char *s = p; *s;) {
        size_t seg = strcspn(s, "/");
        bool last = s[seg] == '\0';
        if (literal && !last && !has_glob(s, seg))
            lit = (size_t)(s + seg - p);
        else {
            literal = false;
            segs_after++;
        }
        s += seg + (s[seg] == '/');
    }
    if (!w->pattern)
        w->max_depth = req && req->recursive ? -1 : 0;
    else
        w->max_depth = strstr(p, "**") ? -1 : segs_after - 1;
    *start = etlc__strndup(p, lit);
    return *start ? 0 : ETLC_NO_MEMORY;
}

static int keep(walk *w, const char *rel, const LIBSSH2_SFTP_ATTRIBUTES *a)
{
    if (w->pattern && !etlc_glob_match(w->pattern, rel))
        return 0;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        found *grown = realloc(w->items, cap * sizeof *grown);
        if (!grown)
            return ETLC_NO_MEMORY;
        w->items = grown;
        w->cap = cap;
    }
    char *copy = etlc__strdup(rel);
    if (!copy)
        return ETLC_NO_MEMORY;
    bool sized = a->flags & LIBSSH2_SFTP_ATTR_SIZE;
    w->items[w->n++] = (found){copy, sized ? (int64_t)a->filesize : -1, etlc__ssh_mtime_us(a)};
    return 0;
}

static int walk_dir(walk *w, const char *rel, int level, etlc_error *err);

/* A directory reached through a link that leads back up is skipped. */
static int enter(walk *w, const char *path, const char *rel, int level, etlc_error *err)
{
    if (w->max_depth >= 0 && level >= w->max_depth)
        return 0;
    if (!w->ctx->follow_symlinks)
        return walk_dir(w, rel, level + 1, err);
    char real[4096];
    int n = libssh2_sftp_realpath(w->ctx->sftp, path, real, sizeof real - 1);
    if (n < 0)
        return etlc__ssh_fail(w->ctx, ETLC_IO, err, "cannot resolve '%s'", path);
    real[n] = '\0';
    for (size_t i = 0; i < w->depth; i++)
        if (strcmp(w->stack[i], real) == 0) {
            etlc_log(ETLC_LOG_WARN, "ssh", "skipping '%s': a link back to a directory above it", rel);
            return 0;
        }
    if (w->depth == w->stack_cap) {
        size_t cap = w->stack_cap ? w->stack_cap * 2 : 16;
        char **grown = realloc(w->stack, cap * sizeof *grown);
        if (!grown)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing '%s'", path);
        w->stack = grown;
        w->stack_cap = cap;
    }
    if (!(w->stack[w->depth] = etlc__strdup(real)))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing '%s'", path);
    w->depth++;
    int rc = walk_dir(w, rel, level + 1, err);
    free(w->stack[--w->depth]);
    return rc;
}

/* One entry `rel` at `path`, with the attributes readdir gave (lstat's). */
static int visit(walk *w, const char *path, const char *rel, LIBSSH2_SFTP_ATTRIBUTES *a, int level,
                 etlc_error *err)
{
    unsigned long type = (a->flags & LIBSSH2_SFTP_ATTR_PERMISSIONS)
                             ? a->permissions & LIBSSH2_SFTP_S_IFMT : 0;
    if (type == 0 || type == LIBSSH2_SFTP_S_IFLNK) {
        if (type && !w->ctx->follow_symlinks) {
            etlc_log(ETLC_LOG_DEBUG, "ssh", "skipping symbolic link '%s' (follow_symlinks off)", rel);
            return 0;
        }
        if (libssh2_sftp_stat(w->ctx->sftp, path, a) != 0) {
            if (etlc__ssh_lost(w->ctx))
                return etlc__ssh_fail(w->ctx, ETLC_IO, err, "cannot stat '%s'", path);
            etlc_log(ETLC_LOG_WARN, "ssh", "skipping '%s': it cannot be stat'ed (a dangling link?)", rel);
            return 0;
        }
        type = a->permissions & LIBSSH2_SFTP_S_IFMT;
    }
    if (type == LIBSSH2_SFTP_S_IFDIR)
        return enter(w, path, rel, level, err);
    if (type != LIBSSH2_SFTP_S_IFREG)
        return 0;
    return keep(w, rel, a) ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing '%s'", path) : 0;
}

static int read_entries(walk *w, LIBSSH2_SFTP_HANDLE *dir, const char *rel, const char *path,
                        int level, etlc_error *err)
{
    char name[4096];
    etlc__buf child = {0}, full = {0};
    int rc = 0;
    for (;;) {
        LIBSSH2_SFTP_ATTRIBUTES a;
        int n = libssh2_sftp_readdir_ex(dir, name, sizeof name, NULL, 0, &a);
        if (n < 0) {
            rc = etlc__ssh_fail(w->ctx, ETLC_IO, err, "cannot list directory '%s'", path);
            break;
        }
        if (n == 0)
            break;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        etlc__buf_reset(&child);
        etlc__buf_reset(&full);
        if (etlc__buf_printf(&child, "%s%s%s", rel, *rel ? "/" : "", name) != 0 ||
            etlc__buf_printf(&full, "%s/%s", path, name) != 0) {
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing '%s'", path);
            break;
        }
        if ((rc = visit(w, full.data, child.data, &a, level, err)) != 0)
            break;
    }
    etlc__buf_free(&child);
    etlc__buf_free(&full);
    return rc;
}

/* The directory `rel` ("" for the root), `level` directories below the start. */
static int walk_dir(walk *w, const char *rel, int level, etlc_error *err)
{
    ssh_ctx *ctx = w->ctx;
    char *path = *rel ? etlc__ssh_join(ctx, rel, err) : etlc__strdup(ctx->root_abs);
    if (!path)
        return *rel ? err->code : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing");
    LIBSSH2_SFTP_HANDLE *dir = libssh2_sftp_opendir(ctx->sftp, path);
    int rc = dir ? read_entries(w, dir, rel, path, level, err)
                 : etlc__ssh_fail(ctx, ETLC_IO, err, "cannot list directory '%s'", path);
    if (dir)
        libssh2_sftp_closedir(dir);
    free(path);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const found *)a)->name, ((const found *)b)->name);
}

int etlc__ssh_list(void *vctx, const etlc_list_request *req, etlc_resource_fn fn, void *userdata,
                   etlc_error *err)
{
    ssh_ctx *ctx = vctx;
    walk w = {.ctx = ctx};
    char *start = NULL;
    int rc = plan(&w, req, &start) ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing") : 0;
    /* Nothing is reported before the walk ends, so a session that died
     * while idle (a cached connector) is connected again and the walk made
     * once more. */
    for (int round = 0; rc == 0 && round < 2; round++) {
        rc = etlc__ssh_ensure(ctx, err);
        if (rc != 0)
            break;
        char *path = *start ? etlc__ssh_join(ctx, start, err) : etlc__strdup(ctx->root_abs);
        if (!path)
            rc = *start ? err->code : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing");
        else
            rc = ctx->follow_symlinks ? enter(&w, path, start, -1, err) : walk_dir(&w, start, 0, err);
        free(path);
        /* A literal directory of the glob that does not exist: nothing matches. */
        if (rc == ETLC_IO_NOT_FOUND && *start)
            rc = 0;
        if (rc == 0 || !ctx->broken || round > 0)
            break;
        etlc_log(ETLC_LOG_INFO, "ssh", "%s; connecting again", err ? err->message : "connection lost");
        for (size_t i = 0; i < w.n; i++)
            free(w.items[i].name);
        w.n = 0;
        rc = 0;
    }
    if (rc == 0 && w.n > 1)
        qsort(w.items, w.n, sizeof *w.items, by_name);
    for (size_t i = 0; rc == 0 && i < w.n; i++) {
        etlc_resource res = {.name = w.items[i].name, .size = w.items[i].size,
                             .mtime_us = w.items[i].mtime_us};
        rc = fn(userdata, &res, err);
    }
    for (size_t i = 0; i < w.n; i++)
        free(w.items[i].name);
    free(w.items);
    free(w.stack);
    free(start);
    return rc;
}
