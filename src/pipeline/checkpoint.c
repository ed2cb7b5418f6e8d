/* One checkpoint module for every kind of position: where it is stored
 * (in the lake beside the data, or a local --state file), its exclusive
 * hold, and the commit order intent -> lake commit -> position. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_load.h"
#include "pipeline/checkpoint_internal.h"
#include "sinks/lake_backend.h"

#define CHECKPOINT_TEMPLATE "_checkpoints/{protocol}/{source}/{query_hash}.json"

static char *join2(const char *a, const char *b)
{
    etlc__buf buf = {0};
    if (etlc__buf_puts(&buf, a) || etlc__buf_puts(&buf, b)) {
        etlc__buf_free(&buf);
        return NULL;
    }
    return etlc__buf_take(&buf);
}

/* A --state PATH: a local lake at its directory, the file name as relpath. */
static int place_local(etlc__checkpoint *cp, const char *path, etlc_error *err)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? etlc__strndup(path, slash == path ? 1 : (size_t)(slash - path)) : etlc__strdup(".");
    cp->relpath = etlc__strdup(slash ? slash + 1 : path);
    cp->location = etlc__strdup(path);
    int rc = 0;
    if (!dir || !cp->relpath || !cp->location)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming checkpoint '%s'", path);
    else if (!cp->relpath[0])
        rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT, "state path '%s' names a directory, not a file", path);
    else
        rc = etlc_lake_open_local(dir, &cp->owned_lake, err);
    free(dir);
    cp->lake = cp->owned_lake;
    return rc;
}

static int place_in_lake(etlc__checkpoint *cp, const etlc__checkpoint_place *where, etlc_error *err)
{
    cp->lake = where->lake;
    int rc = 0;
    if (where->relpath) {
        cp->relpath = etlc__strdup(where->relpath);
        rc = cp->relpath ? etlc_lake_check_relpath(cp->relpath, err)
                         : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming a checkpoint");
    } else {
        etlc_path_vars vars = {.protocol = where->protocol ? where->protocol : "any",
                               .source = where->source ? where->source : "any",
                               .query_hash = cp->definition};
        rc = etlc_lake_render_path(CHECKPOINT_TEMPLATE, &vars, &cp->relpath, err);
    }
    if (rc == 0 && where->legacy_relpath && !(cp->legacy_relpath = etlc__strdup(where->legacy_relpath)))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming a checkpoint");
    if (rc == 0) {
        etlc__buf b = {0};
        if (etlc__buf_printf(&b, "%s/%s", etlc_lake_root(cp->lake), cp->relpath))
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming a checkpoint");
        cp->location = etlc__buf_take(&b);
    }
    return rc;
}

/* Read relpath into cp; *found false (and 0) when it is absent. The
 * checkpoint's own place keeps its version: the next write is conditional
 * on it. */
static int read_at(etlc__checkpoint *cp, const char *relpath, bool *found, etlc_error *err)
{
    char *text = NULL, *version = NULL;
    size_t len = 0;
    etlc_error e = {0};
    *found = false;
    int rc = etlc__lake_read_versioned(cp->lake, relpath, 0, &text, &len, &version, &e);
    if (rc == 0 && relpath == cp->relpath) {
        free(cp->version);
        cp->version = version;
        version = NULL;
    }
    free(version);
    if (rc == ETLC_IO_NOT_FOUND)
        return 0;
    if (rc) {
        if (err)
            *err = e;
        return rc;
    }
    *found = true;
    rc = etlc__checkpoint_parse(cp, text, len, err);
    free(text);
    return rc;
}

