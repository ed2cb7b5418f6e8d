/* etlc_extract: incremental, partitioned SQL extraction, a driver of the
 * pipeline run in named phases (extract_internal.h):
 *
 *   plan        open the checkpoint (the hold: one run at a time), read the
 *               cursor and any intent of an interrupted run
 *   snapshot    one read snapshot; upper bound U = max(watermark) - lag (or
 *               the interrupted run's U, so its files get the same names)
 *   intent      record it in the checkpoint, before anything lands
 *   read        the rows after the cursor with wm <= U, ORDER BY (wm, key...)
 *               LIMIT batch, in one slice or N parallel slices, into sinks
 *               whose files stay temporary
 *   commit      every file, then
 *   checkpoint  the new position; the intent is dropped with it.
 * A crash anywhere leaves the old position; the re-run lands the same
 * names with the same rows. A failure takes back the files committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/connector_internal.h"
#include "core/json_load.h"
#include "pipeline/extract_internal.h"

static void set_meta_json(etlc__run *run, const char *key, json_t *j)
{
    char *t = etlc__ext_json_text(j);
    etlc__run_meta(run, key, t);
    free(t);
    json_decref(j);
}

static void report(ext_job *job, int rc)
{
    char rows_text[32], parts_text[16];
    snprintf(rows_text, sizeof rows_text, "%llu", (unsigned long long)job->total_rows);
    snprintf(parts_text, sizeof parts_text, "%u", job->nparts);
    etlc__checkpoint *cp = etlc__run_checkpoint(job->run);
    etlc__run_meta(job->run, "run_id", job->run_id);
    etlc__run_meta(job->run, "rows", rows_text);
    etlc__run_meta(job->run, "partitions", parts_text);
    etlc__run_meta(job->run, "state_path", cp ? etlc__checkpoint_location(cp) : "");
    set_meta_json(job->run, "upper_bound", etlc__ext_value_json(&job->upper));
    set_meta_json(job->run, "cursor_start", etlc__ext_cursor_json(&job->start));
    if (rc == 0)
        set_meta_json(job->run, "cursor_end", etlc__ext_cursor_json(&job->end));
}

static int run_phases(ext_job *job, etlc_error *e)
{
    job->parts = calloc(job->nparts, sizeof *job->parts);
    if (!job->parts)
        return etlc_error_set(e, ETLC_NO_MEMORY, "out of memory starting the extraction");
    int rc = etlc__ext_plan_phase(job, e);
    rc = rc ? rc : etlc__ext_snapshot_phase(job, e);
    rc = rc ? rc : etlc__ext_intent_phase(job, e);
    rc = rc ? rc : etlc__ext_read_phase(job, e);
    rc = rc ? rc : etlc__ext_commit_phase(job, e);
    return rc ? rc : etlc__ext_checkpoint_phase(job, e);
}

static void job_free(ext_job *job)
{
    for (unsigned i = 0; job->parts && i < job->nparts; i++) {
        etlc_sink_abort(job->parts[i].sink);
        etlc_lake_free(job->parts[i].lake); /* after its sink */
        etlc__ext_cursor_clear(&job->parts[i].last);
    }
    if (job->main_snap)
        job->sql->snapshot_end(job->c->ctx, job->main_snap);
    free(job->parts);
    free(job->start_text);
    etlc__ext_cursor_clear(&job->start);
    etlc__ext_cursor_clear(&job->end);
    etlc_value_clear(&job->upper);
    etlc__ext_plan_free(&job->plan);
}

int etlc_extract(etlc_connector *c, const etlc_extract_options *o, etlc_result **result, etlc_error *err)
{
    if (result)
        *result = NULL;
    if (!c || !o || !result)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "etlc_extract needs a connector, options and a result pointer");
    int rc = etlc__ext_check_options(c, o, err);
    if (rc)
        return rc;
    ext_job job = {.c = c, .sql = c->ops->sql, .o = o, .batch = o->batch_size ? o->batch_size : 10000,
                   .nparts = o->partitions > 1 ? o->partitions : 1,
                   .json_failed = etlc__json_failed_allocations()};
    rc = etlc__ext_plan_build(job.sql, o, &job.plan, err);
    rc = rc ? rc : etlc__run_begin(c, "extract", o->table ? o->table : o->query, &o->land, &job.run, err);
    if (rc) {
        etlc__ext_plan_free(&job.plan);
        return rc;
    }
    etlc_error e = {0};
    rc = run_phases(&job, &e);
    report(&job, rc);
    job_free(&job); /* the snapshot ends before the hold is released */
    return etlc__run_end(job.run, rc, &e, result, err);
}
