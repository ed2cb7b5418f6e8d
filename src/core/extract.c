/* etlc_extract: incremental, partitioned SQL extraction.
 *
 *   1. load the state (cursor) and any pending intent of an interrupted run
 *   2. open one read snapshot; upper bound U = max(watermark) - lag (or the
 *      interrupted run's U, so its files are rebuilt under the same names)
 *   3. record the intent (STATE.pending), then page through the rows after
 *      the cursor with wm <= U, ORDER BY (wm, key...) LIMIT batch, in one
 *      slice or N parallel slices, into sinks whose files stay temporary
 *   4. commit every file, then write the new state atomically, then drop
 *      the intent. A crash anywhere leaves the old state; the re-run lands
 *      the same names with the same rows. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/connector_internal.h"
#include "core/extract_internal.h"
#include "core/extract_withdraw.h"
#include "core/json_load.h"
#include "etlconn/parquet.h"

/* Smallest row group a partition gets when they share the budget. */
#define EXT_MIN_ROW_GROUP_BYTES (8 * 1024 * 1024)

typedef struct ext_run {
    etlc_connector *c;
    const etlc_sql_ops *sql;
    const etlc_extract_options *o;
    ext_plan plan;
    etlc_lake *lake;
    etlc_sink_options sopts;
    char def_hash[17];
    char run_id[17];
    ext_cursor start;
    etlc_value upper;         /* type NULL: no bound (no watermark, or an empty table) */
    char token[ETLC_SQL_TOKEN_MAX];
    size_t batch;
    pthread_mutex_t progress_lock;
    uint64_t prog_rows, prog_batches;
} ext_run;

typedef struct ext_part {
    ext_run *run;
    unsigned index;
    ext_slice slice;
    void *snap;
    bool own_snap;
    etlc_sink *sink;
    uint64_t rows, page_rows;
    ext_cursor last;          /* cursor values of the last row read */
    int rc;
    etlc_error err;
    char run_id[48];
    pthread_t thread;
    bool started;
} ext_part;

/* ---- reading one slice ------------------------------------------------------ */

static int part_on_batch(void *ud, const etlc_batch *batch, etlc_error *err)
{
    ext_part *pt = ud;
    ext_run *run = pt->run;
    size_t ncur = run->plan.ncur;
    if (batch->ncols < ncur)
        return etlc_error_set(err, ETLC_INTERNAL, "page has %zu columns, fewer than its %zu cursor columns",
                              batch->ncols, ncur);
    size_t user = batch->ncols - ncur;
    /* The database compared it as a value, but it reads back as NULL (e.g.
     * a MariaDB zero date with zero_date=null): no cursor can follow it. */
    if (run->plan.has_watermark && batch->cols[user].null_count > 0)
        return etlc_error_set(err, ETLC_DATA,
                              "watermark %s reads back as NULL in a row the database did not see as NULL "
                              "(a zero date with zero_date=null?); no cursor can be placed after it",
                              run->plan.cur[0]);
    for (size_t j = run->plan.has_watermark ? 1 : 0; j < ncur; j++)
        if (batch->cols[user + j].null_count > 0)
            return etlc_error_set(err, ETLC_DATA,
                                  "key column %s is NULL in a row; the tie-breaker key must be unique and NOT NULL",
                                  run->plan.cur[j]);
    etlc_batch view = *batch;
    view.ncols = user; /* the sink sees the user's columns only */
    int rc = etlc_sink_write(pt->sink, &view, err);
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
    if (run->o->land.progress && batch->nrows) {
        pthread_mutex_lock(&run->progress_lock);
        run->prog_rows += batch->nrows;
        run->prog_batches++;
        run->o->land.progress(run->o->land.progress_userdata, run->prog_rows, run->prog_batches);
        pthread_mutex_unlock(&run->progress_lock);
    }
    return rc;
}

