/* Extraction, phase "read": page through the rows after the cursor with
 * wm <= U, ORDER BY (wm, key...) LIMIT batch, in one slice or N parallel
 * slices (each in its own session, sharing the snapshot), into sinks of
 * the run whose files stay temporary until the commit phase. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/connector_internal.h"
#include "etlconn/parquet.h"
#include "pipeline/extract_internal.h"
#include "sinks/sink_formats.h"

/* Smallest row group a partition gets when they share the budget. */
#define EXT_MIN_ROW_GROUP_BYTES (8 * 1024 * 1024)

/* The database compared them as values, so a NULL here means no cursor can
 * be placed after the row. */
static int check_cursor_cells(const ext_plan *plan, const etlc_batch *batch, size_t user, etlc_error *err)
{
    /* e.g. a MariaDB zero date with zero_date=null */
    if (plan->has_watermark && batch->cols[user].null_count > 0)
        return etlc_error_set(err, ETLC_DATA,
                              "watermark %s reads back as NULL in a row the database did not see as NULL "
                              "(a zero date with zero_date=null?); no cursor can be placed after it",
                              plan->cur[0]);
    for (size_t j = plan->has_watermark ? 1 : 0; j < plan->ncur; j++)
        if (batch->cols[user + j].null_count > 0)
            return etlc_error_set(err, ETLC_DATA,
                                  "key column %s is NULL in a row; the tie-breaker key must be unique and NOT NULL",
                                  plan->cur[j]);
    return 0;
}

static int part_on_batch(void *ud, const etlc_batch *batch, etlc_error *err)
{
    ext_part *pt = ud;
    ext_job *job = pt->job;
    size_t ncur = job->plan.ncur;
    if (etlc__run_cancelled(job->run, err))
        return ETLC_CANCELLED; /* the sinks are aborted and the position stays as it was */
    if (batch->ncols < ncur)
        return etlc_error_set(err, ETLC_INTERNAL, "page has %zu columns, fewer than its %zu cursor columns",
                              batch->ncols, ncur);
    size_t user = batch->ncols - ncur;
    int rc = check_cursor_cells(&job->plan, batch, user, err);
    if (rc)
        return rc;
    etlc_batch view = *batch;
    view.ncols = user; /* the sink sees the user's columns only */
    rc = etlc_sink_write(pt->sink, &view, err);
    if (rc)
        return rc;
    if (batch->nrows > 0) {
        for (size_t j = 0; j < ncur && rc == 0; j++)
            rc = etlc__value_copy_cell(batch, user + j, batch->nrows - 1, &pt->last.v[j], err);
        pt->last.n = ncur;
        pt->last.kind = EXT_CURSOR_AFTER_ROW;
    }
    pt->rows += batch->nrows;
    pt->page_rows += batch->nrows;
    etlc__run_progress(job->run, batch->nrows);
    return rc;
}

/* The pages of one slice, each starting after the last row of the one before. */
static int read_pages(ext_part *pt, etlc_error *err)
{
    ext_job *job = pt->job;
    ext_cursor cur = {0};
    int rc = etlc__ext_cursor_copy(&cur, &job->start, err);
    bool paging = job->plan.ncur > 0;
    while (rc == 0) {
        ext_stmt st;
        rc = etlc__ext_page_sql(&job->plan, &cur, job->plan.has_watermark ? &job->upper : NULL, &pt->slice,
                                paging ? job->batch : 0, &st, err);
        if (rc)
            break;
        etlc_fetch_request req = {.query = st.sql.data, .params = st.params, .nparams = st.nparams,
                                  .batch_rows = job->batch, .cancel = etlc__run_cancel_token(job->run),
                                  .decimals_scaled = etlc__sink_reads_scaled_decimals(pt->sink)};
        etlc_log(ETLC_LOG_DEBUG, "extract", "slice %u page: %s", pt->index, st.sql.data);
        pt->page_rows = 0;
        rc = job->sql->snapshot_fetch(job->c->ctx, pt->snap, &req,
                                      (etlc_batch_consumer){.on_batch = part_on_batch, .userdata = pt}, err);
        etlc__ext_stmt_free(&st);
        if (rc || !paging || pt->page_rows < job->batch)
            break;
        rc = etlc__ext_cursor_copy(&cur, &pt->last, err);
    }
    etlc__ext_cursor_clear(&cur);
    return rc;
}

