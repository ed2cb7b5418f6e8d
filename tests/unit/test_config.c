/* Layered configuration: precedence and provenance, file parsing, env
 * prefixes, missing / unknown keys, type and range errors. */
#include "config_fixture.h"

static const etlc_kv base_required[] = {{"database_path", "/tmp/x.db"}, {"user", "bob"}};

static etlc_config *load_ok(const etlc_config_sources *src)
{
    etlc_error err = {0};
    etlc_config *cfg = NULL;
    int rc = etlc_config_load(&fx_table, src, &cfg, &err);
    if (rc != 0)
        fail_msg("load failed: %s: %s", etlc_code_name(rc), err.message);
    return cfg;
}

static int load_err(const etlc_config_sources *src, etlc_error *err)
{
    etlc_config *cfg = NULL;
    etlc_error_clear(err);
    int rc = etlc_config_load(&fx_table, src, &cfg, err);
    assert_null(cfg);
    assert_int_equal(rc, err->code);
    return rc;
}

static void precedence_all_layers(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cfg-prec");
    char *path = fx_write(dir,
                          "conn.yaml",
                          "# comment line\n"
                          "protocol: testdb\n"
                          "database_path: /data/file.db\n"
                          "busy_timeout: 30s\n"
                          "max_rows: 10\n"
                          "read_only: yes\n"
                          "journal_mode: delete\n"
                          "user: file-user\n"
                          "log_dir: null\n"
                          "tables:\n"
                          "  - t1\n"
                          "  - t2\n");
    setenv("TESTDB_MAX_ROWS", "20", 1);
    setenv("TESTDB_READ_ONLY", "off", 1);
    setenv("TESTDB_USER", "env-user", 1);
    setenv("TESTDB_JOURNAL_MODE", "", 1); /* empty: unset, the file wins */
    etlc_kv dict[] = {{"read_only", "true"}, {"user", "dict-user"}, {"log_dir", "/var/log/x"}};
    etlc_kv over[] = {{"user", "override-user"}};
    etlc_config_sources src = {.file = path, .dict = dict, .dict_len = 3, .overrides = over,
                               .overrides_len = 1};
    etlc_config *cfg = load_ok(&src);

    char origin[4200];
    assert_true(etlc_config_get_float(cfg, "sample_ratio") == 0.5);
    fx_assert_from(cfg, "sample_ratio", ETLC_LAYER_DEFAULT, "default");
    assert_int_equal(etlc_config_get_duration_ms(cfg, "busy_timeout"), 30000);
    snprintf(origin, sizeof origin, "%s:4", path);
    fx_assert_from(cfg, "busy_timeout", ETLC_LAYER_FILE, origin);
    snprintf(origin, sizeof origin, "%s:7", path);
    fx_assert_from(cfg, "journal_mode", ETLC_LAYER_FILE, origin);
    assert_string_equal(etlc_config_get_string(cfg, "journal_mode"), "delete");
    snprintf(origin, sizeof origin, "%s:10", path);
    fx_assert_from(cfg, "tables", ETLC_LAYER_FILE, origin);
    const char *const *items;
    assert_int_equal(etlc_config_get_list(cfg, "tables", &items), 2);
    assert_string_equal(items[1], "t2");
    assert_int_equal(etlc_config_get_int(cfg, "max_rows"), 20);
    fx_assert_from(cfg, "max_rows", ETLC_LAYER_ENV, "env TESTDB_MAX_ROWS");
    assert_true(etlc_config_get_bool(cfg, "read_only"));
    fx_assert_from(cfg, "read_only", ETLC_LAYER_DICT, "dict");
    fx_assert_from(cfg, "log_dir", ETLC_LAYER_DICT, "dict");
    assert_string_equal(etlc_config_get_string(cfg, "user"), "override-user");
    fx_assert_from(cfg, "user", ETLC_LAYER_OVERRIDE, "override");
    assert_string_equal(etlc_config_get_string(cfg, "protocol"), "testdb");
    snprintf(origin, sizeof origin, "%s:2", path);
    fx_assert_from(cfg, "protocol", ETLC_LAYER_FILE, origin);
    /* unset and unknown keys */
    assert_false(etlc_config_has(cfg, "password"));
    assert_false(etlc_config_provenance(cfg, "password", NULL, NULL));
    assert_null(etlc_config_get_string(cfg, "no_such_key"));
    assert_null(etlc_config_missing(cfg));
    /* iteration in table order */
    assert_int_equal(etlc_config_count(cfg), fx_table.count);
    etlc_config_entry e;
    assert_true(etlc_config_entry_at(cfg, 1, &e));
    assert_string_equal(e.option->name, "user");
    assert_true(e.is_set);
    assert_string_equal(e.value, "override-user");
    assert_true(etlc_config_entry_at(cfg, 2, &e));
    assert_false(e.is_set);
    assert_null(e.value);
    assert_false(etlc_config_entry_at(cfg, fx_table.count, &e));
    assert_ptr_equal(etlc_config_table(cfg), &fx_table);
    etlc_config_free(cfg);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

static void json_file_lines_and_types(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cfg-json");
    char *path = fx_write(dir, "conn.json",
                          "{\n"
                          "  \"database_path\": \"/d.db\",\n"
                          "  \"nested_ok_in_string\": \"{\\\"x\\\": 1}\",\n"
                          "  \"max_rows\":\n"
                          "     500,\n"
                          "  \"sample_ratio\": 0.25, \"read_only\": true,\n"
                          "  \"tables\": [\"a\", \"b\", 3],\n"
                          "  \"us\\u0065r\": \"ann\"\n"
                          "}\n");
    etlc_config_sources src = {.file = path, .env_prefix = ""};
    etlc_error err = {0};
    etlc_config *cfg = NULL;
    /* the second key is unknown: its line is found by the scanner */
    assert_int_equal(etlc_config_load(&fx_table, &src, &cfg, &err), ETLC_CONFIG_UNKNOWN_KEY);
    char want[4200];
    snprintf(want, sizeof want, "unknown key 'nested_ok_in_string' (from %s:3)", path);
    fx_assert_contains(err.message, want);
    free(path);

    path = fx_write(dir, "good.json",
                    "{\n"
                    "  \"database_path\": \"/d.db\",\n"
                    "  \"max_rows\":\n"
                    "     500,\n"
                    "  \"sample_ratio\": 0.25, \"read_only\": true,\n"
                    "  \"tables\": [\"a\", \"b\", 3],\n"
                    "  \"log_dir\": null,\n"
                    "  \"us\\u0065r\": \"ann\"\n"
                    "}\n");
    src.file = path;
    cfg = load_ok(&src);
    snprintf(want, sizeof want, "%s:3", path);
    fx_assert_from(cfg, "max_rows", ETLC_LAYER_FILE, want);
    assert_int_equal(etlc_config_get_int(cfg, "max_rows"), 500);
    snprintf(want, sizeof want, "%s:5", path);
    fx_assert_from(cfg, "sample_ratio", ETLC_LAYER_FILE, want);
    fx_assert_from(cfg, "read_only", ETLC_LAYER_FILE, want);
    assert_true(etlc_config_get_float(cfg, "sample_ratio") == 0.25);
    const char *const *items;
    assert_int_equal(etlc_config_get_list(cfg, "tables", &items), 3);
    assert_string_equal(items[2], "3");
    assert_string_equal(etlc_config_get_string(cfg, "tables"), "a,b,3");
    snprintf(want, sizeof want, "%s:8", path);
    fx_assert_from(cfg, "user", ETLC_LAYER_FILE, want);
    assert_false(etlc_config_has(cfg, "log_dir")); /* null = not set */
    /* defaults of unset keys are still there */
    assert_string_equal(etlc_config_get_string(cfg, "journal_mode"), "wal");
    assert_int_equal(etlc_config_get_duration_ms(cfg, "busy_timeout"), 5000);
    etlc_config_free(cfg);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

static void file_parse_errors(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cfg-parse");
    etlc_error err;
    char want[4200];

    char *path = fx_write(dir, "bad.json", "{\n  \"user\": \"a\",\n  \"max_rows\": ,\n}\n");
    etlc_config_sources src = {.file = path};
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_PARSE);
    snprintf(want, sizeof want, "%s:3:", path);
    fx_assert_contains(err.message, want);
    free(path);

    path = fx_write(dir, "bad.yaml", "user: a\nmax_rows: 3\n  journal_mode: wal\n");
    src.file = path;
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_PARSE);
    snprintf(want, sizeof want, "%s:3:", path);
    fx_assert_contains(err.message, want);
    fx_assert_contains(err.message, "mapping values are not allowed");
    free(path);

    path = fx_write(dir, "unclosed.yml", "user: a\ntables: [a, b\nmax_rows: 3\n");
    src.file = path;
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_PARSE);
    snprintf(want, sizeof want, "%s:", path);
    fx_assert_contains(err.message, want);
    free(path);

    path = fx_write(dir, "dup.yaml", "user: a\nmax_rows: 3\nuser: b\n");
    src.file = path;
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_PARSE);
    snprintf(want, sizeof want, "%s:3:1: duplicate key 'user' (first at line 1)", path);
    fx_assert_contains(err.message, want);
    free(path);

    path = fx_write(dir, "dup.json", "{\"user\": \"a\",\n \"user\": \"b\"}");
    src.file = path;
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_PARSE);
    fx_assert_contains(err.message, "duplicate");
    free(path);

    path = fx_write(dir, "two.yaml", "user: a\n---\nuser: b\n");
    src.file = path;
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_PARSE);
    snprintf(want, sizeof want, "%s:3:1: only one YAML document", path);
    fx_assert_contains(err.message, want);
    free(path);

    path = fx_write(dir, "list.yaml", "- a\n- b\n");
    src.file = path;
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_PARSE);
    fx_assert_contains(err.message, "top level must be a mapping");
    free(path);

    path = fx_write(dir, "nested.yaml", "user:\n  name: a\n");
    src.file = path;
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_TYPE);
    snprintf(want, sizeof want, "key 'user' (from %s:1)", path);
    fx_assert_contains(err.message, want);
    free(path);

    path = fx_write(dir, "conn.toml", "user = 'a'\n");
    src.file = path;
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_FILE);
    fx_assert_contains(err.message, "unsupported extension '.toml'");
    free(path);

    path = fx_write(dir, "gone.yaml", "");
    src.file = path;
    unlink(path);
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_FILE);
    fx_assert_contains(err.message, path);
    fx_assert_contains(err.message, "No such file");
    free(path);

    /* An empty YAML file sets nothing: only the missing keys are reported. */
    path = fx_write(dir, "empty.yaml", "# nothing here\n");
    src.file = path;
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_MISSING_KEY);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

