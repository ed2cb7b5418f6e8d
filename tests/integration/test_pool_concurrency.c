/* A cached pooled connector serves fetches from several threads at once:
 * four threads take the SAME cached postgres connector (pool_max=4) and each
 * lands a query that sleeps 1 s in the server. Serialised they would take
 * 4 s; in parallel about 1 s. Also run under ThreadSanitizer (make tsan).
 * Cancellation against the same server: a running query through the
 * connector's PQcancel watcher, a warehouse load rolled back whole.
 * The server is started here through tests/services/postgres; a server that
 * does not start fails the program. */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "core/internal.h"

typedef struct cancel_at_count {
    etlc_cancel *token;
    int calls;
} cancel_at_count;

#define NTHREADS 4

static char g_svcdir[4096];

static int service(const char *cmd)
{
    char line[9000];
    snprintf(line, sizeof line, "'%s/tests/services/postgres' %s '%s' >/dev/null", ETLCONN_SOURCE_DIR, cmd,
             g_svcdir);
    return system(line);
}

static int start_server(void **state)
{
    (void)state;
    snprintf(g_svcdir, sizeof g_svcdir, "%s/services/postgres-pool-%ld", ETLCONN_BINARY_DIR, (long)getpid());
    if (service("start") != 0) {
        fprintf(stderr, "tests/services/postgres start failed\n");
        return -1;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/env", g_svcdir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *eq = strchr(line, '=');
        if (!eq || strncmp(line, "PG_", 3) != 0)
            continue;
        *eq = '\0';
        setenv(line, eq + 1, 1); /* PG_HOST, PG_PORT, ...: the connector's env layer */
    }
    fclose(f);
    return getenv("PG_PORT") ? 0 : -1;
}

static int stop_server(void **state)
{
    (void)state;
    etlc_close_all_connections();
    service("stop");
    return 0;
}

static const etlc_kv g_pool[] = {{"pool_min", "4"}, {"pool_max", "4"}};

/* The cached connector for the shared config (same key every time). */
static int get_pg(etlc_connector **out, etlc_error *err)
{
    etlc_config_sources src = {.overrides = g_pool, .overrides_len = 2};
    return etlc_get_connection("postgres", &src, NULL, out, err);
}

typedef struct worker {
    int index;
    const char *lake;
    pthread_barrier_t *start;
    etlc_connector *c;
    double t_start, t_end; /* ms, monotonic */
    double began, ended;   /* the server's clock (epoch s) when the statement came and when it ended */
    int rc;
    etlc_error err;
    uint64_t records;
    size_t items;
} worker;

/* A number after `"key":` in the landed JSON line; -1 when absent. */
static double json_number(const char *text, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = text ? strstr(text, pat) : NULL;
    return p ? strtod(p + strlen(pat), NULL) : -1.0;
}

/* One fetch of a query that sleeps 1 s in the server and reports when the
 * server started and ended it; its text names the thread so every thread
 * lands its own file. */
static void fetch_one(worker *w)
{
    char query[300];
    snprintf(query, sizeof query,
             "SELECT %d AS thread, extract(epoch FROM pg_catalog.statement_timestamp())::float8 AS began, "
             "extract(epoch FROM pg_catalog.clock_timestamp())::float8 AS ended FROM pg_catalog.pg_sleep(1)",
             w->index);
    etlc_fetch_request req = {.query = query};
    etlc_land_options land = {.lake_root = w->lake, .sink = {.format = "jsonl"}};
    etlc_result *r = NULL;
    w->t_start = etlc__monotonic_ms();
    w->rc = etlc_connector_fetch(w->c, &req, &land, &r, &w->err);
    w->t_end = etlc__monotonic_ms();
    if (r) {
        w->records = r->record_count;
        w->items = r->item_count;
    }
    if (w->rc == 0 && w->items == 1) {
        char *line = tu_read_file(r->items[0].path, NULL);
        w->began = json_number(line, "began");
        w->ended = json_number(line, "ended");
        free(line);
    }
    etlc_result_free(r);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    w->rc = get_pg(&w->c, &w->err);
    pthread_barrier_wait(w->start); /* every thread holds the connector before any fetch */
    if (w->rc == 0)
        fetch_one(w);
    return NULL;
}

static void test_four_fetches_overlap(void **state)
{
    (void)state;
    char *dir = tu_tempdir("pool-concurrency");
    char lake[4200];
    snprintf(lake, sizeof lake, "%s/lake", dir);

    /* One fetch alone: the yardstick (the connect happens here, not in it). */
    worker solo = {.index = 99, .lake = lake};
    assert_int_equal(get_pg(&solo.c, &solo.err), ETLC_OK);
    fetch_one(&solo);
    assert_int_equal(solo.rc, ETLC_OK);
    double single = solo.t_end - solo.t_start;

    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, NTHREADS);
    worker w[NTHREADS];
    pthread_t th[NTHREADS];
    double t0 = etlc__monotonic_ms();
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (worker){.index = i, .lake = lake, .start = &start};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    double wall = etlc__monotonic_ms() - t0;
    pthread_barrier_destroy(&start);

    /* Overlap as the server saw it: each statement's arrival and end. */
    double latest_start = 0, earliest_end = 1e300, base = w[0].began;
    for (int i = 1; i < NTHREADS; i++)
        base = w[i].began < base ? w[i].began : base;
    for (int i = 0; i < NTHREADS; i++) {
        printf("thread %d: rc %d, client %+8.1f .. %+8.1f ms (%.1f ms), server ran it %.1f .. %.1f ms%s%s\n", i,
               w[i].rc, w[i].t_start - t0, w[i].t_end - t0, w[i].t_end - w[i].t_start,
               (w[i].began - base) * 1000.0, (w[i].ended - base) * 1000.0, w[i].rc ? ": " : "",
               w[i].err.message);
        assert_int_equal(w[i].rc, ETLC_OK);
        assert_int_equal(w[i].records, 1);
        assert_int_equal(w[i].items, 1);
        assert_ptr_equal(w[i].c, solo.c); /* the same cached connector */
        assert_true(w[i].began > 0 && w[i].ended >= w[i].began + 0.9);
        latest_start = w[i].began > latest_start ? w[i].began : latest_start;
        earliest_end = w[i].ended < earliest_end ? w[i].ended : earliest_end;
    }
    printf("one fetch alone %.1f ms; %d concurrent fetches %.1f ms wall (%.2fx; serialised would be %dx)\n",
           single, NTHREADS, wall, wall / single, NTHREADS);
    fflush(stdout);
    assert_int_equal(etlc_cache_size(), 1);
    assert_true(latest_start < earliest_end); /* every fetch was running at one moment */
    assert_true(wall < 2.5 * single);
    assert_int_equal(tu_count_files(lake), NTHREADS + 1);

    for (int i = 0; i < NTHREADS; i++)
        etlc_connector_release(w[i].c);
    etlc_connector_release(solo.c);
    tu_rmtree(dir);
    free(dir);
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

/* A warehouse load cancelled after its third batch is rolled back whole:
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
    for (int i = 0; i < 20000; i++)
        fprintf(f, "{\"id\":%d,\"label\":\"row %d\"}\n", i, i);
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
    assert_int_equal(table_rows("cancelled_load"), 20000);
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
