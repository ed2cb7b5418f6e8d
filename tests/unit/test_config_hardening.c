/* Config parsing under hostile input (issue 15, classes 1 and 15):
 * a parse error never quotes value text (a fuzz over every byte of a config
 * holding an unregistered password), many keys stay linear, YAML nests no
 * deeper than JSON, and numbers in a config are decimal only. */
#include <math.h>
#include <time.h>

#include "config_fixture.h"
#include "core/internal.h"

#define CANARY "Qz7Canary-S3cr3t-Pw"

/* The YAML, --set and env cases use their own canary: the JSON fuzz may
 * load a config whole, which registers CANARY as a secret. */
#define CANARY2 "Wm4Other-Pa55-Value"

/* No 5-character piece of the canary (either one) appears in msg. */
static void assert_no_piece_of(const char *canary, const char *msg, const char *what)
{
    size_t n = strlen(canary);
    for (size_t i = 0; i + 5 <= n; i++) {
        char piece[6];
        memcpy(piece, canary + i, 5);
        piece[5] = '\0';
        if (strstr(msg, piece))
            fail_msg("%s: a piece of the value ('%s') is in the message: %s", what, piece, msg);
    }
}

static void assert_no_canary_piece(const char *msg, const char *what)
{
    assert_no_piece_of(CANARY, msg, what);
    assert_no_piece_of(CANARY2, msg, what);
}

static int load_file(const char *path, etlc_error *err)
{
    etlc_config *cfg = NULL;
    etlc_config_sources src = {.file = path};
    etlc_error_clear(err);
    int rc = etlc_config_load(&fx_table, &src, &cfg, err);
    etlc_config_free(cfg);
    return rc;
}

/* Class 1, JSON: corrupt a valid config at every byte (insert or replace
 * with characters that break JSON); whatever error comes back quotes no
 * piece of the password. Parse errors give line, column and the key. */
static void json_parse_errors_never_quote_values(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cfg-hard-json");
    const char *good = "{\"protocol\": \"testdb\", \"database_path\": \"/tmp/x.db\",\n"
                       " \"user\": \"bob\", \"password\": \"" CANARY "\"}\n";
    static const char breakers[] = {'\\', '"', '\x01', '}', ':', ',', '{', '[', 'x', '\n', '\xff'};
    size_t n = strlen(good), parse_errors = 0;
    char *text = malloc(n + 2), path[4200];
    snprintf(path, sizeof path, "%s/c.json", dir);
    for (size_t at = 0; at < n; at++) {
        for (size_t k = 0; k < sizeof breakers; k++) {
            for (int replace = 0; replace < 2; replace++) {
                memcpy(text, good, at);
                text[at] = breakers[k];
                memcpy(text + at + 1, good + at + (size_t)replace, n - at - (size_t)replace + 1);
                assert_int_equal(tu_write_file(path, text), 0);
                etlc_error err;
                int rc = load_file(path, &err);
                if (rc == ETLC_CONFIG_PARSE)
                    parse_errors++;
                assert_no_canary_piece(err.message, text);
            }
        }
    }
    assert_true(parse_errors > n); /* the fuzz did reach the parser's errors */
    free(text);

    /* The example: line, column and the key, no value. */
    assert_int_equal(tu_write_file(path, "{\"protocol\":\"testdb\",\n\"password\":\"" CANARY "\\q\"}"), 0);
    etlc_error err;
    assert_int_equal(load_file(path, &err), ETLC_CONFIG_PARSE);
    assert_no_canary_piece(err.message, "invalid escape");
    char want[4300];
    snprintf(want, sizeof want, "%s:2:", path);
    assert_non_null(strstr(err.message, want));
    assert_non_null(strstr(err.message, "invalid escape"));
    assert_non_null(strstr(err.message, "key 'password'"));
    /* A value followed by a stray ':' is never taken for a key name. */
    assert_int_equal(tu_write_file(path, "{\"password\":\"" CANARY "\": 1}"), 0);
    assert_int_equal(load_file(path, &err), ETLC_CONFIG_PARSE);
    assert_no_canary_piece(err.message, "stray colon");
    tu_rmtree(dir);
    free(dir);
}

