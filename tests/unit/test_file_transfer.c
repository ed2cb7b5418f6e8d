/* The bytes driver (src/pipeline/fetch_bytes.c and friends) driven through
 * the real file connector, no server needed: the shared include/exclude/
 * age filters, hostile remote names refused, a download dropped midway and
 * resumed from its part (the lake file's SHA-256 equal to the source's), a
 * file changing between listing and reading (retried once, never landed
 * half old), and after_landing delete|move only after the commit.
 *
 * "filehook" is the file connector's own ops table under another name with
 * its bytes calls wrapped: a wrapper can cut a read after N bytes (as a
 * dropped connection does), append to the file before a read (as a writer
 * on the server does), or add names a hostile server could list. Every
 * byte still comes from the real file connector reading a real file. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>


#include "core/connector_internal.h"
#include "core/internal.h"
#include "sinks/format_reader.h"

static const etlc_connector_ops *file_ops;

static struct hook {
    long drop_after;      /* > 0: the next read fails after this many bytes */
    bool drop_retryable;
    int grow_before;      /* reads that first append to the file */
    bool hostile;         /* list adds names that must never land */
    const char *root;
    int opens, opens_at;
    int64_t last_offset;
    long passed;
} hk;

typedef struct cut {
    etlc_byte_consumer inner;
} cut;

static int cut_bytes(void *ud, const void *data, size_t len, etlc_error *err)
{
    cut *c = ud;
    if (hk.drop_after > 0 && hk.passed + (long)len > hk.drop_after) {
        size_t keep = (size_t)(hk.drop_after - hk.passed);
        hk.drop_after = 0;
        if (keep && c->inner.on_bytes(c->inner.userdata, data, keep, err) != 0)
            return err->code;
        int rc = etlc_error_set(err, ETLC_CONNECT, "test: connection dropped after %ld bytes",
                                hk.passed + (long)keep);
        err->retryable = hk.drop_retryable;
        return rc;
    }
    hk.passed += (long)len;
    return c->inner.on_bytes(c->inner.userdata, data, len, err);
}

static void maybe_grow(const etlc_resource *res)
{
    if (hk.grow_before <= 0)
        return;
    hk.grow_before--;
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", hk.root, res->name);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("appended by a writer\n", f);
    fclose(f);
}

static int hook_open(void *ctx, const etlc_resource *res, etlc_byte_consumer bytes, etlc_error *err)
{
    hk.opens++;
    hk.passed = 0;
    maybe_grow(res);
    cut c = {.inner = bytes};
    return file_ops->bytes->open(ctx, res, (etlc_byte_consumer){.on_bytes = cut_bytes, .userdata = &c}, err);
}

static int hook_open_at(void *ctx, const etlc_resource *res, int64_t offset, etlc_byte_consumer bytes,
                        etlc_error *err)
{
    hk.opens_at++;
    hk.last_offset = offset;
    hk.passed = 0;
    maybe_grow(res);
    cut c = {.inner = bytes};
    return file_ops->bytes->open_at(ctx, res, offset,
                                    (etlc_byte_consumer){.on_bytes = cut_bytes, .userdata = &c}, err);
}

static const char *const hostile_names[] = {"../escape.csv", "/etc/passwd", "a//b.csv", "a/./b.csv",
                                            "ctl\x01name.csv", "dir/", "..", "tab\there.csv",
                                            "a/../b.csv", ".", "x/..", "del\x7f.csv", ""};

static int hook_list(void *ctx, const etlc_list_request *req, etlc_resource_fn fn, void *ud, etlc_error *err)
{
    int rc = file_ops->bytes->list(ctx, req, fn, ud, err);
    for (size_t i = 0; rc == 0 && hk.hostile && i < sizeof hostile_names / sizeof *hostile_names; i++) {
        etlc_resource res = {.name = hostile_names[i], .size = 3, .mtime_us = 1};
        rc = fn(ud, &res, err);
    }
    return rc;
}

static etlc_bytes_ops hook_bytes, noremove_bytes;
static etlc_connector_ops hook_ops, noremove_ops;

