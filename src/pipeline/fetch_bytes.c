/* The bytes driver: list, compare with the checkpoint's listing, stream
 * each new or changed resource into the lake as is (bounded memory: one
 * chunk at a time), check its size, and record it as a "bytes" item.
 *
 * Each file is committed on its own (it is whole or absent); the
 * checkpoint is committed after the last one, so a crash re-lands the same
 * files under the same names (overwrite, no duplicate). A resource that
 * fails (changed while read, unreadable) is reported in the result and
 * left for the next run. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/cap_land.h"
#include "pipeline/capabilities.h"
#include "pipeline/content_type.h"

typedef struct listed {
    char *name;
    char *etag;
    char *content_type;        /* as the source states it; NULL = sniffed */
    int64_t size, mtime_us;
} listed;

typedef struct listing {
    listed *v;
    size_t n, cap;
} listing;

static void listing_free(listing *ls)
{
    for (size_t i = 0; i < ls->n; i++) {
        free(ls->v[i].name);
        free(ls->v[i].etag);
        free(ls->v[i].content_type);
    }
    free(ls->v);
}

static int collect(void *ud, const etlc_resource *res, etlc_error *err)
{
    listing *ls = ud;
    if (ls->n == ls->cap) {
        size_t cap = ls->cap ? ls->cap * 2 : 64;
        listed *grown = realloc(ls->v, cap * sizeof *grown);
        if (!grown)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping the listing");
        ls->v = grown;
        ls->cap = cap;
    }
    listed *e = &ls->v[ls->n];
    *e = (listed){.name = etlc__strdup(res->name), .etag = res->etag ? etlc__strdup(res->etag) : NULL,
                  .size = res->size, .mtime_us = res->mtime_us,
                  .content_type = res->content_type ? etlc__strdup(res->content_type) : NULL};
    if (!e->name || (res->etag && !e->etag) || (res->content_type && !e->content_type)) {
        free(e->name);
        free(e->etag);
        free(e->content_type);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping the listing");
    }
    ls->n++;
    return 0;
}

/* Unchanged: the checkpoint has the same size, mtime and etag. */
static bool unchanged(json_t *prev_files, const listed *e)
{
    json_t *p = prev_files ? json_object_get(prev_files, e->name) : NULL;
    if (!json_is_object(p))
        return false;
    const char *etag = json_string_value(json_object_get(p, "etag"));
    return json_integer_value(json_object_get(p, "size")) == e->size &&
           json_integer_value(json_object_get(p, "mtime_us")) == e->mtime_us &&
           ((!etag && !e->etag) || (etag && e->etag && strcmp(etag, e->etag) == 0));
}

/* ---- one resource into one lake file ----------------------------------- */

typedef struct byte_tap {
    const etlc__run *run;
    etlc_lake_file *file;
    unsigned char head[ETLC__SNIFF_BYTES];
    size_t nhead;
} byte_tap;

static int tap_bytes(void *ud, const void *data, size_t len, etlc_error *err)
{
    byte_tap *t = ud;
    int rc = etlc__run_cancelled(t->run, err); /* between chunks: the file is aborted, nothing of it lands */
    if (rc != 0)
        return rc;
    if (t->nhead < sizeof t->head) {
        size_t take = sizeof t->head - t->nhead < len ? sizeof t->head - t->nhead : len;
        memcpy(t->head + t->nhead, data, take);
        t->nhead += take;
    }
    return etlc_lake_file_write(t->file, data, len, err);
}

