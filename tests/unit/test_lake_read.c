/* Local lake, reading side: list, read, pread, put, delete and flock holds. */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/internal.h"

static etlc_lake *open_lake(const char *tag, char **root)
{
    *root = tu_tempdir(tag);
    etlc_lake *lake = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_lake_open_local(*root, &lake, &err), 0);
    return lake;
}

static void put(etlc_lake *lake, const char *relpath, const char *text)
{
    etlc_error err = {0};
    assert_int_equal(etlc_lake_put(lake, relpath, text, strlen(text), &err), 0);
}

/* Listing collected as "relpath:size\n" lines. */
static int collect(void *ud, const etlc_lake_entry *e, etlc_error *err)
{
    (void)err;
    assert_null(e->etag);
    assert_true(e->mtime_us > 0);
    return etlc__buf_printf(ud, "%s:%llu\n", e->relpath, (unsigned long long)e->size);
}

static char *listing(etlc_lake *lake, const char *prefix)
{
    etlc__buf b = {0};
    etlc_error err = {0};
    assert_int_equal(etlc_lake_list(lake, prefix, collect, &b, &err), 0);
    etlc__buf_puts(&b, "");
    return etlc__buf_take(&b);
}

static void list_orders_by_relpath_and_filters_by_prefix(void **state)
{
    (void)state;
    char *root;
    etlc_lake *lake = open_lake("lread", &root);
    char *empty = listing(lake, NULL);
    assert_string_equal(empty, "");
    free(empty);
    /* "a.x" < "a/b" in byte order although a directory walk meets "a" first. */
    put(lake, "a/b", "12");
    put(lake, "a.x", "1");
    put(lake, "z/y/x.jsonl", "123");
    put(lake, "a/c/d", "");
    put(lake, "dt=2024-01-02/f", "4444");
    put(lake, "dt=2024-01-10/f", "55555");
    char *all = listing(lake, "");
    assert_string_equal(all, "a.x:1\na/b:2\na/c/d:0\ndt=2024-01-02/f:4\ndt=2024-01-10/f:5\n"
                             "z/y/x.jsonl:3\n");
    free(all);
    char *dir = listing(lake, "a/");
    assert_string_equal(dir, "a/b:2\na/c/d:0\n");
    free(dir);
    char *part = listing(lake, "dt=2024-01-1");
    assert_string_equal(part, "dt=2024-01-10/f:5\n");
    free(part);
    char *none = listing(lake, "nothing/here");
    assert_string_equal(none, "");
    free(none);
    etlc_error err = {0};
    etlc__buf b = {0};
    assert_int_equal(etlc_lake_list(lake, "../x", collect, &b, &err), ETLC_IO_PATH);
    assert_int_equal(etlc_lake_list(lake, "/etc", collect, &b, &err), ETLC_IO_PATH);
    etlc__buf_free(&b);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

static int stop_after_one(void *ud, const etlc_lake_entry *e, etlc_error *err)
{
    (void)e;
    (*(int *)ud)++;
    return etlc_error_set(err, ETLC_CANCELLED, "enough");
}

static void temp_files_are_never_listed_and_callbacks_stop(void **state)
{
    (void)state;
    char *root;
    etlc_lake *lake = open_lake("lread", &root);
    etlc_error err = {0};
    etlc_lake_file *f = NULL;
    assert_int_equal(etlc_lake_file_create(lake, "d/open.jsonl", &f, &err), 0);
    assert_int_equal(etlc_lake_file_write(f, "x", 1, &err), 0);
    put(lake, "d/done.jsonl", "y");
    char *l = listing(lake, "");
    assert_string_equal(l, "d/done.jsonl:1\n");
    free(l);
    assert_int_equal(etlc_lake_read(lake, "d/open.jsonl", 0, &(char *){NULL}, &(size_t){0}, &err),
                     ETLC_IO_NOT_FOUND);
    etlc_lake_file_abort(f);
    put(lake, "d/more.jsonl", "z");
    int calls = 0;
    assert_int_equal(etlc_lake_list(lake, "", stop_after_one, &calls, &err), ETLC_CANCELLED);
    assert_int_equal(calls, 1);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

static void read_caps_and_reports_absent(void **state)
{
    (void)state;
    char *root;
    etlc_lake *lake = open_lake("lread", &root);
    etlc_error err = {0};
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(etlc_lake_read(lake, "no/such.json", 0, &data, &len, &err), ETLC_IO_NOT_FOUND);
    assert_non_null(strstr(err.message, "no/such.json"));
    assert_null(data);
    put(lake, "cp.json", "{\"a\":1}");
    assert_int_equal(etlc_lake_read(lake, "cp.json", 0, &data, &len, &err), 0);
    assert_int_equal(len, 7);
    assert_string_equal(data, "{\"a\":1}");
    free(data);
    assert_int_equal(etlc_lake_read(lake, "cp.json", 7, &data, &len, &err), 0);
    free(data);
    assert_int_equal(etlc_lake_read(lake, "cp.json", 6, &data, &len, &err), ETLC_IO);
    assert_null(data);
    assert_non_null(strstr(err.message, "cp.json"));
    assert_int_equal(etlc_lake_read(lake, "../cp.json", 0, &data, &len, &err), ETLC_IO_PATH);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

static void pread_stops_at_the_end(void **state)
{
    (void)state;
    char *root;
    etlc_lake *lake = open_lake("lread", &root);
    put(lake, "f.bin", "0123456789");
    etlc_error err = {0};
    etlc_lake_reader *r = NULL;
    uint64_t size = 0;
    assert_int_equal(etlc_lake_reader_open(lake, "f.bin", &r, &size, &err), 0);
    assert_int_equal(size, 10);
    char buf[16];
    size_t got = 99;
    assert_int_equal(etlc_lake_reader_pread(r, 3, buf, 4, &got, &err), 0);
    assert_int_equal(got, 4);
    assert_memory_equal(buf, "3456", 4);
    assert_int_equal(etlc_lake_reader_pread(r, 7, buf, 16, &got, &err), 0);
    assert_int_equal(got, 3);
    assert_memory_equal(buf, "789", 3);
    assert_int_equal(etlc_lake_reader_pread(r, 10, buf, 16, &got, &err), 0);
    assert_int_equal(got, 0);
    assert_int_equal(etlc_lake_reader_pread(r, 1000, buf, 16, &got, &err), 0);
    assert_int_equal(got, 0);
    etlc_lake_reader_close(r);
    etlc_lake_reader_close(NULL);
    assert_int_equal(etlc_lake_reader_open(lake, "g.bin", &r, &size, &err), ETLC_IO_NOT_FOUND);
    assert_null(r);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

static void put_replaces_whole_and_delete_is_idempotent(void **state)
{
    (void)state;
    char *root;
    etlc_lake *lake = open_lake("lread", &root);
    put(lake, "cp/x.json", "first version");
    put(lake, "cp/x.json", "second");
    etlc_error err = {0};
    char *data = NULL;
    size_t len = 0;
    assert_int_equal(etlc_lake_read(lake, "cp/x.json", 0, &data, &len, &err), 0);
    assert_string_equal(data, "second");
    free(data);
    /* Only the file itself in its directory: no temporary left over. */
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/cp", root);
    assert_int_equal(tu_count_files(dir), 1);
    assert_int_equal(etlc_lake_put(lake, "/abs", "x", 1, &err), ETLC_IO_PATH);

    assert_int_equal(etlc_lake_delete(lake, "cp/x.json", &err), 0);
    assert_int_equal(etlc_lake_read(lake, "cp/x.json", 0, &data, &len, &err), ETLC_IO_NOT_FOUND);
    assert_int_equal(etlc_lake_delete(lake, "cp/x.json", &err), 0);
    assert_int_equal(etlc_lake_delete(lake, "nodir/x.json", &err), 0);
    assert_int_equal(etlc_lake_delete(lake, "a/../b", &err), ETLC_IO_PATH);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

static void a_second_hold_in_the_same_process_is_busy_and_names_the_holder(void **state)
{
    (void)state;
    char *root;
    etlc_lake *lake = open_lake("lhold", &root);
    etlc_error err = {0};
    etlc_lake_lock *a = NULL, *b = NULL;
    assert_int_equal(etlc_lake_lock_acquire(lake, "_cp/x.lock", "host1 pid 42 run r1", 0, 0, &a, &err), 0);
    assert_non_null(a);
    assert_int_equal(etlc_lake_lock_renew(a, &err), 0);
    double t0 = etlc__monotonic_ms();
    assert_int_equal(etlc_lake_lock_acquire(lake, "_cp/x.lock", "other", 0, 0, &b, &err), ETLC_BUSY);
    assert_true(etlc__monotonic_ms() - t0 < 200);
    assert_null(b);
    assert_non_null(strstr(err.message, "host1 pid 42 run r1"));
    assert_non_null(strstr(err.message, " since 20"));
    assert_non_null(strstr(err.message, "_cp/x.lock"));
    /* Waiting a while is still BUSY, after about that while. */
    t0 = etlc__monotonic_ms();
    assert_int_equal(etlc_lake_lock_acquire(lake, "_cp/x.lock", "other", 300, 0, &b, &err), ETLC_BUSY);
    double waited = etlc__monotonic_ms() - t0;
    assert_true(waited >= 290 && waited < 2000);
    /* Another hold is independent. */
    assert_int_equal(etlc_lake_lock_acquire(lake, "_cp/y.lock", "other", 0, 0, &b, &err), 0);
    etlc_lake_lock_release(b);
    etlc_lake_lock_release(a);
    assert_int_equal(etlc_lake_lock_acquire(lake, "_cp/x.lock", "other", 0, 0, &b, &err), 0);
    etlc_lake_lock_release(b);
    etlc_lake_lock_release(NULL);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

/* A child that takes the hold, says so on `ready`, then holds for
 * hold_ms (or until killed) and exits 0. */
static pid_t child_holding(const char *root, const char *holder, int hold_ms)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        etlc_lake *lake = NULL;
        etlc_lake_lock *lk = NULL;
        etlc_error err = {0};
        if (etlc_lake_open_local(root, &lake, &err) ||
            etlc_lake_lock_acquire(lake, "h.lock", holder, 0, 0, &lk, &err))
            _exit(3);
        if (write(fds[1], "k", 1) != 1)
            _exit(4);
        usleep((useconds_t)hold_ms * 1000);
        etlc_lake_lock_release(lk);
        etlc_lake_free(lake);
        _exit(0);
    }
    close(fds[1]);
    char c = 0;
    assert_int_equal(read(fds[0], &c, 1), 1);
    close(fds[0]);
    return pid;
}

static void a_hold_in_another_process_conflicts_until_released(void **state)
{
    (void)state;
    char *root;
    etlc_lake *lake = open_lake("lhold", &root);
    pid_t pid = child_holding(root, "child-run", 400);
    etlc_error err = {0};
    etlc_lake_lock *lk = NULL;
    assert_int_equal(etlc_lake_lock_acquire(lake, "h.lock", "parent", 0, 0, &lk, &err), ETLC_BUSY);
    assert_non_null(strstr(err.message, "held by child-run since "));
    /* The child lets go after ~400 ms: a 5 s wait gets it well before. */
    double t0 = etlc__monotonic_ms();
    assert_int_equal(etlc_lake_lock_acquire(lake, "h.lock", "parent", 5000, 0, &lk, &err), 0);
    assert_true(etlc__monotonic_ms() - t0 < 4000);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* The file now names the new holder. */
    char path[4200];
    snprintf(path, sizeof path, "%s/h.lock", root);
    char *text = tu_read_file(path, NULL);
    assert_non_null(strstr(text, "\"holder\":\"parent\""));
    free(text);
    etlc_lake_lock_release(lk);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

static void a_killed_holder_frees_the_hold(void **state)
{
    (void)state;
    char *root;
    etlc_lake *lake = open_lake("lhold", &root);
    pid_t pid = child_holding(root, "doomed", 60000);
    etlc_error err = {0};
    etlc_lake_lock *lk = NULL;
    assert_int_equal(etlc_lake_lock_acquire(lake, "h.lock", "parent", 0, 0, &lk, &err), ETLC_BUSY);
    assert_non_null(strstr(err.message, "doomed"));
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(etlc_lake_lock_acquire(lake, "h.lock", "parent", 0, 0, &lk, &err), 0);
    etlc_lake_lock_release(lk);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(list_orders_by_relpath_and_filters_by_prefix),
        cmocka_unit_test(temp_files_are_never_listed_and_callbacks_stop),
        cmocka_unit_test(read_caps_and_reports_absent),
        cmocka_unit_test(pread_stops_at_the_end),
        cmocka_unit_test(put_replaces_whole_and_delete_is_idempotent),
        cmocka_unit_test(a_second_hold_in_the_same_process_is_busy_and_names_the_holder),
        cmocka_unit_test(a_hold_in_another_process_conflicts_until_released),
        cmocka_unit_test(a_killed_holder_frees_the_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