static void register_hooks(void)
{
    if (file_ops)
        return;
    char *root = tu_tempdir("xfer-reg");
    etlc_kv dict[] = {{"root", root}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 1};
    etlc_get_options go = {.no_reuse = true};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_get_connection("file", &src, &go, &c, &err), 0);
    file_ops = c->ops; /* static storage: outlives the connector */
    etlc_connector_release(c);
    tu_rmtree(root);
    free(root);
    hook_bytes = *file_ops->bytes;
    hook_bytes.list = hook_list;
    hook_bytes.open = hook_open;
    hook_bytes.open_at = hook_open_at;
    hook_ops = *file_ops;
    hook_ops.name = "filehook";
    hook_ops.aliases = NULL;
    hook_ops.bytes = &hook_bytes;
    noremove_bytes = hook_bytes;
    noremove_bytes.remove = NULL;
    noremove_bytes.move = NULL;
    noremove_ops = hook_ops;
    noremove_ops.name = "filenoremove";
    noremove_ops.bytes = &noremove_bytes;
    assert_int_equal(etlc_registry_add(&hook_ops, &err), 0);
    assert_int_equal(etlc_registry_add(&noremove_ops, &err), 0);
}

/* ---- helpers ------------------------------------------------------------- */

typedef struct fixture {
    char *dir, src[4200], lake[4200];
} fixture;

static void fixture_new(fixture *fx, const char *tag)
{
    register_hooks();
    memset(&hk, 0, sizeof hk);
    fx->dir = tu_tempdir(tag);
    snprintf(fx->src, sizeof fx->src, "%s/src", fx->dir);
    snprintf(fx->lake, sizeof fx->lake, "%s/lake", fx->dir);
    assert_int_equal(etlc__mkdirs(fx->src, 0755), 0);
    hk.root = fx->src;
}

static void fixture_free(fixture *fx)
{
    tu_rmtree(fx->dir);
    free(fx->dir);
}

static void put(const fixture *fx, const char *name, const char *text)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", fx->src, name);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    assert_int_equal(etlc__mkdirs(path, 0755), 0);
    *slash = '/';
    assert_int_equal(tu_write_file(path, text), 0);
}

/* A file of n pseudo-random bytes (so a misplaced resume shows in the hash). */
static void put_big(const fixture *fx, const char *name, size_t n, char sha[65])
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", fx->src, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    unsigned char *buf = malloc(n);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        buf[i] = (unsigned char)x;
    }
    assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
    assert_int_equal(etlc__sha256_hex(buf, n, sha), 0);
    free(buf);
}

static void age(const fixture *fx, const char *name, long seconds_ago)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", fx->src, name);
    struct timeval tv[2];
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= seconds_ago;
    tv[1] = tv[0];
    assert_int_equal(utimes(path, tv), 0);
}

static bool src_exists(const fixture *fx, const char *name)
{
    char path[4400];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", fx->src, name);
    return stat(path, &st) == 0;
}

static const char *g_parse; /* land options' parse / keep_raw for the next fetch */
static bool g_keep_raw;

/* Fetch `query` through `protocol` with extra dict settings; returns the code. */
static int fetch(const fixture *fx, const char *protocol, const etlc_kv *extra, size_t nextra,
                 const char *query, etlc_result **r, etlc_error *err)
{
    etlc_kv dict[12] = {{"root", fx->src}, {"source", "drop"}, {"chunk_size", "4096"}};
    assert_true(nextra <= 9);
    if (nextra)
        memcpy(dict + 3, extra, nextra * sizeof *extra);
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 3 + nextra};
    etlc_get_options go = {.no_reuse = true};
    etlc_connector *c = NULL;
    int rc = etlc_get_connection(protocol, &src, &go, &c, err);
    if (rc != 0)
        return rc;
    etlc_fetch_request req = {.query = query};
    etlc_land_options land = {.lake_root = fx->lake, .parse = g_parse, .keep_raw = g_keep_raw};
    *r = NULL;
    rc = etlc_connector_fetch(c, &req, &land, r, err);
    etlc_connector_release(c);
    return rc;
}