static void env_prefixes(void **state)
{
    (void)state;
    setenv("TESTDB_USER", "default-prefix", 1);
    setenv("MYPFX_USER", "custom-prefix", 1);
    setenv("TESTDB_DATABASE_PATH", "/env.db", 1);
    setenv("MYPFX_DATABASE_PATH", "/my.db", 1);

    etlc_config_sources src = {0};
    etlc_config *cfg = load_ok(&src);
    assert_string_equal(etlc_config_get_string(cfg, "user"), "default-prefix");
    fx_assert_from(cfg, "user", ETLC_LAYER_ENV, "env TESTDB_USER");
    etlc_config_free(cfg);

    src.env_prefix = "MYPFX";
    cfg = load_ok(&src);
    assert_string_equal(etlc_config_get_string(cfg, "user"), "custom-prefix");
    fx_assert_from(cfg, "database_path", ETLC_LAYER_ENV, "env MYPFX_DATABASE_PATH");
    etlc_config_free(cfg);

    /* "" disables the environment: the required keys are now missing */
    src.env_prefix = "";
    etlc_error err;
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_MISSING_KEY);
    fx_assert_lacks(err.message, "TESTDB_USER"); /* no env var to suggest */
    fx_assert_contains(err.message, "--set user=...");
    src.dict = base_required;
    src.dict_len = 2;
    cfg = load_ok(&src);
    fx_assert_from(cfg, "user", ETLC_LAYER_DICT, "dict");
    etlc_config_free(cfg);

    /* an empty variable counts as unset */
    setenv("TESTDB_USER", "", 1);
    src.env_prefix = NULL;
    src.dict = NULL;
    src.dict_len = 0;
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_MISSING_KEY);
    fx_assert_contains(err.message, "'user'");
    fx_assert_lacks(err.message, "'database_path'");
}