/* Class 1, YAML, --set and env: the same rule. */
static void yaml_set_and_env_errors_never_quote_values(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cfg-hard-yaml");
    char path[4200];
    snprintf(path, sizeof path, "%s/c.yaml", dir);
    const char *bad[] = {
        "protocol: testdb\npassword: \"" CANARY2 "\\q\"\n",
        "protocol: testdb\npassword: \"" CANARY2 "\n",
        "protocol: testdb\npassword: '" CANARY2 "\n",
        "protocol: testdb\npassword: " CANARY2 ": x: y\n",
        "protocol: testdb\npassword: [" CANARY2 "\n",
        "protocol: testdb\npassword: {" CANARY2 "\n",
        "protocol: testdb\npassword: " CANARY2 "\n\tuser: x\n",
        "protocol: testdb\npassword: *" CANARY2 "\n",
        "protocol: testdb\npassword: !" CANARY2 " x\n",
        "protocol: testdb\npassword: " CANARY2 "\n---\nb: 1\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(tu_write_file(path, bad[i]), 0);
        etlc_error err;
        int rc = load_file(path, &err);
        assert_int_not_equal(rc, 0);
        assert_no_canary_piece(err.message, bad[i]);
    }
    /* --set given the value without its key. */
    etlc_error err = {0};
    char *k = NULL, *v = NULL;
    assert_int_equal(etlc_kv_parse(CANARY2, &k, &v, &err), ETLC_INVALID_ARGUMENT);
    assert_no_canary_piece(err.message, "--set");
    assert_non_null(strstr(err.message, "KEY=VALUE"));
    /* A secret from the environment that does not parse: the key, not the value. */
    setenv("TESTDB_SECRET_PIN", CANARY2, 1);
    etlc_kv base[] = {{"database_path", "/tmp/x.db"}, {"user", "bob"}};
    etlc_config_sources src = {.dict = base, .dict_len = 2};
    etlc_config *cfg = NULL;
    assert_int_equal(etlc_config_load(&fx_table, &src, &cfg, &err), ETLC_CONFIG_TYPE);
    assert_no_canary_piece(err.message, "env");
    assert_non_null(strstr(err.message, "secret_pin"));
    unsetenv("TESTDB_SECRET_PIN");
    tu_rmtree(dir);
    free(dir);
}

/* This thread's CPU time: a loaded machine (CI runs tests in parallel)
 * delays the thread but does not add to it, so the ratio below holds. */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds to read a config of `nkeys` keys (JSON or YAML) that fails at
 * its first key, which is unknown: the whole file is parsed first. */
static double time_keys(const char *dir, bool yaml, size_t nkeys)
{
    etlc__buf b = {0};
    if (!yaml)
        assert_int_equal(etlc__buf_puts(&b, "{"), 0);
    for (size_t i = 0; i < nkeys; i++) {
        int rc = yaml ? etlc__buf_printf(&b, "key_%zu: %zu\n", i, i)
                      : etlc__buf_printf(&b, "%s\"key_%zu\": %zu\n", i ? "," : "", i, i);
        assert_int_equal(rc, 0);
    }
    if (!yaml)
        assert_int_equal(etlc__buf_puts(&b, "}"), 0);
    char path[4200];
    snprintf(path, sizeof path, "%s/many%zu.%s", dir, nkeys, yaml ? "yaml" : "json");
    assert_int_equal(tu_write_file(path, b.data), 0);
    etlc__buf_free(&b);
    etlc_error err;
    double t0 = now_s();
    int rc = load_file(path, &err);
    double took = now_s() - t0;
    assert_int_equal(rc, ETLC_CONFIG_UNKNOWN_KEY);
    assert_non_null(strstr(err.message, "key_0"));
    print_message("%s: %zu keys in %.3f s\n", yaml ? "yaml" : "json", nkeys, took);
    return took;
}

/* Class 15: reading keys is linear (it was quadratic: 20k keys took 4 s,
 * 200k did not finish). 25k keys first, then 200k: eight times the keys
 * must take about eight times as long (32 allowed: caches, sanitizers),
 * never the 64 times of a square. */
static void many_keys_are_linear(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cfg-hard-keys");
    for (int yaml = 0; yaml < 2; yaml++) {
        /* the best of a few runs: page faults and cache misses of a first
         * run are not the parser's complexity */
        double small = time_keys(dir, yaml, 25000); /* ~0.1 s; quadratic, 12 s */
        for (int again = 0; again < 2; again++)
            small = fmin(small, time_keys(dir, yaml, 25000));
        if (small > 3.0)
            fail_msg("%s: 25k keys took %.2f s", yaml ? "yaml" : "json", small);
        double big = time_keys(dir, yaml, 200000); /* ~1 s; 4 s under ASan */
        if (big > 32 * small + 1.0)
            big = fmin(big, time_keys(dir, yaml, 200000));
        if (big > 32 * small + 1.0 || big > 60.0)
            fail_msg("%s: 200k keys took %.2f s, 25k %.2f s: not linear", yaml ? "yaml" : "json", big, small);
    }
    tu_rmtree(dir);
    free(dir);
}