/* "|"-joined remote_path of the result's items, in order. */
static const char *landed(const etlc_result *r)
{
    static char text[2048];
    text[0] = '\0';
    for (size_t i = 0; r && i < r->item_count; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s|",
                 etlc_meta_get(&r->items[i].metadata, "remote_path"));
    return text;
}

static char *lake_file(const fixture *fx, const char *protocol, const char *name, size_t *len)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s/drop/%s", fx->lake, protocol, name);
    return tu_read_file(path, len);
}

static void sha_of_lake_file(const fixture *fx, const char *protocol, const char *name, char out[65])
{
    size_t len = 0;
    char *data = lake_file(fx, protocol, name, &len);
    assert_non_null(data);
    assert_int_equal(etlc__sha256_hex(data, len, out), 0);
    free(data);
}

/* Make every file of the lake's spool look `seconds` old. */
static void age_spool(const fixture *fx, long seconds)
{
    char cmd[4600];
    snprintf(cmd, sizeof cmd, "find '%s/_partial' -type f -exec touch -d '-%ld seconds' {} +", fx->lake, seconds);
    assert_int_equal(system(cmd), 0);
}

/* Files in the spool of the lake (parts and sidecars). */
static size_t spool_files(const fixture *fx)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/_partial", fx->lake);
    return tu_count_files(path);
}

/* ---- filters ------------------------------------------------------------- */

static void include_exclude_and_age_are_applied_by_the_driver(void **state)
{
    (void)state;
    fixture fx;
    fixture_new(&fx, "xfer-filter");
    put(&fx, "a.csv", "a\n");
    put(&fx, "b.csv", "b\n");
    put(&fx, "skip.csv", "s\n");
    put(&fx, "notes.txt", "n\n");
    put(&fx, "sub/c.csv", "c\n");
    put(&fx, "fresh.csv", "f\n");
    put(&fx, "ancient.csv", "o\n");
    for (const char *const *n = (const char *const[]){"a.csv", "b.csv", "skip.csv", "notes.txt",
                                                       "sub/c.csv", NULL}; *n; n++)
        age(&fx, *n, 7200);
    age(&fx, "ancient.csv", 30 * 86400);
    etlc_kv opts[] = {{"include", "*.csv,sub/**"}, {"exclude", "skip*"}, {"min_age", "1h"},
                      {"max_age", "7d"}};
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(fetch(&fx, "file", opts, 4, "**", &r, &err), 0);
    /* fresh.csv too young, ancient.csv too old, notes.txt not included, skip.csv excluded */
    assert_string_equal(landed(r), "a.csv|b.csv|sub/c.csv|");
    etlc_result_free(r);
    /* the connector's old option names still configure it (now the fragment's) */
    etlc_kv only[] = {{"include", "notes.txt"}};
    assert_int_equal(fetch(&fx, "file", only, 1, "**", &r, &err), 0);
    assert_string_equal(landed(r), "notes.txt|");
    etlc_result_free(r);
    fixture_free(&fx);
}

/* Tuning options (chunk size, retries, resume) are not part of the
 * checkpoint's identity: changing them keeps the incremental state, while
 * a setting that changes what is read (include) starts a new one. */
static void tuning_changes_keep_the_checkpoint(void **state)
{
    (void)state;
    fixture fx;
    fixture_new(&fx, "xfer-tuning");
    put(&fx, "a.csv", "a\n");
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(fetch(&fx, "file", NULL, 0, "*.csv", &r, &err), 0);
    assert_string_equal(landed(r), "a.csv|");
    etlc_result_free(r);
    etlc_kv tuned[] = {{"chunk_size", "8192"}, {"resume", "false"}};
    assert_int_equal(fetch(&fx, "file", tuned, 2, "*.csv", &r, &err), 0);
    assert_string_equal(landed(r), ""); /* same checkpoint: nothing new */
    etlc_result_free(r);
    etlc_kv selected[] = {{"include", "a*"}};
    assert_int_equal(fetch(&fx, "file", selected, 1, "*.csv", &r, &err), 0);
    assert_string_equal(landed(r), "a.csv|"); /* another selection: its own checkpoint */
    etlc_result_free(r);
    fixture_free(&fx);
}

