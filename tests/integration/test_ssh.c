/* The ssh (SFTP) connector against a real OpenSSH sshd: the one instance of
 * tests/services/sshd this CTest run started (shared-service: sshd). Each
 * test works in its own directory under the served root. Covers key,
 * encrypted-key and password logins, strict host key checking (a changed
 * key and a wrong pin refused with the offered fingerprint), listing,
 * open, open_at (resume), remove, move, a file changed between listing and
 * reading, and a connection cut mid-file (our session's sshd processes
 * killed by id). */
#include "testutil.h"
#include "shared_service.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/connector_internal.h"
#include "core/internal.h"

#define ENV(k) getenv("ETLC_TEST_SSHD_" k)

static void setenv_line(const char *name, const char *value, void *ud)
{
    (void)ud;
    setenv(name, value, 1);
}

static int setup(void **state)
{
    (void)state;
    return shared_service_env("sshd", setenv_line, NULL) == 0 && ENV("PORT") ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    etlc_close_all_connections();
    return 0;
}

/* ---- helpers --------------------------------------------------------------- */

/* This test's own directory under the served root (malloc'd, empty). */
static char *test_dir(const char *tag)
{
    etlc__buf b = {0};
    assert_int_equal(etlc__buf_printf(&b, "%s/c_%s_%d", ENV("ROOT"), tag, (int)getpid()), 0);
    tu_rmtree(b.data);
    assert_int_equal(mkdir(b.data, 0755), 0);
    return etlc__buf_take(&b);
}

static void put(const char *dir, const char *rel, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
        *s = '\0';
        mkdir(path, 0755);
        *s = '/';
    }
    assert_int_equal(tu_write_file(path, text), 0);
}

/* The sftp user may change what the test wrote (remove, move). */
static void give_to_user(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "chown -R '%s' '%s'", ENV("USER"), dir);
    assert_int_equal(system(cmd), 0);
}

typedef struct conf {
    etlc_kv kv[16];
    size_t n;
} conf;

static void set(conf *c, const char *k, const char *v)
{
    c->kv[c->n++] = (etlc_kv){k, v};
}

/* host, port, user, root; the caller adds auth and host key settings. */
static conf base(const char *root)
{
    conf c = {0};
    set(&c, "host", ENV("HOST"));
    set(&c, "port", ENV("PORT"));
    set(&c, "username", ENV("USER"));
    set(&c, "root", root);
    set(&c, "retry_max", "0");
    return c;
}

static int open_ssh(const conf *c, etlc_connector **out, etlc_error *err)
{
    etlc_config_sources src = {.env_prefix = "", .overrides = c->kv, .overrides_len = c->n};
    etlc_get_options opts = {.no_reuse = true};
    return etlc_get_connection("ssh", &src, &opts, out, err);
}

static etlc_connector *open_ok(const conf *c)
{
    etlc_connector *conn = NULL;
    etlc_error err = {0};
    int rc = open_ssh(c, &conn, &err);
    if (rc != 0)
        fail_msg("connect failed: %s", err.message);
    return conn;
}

static conf key_conf(const char *root)
{
    conf c = base(root);
    set(&c, "private_key", ENV("KEY"));
    set(&c, "known_hosts", ENV("KNOWN_HOSTS"));
    return c;
}

typedef struct names {
    etlc__buf text; /* "name:size," ... */
    int64_t mtime_us;
} names;

static int collect(void *ud, const etlc_resource *res, etlc_error *err)
{
    (void)err;
    names *n = ud;
    n->mtime_us = res->mtime_us;
    return etlc__buf_printf(&n->text, "%s:%lld,", res->name, (long long)res->size);
}

static char *list(etlc_connector *c, const char *pattern, int *rc_out)
{
    names n = {0};
    etlc_error err = {0};
    etlc_list_request req = {.pattern = pattern, .recursive = true};
    int rc = c->ops->bytes->list(c->ctx, &req, collect, &n, &err);
    if (rc_out)
        *rc_out = rc;
    else if (rc != 0)
        fail_msg("list failed: %s", err.message);
    if (!n.text.data)
        return etlc__strdup("");
    return etlc__buf_take(&n.text);
}

typedef struct sink {
    etlc__buf data;
    void (*after_first)(void);
    int chunks;
} sink;

