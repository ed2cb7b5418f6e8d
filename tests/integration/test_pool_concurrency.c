/* A cached pooled connector serves fetches from several threads at once:
 * four threads take the SAME cached postgres connector (pool_max=4) and each
 * lands a query that sleeps 1 s in the server. Serialised they would take
 * 4 s; in parallel about 1 s. Also run under ThreadSanitizer (make tsan).
 * Cancellation against the same server: a running query through the
 * connector's PQcancel watcher, a warehouse load rolled back whole.
 * shared-service: postgres (the run's one server; this test works in a
 * database of its own). A server that is not there fails the program. */
#include "testutil.h"
#include "shared_pg.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/internal.h"
#include "pool_overlap.h"

typedef struct cancel_at_count {
    etlc_cancel *token;
    int calls;
} cancel_at_count;



static int start_server(void **state)
{
    (void)state;
    if (shared_pg_create("pool_concurrency") != 0)
        return -1;
    return getenv("PG_PORT") ? 0 : -1;
}

static int stop_server(void **state)
{
    (void)state;
    etlc_close_all_connections();
    shared_pg_drop();
    return 0;
}

/* The cached connector of the shared pooled config. */
static int get_pg(etlc_connector **out, etlc_error *err) { return get_pooled("postgres", out, err); }

static void test_four_fetches_overlap(void **state)
{
    (void)state;
    run_overlap("postgres",
                "SELECT %d AS thread, extract(epoch FROM pg_catalog.statement_timestamp())::float8 AS began, "
                "extract(epoch FROM pg_catalog.clock_timestamp())::float8 AS ended FROM pg_catalog.pg_sleep(1)");
    assert_int_equal(etlc_cache_size(), 1);
}

static void *cancel_after_300ms(void *arg)
{
    usleep(300 * 1000);
    etlc_cancel_request(arg);
    return NULL;
}

/* A query sleeping 30 s in the server yields no batch to stop at: the
 * connector's watcher sends PQcancel, the fetch ends at once as CANCELLED,
 * nothing lands, and the connector serves the next fetch. */
static void test_cancel_running_query(void **state)
{
    (void)state;
    char *dir = tu_tempdir("pool-cancel");
    char lake[4200];
    snprintf(lake, sizeof lake, "%s/lake", dir);
    etlc_error err = {0};
    etlc_connector *c = NULL;
    assert_int_equal(get_pg(&c, &err), ETLC_OK);
    etlc_cancel *token = NULL;
    assert_int_equal(etlc_cancel_new(&token, &err), ETLC_OK);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, cancel_after_300ms, token), 0);
    etlc_fetch_request req = {.query = "SELECT 1 AS n FROM pg_catalog.pg_sleep(30)"};
    etlc_land_options land = {.lake_root = lake, .sink = {.format = "jsonl"}, .cancel = token};
    etlc_result *r = NULL;
    double t0 = etlc__monotonic_ms();
    int rc = etlc_connector_fetch(c, &req, &land, &r, &err);
    double took = etlc__monotonic_ms() - t0;
    pthread_join(th, NULL);
    printf("fetch cancelled after %.0f ms (requested at 300 ms): %s\n", took, err.message);
    assert_int_equal(rc, ETLC_CANCELLED);
    assert_int_equal(r->status, ETLC_STATUS_FAILED);
    assert_true(took < 5000.0);
    assert_int_equal(tu_count_files(lake), 0);
    etlc_result_free(r);
    etlc_cancel_free(token);

    req.query = "SELECT 2 AS n";
    land.cancel = NULL;
    assert_int_equal(etlc_connector_fetch(c, &req, &land, &r, &err), ETLC_OK);
    assert_int_equal(r->record_count, 1);
    etlc_result_free(r);
    etlc_connector_release(c);
    tu_rmtree(dir);
    free(dir);
}

