/* The records driver: a paged request -> lake files of consecutive pages,
 * each named by its first page and committed once it holds ROLL_ROWS rows
 * (land->sink.max_records_per_file when set) or the pages end; after each
 * file's commit the checkpoint (kind "records") keeps where the next page
 * starts. A run that stops after page k is resumed at page k by the next
 * run, which writes under the same run number, so pages landed again
 * overwrite their own file, and pages of an uncommitted file were never
 * visible. (One file per page made small files: a paged API of 100-row
 * pages gave 10,000 files per million rows.)
 *
 * Position: {"run": n, "page": k, "cursor": "..." | null, "complete": bool,
 * "watermark": "..." | null}. A complete position makes the next run read
 * from the first page again, as run n + 1 (its own directory of pages).
 * The watermark (an incremental connector's "largest value seen") is
 * carried from run to run, complete or not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/cap_land.h"
#include "pipeline/capabilities.h"

#define ROLL_ROWS 1000000

typedef struct page_run {
    etlc__cap_land *l;
    const etlc_land_options *land;
    char reshash[17];
    int64_t run, page;
    char *watermark;           /* the latest one handed out (owned) */
    char *cursor;              /* after the last page written (owned) */
    etlc_sink *sink;           /* the file being filled, NULL between files */
    uint64_t file_rows, roll_rows;
    etlc__buf file_cols;       /* its column names, "\n"-joined (set by its first page) */
} page_run;

/* The batch's column names, "\n"-joined, into b (reset first). */
static int column_names(const etlc_batch *batch, etlc__buf *b)
{
    b->len = 0;
    int bad = etlc__buf_puts(b, "");
    for (size_t i = 0; !bad && i < batch->ncols; i++)
        bad = etlc__buf_printf(b, "%s\n", batch->cols[i].def.name);
    return bad ? ETLC_NO_MEMORY : 0;
}

/* Does the page bring other columns than the open file's? (Ranges of a
 * Sheets batchGet, say: each its own table, so each its own file.) */
static int other_columns(page_run *pr, const etlc_batch *batch, bool *other, etlc_error *err)
{
    etlc__buf names = {0};
    int rc = column_names(batch, &names);
    *other = rc == 0 && (names.len != pr->file_cols.len ||
                         memcmp(names.data, pr->file_cols.data, names.len) != 0);
    etlc__buf_free(&names);
    return rc ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory comparing columns") : 0;
}