static int on_bytes(void *ud, const void *data, size_t len, etlc_error *err)
{
    (void)err;
    sink *s = ud;
    if (s->chunks++ == 0 && s->after_first)
        s->after_first();
    return etlc__buf_append(&s->data, data, len) ? ETLC_NO_MEMORY : 0;
}

/* ---- logins and host keys ---------------------------------------------------- */

static void test_key_login_lists_in_byte_order(void **state)
{
    (void)state;
    char *dir = test_dir("list");
    put(dir, "b.csv", "bb\n");
    put(dir, "a.csv", "a\n");
    put(dir, "sub/deep/z.csv", "zzzz\n");
    put(dir, "sub/y.txt", "y\n");
    put(dir, "B.csv", "B\n");
    char link[4200];
    snprintf(link, sizeof link, "%s/link.csv", dir);
    assert_int_equal(symlink("a.csv", link), 0);
    conf c = key_conf(dir);
    etlc_connector *conn = open_ok(&c);
    char *all = list(conn, "**", NULL);
    /* byte order, sizes, the link skipped (follow_symlinks off) */
    assert_string_equal(all, "B.csv:2,a.csv:2,b.csv:3,sub/deep/z.csv:5,sub/y.txt:2,");
    char *top = list(conn, "*.csv", NULL);
    assert_string_equal(top, "B.csv:2,a.csv:2,b.csv:3,");
    char *prefixed = list(conn, "/sub/*", NULL);
    assert_string_equal(prefixed, "sub/y.txt:2,");
    int rc = 0;
    char *missing = list(conn, "nothere/*.csv", &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(missing, "");
    names n = {0};
    etlc_error err = {0};
    etlc_list_request req = {.pattern = "a.csv"};
    assert_int_equal(conn->ops->bytes->list(conn->ctx, &req, collect, &n, &err), 0);
    struct stat st;
    char path[4200];
    snprintf(path, sizeof path, "%s/a.csv", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(n.mtime_us, (int64_t)st.st_mtime * 1000000);
    etlc__buf_free(&n.text);
    etlc_connector_release(conn);
    /* following links: the link is listed as a file */
    set(&c, "follow_symlinks", "true");
    conn = open_ok(&c);
    char *followed = list(conn, "*.csv", NULL);
    assert_string_equal(followed, "B.csv:2,a.csv:2,b.csv:3,link.csv:2,");
    etlc_connector_release(conn);
    free(all);
    free(top);
    free(prefixed);
    free(missing);
    free(followed);
    tu_rmtree(dir);
    free(dir);
}

static void expect_healthy(const conf *c)
{
    etlc_health h;
    etlc_error err = {0};
    etlc_config_sources src = {.env_prefix = "", .overrides = c->kv, .overrides_len = c->n};
    int rc = etlc_test_connection("sftp", &src, &h, &err);
    if (rc != 0 || !h.healthy)
        fail_msg("unhealthy: %s / %s", h.detail, err.message);
    assert_non_null(strstr(h.server_version, "OpenSSH"));
}

static void test_password_and_encrypted_key_logins(void **state)
{
    (void)state;
    char *dir = test_dir("auth");
    conf pw = base(dir);
    set(&pw, "password", ENV("PASSWORD"));
    set(&pw, "known_hosts", ENV("KNOWN_HOSTS"));
    expect_healthy(&pw);
    /* a port that takes passwords only by keyboard-interactive */
    conf kbd = pw;
    kbd.kv[1].value = ENV("KBDINT_PORT");
    expect_healthy(&kbd);
    conf kbd_bad = kbd;
    kbd_bad.kv[5].value = "etlc-canary-kbd-1c2d3e";
    etlc_connector *kconn = NULL;
    etlc_error kerr = {0};
    assert_int_equal(open_ssh(&kbd_bad, &kconn, &kerr), ETLC_AUTH);
    assert_non_null(strstr(kerr.message, "tried: keyboard-interactive"));
    assert_null(strstr(kerr.message, "etlc-canary-kbd-1c2d3e"));
    conf pp = base(dir);
    set(&pp, "private_key", ENV("KEY_PASSPHRASE_FILE"));
    set(&pp, "private_key_passphrase", ENV("KEY_PASSPHRASE"));
    set(&pp, "known_hosts", ENV("KNOWN_HOSTS"));
    expect_healthy(&pp);
    /* a root that is not there: CONNECT_NOT_FOUND naming it */
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/absent", dir);
    conf m = key_conf(missing);
    etlc_connector *conn = NULL;
    etlc_error err = {0};
    assert_int_equal(open_ssh(&m, &conn, &err), ETLC_CONNECT_NOT_FOUND);
    assert_non_null(strstr(err.message, missing));
    tu_rmtree(dir);
    free(dir);
}

static void test_wrong_password_is_auth_without_the_password(void **state)
{
    (void)state;
    char *dir = test_dir("badpw");
    conf c = base(dir);
    const char *canary = "etlc-canary-pw-5d1f0a";
    set(&c, "password", canary);
    set(&c, "known_hosts", ENV("KNOWN_HOSTS"));
    tu_capture_logs();
    etlc_connector *conn = NULL;
    etlc_error err = {0};
    assert_int_equal(open_ssh(&c, &conn, &err), ETLC_AUTH);
    assert_null(conn);
    assert_non_null(strstr(err.message, "tried: password"));
    assert_null(strstr(err.message, canary));
    assert_null(strstr(tu_logs(), canary));
    /* a wrong passphrase the same way */
    conf k = base(dir);
    const char *pcanary = "etlc-canary-pp-77e2c9";
    set(&k, "private_key", ENV("KEY_PASSPHRASE_FILE"));
    set(&k, "private_key_passphrase", pcanary);
    set(&k, "known_hosts", ENV("KNOWN_HOSTS"));
    assert_int_equal(open_ssh(&k, &conn, &err), ETLC_AUTH);
    assert_null(strstr(err.message, pcanary));
    assert_null(strstr(tu_logs(), pcanary));
    tu_rmtree(dir);
    free(dir);
}

static void test_changed_host_key_is_refused_showing_the_offered_key(void **state)
{
    (void)state;
    char *dir = test_dir("hostkey");
    conf c = base(dir);
    set(&c, "password", ENV("PASSWORD"));
    set(&c, "known_hosts", ENV("KNOWN_HOSTS_CHANGED"));
    etlc_connector *conn = NULL;
    etlc_error err = {0};
    assert_int_equal(open_ssh(&c, &conn, &err), ETLC_CONNECT);
    assert_false(err.retryable);
    assert_non_null(strstr(err.message, "HOST KEY CHANGED"));
    assert_non_null(strstr(err.message, ENV("HOST_KEY_SHA256")));
    /* a host missing from known_hosts: refused as well */
    char empty[4200];
    snprintf(empty, sizeof empty, "%s/empty_known_hosts", dir);
    assert_int_equal(tu_write_file(empty, "# nothing\n"), 0);
    c.kv[c.n - 1].value = empty;
    assert_int_equal(open_ssh(&c, &conn, &err), ETLC_CONNECT);
    assert_non_null(strstr(err.message, "unknown host key"));
    /* the key libssh2 asked for, whichever of the server's two */
    assert_true(strstr(err.message, ENV("HOST_KEY_SHA256")) || strstr(err.message, ENV("ECDSA_KEY_SHA256")));
    tu_rmtree(dir);
    free(dir);
}

/* The server has an ed25519 and an ECDSA host key; libssh2 asks for ECDSA
 * first. A pin of either is found; a pin of neither is refused naming both. */
static void test_pin_by_sha256(void **state)
{
    (void)state;
    char *dir = test_dir("pin");
    conf c = base(dir);
    set(&c, "password", ENV("PASSWORD"));
    set(&c, "host_key_sha256", ENV("HOST_KEY_SHA256")); /* ed25519, with "SHA256:" */
    expect_healthy(&c);
    c.kv[c.n - 1].value = ENV("HOST_KEY_SHA256") + 7;    /* the base64 alone */
    expect_healthy(&c);
    c.kv[c.n - 1].value = ENV("ECDSA_KEY_SHA256");
    expect_healthy(&c);
    c.kv[c.n - 1].value = ENV("OTHER_KEY_SHA256");
    etlc_connector *conn = NULL;
    etlc_error err = {0};
    assert_int_equal(open_ssh(&c, &conn, &err), ETLC_CONNECT);
    assert_false(err.retryable);
    assert_non_null(strstr(err.message, "host key mismatch"));
    assert_non_null(strstr(err.message, ENV("HOST_KEY_SHA256")));
    assert_non_null(strstr(err.message, ENV("ECDSA_KEY_SHA256")));
    /* host_key_algorithms narrows what is asked for: the ed25519 pin no longer matches */
    c.kv[c.n - 1].value = ENV("HOST_KEY_SHA256");
    set(&c, "host_key_algorithms", "ecdsa-sha2-nistp256");
    assert_int_equal(open_ssh(&c, &conn, &err), ETLC_CONNECT);
    assert_non_null(strstr(err.message, ENV("ECDSA_KEY_SHA256")));
    tu_rmtree(dir);
    free(dir);
}

/* ---- reading, resuming, changing ------------------------------------------- */

static void test_open_and_open_at(void **state)
{
    (void)state;
    char *dir = test_dir("read");
    char big[300001];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = (char)('a' + i % 26);
    big[sizeof big - 1] = '\0';
    put(dir, "big.txt", big);
    conf c = key_conf(dir);
    set(&c, "chunk_size", "4096");
    etlc_connector *conn = open_ok(&c);
    char *ls = list(conn, "big.txt", NULL);
    assert_string_equal(ls, "big.txt:300000,");
    struct stat st;
    char path[4200];
    snprintf(path, sizeof path, "%s/big.txt", dir);
    assert_int_equal(stat(path, &st), 0);
    etlc_resource res = {.name = "big.txt", .size = 300000, .mtime_us = (int64_t)st.st_mtime * 1000000};
    sink s = {0};
    etlc_error err = {0};
    assert_int_equal(conn->ops->bytes->open(conn->ctx, &res, (etlc_byte_consumer){on_bytes, &s}, &err), 0);
    assert_int_equal(s.data.len, 300000);
    assert_memory_equal(s.data.data, big, 300000);
    etlc__buf_free(&s.data);
    sink tail = {0};
    assert_int_equal(conn->ops->bytes->open_at(conn->ctx, &res, 123457, (etlc_byte_consumer){on_bytes, &tail}, &err), 0);
    assert_int_equal(tail.data.len, 300000 - 123457);
    assert_memory_equal(tail.data.data, big + 123457, 300000 - 123457);
    etlc__buf_free(&tail.data);
    /* listed with another size: the file changed, nothing handed on as whole */
    etlc_resource stale = res;
    stale.size = 299999;
    sink s2 = {0};
    assert_int_equal(conn->ops->bytes->open(conn->ctx, &stale, (etlc_byte_consumer){on_bytes, &s2}, &err), ETLC_IO);
    assert_true(err.retryable);
    assert_non_null(strstr(err.message, "changed"));
    etlc__buf_free(&s2.data);
    /* names that climb out of the root are refused */
    etlc_resource evil = {.name = "../c_other/x", .size = -1};
    assert_int_equal(conn->ops->bytes->open(conn->ctx, &evil, (etlc_byte_consumer){on_bytes, &s2}, &err), ETLC_IO_PATH);
    etlc_connector_release(conn);
    free(ls);
    tu_rmtree(dir);
    free(dir);
}

static void test_remove_and_move(void **state)
{
    (void)state;
    char *dir = test_dir("change");
    put(dir, "in/a.csv", "a\n");
    put(dir, "in/b.csv", "b\n");
    put(dir, "done/sub/b.csv", "older b\n");
    give_to_user(dir);
    conf c = key_conf(dir);
    etlc_connector *conn = open_ok(&c);
    etlc_error err = {0};
    etlc_resource a = {.name = "in/a.csv", .size = 2}, b = {.name = "in/b.csv", .size = 2};
    assert_int_equal(conn->ops->bytes->remove(conn->ctx, &a, &err), 0);
    assert_int_equal(conn->ops->bytes->move(conn->ctx, &b, "archive/2026/11/b.csv", &err), 0);
    char *ls = list(conn, "**", NULL);
    assert_string_equal(ls, "archive/2026/11/b.csv:2,done/sub/b.csv:8,");
    /* onto an existing older copy: replaced, as mv would */
    etlc_resource moved = {.name = "archive/2026/11/b.csv", .size = 2};
    assert_int_equal(conn->ops->bytes->move(conn->ctx, &moved, "done/sub/b.csv", &err), 0);
    char *ls2 = list(conn, "**", NULL);
    assert_string_equal(ls2, "done/sub/b.csv:2,");
    /* removing what is gone: IO_NOT_FOUND */
    assert_int_equal(conn->ops->bytes->remove(conn->ctx, &a, &err), ETLC_IO_NOT_FOUND);
    etlc_connector_release(conn);
    free(ls);
    free(ls2);
    tu_rmtree(dir);
    free(dir);
}

/* Kill (by id) the sshd processes serving this process's connections. */
static void cut_our_sessions(void)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "for lp in $(ss -tnpH 'dport = :%s' | grep 'pid=%d,' | awk '{print $4}' | sed 's/.*://'); do "
             "for p in $(ss -tnpH \"sport = :%s and dport = :$lp\" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u); do "
             "kill -9 $p; done; done",
             ENV("PORT"), (int)getpid(), ENV("PORT"));
    if (system(cmd) != 0)
        fprintf(stderr, "cut_our_sessions: the shell failed\n");
}