static int add_item(etlc__cap_land *l, const listed *e, const char *final_path, uint64_t bytes,
                    const char sha[65], const byte_tap *t, etlc_error *err)
{
    const char *base = strrchr(final_path, '/');
    char mtime[40] = "";
    if (e->mtime_us)
        etlc_format_timestamp(e->mtime_us, mtime, sizeof mtime);
    etlc_item it = {.name = (char *)(base ? base + 1 : final_path), .path = (char *)final_path,
                    .format = (char *)"bytes",
                    .content_type = e->content_type ? e->content_type
                                    : (char *)etlc__content_type(e->name, t->head, t->nhead),
                    .record_count = -1, .byte_count = (int64_t)bytes,
                    .fetched_at_us = etlc_now_us()};
    memcpy(it.sha256, sha, 65);
    int bad = etlc_meta_set(&it.metadata, "remote_path", e->name);
    if (!bad && mtime[0])
        bad = etlc_meta_set(&it.metadata, "remote_mtime", mtime);
    if (!bad && e->etag)
        bad = etlc_meta_set(&it.metadata, "etag", e->etag);
    int rc = bad ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory describing '%s'", e->name)
                 : etlc_result_add_item(l->result, &it, err);
    etlc_meta_clear(&it.metadata);
    return rc;
}

/* Land resource e; fills sha (for the checkpoint) on success. */
static int land_one(etlc__cap_land *l, const listed *e, char sha[65], etlc_error *err)
{
    char *relpath = NULL;
    int rc = etlc__cap_relpath(l, e->name, &relpath, err);
    byte_tap tap = {.run = l->run};
    if (rc == 0)
        rc = etlc_lake_file_create(l->lake, relpath, &tap.file, err);
    if (rc == 0) {
        etlc_resource res = {.name = e->name, .size = e->size, .mtime_us = e->mtime_us,
                             .etag = e->etag, .content_type = e->content_type};
        etlc_byte_consumer bc = {.on_bytes = tap_bytes, .userdata = &tap};
        etlc__connector_enter(l->c);
        rc = l->c->ops->bytes->open(l->c->ctx, &res, bc, err);
        etlc__connector_leave(l->c);
        if (rc == 0 && e->size >= 0 && etlc_lake_file_size(tap.file) != (uint64_t)e->size)
            rc = etlc_error_set(err, ETLC_IO, "'%s': read %llu bytes but it was listed with %lld; "
                                "nothing of it was landed", e->name,
                                (unsigned long long)etlc_lake_file_size(tap.file), (long long)e->size);
    }
    uint64_t bytes = 0;
    char *final_path = NULL;
    if (rc == 0)
        rc = etlc_lake_file_commit(tap.file, &bytes, sha, &final_path, err);
    else
        etlc_lake_file_abort(tap.file);
    if (rc == 0)
        rc = add_item(l, e, final_path, bytes, sha, &tap, err);
    free(final_path);
    free(relpath);
    return rc;
}

/* ---- the run ------------------------------------------------------------ */

static int remember(json_t *files, const listed *e, const char *sha)
{
    json_t *o = json_pack("{s:I,s:I,s:s?,s:s}", "size", (json_int_t)e->size, "mtime_us",
                          (json_int_t)e->mtime_us, "etag", e->etag, "sha256", sha);
    return o && json_object_set_new(files, e->name, o) == 0 ? 0 : ETLC_NO_MEMORY;
}

/* Land what changed; `next` receives the new listing. Per-file failures are
 * noted in the result; *first_fail keeps the first one's code. */
static int land_changed(etlc__cap_land *l, const listing *ls, json_t *prev, json_t *next,
                        int *first_fail, etlc_error *first, etlc_error *err)
{
    for (size_t i = 0; i < ls->n; i++) {
        const listed *e = &ls->v[i];
        json_t *old = prev ? json_object_get(prev, e->name) : NULL;
        if (unchanged(prev, e)) {
            if (json_object_set(next, e->name, old) != 0)
                return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the listing");
            continue;
        }
        /* A cancel ends the run before the next file (the run fails: the files
         * it landed are taken back, the checkpoint keeps its listing). */
        int rc = etlc__run_cancelled(l->run, err);
        if (rc != 0)
            return rc;
        char sha[65] = "";
        etlc_error fe = {0};
        rc = land_one(l, e, sha, &fe);
        if (rc == ETLC_NO_MEMORY || rc == ETLC_CANCELLED) { /* the run's failure, not the file's */
            *err = fe;
            return rc;
        }
        if (rc != 0) {
            if (etlc__cap_note_error(l, &fe) != 0)
                return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory recording an error");
            if (!*first_fail) {
                *first_fail = rc;
                *first = fe;
            }
            if (old && json_object_set(next, e->name, old) != 0) /* still the old version */
                return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the listing");
            continue;
        }
        if (remember(next, e, sha) != 0)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the listing");
    }
    return 0;
}

