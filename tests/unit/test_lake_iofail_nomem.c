/* I/O failures in the local lake: write(), fsync() and rename() are
 * interposed, and the Nth call on a file below the test's directory fails
 * (write with ENOSPC, fsync and rename with EIO), for N = 1, 2, ... in turn.
 * A sink must return an I/O error naming the path and leave no file in the
 * lake (not even a temporary one); an extraction must in addition leave its
 * state file byte-identical.
 *
 * libc is interposed (the test binary's write/fsync/rename win over libc's
 * for the statically linked library). The sanitizer runtimes intercept
 * these calls too, but ours still win and reach theirs through RTLD_NEXT:
 * this test runs under ASan as well. */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "testutil.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nomem_alloc.h" /* nomem_loop.h needs it; no allocation is made to fail here */
#include "nomem_loop.h"    /* nomem_visible_files */

#include "lake_iofail_interpose.h"

/* ---- the sink ----------------------------------------------------------- */

static etlc_batch *small_batch(void)
{
    etlc_column_def defs[] = {{"id", ETLC_TYPE_INT64, 0, 0}, {"name", ETLC_TYPE_TEXT, 0, 0}};
    etlc_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_batch_new(defs, 2, 10, &b, &err), 0);
    for (int i = 0; i < 10; i++) {
        char s[32];
        snprintf(s, sizeof s, "name %d", i);
        assert_int_equal(etlc_batch_append_int64(b, 0, i, &err), 0);
        assert_int_equal(etlc_batch_append_var(b, 1, ETLC_TYPE_TEXT, s, strlen(s), &err), 0);
        assert_int_equal(etlc_batch_end_row(b, &err), 0);
    }
    return b;
}

static int sink_run(const char *root, const char *format, const etlc_batch *b, etlc_error *err)
{
    etlc_lake *lake = NULL;
    etlc_result *result = NULL;
    etlc_sink *sink = NULL;
    int rc = etlc_lake_open_local(root, &lake, err);
    if (rc == 0)
        rc = etlc_result_new("io", "src", NULL, &result, err);
    if (rc == 0) {
        etlc_sink_options o = {.format = format, .max_records_per_file = 15,
                               .vars = {.protocol = "io", .source = "src", .date = "2026-11-27",
                                        .query_hash = "0123456789ab"}};
        rc = etlc_sink_open(lake, &o, &sink, err);
    }
    for (int i = 0; rc == 0 && i < 3; i++) /* 30 rows: two files */
        rc = etlc_sink_write(sink, b, err);
    if (rc == 0) {
        rc = etlc_sink_finish(sink, result, err);
    } else {
        etlc_sink_abort(sink);
    }
    etlc_result_free(result);
    etlc_lake_free(lake);
    return rc;
}

static bool is_io_code(int rc) { return rc >= ETLC_IO && rc <= ETLC_IO_PATH; }

static void each_io_call_fails(const char *format)
{
    char *dir = tu_tempdir("lake-iofail");
    char root[4200];
    snprintf(root, sizeof root, "%s/lake", dir);
    etlc_batch *b = small_batch();
    snprintf(watched, sizeof watched, "%s", dir);
    etlc_error err = {0};
    assert_int_equal(sink_run(root, format, b, &err), 0);
    assert_int_equal(nomem_visible_files(root, NULL, 0), 2);
    tu_rmtree(root);
    long n;
    for (n = 1; n < 1000; n++) {
        etlc_error_clear(&err);
        seen = 0;
        fail_at = n;
        int rc = sink_run(root, format, b, &err);
        fail_at = 0;
        if (rc == 0 && seen < n)
            break; /* past the last call */
        if (!is_io_code(rc))
            fail_msg("%s: failing %s #%ld gave %s, not an I/O error: %s", format, failed_op, n,
                     etlc_code_name(rc), err.message);
        if (!strstr(err.message, root))
            fail_msg("%s: failing %s #%ld: the error does not name the path: %s", format, failed_op, n,
                     err.message);
        if (rc == ETLC_IO_NO_SPACE ? strcmp(failed_op, "write") != 0 : strcmp(failed_op, "write") == 0)
            fail_msg("%s: failing %s #%ld gave %s", format, failed_op, n, etlc_code_name(rc));
        size_t all = tu_count_files(root);
        if (all != 0)
            fail_msg("%s: failing %s #%ld left %zu file(s) in the lake", format, failed_op, n, all);
        tu_rmtree(root);
    }
    print_message("%s: %ld lake I/O calls failed in turn\n", format, n - 1);
    assert_true(n > 6); /* 2 files: writes, fsyncs, renames, directory fsyncs */
    watched[0] = '\0';
    etlc_batch_free(b);
    tu_rmtree(dir);
    free(dir);
}

