/* I/O failures while the bytes driver lands files (the file connector into
 * a local lake): write(), fsync() and rename() below the lake are
 * interposed, and the Nth such call fails (write ENOSPC, fsync and rename
 * EIO), for N = 1, 2, ... until a run sees no failure. After each failing
 * run:
 *   - every file visible under its final name is whole (equal to its
 *     source), and no temporary is left beside it;
 *   - a failed directory fsync (the batched one before the checkpoint, or
 *     the checkpoint's own) fails the run;
 *   - a second run without failures lands everything the first did not
 *     durably commit: had the checkpoint advanced over a file that is not
 *     in the lake, that file would stay missing.
 * The sources hold small files in two directories and one of 1.5 MiB (the
 * writer thread, bytes_writer.c). While the writer thread runs, the main
 * thread makes no call below the lake, so the counters are touched by one
 * thread at a time. The interposition is lake_iofail_interpose.h. */
#define _GNU_SOURCE /* RTLD_NEXT */
#include "testutil.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"

#include "lake_iofail_interpose.h"

/* ---- the fetch --------------------------------------------------------------- */

static const char *const SMALL[] = {"a/1.csv", "a/2.csv", "b/3.csv", "top.csv"};
#define BIG "big.bin"
#define NFILES 5

static void put_file(const char *src, const char *name, const void *data, size_t len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", src, name);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    assert_int_equal(etlc__mkdirs(path, 0755), 0);
    *slash = '/';
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static int fetch(const char *src, const char *lake, etlc_result **r, etlc_error *err)
{
    etlc_kv dict[] = {{"root", src}, {"source", "drop"}, {"chunk_size", "65536"}};
    etlc_config_sources cs = {.env_prefix = "", .dict = dict, .dict_len = 3};
    etlc_get_options go = {.no_reuse = true};
    etlc_connector *c = NULL;
    int rc = etlc_get_connection("file", &cs, &go, &c, err);
    if (rc != 0)
        return rc;
    etlc_fetch_request req = {.query = "**"};
    etlc_land_options land = {.lake_root = lake};
    *r = NULL;
    rc = etlc_connector_fetch(c, &req, &land, r, err);
    etlc_connector_release(c);
    return rc;
}

/* Whether name is in the lake under file/drop/, whole; asserts it is not
 * there in part. */
static bool landed_whole(const char *src, const char *lake, const char *name)
{
    char want[PATH_MAX], got[PATH_MAX];
    snprintf(want, sizeof want, "%s/%s", src, name);
    snprintf(got, sizeof got, "%s/file/drop/%s", lake, name);
    size_t wl = 0, gl = 0;
    char *g = tu_read_file(got, &gl);
    if (!g)
        return false;
    char *w = tu_read_file(want, &wl);
    assert_non_null(w);
    assert_int_equal(gl, wl);
    assert_memory_equal(g, w, wl);
    free(g);
    free(w);
    return true;
}

/* No writer's temporary (".<name>.tmp-...") left in dir. */
static void no_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp-"))
            fail_msg("temporary '%s' left in %s", e->d_name, dir);
    closedir(d);
}

static void check_lake(const char *src, const char *lake)
{
    char dir[PATH_MAX];
    for (const char *d = "a"; d; d = strcmp(d, "a") == 0 ? "b" : strcmp(d, "b") == 0 ? "" : NULL) {
        snprintf(dir, sizeof dir, "%s/file/drop/%s", lake, d);
        no_temporaries(dir);
    }
    for (size_t i = 0; i < 4; i++)
        (void)landed_whole(src, lake, SMALL[i]);
    (void)landed_whole(src, lake, BIG);
}

static void each_io_call_fails_while_landing(void **state)
{
    (void)state;
    char *dir = tu_tempdir("file-iofail");
    char src[PATH_MAX], lake[PATH_MAX];
    snprintf(src, sizeof src, "%s/src", dir);
    snprintf(lake, sizeof lake, "%s/lake", dir);
    for (size_t i = 0; i < 4; i++)
        put_file(src, SMALL[i], SMALL[i], strlen(SMALL[i]));
    size_t big = ((size_t)3 << 20) / 2;
    char *bytes = malloc(big);
    assert_non_null(bytes);
    for (size_t i = 0; i < big; i++)
        bytes[i] = (char)(i * 131 + (i >> 9));
    put_file(src, BIG, bytes, big);
    free(bytes);

    long n = 1;
    for (;; n++) {
        tu_rmtree(lake);
        snprintf(watched, sizeof watched, "%s/", lake);
        fail_at = n, seen = 0, failed_op = NULL, failed_on_dir = false;
        etlc_result *r = NULL;
        etlc_error err = {0};
        int rc = fetch(src, lake, &r, &err);
        fail_at = 0, watched[0] = '\0';
        etlc_result_free(r);
        if (!failed_op) {
            assert_int_equal(rc, 0); /* no failure left to inject: a clean run */
            break;
        }
        check_lake(src, lake);
        if (failed_on_dir)
            assert_int_not_equal(rc, 0);
        assert_int_equal(fetch(src, lake, &r, &err), 0);
        assert_int_equal(r->error_count, 0);
        etlc_result_free(r);
        for (size_t i = 0; i < 4; i++)
            assert_true(landed_whole(src, lake, SMALL[i]));
        assert_true(landed_whole(src, lake, BIG));
        check_lake(src, lake);
    }
    /* the files' writes and fsyncs, their renames, the directory fsyncs and
     * the checkpoint's: far more than one call per file */
    assert_true(n > 3 * NFILES);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_io_call_fails_while_landing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
