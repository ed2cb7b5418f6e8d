/* The ftp connector through the C API against real pyftpdlib servers
 * (shared-service: ftp): its bytes capability directly. Listing with '**'
 * by MLSD and, on the server without MLSD, by NLST + SIZE + MDTM (same
 * names, sizes and times); a read that sees the file differ from its
 * listing; resume with open_at (REST); remove (DELE) and move (RNFR/RNTO);
 * names that would leave the root; active mode; explicit FTPS verified against the
 * test CA and refused with another CA; a url with the password in it;
 * a wrong password. Each test keeps its files under its own directory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "shared_service.h"

#include "core/connector_internal.h"

static char host[64], port[16], tls_port[16], nomlsd_port[16], user[64], password[128];
static char served[1024], ca[1024], wrong_ca[1024];

static void env_line(const char *name, const char *value, void *ud)
{
    (void)ud;
    struct { const char *name; char *dst; size_t sz; } keys[] = {
        {"ETLC_TEST_FTP_HOST", host, sizeof host}, {"ETLC_TEST_FTP_PORT", port, sizeof port},
        {"ETLC_TEST_FTP_TLS_PORT", tls_port, sizeof tls_port},
        {"ETLC_TEST_FTP_NOMLSD_PORT", nomlsd_port, sizeof nomlsd_port},
        {"ETLC_TEST_FTP_USER", user, sizeof user},
        {"ETLC_TEST_FTP_PASSWORD", password, sizeof password},
        {"ETLC_TEST_FTP_ROOT", served, sizeof served}, {"ETLC_TEST_FTP_CA", ca, sizeof ca},
        {"ETLC_TEST_FTP_WRONG_CA", wrong_ca, sizeof wrong_ca},
    };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(name, keys[i].name) == 0)
            snprintf(keys[i].dst, keys[i].sz, "%s", value);
}

/* DIR = the served root's sub-directory this test owns, made empty. */
static void fresh_dir(const char *dir)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", served, dir);
    tu_rmtree(path);
    assert_int_equal(etlc__mkdirs(path, 0755), 0);
}

static void put(const char *dir, const char *name, const char *text)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s/%s", served, dir, name);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    assert_int_equal(etlc__mkdirs(path, 0755), 0);
    *slash = '/';
    assert_int_equal(tu_write_file(path, text), 0);
}

static bool exists(const char *dir, const char *name)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s/%s", served, dir, name);
    return access(path, F_OK) == 0;
}

/* A connector on `srv_port` with root "/dir"; extra key/value pairs after. */
static int open_ftp(const char *srv_port, const char *dir, const etlc_kv *extra, size_t nextra,
                    etlc_connector **c, etlc_error *err)
{
    char root[256];
    snprintf(root, sizeof root, "/%s", dir);
    etlc_kv dict[16] = {{"host", host}, {"port", srv_port}, {"username", user},
                        {"password", password}, {"root", root}, {"proxy", ""},
                        {"retry_max", "0"}, {"connect_timeout", "5s"}};
    size_t n = 8;
    for (size_t i = 0; i < nextra && n < 16; i++) {
        size_t j = 0;
        while (j < n && strcmp(dict[j].key, extra[i].key) != 0)
            j++;
        dict[j] = extra[i]; /* replaces a base key of the same name */
        n += j == n;
    }
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = n};
    etlc_get_options go = {.no_reuse = true};
    return etlc_get_connection("ftp", &src, &go, c, err);
}

static etlc_connector *must_open(const char *srv_port, const char *dir, const etlc_kv *extra,
                                 size_t nextra)
{
    etlc_connector *c = NULL;
    etlc_error err = {0};
    int rc = open_ftp(srv_port, dir, extra, nextra, &c, &err);
    if (rc)
        fail_msg("connect: %s", err.message);
    return c;
}

typedef struct listing {
    char text[2048];
    etlc_resource v[16];
    char names[16][128];
    size_t n;
} listing;