/* ---- hostile names --------------------------------------------------------- */

static void hostile_remote_names_are_refused_and_nothing_of_them_lands(void **state)
{
    (void)state;
    fixture fx;
    fixture_new(&fx, "xfer-hostile");
    put(&fx, "ok.csv", "fine\n");
    put(&fx, "..x.csv", "dots that are not a segment\n");
    put(&fx, "v1.../back\\slash.csv", "odd but harmless\n");
    hk.hostile = true;
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(fetch(&fx, "filehook", NULL, 0, NULL, &r, &err), ETLC_IO_PATH);
    assert_string_equal(landed(r), "..x.csv|ok.csv|v1.../back\\slash.csv|");
    assert_string_equal(r->items[2].name, "back%5Cslash.csv"); /* a backslash is escaped, not refused */
    size_t n = sizeof hostile_names / sizeof *hostile_names;
    assert_int_equal(r->error_count, n);
    for (size_t i = 0; i < r->error_count; i++) {
        assert_string_equal(r->errors[i].code, "IO_PATH");
        assert_non_null(strstr(r->errors[i].message, "refused"));
        assert_null(strchr(r->errors[i].message, '\x01')); /* control bytes shown escaped */
    }
    assert_int_equal(hk.opens + hk.opens_at, 3); /* only the three real files were ever read */
    etlc_result_free(r);
    /* the lake holds ok.csv and the checkpoint, nothing else */
    char dir[4400];
    snprintf(dir, sizeof dir, "%s/filehook", fx.lake);
    assert_int_equal(tu_count_files(dir), 3);
    assert_int_equal(tu_count_files(fx.dir) - tu_count_files(fx.src), 5); /* + checkpoint + .lock */
    fixture_free(&fx);
}

/* ---- resume ------------------------------------------------------------------ */

static void a_dropped_download_resumes_from_its_part_next_run(void **state)
{
    (void)state;
    fixture fx;
    fixture_new(&fx, "xfer-resume");
    char want[65], got[65];
    put_big(&fx, "big.bin", 3000000, want);
    hk.drop_after = 1234567; /* not a multiple of the 4096-byte chunks */
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(fetch(&fx, "filehook", NULL, 0, "**", &r, &err), ETLC_CONNECT);
    assert_string_equal(landed(r), "");
    etlc_result_free(r);
    size_t len = 0;
    assert_null(lake_file(&fx, "filehook", "big.bin", &len)); /* nothing visible */
    assert_int_equal(spool_files(&fx), 2);                     /* the part and its sidecar */
    /* second run: continues at the byte where the first stopped */
    assert_int_equal(fetch(&fx, "filehook", NULL, 0, "**", &r, &err), 0);
    assert_string_equal(landed(r), "big.bin|");
    assert_int_equal(hk.opens_at, 1);
    assert_int_equal(hk.last_offset, 1234567);
    assert_int_equal(r->items[0].byte_count, 3000000);
    sha_of_lake_file(&fx, "filehook", "big.bin", got);
    assert_string_equal(got, want);
    assert_string_equal(r->items[0].sha256, want); /* the hash covers the resumed part too */
    etlc_result_free(r);
    assert_int_equal(spool_files(&fx), 0); /* the part is gone after the commit */
    fixture_free(&fx);
}

static void a_retryable_drop_resumes_in_the_same_run(void **state)
{
    (void)state;
    fixture fx;
    fixture_new(&fx, "xfer-retry");
    char want[65];
    put_big(&fx, "big.bin", 2000000, want);
    hk.drop_after = 500000;
    hk.drop_retryable = true;
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(fetch(&fx, "filehook", NULL, 0, "**", &r, &err), 0);
    assert_string_equal(landed(r), "big.bin|");
    assert_int_equal(hk.opens, 1);
    assert_int_equal(hk.opens_at, 1);
    assert_int_equal(hk.last_offset, 500000);
    assert_string_equal(r->items[0].sha256, want);
    etlc_result_free(r);
    fixture_free(&fx);
}

