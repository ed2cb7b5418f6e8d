/* The parallel-fetch check shared by test_pool_concurrency*.c: four threads
 * take the SAME cached connector of `protocol` (pool_min = pool_max = 4)
 * and each lands a query that sleeps 1 s in the server and reports the
 * server's clock when the statement arrived ("began") and when it ended
 * ("ended"). Passes when every fetch succeeded, the server ran all four at
 * one moment (latest start < earliest end) and the wall time stays under
 * 2.5x a fetch alone (serialised it would be 4x). Include it in one test. */
#ifndef ETLCONN_POOL_OVERLAP_H
#define ETLCONN_POOL_OVERLAP_H

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

#define NTHREADS 4

static const etlc_kv g_pool[] = {{"pool_min", "4"}, {"pool_max", "4"}};

typedef struct worker {
    const char *protocol;
    const char *query_fmt; /* one %d: the thread's number */
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

/* The cached connector for the shared config (same key every time). */
static int get_pooled(const char *protocol, etlc_connector **out, etlc_error *err)
{
    etlc_config_sources src = {.overrides = g_pool, .overrides_len = 2};
    return etlc_get_connection(protocol, &src, NULL, out, err);
}

/* A number (or a decimal written as a string) after `"key":` in the landed
 * JSON line; -1 when absent. */
static double json_number(const char *text, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = text ? strstr(text, pat) : NULL;
    if (!p)
        return -1.0;
    p += strlen(pat);
    return strtod(*p == '"' ? p + 1 : p, NULL);
}

static void fetch_one(worker *w)
{
    char query[400];
    snprintf(query, sizeof query, w->query_fmt, w->index);
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
    w->rc = get_pooled(w->protocol, &w->c, &w->err);
    pthread_barrier_wait(w->start); /* every thread holds the connector before any fetch */
    if (w->rc == 0)
        fetch_one(w);
    return NULL;
}

/* Server-side overlap and the timings, printed; asserts as described on top. */
static void check_overlap(const worker *w, const worker *solo, double t0, double wall)
{
    double single = solo->t_end - solo->t_start;
    double latest_start = 0, earliest_end = 1e300, base = w[0].began;
    for (int i = 1; i < NTHREADS; i++)
        base = w[i].began < base ? w[i].began : base;
    for (int i = 0; i < NTHREADS; i++) {
        printf("%s thread %d: rc %d, client %+8.1f .. %+8.1f ms (%.1f ms), server ran it %.1f .. %.1f ms%s%s\n",
               w[i].protocol, i, w[i].rc, w[i].t_start - t0, w[i].t_end - t0, w[i].t_end - w[i].t_start,
               (w[i].began - base) * 1000.0, (w[i].ended - base) * 1000.0, w[i].rc ? ": " : "", w[i].err.message);
        assert_int_equal(w[i].rc, ETLC_OK);
        assert_int_equal(w[i].records, 1);
        assert_int_equal(w[i].items, 1);
        assert_ptr_equal(w[i].c, solo->c); /* the same cached connector */
        assert_true(w[i].began > 0 && w[i].ended >= w[i].began + 0.9);
        latest_start = w[i].began > latest_start ? w[i].began : latest_start;
        earliest_end = w[i].ended < earliest_end ? w[i].ended : earliest_end;
    }
    printf("%s: one fetch alone %.1f ms; %d concurrent fetches %.1f ms wall (%.2fx; serialised would be %dx)\n",
           solo->protocol, single, NTHREADS, wall, wall / single, NTHREADS);
    fflush(stdout);
    assert_true(latest_start < earliest_end); /* the server ran every statement at one moment */
    assert_true(wall < 2.5 * single);
}

/* The whole check for one protocol and its sleeping query. */
static void run_overlap(const char *protocol, const char *query_fmt)
{
    char *dir = tu_tempdir("pool-concurrency");
    char lake[4200];
    snprintf(lake, sizeof lake, "%s/lake", dir);
    /* One fetch alone: the yardstick (the connect happens here, not in it). */
    worker solo = {.protocol = protocol, .query_fmt = query_fmt, .index = 99, .lake = lake};
    assert_int_equal(get_pooled(protocol, &solo.c, &solo.err), ETLC_OK);
    fetch_one(&solo);
    assert_int_equal(solo.rc, ETLC_OK);

    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, NTHREADS);
    worker w[NTHREADS];
    pthread_t th[NTHREADS];
    double t0 = etlc__monotonic_ms();
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (worker){.protocol = protocol, .query_fmt = query_fmt, .index = i, .lake = lake, .start = &start};
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    }
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    double wall = etlc__monotonic_ms() - t0;
    pthread_barrier_destroy(&start);
    check_overlap(w, &solo, t0, wall);
    assert_int_equal(tu_count_files(lake), NTHREADS + 1);
    for (int i = 0; i < NTHREADS; i++)
        etlc_connector_release(w[i].c);
    etlc_connector_release(solo.c);
    tu_rmtree(dir);
    free(dir);
}

#endif
