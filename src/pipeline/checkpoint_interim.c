/* INTERIM checkpoint implementation for branch `caps` only, so the
 * capability drivers link and their tests run before the pipeline
 * branch's checkpoint.c lands. Delete this file when merging that one
 * (same symbols). Lake-only (no --state file), local or S3 through the
 * lake API: hold = etlc_lake_lock_acquire, file = etlc_lake_read/put. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/checkpoint.h"

struct etlc__checkpoint {
    etlc_lake *lake;
    char *relpath;
    char *location;
    etlc_lake_lock *lock;
    json_t *doc; /* {"format":1,"kind","definition","runs","position","pending"} */
};

static int load(etlc__checkpoint *cp, const etlc__checkpoint_options *o, etlc_error *err)
{
    char *data = NULL;
    size_t len = 0;
    etlc_error e = {0};
    int rc = etlc_lake_read(cp->lake, cp->relpath, 0, &data, &len, &e);
    if (rc == ETLC_IO_NOT_FOUND) {
        cp->doc = json_pack("{s:i,s:s,s:s,s:I,s:n,s:n}", "format", 1, "kind", o->kind,
                            "definition", o->definition, "runs", (json_int_t)0, "position",
                            "pending");
        return cp->doc ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    }
    if (rc != 0) {
        if (err)
            *err = e;
        return rc;
    }
    json_error_t je;
    cp->doc = json_loadb(data, len, 0, &je);
    free(data);
    if (!json_is_object(cp->doc))
        return etlc_error_set(err, ETLC_DATA, "checkpoint '%s' is not valid JSON: %s", cp->location,
                              je.text);
    return 0;
}

int etlc__checkpoint_open(const etlc__checkpoint_place *where, const etlc__checkpoint_options *opts,
                          etlc__checkpoint **out, etlc_error *err)
{
    *out = NULL;
    etlc__checkpoint *cp = calloc(1, sizeof *cp);
    etlc__buf b = {0}, lk = {0}, loc = {0};
    if (!cp || etlc__buf_printf(&b, "_checkpoints/%s/%s/%s.json", where->protocol, where->source,
                                opts->definition) ||
        etlc__buf_printf(&lk, "%s.lock", b.data) ||
        etlc__buf_printf(&loc, "%s/%s", etlc_lake_root(where->lake), b.data)) {
        free(cp);
        etlc__buf_free(&b), etlc__buf_free(&lk), etlc__buf_free(&loc);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening a checkpoint");
    }
    cp->lake = where->lake;
    cp->relpath = etlc__buf_take(&b);
    cp->location = etlc__buf_take(&loc);
    int rc = etlc_lake_lock_acquire(cp->lake, lk.data, opts->holder, opts->wait_ms,
                                    opts->lease_ttl_ms ? opts->lease_ttl_ms : 600000, &cp->lock, err);
    etlc__buf_free(&lk);
    if (rc == 0)
        rc = load(cp, opts, err);
    if (rc != 0) {
        etlc__checkpoint_close(cp);
        return rc;
    }
    *out = cp;
    return 0;
}

json_t *etlc__checkpoint_position(const etlc__checkpoint *cp)
{
    json_t *p = json_object_get(cp->doc, "position");
    return json_is_null(p) ? NULL : p;
}

json_t *etlc__checkpoint_pending(const etlc__checkpoint *cp)
{
    json_t *p = json_object_get(cp->doc, "pending");
    return json_is_null(p) ? NULL : p;
}

int64_t etlc__checkpoint_runs(const etlc__checkpoint *cp)
{
    return json_integer_value(json_object_get(cp->doc, "runs"));
}

const char *etlc__checkpoint_location(const etlc__checkpoint *cp) { return cp->location; }

static int save(etlc__checkpoint *cp, etlc_error *err)
{
    char *text = json_dumps(cp->doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (!text)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing a checkpoint");
    int rc = etlc_lake_put(cp->lake, cp->relpath, text, strlen(text), err);
    free(text);
    return rc;
}

int etlc__checkpoint_intent(etlc__checkpoint *cp, json_t *intent, etlc_error *err)
{
    if (json_object_set(cp->doc, "pending", intent) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing a checkpoint");
    return save(cp, err);
}

int etlc__checkpoint_commit(etlc__checkpoint *cp, json_t *position, etlc_error *err)
{
    json_t *next = json_deep_copy(cp->doc);
    if (!next || json_object_set(next, "position", position) ||
        json_object_set_new(next, "pending", json_null()) ||
        json_object_set_new(next, "runs", json_integer(etlc__checkpoint_runs(cp) + 1))) {
        json_decref(next);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing a checkpoint");
    }
    json_t *old = cp->doc;
    cp->doc = next;
    int rc = save(cp, err);
    if (rc != 0) { /* the stored position is still the old one */
        cp->doc = old;
        json_decref(next);
        return rc;
    }
    json_decref(old);
    return 0;
}

int etlc__checkpoint_renew(etlc__checkpoint *cp, etlc_error *err)
{
    return etlc_lake_lock_renew(cp->lock, err);
}

void etlc__checkpoint_close(etlc__checkpoint *cp)
{
    if (!cp)
        return;
    etlc_lake_lock_release(cp->lock);
    json_decref(cp->doc);
    free(cp->relpath);
    free(cp->location);
    free(cp);
}