static void a_part_of_an_older_version_is_not_resumed(void **state)
{
    (void)state;
    fixture fx;
    fixture_new(&fx, "xfer-stale");
    char want[65];
    put_big(&fx, "big.bin", 2000000, want);
    hk.drop_after = 400000;
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(fetch(&fx, "filehook", NULL, 0, "**", &r, &err), ETLC_CONNECT);
    etlc_result_free(r);
    assert_int_equal(spool_files(&fx), 2);
    put_big(&fx, "big.bin", 2000000, want); /* same size, new mtime/etag */
    age(&fx, "big.bin", 10);
    hk.opens = hk.opens_at = 0;
    assert_int_equal(fetch(&fx, "filehook", NULL, 0, "**", &r, &err), 0);
    assert_int_equal(hk.opens_at, 0); /* restarted from byte 0 */
    assert_int_equal(hk.opens, 1);
    assert_string_equal(r->items[0].sha256, want);
    etlc_result_free(r);
    assert_int_equal(spool_files(&fx), 0);
    fixture_free(&fx);
}

static void parts_of_vanished_files_are_swept(void **state)
{
    (void)state;
    fixture fx;
    fixture_new(&fx, "xfer-sweep");
    char want[65];
    put_big(&fx, "gone.bin", 2000000, want);
    hk.drop_after = 300000;
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(fetch(&fx, "filehook", NULL, 0, "**", &r, &err), ETLC_CONNECT);
    etlc_result_free(r);
    assert_int_equal(spool_files(&fx), 2);
    char path[4400];
    snprintf(path, sizeof path, "%s/gone.bin", fx.src);
    assert_int_equal(unlink(path), 0);
    put(&fx, "other.csv", "x\n");
    assert_int_equal(fetch(&fx, "filehook", NULL, 0, "**", &r, &err), 0);
    assert_string_equal(landed(r), "other.csv|");
    etlc_result_free(r);
    assert_int_equal(spool_files(&fx), 0);
    fixture_free(&fx);
}

static void resume_off_restarts_from_zero(void **state)
{
    (void)state;
    fixture fx;
    fixture_new(&fx, "xfer-noresume");
    char want[65];
    put_big(&fx, "big.bin", 2000000, want);
    hk.drop_after = 300000;
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(fetch(&fx, "filehook", NULL, 0, "**", &r, &err), ETLC_CONNECT);
    etlc_result_free(r);
    assert_int_equal(spool_files(&fx), 2); /* a part, with resume on */
    etlc_kv off[] = {{"resume", "false"}};
    hk.drop_after = 300000;
    /* another query, another definition (resume itself is tuning, not identity) */
    assert_int_equal(fetch(&fx, "filehook", off, 1, "big.*", &r, &err), ETLC_CONNECT);
    etlc_result_free(r);
    /* the other definition's part is left alone while young... */
    assert_int_equal(spool_files(&fx), 2);
    age_spool(&fx, 8 * 86400);
    hk.drop_after = 300000;
    assert_int_equal(fetch(&fx, "filehook", off, 1, "big.*", &r, &err), ETLC_CONNECT);
    etlc_result_free(r);
    assert_int_equal(spool_files(&fx), 0); /* ...and swept once a week old; resume off adds none */
    assert_int_equal(fetch(&fx, "filehook", off, 1, "big.*", &r, &err), 0);
    assert_int_equal(hk.opens_at, 0);
    assert_string_equal(r->items[0].sha256, want);
    etlc_result_free(r);
    fixture_free(&fx);
}

/* ---- a file changing between listing and reading ------------------------------ */

