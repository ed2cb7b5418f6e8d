/* The S3 lake's reading side against a real S3 server (SeaweedFS on
 * loopback, shared-service: seaweedfs, a bucket of this test's own; never
 * skipped): listing with
 * continuation tokens, ranged reads, delete, and leases (conditional
 * create, takeover of an expired lease, renew, release, a race of threads
 * of which exactly one wins), and the format readers reading lake files
 * straight from S3 (ranged GETs, no temporary file). */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "core/internal.h"
#include "sinks/format_reader.h"
#include "sinks/lake_backend.h"
#include "sinks/lake_s3.h"

#define MIB (1024u * 1024u)

#include "s3_peer.h" /* endpoint, ..., bucket, shared_s3_start */

/* ---- helpers --------------------------------------------------------------- */

static void put(etlc_lake *lake, const char *relpath, const char *text)
{
    etlc_error err = {0};
    if (etlc_lake_put(lake, relpath, text, strlen(text), &err))
        fail_msg("put %s: %s", relpath, err.message);
}

static int collect(void *ud, const etlc_lake_entry *e, etlc_error *err)
{
    (void)err;
    assert_non_null(e->etag);
    assert_true(e->mtime_us > 0);
    return etlc__buf_printf(ud, "%s:%llu\n", e->relpath, (unsigned long long)e->size);
}

static char *listing(etlc_lake *lake, const char *prefix)
{
    etlc__buf b = {0};
    etlc_error err = {0};
    if (etlc_lake_list(lake, prefix, collect, &b, &err))
        fail_msg("list: %s", err.message);
    etlc__buf_puts(&b, "");
    return etlc__buf_take(&b);
}

static int list_keys(void *ud, const char *key, uint64_t size, int64_t mtime_us, const char *etag,
                     etlc_error *err)
{
    (void)size, (void)mtime_us, (void)etag, (void)err;
    return etlc__buf_printf(ud, "%s\n", key);
}

static void test_list_order_prefix_and_pages(void **state)
{
    (void)state;
    etlc_lake *lake = open_lake("list");
    char *empty = listing(lake, "");
    assert_string_equal(empty, "");
    free(empty);
    put(lake, "a/b", "12");
    put(lake, "a.x", "1");
    put(lake, "z/y/x.jsonl", "123");
    put(lake, "dt=2024-01-02/f", "4444");
    put(lake, "dt=2024-01-10/f", "55555");
    char *all = listing(lake, NULL);
    assert_string_equal(all, "a.x:1\na/b:2\ndt=2024-01-02/f:4\ndt=2024-01-10/f:5\nz/y/x.jsonl:3\n");
    free(all);
    char *part = listing(lake, "dt=2024-01-1");
    assert_string_equal(part, "dt=2024-01-10/f:5\n");
    free(part);
    char *none = listing(lake, "nothing/");
    assert_string_equal(none, "");
    free(none);

    /* Two keys a page: the continuation tokens carry the listing through. */
    char key_prefix[256];
    snprintf(key_prefix, sizeof key_prefix, "%s/list/", run_prefix);
    etlc__buf b = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__s3_list_objects(etlc__lake_s3_client(lake), key_prefix, 2, list_keys,
                                           &b, &err), 0);
    char want[1024];
    snprintf(want, sizeof want, "%sa.x\n%sa/b\n%sdt=2024-01-02/f\n%sdt=2024-01-10/f\n%sz/y/x.jsonl\n",
             key_prefix, key_prefix, key_prefix, key_prefix, key_prefix);
    assert_string_equal(b.data, want);
    etlc__buf_free(&b);
    etlc_lake_free(lake);
}

