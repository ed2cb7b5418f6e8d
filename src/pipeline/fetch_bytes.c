/* The bytes driver: list, keep what the shared bytes options select
 * (include, exclude, min_age, max_age: bytes_settings.c), compare with the
 * checkpoint's listing, land each new or changed resource whole
 * (bytes_land.c: bounded memory, resumable spool, size checked), commit
 * the checkpoint, then apply after_landing at the source (bytes_after.c).
 *
 * Each file is committed on its own (it is whole or absent: fsynced,
 * then renamed); the directories they landed in are fsynced once, after
 * the last one, and the checkpoint is committed after that, so a crash re-lands the same
 * files under the same names (overwrite, no duplicate). A resource that
 * fails (unreadable, refused name) is reported in the result and left for
 * the next run. One that changes while it is read (the connector's open
 * says so with a retryable ETLC_IO, or the size read is not the listed
 * one) is listed again on its own and retried once from its new version;
 * if that fails too it is reported, and nothing of it is landed. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/bytes_driver.h"
#include "pipeline/capabilities.h"

typedef etlc__listed listed;

typedef struct listing {
    listed *v;
    size_t n, cap;
    const etlc__bytes_settings *set; /* NULL: keep every resource listed */
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
    if (ls->set && !etlc__bytes_wanted(ls->set, res))
        return 0;
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

static int list_with(etlc__bytes_job *j, const char *pattern, listing *ls, etlc_error *err)
{
    etlc__cap_land *l = j->l;
    etlc_list_request lr = {.pattern = pattern && *pattern ? pattern : NULL, .recursive = true};
    ls->set = &j->set;
    etlc__connector_enter(l->c);
    int rc = l->c->ops->bytes->list(l->c->ctx, &lr, collect, ls, err);
    etlc__connector_leave(l->c);
    return rc;
}

/* e changed while it was read: list it again on its own (its name as a
 * glob with every special byte escaped) and take its new version into *e.
 * ETLC_IO_NOT_FOUND when it is gone or no longer selected (min_age). */
static int relist(etlc__bytes_job *j, listed *e, etlc_error *err)
{
    etlc__buf pat = {0};
    int bad = 0;
    for (const char *s = e->name; !bad && *s; s++)
        bad = (strchr("*?[]\\", *s) && etlc__buf_putc(&pat, '\\')) || etlc__buf_putc(&pat, *s);
    listing one = {0};
    int rc = bad ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing '%s'", e->name)
                 : list_with(j, pat.data, &one, err);
    etlc__buf_free(&pat);
    listed *found = NULL;
    for (size_t i = 0; rc == 0 && i < one.n; i++)
        if (strcmp(one.v[i].name, e->name) == 0)
            found = &one.v[i];
    if (rc == 0 && !found)
        rc = etlc_error_set(err, ETLC_IO_NOT_FOUND, "'%s' changed while it was read and is now gone "
                            "or not selected (min_age?); nothing of it was landed", e->name);
    if (found) {
        free(e->etag);
        e->etag = found->etag;
        found->etag = NULL;
        free(e->content_type);
        e->content_type = found->content_type;
        found->content_type = NULL;
        e->size = found->size;
        e->mtime_us = found->mtime_us;
    }
    listing_free(&one);
    return rc;
}

/* Land e; a change seen while reading it is retried once on its new version. */
static int land_retrying(etlc__bytes_job *j, listed *e, char sha[65], size_t *item, etlc_error *err)
{
    int rc = etlc__bytes_land_one(j, e, sha, item, err);
    if (rc == 0 || rc == ETLC_NO_MEMORY || rc == ETLC_CANCELLED || !err->retryable)
        return rc;
    etlc_log(ETLC_LOG_INFO, j->l->c->ops->name, "%s; listing it again and retrying once", err->message);
    etlc_error again = {0};
    rc = relist(j, e, &again);
    if (rc == 0)
        rc = etlc__bytes_land_one(j, e, sha, item, &again);
    *err = again;
    return rc;
}

/* ---- the run ------------------------------------------------------------ */

static int remember(json_t *files, const listed *e, const char *sha)
{
    json_t *o = json_pack("{s:I,s:I,s:s?,s:s}", "size", (json_int_t)e->size, "mtime_us",
                          (json_int_t)e->mtime_us, "etag", e->etag, "sha256", sha);
    return o && json_object_set_new(files, e->name, o) == 0 ? 0 : ETLC_NO_MEMORY;
}

/* What one run decided per listed resource, for after_landing. */
#define NOT_LANDED ((size_t)-1)   /* failed: nothing to clean up at the source */
#define LANDED_BEFORE ((size_t)-2) /* unchanged since a run that landed it */

