/* The webdav connector's bytes capability against two real WebDAV servers,
 * wsgidav (shared-service: webdav) and Apache mod_dav, which refuses
 * Depth: infinity (shared-service: apachedav): listings of nested collections with
 * '**' (Depth: infinity and the Depth: 1 walk), GET byte for byte, a
 * resource changed after listing (new ETag), resume with Range (open_at)
 * checked byte for byte, DELETE and MOVE (MKCOL of missing collections,
 * never over an existing target), a connection cut mid-transfer, wrong
 * credentials, and the health check. Each test works in its own
 * directory of the served tree. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/connector_internal.h"
#include "shared_service.h"

typedef struct peer {
    const char *name;
    char url[512], digest_url[512], cut_url[512], root[1024], user[64], password[128];
} peer;

static peer wsgidav = {.name = "wsgidav"}, apache = {.name = "apache"};

static void env_line(const char *name, const char *value, void *ud)
{
    peer *p = ud;
    const char *prefix = p == &wsgidav ? "WEBDAV_TEST_" : "APACHEDAV_TEST_";
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0)
        return;
    struct { const char *key; char *dst; size_t size; } keys[] = {
        {"URL", p->url, sizeof p->url},
        {"DIGEST_URL", p->digest_url, sizeof p->digest_url},
        {"CUT_URL", p->cut_url, sizeof p->cut_url},
        {"ROOT", p->root, sizeof p->root},
        {"USER", p->user, sizeof p->user},
        {"PASSWORD", p->password, sizeof p->password},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(name + n, keys[i].key) == 0)
            snprintf(keys[i].dst, keys[i].size, "%s", value);
}

/* This test's own collection, "<root>/capi-<tag>-<pid>", emptied. */
/* Apache serves as www-data: what the tests make is writable by all (umask 0). */
static void own_dir(const peer *p, bool digest, const char *tag, char *path, size_t pathsz,
                    char *dir_url, size_t urlsz)
{
    snprintf(path, pathsz, "%s/capi-%s-%d", p->root, tag, (int)getpid());
    tu_rmtree(path);
    assert_int_equal(etlc__mkdirs(path, 0777), 0);
    snprintf(dir_url, urlsz, "%scapi-%s-%d/", digest ? p->digest_url : p->url, tag, (int)getpid());
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    assert_int_equal(etlc__mkdirs(path, 0777), 0);
    *slash = '/';
    assert_int_equal(tu_write_file(path, text), 0);
}

static etlc_connector *open_dav(const peer *p, const char *base, const char *pass,
                                const char *depth_inf, const char *auth)
{
    etlc_kv dict[] = {{"url", base},          {"username", p->user}, {"password", pass},
                      {"depth_infinity", depth_inf}, {"auth", auth}, {"retry_max", "0"}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 6};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    etlc_get_options go = {.no_reuse = true};
    int rc = etlc_get_connection("webdav", &src, &go, &c, &err);
    if (rc != 0)
        fprintf(stderr, "connect: %s\n", err.message);
    assert_int_equal(rc, 0);
    return c;
}

/* expr must return 0; says err.message otherwise. */
#define assert_ok(expr)                                                                    \
    do {                                                                                   \
        int rc_ = (expr);                                                                  \
        if (rc_ != 0)                                                                      \
            fail_msg("%s: %s (%s)", #expr, etlc_code_name(rc_), err.message);               \
    } while (0)

typedef struct listing {
    char text[2048];
    etlc_resource res[16];
    char names[16][256], etags[16][128];
    size_t n;
} listing;

static int collect(void *ud, const etlc_resource *res, etlc_error *err)
{
    listing *l = ud;
    (void)err;
    snprintf(l->text + strlen(l->text), sizeof l->text - strlen(l->text), "%s|", res->name);
    assert_true(l->n < 16);
    l->res[l->n] = *res;
    snprintf(l->names[l->n], sizeof l->names[0], "%s", res->name);
    snprintf(l->etags[l->n], sizeof l->etags[0], "%s", res->etag ? res->etag : "");
    l->res[l->n].name = l->names[l->n];
    l->res[l->n].etag = res->etag ? l->etags[l->n] : NULL;
    l->n++;
    return 0;
}

static void list(etlc_connector *c, const char *pattern, listing *l)
{
    memset(l, 0, sizeof *l);
    etlc_list_request req = {.pattern = pattern, .recursive = true};
    etlc_error err = {0};
    int rc = c->ops->bytes->list(c->ctx, &req, collect, l, &err);
    if (rc != 0)
        fprintf(stderr, "list: %s\n", err.message);
    assert_int_equal(rc, 0);
}

static const etlc_resource *find(const listing *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->res[i].name, name) == 0)
            return &l->res[i];
    fail_msg("'%s' not listed (%s)", name, l->text);
    return NULL;
}

