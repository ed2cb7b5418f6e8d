/* SQLite end to end through the C API: builders, cache, fetch into a lake,
 * type mapping, and the failure paths (bad SQL, missing file, locked
 * database), each with a clear error and no file left in the lake. */
#include "testutil.h"
#include "core/internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *scratch;
static char dbpath[4200];

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("setup SQL failed: %s", msg);
    sqlite3_close(db);
}

static int setup(void **state)
{
    (void)state;
    scratch = tu_tempdir("sqlite");
    snprintf(dbpath, sizeof dbpath, "%s/types.db", scratch);
    exec_sql(dbpath,
             "CREATE TABLE t(id INTEGER PRIMARY KEY, big INTEGER, r REAL, s TEXT, b BLOB, d DATE,"
             " ts TIMESTAMP, amount DECIMAL(12,3), flag BOOLEAN, doc JSON);"
             "INSERT INTO t VALUES (1, 9223372036854775807, -0.5, 'héllo 😀', x'00ff', '1969-12-31',"
             " '1960-06-01 12:00:00.25', 12.5, 1, '{\"a\":[1,2]}');"
             "INSERT INTO t VALUES (2, -9223372036854775808, NULL, '', NULL, NULL, NULL, NULL, 0, NULL);"
             "INSERT INTO t VALUES (3, NULL, 1e300, NULL, x'', '2999-01-01', '2024-02-29T23:59:59Z', '-0.001', NULL, 'null');");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    etlc_close_all_connections();
    tu_rmtree(scratch);
    free(scratch);
    return 0;
}

static etlc_result *fetch_into(etlc_connector *c, const char *sql, const char *lake, const char *format,
                               int expect_rc, etlc_error *err)
{
    etlc_fetch_request req = {.query = sql, .batch_rows = 2};
    etlc_land_options land = {.lake_root = lake, .sink.format = format};
    etlc_result *r = NULL;
    int rc = etlc_connector_fetch(c, &req, &land, &r, err);
    if (rc != expect_rc)
        fail_msg("fetch rc %d (%s), expected %d: %s", rc, etlc_code_name(rc), expect_rc, err->message);
    return r;
}

static void types_map_faithfully(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc_connector *c = NULL;
    assert_int_equal(etlc_get_sqlite_engine(dbpath, true, &c, &err), ETLC_OK);
    char lake[4300];
    snprintf(lake, sizeof lake, "%s/lake-types", scratch);
    etlc_result *r = fetch_into(c, "SELECT * FROM t ORDER BY id", lake, "jsonl", ETLC_OK, &err);
    assert_int_equal(r->status, ETLC_STATUS_SUCCESS);
    assert_int_equal(r->record_count, 3);
    assert_int_equal(r->item_count, 1);
    assert_int_equal(etlc_result_validate(r, &err), ETLC_OK);
    size_t len;
    char *text = tu_read_file(r->items[0].path, &len);
    assert_non_null(text);
    char sha[65];
    etlc__sha256_hex(text, len, sha);
    assert_string_equal(sha, r->items[0].sha256);
    /* integers stay 64-bit, NULL stays null, dates/timestamps in UTC */
    assert_non_null(strstr(text, "\"big\":9223372036854775807"));
    assert_non_null(strstr(text, "\"big\":-9223372036854775808"));
    assert_non_null(strstr(text, "\"s\":\"héllo 😀\""));
    assert_non_null(strstr(text, "\"d\":\"1969-12-31\""));
    assert_non_null(strstr(text, "\"ts\":\"1960-06-01T12:00:00.250000Z\""));
    assert_non_null(strstr(text, "\"amount\":\"12.500\""));
    assert_non_null(strstr(text, "\"amount\":\"-0.001\""));
    assert_non_null(strstr(text, "\"flag\":true"));
    assert_non_null(strstr(text, "\"flag\":false"));
    assert_non_null(strstr(text, "\"r\":null"));
    assert_non_null(strstr(text, "\"doc\":{\"a\":[1,2]}"));
    free(text);
    etlc_result_free(r);
    etlc_connector_release(c);
}

static void cache_reuses_engine(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc_connector *a = NULL, *b = NULL;
    assert_int_equal(etlc_get_sqlite_engine(dbpath, true, &a, &err), ETLC_OK);
    assert_int_equal(etlc_get_sqlite_engine(dbpath, true, &b, &err), ETLC_OK);
    assert_ptr_equal(a, b);
    etlc_connector_release(a);
    etlc_connector_release(b);
    etlc_health h = {0};
    assert_int_equal(etlc_test_sqlite_connection(dbpath, &h, &err), ETLC_OK);
    assert_true(h.healthy);
    assert_non_null(strstr(h.server_version, "SQLite"));
    etlc_close_all_connections();
    assert_int_equal(etlc_cache_size(), 0);
}

static void bad_sql_leaves_nothing(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc_connector *c = NULL;
    assert_int_equal(etlc_get_sqlite_engine(dbpath, true, &c, &err), ETLC_OK);
    char lake[4300];
    snprintf(lake, sizeof lake, "%s/lake-bad", scratch);
    etlc_result *r = fetch_into(c, "SELECT nope FROM t", lake, "jsonl", ETLC_QUERY, &err);
    assert_non_null(strstr(err.message, "no such column"));
    assert_non_null(r);
    assert_int_equal(r->status, ETLC_STATUS_FAILED);
    assert_int_equal(r->error_count, 1);
    assert_int_equal(tu_count_files(lake), 0);
    etlc_result_free(r);
    /* a failure in the middle of the stream (row 3 cannot convert) */
    r = fetch_into(c, "SELECT CASE WHEN id < 3 THEN id ELSE 'x' END AS v FROM t ORDER BY id", lake,
                   "jsonl", ETLC_DATA_TYPE, &err);
    assert_non_null(strstr(err.message, "column 'v'"));
    assert_non_null(strstr(err.message, "row 3"));
    assert_int_equal(tu_count_files(lake), 0);
    etlc_result_free(r);
    etlc_connector_release(c);
}