static int collect(void *ud, const etlc_resource *res, etlc_error *err)
{
    listing *ls = ud;
    (void)err;
    snprintf(ls->text + strlen(ls->text), sizeof ls->text - strlen(ls->text), "%s:%lld|",
             res->name, (long long)res->size);
    if (ls->n < 16) {
        snprintf(ls->names[ls->n], sizeof ls->names[0], "%s", res->name);
        ls->v[ls->n] = *res;
        ls->v[ls->n].name = ls->names[ls->n];
        ls->n++;
    }
    return 0;
}

static int list(etlc_connector *c, const char *pattern, listing *ls, etlc_error *err)
{
    memset(ls, 0, sizeof *ls);
    etlc_list_request req = {.pattern = pattern, .recursive = true};
    return c->ops->bytes->list(c->ctx, &req, collect, ls, err);
}

typedef struct sink {
    char data[4096];
    size_t len;
    unsigned calls;
} sink;

static int on_bytes(void *ud, const void *data, size_t len, etlc_error *err)
{
    sink *s = ud;
    (void)err;
    assert_true(s->len + len < sizeof s->data);
    memcpy(s->data + s->len, data, len);
    s->len += len;
    s->calls++;
    return 0;
}

static void make_tree(const char *dir)
{
    fresh_dir(dir);
    put(dir, "b.csv", "b\n");
    put(dir, "a.txt", "text\n");
    put(dir, "a/z.csv", "zz\n");
    put(dir, "a/b/y.csv", "yyy\n");
    put(dir, "with space/n\xc3\xa9.csv", "utf8\n");
}

static void lists_by_mlsd_and_by_nlst_alike(void **state)
{
    (void)state;
    make_tree("list");
    etlc_connector *c = must_open(port, "list", NULL, 0);
    etlc_error err = {0};
    listing m, n;
    assert_int_equal(list(c, "**/*.csv", &m, &err), 0);
    assert_string_equal(m.text, "a/b/y.csv:4|a/z.csv:3|b.csv:2|with space/n\xc3\xa9.csv:5|");
    for (size_t i = 0; i < m.n; i++)
        assert_true(m.v[i].mtime_us > 0);
    listing top;
    assert_int_equal(list(c, "/*.csv", &top, &err), 0); /* a leading '/' is the root */
    assert_string_equal(top.text, "b.csv:2|");
    etlc_connector_release(c);

    /* The server without MLSD: auto falls back to NLST + SIZE + MDTM. */
    c = must_open(nomlsd_port, "list", NULL, 0);
    assert_int_equal(list(c, "**/*.csv", &n, &err), 0);
    assert_string_equal(n.text, m.text);
    for (size_t i = 0; i < n.n; i++)
        assert_int_equal(n.v[i].mtime_us / 1000000, m.v[i].mtime_us / 1000000);
    etlc_connector_release(c);

    /* listing=mlsd on that server is an error, not a silent fallback. */
    etlc_kv mlsd[] = {{"listing", "mlsd"}};
    c = must_open(nomlsd_port, "list", mlsd, 1);
    assert_int_not_equal(list(c, "**", &n, &err), 0);
    etlc_connector_release(c);
}