typedef struct sink {
    etlc__buf data;
} sink;

static int to_sink(void *ud, const void *data, size_t len, etlc_error *err)
{
    (void)err;
    return etlc__buf_append(&((sink *)ud)->data, data, len) == 0 ? 0 : ETLC_NO_MEMORY;
}

static void lists_nested_collections_in_byte_order(void **state)
{
    const peer *p = *state;
    char dir[1200], base[700];
    own_dir(p, false, "list", dir, sizeof dir, base, sizeof base);
    put(dir, "b.csv", "b\n");
    put(dir, "a.txt", "a\n");
    put(dir, "a/z.csv", "z\n");
    put(dir, "a/b/y.csv", "y\n");
    put(dir, "sp ace/caf\xc3\xa9 %25.csv", "odd name\n");
    put(dir, "empty/.keep", "");
    for (int walk = 0; walk < 2; walk++) { /* Depth: infinity, then the Depth: 1 walk */
        etlc_connector *c = open_dav(p, base, p->password, walk ? "false" : "true", "basic");
        listing l;
        tu_clear_logs();
        list(c, "**/*.csv", &l);
        /* Apache refuses Depth: infinity (403): the connector walks instead */
        if (!walk && p == &apache)
            assert_non_null(strstr(tu_logs(), "Depth: infinity not possible"));
        if (!walk && p == &wsgidav)
            assert_null(strstr(tu_logs(), "Depth: infinity not possible"));
        assert_string_equal(l.text, "a/b/y.csv|a/z.csv|b.csv|sp ace/caf\xc3\xa9 %25.csv|");
        const etlc_resource *y = find(&l, "a/b/y.csv");
        assert_int_equal(y->size, 2);
        assert_non_null(y->etag);
        assert_true(y->mtime_us > 1700000000000000LL);
        list(c, "*.csv", &l); /* top level only */
        assert_string_equal(l.text, "b.csv|");
        list(c, "**", &l);
        assert_string_equal(l.text, "a.txt|a/b/y.csv|a/z.csv|b.csv|empty/.keep|sp ace/caf\xc3\xa9 %25.csv|");
        /* the odd name leads back to the same resource */
        sink s = {0};
        etlc_error err = {0};
        etlc_byte_consumer bc = {.on_bytes = to_sink, .userdata = &s};
        assert_int_equal(c->ops->bytes->open(c->ctx, find(&l, "sp ace/caf\xc3\xa9 %25.csv"), bc, &err), 0);
        assert_int_equal(s.data.len, 9);
        assert_memory_equal(s.data.data, "odd name\n", 9);
        etlc__buf_free(&s.data);
        etlc_connector_release(c);
    }
    tu_rmtree(dir);
}

/* 300 KiB of bytes that differ from position to position. */
static char *big_text(size_t n)
{
    char *b = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        b[i] = (char)('a' + (i * 7 + i / 997) % 26);
    b[n] = '\0';
    return b;
}

static void reads_whole_and_resumes_with_range(void **state)
{
    const peer *p = *state;
    char dir[1200], base[700];
    own_dir(p, true, "read", dir, sizeof dir, base, sizeof base);
    size_t n = 300 * 1024;
    char *text = big_text(n);
    put(dir, "big.txt", text);
    put(dir, "empty.csv", "");
    /* Apache's ETag of a file younger than a second is weak, and If-Range
     * (strong comparison) would then never match: let them age. */
    if (p == &apache)
        sleep(2);
    etlc_connector *c = open_dav(p, base, p->password, "true", "digest");
    listing l;
    list(c, "**", &l);
    etlc_error err = {0};
    sink s = {0};
    etlc_byte_consumer bc = {.on_bytes = to_sink, .userdata = &s};
    assert_ok(c->ops->bytes->open(c->ctx, find(&l, "big.txt"), bc, &err));
    assert_int_equal(s.data.len, n);
    assert_memory_equal(s.data.data, text, n);
    etlc__buf_reset(&s.data);
    assert_int_equal(c->ops->bytes->open(c->ctx, find(&l, "empty.csv"), bc, &err), 0);
    assert_int_equal(s.data.len, 0);
    /* resume: only the bytes from the offset on */
    int64_t offset = 123457;
    assert_non_null(c->ops->bytes->open_at);
    assert_ok(c->ops->bytes->open_at(c->ctx, find(&l, "big.txt"), offset, bc, &err));
    assert_int_equal(s.data.len, n - (size_t)offset);
    assert_memory_equal(s.data.data, text + offset, n - (size_t)offset);
    etlc__buf_reset(&s.data);
    assert_int_equal(c->ops->bytes->open_at(c->ctx, find(&l, "big.txt"), 0, bc, &err),
                     ETLC_INVALID_ARGUMENT);
    etlc__buf_free(&s.data);
    etlc_connector_release(c);
    free(text);
    tu_rmtree(dir);
}

