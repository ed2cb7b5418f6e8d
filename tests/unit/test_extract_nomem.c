/* Allocation failures in incremental extraction on a SQLite file
 * (etlc_extract): fail allocation 1, 2, ... of a run in turn. Every run
 * gives ETLC_NO_MEMORY (or succeeds past the end), leaks nothing, and a
 * failed run leaves the checkpoint's position as it was and no data file.
 * One scenario reads three partitions in parallel threads; another puts the
 * landed path's closing quote on a growth point of jansson's token buffer
 * (the heap corruption once seen here: see json_load.c).
 *
 * The library's fault injector (core/fault.h) makes the allocations fail:
 * built with -DETLCONN_FAULT_INJECTION=ON only, and run under ASan too,
 * where a scenario of more than 400 allocations is stepped through with a
 * stride (about 200 runs; NOMEM_STRIDE=1 runs them all: nomem_alloc.h). */
#include "testutil.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nomem_alloc.h"
#include "nomem_loop.h"

typedef struct extract_ctx {
    char db[4200], lake[4200], state[4200];
    char *state_text;   /* the checkpoint file every run starts from */
    char *state_before; /* its position */
    char *state_after;  /* what the warm-up run wrote (finished_at blanked) */
    etlc_extract_options opts;
    bool committed;     /* the run succeeded: files and the new state are in place */
    size_t files;       /* visible files a successful run lands (from the warm-up) */
} extract_ctx;

static int do_extract(void *p, etlc_error *err)
{
    extract_ctx *ctx = p;
    etlc_connector *c = NULL;
    etlc_result *r = NULL;
    int rc = etlc_get_sqlite_engine(ctx->db, true, &c, err);
    if (rc == 0)
        rc = etlc_extract(c, &ctx->opts, &r, err);
    ctx->committed = rc == 0;
    if (rc == 0 && r->record_count != 50)
        rc = etlc_error_set(err, ETLC_INTERNAL, "expected 50 rows, got %lld", (long long)r->record_count);
    etlc_result_free(r);
    etlc_connector_release(c);
    etlc_close_all_connections();
    return rc;
}

/* The position and run count of a checkpoint file, as canonical JSON
 * (malloc'd; NULL if missing or unreadable): what a failed run must leave
 * as it was. The envelope's timestamps and a failed run's intent may change. */
static char *position_of(const char *path)
{
    json_t *doc = json_load_file(path, 0, NULL);
    json_t *p = doc ? json_pack("{s:O?,s:O?}", "position", json_object_get(doc, "position"), "runs",
                                json_object_get(doc, "runs"))
                    : NULL;
    char *text = p ? json_dumps(p, JSON_SORT_KEYS | JSON_INDENT(1)) : NULL;
    json_decref(p);
    json_decref(doc);
    return text;
}

/* The position but its one time-dependent value, so successful runs compare. */
static void blank_finished_at(char *state)
{
    char *at = state ? strstr(state, "\"finished_at\": \"") : NULL;
    if (!at)
        return;
    for (at += strlen("\"finished_at\": \""); *at && *at != '"'; at++)
        *at = '-';
}

static void state_kept_unless_committed(void *p, int rc, long n)
{
    extract_ctx *ctx = p;
    char *now = position_of(ctx->state);
    char first[4096] = "";
    size_t visible = nomem_visible_files(ctx->lake, first, sizeof first);
    size_t all = tu_count_files(ctx->lake);
    if (!ctx->committed) {
        if (!now || strcmp(now, ctx->state_before) != 0)
            fail_msg("failing allocation %ld (rc %s) changed the position to:\n%s", n, etlc_code_name(rc),
                     now ? now : "(missing)");
        if (all != 0)
            fail_msg("failing allocation %ld (rc %s) left %zu file(s) (%zu visible, e.g. %s)", n,
                     etlc_code_name(rc), all, visible, first);
    } else {
        if (!now || strcmp(now, ctx->state_before) == 0)
            fail_msg("a successful run (allocation %ld) did not advance the state", n);
        blank_finished_at(now);
        if (!ctx->state_after)
            ctx->state_after = strdup(now);
        else if (strcmp(now, ctx->state_after) != 0) { /* nothing silently lost */
            fprintf(stderr, "%s\n--- instead of ---\n%s\n", now, ctx->state_after);
            fail_msg("a successful run past allocation %ld wrote another state (above)", n);
        }
        if (n == 0 && !ctx->files)
            ctx->files = visible;
        if (visible != ctx->files || all != ctx->files || !visible)
            fail_msg("a successful run left %zu file(s), %zu visible, not %zu", all, visible, ctx->files);
    }
    free(now);
    /* Back to the starting point for the next run. */
    assert_int_equal(tu_write_file(ctx->state, ctx->state_text), 0);
    tu_rmtree(ctx->lake);
}

/* Length of the landed file's path in a position (the first run's):
 * position.last_run.files[0].path. */
static size_t state_item_path_len(const char *position)
{
    json_t *j = json_loads(position, 0, NULL);
    json_t *last_run = json_object_get(json_object_get(j, "position"), "last_run");
    const char *path =
        json_string_value(json_object_get(json_array_get(json_object_get(last_run, "files"), 0), "path"));
    size_t n = path ? strlen(path) : 0;
    json_decref(j);
    return n;
}

/* Every scenario; with probe, only the first run, and the length of the
 * path it landed comes back. want_path_len: that path must be so long. */