static void missing_required_all_listed(void **state)
{
    (void)state;
    etlc_config_sources src = {0};
    etlc_error err;
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_MISSING_KEY);
    fx_assert_contains(err.message, "protocol 'testdb'");
    fx_assert_contains(err.message, "'database_path' (env TESTDB_DATABASE_PATH, or --set database_path=...)");
    fx_assert_contains(err.message, "'user' (env TESTDB_USER, or --set user=...)");

    src.allow_missing_required = true;
    etlc_config *cfg = load_ok(&src);
    char *missing = etlc_config_missing(cfg);
    assert_string_equal(missing, "database_path, user");
    free(missing);
    etlc_config_entry e;
    assert_true(etlc_config_entry_at(cfg, 0, &e));
    assert_false(e.is_set);
    char *text = NULL;
    assert_int_equal(etlc_config_to_text(cfg, &text, NULL), 0);
    fx_assert_contains(text, "database_path = (unset, required)");
    fx_assert_contains(text, "max_rows = 1000  (default: default)");
    free(text);
    etlc_config_free(cfg);

    /* a default does not satisfy a required key, one layer does */
    etlc_kv one[] = {{"user", "u"}};
    src.allow_missing_required = false;
    src.overrides = one;
    src.overrides_len = 1;
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_MISSING_KEY);
    fx_assert_contains(err.message, "database_path");
    fx_assert_lacks(err.message, "'user'");
}

