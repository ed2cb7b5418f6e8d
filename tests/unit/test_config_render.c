/* Config output: secrets never shown, fingerprints, options rendering,
 * example files that load back, file_protocol and kv_parse. */
#include "config_fixture.h"

#include <jansson.h>

#define CANARY_PW "CanaryPw-7f3a91"
#define CANARY_PIN "918273645"

static etlc_config *load_kvs(const etlc_kv *kvs, size_t n)
{
    etlc_error err = {0};
    etlc_config *cfg = NULL;
    etlc_config_sources src = {.env_prefix = "", .overrides = kvs, .overrides_len = n};
    int rc = etlc_config_load(&fx_table, &src, &cfg, &err);
    if (rc)
        fail_msg("load failed: %s", err.message);
    return cfg;
}

static void secrets_never_shown(void **state)
{
    (void)state;
    etlc_kv kvs[] = {{"database_path", "/x"}, {"user", "u"}, {"password", CANARY_PW},
                     {"secret_pin", CANARY_PIN}};
    etlc_config *cfg = load_kvs(kvs, 4);
    /* the value is there for the connector ... */
    assert_string_equal(etlc_config_get_string(cfg, "password"), CANARY_PW);
    assert_int_equal(etlc_config_get_int(cfg, "secret_pin"), 918273645);
    /* ... and registered with the redactor */
    char out[128];
    etlc_redact("pw is " CANARY_PW ", pin " CANARY_PIN, out, sizeof out);
    assert_string_equal(out, "pw is ***, pin ***");

    char *text = NULL, *json = NULL;
    assert_int_equal(etlc_config_to_text(cfg, &text, NULL), 0);
    fx_assert_lacks(text, CANARY_PW);
    fx_assert_lacks(text, CANARY_PIN);
    fx_assert_contains(text, "password = ***  (override: override)");
    fx_assert_contains(text, "user = u  (override: override)");
    assert_int_equal(etlc_config_to_json(cfg, &json, NULL), 0);
    fx_assert_lacks(json, CANARY_PW);
    fx_assert_lacks(json, CANARY_PIN);
    json_error_t jerr;
    json_t *root = json_loads(json, 0, &jerr);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "protocol")), "testdb");
    json_t *pw = json_object_get(json_object_get(root, "values"), "password");
    assert_string_equal(json_string_value(json_object_get(pw, "value")), "***");
    assert_true(json_is_true(json_object_get(pw, "secret")));
    assert_string_equal(json_string_value(json_object_get(pw, "layer")), "override");
    json_t *rows = json_object_get(json_object_get(root, "values"), "max_rows");
    assert_int_equal(json_integer_value(json_object_get(rows, "value")), 1000);
    assert_string_equal(json_string_value(json_object_get(rows, "origin")), "default");
    assert_true(json_is_null(json_object_get(json_object_get(json_object_get(root, "values"), "log_dir"), "value")));
    assert_int_equal(json_array_size(json_object_get(json_object_get(json_object_get(root, "values"), "tables"), "value")), 2);
    json_decref(root);
    free(text);
    free(json);
    etlc_config_free(cfg);

    /* a bad secret is reported as *** (never the value), with key and origin */
    setenv("TESTDB_SECRET_PIN", "pinCanary-x1", 1);
    etlc_error err = {0};
    etlc_kv req[] = {{"database_path", "/x"}, {"user", "u"}};
    etlc_config_sources src = {.dict = req, .dict_len = 2};
    cfg = NULL;
    assert_int_equal(etlc_config_load(&fx_table, &src, &cfg, &err), ETLC_CONFIG_TYPE);
    assert_null(cfg);
    fx_assert_contains(err.message, "key 'secret_pin' = '***' (from env TESTDB_SECRET_PIN): expected an integer");
    fx_assert_lacks(err.message, "pinCanary");
    etlc_redact("x pinCanary-x1 y", out, sizeof out);
    assert_string_equal(out, "x *** y");
    unsetenv("TESTDB_SECRET_PIN");
}