/* The old extract state kept an interrupted run's intent beside it. */
static int read_legacy_sidecar(etlc__checkpoint *cp, const char *relpath, etlc_error *err)
{
    char *side = join2(relpath, ".pending"), *text = NULL;
    size_t len = 0;
    etlc_error e = {0};
    if (!side)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading checkpoint '%s'", cp->location);
    int rc = etlc_lake_read(cp->lake, side, 0, &text, &len, &e);
    if (rc == ETLC_IO_NOT_FOUND || rc == ETLC_NO_MEMORY) {
        free(side);
        if (rc == ETLC_NO_MEMORY && err)
            *err = e;
        return rc == ETLC_NO_MEMORY ? rc : 0;
    }
    bool oom = false;
    json_t *p = rc ? NULL : etlc__json_loadb(text, len, 0, NULL, &oom);
    free(text);
    if (oom) {
        free(side);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the intent beside '%s'", cp->location);
    }
    if (json_is_object(p)) {
        cp->pending = p;
        cp->sidecar = side;
        side = NULL;
    } else {
        json_decref(p);
        etlc_log(ETLC_LOG_WARN, "checkpoint", "ignoring an unreadable pending intent beside '%s'", cp->location);
    }
    free(side);
    return 0;
}

static int load(etlc__checkpoint *cp, etlc_error *err)
{
    bool found = false;
    int rc = read_at(cp, cp->relpath, &found, err);
    if (rc == 0 && !found && cp->legacy_relpath) {
        rc = read_at(cp, cp->legacy_relpath, &found, err);
        if (rc == 0 && found)
            etlc_log(ETLC_LOG_INFO, "checkpoint", "continuing from the extract state at %s/%s; from now on at %s",
                     etlc_lake_root(cp->lake), cp->legacy_relpath, cp->location);
        if (rc == 0 && found)
            rc = read_legacy_sidecar(cp, cp->legacy_relpath, err);
        return rc;
    }
    if (rc == 0 && found && cp->legacy)
        rc = read_legacy_sidecar(cp, cp->relpath, err);
    return rc;
}

static int take_hold(etlc__checkpoint *cp, const etlc__checkpoint_options *opts, etlc_error *err)
{
    char *lock = join2(cp->relpath, ".lock");
    if (!lock)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming the hold of '%s'", cp->location);
    int rc = etlc_lake_lock_acquire(cp->lake, lock, cp->holder, opts->wait_ms, opts->lease_ttl_ms, &cp->hold, err);
    free(lock);
    if (rc == 0) { /* held: a put killed midway left its temporary here; clear such debris */
        char *dir = etlc__strdup(cp->relpath);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        if (slash) {
            *slash = '\0';
            etlc__lake_sweep_dead_temporaries(cp->lake, dir);
        }
        free(dir);
    }
    if (rc == ETLC_BUSY)
        etlc_error_prefix(err, "checkpoint %s is in use by another run%s", cp->location,
                          opts->wait_ms > 0 ? " (waited for it in vain)" : "");
    return rc;
}

int etlc__checkpoint_open(const etlc__checkpoint_place *where, const etlc__checkpoint_options *opts,
                          etlc__checkpoint **out, etlc_error *err)
{
    *out = NULL;
    if (!where || !opts || !opts->kind || !opts->definition || (!where->lake && !where->local_path))
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "a checkpoint needs a place, a kind and a definition");
    etlc__checkpoint *cp = calloc(1, sizeof *cp);
    if (!cp)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening a checkpoint");
    pthread_mutex_init(&cp->mu, NULL);
    cp->kind = etlc__strdup(opts->kind);
    cp->definition = etlc__strdup(opts->definition);
    cp->holder = etlc__strdup(opts->holder ? opts->holder : "etlconn");
    cp->protocol = where->protocol ? etlc__strdup(where->protocol) : NULL;
    cp->source = where->source ? etlc__strdup(where->source) : NULL;
    int rc = 0;
    if (!cp->kind || !cp->definition || !cp->holder || (where->protocol && !cp->protocol) ||
        (where->source && !cp->source))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening a checkpoint");
    else if (where->local_path)
        rc = place_local(cp, where->local_path, err);
    else
        rc = place_in_lake(cp, where, err);
    rc = rc ? rc : take_hold(cp, opts, err);
    rc = rc ? rc : load(cp, err);
    if (rc) {
        etlc__checkpoint_close(cp);
        return rc;
    }
    *out = cp;
    return 0;
}