static void a_resource_changed_after_listing_is_refused(void **state)
{
    const peer *p = *state;
    char dir[1200], base[700];
    own_dir(p, false, "change", dir, sizeof dir, base, sizeof base);
    put(dir, "f.csv", "id\n1\n");
    etlc_connector *c = open_dav(p, base, p->password, "true", "basic");
    listing l;
    list(c, "*.csv", &l);
    put(dir, "f.csv", "id\n1\n2\n"); /* new size: a new ETag */
    etlc_error err = {0};
    sink s = {0};
    etlc_byte_consumer bc = {.on_bytes = to_sink, .userdata = &s};
    assert_int_equal(c->ops->bytes->open(c->ctx, find(&l, "f.csv"), bc, &err), ETLC_IO);
    assert_true(err.retryable);
    assert_non_null(strstr(err.message, "changed between listing and reading"));
    assert_int_equal(s.data.len, 0); /* nothing of it went to the consumer */
    err = (etlc_error){0};
    assert_int_equal(c->ops->bytes->open_at(c->ctx, find(&l, "f.csv"), 2, bc, &err), ETLC_IO);
    assert_true(err.retryable);
    /* If-Range with the listed ETag: the server sends it whole (200), which is refused */
    assert_non_null(strstr(err.message, "restart from 0"));
    assert_int_equal(s.data.len, 0);
    etlc__buf_free(&s.data);
    etlc_connector_release(c);
    tu_rmtree(dir);
}

