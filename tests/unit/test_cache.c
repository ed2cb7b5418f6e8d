/* The connection cache: reuse, keys (config, secrets, thread), no_reuse,
 * liveness, close_all with connectors still held. */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

static atomic_int connects, closes, generation;

typedef struct cache_ctx {
    int generation; /* alive while it equals the global one */
    bool connected;
} cache_ctx;

static const etlc_option cache_options[] = {
    {"name", ETLC_OPT_STRING, "a", 0, 0, NULL, 0, "any name"},
    {"password", ETLC_OPT_STRING, NULL, 0, 0, NULL, ETLC_OPT_SECRET, "a secret"},
    {"fail", ETLC_OPT_BOOL, "false", 0, 0, NULL, 0, "fail to connect"},
};
static const etlc_option_table cache_table = {"cachetest", "CACHETEST", cache_options, 3, NULL};
static const etlc_option_table cache_pt_table = {"cachetest_pt", "CACHETEST_PT", cache_options, 3, NULL};

static int ct_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    cache_ctx *ctx = vctx;
    if (etlc_config_get_bool(cfg, "fail"))
        return etlc_error_set(err, ETLC_CONNECT_REFUSED, "cachetest: refused");
    ctx->generation = atomic_load(&generation);
    ctx->connected = true;
    atomic_fetch_add(&connects, 1);
    return 0;
}
static int ct_fetch(void *vctx, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                    etlc_error *err)
{
    (void)vctx; (void)req; (void)consumer; (void)err;
    return 0;
}
static int ct_test(void *vctx, etlc_health *health, etlc_error *err)
{
    (void)err;
    health->healthy = ((cache_ctx *)vctx)->connected;
    return 0;
}
static bool ct_alive(void *vctx) { return ((cache_ctx *)vctx)->generation == atomic_load(&generation); }
static void ct_close(void *vctx)
{
    cache_ctx *ctx = vctx;
    if (ctx->connected)
        atomic_fetch_add(&closes, 1);
    ctx->connected = false;
}

static const etlc_connector_ops cache_ops = {
    .abi_version = ETLC_ABI_VERSION, .name = "cachetest", .options = &cache_table,
    .context_size = sizeof(cache_ctx), .connect = ct_connect, .fetch = ct_fetch,
    .test = ct_test, .alive = ct_alive, .close = ct_close};
static const etlc_connector_ops cache_pt_ops = {
    .abi_version = ETLC_ABI_VERSION, .name = "cachetest_pt", .options = &cache_pt_table,
    .context_size = sizeof(cache_ctx), .flags = ETLC_CONNECTOR_PER_THREAD,
    .connect = ct_connect, .fetch = ct_fetch, .test = ct_test, .alive = ct_alive,
    .close = ct_close};

static int get(const char *protocol, const char *name, const char *password, bool no_reuse,
               etlc_connector **out)
{
    etlc_kv dict[2] = {{"name", name}, {"password", password}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = password ? 2 : 1};
    etlc_get_options opts = {.no_reuse = no_reuse};
    etlc_error err = {0};
    return etlc_get_connection(protocol, &src, &opts, out, &err);
}

static int setup(void **state)
{
    (void)state;
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&cache_ops, &err), 0);
    assert_int_equal(etlc_registry_add(&cache_pt_ops, &err), 0);
    return 0;
}

static int reset(void **state)
{
    (void)state;
    etlc_close_all_connections();
    assert_int_equal(etlc_cache_size(), 0);
    assert_int_equal(atomic_load(&connects), atomic_load(&closes));
    return 0;
}

static void reuse_gives_the_same_connector(void **state)
{
    (void)state;
    etlc_connector *a = NULL, *b = NULL;
    int before = atomic_load(&connects);
    assert_int_equal(get("cachetest", "x", "s1", false, &a), 0);
    assert_int_equal(get("CACHETEST", "x", "s1", false, &b), 0);
    assert_ptr_equal(a, b);
    assert_int_equal(atomic_load(&connects) - before, 1);
    assert_int_equal(etlc_cache_size(), 1);
    assert_string_equal(etlc_connector_ops_of(a)->name, "cachetest");
    assert_string_equal(etlc_config_get_string(etlc_connector_config(a), "name"), "x");
    etlc_connector_release(a);
    etlc_connector_release(b);
    /* Released connectors stay cached for the next caller. */
    assert_int_equal(etlc_cache_size(), 1);
    assert_int_equal(get("cachetest", "x", "s1", false, &b), 0);
    assert_ptr_equal(a, b);
    etlc_connector_release(b);
}

static void config_or_secret_changes_the_key(void **state)
{
    (void)state;
    etlc_connector *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(get("cachetest", "x", "s1", false, &a), 0);
    assert_int_equal(get("cachetest", "y", "s1", false, &b), 0);
    assert_int_equal(get("cachetest", "x", "s2", false, &c), 0);
    assert_ptr_not_equal(a, b);
    assert_ptr_not_equal(a, c);
    assert_ptr_not_equal(b, c);
    assert_int_equal(etlc_cache_size(), 3);
    etlc_connector_release(a);
    etlc_connector_release(b);
    etlc_connector_release(c);
}

static void no_reuse_is_fresh_and_closed_at_release(void **state)
{
    (void)state;
    etlc_connector *cached = NULL, *fresh = NULL;
    assert_int_equal(get("cachetest", "x", "s1", false, &cached), 0);
    int closed_before = atomic_load(&closes);
    assert_int_equal(get("cachetest", "x", "s1", true, &fresh), 0);
    assert_ptr_not_equal(cached, fresh);
    assert_int_equal(etlc_cache_size(), 1);
    etlc_connector_release(fresh);
    assert_int_equal(atomic_load(&closes) - closed_before, 1);
    etlc_connector_release(cached);
    assert_int_equal(atomic_load(&closes) - closed_before, 1);
}

