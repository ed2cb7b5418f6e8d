/* Threads racing on the cache: get/use/release, no_reuse, close_all, dead
 * connectors. Checks that no connector is used by two threads at once, that
 * every connection made is closed exactly once, and (under ThreadSanitizer,
 * `make tsan`) that there are no data races. */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define THREADS 8
#define ITERATIONS 300

static atomic_int connects, closes, overlaps, generation, use_after_close;

typedef struct race_ctx {
    atomic_int busy;      /* >0 while a thread is inside connector code */
    int generation;
    bool connected;
    long uses;            /* plain field: a data race here if the lock failed */
} race_ctx;

static const etlc_option race_options[] = {
    {"name", ETLC_OPT_STRING, "a", 0, 0, NULL, 0, "any name"},
    {"password", ETLC_OPT_STRING, NULL, 0, 0, NULL, ETLC_OPT_SECRET, "a secret"},
};
static const etlc_option_table race_table = {"racetest", "RACETEST", race_options, 2, NULL};
static const etlc_option_table race_pt_table = {"racetest_pt", "RACETEST_PT", race_options, 2, NULL};

static void enter(race_ctx *ctx)
{
    if (atomic_fetch_add(&ctx->busy, 1) != 0)
        atomic_fetch_add(&overlaps, 1);
    if (!ctx->connected)
        atomic_fetch_add(&use_after_close, 1);
    ctx->uses++;
}
static void leave(race_ctx *ctx) { atomic_fetch_sub(&ctx->busy, 1); }

static int rc_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    (void)cfg; (void)err;
    race_ctx *ctx = vctx;
    ctx->generation = atomic_load(&generation);
    ctx->connected = true;
    atomic_fetch_add(&connects, 1);
    return 0;
}
static int rc_fetch(void *vctx, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                    etlc_error *err)
{
    (void)vctx; (void)req; (void)consumer; (void)err;
    return 0;
}
static int rc_test(void *vctx, etlc_health *health, etlc_error *err)
{
    (void)err;
    race_ctx *ctx = vctx;
    enter(ctx);
    health->healthy = true;
    snprintf(health->server_version, sizeof health->server_version, "race %ld", ctx->uses);
    leave(ctx);
    return 0;
}
static bool rc_alive(void *vctx)
{
    race_ctx *ctx = vctx;
    enter(ctx);
    bool alive = ctx->generation == atomic_load(&generation);
    leave(ctx);
    return alive;
}
static void rc_close(void *vctx)
{
    race_ctx *ctx = vctx;
    enter(ctx);
    ctx->connected = false;
    atomic_fetch_add(&closes, 1);
    leave(ctx);
}

static const etlc_connector_ops race_ops = {
    .abi_version = ETLC_ABI_VERSION, .name = "racetest", .options = &race_table,
    .context_size = sizeof(race_ctx), .connect = rc_connect, .fetch = rc_fetch,
    .test = rc_test, .alive = rc_alive, .close = rc_close};
static const etlc_connector_ops race_pt_ops = {
    .abi_version = ETLC_ABI_VERSION, .name = "racetest_pt", .options = &race_pt_table,
    .context_size = sizeof(race_ctx), .flags = ETLC_CONNECTOR_PER_THREAD,
    .connect = rc_connect, .fetch = rc_fetch, .test = rc_test, .alive = rc_alive,
    .close = rc_close};

static atomic_int failures;

static void *worker(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg * 2654435761u + 1;
    static const char *const names[] = {"n0", "n1", "n2"};
    static const char *const secrets[] = {"secret-a", "secret-b"};
    for (int i = 0; i < ITERATIONS; i++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = (seed >> 16) % 100;
        etlc_kv dict[] = {{"name", names[(seed >> 8) % 3]}, {"password", secrets[(seed >> 4) % 2]}};
        etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 2};
        etlc_get_options opts = {.no_reuse = r < 10};
        const char *protocol = r % 4 == 0 ? "racetest_pt" : "racetest";
        if (r >= 97) {
            etlc_close_all_connections();
            continue;
        }
        if (r >= 94) {
            atomic_fetch_add(&generation, 1); /* every connection so far goes dead */
            continue;
        }
        etlc_connector *c = NULL;
        etlc_error err = {0};
        if (etlc_get_connection(protocol, &src, &opts, &c, &err) != 0) {
            atomic_fetch_add(&failures, 1);
            continue;
        }
        etlc_health h;
        if (etlc_connector_test(c, &h, &err) != 0 || !h.healthy)
            atomic_fetch_add(&failures, 1);
        etlc_connector_release(c);
        (void)etlc_cache_size();
    }
    return NULL;
}

static void threads_race_without_harm(void **state)
{
    (void)state;
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&race_ops, &err), 0);
    assert_int_equal(etlc_registry_add(&race_pt_ops, &err), 0);
    pthread_t th[THREADS];
    for (uintptr_t t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, worker, (void *)t), 0);
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    assert_int_equal(atomic_load(&failures), 0);
    assert_int_equal(atomic_load(&overlaps), 0);
    assert_int_equal(atomic_load(&use_after_close), 0);
    assert_true(atomic_load(&connects) > 0);
    etlc_close_all_connections();
    assert_int_equal(etlc_cache_size(), 0);
    /* Every connection made was closed exactly once. */
    assert_int_equal(atomic_load(&connects), atomic_load(&closes));
}

/* All threads ask for the same key at once on an empty cache: one wins,
 * the others' connections are closed, and all end up sharing the winner. */
static pthread_barrier_t start_line;
static etlc_connector *got[THREADS];

static void *same_key(void *arg)
{
    uintptr_t t = (uintptr_t)arg;
    etlc_kv dict[] = {{"name", "same"}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 1};
    etlc_error err = {0};
    pthread_barrier_wait(&start_line);
    if (etlc_get_connection("racetest", &src, NULL, &got[t], &err) != 0)
        atomic_fetch_add(&failures, 1);
    return NULL;
}

static void racing_first_gets_share_one_connector(void **state)
{
    (void)state;
    int connects_before = atomic_load(&connects), closes_before = atomic_load(&closes);
    pthread_barrier_init(&start_line, NULL, THREADS);
    pthread_t th[THREADS];
    for (uintptr_t t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, same_key, (void *)t), 0);
    for (int t = 0; t < THREADS; t++)
        pthread_join(th[t], NULL);
    pthread_barrier_destroy(&start_line);
    assert_int_equal(atomic_load(&failures), 0);
    for (int t = 1; t < THREADS; t++)
        assert_ptr_equal(got[t], got[0]);
    assert_int_equal(etlc_cache_size(), 1);
    int made = atomic_load(&connects) - connects_before;
    assert_true(made >= 1);
    /* Losers were closed; the winner lives on. */
    assert_int_equal(atomic_load(&closes) - closes_before, made - 1);
    for (int t = 0; t < THREADS; t++)
        etlc_connector_release(got[t]);
    etlc_close_all_connections();
    assert_int_equal(atomic_load(&closes) - closes_before, made);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(threads_race_without_harm),
        cmocka_unit_test(racing_first_gets_share_one_connector),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
