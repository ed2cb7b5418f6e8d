/* Allocation failures: fail the 1st, 2nd, ... allocation of each config
 * entry point; every run must give ETLC_NO_MEMORY (or succeed once the
 * failure falls past the end) and leave no allocation behind. libyaml's
 * own allocations cannot be routed (docs/testing.md) and do not fail.
 *
 * The library's fault injector (core/fault.h) makes the allocations fail:
 * built with -DETLCONN_FAULT_INJECTION=ON only, and run under ASan too
 * (every allocation there as well: the scenarios are small). */
#include "config_fixture.h"

#include <errno.h>
#include <openssl/err.h>

#include "nomem_alloc.h"


typedef int (*scenario_fn)(void *ctx);

static etlc_error last_err; /* the scenario's last error, for failure messages */

/* Run `fn` failing allocation 1, 2, ... until it succeeds. */
static void each_allocation_fails(const char *what, scenario_fn fn, void *ctx)
{
    assert_int_equal(fn(ctx), 0); /* warm-up: one-time library state */
    /* OpenSSL keeps a per-thread error queue once an error happens: create it now. */
    ERR_raise(ERR_LIB_EVP, ERR_R_MALLOC_FAILURE);
    ERR_clear_error();
    long n;
    for (n = 1; n < 20000; n++) {
        long before = nomem_heap_in_use();
        nomem_arm(n);
        int rc = fn(ctx);
        nomem_disarm();
        ERR_clear_error();
        long leaked = nomem_heap_in_use() - before;
        if (leaked)
            fail_msg("%s: failing allocation %ld leaked %ld byte(s) (rc %s)", what, n, leaked, etlc_code_name(rc));
        if (rc == 0 && nomem_seen() < n)
            break; /* the failure fell past the last allocation */
        if (rc != 0 && rc != ETLC_NO_MEMORY)
            fail_msg("%s: failing allocation %ld gave %s, not NO_MEMORY: %s", what, n,
                     etlc_code_name(rc), last_err.message);
    }
    print_message("%s: %ld allocations failed in turn\n", what, n - 1);
    assert_true(n > 5); /* the scenario did allocate */
}

typedef struct load_ctx {
    etlc_config_sources src;
} load_ctx;

static int do_load_and_dump(void *p)
{
    load_ctx *ctx = p;
    etlc_error err = {0};
    etlc_config *cfg = NULL;
    int rc = etlc_config_load(&fx_table, &ctx->src, &cfg, &err);
    last_err = err;
    if (rc)
        return rc;
    char *text = NULL, *json = NULL, *norm = NULL, sha[65];
    rc = etlc_config_to_text(cfg, &text, &err);
    if (rc == 0)
        rc = etlc_config_to_json(cfg, &json, &err);
    if (rc == 0)
        rc = etlc_config_fingerprint(cfg, &norm, sha);
    free(text);
    free(json);
    free(norm);
    etlc_config_free(cfg);
    return rc;
}

static int do_render(void *p)
{
    (void)p;
    char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
    int rc = etlc_options_to_json(&fx_table, &a, NULL);
    if (rc == 0)
        rc = etlc_options_to_markdown(&fx_table, &b, NULL);
    if (rc == 0)
        rc = etlc_options_example(&fx_table, "json", &c, NULL);
    if (rc == 0)
        rc = etlc_options_example(&fx_table, "yaml", &d, NULL);
    free(a);
    free(b);
    free(c);
    free(d);
    return rc;
}

static int do_file_protocol(void *p)
{
    char *proto = NULL;
    int rc = etlc_config_file_protocol(p, &proto, &last_err);
    free(proto);
    return rc;
}

static void nomem_load_yaml(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cfg-nomem");
    char *path = fx_write(dir, "c.yaml",
                          "protocol: testdb\ndatabase_path: ~/x.db\nuser: u\ntables: [a, b, c]\n"
                          "busy_timeout: 2s\nlog_dir: null\n");
    setenv("TESTDB_MAX_ROWS", "7", 1);
    etlc_kv dict[] = {{"read_only", "yes"}};
    etlc_kv over[] = {{"journal_mode", "memory"}, {"password", "nomem-secret-1"}};
    etlc_redact_register_secret("nomem-secret-1"); /* the registry keeps its copy for good */
    load_ctx ctx = {{.file = path, .dict = dict, .dict_len = 1, .overrides = over, .overrides_len = 2}};
    each_allocation_fails("yaml load", do_load_and_dump, &ctx);
    each_allocation_fails("yaml protocol", do_file_protocol, path);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

static void nomem_load_json(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cfg-nomem");
    char *path = fx_write(dir, "c.json",
                          "{\"protocol\": \"testdb\", \"database_path\": \"/x.db\",\n"
                          " \"us\\u0065r\": \"u\", \"tables\": [\"a\", 2], \"sample_ratio\": 0.25}\n");
    load_ctx ctx = {{.file = path, .env_prefix = "", .allow_missing_required = true}};
    each_allocation_fails("json load", do_load_and_dump, &ctx);
    each_allocation_fails("json protocol", do_file_protocol, path);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

static void nomem_render(void **state)
{
    (void)state;
    each_allocation_fails("options render", do_render, NULL);
}

int main(int argc, char **argv)
{
    (void)argc;
    nomem_main_setup(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(nomem_load_yaml, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(nomem_load_json, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(nomem_render, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