static int read_slice(ext_part *pt, etlc_error *err)
{
    ext_run *run = pt->run;
    int rc = 0;
    if (!pt->snap) {
        rc = run->sql->snapshot_begin(run->c->ctx, run->token[0] ? run->token : NULL, &pt->snap, NULL, err);
        if (rc)
            return rc;
        pt->own_snap = true;
    }
    etlc_sink_options sopts = run->sopts;
    sopts.vars.run_id = pt->run_id;
    rc = etlc_sink_open(run->lake, &sopts, &pt->sink, err);
    if (rc)
        return rc;
    if (run->plan.has_watermark && run->upper.type == ETLC_TYPE_NULL)
        return 0; /* an empty table (or only NULL watermarks): nothing to read */
    ext_cursor cur = {0};
    rc = etlc__ext_cursor_copy(&cur, &run->start, err);
    bool paging = run->plan.ncur > 0;
    while (rc == 0) {
        ext_stmt st;
        rc = etlc__ext_page_sql(&run->plan, &cur, run->plan.has_watermark ? &run->upper : NULL, &pt->slice,
                                paging ? run->batch : 0, &st, err);
        if (rc)
            break;
        etlc_fetch_request req = {.query = st.sql.data, .params = st.params, .nparams = st.nparams,
                                  .batch_rows = run->batch};
        etlc_log(ETLC_LOG_DEBUG, "extract", "slice %u page: %s", pt->index, st.sql.data);
        pt->page_rows = 0;
        rc = run->sql->snapshot_fetch(run->c->ctx, pt->snap, &req,
                                      (etlc_batch_consumer){.on_batch = part_on_batch, .userdata = pt}, err);
        etlc__ext_stmt_free(&st);
        if (rc || !paging || pt->page_rows < run->batch)
            break;
        rc = etlc__ext_cursor_copy(&cur, &pt->last, err); /* the next page starts after this row */
    }
    etlc__ext_cursor_clear(&cur);
    return rc;
}

static void *slice_thread(void *arg)
{
    ext_part *pt = arg;
    pt->rc = read_slice(pt, &pt->err);
    if (pt->own_snap)
        pt->run->sql->snapshot_end(pt->run->c->ctx, pt->snap);
    pt->snap = NULL;
    return NULL;
}

/* ---- helpers ------------------------------------------------------------------ */

/* 0, or -1 when OpenSSL ran out of memory (no hash: names would be wrong). */
static int hash16(const char *text, char out[17])
{
    char hex[65];
    if (etlc__sha256_hex(text, strlen(text), hex) != 0)
        return -1;
    memcpy(out, hex, 16);
    out[16] = '\0';
    return 0;
}

static int scalar(ext_run *run, void *snap, ext_stmt *st, etlc_value *out, etlc_error *err)
{
    etlc_fetch_request req = {.query = st->sql.data, .params = st->params, .nparams = st->nparams, .batch_rows = 1};
    int rc = run->sql->snapshot_scalar(run->c->ctx, snap, &req, out, err);
    etlc__ext_stmt_free(st);
    return rc;
}

static int value_as_int(const etlc_value *v, int64_t *out)
{
    if (v->type == ETLC_TYPE_INT64) {
        *out = v->i64;
        return 0;
    }
    if ((v->type == ETLC_TYPE_TEXT || v->type == ETLC_TYPE_DECIMAL) && v->data) {
        char *end;
        long long x = strtoll(v->data, &end, 10);
        if (*end == '\0' && end != v->data) {
            *out = x;
            return 0;
        }
    }
    return -1;
}

/* The first row's two cells of a MIN/MAX query. */
typedef struct minmax_capture {
    etlc_value *lo, *hi;
    bool seen;
} minmax_capture;

static int minmax_on_batch(void *ud, const etlc_batch *batch, etlc_error *err)
{
    minmax_capture *cap = ud;
    if (cap->seen || batch->nrows == 0)
        return 0;
    if (batch->ncols < 2)
        return etlc_error_set(err, ETLC_INTERNAL, "the MIN/MAX query returned %zu column(s)", batch->ncols);
    cap->seen = true;
    int rc = etlc__value_copy_cell(batch, 0, 0, cap->lo, err);
    return rc ? rc : etlc__value_copy_cell(batch, 1, 0, cap->hi, err);
}