static void test_read_pread_delete(void **state)
{
    (void)state;
    etlc_lake *lake = open_lake("read");
    etlc_error err = {0};
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(etlc_lake_read(lake, "cp/none.json", 0, &data, &len, &err), ETLC_IO_NOT_FOUND);
    put(lake, "cp/x.json", "0123456789");
    assert_int_equal(etlc_lake_read(lake, "cp/x.json", 0, &data, &len, &err), 0);
    assert_int_equal(len, 10);
    assert_string_equal(data, "0123456789");
    free(data);
    assert_int_equal(etlc_lake_read(lake, "cp/x.json", 9, &data, &len, &err), ETLC_IO);
    etlc_lake_reader *r = NULL;
    uint64_t size = 0;
    assert_int_equal(etlc_lake_reader_open(lake, "cp/x.json", &r, &size, &err), 0);
    assert_int_equal(size, 10);
    char buf[32];
    size_t got = 0;
    assert_int_equal(etlc_lake_reader_pread(r, 2, buf, 3, &got, &err), 0);
    assert_int_equal(got, 3);
    assert_memory_equal(buf, "234", 3);
    assert_int_equal(etlc_lake_reader_pread(r, 8, buf, 32, &got, &err), 0);
    assert_int_equal(got, 2);
    assert_memory_equal(buf, "89", 2);
    assert_int_equal(etlc_lake_reader_pread(r, 10, buf, 32, &got, &err), 0);
    assert_int_equal(got, 0);
    etlc_lake_reader_close(r);
    assert_int_equal(etlc_lake_reader_open(lake, "cp/none.json", &r, &size, &err), ETLC_IO_NOT_FOUND);
    assert_int_equal(etlc_lake_delete(lake, "cp/x.json", &err), 0);
    assert_int_equal(etlc_lake_read(lake, "cp/x.json", 0, &data, &len, &err), ETLC_IO_NOT_FOUND);
    assert_int_equal(etlc_lake_delete(lake, "cp/x.json", &err), 0);
    char *l = listing(lake, "");
    assert_string_equal(l, "");
    free(l);
    etlc_lake_free(lake);
}

/* SeaweedFS honours If-None-Match: * and If-Match (recorded in docs/lake.md). */
static void test_server_honours_conditional_writes(void **state)
{
    (void)state;
    etlc_lake *lake = open_lake("cond");
    etlc__s3_client *c = etlc__lake_s3_client(lake);
    char key[256];
    snprintf(key, sizeof key, "%s/cond/k", run_prefix);
    etlc_error err = {0};
    bool lost = true;
    char *etag = NULL;
    assert_int_equal(etlc__s3_put_if(c, key, "a", 1, NULL, NULL, &etag, &lost, &err), 0);
    assert_false(lost);
    assert_non_null(etag);
    assert_int_equal(etlc__s3_put_if(c, key, "b", 1, NULL, NULL, NULL, &lost, &err), ETLC_BUSY);
    assert_true(lost);
    assert_int_equal(etlc__s3_put_if(c, key, "c", 1, NULL, "\"0000\"", NULL, &lost, &err), ETLC_BUSY);
    assert_true(lost);
    assert_int_equal(etlc__s3_delete_if(c, key, "\"0000\"", &lost, &err), ETLC_BUSY);
    assert_int_equal(etlc__s3_put_if(c, key, "d", 1, NULL, etag, NULL, &lost, &err), 0);
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(etlc_lake_read(lake, "k", 0, &data, &len, &err), 0);
    assert_string_equal(data, "d");
    free(data);
    free(etag);
    etlc_lake_free(lake);
}

static void test_lease_busy_names_holder_and_release(void **state)
{
    (void)state;
    etlc_lake *a = open_lake("lease1"), *b = open_lake("lease1");
    etlc_error err = {0};
    etlc_lake_lock *la = NULL, *lb = NULL;
    assert_int_equal(etlc_lake_lock_acquire(a, "_cp/x.lock", "host-a pid 1", 0, 60000, &la, &err), 0);
    char *body = NULL;
    size_t len = 0;
    assert_int_equal(etlc_lake_read(b, "_cp/x.lock", 0, &body, &len, &err), 0);
    assert_non_null(strstr(body, "\"holder\":\"host-a pid 1\""));
    assert_non_null(strstr(body, "\"acquired_at\":\"20"));
    assert_non_null(strstr(body, "\"expires_at\":\"20"));
    free(body);
    assert_int_equal(etlc_lake_lock_acquire(b, "_cp/x.lock", "host-b", 0, 60000, &lb, &err), ETLC_BUSY);
    assert_non_null(strstr(err.message, "held by host-a pid 1 since 20"));
    assert_int_equal(etlc_lake_lock_renew(la, &err), 0);
    assert_int_equal(etlc_lake_lock_acquire(b, "_cp/x.lock", "host-b", 0, 60000, &lb, &err), ETLC_BUSY);
    etlc_lake_lock_release(la);
    assert_int_equal(etlc_lake_read(b, "_cp/x.lock", 0, &body, &len, &err), ETLC_IO_NOT_FOUND);
    assert_int_equal(etlc_lake_lock_acquire(b, "_cp/x.lock", "host-b", 0, 60000, &lb, &err), 0);
    etlc_lake_lock_release(lb);
    etlc_lake_free(a);
    etlc_lake_free(b);
}