static void fingerprint_normalizes(void **state)
{
    (void)state;
    etlc_kv a[] = {{"database_path", "/x"}, {"user", "u"}, {"password", CANARY_PW},
                   {"busy_timeout", "30s"}, {"read_only", "yes"}};
    etlc_kv b[] = {{"read_only", "true"}, {"busy_timeout", "30000ms"}, {"password", CANARY_PW},
                   {"user", "u"}, {"database_path", "/x"}, {"max_rows", "1000"} /* = default */};
    etlc_kv c[] = {{"database_path", "/x"}, {"user", "u"}, {"password", "Other-Secret-99"},
                   {"busy_timeout", "30s"}, {"read_only", "yes"}};
    etlc_kv d[] = {{"database_path", "/x"}, {"user", "u\nprotocol=evil"}, {"password", CANARY_PW},
                   {"busy_timeout", "30s"}, {"read_only", "yes"}};
    etlc_config *ca = load_kvs(a, 5), *cb = load_kvs(b, 6), *cc = load_kvs(c, 5), *cd = load_kvs(d, 5);
    char *na, *nb, *nc, *nd, sa[65], sb[65], sc[65], sd[65];
    assert_int_equal(etlc_config_fingerprint(ca, &na, sa), 0);
    assert_int_equal(etlc_config_fingerprint(cb, &nb, sb), 0);
    assert_int_equal(etlc_config_fingerprint(cc, &nc, sc), 0);
    assert_int_equal(etlc_config_fingerprint(cd, &nd, sd), 0);
    assert_string_equal(na, nb);
    assert_string_equal(sa, sb);
    assert_string_equal(na, nc); /* only the secret differs ... */
    assert_string_not_equal(sa, sc); /* ... and only its hash shows it */
    assert_int_equal(strlen(sa), 64);
    fx_assert_lacks(na, CANARY_PW);
    fx_assert_lacks(na, "password");
    assert_string_equal(na,
                        "busy_timeout=30000ms\n"
                        "database_path=/x\n"
                        "journal_mode=wal\n"
                        "max_rows=1000\n"
                        "protocol=testdb\n"
                        "read_only=true\n"
                        "sample_ratio=0.5\n"
                        "tables=main,aux\n"
                        "user=u\n");
    /* a newline in a value cannot forge another line */
    fx_assert_contains(nd, "user=u\\nprotocol=evil\n");
    assert_string_not_equal(na, nd);
    free(na);
    free(nb);
    free(nc);
    free(nd);
    etlc_config_free(ca);
    etlc_config_free(cb);
    etlc_config_free(cc);
    etlc_config_free(cd);
}

static void options_rendering_mentions_every_option(void **state)
{
    (void)state;
    char *json = NULL, *md = NULL;
    assert_int_equal(etlc_options_to_json(&fx_table, &json, NULL), 0);
    assert_int_equal(etlc_options_to_markdown(&fx_table, &md, NULL), 0);
    json_error_t jerr;
    json_t *arr = json_loads(json, 0, &jerr);
    assert_true(json_is_array(arr));
    assert_int_equal(json_array_size(arr), fx_table.count);
    for (size_t i = 0; i < fx_table.count; i++) {
        json_t *o = json_array_get(arr, i);
        assert_string_equal(json_string_value(json_object_get(o, "name")), fx_options[i].name);
        assert_string_equal(json_string_value(json_object_get(o, "type")),
                            etlc_opt_type_name(fx_options[i].type));
        char tick[80];
        snprintf(tick, sizeof tick, "| `%s` |", fx_options[i].name);
        fx_assert_contains(md, tick);
        fx_assert_contains(md, fx_options[i].description);
    }
    json_t *mode = json_array_get(arr, 8);
    assert_int_equal(json_array_size(json_object_get(mode, "choices")), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "env")), "TESTDB_DATABASE_PATH");
    assert_true(json_is_true(json_object_get(json_array_get(arr, 0), "required")));
    assert_true(json_is_true(json_object_get(json_array_get(arr, 2), "secret")));
    assert_true(json_object_get(json_array_get(arr, 5), "max") != NULL);
    json_decref(arr);
    fx_assert_contains(md, "enum: delete\\|wal\\|memory");
    fx_assert_contains(md, "int (1..1000000)");
    fx_assert_contains(md, "`TESTDB_USER`");
    free(json);
    free(md);

    assert_string_equal(etlc_opt_type_name(ETLC_OPT_DURATION), "duration");
    assert_ptr_equal(etlc_option_find(&fx_table, "tables"), &fx_options[9]);
    assert_null(etlc_option_find(&fx_table, "nope"));
    char *bad = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_options_example(&fx_table, "toml", &bad, &err), ETLC_INVALID_ARGUMENT);
    fx_assert_contains(err.message, "toml");
}