static void a_change_before_the_read_is_retried_once_on_the_new_version(void **state)
{
    (void)state;
    /* a small file (straight into the lake file) and a big one (through
     * the part, whose old sidecar must not be resumed) */
    for (int big = 0; big <= 1; big++) {
        fixture fx;
        fixture_new(&fx, "xfer-change");
        char old_sha[65];
        size_t before = big ? 2000000 : 5;
        if (big)
            put_big(&fx, "live.csv", before, old_sha);
        else
            put(&fx, "live.csv", "id\n1\n");
        hk.grow_before = 1;
        etlc_result *r = NULL;
        etlc_error err = {0};
        assert_int_equal(fetch(&fx, "filehook", NULL, 0, "**", &r, &err), 0);
        assert_string_equal(landed(r), "live.csv|");
        assert_int_equal(hk.opens, 2);
        assert_int_equal(hk.opens_at, 0);
        size_t len = 0;
        char *data = lake_file(&fx, "filehook", "live.csv", &len);
        const char *tail = "appended by a writer\n";
        assert_int_equal(len, before + strlen(tail)); /* the new version, whole */
        assert_memory_equal(data + before, tail, strlen(tail));
        assert_int_equal(r->items[0].byte_count, (int64_t)len);
        free(data);
        etlc_result_free(r);
        assert_int_equal(spool_files(&fx), 0);
        fixture_free(&fx);
    }
}

static void a_file_that_keeps_changing_is_not_landed(void **state)
{
    (void)state;
    fixture fx;
    fixture_new(&fx, "xfer-churn");
    put(&fx, "live.csv", "id\n1\n");
    hk.grow_before = 2; /* changes before the read and again before the retry */
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(fetch(&fx, "filehook", NULL, 0, "**", &r, &err), ETLC_IO);
    assert_non_null(strstr(err.message, "changed"));
    assert_string_equal(landed(r), "");
    assert_int_equal(hk.opens, 2);
    etlc_result_free(r);
    size_t len = 0;
    assert_null(lake_file(&fx, "filehook", "live.csv", &len));
    /* once it is stable the next run lands it, once */
    assert_int_equal(fetch(&fx, "filehook", NULL, 0, "**", &r, &err), 0);
    assert_string_equal(landed(r), "live.csv|");
    etlc_result_free(r);
    assert_int_equal(fetch(&fx, "filehook", NULL, 0, "**", &r, &err), 0);
    assert_string_equal(landed(r), "");
    etlc_result_free(r);
    fixture_free(&fx);
}

/* ---- after_landing ---------------------------------------------------------------- */

static void delete_happens_only_for_files_that_landed(void **state)
{
    (void)state;
    fixture fx;
    fixture_new(&fx, "xfer-delete");
    put(&fx, "a.csv", "a\n");
    put(&fx, "b.csv", "b\n");
    hk.grow_before = 2; /* a.csv (first in byte order) never lands this run */
    etlc_kv del[] = {{"after_landing", "delete"}};
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(fetch(&fx, "filehook", del, 1, "**", &r, &err), ETLC_IO);
    assert_string_equal(landed(r), "b.csv|");
    assert_string_equal(etlc_meta_get(&r->items[0].metadata, "after_landing"), "deleted");
    etlc_result_free(r);
    assert_true(src_exists(&fx, "a.csv"));  /* not landed: kept at the source */
    assert_false(src_exists(&fx, "b.csv")); /* landed: deleted */
    size_t len = 0;
    char *data = lake_file(&fx, "filehook", "b.csv", &len);
    assert_string_equal(data, "b\n");
    free(data);
    fixture_free(&fx);
}

static void move_puts_files_aside_and_never_takes_them_again(void **state)
{
    (void)state;
    fixture fx;
    fixture_new(&fx, "xfer-move");
    put(&fx, "in/a.csv", "a\n");
    etlc_kv mv[] = {{"after_landing", "move"}, {"move_to", "done/"}};
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(fetch(&fx, "file", mv, 2, "**", &r, &err), 0);
    assert_string_equal(landed(r), "in/a.csv|");
    assert_string_equal(etlc_meta_get(&r->items[0].metadata, "after_landing"), "moved to done/in/a.csv");
    etlc_result_free(r);
    assert_false(src_exists(&fx, "in/a.csv"));
    assert_true(src_exists(&fx, "done/in/a.csv"));
    assert_int_equal(fetch(&fx, "file", mv, 2, "**", &r, &err), 0);
    assert_string_equal(landed(r), ""); /* done/ is never listed as new work */
    etlc_result_free(r);
    fixture_free(&fx);
}

