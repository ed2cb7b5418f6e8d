/* Local lake: atomic commit, abort, path guard and path templates. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "core/internal.h"

/* The single entry name in dir (asserts there is exactly one). */
static char *only_entry(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *name = NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        n++;
        free(name);
        name = strdup(e->d_name);
    }
    closedir(d);
    assert_int_equal(n, 1);
    return name;
}

static void commit_makes_only_the_final_file_visible(void **state)
{
    (void)state;
    char *root = tu_tempdir("lake");
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    char rootslash[4300];
    snprintf(rootslash, sizeof rootslash, "%s/sub/", root);
    assert_int_equal(etlc_lake_open_local(rootslash, &lake, &err), 0);
    char want_root[4300];
    snprintf(want_root, sizeof want_root, "%s/sub", root);
    assert_string_equal(etlc_lake_root(lake), want_root);

    etlc_lake_file *f = NULL;
    assert_int_equal(etlc_lake_file_create(lake, "a/b/data.jsonl", &f, &err), 0);
    const char *chunks[] = {"{\"x\":1}\n", "{\"x\":2}\n", "", "{\"y\":\"é\"}\n"};
    etlc__buf all = {0};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(etlc_lake_file_write(f, chunks[i], strlen(chunks[i]), &err), 0);
        etlc__buf_puts(&all, chunks[i]);
    }
    assert_int_equal(etlc_lake_file_size(f), all.len);

    /* Before commit: only a hidden temporary in the target directory. */
    char dir[4400];
    snprintf(dir, sizeof dir, "%s/a/b", want_root);
    char *tmp = only_entry(dir);
    assert_int_equal(tmp[0], '.');
    assert_non_null(strstr(tmp, ".data.jsonl.tmp-"));
    free(tmp);

    uint64_t bytes = 0;
    char sha[65];
    char *final = NULL;
    assert_int_equal(etlc_lake_file_commit(f, &bytes, sha, &final, &err), 0);
    char want_final[4500];
    snprintf(want_final, sizeof want_final, "%s/data.jsonl", dir);
    assert_string_equal(final, want_final);
    assert_int_equal(bytes, all.len);
    char want_sha[65];
    etlc__sha256_hex(all.data, all.len, want_sha);
    assert_string_equal(sha, want_sha);
    size_t len = 0;
    char *content = tu_read_file(final, &len);
    assert_int_equal(len, all.len);
    assert_memory_equal(content, all.data, len);
    char *only = only_entry(dir);
    assert_string_equal(only, "data.jsonl");
    struct stat st;
    assert_int_equal(stat(final, &st), 0);
    assert_int_equal(st.st_mode & 0777 & ~0022, 0644 & ~0022);
    free(only);
    free(content);
    free(final);

    /* A second commit to the same name replaces it whole. */
    assert_int_equal(etlc_lake_file_create(lake, "a/b/data.jsonl", &f, &err), 0);
    assert_int_equal(etlc_lake_file_write(f, "new\n", 4, &err), 0);
    assert_int_equal(etlc_lake_file_commit(f, &bytes, sha, &final, &err), 0);
    content = tu_read_file(final, &len);
    assert_string_equal(content, "new\n");
    assert_int_equal(tu_count_files(want_root), 1);
    free(content);
    free(final);

    /* Empty file: sha256 of nothing. */
    assert_int_equal(etlc_lake_file_create(lake, "empty.csv", &f, &err), 0);
    assert_int_equal(etlc_lake_file_commit(f, &bytes, sha, &final, &err), 0);
    assert_int_equal(bytes, 0);
    assert_string_equal(sha, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    free(final);

    etlc__buf_free(&all);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

static void abort_leaves_nothing(void **state)
{
    (void)state;
    char *root = tu_tempdir("lake-abort");
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    assert_int_equal(etlc_lake_open_local(root, &lake, &err), 0);
    etlc_lake_file *f = NULL;
    assert_int_equal(etlc_lake_file_create(lake, "x/y.csv", &f, &err), 0);
    assert_int_equal(etlc_lake_file_write(f, "a,b\n", 4, &err), 0);
    assert_int_equal(tu_count_files(root), 1);
    etlc_lake_file_abort(f);
    assert_int_equal(tu_count_files(root), 0);
    etlc_lake_file_abort(NULL);
    etlc_lake_free(lake);
    etlc_lake_free(NULL);
    tu_rmtree(root);
    free(root);
}

static void open_fails_on_a_file_root(void **state)
{
    (void)state;
    char *root = tu_tempdir("lake-bad");
    char path[4300];
    snprintf(path, sizeof path, "%s/plain", root);
    tu_write_file(path, "x");
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    assert_int_not_equal(etlc_lake_open_local(path, &lake, &err), 0);
    assert_null(lake);
    assert_non_null(strstr(err.message, "plain"));
    /* A target directory that cannot be created: a file is in the way. */
    assert_int_equal(etlc_lake_open_local(root, &lake, &err), 0);
    etlc_lake_file *f = NULL;
    assert_int_not_equal(etlc_lake_file_create(lake, "plain/x.jsonl", &f, &err), 0);
    assert_null(f);
    assert_non_null(strstr(err.message, "plain"));
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

/* A write the file system refuses (here: over RLIMIT_FSIZE, EFBIG) is an
 * IO error naming the path, and abort still leaves nothing. */
static void write_failure_names_the_path(void **state)
{
    (void)state;
    char *root = tu_tempdir("lake-efbig");
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    assert_int_equal(etlc_lake_open_local(root, &lake, &err), 0);
    etlc_lake_file *f = NULL;
    assert_int_equal(etlc_lake_file_create(lake, "big/out.jsonl", &f, &err), 0);
    struct rlimit old, small = {4096, 4096};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small.rlim_max = old.rlim_max; /* keep the hard limit so it can be restored */
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    static char chunk[10000];
    memset(chunk, 'x', sizeof chunk);
    int rc = etlc_lake_file_write(f, chunk, sizeof chunk, &err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, ETLC_IO);
    assert_non_null(strstr(err.message, "big/out.jsonl"));
    assert_true(err.native_code != 0);
    assert_true(etlc_lake_file_size(f) < sizeof chunk); /* the failed write is not counted */
    etlc_lake_file_abort(f);
    assert_int_equal(tu_count_files(root), 0);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

static void relpath_rejections(void **state)
{
    (void)state;
    etlc_error err = {0};
    const char *ok[] = {"a", "a/b/c.jsonl", "dt=2024-01-01/x-part-00000.csv", "a..b/c", ".hidden/x"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
        if (etlc_lake_check_relpath(ok[i], &err) != 0)
            fail_msg("'%s' rejected: %s", ok[i], err.message);
    const char *bad[] = {"", "/etc/passwd", "../x", "a/../../x", "a/..", "a//b", "a/", "a/./b",
                         "a\\b", "a\nb", "a\tb", "a\x7f", "\x01"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err.code = 0;
        if (etlc_lake_check_relpath(bad[i], &err) != ETLC_IO_PATH)
            fail_msg("bad path #%zu accepted", i);
        assert_int_equal(err.code, ETLC_IO_PATH);
    }
    assert_int_equal(etlc_lake_check_relpath(NULL, &err), ETLC_IO_PATH);
    char longp[1100];
    memset(longp, 'a', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    assert_int_equal(etlc_lake_check_relpath(longp, &err), ETLC_IO_PATH);
    longp[1024] = '\0';
    assert_int_equal(etlc_lake_check_relpath(longp, &err), 0);
    assert_int_equal(etlc_lake_check_relpath("../x", &err), ETLC_IO_PATH);
    assert_non_null(strstr(err.message, ".."));

    /* create refuses the same paths before touching the disk. */
    char *root = tu_tempdir("lake-rel");
    etlc_lake *lake = NULL;
    assert_int_equal(etlc_lake_open_local(root, &lake, &err), 0);
    etlc_lake_file *f = NULL;
    assert_int_equal(etlc_lake_file_create(lake, "../escape.csv", &f, &err), ETLC_IO_PATH);
    assert_null(f);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

static void render_path_placeholders(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc_path_vars v = {.protocol = "sqlite", .source = "my db/x.sqlite", .date = "2026-11-27",
                        .run_id = "run:7", .query_hash = "0123456789ab", .part = 3, .ext = "jsonl",
                        .format = "jsonl"};
    char *p = NULL;
    assert_int_equal(etlc_lake_render_path(NULL, &v, &p, &err), 0);
    assert_string_equal(p, "sqlite/my_db_x.sqlite/dt=2026-11-27/0123456789ab-part-00003.jsonl");
    /* Deterministic: the same vars give the same path. */
    char *p2 = NULL;
    assert_int_equal(etlc_lake_render_path(ETLC_LAKE_DEFAULT_TEMPLATE, &v, &p2, &err), 0);
    assert_string_equal(p, p2);
    free(p);
    free(p2);
    assert_int_equal(etlc_lake_render_path("{format}/{run_id}/{part}.{ext}", &v, &p, &err), 0);
    assert_string_equal(p, "jsonl/run_7/00003.jsonl");
    free(p);
    /* Values cannot climb out of the root. */
    etlc_path_vars dots = v;
    dots.source = "..";
    assert_int_equal(etlc_lake_render_path("{source}/x", &dots, &p, &err), 0);
    assert_string_equal(p, "__/x");
    free(p);
    dots.source = "../../etc";
    assert_int_equal(etlc_lake_render_path("{source}/x", &dots, &p, &err), 0);
    assert_string_equal(p, ".._.._etc/x");
    free(p);
    /* No date given: today's UTC date. */
    etlc_path_vars nodate = v;
    nodate.date = NULL;
    assert_int_equal(etlc_lake_render_path("{date}", &nodate, &p, &err), 0);
    int32_t days;
    assert_int_equal(etlc_parse_date(p, strlen(p), &days), 0);
    free(p);

    p = (char *)"untouched";
    assert_int_equal(etlc_lake_render_path("{protocol}/{table}.{ext}", &v, &p, &err), ETLC_CONFIG);
    assert_null(p);
    assert_non_null(strstr(err.message, "{table}"));
    assert_int_equal(etlc_lake_render_path("{protocol", &v, &p, &err), ETLC_CONFIG);
    assert_int_equal(etlc_lake_render_path("/abs/{protocol}", &v, &p, &err), ETLC_IO_PATH);
    etlc_path_vars none = v;
    none.run_id = NULL;
    assert_int_equal(etlc_lake_render_path("{run_id}/x", &none, &p, &err), ETLC_CONFIG);
    assert_non_null(strstr(err.message, "run_id"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(commit_makes_only_the_final_file_visible),
        cmocka_unit_test(abort_leaves_nothing),
        cmocka_unit_test(open_fails_on_a_file_root),
        cmocka_unit_test(write_failure_names_the_path),
        cmocka_unit_test(relpath_rejections),
        cmocka_unit_test(render_path_placeholders),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
