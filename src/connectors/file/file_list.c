/* Listing a local tree: names relative to the root, filtered by the
 * request's glob, reported in byte order. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file_internal.h"

typedef struct found {
    char *name;
    struct stat st;
} found;

typedef struct walk {
    file_ctx *ctx;
    const etlc_list_request *req;
    bool recursive;
    found *items;
    size_t n, cap;
    /* directories on the current path (loop guard when following links) */
    struct stat *stack;
    size_t depth, stack_cap;
} walk;

int64_t etlc__file_mtime_us(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000 + st->st_mtim.tv_nsec / 1000;
}

void etlc__file_etag(const struct stat *st, char out[64])
{
    snprintf(out, 64, "%llx-%llx.%lx-%llx", (unsigned long long)st->st_ino,
             (unsigned long long)st->st_ctim.tv_sec, (unsigned long)st->st_ctim.tv_nsec,
             (unsigned long long)st->st_size);
}

/* Only the request's glob: include/exclude and age are the bytes driver's
 * (core/bytes_options.h), applied alike to every protocol. */
static bool wanted(const walk *w, const char *name)
{
    return !(w->req && w->req->pattern && *w->req->pattern && !etlc_glob_match(w->req->pattern, name));
}

static int keep(walk *w, const char *name, const struct stat *st)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        found *grown = realloc(w->items, cap * sizeof *grown);
        if (!grown)
            return ETLC_NO_MEMORY;
        w->items = grown;
        w->cap = cap;
    }
    char *copy = etlc__strdup(name);
    if (!copy)
        return ETLC_NO_MEMORY;
    w->items[w->n].name = copy;
    w->items[w->n].st = *st;
    w->n++;
    return 0;
}

static bool on_stack(const walk *w, const struct stat *st)
{
    for (size_t i = 0; i < w->depth; i++)
        if (w->stack[i].st_dev == st->st_dev && w->stack[i].st_ino == st->st_ino)
            return true;
    return false;
}

static int walk_dir(walk *w, const char *rel, etlc_error *err);

/* One directory entry `rel` (relative name) at `path`. */
static int visit(walk *w, const char *path, const char *rel, etlc_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 /* gone since readdir */
                               : etlc_error_set(err, ETLC_IO, "cannot stat '%s': %s", path,
                                                strerror(errno));
    if (S_ISLNK(st.st_mode)) {
        if (!w->ctx->follow_symlinks) {
            etlc_log(ETLC_LOG_DEBUG, "file", "skipping symbolic link '%s' (follow_symlinks off)", rel);
            return 0;
        }
        if (stat(path, &st) != 0) {
            etlc_log(ETLC_LOG_WARN, "file", "skipping dangling symbolic link '%s'", rel);
            return 0;
        }
    }
    if (S_ISDIR(st.st_mode)) {
        if (!w->recursive)
            return 0;
        if (on_stack(w, &st)) {
            etlc_log(ETLC_LOG_WARN, "file", "skipping '%s': a link back to a directory above it", rel);
            return 0;
        }
        return walk_dir(w, rel, err);
    }
    if (!S_ISREG(st.st_mode) || !wanted(w, rel))
        return 0;
    int rc = keep(w, rel, &st);
    return rc ? etlc_error_set(err, rc, "out of memory listing '%s'", w->ctx->root) : 0;
}

static int push_dir(walk *w, const char *path, etlc_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return etlc_error_set(err, ETLC_IO, "cannot stat directory '%s': %s", path, strerror(errno));
    if (w->depth == w->stack_cap) {
        size_t cap = w->stack_cap ? w->stack_cap * 2 : 16;
        struct stat *grown = realloc(w->stack, cap * sizeof *grown);
        if (!grown)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing '%s'", path);
        w->stack = grown;
        w->stack_cap = cap;
    }
    w->stack[w->depth++] = st;
    return 0;
}

/* The directory `rel` ("" for the root). */
static int walk_dir(walk *w, const char *rel, etlc_error *err)
{
    etlc__buf path = {0}, child = {0};
    int rc = etlc__buf_printf(&path, "%s%s%s", w->ctx->root, *rel ? "/" : "", rel) ? ETLC_NO_MEMORY : 0;
    if (rc)
        return etlc_error_set(err, rc, "out of memory listing '%s'", w->ctx->root);
    DIR *d = NULL;
    rc = push_dir(w, path.data, err);
    if (rc == 0 && !(d = opendir(path.data)))
        rc = etlc_error_set(err, errno == EACCES ? ETLC_IO_PERMISSION : ETLC_IO,
                            "cannot list directory '%s': %s", path.data, strerror(errno));
    for (struct dirent *e; rc == 0 && d && (errno = 0, e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        etlc__buf_reset(&child);
        if (etlc__buf_printf(&child, "%s%s%s", rel, *rel ? "/" : "", e->d_name) != 0)
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing '%s'", path.data);
        etlc__buf_reset(&path);
        if (rc == 0 && etlc__buf_printf(&path, "%s/%s", w->ctx->root, child.data) != 0)
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing '%s'", w->ctx->root);
        if (rc == 0)
            rc = visit(w, path.data, child.data, err);
    }
    if (d)
        closedir(d);
    if (w->depth)
        w->depth--;
    etlc__buf_free(&path);
    etlc__buf_free(&child);
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const found *)a)->name, ((const found *)b)->name);
}

static int report(walk *w, etlc_resource_fn fn, void *userdata, etlc_error *err)
{
    if (w->n > 1) /* qsort(NULL, 0, ...) is undefined */
        qsort(w->items, w->n, sizeof *w->items, by_name);
    int rc = 0;
    for (size_t i = 0; i < w->n && rc == 0; i++) {
        char etag[64];
        etlc__file_etag(&w->items[i].st, etag);
        etlc_resource res = {.name = w->items[i].name, .size = (int64_t)w->items[i].st.st_size,
                             .mtime_us = etlc__file_mtime_us(&w->items[i].st), .etag = etag};
        rc = fn(userdata, &res, err);
    }
    return rc;
}

int etlc__file_list(void *vctx, const etlc_list_request *req, etlc_resource_fn fn, void *userdata,
                    etlc_error *err)
{
    walk w = {.ctx = vctx, .req = req};
    /* The configured `recursive` is a limit; a request may narrow it unless
     * its pattern reaches into sub-directories. */
    bool deep = req && req->pattern && (strchr(req->pattern, '/') || strstr(req->pattern, "**"));
    w.recursive = w.ctx->recursive && (!req || req->recursive || deep);
    int rc = walk_dir(&w, "", err);
    if (rc == 0)
        rc = report(&w, fn, userdata, err);
    for (size_t i = 0; i < w.n; i++)
        free(w.items[i].name);
    free(w.items);
    free(w.stack);
    return rc;
}