/* #15 class 10: sqlite3_prepare compiles only the first statement; the rest
 * must be refused, never silently dropped (nor run). */
static void trailing_statements_refused(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc_connector *c = NULL;
    assert_int_equal(etlc_get_sqlite_engine(dbpath, false, &c, &err), ETLC_OK);
    char lake[4300];
    snprintf(lake, sizeof lake, "%s/lake-multi", scratch);
    static const char *const refused[] = {
        "SELECT 1; DROP TABLE t", "SELECT 1;DROP TABLE t;", "SELECT 1 ; /* c */ DELETE FROM t",
        "SELECT 1;; SELECT 2", "SELECT ';'; SELECT 2", "SELECT 1; nonsense"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        etlc_result *r = fetch_into(c, refused[i], lake, "jsonl", ETLC_INVALID_ARGUMENT, &err);
        assert_non_null(strstr(err.message, "more than one statement"));
        assert_int_equal(tu_count_files(lake), 0);
        etlc_result_free(r);
    }
    static const char *const accepted[] = {"SELECT 1;", "SELECT 1; -- done", "SELECT 1 /* x */ ;  ;\n",
                                           "SELECT ';' AS s"};
    for (size_t i = 0; i < sizeof accepted / sizeof *accepted; i++) {
        etlc_result *r = fetch_into(c, accepted[i], lake, "jsonl", ETLC_OK, &err);
        assert_int_equal(r->record_count, 1);
        etlc_result_free(r);
    }
    etlc_result *r = fetch_into(c, "SELECT count(*) FROM t", lake, "jsonl", ETLC_OK, &err);
    assert_int_equal(r->record_count, 1); /* the table is still there */
    etlc_result_free(r);
    etlc_connector_release(c);
}

static void missing_file_is_clear(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc_connector *c = NULL;
    char missing[4300];
    snprintf(missing, sizeof missing, "%s/absent.db", scratch);
    assert_int_equal(etlc_get_sqlite_engine(missing, true, &c, &err), ETLC_CONNECT_NOT_FOUND);
    assert_null(c);
    assert_non_null(strstr(err.message, "absent.db"));
    assert_non_null(strstr(err.message, "override"));
    FILE *f = fopen(missing, "r");
    assert_null(f); /* not created by the attempt */
}

static void locked_database_is_busy(void **state)
{
    (void)state;
    char locked[4300];
    snprintf(locked, sizeof locked, "%s/locked.db", scratch);
    exec_sql(locked, "CREATE TABLE x(a); INSERT INTO x VALUES (1);");
    sqlite3 *holder;
    assert_int_equal(sqlite3_open(locked, &holder), SQLITE_OK);
    assert_int_equal(sqlite3_exec(holder, "BEGIN EXCLUSIVE; INSERT INTO x VALUES (2);", NULL, NULL, NULL), SQLITE_OK);
    etlc_kv ov[] = {{"database_path", locked}, {"busy_timeout", "100ms"}};
    etlc_config_sources src = {.overrides = ov, .overrides_len = 2, .env_prefix = ""};
    etlc_get_options opts = {.no_reuse = true};
    etlc_error err = {0};
    etlc_connector *c = NULL;
    int rc = etlc_get_connection("sqlite", &src, &opts, &c, &err);
    if (rc == ETLC_OK) {
        char lake[4300];
        snprintf(lake, sizeof lake, "%s/lake-locked", scratch);
        etlc_result *r = fetch_into(c, "SELECT * FROM x", lake, "jsonl", ETLC_BUSY, &err);
        assert_int_equal(tu_count_files(lake), 0);
        etlc_result_free(r);
        etlc_connector_release(c);
    } else {
        /* the schema read at connect may already meet the lock */
        assert_int_equal(rc, ETLC_BUSY);
    }
    assert_true(err.retryable);
    assert_non_null(strstr(err.message, "locked"));
    sqlite3_exec(holder, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(holder);
}

static void memory_database_and_params(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc_connector *c = NULL;
    assert_int_equal(etlc_get_sqlite_engine(":memory:", false, &c, &err), ETLC_OK);
    char lake[4300];
    snprintf(lake, sizeof lake, "%s/lake-mem", scratch);
    etlc_param p[2] = {{.type = ETLC_TYPE_INT64, .i64 = 41}, {.type = ETLC_TYPE_TEXT, .data = "x", .len = 1}};
    etlc_fetch_request req = {.query = "SELECT ? + 1 AS n, ? AS s", .params = p, .nparams = 2};
    etlc_land_options land = {.lake_root = lake, .sink.format = "jsonl"};
    etlc_result *r = NULL;
    assert_int_equal(etlc_connector_fetch(c, &req, &land, &r, &err), ETLC_OK);
    char *text = tu_read_file(r->items[0].path, NULL);
    assert_string_equal(text, "{\"n\":42,\"s\":\"x\"}\n");
    free(text);
    etlc_result_free(r);
    req.nparams = 1; /* wrong count */
    r = NULL;
    assert_int_equal(etlc_connector_fetch(c, &req, &land, &r, &err), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "2 parameter"));
    etlc_result_free(r);
    etlc_connector_release(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(types_map_faithfully),
        cmocka_unit_test(cache_reuses_engine),
        cmocka_unit_test(bad_sql_leaves_nothing),
        cmocka_unit_test(trailing_statements_refused),
        cmocka_unit_test(missing_file_is_clear),
        cmocka_unit_test(locked_database_is_busy),
        cmocka_unit_test(memory_database_and_params),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