static void failed_connect_is_not_cached(void **state)
{
    (void)state;
    etlc_kv dict[] = {{"fail", "true"}, {"password", "hunter22"}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 2};
    etlc_connector *c = (etlc_connector *)dict;
    etlc_error err = {0};
    assert_int_equal(etlc_get_connection("cachetest", &src, NULL, &c, &err), ETLC_CONNECT_REFUSED);
    assert_null(c);
    assert_non_null(strstr(err.message, "refused"));
    assert_int_equal(etlc_cache_size(), 0);
}

typedef struct other_thread_get {
    etlc_connector *got;
    int rc;
} other_thread_get;

static void *get_in_thread(void *arg)
{
    other_thread_get *t = arg;
    t->rc = get("cachetest_pt", "x", NULL, false, &t->got);
    return NULL;
}

static void per_thread_connectors_are_keyed_by_thread(void **state)
{
    (void)state;
    etlc_connector *a = NULL, *b = NULL;
    assert_int_equal(get("cachetest_pt", "x", NULL, false, &a), 0);
    assert_int_equal(get("cachetest_pt", "x", NULL, false, &b), 0);
    assert_ptr_equal(a, b);
    other_thread_get t = {0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, get_in_thread, &t), 0);
    pthread_join(th, NULL);
    assert_int_equal(t.rc, 0);
    assert_ptr_not_equal(t.got, a);
    assert_int_equal(etlc_cache_size(), 2);
    etlc_connector_release(t.got);
    etlc_connector_release(a);
    etlc_connector_release(b);
    /* Non-per-thread connectors are shared across threads. */
    etlc_connector *shared = NULL;
    assert_int_equal(get("cachetest", "x", NULL, false, &shared), 0);
    etlc_connector_release(shared);
}

static void dead_connector_is_replaced(void **state)
{
    (void)state;
    etlc_connector *old = NULL, *fresh = NULL;
    assert_int_equal(get("cachetest", "x", "s1", false, &old), 0);
    int connects_before = atomic_load(&connects), closes_before = atomic_load(&closes);
    atomic_fetch_add(&generation, 1); /* every existing connection "drops" */
    assert_int_equal(get("cachetest", "x", "s1", false, &fresh), 0);
    assert_ptr_not_equal(old, fresh);
    assert_int_equal(atomic_load(&connects) - connects_before, 1);
    assert_int_equal(etlc_cache_size(), 1);
    /* The dead one is still held: closed only at its release. */
    assert_int_equal(atomic_load(&closes) - closes_before, 0);
    etlc_connector_release(old);
    assert_int_equal(atomic_load(&closes) - closes_before, 1);
    etlc_connector_release(fresh);

    /* An unheld dead one is closed when evicted. */
    atomic_fetch_add(&generation, 1);
    assert_int_equal(get("cachetest", "x", "s1", false, &fresh), 0);
    assert_int_equal(atomic_load(&closes) - closes_before, 2);
    etlc_connector_release(fresh);
}

static void close_all_while_held_closes_at_release(void **state)
{
    (void)state;
    etlc_connector *held = NULL, *idle = NULL;
    assert_int_equal(get("cachetest", "held", NULL, false, &held), 0);
    assert_int_equal(get("cachetest", "idle", NULL, false, &idle), 0);
    etlc_connector_release(idle);
    int closes_before = atomic_load(&closes);
    etlc_close_all_connections();
    assert_int_equal(etlc_cache_size(), 0);
    assert_int_equal(atomic_load(&closes) - closes_before, 1); /* only the idle one */
    /* The held one still works. */
    etlc_health h;
    etlc_error err = {0};
    assert_int_equal(etlc_connector_test(held, &h, &err), 0);
    assert_true(h.healthy);
    assert_true(h.latency_ms > 0.0);
    /* A new get does not hand out the detached one. */
    etlc_connector *again = NULL;
    assert_int_equal(get("cachetest", "held", NULL, false, &again), 0);
    assert_ptr_not_equal(again, held);
    etlc_connector_release(held);
    assert_int_equal(atomic_load(&closes) - closes_before, 2);
    etlc_connector_release(again);
    etlc_connector_release(NULL);
}

static void test_connection_reports_health(void **state)
{
    (void)state;
    etlc_kv dict[] = {{"name", "h"}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 1};
    etlc_health h;
    etlc_error err = {0};
    assert_int_equal(etlc_test_connection("cachetest", &src, &h, &err), 0);
    assert_true(h.healthy);
    assert_true(h.latency_ms > 0.0);
    assert_int_equal(etlc_cache_size(), 1);

    etlc_kv bad[] = {{"fail", "yes"}};
    src.dict = bad;
    assert_int_equal(etlc_test_connection("cachetest", &src, &h, &err), ETLC_CONNECT_REFUSED);
    assert_false(h.healthy);
    assert_non_null(strstr(h.detail, "refused"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(reuse_gives_the_same_connector, reset),
        cmocka_unit_test_teardown(config_or_secret_changes_the_key, reset),
        cmocka_unit_test_teardown(no_reuse_is_fresh_and_closed_at_release, reset),
        cmocka_unit_test_teardown(failed_connect_is_not_cached, reset),
        cmocka_unit_test_teardown(per_thread_connectors_are_keyed_by_thread, reset),
        cmocka_unit_test_teardown(dead_connector_is_replaced, reset),
        cmocka_unit_test_teardown(close_all_while_held_closes_at_release, reset),
        cmocka_unit_test_teardown(test_connection_reports_health, reset),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