/* N contiguous ranges over [min, max]; the first also takes NULLs and
 * everything below, the last everything above: every row lands in one.
 * MIN and MAX come from one query: one scan of the table without an index. */
static int range_slices(ext_run *run, void *snap, ext_part *parts, unsigned n, etlc_error *err)
{
    etlc_value lo = {0}, hi = {0};
    ext_stmt st;
    int rc = etlc__ext_minmax_sql(&run->plan, run->plan.part, &st, err);
    if (rc == 0) {
        minmax_capture cap = {.lo = &lo, .hi = &hi};
        etlc_fetch_request req = {.query = st.sql.data, .params = st.params, .nparams = st.nparams, .batch_rows = 1};
        rc = run->sql->snapshot_fetch(run->c->ctx, snap, &req,
                                      (etlc_batch_consumer){.on_batch = minmax_on_batch, .userdata = &cap}, err);
        etlc__ext_stmt_free(&st);
    }
    int64_t min = 0, max = 0;
    if (rc == 0 && lo.type != ETLC_TYPE_NULL && (value_as_int(&lo, &min) || value_as_int(&hi, &max)))
        rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                            "partition column '%s' must hold integers (its minimum is a %s)",
                            run->o->partition_on, etlc_type_name(lo.type));
    etlc_value_clear(&lo);
    etlc_value_clear(&hi);
    if (rc)
        return rc;
    unsigned __int128 span = (unsigned __int128)((__int128)max - min + 1);
    for (unsigned i = 0; i < n; i++) {
        ext_slice *s = &parts[i].slice;
        s->kind = EXT_SLICE_RANGE;
        s->has_lo = i > 0;
        s->has_hi = i + 1 < n;
        s->lo = (int64_t)((__int128)min + (__int128)(span * i / n));
        s->hi = (int64_t)((__int128)min + (__int128)(span * (i + 1) / n));
    }
    etlc_log(ETLC_LOG_INFO, "extract", "%u partitions over %s in [%lld, %lld]", n, run->o->partition_on,
             (long long)min, (long long)max);
    return 0;
}

static int parse_initial(const char *s, etlc_value *v, etlc_error *err)
{
    memset(v, 0, sizeof *v);
    char *end;
    long long i = strtoll(s, &end, 10);
    if (*s && *end == '\0') {
        v->type = ETLC_TYPE_INT64;
        v->i64 = i;
        return 0;
    }
    double d = strtod(s, &end);
    if (*s && *end == '\0') {
        v->type = ETLC_TYPE_DOUBLE;
        v->f64 = d;
        return 0;
    }
    v->type = ETLC_TYPE_TEXT;
    v->len = strlen(s);
    v->data = etlc__strdup(s);
    return v->data ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory copying the initial value");
}

static int check_options(const etlc_connector *c, const etlc_extract_options *o, etlc_error *err)
{
    if (!c->ops->sql)
        return etlc_error_set(err, ETLC_UNSUPPORTED,
                              "protocol '%s' has no SQL support: extract needs a SQL connector (sqlite, postgres, mysql)",
                              c->ops->name);
    if (o->watermark && o->nkeys == 0)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "a watermark needs a unique tie-breaker key column (--key), so rows sharing one "
                              "watermark value are paged exactly once");
    if (!o->watermark && o->initial)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "an initial value needs a watermark column");
    if (!o->watermark && o->lag)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "a lag needs a watermark column");
    int64_t ms;
    double val;
    if (o->lag && etlc__ext_parse_lag(o->lag, &ms, &val) < 0)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "lag '%s' is neither a duration (250ms, 90s, 5m, 2h, 1d) nor a non-negative number",
                              o->lag);
    if (o->partitions > 1 && o->slice_count)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "give either partitions N or a single slice I/N, not both");
    if ((o->partitions > 1 || o->slice_count) && !o->partition_on)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "partitioning needs a partition column (--partition-on)");
    if (o->partition_on && o->partitions <= 1 && !o->slice_count)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "a partition column needs partitions N > 1 or a slice I/N");
    if (o->slice_count && o->slice_index >= o->slice_count)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "slice %u/%u: the index must be below the count",
                              o->slice_index, o->slice_count);
    if (o->partitions > 64)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "at most 64 partitions (%u given)", o->partitions);
    return 0;
}

