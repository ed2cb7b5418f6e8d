/* The run object: result, lake and sinks, commit and withdrawal. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/connector_internal.h"
#include "pipeline/run_internal.h"

static void utc_date(int64_t micros, char out[16])
{
    time_t secs = (time_t)(micros / 1000000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* The connector's own name for its source, never with secrets. */
static void name_source(etlc_connector *c, char *out, size_t cap)
{
    out[0] = '\0';
    if (c->ops->source_name) {
        etlc__connector_enter(c); /* no lock for a connector that serialises itself */
        c->ops->source_name(c->ctx, out, cap);
        etlc__connector_leave(c);
    }
    if (!out[0])
        snprintf(out, cap, "%s", c->ops->name);
}

static void name_holder(etlc__run *run)
{
    char host[64] = "";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        snprintf(host, sizeof host, "unknown host");
    snprintf(run->holder, sizeof run->holder, "etlconn %s (pid %ld on %s)", run->what, (long)getpid(), host);
}

int etlc__run_begin(etlc_connector *c, const char *what, const char *query, const etlc_land_options *land,
                    etlc__run **out, etlc_error *err)
{
    *out = NULL;
    if (!c)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "a run needs a connector");
    etlc__run *run = calloc(1, sizeof *run);
    if (!run)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting a %s", what);
    run->c = c;
    run->what = what;
    run->land = land;
    run->lake_root = land && land->lake_root ? land->lake_root : "./lake";
    name_source(c, run->source, sizeof run->source);
    name_holder(run);
    int rc = etlc_result_new(c->ops->name, run->source, query, &run->result, err);
    if (rc) {
        free(run);
        return rc;
    }
    utc_date(run->result->started_at_us, run->date);
    pthread_mutex_init(&run->lock, NULL);
    *out = run;
    return 0;
}

etlc_connector *etlc__run_connector(const etlc__run *run) { return run->c; }
const char *etlc__run_protocol(const etlc__run *run) { return run->c->ops->name; }
const char *etlc__run_source(const etlc__run *run) { return run->source; }
const char *etlc__run_date(const etlc__run *run) { return run->date; }
const char *etlc__run_lake_root(const etlc__run *run) { return run->lake_root; }
const char *etlc__run_holder(const etlc__run *run) { return run->holder; }
etlc_result *etlc__run_result(etlc__run *run) { return run->result; }

int etlc__run_lake(etlc__run *run, etlc_lake **out, etlc_error *err)
{
    if (!run->lake) {
        int rc = etlc_lake_open_uri(run->lake_root, NULL, &run->lake, err);
        if (rc)
            return rc;
    }
    *out = run->lake;
    return 0;
}

int etlc__run_lake_open_own(const etlc__run *run, etlc_lake **out, etlc_error *err)
{
    return etlc_lake_open_uri(run->lake_root, NULL, out, err); /* the settings etlc__run_lake uses */
}

void etlc__run_sink_options(const etlc__run *run, const char *query_hash, const char *default_template,
                            etlc_sink_options *out)
{
    etlc_sink_options s = {0};
    if (run->land)
        s = run->land->sink;
    if (!s.path_template)
        s.path_template = default_template;
    if (!s.vars.protocol)
        s.vars.protocol = run->c->ops->name;
    if (!s.vars.source)
        s.vars.source = run->source;
    if (!s.vars.date)
        s.vars.date = run->date;
    if (!s.vars.query_hash)
        s.vars.query_hash = query_hash;
    if (!s.query)
        s.query = run->result->query;
    *out = s;
}

int etlc__run_sink_open(etlc__run *run, const etlc_sink_options *opts, etlc_sink **out, etlc_error *err)
{
    etlc_lake *lake = NULL;
    int rc = etlc__run_lake(run, &lake, err);
    return rc ? rc : etlc_sink_open(lake, opts, out, err);
}

int etlc__run_sink_commit(etlc__run *run, etlc_sink *sink, etlc_error *err)
{
    pthread_mutex_lock(&run->lock);
    int rc = etlc_sink_finish(sink, run->result, err);
    pthread_mutex_unlock(&run->lock);
    return rc;
}

const etlc_cancel *etlc__run_cancel_token(const etlc__run *run)
{
    return run->land ? run->land->cancel : NULL;
}

int etlc__run_cancelled(const etlc__run *run, etlc_error *err)
{
    return etlc__cancel_check(etlc__run_cancel_token(run), err);
}

void etlc__run_progress(etlc__run *run, uint64_t rows)
{
    pthread_mutex_lock(&run->lock);
    if (run->land && run->land->progress && rows > 0) {
        run->prog_rows += rows;
        run->prog_batches++;
        run->land->progress(run->land->progress_userdata, run->prog_rows, run->prog_batches);
    }
    pthread_mutex_unlock(&run->lock);
}

static int tap_on_batch(void *ud, const etlc_batch *batch, etlc_error *err)
{
    etlc__run_tap *tap = ud;
    int rc = etlc__run_cancelled(tap->run, err); /* before each batch: nothing of it is written */
    if (rc == 0)
        rc = etlc_sink_write(tap->sink, batch, err);
    if (rc == 0)
        etlc__run_progress(tap->run, batch->nrows);
    return rc;
}

etlc_batch_consumer etlc__run_sink_consumer(etlc__run_tap *tap)
{
    return (etlc_batch_consumer){.on_batch = tap_on_batch, .userdata = tap};
}

void etlc__run_keep_items(etlc__run *run)
{
    pthread_mutex_lock(&run->lock);
    run->kept = run->result->item_count;
    pthread_mutex_unlock(&run->lock);
}

void etlc__run_meta(etlc__run *run, const char *key, const char *value)
{
    etlc_meta_set(&run->result->metadata, key, value ? value : "");
}

int etlc__run_end(etlc__run *run, int rc, etlc_error *e, etlc_result **result, etlc_error *err)
{
    etlc_result *r = run->result;
    if (rc) {
        /* nothing new stays visible: the lake as before, like the checkpoint */
        etlc__run_withdraw_items(run->lake, r, run->kept);
        if (e->code == 0)
            etlc_error_set(e, rc, "%s: %s failed", run->c->ops->name, run->what);
        etlc_log(ETLC_LOG_WARN, run->c->ops->name, "%s failed: %s", run->what, e->message);
        if (etlc_result_add_error(r, rc, e->message, NULL) != 0) {
            etlc_result_free(r);
            r = NULL;
            etlc_error_set(e, ETLC_NO_MEMORY, "out of memory recording a %s error", run->what);
            rc = ETLC_NO_MEMORY;
        }
        if (err)
            *err = *e;
    }
    if (r)
        etlc_result_finish(r);
    if (rc == 0)
        etlc__run_tidy(r, run->c->ops->name);
    *result = r;
    etlc__run_keeper_stop(run);
    etlc__checkpoint_close(run->cp); /* releases the hold */
    etlc_lake_free(run->cp_lake);
    etlc_lake_free(run->lake);
    pthread_mutex_destroy(&run->lock);
    free(run);
    return rc;
}
