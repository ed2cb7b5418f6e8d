/* Extraction, phases "intent" and "checkpoint": what the run is about to
 * land, recorded before it lands anything, and the position (the cursor
 * and what the run landed) stored after the lake commit. The envelope
 * around both is the checkpoint module's (docs/checkpoint.md). */
#include <stdlib.h>
#include <string.h>

#include "core/json_load.h"
#include "pipeline/extract_internal.h"

int etlc__ext_json_check(const ext_job *job, const char *what, etlc_error *err)
{
    if (etlc__json_failed_allocations() != job->json_failed)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory %s", what);
    return 0;
}

int etlc__ext_intent_phase(ext_job *job, etlc_error *err)
{
    json_t *pj = json_object();
    /* Not json_loads: jansson can overrun its buffer after a failed
     * allocation (core/json_load.c). */
    bool sc_oom;
    json_t *sc = etlc__json_loadb(job->start_text, strlen(job->start_text), JSON_DECODE_ANY, NULL, &sc_oom);
    json_object_set_new(pj, "definition", json_string(job->def_hash));
    json_object_set_new(pj, "start_cursor", sc ? sc : json_null());
    json_object_set_new(pj, "upper_bound", etlc__ext_value_json(&job->upper));
    json_object_set_new(pj, "run_id", json_string(job->run_id));
    json_object_set_new(pj, "runs", json_integer(job->runs));
    json_object_set_new(pj, "partitions", json_integer(job->nparts));
    int rc = !pj || sc_oom ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory recording the intent")
                 : etlc__ext_json_check(job, "recording the intent", err);
    rc = rc ? rc : etlc__checkpoint_intent(etlc__run_checkpoint(job->run), pj, err);
    json_decref(pj);
    return rc;
}

/* What this run landed: path, sha256 and counts of each file. */
static json_t *files_json(etlc_result *r)
{
    json_t *files = json_array();
    for (size_t i = 0; files && i < r->item_count; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "path", json_string(r->items[i].path));
        json_object_set_new(f, "sha256", json_string(r->items[i].sha256));
        json_object_set_new(f, "records", json_integer(r->items[i].record_count));
        json_object_set_new(f, "bytes", json_integer(r->items[i].byte_count));
        json_array_append_new(files, f);
    }
    return files;
}

static json_t *last_run_json(ext_job *job)
{
    json_t *last = json_object();
    if (!last)
        return NULL;
    char when[40];
    etlc_format_timestamp(etlc_now_us(), when, sizeof when);
    json_object_set_new(last, "run_id", json_string(job->run_id));
    json_object_set_new(last, "upper_bound", etlc__ext_value_json(&job->upper));
    json_object_set_new(last, "start_cursor", etlc__ext_cursor_json(&job->start));
    json_object_set_new(last, "rows", json_integer((json_int_t)job->total_rows));
    json_object_set_new(last, "partitions", json_integer(job->nparts));
    json_object_set_new(last, "finished_at", json_string(when));
    json_object_set_new(last, "files", files_json(etlc__run_result(job->run)));
    return last;
}

/* Kind "sql": the cursor, what it is a cursor of, and the last run. */
static json_t *position_json(ext_job *job)
{
    const etlc_extract_options *o = job->o;
    json_t *s = json_object(), *keys = json_array();
    /* The checkpoint sits in the lake: a secret written into the query
     * (password=...) is stored redacted, as in the Parquet footer. The
     * definition hash, not this text, identifies the extraction. */
    char *what = etlc_redact_dup(o->table ? o->table : o->query);
    if (!s || !keys || !what) {
        json_decref(s);
        json_decref(keys);
        free(what);
        return NULL;
    }
    for (size_t i = 0; i < o->nkeys; i++)
        json_array_append_new(keys, json_string(o->keys[i]));
    json_object_set_new(s, o->table ? "table" : "query", json_string(what));
    free(what);
    json_object_set_new(s, "watermark", o->watermark ? json_string(o->watermark) : json_null());
    json_object_set_new(s, "keys", keys);
    json_object_set_new(s, "cursor", etlc__ext_cursor_json(&job->end));
    json_object_set_new(s, "last_run", last_run_json(job));
    return s;
}

int etlc__ext_checkpoint_phase(ext_job *job, etlc_error *err)
{
    json_t *pos = position_json(job);
    int rc = !pos ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the position")
                  : etlc__ext_json_check(job, "building the position", err);
    rc = rc ? rc : etlc__run_checkpoint_commit(job->run, pos, err);
    json_decref(pos);
    return rc;
}
