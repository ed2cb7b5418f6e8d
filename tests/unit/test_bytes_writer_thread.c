/* The lake writer thread (pipeline/bytes_writer.h; the name has "thread" so
 * `make tsan` runs it) and the batched
 * directory fsync (etlc__dir_batch, sinks/lake_backend.h), on a real local
 * lake: every byte put lands in order and is hashed, a write the file
 * system refuses reaches the producer, and a batch fsyncs each directory
 * once. */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "core/internal.h"
#include "pipeline/bytes_writer.h"
#include "sinks/lake_backend.h"

static unsigned char *pattern(size_t n)
{
    unsigned char *p = malloc(n);
    assert_non_null(p);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        p[i] = (unsigned char)x;
    }
    return p;
}

/* Puts of odd sizes, across slot boundaries and larger than a slot. */
static void every_byte_lands_in_order_and_is_hashed(void **state)
{
    (void)state;
    char *root = tu_tempdir("writer");
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    assert_int_equal(etlc_lake_open_local(root, &lake, &err), 0);
    size_t total = 5 * ETLC__WRITER_SLOT_BYTES + 12345;
    unsigned char *data = pattern(total);
    etlc_lake_file *f = NULL;
    assert_int_equal(etlc_lake_file_create(lake, "d/big.bin", &f, &err), 0);
    etlc__bytes_writer *w = NULL;
    assert_int_equal(etlc__bytes_writer_start(f, &w, &err), 0);
    const size_t sizes[] = {1, 7, 4096, ETLC__WRITER_SLOT_BYTES - 5, 3 * ETLC__WRITER_SLOT_BYTES + 1, 100000};
    size_t off = 0;
    for (size_t i = 0; off < total; i = (i + 1) % 6) {
        size_t n = sizes[i] < total - off ? sizes[i] : total - off;
        assert_int_equal(etlc__bytes_writer_put(w, data + off, n, &err), 0);
        off += n;
    }
    assert_int_equal(etlc__bytes_writer_finish(w, false, &err), 0);
    assert_int_equal(etlc_lake_file_size(f), total);
    uint64_t bytes = 0;
    char sha[65], want[65], *final_path = NULL;
    assert_int_equal(etlc_lake_file_commit(f, &bytes, sha, &final_path, &err), 0);
    assert_int_equal(etlc__sha256_hex(data, total, want), 0);
    assert_string_equal(sha, want);
    size_t len = 0;
    char *back = tu_read_file(final_path, &len);
    assert_int_equal(len, total);
    assert_memory_equal(back, data, total);
    free(back);
    free(final_path);
    free(data);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

/* Over RLIMIT_FSIZE the writer thread's write fails (EFBIG): the producer
 * hears of it (put or finish), the message names the file, and abort
 * leaves nothing. */
static void a_refused_write_reaches_the_producer(void **state)
{
    (void)state;
    char *root = tu_tempdir("writer-efbig");
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    assert_int_equal(etlc_lake_open_local(root, &lake, &err), 0);
    etlc_lake_file *f = NULL;
    assert_int_equal(etlc_lake_file_create(lake, "big/out.bin", &f, &err), 0);
    etlc__bytes_writer *w = NULL;
    assert_int_equal(etlc__bytes_writer_start(f, &w, &err), 0);
    struct rlimit old, small = {ETLC__WRITER_SLOT_BYTES, ETLC__WRITER_SLOT_BYTES};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small.rlim_max = old.rlim_max;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    static char chunk[65536];
    memset(chunk, 'x', sizeof chunk);
    int rc = 0;
    for (int i = 0; rc == 0 && i < 16 * 20; i++) /* 20 MiB: far more than the buffers hold */
        rc = etlc__bytes_writer_put(w, chunk, sizeof chunk, &err);
    int frc = etlc__bytes_writer_finish(w, false, &err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, ETLC_IO); /* the producer stopped before putting it all */
    assert_int_equal(frc, ETLC_IO);
    assert_non_null(strstr(err.message, "big/out.bin"));
    etlc_lake_file_abort(f);
    assert_int_equal(tu_count_files(root), 0);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

/* A failed transfer drops what is queued: finish returns at once. */
static void drop_writes_nothing_more(void **state)
{
    (void)state;
    char *root = tu_tempdir("writer-drop");
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    assert_int_equal(etlc_lake_open_local(root, &lake, &err), 0);
    etlc_lake_file *f = NULL;
    assert_int_equal(etlc_lake_file_create(lake, "x.bin", &f, &err), 0);
    etlc__bytes_writer *w = NULL;
    assert_int_equal(etlc__bytes_writer_start(f, &w, &err), 0);
    static char chunk[1000];
    assert_int_equal(etlc__bytes_writer_put(w, chunk, sizeof chunk, &err), 0);
    assert_int_equal(etlc__bytes_writer_finish(w, true, &err), 0);
    assert_int_equal(etlc_lake_file_size(f), 0); /* the partial slot was never queued */
    etlc_lake_file_abort(f);
    assert_int_equal(tu_count_files(root), 0);
    assert_int_equal(etlc__bytes_writer_finish(NULL, false, &err), 0);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

static void commit_into(etlc_lake *lake, etlc__dir_batch *b, const char *relpath)
{
    etlc_error err = {0};
    etlc_lake_file *f = NULL;
    assert_int_equal(etlc_lake_file_create(lake, relpath, &f, &err), 0);
    assert_int_equal(etlc_lake_file_write(f, relpath, strlen(relpath), &err), 0);
    uint64_t bytes = 0;
    char sha[65], *final_path = NULL;
    assert_int_equal(etlc__lake_file_commit_batched(f, b, &bytes, sha, &final_path, &err), 0);
    assert_int_equal(bytes, strlen(relpath));
    size_t len = 0;
    char *back = tu_read_file(final_path, &len); /* visible at once, whole */
    assert_int_equal(len, strlen(relpath));
    assert_memory_equal(back, relpath, len);
    free(back);
    free(final_path);
}

/* Five files in two directories: two directories to fsync, once each. */
static void a_batch_fsyncs_each_directory_once(void **state)
{
    (void)state;
    char *root = tu_tempdir("dirbatch");
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    assert_int_equal(etlc_lake_open_local(root, &lake, &err), 0);
    etlc__dir_batch b = {0};
    commit_into(lake, &b, "a/1.csv");
    commit_into(lake, &b, "a/2.csv");
    commit_into(lake, &b, "b/3.csv");
    commit_into(lake, &b, "b/4.csv");
    commit_into(lake, &b, "a/5.csv");
    assert_int_equal(b.n, 2);
    assert_int_equal(tu_count_files(root), 5);
    assert_int_equal(etlc__dir_batch_sync(&b, &err), 0);
    assert_int_equal(b.n, 0);
    etlc__dir_batch_free(&b);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_byte_lands_in_order_and_is_hashed),
        cmocka_unit_test(a_refused_write_reaches_the_producer),
        cmocka_unit_test(drop_writes_nothing_more),
        cmocka_unit_test(a_batch_fsyncs_each_directory_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