static void unknown_keys_suggest(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cfg-unknown");
    char *path = fx_write(dir, "conn.yaml", "user: a\n\ndatabse_path: /x.db\n");
    etlc_config_sources src = {.file = path};
    etlc_error err;
    char want[4200];
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_UNKNOWN_KEY);
    snprintf(want, sizeof want, "unknown key 'databse_path' (from %s:3) for protocol 'testdb'; did you mean 'database_path'?", path);
    fx_assert_contains(err.message, want);

    etlc_kv dict[] = {{"database_path", "/x"}, {"user", "u"}, {"max_row", "3"}};
    etlc_config_sources d = {.dict = dict, .dict_len = 3};
    assert_int_equal(load_err(&d, &err), ETLC_CONFIG_UNKNOWN_KEY);
    fx_assert_contains(err.message, "unknown key 'max_row' (from dict) for protocol 'testdb'; did you mean 'max_rows'?");

    etlc_kv over[] = {{"pasword", "zz"}};
    etlc_config_sources o = {.dict = dict, .dict_len = 2, .overrides = over, .overrides_len = 1};
    assert_int_equal(load_err(&o, &err), ETLC_CONFIG_UNKNOWN_KEY);
    fx_assert_contains(err.message, "'pasword' (from override)");
    fx_assert_contains(err.message, "did you mean 'password'?");

    /* nothing close: no suggestion */
    etlc_kv far[] = {{"completely_different", "1"}};
    o.overrides = far;
    assert_int_equal(load_err(&o, &err), ETLC_CONFIG_UNKNOWN_KEY);
    fx_assert_lacks(err.message, "did you mean");
    fx_assert_contains(err.message, "completely_different");

    /* the protocol key is accepted in every layer and is not validated here */
    etlc_kv proto[] = {{"database_path", "/x"}, {"user", "u"}, {"protocol", "testdb-alias"}};
    etlc_config_sources p = {.dict = proto, .dict_len = 3};
    etlc_config *cfg = load_ok(&p);
    assert_string_equal(etlc_config_get_string(cfg, "protocol"), "testdb-alias");
    fx_assert_from(cfg, "protocol", ETLC_LAYER_DICT, "dict");
    etlc_config_free(cfg);
    cfg = load_ok(&(etlc_config_sources){.dict = proto, .dict_len = 2});
    assert_string_equal(etlc_config_get_string(cfg, "protocol"), "testdb");
    fx_assert_from(cfg, "protocol", ETLC_LAYER_DEFAULT, "default");
    etlc_config_free(cfg);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* One bad value: expected code and message parts. */