static size_t run_extract_in(const char *format, const char *lag, unsigned partitions, const char *tag, bool probe,
                             size_t want_path_len)
{
    char *dir = tu_tempdir(tag);
    extract_ctx ctx = {0};
    snprintf(ctx.db, sizeof ctx.db, "%s/src.db", dir);
    snprintf(ctx.lake, sizeof ctx.lake, "%s/lake", dir);
    snprintf(ctx.state, sizeof ctx.state, "%s/state.json", dir);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(ctx.db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h,
                                  "PRAGMA journal_mode=wal; CREATE TABLE ev(id INTEGER PRIMARY KEY, wm INTEGER, "
                                  "name TEXT, at TIMESTAMP);"
                                  "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i < 100) "
                                  "INSERT INTO ev SELECT i, i / 10, 'n' || i, '2024-01-01 00:00:00' FROM g;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    static const char *keys[] = {"id"};
    ctx.opts = (etlc_extract_options){.table = "ev", .watermark = "wm", .keys = keys, .nkeys = 1,
                                      .batch_size = 20, .state_path = ctx.state, .lag = lag,
                                      .land = {.lake_root = ctx.lake, .sink = {.format = format}},
                                      .partitions = partitions, .partition_on = partitions ? "id" : NULL};
    /* A first run makes the state the others start from. */
    etlc_error err = {0};
    etlc_connector *c = NULL;
    etlc_result *r = NULL;
    assert_int_equal(etlc_get_sqlite_engine(ctx.db, true, &c, &err), 0);
    assert_int_equal(etlc_extract(c, &ctx.opts, &r, &err), 0);
    etlc_result_free(r);
    etlc_connector_release(c);
    etlc_close_all_connections();
    tu_rmtree(ctx.lake);
    ctx.state_text = tu_read_file(ctx.state, NULL);
    ctx.state_before = position_of(ctx.state);
    assert_non_null(ctx.state_text);
    assert_non_null(ctx.state_before);
    size_t path_len = state_item_path_len(ctx.state_before);
    assert_true(path_len > 0);
    if (want_path_len && path_len != want_path_len)
        fail_msg("the landed path is %zu characters long, not %zu", path_len, want_path_len);
    if (probe) {
        sqlite3_close(h);
        free(ctx.state_text);
        free(ctx.state_before);
        tu_rmtree(dir);
        free(dir);
        return path_len;
    }
    /* 50 new rows past the watermark (and past any lag window). */
    assert_int_equal(sqlite3_exec(h,
                                  "WITH RECURSIVE g(i) AS (SELECT 101 UNION ALL SELECT i+1 FROM g WHERE i < 150) "
                                  "INSERT INTO ev SELECT i, 1000 + i / 10, 'n' || i, NULL FROM g;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    char what[64];
    snprintf(what, sizeof what, "extract -> %s%s%s", format, lag ? " (lag)" : "", partitions ? " (partitions)" : "");
    nomem_each_allocation_fails(what, do_extract, state_kept_unless_committed, &ctx);
    free(ctx.state_text);
    free(ctx.state_before);
    free(ctx.state_after);
    tu_rmtree(dir);
    free(dir);
    return 0;
}

static void run_extract(const char *format, const char *lag, unsigned partitions)
{
    run_extract_in(format, lag, partitions, "extract-nomem", false, 0);
}

static void nomem_extract_jsonl(void **state) { (void)state; run_extract("jsonl", NULL, 0); }
static void nomem_extract_parquet_lag(void **state) { (void)state; run_extract("parquet", "5", 0); }
/* Three slices read by three threads that share the injector's counters:
 * which thread's allocation is the Nth varies from run to run. */
static void nomem_extract_partitions(void **state) { (void)state; run_extract("jsonl", NULL, 3); }

/* The report "free(): corrupted unsorted chunks": jansson 2.14 loses a
 * failed save into its token buffer, and when the byte lost is a string's
 * closing quote it copies the string past its buffer (json_load.c). Every
 * run parses the checkpoint, whose first long string is the landed file's
 * path: the file is written with sorted keys, so before
 * position.last_run.files[0].path come only short strings (the timestamps,
 * the 16-hex definition, the cursor's types, the keys) and its 64-hex
 * sha256 comes after it. A directory name is chosen so that this path is
 * 126 (or 254) characters long, and its closing quote the 128th (256th)
 * byte saved, a growth point.
 * Before the fix this scenario aborted in jansson's lexer. */
static void nomem_extract_path_on_growth_point(void **state)
{
    (void)state;
    size_t probe = run_extract_in("jsonl", NULL, 0, "x", true, 0); /* the path with a 1-character tag */
    size_t target = probe <= 126 ? 126 : 254;
    assert_true(probe <= target);
    char tag[200];
    size_t k = target - probe + 1;
    assert_true(k < sizeof tag);
    memset(tag, 'q', k);
    tag[k] = '\0';
    /* Every allocation, sanitizers or not: the one that matters is a single one. */
    bool own_stride = !getenv("NOMEM_STRIDE");
    if (own_stride)
        setenv("NOMEM_STRIDE", "1", 1);
    run_extract_in("jsonl", NULL, 0, tag, false, target);
    if (own_stride)
        unsetenv("NOMEM_STRIDE");
}

int main(int argc, char **argv)
{
    (void)argc;
    nomem_main_setup(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nomem_extract_jsonl),
        cmocka_unit_test(nomem_extract_parquet_lag),
        cmocka_unit_test(nomem_extract_partitions),
        cmocka_unit_test(nomem_extract_path_on_growth_point),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
