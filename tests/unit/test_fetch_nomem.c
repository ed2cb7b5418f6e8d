/* Allocation failures through the SQLite connector end to end: registry,
 * config, cache (etlc_get_connection / release / close_all), fetch into a
 * temporary local lake, the IngestionResult. Failing allocation 1, 2, ...
 * in turn: ETLC_NO_MEMORY (or the end), nothing leaked, and no file in the
 * lake unless the fetch succeeded.
 *
 * The library's fault injector (core/fault.h) makes the allocations fail:
 * built with -DETLCONN_FAULT_INJECTION=ON only, and run under ASan too,
 * where a scenario of more than 400 allocations is stepped through with a
 * stride (about 200 runs; NOMEM_STRIDE=1 runs them all: nomem_alloc.h). */
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nomem_alloc.h"
#include "nomem_loop.h"

typedef struct fetch_ctx {
    char db[4200];
    char lake[4200];
    const char *format;
    bool landed; /* the fetch succeeded: its file is visible */
} fetch_ctx;

static int do_fetch(void *p, etlc_error *err)
{
    fetch_ctx *ctx = p;
    ctx->landed = false;
    etlc_kv over[] = {{"database_path", ctx->db}, {"read_only", "true"}};
    etlc_config_sources src = {.overrides = over, .overrides_len = 2, .env_prefix = ""};
    etlc_connector *c = NULL;
    etlc_result *result = NULL;
    int rc = etlc_get_connection("sqlite", &src, NULL, &c, err);
    if (rc == 0) {
        etlc_param params[] = {{.type = ETLC_TYPE_INT64, .i64 = 2}, {.type = ETLC_TYPE_TEXT, .data = "x", .len = 1}};
        etlc_fetch_request req = {.query = "SELECT id, name, score, raw, day FROM t WHERE id >= ? OR name = ?",
                                  .params = params, .nparams = 2, .batch_rows = 3};
        etlc_land_options land = {.lake_root = ctx->lake, .sink = {.format = ctx->format}};
        rc = etlc_connector_fetch(c, &req, &land, &result, err);
        ctx->landed = rc == 0;
        if (rc == 0 && result->record_count != 9)
            rc = etlc_error_set(err, ETLC_INTERNAL, "expected 9 records, got %lld",
                                (long long)result->record_count);
    }
    etlc_result_free(result);
    etlc_connector_release(c);
    /* A second get hits the cache (or reconnects after a failure). */
    if (rc == 0) {
        rc = etlc_get_connection("sqlite", &src, NULL, &c, err);
        etlc_connector_release(c);
    }
    etlc_close_all_connections();
    return rc;
}

/* The façade without a fetch: load_connection_config, test_connection,
 * an uncached get (no_reuse), the cache and the registry's lookups. */
static int do_facade(void *p, etlc_error *err)
{
    fetch_ctx *ctx = p;
    etlc_kv over[] = {{"database_path", ctx->db}};
    etlc_config_sources src = {.overrides = over, .overrides_len = 1, .env_prefix = ""};
    etlc_config *cfg = NULL;
    int rc = etlc_load_connection_config("sqlite3", &src, &cfg, err); /* an alias */
    etlc_config_free(cfg);
    etlc_health health;
    if (rc == 0)
        rc = etlc_test_connection("sqlite", &src, &health, err);
    if (rc == 0 && !health.healthy)
        rc = etlc_error_set(err, ETLC_INTERNAL, "unhealthy: %s", health.detail);
    etlc_connector *fresh = NULL, *cached = NULL;
    etlc_get_options no_reuse = {.no_reuse = true};
    if (rc == 0)
        rc = etlc_get_connection("sqlite", &src, &no_reuse, &fresh, err);
    if (rc == 0)
        rc = etlc_get_connection("sqlite", &src, NULL, &cached, err);
    etlc_connector_release(fresh);
    etlc_connector_release(cached);
    etlc_close_all_connections();
    /* an unknown protocol names the known ones ("did you mean") */
    if (rc == 0) {
        const etlc_connector_ops *ops;
        int frc = etlc_registry_find("sqlitee", &ops, err);
        rc = frc == ETLC_UNKNOWN_PROTOCOL ? 0 : (frc ? frc : ETLC_INTERNAL);
    }
    return rc;
}

static void cache_empty(void *p, int rc, long n)
{
    (void)p;
    if (etlc_cache_size() != 0)
        fail_msg("facade: failing allocation %ld (rc %s) left %zu cache entries", n, etlc_code_name(rc),
                 etlc_cache_size());
}

static void lake_empty_unless_landed(void *p, int rc, long n)
{
    fetch_ctx *ctx = p;
    char first[4096] = "";
    size_t visible = nomem_visible_files(ctx->lake, first, sizeof first);
    size_t all = tu_count_files(ctx->lake);
    if (!ctx->landed && all != 0)
        fail_msg("%s: failing allocation %ld (rc %s) left %zu file(s) (%zu visible, e.g. %s)", ctx->format, n,
                 etlc_code_name(rc), all, visible, first);
    if (ctx->landed && (visible != 1 || all != 1))
        fail_msg("%s: a successful fetch left %zu file(s), %zu visible, not 1", ctx->format, all, visible);
    if (etlc_cache_size() != 0)
        fail_msg("%s: failing allocation %ld left %zu cache entries", ctx->format, n, etlc_cache_size());
    tu_rmtree(ctx->lake);
}

static void run_fetch(const char *format)
{
    char *dir = tu_tempdir("fetch-nomem");
    fetch_ctx ctx = {.format = format};
    snprintf(ctx.db, sizeof ctx.db, "%s/src.db", dir);
    snprintf(ctx.lake, sizeof ctx.lake, "%s/lake", dir);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(ctx.db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h,
                                  "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, score REAL, raw BLOB, day DATE);"
                                  "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i < 10) "
                                  "INSERT INTO t SELECT i, 'n' || i, i * 0.5, x'00ff', '2024-01-0' || (i % 9 + 1) "
                                  "FROM g;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(h);
    char what[64];
    snprintf(what, sizeof what, "sqlite fetch -> %s", format);
    nomem_each_allocation_fails(what, do_fetch, lake_empty_unless_landed, &ctx);
    tu_rmtree(dir);
    free(dir);
}

static void nomem_facade(void **state)
{
    (void)state;
    char *dir = tu_tempdir("facade-nomem");
    fetch_ctx ctx = {.format = "none"};
    snprintf(ctx.db, sizeof ctx.db, "%s/src.db", dir);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(ctx.db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "CREATE TABLE t(id INTEGER);", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    nomem_each_allocation_fails("facade", do_facade, cache_empty, &ctx);
    tu_rmtree(dir);
    free(dir);
}

static void nomem_fetch_jsonl(void **state) { (void)state; run_fetch("jsonl"); }
static void nomem_fetch_parquet(void **state) { (void)state; run_fetch("parquet"); }

int main(int argc, char **argv)
{
    (void)argc;
    nomem_main_setup(argv);
    unsetenv("SQLITE_DATABASE_PATH");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nomem_facade),
        cmocka_unit_test(nomem_fetch_jsonl),
        cmocka_unit_test(nomem_fetch_parquet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