static int open_file(page_run *pr, const etlc_batch *batch, etlc_error *err)
{
    char tmpl[128];
    snprintf(tmpl, sizeof tmpl, "{protocol}/{source}/{query_hash}/run-%06lld/page-%06lld-{part}.{ext}",
             (long long)pr->run, (long long)pr->page);
    etlc_sink_options so = pr->land ? pr->land->sink : (etlc_sink_options){0};
    so.path_template = pr->land && pr->land->sink.path_template ? pr->land->sink.path_template : tmpl;
    so.vars.protocol = pr->l->c->ops->name;
    so.vars.source = pr->l->source;
    so.vars.query_hash = pr->reshash;
    so.query = pr->l->result->query;
    pr->file_rows = 0;
    if (column_names(batch, &pr->file_cols) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping columns");
    return etlc__run_sink_open(pr->l->run, &so, &pr->sink, err);
}

static void abort_file(page_run *pr)
{
    if (pr->sink)
        etlc_sink_abort(pr->sink);
    pr->sink = NULL;
}

/* Commit the file, then the position after its last page: the pages so
 * far now stay, whatever follows. */
static int commit_file(page_run *pr, etlc_error *err)
{
    etlc_sink *sink = pr->sink;
    pr->sink = NULL;
    int rc = etlc__run_sink_commit(pr->l->run, sink, err);
    if (rc != 0)
        return rc;
    json_t *pos = json_pack("{s:I,s:I,s:s?,s:b,s:s?}", "run", (json_int_t)pr->run, "page",
                            (json_int_t)pr->page, "cursor", pr->cursor, "complete",
                            pr->cursor == NULL, "watermark", pr->watermark);
    if (!pos)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing the page position");
    rc = etlc__cap_commit(pr->l, pos, err);
    json_decref(pos);
    return rc;
}

/* Replace *slot with a copy of text (NULL ok). */
static int keep_text(char **slot, const char *text, etlc_error *err)
{
    char *copy = text ? etlc__strdup(text) : NULL;
    if (text && !copy)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping the page position");
    free(*slot);
    *slot = copy;
    return 0;
}

static int on_page(void *ud, const etlc_records_page *page, etlc_error *err)
{
    page_run *pr = ud;
    /* Before each page: the committed files stay (the next run resumes
     * after them), nothing of this one lands. */
    int rc = etlc__run_cancelled(pr->l->run, err);
    bool other = false;
    if (rc == 0 && pr->sink && page->batch->nrows > 0 &&
        (rc = other_columns(pr, page->batch, &other, err)) == 0 && other)
        rc = commit_file(pr, err); /* the pages before it are one file */
    if (rc == 0 && !pr->sink)
        rc = open_file(pr, page->batch, err);
    /* An empty page after rows adds nothing (and may not carry the columns). */
    if (rc == 0 && (page->batch->nrows > 0 || pr->file_rows == 0))
        rc = etlc_sink_write(pr->sink, page->batch, err);
    if (rc != 0)
        return rc;
    etlc__run_progress(pr->l->run, page->batch->nrows);
    pr->page++;
    pr->file_rows += page->batch->nrows;
    if (page->watermark && (rc = keep_text(&pr->watermark, page->watermark, err)) != 0)
        return rc;
    if ((rc = keep_text(&pr->cursor, page->next_cursor, err)) != 0)
        return rc;
    if (pr->file_rows >= pr->roll_rows || !page->next_cursor)
        return commit_file(pr, err);
    return 0;
}

/* "key=value" text parameters -> key/value pairs pointing into `store`. */
static int kv_params(const etlc_fetch_request *req, etlc_kv *kv, char **store, etlc_error *err)
{
    for (size_t i = 0; i < req->nparams; i++) {
        const etlc_param *p = &req->params[i];
        if (p->type != ETLC_TYPE_TEXT)
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                                  "parameter %zu of a records request must be text 'key=value'", i + 1);
        store[i] = etlc__strndup(p->data, p->len);
        if (!store[i])
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading parameters");
        char *eq = strchr(store[i], '=');
        if (!eq || eq == store[i])
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                                  "parameter '%s' of a records request is not 'key=value'", store[i]);
        *eq = '\0';
        kv[i] = (etlc_kv){store[i], eq + 1};
    }
    return 0;
}

static int definition_text(const etlc_fetch_request *req, etlc__buf *b)
{
    int bad = etlc__buf_printf(b, "%s", req->query ? req->query : "");
    for (size_t i = 0; !bad && i < req->nparams; i++) {
        bad = etlc__buf_printf(b, "\n%zu:", req->params[i].len) ||
              (req->params[i].len && etlc__buf_append(b, req->params[i].data, req->params[i].len));
    }
    return bad ? ETLC_NO_MEMORY : 0;
}

/* A stored run or page number the next step (+ 1) cannot overflow. */
static bool counter_ok(const json_t *v, int64_t min)
{
    return json_is_integer(v) && json_integer_value(v) >= min && json_integer_value(v) < INT64_MAX;
}

/* Where to start: after the stored page of an unfinished run, else a new
 * run; the watermark of the last complete run either way. A hand-edited
 * position with numbers out of range is refused. */