static int list_all(etlc__cap_land *l, const etlc_fetch_request *req, listing *ls, etlc_error *err)
{
    etlc_list_request lr = {.pattern = req->query && *req->query ? req->query : NULL, .recursive = true};
    etlc__connector_enter(l->c);
    int rc = l->c->ops->bytes->list(l->c->ctx, &lr, collect, ls, err);
    etlc__connector_leave(l->c);
    return rc;
}

static int intent_of(etlc__cap_land *l, const listing *ls, json_t *prev, etlc_error *err)
{
    json_t *names = json_array();
    for (size_t i = 0; names && i < ls->n; i++)
        if (!unchanged(prev, &ls->v[i]) && json_array_append_new(names, json_string(ls->v[i].name)) != 0) {
            json_decref(names);
            names = NULL;
        }
    json_t *intent = names ? json_pack("{s:o}", "files", names) : NULL;
    if (!intent)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing the intent");
    int rc = etlc__checkpoint_intent(l->cp, intent, err);
    json_decref(intent);
    return rc;
}

static int bytes_run(etlc__cap_land *l, const etlc_fetch_request *req, int *first_fail,
                     etlc_error *first, etlc_error *err)
{
    char *normalized = NULL;
    char secrets[65];
    if (etlc_config_fingerprint(l->c->cfg, &normalized, secrets) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming the checkpoint");
    etlc__buf def = {0};
    int rc = etlc__buf_printf(&def, "%s\n%s", req->query ? req->query : "", normalized) ? ETLC_NO_MEMORY : 0;
    free(normalized);
    if (rc == 0)
        rc = etlc__cap_checkpoint_open(l, "files", def.data, err);
    else
        etlc_error_set(err, rc, "out of memory naming the checkpoint");
    etlc__buf_free(&def);
    listing ls = {0};
    if (rc == 0)
        rc = list_all(l, req, &ls, err);
    json_t *pos = rc == 0 ? etlc__checkpoint_position(l->cp) : NULL;
    json_t *prev = pos ? json_object_get(pos, "files") : NULL;
    json_t *next = rc == 0 ? json_object() : NULL;
    if (rc == 0 && !next)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the listing");
    if (rc == 0)
        rc = intent_of(l, &ls, prev, err);
    if (rc == 0)
        rc = land_changed(l, &ls, prev, next, first_fail, first, err);
    json_t *position = rc == 0 ? json_pack("{s:O}", "files", next) : NULL;
    if (rc == 0 && !position)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the listing");
    if (rc == 0)
        rc = etlc__cap_commit(l, position, err);
    json_decref(position);
    json_decref(next);
    listing_free(&ls);
    return rc;
}

int etlc__fetch_bytes(etlc_connector *c, const etlc_fetch_request *req,
                      const etlc_land_options *land, etlc_result **result, etlc_error *err)
{
    etlc__cap_land l;
    int rc = etlc__cap_land_begin(c, "fetch", req->query, land, &l, err);
    if (rc != 0)
        return rc;
    etlc_error e = {0}, first = {0};
    int first_fail = 0;
    rc = bytes_run(&l, req, &first_fail, &first, &e);
    if (rc == 0 && first_fail) /* reported per file already */
        return etlc__cap_land_end(&l, first_fail, &first, true, result, err);
    return etlc__cap_land_end(&l, rc, &e, false, result, err);
}
