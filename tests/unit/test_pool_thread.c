/* Threads racing on the generic pool (src/core/pool.c): no session is
 * handed to two threads at once, never more than pool_max are open, every
 * session opened is closed exactly once, and (under ThreadSanitizer) no
 * data races — including connects and closes running outside the lock. */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool.h"

#define THREADS 8
#define ITERATIONS 400
#define POOL_MAX 3

typedef struct session {
    atomic_int users;
    atomic_bool dead;
    long uses; /* plain field: a data race here if two threads shared it */
} session;

static atomic_int connects, closes, open_now, max_open, overlaps, busy_errors;

static int s_connect(void *ud, void **handle, etlc_error *err)
{
    (void)ud;
    session *s = calloc(1, sizeof *s);
    if (!s)
        return etlc_error_set(err, ETLC_NO_MEMORY, "oom");
    int n = atomic_fetch_add(&open_now, 1) + 1;
    int m = atomic_load(&max_open);
    while (n > m && !atomic_compare_exchange_weak(&max_open, &m, n))
        ;
    atomic_fetch_add(&connects, 1);
    *handle = s;
    return 0;
}
static bool s_alive(void *ud, void *handle)
{
    (void)ud;
    return !atomic_load(&((session *)handle)->dead);
}
static void s_close(void *ud, void *handle)
{
    (void)ud;
    atomic_fetch_sub(&open_now, 1);
    atomic_fetch_add(&closes, 1);
    free(handle);
}

static const etlc__pool_ops ops = {"Race", "race", s_connect, s_alive, NULL, s_close};

static void *worker(void *arg)
{
    etlc__pool *p = arg;
    unsigned seed = (unsigned)(uintptr_t)pthread_self();
    for (int i = 0; i < ITERATIONS; i++) {
        void *h = NULL;
        etlc_error err = {0};
        int rc = etlc__pool_acquire(p, &h, &err);
        if (rc == ETLC_BUSY) {
            atomic_fetch_add(&busy_errors, 1);
            continue;
        }
        if (rc != 0)
            continue;
        session *s = h;
        if (atomic_fetch_add(&s->users, 1) != 0)
            atomic_fetch_add(&overlaps, 1);
        s->uses++;
        int r = rand_r(&seed) % 10;
        if (r == 0)
            atomic_store(&s->dead, true); /* found dead at its next reuse */
        atomic_fetch_sub(&s->users, 1);
        etlc__pool_release(p, h, r != 1); /* sometimes not reusable */
        (void)etlc__pool_open_count(p);
    }
    return NULL;
}

static void test_threads_share_one_pool(void **state)
{
    (void)state;
    etlc__pool p;
    etlc_error err = {0};
    assert_int_equal(etlc__pool_init(&p, &ops, NULL, 1, POOL_MAX, 1, 10000, &err), 0);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, worker, &p), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&overlaps), 0);
    assert_int_equal(atomic_load(&busy_errors), 0); /* a 10 s wait is never exhausted here */
    assert_true(atomic_load(&max_open) <= POOL_MAX);
    assert_true(atomic_load(&connects) > POOL_MAX); /* dead and unreusable sessions were replaced */
    assert_true(etlc__pool_open_count(&p) <= POOL_MAX);
    etlc__pool_destroy(&p);
    assert_int_equal(atomic_load(&closes), atomic_load(&connects));
    assert_int_equal(atomic_load(&open_now), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_share_one_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