static void reads_resumes_and_notices_change(void **state)
{
    (void)state;
    fresh_dir("read");
    put("read", "data.txt", "0123456789abcdefghij");
    etlc_kv small[] = {{"chunk_size", "1024"}};
    etlc_connector *c = must_open(port, "read", small, 1);
    etlc_error err = {0};
    listing ls;
    assert_int_equal(list(c, NULL, &ls, &err), 0);
    assert_int_equal(ls.n, 1);
    sink s = {0};
    etlc_byte_consumer bc = {.on_bytes = on_bytes, .userdata = &s};
    assert_int_equal(c->ops->bytes->open(c->ctx, &ls.v[0], bc, &err), 0);
    assert_int_equal(s.len, 20);
    assert_memory_equal(s.data, "0123456789abcdefghij", 20);

    /* open_at: REST 12, the rest of the file only */
    memset(&s, 0, sizeof s);
    assert_non_null(c->ops->bytes->open_at);
    assert_int_equal(c->ops->bytes->open_at(c->ctx, &ls.v[0], 12, bc, &err), 0);
    assert_int_equal(s.len, 8);
    assert_memory_equal(s.data, "cdefghij", 8);
    assert_int_equal(c->ops->bytes->open_at(c->ctx, &ls.v[0], 20, bc, &err), ETLC_INVALID_ARGUMENT);

    /* the file grew since it was listed: ETLC_IO, retryable */
    put("read", "data.txt", "0123456789abcdefghij-and-more");
    memset(&s, 0, sizeof s);
    err = (etlc_error){0};
    assert_int_equal(c->ops->bytes->open(c->ctx, &ls.v[0], bc, &err), ETLC_IO);
    assert_true(err.retryable);
    assert_non_null(strstr(err.message, "changed"));

    /* a file gone since the listing */
    etlc_resource gone = {.name = "absent.txt", .size = 3};
    assert_int_equal(c->ops->bytes->open(c->ctx, &gone, bc, &err), ETLC_IO_NOT_FOUND);

    /* names that would leave the root, or carry a second command */
    const char *bad[] = {"../x", "/etc/passwd", "a/../../x", "a\r\nDELE b", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        etlc_resource r = {.name = bad[i], .size = 1};
        assert_int_equal(c->ops->bytes->open(c->ctx, &r, bc, &err), ETLC_IO_PATH);
        assert_int_equal(c->ops->bytes->remove(c->ctx, &r, &err), ETLC_IO_PATH);
    }
    etlc_connector_release(c);
}

/* Active mode: the server connects back (EPRT) to this end. */
static void active_mode_reads(void **state)
{
    (void)state;
    fresh_dir("active");
    put("active", "sub/act.csv", "active\n");
    etlc_kv active[] = {{"mode", "active"}};
    etlc_connector *c = must_open(port, "active", active, 1);
    etlc_error err = {0};
    listing ls;
    assert_int_equal(list(c, "**", &ls, &err), 0);
    assert_string_equal(ls.text, "sub/act.csv:7|");
    sink s = {0};
    etlc_byte_consumer bc = {.on_bytes = on_bytes, .userdata = &s};
    assert_int_equal(c->ops->bytes->open(c->ctx, &ls.v[0], bc, &err), 0);
    assert_int_equal(s.len, 7);
    assert_memory_equal(s.data, "active\n", 7);
    etlc_connector_release(c);
}

static void removes_and_moves(void **state)
{
    (void)state;
    fresh_dir("manage");
    put("manage", "in/one.csv", "1\n");
    put("manage", "in/two.csv", "2\n");
    put("manage", "in/three.csv", "3\n");
    etlc_connector *c = must_open(port, "manage", NULL, 0);
    etlc_error err = {0};
    etlc_resource one = {.name = "in/one.csv", .size = 2};
    etlc_resource two = {.name = "in/two.csv", .size = 2};
    etlc_resource three = {.name = "in/three.csv", .size = 2};
    assert_int_equal(c->ops->bytes->remove(c->ctx, &one, &err), 0);
    assert_false(exists("manage", "in/one.csv"));
    /* into a directory (trailing '/'), made on the way */
    assert_int_equal(c->ops->bytes->move(c->ctx, &two, "done/2026/", &err), 0);
    assert_false(exists("manage", "in/two.csv"));
    assert_true(exists("manage", "done/2026/two.csv"));
    /* to a full name */
    assert_int_equal(c->ops->bytes->move(c->ctx, &three, "done/renamed.csv", &err), 0);
    assert_true(exists("manage", "done/renamed.csv"));
    /* what is not there cannot be removed, and the connector keeps working */
    assert_int_not_equal(c->ops->bytes->remove(c->ctx, &one, &err), 0);
    assert_int_equal(c->ops->bytes->move(c->ctx, &two, "../out.csv", &err), ETLC_IO_PATH);
    listing ls;
    assert_int_equal(list(c, "**", &ls, &err), 0);
    assert_string_equal(ls.text, "done/2026/two.csv:2|done/renamed.csv:2|");
    etlc_connector_release(c);
}