typedef struct bad_case {
    const char *key, *value;
    int code;
    const char *expect;
} bad_case;

static void type_and_range_errors(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        {"max_rows", "abc", ETLC_CONFIG_TYPE, "expected an integer"},
        {"max_rows", "12.5", ETLC_CONFIG_TYPE, "expected an integer"},
        {"max_rows", "0", ETLC_CONFIG_RANGE, "between 1 and 1000000"},
        {"max_rows", "1000001", ETLC_CONFIG_RANGE, "between 1 and 1000000"},
        {"max_rows", "99999999999999999999", ETLC_CONFIG_RANGE, "64-bit"},
        {"sample_ratio", "lots", ETLC_CONFIG_TYPE, "expected a finite number"},
        {"sample_ratio", "nan", ETLC_CONFIG_TYPE, "expected a finite number"},
        {"sample_ratio", "1.5", ETLC_CONFIG_RANGE, "between 0 and 1"},
        {"read_only", "maybe", ETLC_CONFIG_TYPE, "expected a boolean"},
        {"busy_timeout", "abc", ETLC_CONFIG_TYPE, "expected a duration such as 500ms, 30s or 5m"},
        {"busy_timeout", "5 parsecs", ETLC_CONFIG_TYPE, "expected a duration"},
        {"busy_timeout", "2h", ETLC_CONFIG_RANGE, "between 0ms and 3600000ms"},
        {"busy_timeout", "-5s", ETLC_CONFIG_RANGE, "not negative"},
        {"journal_mode", "fast", ETLC_CONFIG_RANGE, "expected one of: delete, wal, memory"},
        {"database_path", "", ETLC_CONFIG_TYPE, "non-empty path"},
    };
    char want[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *c = &cases[i];
        etlc_kv over[] = {{"database_path", "/x"}, {"user", "u"}, {c->key, c->value}};
        etlc_config_sources src = {.overrides = over, .overrides_len = 3};
        etlc_error err;
        int rc = load_err(&src, &err);
        if (rc != c->code)
            fail_msg("%s=%s: expected %s, got %s: %s", c->key, c->value, etlc_code_name(c->code),
                     etlc_code_name(rc), err.message);
        snprintf(want, sizeof want, "key '%s' = '%s' (from override): ", c->key, c->value);
        fx_assert_contains(err.message, want);
        fx_assert_contains(err.message, c->expect);
    }

    /* the origin is the env variable when the value came from there */
    setenv("TESTDB_BUSY_TIMEOUT", "abc", 1);
    etlc_config_sources src = {.dict = base_required, .dict_len = 2};
    etlc_error err;
    assert_int_equal(load_err(&src, &err), ETLC_CONFIG_TYPE);
    fx_assert_contains(err.message, "key 'busy_timeout' = 'abc' (from env TESTDB_BUSY_TIMEOUT): expected a duration such as 500ms, 30s or 5m");
    /* ... and a later layer that fixes it wins, so the bad env value is not an error */
    etlc_kv fix[] = {{"busy_timeout", "250ms"}};
    src.overrides = fix;
    src.overrides_len = 1;
    etlc_config *cfg = load_ok(&src);
    assert_int_equal(etlc_config_get_duration_ms(cfg, "busy_timeout"), 250);
    etlc_config_free(cfg);
    unsetenv("TESTDB_BUSY_TIMEOUT");

    /* a list for a scalar option, from a file */
    char *dir = tu_tempdir("cfg-type");
    char *path = fx_write(dir, "c.yaml", "database_path: /x\nuser: u\nmax_rows: [1, 2]\n");
    etlc_config_sources f = {.file = path};
    assert_int_equal(load_err(&f, &err), ETLC_CONFIG_TYPE);
    snprintf(want, sizeof want, "key 'max_rows' = '1,2' (from %s:3): expected a single int value, not a list", path);
    fx_assert_contains(err.message, want);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