static void test_lease_expiry_takeover_and_renew(void **state)
{
    (void)state;
    etlc_lake *a = open_lake("lease2"), *b = open_lake("lease2");
    etlc_error err = {0};
    etlc_lake_lock *la = NULL, *lb = NULL;
    /* Renewed in time, a short lease stays held. */
    assert_int_equal(etlc_lake_lock_acquire(a, "l", "a", 0, 1500, &la, &err), 0);
    usleep(1000 * 1000);
    assert_int_equal(etlc_lake_lock_renew(la, &err), 0);
    usleep(1000 * 1000);
    assert_int_equal(etlc_lake_lock_acquire(b, "l", "b", 0, 1500, &lb, &err), ETLC_BUSY);
    assert_non_null(strstr(err.message, "held by a since"));
    /* Not renewed, it expires and b takes it over (b waits for it). */
    assert_int_equal(etlc_lake_lock_acquire(b, "l", "b", 5000, 60000, &lb, &err), 0);
    /* a lost it: renew says so, and a's release leaves b's lease alone. */
    assert_int_equal(etlc_lake_lock_renew(la, &err), ETLC_BUSY);
    assert_non_null(strstr(err.message, "lease lost"));
    etlc_lake_lock_release(la);
    char *body = NULL;
    size_t len = 0;
    assert_int_equal(etlc_lake_read(a, "l", 0, &body, &len, &err), 0);
    assert_non_null(strstr(body, "\"holder\":\"b\""));
    free(body);
    etlc_lake_lock_release(lb);
    etlc_lake_free(a);
    etlc_lake_free(b);
}

/* Eight runs race for one lease: exactly one wins. */
typedef struct racer {
    pthread_barrier_t *go;
    etlc_lake *lake;
    etlc_lake_lock *lock;
    int rc;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    char holder[32];
    snprintf(holder, sizeof holder, "racer-%p", (void *)r);
    etlc_error err = {0};
    pthread_barrier_wait(r->go);
    r->rc = etlc_lake_lock_acquire(r->lake, "race.lock", holder, 0, 60000, &r->lock, &err);
    return NULL;
}

static void test_lease_race_has_one_winner(void **state)
{
    (void)state;
    enum { N = 8, ROUNDS = 5 };
    for (int round = 0; round < ROUNDS; round++) {
        char sub[32];
        snprintf(sub, sizeof sub, "race%d", round);
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, N);
        racer rs[N];
        pthread_t th[N];
        for (int i = 0; i < N; i++) {
            rs[i] = (racer){&go, open_lake(sub), NULL, -1};
            pthread_create(&th[i], NULL, race, &rs[i]);
        }
        int winners = 0, busy = 0;
        for (int i = 0; i < N; i++) {
            pthread_join(th[i], NULL);
            winners += rs[i].rc == 0;
            busy += rs[i].rc == ETLC_BUSY;
        }
        assert_int_equal(winners, 1);
        assert_int_equal(busy, N - 1);
        for (int i = 0; i < N; i++) {
            etlc_lake_lock_release(rs[i].lock);
            etlc_lake_free(rs[i].lake);
        }
        pthread_barrier_destroy(&go);
    }
}

/* ---- format readers over S3 ------------------------------------------------ */

#define S3_ROWS 30000 /* ~2.5 MiB of JSONL/CSV: the text readers fetch it in several 1 MiB GETs */