static void ftps_explicit_verified(void **state)
{
    (void)state;
    fresh_dir("tls");
    put("tls", "secret.csv", "s\n");
    etlc_kv good[] = {{"tls", "explicit"}, {"ca_file", ca}};
    etlc_connector *c = must_open(tls_port, "tls", good, 2);
    etlc_error err = {0};
    etlc_health h = {0};
    assert_int_equal(c->ops->test(c->ctx, &h, &err), 0);
    assert_true(h.healthy);
    listing ls;
    assert_int_equal(list(c, "*.csv", &ls, &err), 0);
    assert_string_equal(ls.text, "secret.csv:2|");
    sink s = {0};
    etlc_byte_consumer bc = {.on_bytes = on_bytes, .userdata = &s};
    assert_int_equal(c->ops->bytes->open(c->ctx, &ls.v[0], bc, &err), 0);
    assert_int_equal(s.len, 2);
    etlc_connector_release(c);

    /* tls_verify is on by default: another CA is refused */
    etlc_kv wrong[] = {{"tls", "explicit"}, {"ca_file", wrong_ca}};
    c = must_open(tls_port, "tls", wrong, 2);
    err = (etlc_error){0};
    assert_int_equal(list(c, "*.csv", &ls, &err), ETLC_CONNECT);
    assert_non_null(strstr(err.message, "certificate"));
    etlc_connector_release(c);

    /* the plain-text login is refused by a server requiring TLS */
    c = must_open(tls_port, "tls", NULL, 0);
    assert_int_not_equal(list(c, "*.csv", &ls, &err), 0);
    etlc_connector_release(c);
}

static void url_and_wrong_password(void **state)
{
    (void)state;
    fresh_dir("url");
    put("url", "u.csv", "u\n");
    char url[512];
    snprintf(url, sizeof url, "ftp://%s:%s@%s:%s/%%2Furl", user, password, host, port);
    etlc_kv dict[] = {{"url", url}, {"proxy", ""}, {"retry_max", "0"}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 3};
    etlc_get_options go = {.no_reuse = true};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_get_connection("ftps" /* the alias */, &src, &go, &c, &err), 0);
    listing ls;
    assert_int_equal(list(c, "*", &ls, &err), 0);
    assert_string_equal(ls.text, "u.csv:2|");
    char source[128];
    c->ops->source_name(c->ctx, source, sizeof source);
    assert_string_equal(source, host);
    etlc_connector_release(c);

    etlc_kv bad[] = {{"password", "not-the-password-42"}};
    tu_capture_logs();
    c = NULL;
    int rc = open_ftp(port, "url", bad, 1, &c, &err);
    if (rc == 0) /* connect does not log in: the first use does */
        rc = list(c, "*", &ls, &err);
    assert_int_equal(rc, ETLC_AUTH);
    assert_null(strstr(err.message, "not-the-password-42"));
    assert_null(strstr(tu_logs(), "not-the-password-42"));
    etlc_connector_release(c);
}

int main(void)
{
    /* shared-service: ftp */
    if (shared_service_env("ftp", env_line, NULL) != 0 || !*port)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lists_by_mlsd_and_by_nlst_alike),
        cmocka_unit_test(reads_resumes_and_notices_change),
        cmocka_unit_test(active_mode_reads),
        cmocka_unit_test(removes_and_moves),
        cmocka_unit_test(ftps_explicit_verified),
        cmocka_unit_test(url_and_wrong_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