static char *definition_text(const etlc_extract_options *o)
{
    etlc__buf b = {0};
    int rc = etlc__buf_printf(&b, "%s:%s\nwatermark:%s\n", o->table ? "table" : "query",
                              o->table ? o->table : o->query, o->watermark ? o->watermark : "");
    for (size_t i = 0; i < o->nkeys && rc == 0; i++)
        rc = etlc__buf_printf(&b, "key:%s\n", o->keys[i]);
    if (rc == 0 && o->slice_count)
        rc = etlc__buf_printf(&b, "slice:%u/%u on %s\n", o->slice_index, o->slice_count, o->partition_on);
    if (rc) {
        etlc__buf_free(&b);
        return NULL;
    }
    return etlc__buf_take(&b);
}

/* ---- the state ----------------------------------------------------------------- */

static json_t *state_json(ext_run *run, const char *source, const ext_cursor *end, int64_t runs,
                          const etlc_result *r, size_t first_item, uint64_t rows, unsigned nparts)
{
    const etlc_extract_options *o = run->o;
    json_t *s = json_object(), *keys = json_array(), *last = json_object(), *files = json_array();
    if (!s || !keys || !last || !files) {
        json_decref(s);
        json_decref(keys);
        json_decref(last);
        json_decref(files);
        return NULL;
    }
    for (size_t i = 0; i < o->nkeys; i++)
        json_array_append_new(keys, json_string(o->keys[i]));
    for (size_t i = first_item; i < r->item_count; i++) {
        json_t *f = json_object();
        json_object_set_new(f, "path", json_string(r->items[i].path));
        json_object_set_new(f, "sha256", json_string(r->items[i].sha256));
        json_object_set_new(f, "records", json_integer(r->items[i].record_count));
        json_object_set_new(f, "bytes", json_integer(r->items[i].byte_count));
        json_array_append_new(files, f);
    }
    char when[40];
    etlc_format_timestamp(etlc_now_us(), when, sizeof when);
    json_object_set_new(last, "run_id", json_string(run->run_id));
    json_object_set_new(last, "upper_bound", etlc__ext_value_json(&run->upper));
    json_object_set_new(last, "start_cursor", etlc__ext_cursor_json(&run->start));
    json_object_set_new(last, "rows", json_integer((json_int_t)rows));
    json_object_set_new(last, "partitions", json_integer(nparts));
    json_object_set_new(last, "finished_at", json_string(when));
    json_object_set_new(last, "files", files);
    json_object_set_new(s, "etlconn_extract_state", json_integer(1));
    json_object_set_new(s, "definition", json_string(run->def_hash));
    json_object_set_new(s, "protocol", json_string(run->c->ops->name));
    json_object_set_new(s, "source", json_string(source));
    json_object_set_new(s, o->table ? "table" : "query", json_string(o->table ? o->table : o->query));
    json_object_set_new(s, "watermark", o->watermark ? json_string(o->watermark) : json_null());
    json_object_set_new(s, "keys", keys);
    json_object_set_new(s, "cursor", etlc__ext_cursor_json(end));
    json_object_set_new(s, "runs", json_integer(runs));
    json_object_set_new(s, "last_run", last);
    return s;
}

/* ---- the run --------------------------------------------------------------------- */

static void set_meta(etlc_result *r, const char *key, const char *value)
{
    etlc_meta_set(&r->metadata, key, value ? value : "");
}

static void set_meta_json(etlc_result *r, const char *key, json_t *j)
{
    char *t = etlc__ext_json_text(j);
    set_meta(r, key, t);
    free(t);
    json_decref(j);
}