static void test_connection_cut_mid_file_then_reconnect(void **state)
{
    (void)state;
    char *dir = test_dir("cut");
    size_t size = 8u << 20;
    char *big = malloc(size + 1);
    assert_non_null(big);
    memset(big, 'x', size);
    big[size] = '\0';
    put(dir, "big.bin", big);
    free(big);
    conf c = key_conf(dir);
    set(&c, "chunk_size", "4096");
    set(&c, "low_speed_time", "5s");
    etlc_connector *conn = open_ok(&c);
    char path[4200];
    snprintf(path, sizeof path, "%s/big.bin", dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    etlc_resource res = {.name = "big.bin", .size = (int64_t)size, .mtime_us = (int64_t)st.st_mtime * 1000000};
    sink s = {.after_first = cut_our_sessions};
    etlc_error err = {0};
    int rc = conn->ops->bytes->open(conn->ctx, &res, (etlc_byte_consumer){on_bytes, &s}, &err);
    assert_int_equal(rc, ETLC_IO);
    assert_true(err.retryable);
    assert_true(s.data.len < size);
    etlc__buf_free(&s.data);
    /* the next call connects again and reads the whole file */
    sink again = {0};
    assert_int_equal(conn->ops->bytes->open(conn->ctx, &res, (etlc_byte_consumer){on_bytes, &again}, &err), 0);
    assert_int_equal(again.data.len, size);
    etlc__buf_free(&again.data);
    etlc_connector_release(conn);
    tu_rmtree(dir);
    free(dir);
}

/* A session that died while idle (a cached connector) is connected again
 * by the next list or open, which then succeeds. */
static void test_idle_session_cut_is_reconnected(void **state)
{
    (void)state;
    char *dir = test_dir("idle");
    put(dir, "a.csv", "abc\n");
    conf c = key_conf(dir);
    etlc_connector *conn = open_ok(&c);
    tu_capture_logs();
    tu_clear_logs();
    cut_our_sessions();
    usleep(100000);
    char *ls = list(conn, "**", NULL);
    assert_string_equal(ls, "a.csv:4,");
    assert_non_null(strstr(tu_logs(), "connecting again")); /* the cut was seen */
    tu_clear_logs();
    cut_our_sessions();
    usleep(100000);
    etlc_resource res = {.name = "a.csv", .size = 4};
    sink s = {0};
    etlc_error err = {0};
    assert_int_equal(conn->ops->bytes->open(conn->ctx, &res, (etlc_byte_consumer){on_bytes, &s}, &err), 0);
    assert_int_equal(s.data.len, 4);
    assert_memory_equal(s.data.data, "abc\n", 4);
    assert_non_null(strstr(tu_logs(), "connecting again"));
    etlc__buf_free(&s.data);
    etlc_connector_release(conn);
    free(ls);
    tu_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_login_lists_in_byte_order),
        cmocka_unit_test(test_password_and_encrypted_key_logins),
        cmocka_unit_test(test_wrong_password_is_auth_without_the_password),
        cmocka_unit_test(test_changed_host_key_is_refused_showing_the_offered_key),
        cmocka_unit_test(test_pin_by_sha256),
        cmocka_unit_test(test_open_and_open_at),
        cmocka_unit_test(test_remove_and_move),
        cmocka_unit_test(test_connection_cut_mid_file_then_reconnect),
        cmocka_unit_test(test_idle_session_cut_is_reconnected),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