static void value_forms_accepted(void **state)
{
    (void)state;
    static const struct { const char *value; bool b; } bools[] = {
        {"TRUE", true}, {"Yes", true}, {"on", true}, {"1", true},
        {"false", false}, {"NO", false}, {"Off", false}, {"0", false}};
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        etlc_kv over[] = {{"database_path", "/x"}, {"user", "u"}, {"read_only", bools[i].value}};
        etlc_config *cfg = load_ok(&(etlc_config_sources){.overrides = over, .overrides_len = 3});
        assert_int_equal(etlc_config_get_bool(cfg, "read_only"), bools[i].b);
        etlc_config_free(cfg);
    }
    static const struct { const char *value; int64_t ms; } durs[] = {
        {"250ms", 250}, {"30s", 30000}, {"5m", 300000}, {"1h", 3600000}, {"45", 45000},
        {" 2 s ", 2000}, {"1.5s", 1500}, {"0", 0}};
    for (size_t i = 0; i < sizeof durs / sizeof durs[0]; i++) {
        etlc_kv over[] = {{"database_path", "/x"}, {"user", "u"}, {"busy_timeout", durs[i].value}};
        etlc_config *cfg = load_ok(&(etlc_config_sources){.overrides = over, .overrides_len = 3});
        assert_int_equal(etlc_config_get_duration_ms(cfg, "busy_timeout"), durs[i].ms);
        etlc_config_free(cfg);
    }
    /* 1d is fine for the type, only this option's max refuses it */
    etlc_kv day[] = {{"database_path", "/x"}, {"user", "u"}, {"busy_timeout", "1d"}};
    etlc_error err;
    assert_int_equal(load_err(&(etlc_config_sources){.overrides = day, .overrides_len = 3}, &err),
                     ETLC_CONFIG_RANGE);

    /* enum matches case-insensitively and keeps the canonical spelling;
     * lists split on commas; "~/" expands with $HOME */
    char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", "/home/tester", 1);
    setenv("TESTDB_TABLES", " a, b ,,c ", 1);
    etlc_kv over[] = {{"database_path", "~/db/x.db"}, {"user", "  spaced  "}, {"journal_mode", "MEMORY"},
                      {"log_dir", "~"}, {"max_rows", " 42 "}};
    etlc_config *cfg = load_ok(&(etlc_config_sources){.overrides = over, .overrides_len = 5});
    if (old_home)
        setenv("HOME", old_home, 1);
    else
        unsetenv("HOME");
    free(old_home);
    assert_string_equal(etlc_config_get_string(cfg, "database_path"), "/home/tester/db/x.db");
    assert_string_equal(etlc_config_get_string(cfg, "log_dir"), "/home/tester");
    assert_string_equal(etlc_config_get_string(cfg, "user"), "  spaced  "); /* strings verbatim */
    assert_string_equal(etlc_config_get_string(cfg, "journal_mode"), "memory");
    assert_int_equal(etlc_config_get_int(cfg, "max_rows"), 42);
    const char *const *items;
    assert_int_equal(etlc_config_get_list(cfg, "tables", &items), 3);
    assert_string_equal(items[0], "a");
    assert_string_equal(items[1], "b");
    assert_string_equal(items[2], "c");
    /* getters of the wrong type give zero values */
    assert_int_equal(etlc_config_get_int(cfg, "user"), 0);
    assert_false(etlc_config_get_bool(cfg, "max_rows"));
    assert_int_equal(etlc_config_get_list(cfg, "user", &items), 0);
    assert_null(items);
    etlc_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(precedence_all_layers, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(json_file_lines_and_types, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(file_parse_errors, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(env_prefixes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(missing_required_all_listed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(unknown_keys_suggest, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(type_and_range_errors, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(value_forms_accepted, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