static void a_failed_move_keeps_the_landed_file_and_is_retried(void **state)
{
    (void)state;
    fixture fx;
    fixture_new(&fx, "xfer-movefail");
    put(&fx, "a.csv", "a\n");
    put(&fx, "done", "a file where the directory should be\n");
    etlc_kv mv[] = {{"after_landing", "move"}, {"move_to", "done"}, {"exclude", "done"}};
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(fetch(&fx, "file", mv, 3, "**", &r, &err), 0);
    assert_string_equal(landed(r), "a.csv|");
    const char *note = etlc_meta_get(&r->items[0].metadata, "after_landing");
    assert_non_null(note);
    assert_memory_equal(note, "failed: ", 8);
    assert_string_equal(etlc_meta_get(&r->metadata, "after_landing_failed"), "1");
    etlc_result_free(r);
    size_t len = 0;
    char *data = lake_file(&fx, "file", "a.csv", &len);
    assert_non_null(data); /* landed, and stays landed */
    free(data);
    assert_true(src_exists(&fx, "a.csv"));
    char path[4400];
    snprintf(path, sizeof path, "%s/done", fx.src);
    assert_int_equal(unlink(path), 0);
    /* next run: nothing new to land, but the move it owed happens now */
    assert_int_equal(fetch(&fx, "file", mv, 3, "**", &r, &err), 0);
    assert_string_equal(landed(r), "");
    etlc_result_free(r);
    assert_false(src_exists(&fx, "a.csv"));
    assert_true(src_exists(&fx, "done/a.csv"));
    fixture_free(&fx);
}

static void after_landing_the_connector_cannot_do_is_a_config_error(void **state)
{
    (void)state;
    fixture fx;
    fixture_new(&fx, "xfer-cannot");
    put(&fx, "a.csv", "a\n");
    etlc_kv del[] = {{"after_landing", "delete"}};
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(fetch(&fx, "filenoremove", del, 1, "**", &r, &err), ETLC_CONFIG);
    assert_non_null(strstr(err.message, "after_landing"));
    assert_non_null(strstr(err.message, "filenoremove"));
    assert_int_equal(hk.opens + hk.opens_at, 0); /* nothing fetched */
    etlc_result_free(r);
    etlc_kv mv[] = {{"after_landing", "move"}};
    assert_int_equal(fetch(&fx, "file", mv, 1, "**", &r, &err), ETLC_CONFIG_MISSING_KEY);
    assert_non_null(strstr(err.message, "move_to"));
    etlc_result_free(r);
    assert_int_equal(tu_count_files(fx.lake), 0);
    assert_true(src_exists(&fx, "a.csv"));
    fixture_free(&fx);
}

/* ---- --parse ------------------------------------------------------------------------ */

/* Rows of a landed record file, read back with the format readers. */
static long rows_of(const char *path)
{
    etlc__format_reader *rd = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc__format_reader_open_path(path, NULL, &rd, &err), 0);
    long rows = 0;
    const etlc_batch *b = NULL;
    while (etlc__format_reader_next(rd, &b, &err) == 0 && b)
        rows += (long)b->nrows;
    etlc__format_reader_free(rd);
    return rows;
}