int etlc_extract(etlc_connector *c, const etlc_extract_options *o, etlc_result **result, etlc_error *err)
{
    if (result)
        *result = NULL;
    if (!c || !o || !result)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "etlc_extract needs a connector, options and a result pointer");
    int rc = check_options(c, o, err);
    if (rc)
        return rc;
    ext_run run = {.c = c, .sql = c->ops->sql, .o = o, .batch = o->batch_size ? o->batch_size : 10000};
    rc = etlc__ext_plan_build(run.sql, o, &run.plan, err);
    if (rc)
        return rc;
    pthread_mutex_init(&run.progress_lock, NULL);

    char source[256] = "";
    if (c->ops->source_name) {
        pthread_mutex_lock(&c->use_lock);
        c->ops->source_name(c->ctx, source, sizeof source);
        pthread_mutex_unlock(&c->use_lock);
    }
    if (!source[0])
        snprintf(source, sizeof source, "%s", c->ops->name);
    etlc_result *r = NULL;
    rc = etlc_result_new(c->ops->name, source, o->table ? o->table : o->query, &r, err);
    if (rc) {
        etlc__ext_plan_free(&run.plan);
        pthread_mutex_destroy(&run.progress_lock);
        return rc;
    }

    etlc_error e = {0};
    /* jansson ignores some failed allocations (a key silently missing from
     * the state): any failure since here makes the run NO_MEMORY. */
    unsigned long json_failed = etlc__json_failed_allocations();
    json_t *state = NULL, *pending = NULL;
    char *def_text = NULL, *start_text = NULL, *state_path = NULL, *pending_path = NULL;
    unsigned nparts = o->partitions > 1 ? o->partitions : 1;
    ext_part *parts = calloc(nparts, sizeof *parts);
    void *main_snap = NULL;
    int64_t runs = 0;
    uint64_t total_rows = 0;
    size_t first_item = 0;
    bool committing = false;
    ext_cursor end = {0};
    const char *lake_root = o->land.lake_root ? o->land.lake_root : "./lake";
    char date[40];
    etlc_format_date((int32_t)(r->started_at_us / 86400000000LL), date, sizeof date);

    def_text = definition_text(o);
    if (!parts || !def_text || hash16(def_text, run.def_hash) != 0) {
        rc = etlc_error_set(&e, ETLC_NO_MEMORY, "out of memory starting the extraction");
        goto done;
    }
    etlc__buf path = {0};
    const char *local_root = strncmp(lake_root, "file://", 7) == 0 ? lake_root + 7 : lake_root;
    if (!o->state_path && strstr(local_root, "://")) {
        rc = etlc_error_set(&e, ETLC_INVALID_ARGUMENT,
                            "the lake '%s' is an object store: give a local state file (--state FILE)", lake_root);
        goto done;
    }
    if (o->state_path)
        rc = etlc__buf_puts(&path, o->state_path);
    else
        rc = etlc__buf_printf(&path, "%s/_state/extract-%s.json", local_root, run.def_hash);
    state_path = etlc__buf_take(&path);
    rc = rc ? rc : etlc__buf_printf(&path, "%s.pending", state_path ? state_path : "");
    pending_path = etlc__buf_take(&path);
    if (rc || !state_path || !pending_path) {
        rc = etlc_error_set(&e, ETLC_NO_MEMORY, "out of memory naming the state file");
        goto done;
    }

    /* 1. state and pending intent */
    rc = etlc__ext_read_json(state_path, &state, &e);
    if (rc)
        goto done;
    if (state) {
        const char *def = json_string_value(json_object_get(state, "definition"));
        if (!def || strcmp(def, run.def_hash) != 0) {
            rc = etlc_error_set(&e, ETLC_CONFIG,
                                "state file '%s' belongs to another extraction (definition %s, this one is %s: "
                                "table/query, watermark, keys or slice differ); give another --state",
                                state_path, def ? def : "missing", run.def_hash);
            goto done;
        }
        runs = json_integer_value(json_object_get(state, "runs"));
        if (o->watermark && (rc = etlc__ext_cursor_from_json(json_object_get(state, "cursor"), &run.start, &e)))
            goto done;
    } else if (o->initial) {
        run.start.kind = EXT_CURSOR_FROM_VALUE;
        run.start.n = 1;
        if ((rc = parse_initial(o->initial, &run.start.v[0], &e)))
            goto done;
    }
    {
        json_t *cj = etlc__ext_cursor_json(&run.start);
        start_text = cj ? etlc__ext_json_text(cj) : NULL;
        json_decref(cj);
    }
    if (!start_text) {
        rc = etlc_error_set(&e, ETLC_NO_MEMORY, "out of memory reading the cursor");
        goto done;
    }
    rc = etlc__ext_read_json(pending_path, &pending, &e);
    if (rc) {
        etlc_log(ETLC_LOG_WARN, "extract", "ignoring an unreadable pending file: %s", e.message);
        etlc_error_clear(&e);
        rc = 0;
    }
    bool resume = false;
    if (pending) {
        const char *pdef = json_string_value(json_object_get(pending, "definition"));
        char *pstart = etlc__ext_json_text(json_object_get(pending, "start_cursor"));
        const char *prun = json_string_value(json_object_get(pending, "run_id"));
        resume = pdef && strcmp(pdef, run.def_hash) == 0 && pstart && strcmp(pstart, start_text) == 0 && prun &&
                 strlen(prun) == 16 && json_integer_value(json_object_get(pending, "runs")) == runs &&
                 json_integer_value(json_object_get(pending, "partitions")) == nparts &&
                 etlc__ext_value_from_json(json_object_get(pending, "upper_bound"), &run.upper, NULL) == 0;
        free(pstart);
        if (resume) {
            snprintf(run.run_id, sizeof run.run_id, "%s", prun);
            etlc_log(ETLC_LOG_INFO, "extract", "resuming interrupted run %s (same upper bound, same file names)",
                     run.run_id);
        } else {
            etlc_value_clear(&run.upper);
        }
    }

    /* 2. snapshot and upper bound */
    rc = etlc_lake_open_uri(lake_root, NULL, &run.lake, &e);
    if (rc)
        goto done;
    rc = run.sql->snapshot_begin(c->ctx, NULL, &main_snap, nparts > 1 ? run.token : NULL, &e);
    if (rc)
        goto done;
    if (!resume && o->watermark) {
        ext_stmt st;
        etlc_value max = {0};
        rc = etlc__ext_agg_sql(&run.plan, "MAX", run.plan.cur[0], &st, &e);
        rc = rc ? rc : scalar(&run, main_snap, &st, &max, &e);
        if (rc == 0 && o->lag)
            rc = etlc__ext_apply_lag(&max, o->lag, &run.upper, &e);
        else if (rc == 0)
            run.upper = max, max.data = NULL;
        etlc_value_clear(&max);
        if (rc)
            goto done;
    }
    if (!resume) {
        json_t *uj = etlc__ext_value_json(&run.upper);
        char *ut = etlc__ext_json_text(uj);
        json_decref(uj);
        etlc__buf idb = {0};
        int brc = !uj || !ut ||
                  etlc__buf_printf(&idb, "%s\n%s\n%s\n%lld\n%u", run.def_hash, start_text, ut ? ut : "",
                                   (long long)runs, nparts);
        free(ut);
        if (brc || hash16(idb.data, run.run_id) != 0 || etlc__json_failed_allocations() != json_failed) {
            etlc__buf_free(&idb);
            rc = etlc_error_set(&e, ETLC_NO_MEMORY, "out of memory naming the run");
            goto done;
        }
        etlc__buf_free(&idb);
    }
    {
        json_t *pj = json_object();
        bool sc_oom; /* counted in etlc__json_failed_allocations, checked below */
        json_t *sc = etlc__json_loadb(start_text, strlen(start_text), JSON_DECODE_ANY, NULL, &sc_oom);
        json_object_set_new(pj, "definition", json_string(run.def_hash));
        json_object_set_new(pj, "start_cursor", sc ? sc : json_null());
        json_object_set_new(pj, "upper_bound", etlc__ext_value_json(&run.upper));
        json_object_set_new(pj, "run_id", json_string(run.run_id));
        json_object_set_new(pj, "runs", json_integer(runs));
        json_object_set_new(pj, "partitions", json_integer(nparts));
        rc = !pj || etlc__json_failed_allocations() != json_failed
                 ? etlc_error_set(&e, ETLC_NO_MEMORY, "out of memory recording the pending run")
                 : etlc__ext_write_json_atomic(pending_path, pj, &e);
        json_decref(pj);
        if (rc)
            goto done;
    }

    /* 3. read the slices */
    run.sopts = o->land.sink;
    if (!run.sopts.path_template)
        run.sopts.path_template = ETLC_EXTRACT_DEFAULT_TEMPLATE;
    run.sopts.vars.protocol = run.sopts.vars.protocol ? run.sopts.vars.protocol : c->ops->name;
    run.sopts.vars.source = run.sopts.vars.source ? run.sopts.vars.source : source;
    run.sopts.vars.date = run.sopts.vars.date ? run.sopts.vars.date : date;
    run.sopts.vars.query_hash = run.sopts.vars.query_hash ? run.sopts.vars.query_hash : run.def_hash;
    run.sopts.query = run.sopts.query ? run.sopts.query : (o->table ? o->table : o->query);
    /* N partitions share one run's row-group budget (each holds a row group
     * in memory), so memory stays that of one reader instead of N times it. */
    if (nparts > 1 && run.sopts.row_group_bytes == 0) {
        int64_t share = ETLC_PARQUET_DEFAULT_ROW_GROUP_BYTES / nparts;
        run.sopts.row_group_bytes = share < EXT_MIN_ROW_GROUP_BYTES ? EXT_MIN_ROW_GROUP_BYTES : share;
    }
    for (unsigned i = 0; i < nparts; i++) {
        parts[i].run = &run;
        parts[i].index = i;
        if (nparts > 1)
            snprintf(parts[i].run_id, sizeof parts[i].run_id, "%s-p%02uof%02u", run.run_id, i, nparts);
        else if (o->slice_count)
            snprintf(parts[i].run_id, sizeof parts[i].run_id, "%s-s%02uof%02u", run.run_id, o->slice_index,
                     o->slice_count);
        else
            snprintf(parts[i].run_id, sizeof parts[i].run_id, "%s", run.run_id);
    }
    if (nparts > 1) {
        rc = range_slices(&run, main_snap, parts, nparts, &e);
        if (rc)
            goto done;
    } else if (o->slice_count) {
        parts[0].slice = (ext_slice){.kind = EXT_SLICE_MODULO, .index = o->slice_index, .count = o->slice_count};
    }
    parts[0].snap = main_snap;
    for (unsigned i = 1; i < nparts; i++) {
        if (pthread_create(&parts[i].thread, NULL, slice_thread, &parts[i]) != 0) {
            parts[i].rc = etlc_error_set(&parts[i].err, ETLC_INTERNAL, "cannot start the thread of partition %u", i);
            continue;
        }
        parts[i].started = true;
    }
    parts[0].rc = read_slice(&parts[0], &parts[0].err);
    for (unsigned i = 1; i < nparts; i++)
        if (parts[i].started)
            pthread_join(parts[i].thread, NULL);
    for (unsigned i = 0; i < nparts && rc == 0; i++)
        if (parts[i].rc) {
            rc = parts[i].rc;
            e = parts[i].err;
            if (nparts > 1)
                etlc_error_prefix(&e, "partition %u/%u", i, nparts);
        }

    /* 4. commit the files, then the state */
    first_item = r->item_count;
    committing = true; /* from here a failure takes the files back (done:) */
    for (unsigned i = 0; i < nparts; i++) {
        total_rows += parts[i].rows;
        if (rc == 0 && parts[i].rows > 0) {
            rc = etlc_sink_finish(parts[i].sink, r, &e);
        } else {
            etlc_sink_abort(parts[i].sink); /* failed, or no rows: no file */
        }
        parts[i].sink = NULL;
    }
    if (rc)
        goto done;
    if (!o->watermark)
        end.kind = EXT_CURSOR_NONE; /* a full snapshot every run */
    else if (nparts > 1 && run.upper.type != ETLC_TYPE_NULL) {
        /* Every row <= U was read (in some slice): the next run starts above U. */
        end.kind = EXT_CURSOR_AFTER_VALUE;
        end.n = 1;
        rc = etlc__ext_value_copy(&end.v[0], &run.upper, &e);
    } else if (nparts == 1 && parts[0].rows > 0)
        rc = etlc__ext_cursor_copy(&end, &parts[0].last, &e);
    else
        rc = etlc__ext_cursor_copy(&end, &run.start, &e);
    if (rc)
        goto done;
    json_t *sj = state_json(&run, source, &end, runs + 1, r, first_item, total_rows, nparts);
    if (!sj || etlc__json_failed_allocations() != json_failed) {
        json_decref(sj);
        rc = etlc_error_set(&e, ETLC_NO_MEMORY, "out of memory building the state");
        goto done;
    }
    rc = etlc__ext_write_json_atomic(state_path, sj, &e);
    json_decref(sj);
    if (rc) {
        etlc_error_prefix(&e, "the state was not advanced and the run's files are taken back (a re-run lands the same names)");
        goto done;
    }
    etlc_error ignored = {0};
    etlc__ext_remove_durable(pending_path, &ignored);
    for (size_t i = first_item; i < r->item_count; i++)
        if (!strstr(r->items[i].path, "://")) /* object stores show nothing partial */
            etlc__ext_remove_stale_temps(r->items[i].path);
    etlc__ext_remove_stale_temps(state_path);
    etlc__ext_remove_stale_temps(pending_path);