static void iofail_jsonl(void **state) { (void)state; each_io_call_fails("jsonl"); }
static void iofail_csv(void **state) { (void)state; each_io_call_fails("csv"); }
static void iofail_parquet(void **state) { (void)state; each_io_call_fails("parquet"); }

/* ---- extraction ----------------------------------------------------------- */

/* The position and run count of a checkpoint file as canonical JSON
 * (malloc'd; NULL if missing): what a failed run leaves as it was (its
 * intent and the envelope's timestamps may change). */
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

static void iofail_extract(void **state)
{
    (void)state;
    char *dir = tu_tempdir("extract-iofail");
    char db[4200], lake[4200], st[4200];
    snprintf(db, sizeof db, "%s/src.db", dir);
    snprintf(lake, sizeof lake, "%s/lake", dir);
    snprintf(st, sizeof st, "%s/state/state.json", dir);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h,
                                  "CREATE TABLE ev(id INTEGER PRIMARY KEY, wm INTEGER, name TEXT);"
                                  "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i < 60) "
                                  "INSERT INTO ev SELECT i, i / 10, 'n' || i FROM g;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    static const char *keys[] = {"id"};
    etlc_extract_options o = {.table = "ev", .watermark = "wm", .keys = keys, .nkeys = 1, .batch_size = 25,
                              .state_path = st,
                              .land = {.lake_root = lake, .sink = {.format = "jsonl", .max_records_per_file = 20}}};
    etlc_error err = {0};
    etlc_connector *c = NULL;
    etlc_result *r = NULL;
    assert_int_equal(etlc_get_sqlite_engine(db, true, &c, &err), 0);
    assert_int_equal(etlc_extract(c, &o, &r, &err), 0);
    etlc_result_free(r);
    tu_rmtree(lake);
    char *before_text = tu_read_file(st, NULL);
    char *before = position_of(st);
    assert_non_null(before_text);
    assert_non_null(before);
    assert_int_equal(sqlite3_exec(h,
                                  "WITH RECURSIVE g(i) AS (SELECT 61 UNION ALL SELECT i+1 FROM g WHERE i < 110) "
                                  "INSERT INTO ev SELECT i, 100 + i / 10, 'n' || i FROM g;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);

    snprintf(watched, sizeof watched, "%s/", dir); /* lake and state (the database is only read) */
    long n;
    for (n = 1; n < 1000; n++) {
        etlc_error_clear(&err);
        seen = 0;
        fail_at = n;
        int rc = etlc_extract(c, &o, &r, &err);
        fail_at = 0;
        etlc_result_free(r);
        r = NULL;
        char *now = position_of(st);
        if (rc == 0) {
            bool past_end = seen < n;
            assert_true(now && strcmp(now, before) != 0); /* advanced */
            assert_int_equal(nomem_visible_files(lake, NULL, 0), 3);
            assert_int_equal(tu_write_file(st, before_text), 0);
            free(now);
            tu_rmtree(lake);
            if (past_end)
                break;
            continue; /* a failure the run may ignore (removing the pending record) */
        }
        if (!is_io_code(rc))
            fail_msg("extract: failing %s #%ld gave %s, not an I/O error: %s", failed_op, n, etlc_code_name(rc),
                     err.message);
        if (!strstr(err.message, dir))
            fail_msg("extract: failing %s #%ld: the error does not name the path: %s", failed_op, n, err.message);
        if (!now || strcmp(now, before) != 0)
            fail_msg("extract: failing %s #%ld changed the position to:\n%s", failed_op, n, now ? now : "(missing)");
        char first[4096] = "";
        size_t visible = nomem_visible_files(lake, first, sizeof first);
        if (visible != 0)
            fail_msg("extract: failing %s #%ld left %zu visible file(s), e.g. %s", failed_op, n, visible, first);
        free(now);
        tu_rmtree(lake);
    }
    print_message("extract: %ld I/O calls failed in turn\n", n - 1);
    assert_true(n > 10);
    watched[0] = '\0';
    free(before);
    free(before_text);
    etlc_connector_release(c);
    etlc_close_all_connections();
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(iofail_jsonl),
        cmocka_unit_test(iofail_csv),
        cmocka_unit_test(iofail_parquet),
        cmocka_unit_test(iofail_extract),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
