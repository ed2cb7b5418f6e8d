/* The allocation-failure injector itself (core/fault.h): counting, failing
 * the Nth allocation or every one from the Nth, who failed, and counters
 * shared by threads. etlc__strdup makes exactly one routed allocation.
 * Built with -DETLCONN_FAULT_INJECTION=ON only (the *_nomem tests). */
#include "testutil.h"

#include <dlfcn.h>

#include <pthread.h>
#include <stdlib.h>

#include "core/internal.h"
#include "nomem_alloc.h"

static void counts_and_fails_the_nth(void **state)
{
    (void)state;
    etlc__fault_reset();
    for (int i = 0; i < 5; i++)
        free(etlc__strdup("x"));
    assert_int_equal(etlc__fault_alloc_count(), 5);
    assert_int_equal(etlc__fault_alloc_failed_origin(), ETLC__FAULT_NONE);

    etlc__fault_alloc_fail_at(3); /* counted from now: the 8th since the reset */
    char *got[6];
    for (int i = 0; i < 6; i++)
        got[i] = etlc__strdup("x");
    etlc__fault_alloc_fail_at(0);
    for (int i = 0; i < 6; i++) {
        if (i == 2)
            assert_null(got[i]);
        else
            assert_non_null(got[i]);
        free(got[i]);
    }
    assert_int_equal(etlc__fault_alloc_failures(), 1);
    assert_int_equal(etlc__fault_alloc_failed_origin(), ETLC__FAULT_ETLCONN);
    assert_string_equal(etlc__fault_origin_name(ETLC__FAULT_ETLCONN), "etlconn");

    etlc__fault_reset();
    etlc__fault_alloc_fail_from(2);
    for (int i = 0; i < 4; i++)
        got[i] = etlc__strdup("x");
    etlc__fault_reset();
    assert_non_null(got[0]);
    for (int i = 1; i < 4; i++)
        assert_null(got[i]);
    free(got[0]);
    assert_non_null(got[0] = etlc__strdup("x")); /* reset disarms */
    free(got[0]);
}

#define THREADS 4
#define EACH 2000

static void *allocate_many(void *arg)
{
    long *nulls = arg;
    for (int i = 0; i < EACH; i++) {
        char *p = etlc__strdup("thread");
        if (!p)
            (*nulls)++;
        free(p);
    }
    return NULL;
}

/* Four threads: every allocation counted once, exactly one fails. */
static void threads_share_the_counters(void **state)
{
    (void)state;
    etlc__fault_reset();
    etlc__fault_alloc_fail_at(THREADS * EACH / 2);
    pthread_t t[THREADS];
    long nulls[THREADS] = {0};
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, allocate_many, &nulls[i]), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    long total_nulls = 0;
    for (int i = 0; i < THREADS; i++)
        total_nulls += nulls[i];
    assert_int_equal(etlc__fault_alloc_count(), THREADS * EACH);
    assert_int_equal(total_nulls, 1);
    assert_int_equal(etlc__fault_alloc_failures(), 1);
    etlc__fault_reset();
}

#ifdef ETLCONN_TEST_HAS_SQLITE
#include "etlconn/connector_api.h"
/* Linking the SQLite connector links its start-up routing with it. */
extern const etlc_connector_ops etlc_connector_sqlite;
#endif

/* The libraries the start-up code routes (docs/testing.md). */
static void libraries_are_routed(void **state)
{
    (void)state;
    /* libmongoc initialises itself (and so OpenSSL, which then refuses new
     * allocators) in its own constructor, before ours: where it is loaded
     * (the ASan build links every library, --no-as-needed), OpenSSL's
     * allocations cannot be routed. Everywhere else they must be. */
    void *mongoc = dlopen("libmongoc-1.0.so.0", RTLD_NOW | RTLD_NOLOAD);
    assert_true(etlc__fault_routes(ETLC__FAULT_OPENSSL) == (mongoc == NULL));
    if (mongoc)
        dlclose(mongoc);
    assert_true(etlc__fault_routes(ETLC__FAULT_CURL));
    assert_true(etlc__fault_routes(ETLC__FAULT_ZSTD));
    assert_true(etlc__fault_routes(ETLC__FAULT_ZLIB));
#ifdef ETLCONN_TEST_HAS_SQLITE
    assert_string_equal(etlc_connector_sqlite.name, "sqlite");
    assert_true(etlc__fault_routes(ETLC__FAULT_SQLITE));
#endif
}

int main(int argc, char **argv)
{
    (void)argc;
    nomem_main_setup(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_and_fails_the_nth),
        cmocka_unit_test(threads_share_the_counters),
        cmocka_unit_test(libraries_are_routed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