static int read_slice(ext_part *pt, etlc_error *err)
{
    ext_job *job = pt->job;
    int rc = 0;
    if (!pt->snap) { /* a partition's own session, in the shared snapshot */
        rc = job->sql->snapshot_begin(job->c->ctx, job->token[0] ? job->token : NULL, &pt->snap, NULL, err);
        if (rc)
            return rc;
        pt->own_snap = true;
    }
    etlc_sink_options sopts = job->sopts;
    sopts.vars.run_id = pt->run_id;
    if (job->nparts > 1) /* partitions land in parallel: each in a lake handle of its own */
        rc = etlc__run_lake_open_own(job->run, &pt->lake, err);
    if (rc == 0)
        rc = pt->lake ? etlc_sink_open(pt->lake, &sopts, &pt->sink, err)
                      : etlc__run_sink_open(job->run, &sopts, &pt->sink, err);
    if (rc)
        return rc;
    if (job->plan.has_watermark && job->upper.type == ETLC_TYPE_NULL)
        return 0; /* an empty table (or only NULL watermarks): nothing to read */
    return read_pages(pt, err);
}

static void *slice_thread(void *arg)
{
    ext_part *pt = arg;
    pt->rc = read_slice(pt, &pt->err);
    if (pt->own_snap)
        pt->job->sql->snapshot_end(pt->job->c->ctx, pt->snap);
    pt->snap = NULL;
    return NULL;
}

/* Sink settings, and each part's run id ("-pIIofNN", "-sIIofNN"). */
static void prepare_parts(ext_job *job)
{
    const etlc_extract_options *o = job->o;
    etlc__run_sink_options(job->run, job->def_hash, ETLC_EXTRACT_DEFAULT_TEMPLATE, &job->sopts);
    /* N partitions share one run's row-group budget (each holds a row group
     * in memory), so memory stays that of one reader instead of N times it. */
    if (job->nparts > 1 && job->sopts.row_group_bytes == 0) {
        int64_t share = ETLC_PARQUET_DEFAULT_ROW_GROUP_BYTES / job->nparts;
        job->sopts.row_group_bytes = share < EXT_MIN_ROW_GROUP_BYTES ? EXT_MIN_ROW_GROUP_BYTES : share;
    }
    /* The partitions already run in parallel: N writers each starting a
     * compression thread per CPU would oversubscribe the cores. */
    if (job->nparts > 1 && job->sopts.parquet_threads == 0)
        job->sopts.parquet_threads = 1;
    for (unsigned i = 0; i < job->nparts; i++) {
        ext_part *pt = &job->parts[i];
        pt->job = job;
        pt->index = i;
        if (job->nparts > 1)
            snprintf(pt->run_id, sizeof pt->run_id, "%s-p%02uof%02u", job->run_id, i, job->nparts);
        else if (o->slice_count)
            snprintf(pt->run_id, sizeof pt->run_id, "%s-s%02uof%02u", job->run_id, o->slice_index, o->slice_count);
        else
            snprintf(pt->run_id, sizeof pt->run_id, "%s", job->run_id);
    }
    if (job->nparts == 1 && o->slice_count)
        job->parts[0].slice =
            (ext_slice){.kind = EXT_SLICE_MODULO, .index = o->slice_index, .count = o->slice_count};
}

int etlc__ext_read_phase(ext_job *job, etlc_error *err)
{
    prepare_parts(job);
    if (job->nparts > 1) {
        int rc = job->plan.part ? etlc__ext_range_slices(job, err) : etlc__ext_block_slices(job, err);
        if (rc)
            return rc;
    }
    ext_part *parts = job->parts;
    parts[0].snap = job->main_snap; /* partition 0 reads in the driver's session */
    for (unsigned i = 1; i < job->nparts; i++) {
        if (pthread_create(&parts[i].thread, NULL, slice_thread, &parts[i]) != 0) {
            parts[i].rc = etlc_error_set(&parts[i].err, ETLC_INTERNAL, "cannot start the thread of partition %u", i);
            continue;
        }
        parts[i].started = true;
    }
    parts[0].rc = read_slice(&parts[0], &parts[0].err);
    parts[0].snap = NULL;
    for (unsigned i = 1; i < job->nparts; i++)
        if (parts[i].started)
            pthread_join(parts[i].thread, NULL);
    /* Requested during the last page, or a connector stopped its query for
     * it (SQLite reports an interrupted statement): the run was cancelled,
     * before the commit phase, so the position is untouched. */
    if (etlc_cancel_requested(etlc__run_cancel_token(job->run)))
        return etlc__run_cancelled(job->run, err);
    for (unsigned i = 0; i < job->nparts; i++)
        if (parts[i].rc) {
            *err = parts[i].err;
            if (job->nparts > 1)
                etlc_error_prefix(err, "partition %u/%u", i, job->nparts);
            return parts[i].rc;
        }
    return 0;
}