json_t *etlc__checkpoint_position(const etlc__checkpoint *cp) { return cp->position; }
json_t *etlc__checkpoint_pending(const etlc__checkpoint *cp) { return cp->pending; }
int64_t etlc__checkpoint_runs(const etlc__checkpoint *cp) { return cp->runs; }
const char *etlc__checkpoint_location(const etlc__checkpoint *cp) { return cp->location; }

static int store(etlc__checkpoint *cp, json_t *position, json_t *pending, int64_t runs, etlc_error *err)
{
    if (!cp->created_at[0]) /* the first write creates it */
        etlc_format_timestamp(etlc_now_us(), cp->created_at, sizeof cp->created_at);
    char *text = etlc__checkpoint_render(cp, position, pending, runs);
    if (!text)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing checkpoint '%s'", cp->location);
    char *version = NULL;
    int rc = etlc__lake_put_if(cp->lake, cp->relpath, text, strlen(text), cp->version, &version, err);
    free(text);
    if (rc == ETLC_BUSY) {
        etlc_error_clear(err);
        return etlc_error_set(err, ETLC_BUSY,
                              "checkpoint %s was changed by another run since this one read it "
                              "(its hold lapsed and was taken over?); not overwritten", cp->location);
    }
    if (rc)
        etlc_error_prefix(err, "checkpoint %s", cp->location);
    if (rc == 0) {
        free(cp->version);
        cp->version = version;
    }
    return rc;
}

int etlc__checkpoint_intent(etlc__checkpoint *cp, json_t *intent, etlc_error *err)
{
    pthread_mutex_lock(&cp->mu);
    int rc = store(cp, cp->position, intent, cp->runs, err);
    pthread_mutex_unlock(&cp->mu);
    if (rc)
        return rc;
    json_incref(intent); /* before the old one goes: they may be the same */
    json_decref(cp->pending);
    cp->pending = intent;
    return 0;
}

int etlc__checkpoint_commit(etlc__checkpoint *cp, json_t *position, etlc_error *err)
{
    pthread_mutex_lock(&cp->mu);
    int rc = store(cp, position, NULL, cp->runs + 1, err);
    pthread_mutex_unlock(&cp->mu);
    if (rc)
        return rc;
    json_incref(position); /* before the old one goes: they may be the same */
    json_decref(cp->position);
    json_decref(cp->pending);
    cp->position = position;
    cp->pending = NULL;
    cp->runs++;
    if (cp->sidecar) { /* the old format's intent file: superseded by the envelope */
        etlc_error ignored = {0};
        pthread_mutex_lock(&cp->mu);
        etlc_lake_delete(cp->lake, cp->sidecar, &ignored);
        pthread_mutex_unlock(&cp->mu);
        free(cp->sidecar);
        cp->sidecar = NULL;
    }
    return 0;
}

int etlc__checkpoint_renew(etlc__checkpoint *cp, etlc_error *err)
{
    pthread_mutex_lock(&cp->mu);
    int rc = cp->hold ? etlc_lake_lock_renew(cp->hold, err) : 0;
    pthread_mutex_unlock(&cp->mu);
    return rc;
}

int64_t etlc__checkpoint_lease_ms(const etlc__checkpoint *cp) { return etlc__lake_lock_ttl_ms(cp->hold); }

void etlc__checkpoint_close(etlc__checkpoint *cp)
{
    if (!cp)
        return;
    etlc_lake_lock_release(cp->hold);
    json_decref(cp->position);
    json_decref(cp->pending);
    etlc_lake_free(cp->owned_lake);
    free(cp->relpath);
    free(cp->legacy_relpath);
    free(cp->sidecar);
    free(cp->location);
    free(cp->kind);
    free(cp->definition);
    free(cp->holder);
    free(cp->protocol);
    free(cp->source);
    free(cp->version);
    pthread_mutex_destroy(&cp->mu);
    free(cp);
}