/* `depth` nested sequences as the value of key tables (the top mapping is
 * level 1), in JSON or YAML flow style. */
static char *nested(const char *dir, bool yaml, int depth)
{
    etlc__buf b = {0};
    assert_int_equal(etlc__buf_puts(&b, yaml ? "tables: " : "{\"tables\": "), 0);
    for (int i = 1; i < depth; i++)
        assert_int_equal(etlc__buf_putc(&b, '['), 0);
    for (int i = 1; i < depth; i++)
        assert_int_equal(etlc__buf_putc(&b, ']'), 0);
    assert_int_equal(etlc__buf_puts(&b, yaml ? "\n" : "}\n"), 0);
    char *path = malloc(4200);
    snprintf(path, 4200, "%s/deep%d.%s", dir, depth, yaml ? "yaml" : "json");
    assert_int_equal(tu_write_file(path, b.data), 0);
    etlc__buf_free(&b);
    return path;
}

/* Class 15: YAML refuses the nesting JSON refuses, and accepts what it accepts. */
static void yaml_nests_no_deeper_than_json(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cfg-hard-deep");
    const int depths[] = {2048, 2049, 100000};
    for (size_t d = 0; d < 3; d++) {
        int rcs[2];
        for (int yaml = 0; yaml < 2; yaml++) {
            char *path = nested(dir, yaml, depths[d]);
            etlc_error err;
            rcs[yaml] = load_file(path, &err);
            if (depths[d] > 2048) {
                assert_int_equal(rcs[yaml], ETLC_CONFIG_PARSE);
                assert_true(strstr(err.message, "depth") || strstr(err.message, "nesting"));
            } else {
                if (rcs[yaml] != ETLC_CONFIG_TYPE) /* parsed; a nested value for key a */
                    fail_msg("%s depth %d: %s", yaml ? "yaml" : "json", depths[d], err.message);
            }
            free(path);
        }
        assert_int_equal(rcs[0], rcs[1]);
    }
    tu_rmtree(dir);
    free(dir);
}

/* Class 15: durations and floats are decimal: no hex, no inf/nan. */
static void numbers_are_decimal(void **state)
{
    (void)state;
    static const char *const bad_durations[] = {"0x10", "0x1p3", "0X10s", "inf", "nan", "infinity", "-0x1", "0x.8p1ms"};
    for (size_t i = 0; i < sizeof bad_durations / sizeof bad_durations[0]; i++) {
        etlc_kv kv[] = {{"database_path", "/tmp/x.db"}, {"user", "bob"}, {"busy_timeout", bad_durations[i]}};
        etlc_config_sources src = {.dict = kv, .dict_len = 3};
        etlc_config *cfg = NULL;
        etlc_error err = {0};
        if (etlc_config_load(&fx_table, &src, &cfg, &err) != ETLC_CONFIG_TYPE)
            fail_msg("duration '%s' was accepted", bad_durations[i]);
    }
    static const char *const bad_floats[] = {"0x0.8p0", "0x1p-1", "nan", "inf"};
    for (size_t i = 0; i < sizeof bad_floats / sizeof bad_floats[0]; i++) {
        etlc_kv kv[] = {{"database_path", "/tmp/x.db"}, {"user", "bob"}, {"sample_ratio", bad_floats[i]}};
        etlc_config_sources src = {.dict = kv, .dict_len = 3};
        etlc_config *cfg = NULL;
        etlc_error err = {0};
        if (etlc_config_load(&fx_table, &src, &cfg, &err) != ETLC_CONFIG_TYPE)
            fail_msg("float '%s' was accepted", bad_floats[i]);
    }
    static const struct { const char *text; int64_t ms; } good[] = {
        {"16", 16000}, {"1.5s", 1500}, {".5s", 500}, {"2e3ms", 2000}, {"1m", 60000}, {"+3s", 3000}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        etlc_kv kv[] = {{"database_path", "/tmp/x.db"}, {"user", "bob"}, {"busy_timeout", good[i].text}};
        etlc_config_sources src = {.dict = kv, .dict_len = 3};
        etlc_config *cfg = NULL;
        etlc_error err = {0};
        if (etlc_config_load(&fx_table, &src, &cfg, &err) != 0)
            fail_msg("duration '%s' refused: %s", good[i].text, err.message);
        assert_int_equal(etlc_config_get_duration_ms(cfg, "busy_timeout"), good[i].ms);
        etlc_config_free(cfg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(json_parse_errors_never_quote_values, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(yaml_set_and_env_errors_never_quote_values, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(many_keys_are_linear, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(yaml_nests_no_deeper_than_json, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(numbers_are_decimal, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
