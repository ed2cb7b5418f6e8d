/* Listing a collection tree: one PROPFIND Depth: infinity where the server
 * allows it, else a walk of Depth: 1 PROPFINDs, one per collection. Files
 * are filtered by the request's glob and reported in byte order of name. */
#include <stdlib.h>
#include <string.h>

#include "webdav_internal.h"

#define MAX_DEPTH 64 /* collections nested deeper are not walked (a server loop) */

typedef struct found {
    char *name, *etag;
    int64_t size, mtime_us;
} found;

typedef struct lister {
    webdav_ctx *ctx;
    const etlc_list_request *req;
    bool recursive;
    bool infinity;      /* the reply being read holds the whole tree */
    const char *dir;    /* the collection being read ("" = the base) */
    found *items;
    size_t n, cap;
    char **dirs;        /* collections still to read (walk) */
    size_t ndirs, capdirs, next_dir;
} lister;

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 32;
    void *g = realloc(*v, c * size);
    if (!g)
        return -1;
    *v = g;
    *cap = c;
    return 0;
}

static size_t depth_of(const char *name)
{
    size_t d = 1;
    for (; *name; name++)
        d += *name == '/';
    return d;
}

/* A child collection to walk: strictly below the one being read. */
static int push_dir(lister *l, const char *name)
{
    size_t dl = strlen(l->dir);
    if ((dl && (strncmp(name, l->dir, dl) != 0 || name[dl] != '/')) || depth_of(name) > MAX_DEPTH)
        return 0;
    if (grow((void **)&l->dirs, &l->capdirs, l->ndirs, sizeof *l->dirs) != 0)
        return -1;
    if (!(l->dirs[l->ndirs] = etlc__strdup(name)))
        return -1;
    l->ndirs++;
    return 0;
}

static int keep(lister *l, const etlc__webdav_entry *e)
{
    if (grow((void **)&l->items, &l->cap, l->n, sizeof *l->items) != 0)
        return -1;
    found *f = &l->items[l->n];
    /* Apache marks a tag weak while the file is younger than a second: keep
     * the opaque part so the next run's listing compares equal. */
    const char *etag = e->etag && strncmp(e->etag, "W/", 2) == 0 ? e->etag + 2 : e->etag;
    *f = (found){.name = etlc__strdup(e->name), .etag = etag ? etlc__strdup(etag) : NULL,
                 .size = e->size, .mtime_us = e->mtime_us};
    if (!f->name || (e->etag && !f->etag)) {
        free(f->name);
        free(f->etag);
        return -1;
    }
    l->n++;
    return 0;
}

static int on_entry(void *ud, const etlc__webdav_entry *e, etlc_error *err)
{
    lister *l = ud;
    if (strcmp(e->name, l->dir) == 0)
        return 0; /* the collection itself */
    int bad = 0;
    if (e->collection) {
        if (l->recursive && !l->infinity)
            bad = push_dir(l, e->name);
    } else if ((l->recursive || !strchr(e->name, '/')) &&
               !(l->req && l->req->pattern && *l->req->pattern &&
                 !etlc_glob_match(l->req->pattern, e->name))) {
        bad = keep(l, e);
    }
    return bad ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing '%s'", l->ctx->base_url)
               : 0;
}

static int read_collection(lister *l, const char *dir, const char *depth, long *status,
                           etlc_error *err)
{
    char *url = etlc__webdav_url(l->ctx, dir, true, err);
    if (!url)
        return err ? err->code : ETLC_IO_PATH;
    etlc__http_response resp = {0};
    int rc = etlc__webdav_propfind(l->ctx, url, depth, &resp, err);
    *status = resp.status;
    l->dir = dir;
    if (rc == 0)
        rc = etlc__webdav_propfind_parse(resp.body.data, resp.body.len, l->ctx->base_path, on_entry,
                                         l, err);
    etlc__http_response_free(&resp);
    free(url);
    return rc;
}

static void drop_items(lister *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].name);
        free(l->items[i].etag);
    }
    l->n = 0;
}

/* One Depth: infinity PROPFIND. *fallback when the server will not (403,
 * propfind-finite-depth; 400/501 from servers without it; a reply over
 * max_listing_size). */
static int read_tree(lister *l, bool *fallback, etlc_error *err)
{
    long status = 0;
    l->infinity = true;
    etlc_error local = {0};
    int rc = read_collection(l, "", "infinity", &status, &local);
    l->infinity = false;
    *fallback = rc != 0 && (status == 403 || status == 400 || status == 501 ||
                            (status == 207 && rc == ETLC_IO));
    if (*fallback) {
        etlc_log(ETLC_LOG_INFO, "webdav", "%s: PROPFIND Depth: infinity not possible (%s); "
                 "walking one collection at a time", l->ctx->base_url, local.message);
        l->ctx->depth_infinity = false; /* do not ask again on this connector */
        drop_items(l);
        return 0;
    }
    if (rc && err)
        *err = local;
    return rc;
}

static int walk(lister *l, etlc_error *err)
{
    if (push_dir(l, "") != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing '%s'", l->ctx->base_url);
    int rc = 0;
    for (; rc == 0 && l->next_dir < l->ndirs; l->next_dir++) {
        long status = 0;
        rc = read_collection(l, l->dirs[l->next_dir], "1", &status, err);
    }
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const found *)a)->name, ((const found *)b)->name);
}

static int report(lister *l, etlc_resource_fn fn, void *userdata, etlc_error *err)
{
    if (l->n > 1)
        qsort(l->items, l->n, sizeof *l->items, by_name);
    int rc = 0;
    for (size_t i = 0; i < l->n && rc == 0; i++) {
        const found *f = &l->items[i];
        if (i && strcmp(f->name, l->items[i - 1].name) == 0)
            continue; /* a server naming a resource twice */
        etlc_resource res = {.name = f->name, .size = f->size, .mtime_us = f->mtime_us,
                             .etag = f->etag};
        rc = fn(userdata, &res, err);
    }
    return rc;
}

int etlc__webdav_list(void *vctx, const etlc_list_request *req, etlc_resource_fn fn, void *userdata,
                      etlc_error *err)
{
    lister l = {.ctx = vctx, .req = req, .dir = ""};
    bool deep = req && req->pattern && (strchr(req->pattern, '/') || strstr(req->pattern, "**"));
    l.recursive = !req || req->recursive || deep;
    bool fallback = true;
    int rc = 0;
    if (l.recursive && l.ctx->depth_infinity)
        rc = read_tree(&l, &fallback, err);
    if (rc == 0 && fallback)
        rc = walk(&l, err);
    if (rc == 0)
        rc = report(&l, fn, userdata, err);
    drop_items(&l);
    free(l.items);
    for (size_t i = 0; i < l.ndirs; i++)
        free(l.dirs[i]);
    free(l.dirs);
    return rc;
}