typedef struct bytes_state {
    etlc__bytes_job job;
    listing ls;
    json_t *prev, *next;      /* the checkpoint's listing and the new one */
    size_t *item;             /* per listed resource: its item index, or the marks above */
    int first_fail;
    etlc_error first;
} bytes_state;

static int keep_listing(json_t *next, const char *name, json_t *old, etlc_error *err)
{
    if (old && json_object_set(next, name, old) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the listing");
    return 0;
}

/* Land what changed; per-file failures are noted in the result and the
 * first one is kept in st->first. */
static int land_changed(bytes_state *st, etlc_error *err)
{
    etlc__cap_land *l = st->job.l;
    for (size_t i = 0; i < st->ls.n; i++) {
        listed *e = &st->ls.v[i];
        json_t *old = st->prev ? json_object_get(st->prev, e->name) : NULL;
        st->item[i] = NOT_LANDED;
        if (unchanged(st->prev, e)) {
            st->item[i] = LANDED_BEFORE;
            if (keep_listing(st->next, e->name, old, err) != 0)
                return ETLC_NO_MEMORY;
            continue;
        }
        /* A cancel ends the run before the next file (the run fails: the files
         * it landed are taken back, the checkpoint keeps its listing). */
        int rc = etlc__run_cancelled(l->run, err);
        if (rc != 0)
            return rc;
        char sha[65] = "";
        etlc_error fe = {0};
        rc = land_retrying(&st->job, e, sha, &st->item[i], &fe);
        if (rc == ETLC_NO_MEMORY || rc == ETLC_CANCELLED) { /* the run's failure, not the file's */
            *err = fe;
            return rc;
        }
        if (rc != 0) {
            st->item[i] = NOT_LANDED;
            if (etlc__cap_note_error(l, &fe) != 0)
                return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory recording an error");
            if (!st->first_fail) {
                st->first_fail = rc;
                st->first = fe;
            }
            if (keep_listing(st->next, e->name, old, err) != 0) /* still the old version */
                return ETLC_NO_MEMORY;
            continue;
        }
        if (remember(st->next, e, sha) != 0)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the listing");
    }
    return 0;
}

static int intent_of(bytes_state *st, etlc_error *err)
{
    json_t *names = json_array();
    for (size_t i = 0; names && i < st->ls.n; i++)
        if (!unchanged(st->prev, &st->ls.v[i]) &&
            json_array_append_new(names, json_string(st->ls.v[i].name)) != 0) {
            json_decref(names);
            names = NULL;
        }
    json_t *intent = names ? json_pack("{s:o}", "files", names) : NULL;
    if (!intent)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing the intent");
    int rc = etlc__checkpoint_intent(st->job.l->cp, intent, err);
    json_decref(intent);
    return rc;
}

/* A part is worth keeping only for a resource this run is about to land,
 * in the very version its sidecar names. */
static bool part_wanted(void *ud, const etlc_resource *res)
{
    bytes_state *st = ud;
    if (!st->job.set.resume || !st->job.l->c->ops->bytes->open_at)
        return false;
    for (size_t i = 0; i < st->ls.n; i++) {
        const listed *e = &st->ls.v[i];
        if (strcmp(e->name, res->name) == 0)
            return !unchanged(st->prev, e) && e->size == res->size && e->mtime_us == res->mtime_us &&
                   ((!e->etag && !res->etag) || (e->etag && res->etag && strcmp(e->etag, res->etag) == 0));
    }
    return false;
}

static int open_checkpoint(etlc__cap_land *l, const etlc_fetch_request *req, etlc_error *err)
{
    char *normalized = NULL; /* tuning (retries, TLS, chunk sizes) left out: changing it keeps the state */
    if (etlc__config_identity(l->c->cfg, &normalized) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming the checkpoint");
    etlc__buf def = {0};
    int rc = etlc__buf_printf(&def, "%s\n%s", req->query ? req->query : "", normalized) ? ETLC_NO_MEMORY : 0;
    free(normalized);
    if (rc == 0)
        rc = etlc__cap_checkpoint_open(l, "files", def.data, err);
    else
        etlc_error_set(err, rc, "out of memory naming the checkpoint");
    etlc__buf_free(&def);
    return rc;
}

/* The spool: swept every run (with resume off every part goes), kept
 * only when downloads can resume (resume on, the connector has open_at). */
static int open_spool(bytes_state *st, etlc_error *err)
{
    etlc__cap_land *l = st->job.l;
    bool resumable = st->job.set.resume && l->c->ops->bytes->open_at;
    int rc = etlc__part_spool_init(&st->job.spool, etlc_lake_root(l->lake), l->c->ops->name, l->source,
                                   l->definition, err);
    if (rc == 0) {
        etlc__part_spool_sweep(&st->job.spool, part_wanted, st);
        etlc__part_spool_sweep_stale(&st->job.spool, ETLC__PART_STALE_S);
    }
    if (rc == 0 && !resumable)
        etlc__part_spool_free(&st->job.spool); /* spool.dir NULL: straight into the lake */
    return rc;
}

/* after_landing, once the checkpoint covering the files is committed: the
 * files landed now, and those landed by an earlier run whose action did
 * not happen (it failed, or the run was killed before it). */
static void after_landing(bytes_state *st)
{
    size_t failed = 0;
    for (size_t i = 0; i < st->ls.n; i++)
        if (st->item[i] != NOT_LANDED &&
            !etlc__bytes_after_landing(&st->job, &st->ls.v[i], st->item[i] == LANDED_BEFORE ? SIZE_MAX : st->item[i]))
            failed++;
    if (failed) {
        char n[24];
        snprintf(n, sizeof n, "%zu", failed);
        (void)etlc_meta_set(&st->job.l->result->metadata, "after_landing_failed", n);
    }
}

/* True for a query naming one file: no unescaped glob byte (* ? [). */
static bool names_one_file(const char *q)
{
    if (!q || !*q)
        return false;
    for (; *q; q++) {
        if (*q == '\\' && q[1])
            q++;
        else if (strchr("*?[", *q))
            return false;
    }
    return true;
}

static int bytes_run(bytes_state *st, const etlc_fetch_request *req, etlc_error *err)
{
    etlc__cap_land *l = st->job.l;
    int rc = open_checkpoint(l, req, err);
    if (rc == 0)
        rc = list_with(&st->job, req->query, &st->ls, err);
    /* A glob may match nothing; a name that matches nothing is a mistake
     * the user must see, not an empty success. */
    if (rc == 0 && !st->ls.n && names_one_file(req->query))
        rc = etlc_error_set(err, ETLC_IO_NOT_FOUND,
                            "no file '%s' under the root (a directory needs '%s/**'; include, exclude "
                            "or min_age may also leave it out)", req->query, req->query);
    json_t *pos = rc == 0 ? etlc__checkpoint_position(l->cp) : NULL;
    st->prev = pos ? json_object_get(pos, "files") : NULL;
    st->next = rc == 0 ? json_object() : NULL;
    st->item = rc == 0 ? calloc(st->ls.n ? st->ls.n : 1, sizeof *st->item) : NULL;
    if (rc == 0 && (!st->next || !st->item))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the listing");
    if (rc == 0)
        rc = open_spool(st, err);
    if (rc == 0)
        rc = intent_of(st, err);
    if (rc == 0)
        rc = land_changed(st, err);
    /* The renames of every file landed become durable here, before the
     * checkpoint that skips them next time (lake_backend.h: etlc__dir_batch). */
    if (rc == 0)
        rc = etlc__dir_batch_sync(&st->job.dirs, err);
    json_t *position = rc == 0 ? json_pack("{s:O}", "files", st->next) : NULL;
    if (rc == 0 && !position)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the listing");
    if (rc == 0)
        rc = etlc__cap_commit(l, position, err);
    if (rc == 0)
        after_landing(st);
    json_decref(position);
    return rc;
}

int etlc__fetch_bytes(etlc_connector *c, const etlc_fetch_request *req,
                      const etlc_land_options *land, etlc_result **result, etlc_error *err)
{
    /* The bytes capability has no parameters: values would be silently
     * dropped (a path, glob or inline call names what is landed). */
    if (req->nparams)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "'%s' lands files or raw responses as they are: it takes no parameters "
                              "(%zu given); put the values in the query itself", c->ops->name,
                              req->nparams);
    etlc__cap_land l;
    int rc = etlc__cap_land_begin(c, "fetch", req->query, land, &l, err);
    if (rc != 0)
        return rc;
    bytes_state st = {.job.l = &l};
    etlc_error e = {0};
    /* Settings first: an after_landing the connector cannot do fails the
     * run before anything is listed or fetched. */
    rc = etlc__bytes_settings_read(c, &st.job.set, &e);
    if (rc == 0)
        rc = bytes_run(&st, req, &e);
    json_decref(st.next);
    free(st.item);
    listing_free(&st.ls);
    etlc__part_spool_free(&st.job.spool);
    free(st.job.swept_dir);
    etlc__dir_batch_free(&st.job.dirs);
    etlc__bytes_settings_free(&st.job.set);
    if (rc == 0 && st.first_fail) /* reported per file already */
        return etlc__cap_land_end(&l, st.first_fail, &st.first, true, result, err);
    return etlc__cap_land_end(&l, rc, &e, false, result, err);
}
