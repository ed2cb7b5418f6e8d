/* The generic session pool (src/core/pool.c) with fake sessions: limits,
 * reuse order, liveness before reuse, keep/close at release, the idle
 * timeout above pool_min, BUSY after the wait, connect failures giving their
 * slot back, a closed pool. No server: the driver is the callbacks below. */
#include "testutil.h"

#include <string.h>
#include <time.h>

#include "core/pool.h"

typedef struct fake_session {
    int id;
    bool dead;
    bool dirty;
    bool closed;
} fake_session;

typedef struct fake_db {
    fake_session sessions[32];
    int nconnects, ncloses, nalive_checks;
    bool refuse;
} fake_db;

static int fake_connect(void *ud, void **handle, etlc_error *err)
{
    fake_db *db = ud;
    if (db->refuse)
        return etlc_error_set(err, ETLC_CONNECT_REFUSED, "fake refused");
    fake_session *s = &db->sessions[db->nconnects];
    s->id = ++db->nconnects;
    *handle = s;
    return 0;
}
static bool fake_alive(void *ud, void *handle)
{
    ((fake_db *)ud)->nalive_checks++;
    return !((fake_session *)handle)->dead;
}
static bool fake_keep(void *ud, void *handle)
{
    (void)ud;
    return !((fake_session *)handle)->dirty;
}
static void fake_close(void *ud, void *handle)
{
    fake_session *s = handle;
    assert_false(s->closed); /* closed exactly once */
    s->closed = true;
    ((fake_db *)ud)->ncloses++;
}

static const etlc__pool_ops fake_ops = {"Fake", "fake", fake_connect, fake_alive, fake_keep, fake_close};

static void *take(etlc__pool *p)
{
    void *h = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc__pool_acquire(p, &h, &err), 0);
    assert_non_null(h);
    return h;
}

static void test_reuse_and_limits(void **state)
{
    (void)state;
    fake_db db = {0};
    etlc__pool p;
    etlc_error err = {0};
    assert_int_equal(etlc__pool_init(&p, &fake_ops, &db, 1, 2, 0, 50, &err), 0);
    assert_true(etlc__pool_is_open(&p));
    fake_session *a = take(&p), *b = take(&p);
    assert_int_equal(db.nconnects, 2);
    assert_int_equal(etlc__pool_open_count(&p), 2);
    /* both in use: the third waits wait_ms, then BUSY */
    void *c = NULL;
    assert_int_equal(etlc__pool_acquire(&p, &c, &err), ETLC_BUSY);
    assert_null(c);
    assert_non_null(strstr(err.message, "all 2 Fake pool connections"));
    etlc__pool_release(&p, a, true);
    etlc__pool_release(&p, b, true);
    /* most recently released first, after a liveness check */
    assert_ptr_equal(take(&p), b);
    assert_int_equal(db.nalive_checks, 1);
    /* not reusable by the caller: closed, the slot freed */
    etlc__pool_release(&p, b, false);
    assert_true(b->closed);
    assert_int_equal(etlc__pool_open_count(&p), 1);
    /* a dead idle session is closed and replaced by a new one */
    a->dead = true;
    fake_session *d = take(&p);
    assert_true(a->closed);
    assert_int_equal(d->id, 3);
    /* `keep` says it is dirty (e.g. inside a transaction): closed */
    d->dirty = true;
    etlc__pool_release(&p, d, true);
    assert_true(d->closed);
    assert_int_equal(etlc__pool_open_count(&p), 0);
    etlc__pool_release(&p, NULL, true); /* no-op */
    etlc__pool_destroy(&p);
    assert_int_equal(db.ncloses, db.nconnects);
}

static void test_connect_failure_frees_the_slot(void **state)
{
    (void)state;
    fake_db db = {.refuse = true};
    etlc__pool p;
    etlc_error err = {0};
    assert_int_equal(etlc__pool_init(&p, &fake_ops, &db, 0, 1, 0, 50, &err), 0);
    void *h = (void *)&db;
    assert_int_equal(etlc__pool_acquire(&p, &h, &err), ETLC_CONNECT_REFUSED);
    assert_null(h);
    assert_int_equal(etlc__pool_open_count(&p), 0);
    db.refuse = false;
    fake_session *s = take(&p); /* the one slot is free again, no BUSY */
    etlc__pool_release(&p, s, true);
    etlc__pool_destroy(&p);
    assert_true(s->closed);
}

static void test_idle_timeout_above_min(void **state)
{
    (void)state;
    fake_db db = {0};
    etlc__pool p;
    etlc_error err = {0};
    assert_int_equal(etlc__pool_init(&p, &fake_ops, &db, 1, 3, 20, 50, &err), 0);
    fake_session *a = take(&p), *b = take(&p), *c = take(&p);
    etlc__pool_release(&p, a, true);
    etlc__pool_release(&p, b, true);
    struct timespec ts = {0, 40 * 1000000L};
    nanosleep(&ts, NULL);
    /* this release reaps the long-idle ones, oldest first, down to pool_min */
    etlc__pool_release(&p, c, true);
    assert_true(a->closed);
    assert_true(b->closed);
    assert_false(c->closed);
    assert_int_equal(etlc__pool_open_count(&p), 1);
    nanosleep(&ts, NULL);
    /* pool_min is kept, but a long-idle session is not handed out: replaced */
    fake_session *d = take(&p);
    assert_true(c->closed);
    assert_int_equal(d->id, 4);
    etlc__pool_release(&p, d, true);
    etlc__pool_destroy(&p);
    assert_int_equal(db.ncloses, 4);
}

static void test_closed_pool(void **state)
{
    (void)state;
    fake_db db = {0};
    etlc__pool p;
    memset(&p, 0, sizeof p);
    etlc_error err = {0};
    assert_false(etlc__pool_is_open(&p)); /* zeroed */
    assert_int_equal(etlc__pool_open_count(&p), 0);
    void *h = NULL;
    assert_int_equal(etlc__pool_acquire(&p, &h, &err), ETLC_INVALID_ARGUMENT);
    etlc__pool_destroy(&p); /* safe on a zeroed pool */
    assert_int_equal(etlc__pool_init(&p, &fake_ops, &db, 0, 0, 0, 0, &err), 0);
    assert_int_equal(p.max, 1);          /* max 0 counts as 1 */
    assert_int_equal(p.wait_ms, 30000);  /* default wait */
    fake_session *s = take(&p);
    etlc__pool_release(&p, s, true);
    etlc__pool_destroy(&p);
    assert_true(s->closed);
    assert_false(etlc__pool_is_open(&p));
    assert_int_equal(etlc__pool_acquire(&p, &h, &err), ETLC_INVALID_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reuse_and_limits),
        cmocka_unit_test(test_connect_failure_frees_the_slot),
        cmocka_unit_test(test_idle_timeout_above_min),
        cmocka_unit_test(test_closed_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