static bool exists(const char *dir, const char *name)
{
    char path[2048];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

static void removes_and_moves(void **state)
{
    const peer *p = *state;
    char dir[1200], base[700];
    own_dir(p, false, "manage", dir, sizeof dir, base, sizeof base);
    put(dir, "in/a.csv", "a\n");
    put(dir, "in/b.csv", "b\n");
    put(dir, "in/c.csv", "c\n");
    put(dir, "done/c.csv", "already there\n");
    etlc_connector *c = open_dav(p, base, p->password, "false", "any");
    listing l;
    list(c, "in/*.csv", &l);
    assert_string_equal(l.text, "in/a.csv|in/b.csv|in/c.csv|");
    etlc_error err = {0};
    assert_ok(c->ops->bytes->remove(c->ctx, find(&l, "in/a.csv"), &err));
    assert_false(exists(dir, "in/a.csv"));
    /* into collections that do not exist yet */
    assert_ok(c->ops->bytes->move(c->ctx, find(&l, "in/b.csv"), "archive/2026/b.csv", &err));
    assert_false(exists(dir, "in/b.csv"));
    assert_true(exists(dir, "archive/2026/b.csv"));
    /* never over an existing file */
    assert_int_equal(c->ops->bytes->move(c->ctx, find(&l, "in/c.csv"), "done/c.csv", &err), ETLC_IO);
    assert_non_null(strstr(err.message, "exists"));
    assert_true(exists(dir, "in/c.csv"));
    char *kept = NULL;
    char path[2048];
    snprintf(path, sizeof path, "%s/done/c.csv", dir);
    assert_non_null(kept = tu_read_file(path, NULL));
    assert_string_equal(kept, "already there\n");
    free(kept);
    /* a name that climbs out is refused before any request */
    assert_int_equal(c->ops->bytes->move(c->ctx, find(&l, "in/c.csv"), "../escape.csv", &err), ETLC_IO_PATH);
    /* the one already removed */
    err = (etlc_error){0};
    assert_int_equal(c->ops->bytes->remove(c->ctx, find(&l, "in/a.csv"), &err), ETLC_IO_NOT_FOUND);
    etlc_connector_release(c);
    tu_rmtree(dir);
}

static void a_cut_connection_fails_retryable(void **state)
{
    const peer *p = &wsgidav; /* the cutting proxy stands in front of wsgidav */
    (void)state;
    char dir[1200], base[700], cut_base[700];
    own_dir(p, false, "cut", dir, sizeof dir, base, sizeof base);
    size_t n = 1024 * 1024;
    char *text = big_text(n);
    put(dir, "big.txt", text);
    snprintf(cut_base, sizeof cut_base, "%s%s", p->cut_url, base + strlen(p->url));
    etlc_connector *c = open_dav(p, cut_base, p->password, "true", "basic");
    listing l;
    list(c, "*.txt", &l);
    etlc_error err = {0};
    sink s = {0};
    etlc_byte_consumer bc = {.on_bytes = to_sink, .userdata = &s};
    int rc = c->ops->bytes->open(c->ctx, find(&l, "big.txt"), bc, &err);
    assert_int_not_equal(rc, 0);
    assert_true(err.retryable);
    assert_true(s.data.len < n); /* the consumer saw part of it, and was told it failed */
    etlc__buf_free(&s.data);
    etlc_connector_release(c);
    free(text);
    tu_rmtree(dir);
}

static void wrong_password_and_health(void **state)
{
    const peer *p = *state;
    char dir[1200], base[700], digest_base[700];
    own_dir(p, true, "auth", dir, sizeof dir, digest_base, sizeof digest_base);
    own_dir(p, false, "auth", dir, sizeof dir, base, sizeof base);
    put(dir, "x.csv", "x\n");
    etlc_connector *c = open_dav(p, base, "not-the-password", "true", "basic");
    listing l = {0};
    etlc_list_request req = {.pattern = "**", .recursive = true};
    etlc_error err = {0};
    assert_int_equal(c->ops->bytes->list(c->ctx, &req, collect, &l, &err), ETLC_AUTH);
    assert_null(strstr(err.message, "not-the-password"));
    etlc_health h = {0};
    assert_int_equal(etlc_connector_test(c, &h, &err), 0);
    assert_false(h.healthy);
    etlc_connector_release(c);
    c = open_dav(p, digest_base, p->password, "true", "digest");
    assert_int_equal(etlc_connector_test(c, &h, &err), 0);
    assert_true(h.healthy);
    assert_non_null(strstr(h.detail, "WebDAV collection"));
    assert_null(strstr(h.detail, p->password));
    etlc_connector_release(c);
    tu_rmtree(dir);
}

static void credentials_in_the_url_are_refused(void **state)
{
    (void)state;
    char bad[800];
    snprintf(bad, sizeof bad, "http://%s:%s@%s", wsgidav.user, "s3cret-in-url",
             wsgidav.url + strlen("http://"));
    etlc_kv dict[] = {{"url", bad}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 1};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    etlc_get_options go = {.no_reuse = true};
    assert_int_equal(etlc_get_connection("webdav", &src, &go, &c, &err), ETLC_CONFIG);
    assert_null(c);
    assert_non_null(strstr(err.message, "credentials"));
    assert_null(strstr(err.message, "s3cret-in-url"));
}

int main(void)
{
    if (shared_service_env("webdav", env_line, &wsgidav) != 0 || !wsgidav.url[0] ||
        shared_service_env("apachedav", env_line, &apache) != 0 || !apache.url[0])
        return 1;
    snprintf(wsgidav.digest_url, sizeof wsgidav.digest_url, "%s", wsgidav.url);
    umask(0); /* Apache (www-data) must be able to delete and move what the tests make */
    tu_capture_logs();
    etlc_log_set_level(ETLC_LOG_INFO); /* the Depth: infinity fallback is logged at info */
#define BOTH(fn) cmocka_unit_test_prestate(fn, &wsgidav), cmocka_unit_test_prestate(fn, &apache)
    const struct CMUnitTest tests[] = {
        BOTH(lists_nested_collections_in_byte_order),
        BOTH(reads_whole_and_resumes_with_range),
        BOTH(a_resource_changed_after_listing_is_refused),
        BOTH(removes_and_moves),
        BOTH(wrong_password_and_health),
        cmocka_unit_test(a_cut_connection_fails_retryable),
        cmocka_unit_test(credentials_in_the_url_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