static int resume_point(etlc__cap_land *l, json_t *pos, page_run *pr, const char **cursor,
                        const char **watermark, etlc_error *err)
{
    *cursor = NULL;
    *watermark = NULL;
    pr->run = 1;
    pr->page = 0;
    if (!json_is_object(pos))
        return 0;
    *watermark = json_string_value(json_object_get(pos, "watermark"));
    bool complete = json_is_true(json_object_get(pos, "complete"));
    if (!counter_ok(json_object_get(pos, "run"), 1) || (!complete && !counter_ok(json_object_get(pos, "page"), 0)))
        return etlc_error_set(err, ETLC_CONFIG,
                              "checkpoint '%s': 'run' must be a whole number from 1 and 'page' from 0, "
                              "both below %lld", etlc__checkpoint_location(l->cp), (long long)INT64_MAX);
    pr->run = json_integer_value(json_object_get(pos, "run"));
    if (complete) {
        pr->run++;
        return 0;
    }
    pr->page = json_integer_value(json_object_get(pos, "page"));
    *cursor = json_string_value(json_object_get(pos, "cursor"));
    return 0;
}

static int records_run(etlc__cap_land *l, const etlc_fetch_request *req,
                       const etlc_land_options *land, etlc_error *err)
{
    page_run pr = {.l = l, .land = land, .roll_rows = ROLL_ROWS};
    if (land && land->sink.max_records_per_file)
        pr.roll_rows = land->sink.max_records_per_file;
    etlc__buf def = {0};
    int rc = definition_text(req, &def) || etlc__cap_hash16(def.data ? def.data : "", pr.reshash)
                 ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming the checkpoint") : 0;
    if (rc == 0)
        rc = etlc__cap_checkpoint_open(l, "records", def.data, err);
    etlc__buf_free(&def);
    if (rc != 0)
        return rc;
    const char *cursor, *watermark;
    rc = resume_point(l, etlc__checkpoint_position(l->cp), &pr, &cursor, &watermark, err);
    if (rc != 0)
        return rc;
    char *cursor_copy = cursor ? etlc__strdup(cursor) : NULL; /* the position is freed at commit */
    pr.watermark = watermark ? etlc__strdup(watermark) : NULL;
    char *watermark_copy = watermark ? etlc__strdup(watermark) : NULL;
    etlc_kv *kv = calloc(req->nparams + 1, sizeof *kv);
    char **store = calloc(req->nparams + 1, sizeof *store);
    json_t *intent = json_pack("{s:I,s:I,s:s?,s:s?}", "run", (json_int_t)pr.run, "page",
                               (json_int_t)pr.page, "cursor", cursor, "watermark", watermark);
    if (!kv || !store || !intent || (cursor && !cursor_copy) ||
        (watermark && (!pr.watermark || !watermark_copy)))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting the request");
    if (rc == 0)
        rc = kv_params(req, kv, store, err);
    if (rc == 0)
        rc = etlc__checkpoint_intent(l->cp, intent, err);
    if (rc == 0) {
        etlc_records_request rr = {.resource = req->query, .params = kv, .nparams = req->nparams,
                                   .cursor = cursor_copy, .batch_rows = req->batch_rows,
                                   .watermark = watermark_copy};
        etlc_page_consumer pc = {.on_page = on_page, .userdata = &pr};
        etlc__connector_enter(l->c);
        rc = l->c->ops->records->fetch_pages(l->c->ctx, &rr, pc, err);
        etlc__connector_leave(l->c);
        if (rc == 0 && pr.sink) /* the connector stopped early (max_pages): keep what came */
            rc = commit_file(&pr, err);
        abort_file(&pr);
    }
    json_decref(intent);
    for (size_t i = 0; store && i < req->nparams; i++)
        free(store[i]);
    free(store);
    free(kv);
    free(cursor_copy);
    free(watermark_copy);
    free(pr.watermark);
    free(pr.cursor);
    etlc__buf_free(&pr.file_cols);
    return rc;
}

int etlc__fetch_records(etlc_connector *c, const etlc_fetch_request *req,
                        const etlc_land_options *land, etlc_result **result, etlc_error *err)
{
    etlc__cap_land l;
    int rc = etlc__cap_land_begin(c, "fetch", req->query, land, &l, err);
    if (rc != 0)
        return rc;
    etlc_error e = {0};
    rc = records_run(&l, req, land, &e);
    return etlc__cap_land_end(&l, rc, &e, false, result, err);
}