/* The dw destination's config: the postgres service's env, under DW keys. */
static int open_dw(etlc_connector **out, etlc_error *err)
{
    etlc_kv ov[] = {{"host", getenv("PG_HOST")},         {"port", getenv("PG_PORT")},
                    {"database", getenv("PG_DATABASE")}, {"username", getenv("PG_USERNAME")},
                    {"password", getenv("PG_PASSWORD")}};
    etlc_config_sources src = {.overrides = ov, .overrides_len = 5};
    etlc_get_options opts = {.no_reuse = true};
    return etlc_get_connection("dw", &src, &opts, out, err);
}

static void cancel_on_third(void *ud, uint64_t rows, uint64_t bytes)
{
    (void)rows, (void)bytes;
    cancel_at_count *cc = ud;
    if (++cc->calls == 3)
        etlc_cancel_request(cc->token);
}

/* Rows of public.<table>, -1 when it does not exist. */
static long table_rows(const char *table)
{
    const char *keys[] = {"host", "port", "dbname", "user", "password", NULL};
    const char *vals[] = {getenv("PG_HOST"), getenv("PG_PORT"), getenv("PG_DATABASE"), getenv("PG_USERNAME"),
                          getenv("PG_PASSWORD"), NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 0);
    char q[256];
    snprintf(q, sizeof q, "SELECT to_regclass('public.%s') IS NOT NULL", table);
    PGresult *r = PQexec(c, q);
    long n = PQresultStatus(r) == PGRES_TUPLES_OK && strcmp(PQgetvalue(r, 0, 0), "t") == 0 ? 0 : -1;
    PQclear(r);
    if (n == 0) {
        snprintf(q, sizeof q, "SELECT count(*) FROM public.%s", table);
        r = PQexec(c, q);
        n = PQresultStatus(r) == PGRES_TUPLES_OK ? strtol(PQgetvalue(r, 0, 0), NULL, 10) : -2;
        PQclear(r);
    }
    PQfinish(c);
    return n;
}

/* A warehouse load cancelled at its third progress report (one per COPY
 * chunk of about 1 MiB: 200,000 rows make about 9) is rolled back whole:
 * the table it would have created does not exist; the same load without
 * the cancel then lands every row. */
static void test_cancel_dw_load(void **state)
{
    (void)state;
    char *dir = tu_tempdir("dw-cancel");
    char path[4200];
    snprintf(path, sizeof path, "%s/rows.jsonl", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 200000; i++)
        fprintf(f, "{\"id\":%d,\"label\":\"row %d of the cancelled load\"}\n", i, i);
    fclose(f);
    etlc_error err = {0};
    etlc_connector *dw = NULL;
    assert_int_equal(open_dw(&dw, &err), ETLC_OK);
    cancel_at_count cc = {0};
    assert_int_equal(etlc_cancel_new(&cc.token, &err), ETLC_OK);
    const char *paths[] = {path};
    etlc_dw_load_options lo = {.table = "cancelled_load", .batch_rows = 1000, .progress = cancel_on_third,
                               .progress_userdata = &cc, .cancel = cc.token};
    etlc_dw_load_result *res = NULL;
    assert_int_equal(etlc_dw_load(dw, paths, 1, &lo, &res, &err), ETLC_CANCELLED);
    printf("load: %s\n", err.message);
    assert_int_equal(cc.calls, 3);
    etlc_dw_load_result_free(res);
    assert_int_equal(table_rows("cancelled_load"), -1);

    lo.cancel = NULL;
    lo.progress = NULL;
    assert_int_equal(etlc_dw_load(dw, paths, 1, &lo, &res, &err), ETLC_OK);
    etlc_dw_load_result_free(res);
    assert_int_equal(table_rows("cancelled_load"), 200000);
    etlc_cancel_free(cc.token);
    etlc_connector_release(dw);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_four_fetches_overlap),
        cmocka_unit_test(test_cancel_running_query),
        cmocka_unit_test(test_cancel_dw_load),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