static void land_rows(etlc_lake *lake, const char *format, const etlc_item **item, etlc_result *res)
{
    etlc_error err = {0};
    etlc_column_def defs[] = {{"id", ETLC_TYPE_INT64, 0, 0}, {"note", ETLC_TYPE_TEXT, 0, 0},
                              {"x", ETLC_TYPE_DOUBLE, 0, 0}};
    etlc_sink_options o = {.format = format, .path_template = "{source}/{part}.{ext}"};
    o.vars.source = "t";
    etlc_sink *s = NULL;
    etlc_batch *b = NULL;
    assert_int_equal(etlc_sink_open(lake, &o, &s, &err), 0);
    assert_int_equal(etlc_batch_new(defs, 3, 4096, &b, &err), 0);
    char note[128];
    for (int64_t i = 0; i < S3_ROWS; i++) {
        int n = snprintf(note, sizeof note, "row %lld, \"quoted\"\nsecond line %064lld", (long long)i, (long long)i);
        assert_int_equal(etlc_batch_append_int64(b, 0, i, &err), 0);
        assert_int_equal(etlc_batch_append_var(b, 1, ETLC_TYPE_TEXT, note, (size_t)n, &err), 0);
        assert_int_equal(etlc_batch_append_double(b, 2, (double)i / 8, &err), 0);
        assert_int_equal(etlc_batch_end_row(b, &err), 0);
        if (etlc_batch_full(b) || i + 1 == S3_ROWS) {
            assert_int_equal(etlc_sink_write(s, b, &err), 0);
            etlc_batch_reset(b);
        }
    }
    etlc_batch_free(b);
    if (etlc_sink_finish(s, res, &err))
        fail_msg("sink %s: %s", format, err.message);
    *item = &res->items[res->item_count - 1];
}

static void test_format_readers_over_s3(void **state)
{
    (void)state;
    etlc_lake *lake = open_lake("formats");
    etlc_result *res = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_result_new("test", "t", "q", &res, &err), 0);
    const char *formats[] = {"jsonl", "csv", "parquet"};
    for (size_t k = 0; k < 3; k++) {
        const etlc_item *it;
        land_rows(lake, formats[k], &it, res);
        etlc__format_reader_options o = {.columns = etlc_meta_get(&it->metadata, "columns"), .batch_rows = 5000};
        etlc__format_reader *r = NULL;
        char rel[64];
        snprintf(rel, sizeof rel, "t/00000.%s", formats[k]);
        if (etlc__format_reader_open_lake(lake, rel, &o, &r, &err))
            fail_msg("open %s: %s", rel, err.message);
        int64_t rows = 0;
        const etlc_batch *b;
        char note[128];
        while (etlc__format_reader_next(r, &b, &err) == 0 && b) {
            assert_true(b->nrows <= 5000);
            for (size_t i = 0; i < b->nrows; i++, rows++) {
                assert_true(b->cols[0].fixed.i64[i] == rows);
                assert_true(b->cols[2].fixed.f64[i] == (double)rows / 8);
                int n = snprintf(note, sizeof note, "row %lld, \"quoted\"\nsecond line %064lld", (long long)rows,
                                 (long long)rows);
                size_t len;
                const uint8_t *t = etlc_column_var(&b->cols[1], i, &len);
                assert_int_equal(len, (size_t)n);
                assert_memory_equal(t, note, len);
            }
        }
        if (err.code)
            fail_msg("read %s: %s", formats[k], err.message);
        assert_int_equal(rows, S3_ROWS);
        etlc__format_reader_free(r);
    }
    etlc_result_free(res);

    /* A malformed object: the message names its s3:// URI and the line. */
    put(lake, "bad/x.jsonl", "{\"a\":1}\n{\"a\":\n");
    etlc__format_reader *r = NULL;
    assert_int_equal(etlc__format_reader_open_lake(lake, "bad/x.jsonl", NULL, &r, &err), ETLC_DATA);
    char want[512];
    snprintf(want, sizeof want, "\"%s/bad/x.jsonl\" line 2: malformed JSON", etlc_lake_root(lake));
    if (!strstr(err.message, want))
        fail_msg("got \"%s\", want \"%s\"", err.message, want);
    assert_int_equal(etlc__format_reader_open_lake(lake, "bad/none.csv", NULL, &r, &err), ETLC_IO_NOT_FOUND);
    etlc_lake_free(lake);
}

int main(void)
{
    snprintf(run_prefix, sizeof run_prefix, "run-%ld-%d", (long)time(NULL), (int)getpid());
    if (shared_s3_start("etlc-lake-s3-read") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_order_prefix_and_pages),
        cmocka_unit_test(test_read_pread_delete),
        cmocka_unit_test(test_server_honours_conditional_writes),
        cmocka_unit_test(test_lease_busy_names_holder_and_release),
        cmocka_unit_test(test_lease_expiry_takeover_and_renew),
        cmocka_unit_test(test_lease_race_has_one_winner),
        cmocka_unit_test(test_format_readers_over_s3),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