done:
    if (rc && committing) /* nothing new stays visible: lake as before, like the state */
        etlc__ext_withdraw_items(run.lake, r, first_item);
    for (unsigned i = 0; parts && i < nparts; i++) {
        etlc_sink_abort(parts[i].sink);
        etlc__ext_cursor_clear(&parts[i].last);
    }
    if (main_snap)
        run.sql->snapshot_end(c->ctx, main_snap);
    {
        char rows_text[32], parts_text[16];
        snprintf(rows_text, sizeof rows_text, "%llu", (unsigned long long)total_rows);
        snprintf(parts_text, sizeof parts_text, "%u", nparts);
        set_meta(r, "run_id", run.run_id);
        set_meta(r, "rows", rows_text);
        set_meta(r, "partitions", parts_text);
        set_meta(r, "state_path", state_path);
        set_meta_json(r, "upper_bound", etlc__ext_value_json(&run.upper));
        set_meta_json(r, "cursor_start", etlc__ext_cursor_json(&run.start));
        if (rc == 0)
            set_meta_json(r, "cursor_end", etlc__ext_cursor_json(&end));
    }
    if (rc) {
        if (e.code == 0)
            etlc_error_set(&e, rc, "extract failed");
        etlc_log(ETLC_LOG_WARN, "extract", "extract failed: %s", e.message);
        etlc_result_add_error(r, rc, e.message, NULL);
        if (err)
            *err = e;
    }
    etlc_result_finish(r);
    *result = r;
    json_decref(state);
    json_decref(pending);
    free(def_text);
    free(start_text);
    free(state_path);
    free(pending_path);
    free(parts);
    etlc__ext_cursor_clear(&run.start);
    etlc__ext_cursor_clear(&end);
    etlc_value_clear(&run.upper);
    etlc_lake_free(run.lake);
    etlc__ext_plan_free(&run.plan);
    pthread_mutex_destroy(&run.progress_lock);
    return rc;
}