static void parse_turns_csv_and_jsonl_into_records(void **state)
{
    (void)state;
    fixture fx;
    fixture_new(&fx, "xfer-parse");
    put(&fx, "in/a.csv", "id,name\n1,alice\n2,bob\n3,carol\n");
    put(&fx, "in/b.jsonl", "{\"id\":1}\n{\"id\":2}\n");
    etlc_result *r = NULL;
    etlc_error err = {0};
    g_parse = "csv";
    assert_int_equal(fetch(&fx, "file", NULL, 0, "in/*.csv", &r, &err), 0);
    assert_int_equal(r->item_count, 1); /* the records only: the raw file is removed */
    assert_string_not_equal(r->items[0].format, "bytes");
    assert_int_equal(r->items[0].record_count, 3);
    assert_string_equal(etlc_meta_get(&r->items[0].metadata, "remote_path"), "in/a.csv");
    assert_non_null(strstr(r->items[0].path, "/file/drop/dt=")); /* the SQL sources' record path */
    assert_int_equal(rows_of(r->items[0].path), 3);
    size_t len = 0;
    char *records = tu_read_file(r->items[0].path, &len);
    bool parquet = strcmp(r->items[0].format, "parquet") == 0;
    etlc_result_free(r);
    assert_null(lake_file(&fx, "file", "in/a.csv", &len));
    if (parquet) { /* a real Parquet file at the source: landed as is, checked readable */
        char path[4400];
        snprintf(path, sizeof path, "%s/in/c.parquet", fx.src);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(records, 1, len, f), len);
        fclose(f);
        g_parse = "parquet";
        assert_int_equal(fetch(&fx, "file", NULL, 0, "in/*.parquet", &r, &err), 0);
        assert_int_equal(r->item_count, 1);
        assert_string_equal(r->items[0].format, "bytes");
        etlc_result_free(r);
        char *kept = lake_file(&fx, "file", "in/c.parquet", &len);
        assert_non_null(kept);
        free(kept);
    }
    free(records);
    g_parse = "jsonl";
    g_keep_raw = true;
    assert_int_equal(fetch(&fx, "file", NULL, 0, "in/*.jsonl", &r, &err), 0);
    assert_int_equal(r->item_count, 2); /* records, then the raw file kept beside them */
    assert_int_equal(r->items[0].record_count, 2);
    assert_string_equal(r->items[1].format, "bytes");
    char *raw = lake_file(&fx, "file", "in/b.jsonl", &len);
    assert_non_null(raw);
    free(raw);
    etlc_result_free(r);
    g_parse = NULL;
    g_keep_raw = false;
    fixture_free(&fx);
}

static void a_file_that_does_not_parse_is_a_failed_file(void **state)
{
    (void)state;
    fixture fx;
    fixture_new(&fx, "xfer-badparse");
    put(&fx, "bad.jsonl", "{\"id\":1}\nnot json at all\n");
    put(&fx, "fake.parquet", "PAR1 but not really\n");
    etlc_result *r = NULL;
    etlc_error err = {0};
    g_parse = "jsonl";
    assert_int_not_equal(fetch(&fx, "file", NULL, 0, "bad.jsonl", &r, &err), 0);
    assert_non_null(strstr(err.message, "bad.jsonl"));
    assert_int_equal(r->item_count, 0);
    etlc_result_free(r);
    size_t len = 0;
    assert_null(lake_file(&fx, "file", "bad.jsonl", &len)); /* the raw file is taken back too */
    if (etlc_sink_format_supported("parquet")) {
        g_parse = "parquet";
        assert_int_not_equal(fetch(&fx, "file", NULL, 0, "*.parquet", &r, &err), 0);
        assert_int_equal(r->item_count, 0);
        etlc_result_free(r);
        assert_null(lake_file(&fx, "file", "fake.parquet", &len));
    }
    g_parse = NULL;
    fixture_free(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(include_exclude_and_age_are_applied_by_the_driver),
        cmocka_unit_test(tuning_changes_keep_the_checkpoint),
        cmocka_unit_test(hostile_remote_names_are_refused_and_nothing_of_them_lands),
        cmocka_unit_test(a_dropped_download_resumes_from_its_part_next_run),
        cmocka_unit_test(a_retryable_drop_resumes_in_the_same_run),
        cmocka_unit_test(a_part_of_an_older_version_is_not_resumed),
        cmocka_unit_test(parts_of_vanished_files_are_swept),
        cmocka_unit_test(resume_off_restarts_from_zero),
        cmocka_unit_test(a_change_before_the_read_is_retried_once_on_the_new_version),
        cmocka_unit_test(a_file_that_keeps_changing_is_not_landed),
        cmocka_unit_test(delete_happens_only_for_files_that_landed),
        cmocka_unit_test(move_puts_files_aside_and_never_takes_them_again),
        cmocka_unit_test(a_failed_move_keeps_the_landed_file_and_is_retried),
        cmocka_unit_test(after_landing_the_connector_cannot_do_is_a_config_error),
        cmocka_unit_test(parse_turns_csv_and_jsonl_into_records),
        cmocka_unit_test(a_file_that_does_not_parse_is_a_failed_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