static void examples_load_back(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cfg-example");
    const char *formats[] = {"json", "yaml"};
    for (size_t f = 0; f < 2; f++) {
        char *text = NULL;
        etlc_error err = {0};
        assert_int_equal(etlc_options_example(&fx_table, formats[f], &text, &err), 0);
        fx_assert_contains(text, "<required: path to the SQLite file>");
        fx_assert_contains(text, "<secret: password of the user>");
        for (size_t i = 0; i < fx_table.count; i++)
            fx_assert_contains(text, fx_options[i].name);
        char name[32];
        snprintf(name, sizeof name, "example.%s", formats[f]);
        char *path = fx_write(dir, name, text);
        etlc_config *cfg = NULL;
        etlc_config_sources src = {.file = path, .env_prefix = "", .allow_missing_required = true};
        int rc = etlc_config_load(&fx_table, &src, &cfg, &err);
        if (rc)
            fail_msg("%s example does not load: %s\n%s", formats[f], err.message, text);
        assert_string_equal(etlc_config_get_string(cfg, "protocol"), "testdb");
        assert_int_equal(etlc_config_get_int(cfg, "max_rows"), 1000);
        assert_int_equal(etlc_config_get_duration_ms(cfg, "busy_timeout"), 5000);
        assert_true(etlc_config_get_float(cfg, "sample_ratio") == 0.5);
        assert_string_equal(etlc_config_get_string(cfg, "tables"), "main,aux");
        assert_string_equal(etlc_config_get_string(cfg, "database_path"), "<required: path to the SQLite file>");
        assert_false(etlc_config_has(cfg, "log_dir"));
        assert_false(etlc_config_has(cfg, "secret_pin")); /* non-text secret: null placeholder */
        char fp_path[4200];
        snprintf(fp_path, sizeof fp_path, "%s:", path);
        etlc_layer layer;
        const char *origin;
        assert_true(etlc_config_provenance(cfg, "max_rows", &layer, &origin));
        assert_int_equal(layer, ETLC_LAYER_FILE);
        fx_assert_contains(origin, fp_path);
        etlc_config_free(cfg);

        char *proto = NULL;
        assert_int_equal(etlc_config_file_protocol(path, &proto, &err), 0);
        assert_string_equal(proto, "testdb");
        free(proto);
        free(path);
        free(text);
    }
    tu_rmtree(dir);
    free(dir);
}

static void file_protocol_reads_only_protocol(void **state)
{
    (void)state;
    char *dir = tu_tempdir("cfg-proto");
    char *proto = (char *)"sentinel";
    etlc_error err = {0};
    char *y = fx_write(dir, "a.yml", "anything_goes: 1\nprotocol: sqlite\n");
    assert_int_equal(etlc_config_file_protocol(y, &proto, &err), 0);
    assert_string_equal(proto, "sqlite");
    free(proto);
    char *j = fx_write(dir, "b.json", "{\"user\": \"x\"}");
    assert_int_equal(etlc_config_file_protocol(j, &proto, &err), 0);
    assert_null(proto);
    char *bad = fx_write(dir, "c.json", "{\"protocol\": }");
    assert_int_equal(etlc_config_file_protocol(bad, &proto, &err), ETLC_CONFIG_PARSE);
    assert_null(proto);
    char *lst = fx_write(dir, "d.yaml", "protocol: [a, b]\n");
    assert_int_equal(etlc_config_file_protocol(lst, &proto, &err), ETLC_CONFIG_TYPE);
    free(y);
    free(j);
    free(bad);
    free(lst);
    tu_rmtree(dir);
    free(dir);
}

static void kv_parse_splits_at_first_equals(void **state)
{
    (void)state;
    char *k = NULL, *v = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_kv_parse("dsn=host=db port=5", &k, &v, &err), 0);
    assert_string_equal(k, "dsn");
    assert_string_equal(v, "host=db port=5");
    free(k);
    free(v);
    assert_int_equal(etlc_kv_parse("empty=", &k, &v, &err), 0);
    assert_string_equal(k, "empty");
    assert_string_equal(v, "");
    free(k);
    free(v);
    assert_int_equal(etlc_kv_parse("=value", &k, &v, &err), ETLC_INVALID_ARGUMENT);
    assert_null(k);
    assert_int_equal(etlc_kv_parse("novalue", &k, &v, &err), ETLC_INVALID_ARGUMENT);
    fx_assert_contains(err.message, "expected KEY=VALUE");
    assert_string_equal(etlc_layer_name(ETLC_LAYER_ENV), "env");
    assert_string_equal(etlc_layer_name(ETLC_LAYER_OVERRIDE), "override");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(secrets_never_shown, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(fingerprint_normalizes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(options_rendering_mentions_every_option, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(examples_load_back, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(file_protocol_reads_only_protocol, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(kv_parse_splits_at_first_equals, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
