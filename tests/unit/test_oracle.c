/* Oracle connector, tested up to the wire. No Oracle database or Oracle
 * client library was available (neither can be installed on the build
 * machine), so nothing here talks to a real server or calls into OCI: the
 * tests cover the connect-string builders and parser, validation, the
 * missing-client errors, the ORA error mapping, and the type plan and value
 * decoding on byte layouts taken from Oracle's documentation. */
#include "testutil.h"
#include "connectors/oracle/oracle_internal.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANARY "OraCanary-Pw-91c7f0"

extern const etlc_connector_ops etlc_connector_oracle;

static void ezconnect_builder(void **state)
{
    (void)state;
    etlc_error err = {0};
    char *s = NULL;
    assert_int_equal(etlc__oracle_ezconnect("db.example.com", 1521, "FREEPDB1", &s, &err), ETLC_OK);
    assert_string_equal(s, "db.example.com:1521/FREEPDB1");
    free(s);
    assert_int_equal(etlc__oracle_ezconnect("::1", 1522, "orcl", &s, &err), ETLC_OK);
    assert_string_equal(s, "[::1]:1522/orcl");
    free(s);
    assert_int_equal(etlc__oracle_ezconnect("[fe80::2]", 1521, NULL, &s, &err), ETLC_OK);
    assert_string_equal(s, "[fe80::2]:1521");
    free(s);
    assert_int_equal(etlc__oracle_ezconnect("db:1521", 1521, "x", &s, &err), ETLC_CONFIG);
    assert_null(s);
    assert_non_null(strstr(err.message, "port"));
    assert_int_equal(etlc__oracle_ezconnect("db", 1521, "x)(HOST=evil", &s, &err), ETLC_CONFIG);
    assert_non_null(strstr(err.message, "service_name"));
    assert_int_equal(etlc__oracle_ezconnect("", 1521, "x", &s, &err), ETLC_CONFIG);
}

static void descriptor_builder(void **state)
{
    (void)state;
    etlc_error err = {0};
    char *s = NULL;
    assert_int_equal(etlc__oracle_descriptor("db", 1521, "sales.example.com", NULL, 15, &s, &err), ETLC_OK);
    assert_string_equal(s, "(DESCRIPTION=(CONNECT_TIMEOUT=15)(TRANSPORT_CONNECT_TIMEOUT=15)"
                           "(ADDRESS=(PROTOCOL=TCP)(HOST=db)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=sales.example.com)))");
    free(s);
    assert_int_equal(etlc__oracle_descriptor("[::1]", 1600, NULL, "ORCL", 0, &s, &err), ETLC_OK);
    assert_string_equal(s, "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=::1)(PORT=1600))(CONNECT_DATA=(SID=ORCL)))");
    free(s);
    assert_int_equal(etlc__oracle_descriptor("db", 1521, NULL, "OR CL", 5, &s, &err), ETLC_CONFIG);
    assert_non_null(strstr(err.message, "sid"));
    assert_int_equal(etlc__oracle_descriptor("d(b", 1521, "s", NULL, 5, &s, &err), ETLC_CONFIG);
    assert_non_null(strstr(err.message, "host"));
}

static void ezconnect_parser(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc__oracle_ez ez;
    assert_int_equal(etlc__oracle_parse_ezconnect("db:1522/orcl", &ez, &err), ETLC_OK);
    assert_string_equal(ez.host, "db");
    assert_int_equal(ez.port, 1522);
    assert_string_equal(ez.service_name, "orcl");
    assert_int_equal(etlc__oracle_parse_ezconnect("//db.example.com/sales", &ez, &err), ETLC_OK);
    assert_string_equal(ez.host, "db.example.com");
    assert_int_equal(ez.port, 1521); /* default */
    assert_string_equal(ez.service_name, "sales");
    assert_int_equal(etlc__oracle_parse_ezconnect("[::1]:1521/FREEPDB1", &ez, &err), ETLC_OK);
    assert_string_equal(ez.host, "::1");
    assert_string_equal(ez.service_name, "FREEPDB1");
    assert_int_equal(etlc__oracle_parse_ezconnect("[2001:db8::5]/x", &ez, &err), ETLC_OK);
    assert_string_equal(ez.host, "2001:db8::5");
    assert_int_equal(ez.port, 1521);
    assert_int_equal(etlc__oracle_parse_ezconnect("db", &ez, &err), ETLC_OK);
    assert_string_equal(ez.service_name, "");
    assert_int_equal(etlc__oracle_parse_ezconnect("db:1521/orcl:dedicated/inst1", &ez, &err), ETLC_OK);
    assert_string_equal(ez.service_name, "orcl");
    assert_int_equal(etlc__oracle_parse_ezconnect("db:1521/orcl?connect_timeout=5", &ez, &err), ETLC_OK);
    assert_string_equal(ez.service_name, "orcl");
    assert_int_equal(etlc__oracle_parse_ezconnect("db:port/x", &ez, &err), ETLC_CONFIG);
    assert_non_null(strstr(err.message, "port"));
    assert_int_equal(etlc__oracle_parse_ezconnect("db:70000/x", &ez, &err), ETLC_CONFIG);
    assert_int_equal(etlc__oracle_parse_ezconnect("[::1/x", &ez, &err), ETLC_CONFIG);
    assert_int_equal(etlc__oracle_parse_ezconnect("/svc", &ez, &err), ETLC_CONFIG);
    assert_non_null(strstr(err.message, "no host"));
}

static int load(const etlc_kv *kv, size_t n, etlc_config **cfg, etlc_error *err)
{
    etlc_config_sources src = {.env_prefix = "", .overrides = kv, .overrides_len = n};
    return etlc_load_connection_config("oracle", &src, cfg, err);
}

/* Resolve a config given as overrides; returns the code, fills the strings. */
static int resolve(const etlc_kv *kv, size_t n, char **cs, char **display, char **source, etlc_error *err)
{
    etlc_config *cfg = NULL;
    int rc = load(kv, n, &cfg, err);
    if (rc == ETLC_OK)
        rc = etlc__oracle_resolve(cfg, cs, display, source, err);
    etlc_config_free(cfg);
    return rc;
}

static void config_validation(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc_config *cfg = NULL;
    unsetenv("ORACLE_USERNAME");
    unsetenv("ORACLE_PASSWORD");
    etlc_config_sources env_src = {0};
    assert_int_equal(etlc_load_connection_config("oracle", &env_src, &cfg, &err), ETLC_CONFIG_MISSING_KEY);
    assert_non_null(strstr(err.message, "ORACLE_USERNAME"));
    assert_non_null(strstr(err.message, "ORACLE_PASSWORD"));

    char *cs = NULL, *display = NULL, *source = NULL;
    etlc_kv kv[6] = {{"username", "scott"}, {"password", CANARY}};
    /* no host, no dsn */
    assert_int_equal(resolve(kv, 2, &cs, &display, &source, &err), ETLC_CONFIG_MISSING_KEY);
    assert_non_null(strstr(err.message, "ORACLE_HOST"));
    assert_non_null(strstr(err.message, "ORACLE_DSN"));
    /* host without service_name or sid */
    kv[2] = (etlc_kv){"host", "db"};
    assert_int_equal(resolve(kv, 3, &cs, &display, &source, &err), ETLC_CONFIG_MISSING_KEY);
    assert_non_null(strstr(err.message, "ORACLE_SERVICE_NAME"));
    assert_non_null(strstr(err.message, "ORACLE_SID"));
    /* both */
    kv[3] = (etlc_kv){"service_name", "sales"};
    kv[4] = (etlc_kv){"sid", "ORCL"};
    assert_int_equal(resolve(kv, 5, &cs, &display, &source, &err), ETLC_CONFIG);
    assert_non_null(strstr(err.message, "alternatives"));
    /* service name: descriptor to connect, EZConnect to show */
    kv[4] = (etlc_kv){"connect_timeout", "2500ms"};
    assert_int_equal(resolve(kv, 5, &cs, &display, &source, &err), ETLC_OK);
    assert_non_null(strstr(cs, "(CONNECT_TIMEOUT=3)"));
    assert_non_null(strstr(cs, "(SERVICE_NAME=sales)"));
    assert_string_equal(display, "db:1521/sales");
    assert_string_equal(source, "sales");
    assert_null(strstr(cs, CANARY));
    free(cs), free(display), free(source);
    /* sid */
    kv[3] = (etlc_kv){"sid", "ORCL"};
    assert_int_equal(resolve(kv, 4, &cs, &display, &source, &err), ETLC_OK);
    assert_non_null(strstr(cs, "(SID=ORCL)"));
    assert_string_equal(display, "db:1521 SID ORCL");
    free(cs), free(display), free(source);
    /* dsn with host is a conflict */
    kv[3] = (etlc_kv){"dsn", "db2:1522/hr"};
    assert_int_equal(resolve(kv, 4, &cs, &display, &source, &err), ETLC_CONFIG);
    /* dsn alone: EZConnect, alias, descriptor */
    kv[2] = (etlc_kv){"dsn", "db2:1522/hr"};
    assert_int_equal(resolve(kv, 3, &cs, &display, &source, &err), ETLC_OK);
    assert_string_equal(cs, "db2:1522/hr");
    assert_string_equal(source, "hr");
    free(cs), free(display), free(source);
    kv[2] = (etlc_kv){"dsn", "PRODDB"};
    assert_int_equal(resolve(kv, 3, &cs, &display, &source, &err), ETLC_OK);
    assert_string_equal(cs, "PRODDB");
    assert_string_equal(source, "PRODDB");
    free(cs), free(display), free(source);
    kv[2] = (etlc_kv){"dsn", "db2:x/hr"};
    assert_int_equal(resolve(kv, 3, &cs, &display, &source, &err), ETLC_CONFIG);
    /* enum-like and range checks from the table */
    kv[2] = (etlc_kv){"prefetch_rows", "-1"};
    assert_int_equal(load(kv, 3, &cfg, &err), ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "prefetch_rows"));
    kv[2] = (etlc_kv){"port", "0"};
    assert_int_equal(load(kv, 3, &cfg, &err), ETLC_CONFIG_RANGE);
    kv[2] = (etlc_kv){"servce_name", "x"};
    assert_int_equal(load(kv, 3, &cfg, &err), ETLC_CONFIG_UNKNOWN_KEY);
    assert_non_null(strstr(err.message, "service_name"));
    assert_null(strstr(err.message, CANARY));
}

static int open_with(const char *client_lib, etlc_connector **c, etlc_error *err)
{
    etlc_kv kv[] = {{"host", "127.0.0.1"}, {"port", "1"}, {"service_name", "FREEPDB1"}, {"username", "scott"},
                    {"password", CANARY}, {"client_lib", client_lib}};
    etlc_config *cfg = NULL;
    assert_int_equal(load(kv, client_lib ? 6 : 5, &cfg, err), ETLC_OK);
    const etlc_connector_ops *ops = NULL;
    assert_int_equal(etlc_registry_find("oracle", &ops, err), ETLC_OK);
    int rc = etlc_connector_open(ops, cfg, c, err);
    etlc_config_free(cfg);
    return rc;
}

static void missing_client_library(void **state)
{
    (void)state;
    tu_capture_logs();
    etlc_log_set_level(ETLC_LOG_TRACE);
    etlc_error err = {0};
    etlc_connector *c = NULL;
    /* client_lib naming a path that does not exist */
    assert_int_equal(open_with("/nonexistent/instantclient_23_5/libclntsh.so", &c, &err), ETLC_CONNECT);
    assert_null(c);
    assert_non_null(strstr(err.message, "/nonexistent/instantclient_23_5/libclntsh.so"));
    assert_non_null(strstr(err.message, "Instant Client Basic"));
    assert_non_null(strstr(err.message, "ORACLE_CLIENT_LIB"));
    assert_non_null(strstr(err.message, "LD_LIBRARY_PATH"));
    /* a directory without the library */
    char *dir = tu_tempdir("oracle");
    assert_int_equal(open_with(dir, &c, &err), ETLC_CONNECT);
    assert_non_null(strstr(err.message, "libclntsh.so"));
    assert_non_null(strstr(err.message, dir));
    /* a shared object that is not an Oracle client */
    char path[4300];
    snprintf(path, sizeof path, "%s/plugins/newprotocol.so", ETLCONN_BINARY_DIR);
    assert_int_equal(open_with(path, &c, &err), ETLC_CONNECT);
    assert_non_null(strstr(err.message, "not a usable Oracle client library"));
    assert_non_null(strstr(err.message, "OCIEnvNlsCreate"));
    /* nothing configured: the loader's search path (no client is installed here) */
    void *probe = dlopen("libclntsh.so", RTLD_NOW | RTLD_LOCAL);
    if (probe)
        fail_msg("an Oracle client is installed on this machine; this test expects none");
    assert_int_equal(open_with(NULL, &c, &err), ETLC_CONNECT);
    assert_non_null(strstr(err.message, "not found"));
    assert_non_null(strstr(err.message, "libclntsh.so.19.1"));
    assert_non_null(strstr(err.message, "Instant Client Basic"));
    assert_null(strstr(err.message, CANARY));
    assert_null(strstr(tu_logs(), CANARY));
    etlc_log_set_level(ETLC_LOG_WARN);
    tu_rmtree(dir);
    free(dir);
}

static void registry_lists_oracle(void **state)
{
    (void)state;
    const etlc_protocol_info *list = NULL;
    size_t n = etlc_registry_list(&list);
    int found = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, "oracle") == 0 && list[i].built_in && !list[i].plugin)
            found++;
    assert_int_equal(found, 1); /* (mssql may be compiled out of this build) */
}

static void error_mapping(void **state)
{
    (void)state;
    bool retry;
    assert_int_equal(etlc__oracle_code_for(12541, true, &retry), ETLC_CONNECT_REFUSED);
    assert_true(retry);
    assert_int_equal(etlc__oracle_code_for(12170, true, &retry), ETLC_CONNECT_TIMEOUT);
    assert_int_equal(etlc__oracle_code_for(12514, true, &retry), ETLC_CONNECT_NOT_FOUND);
    assert_int_equal(etlc__oracle_code_for(12505, true, &retry), ETLC_CONNECT_NOT_FOUND);
    assert_int_equal(etlc__oracle_code_for(1017, true, &retry), ETLC_AUTH);
    assert_false(retry);
    assert_int_equal(etlc__oracle_code_for(28000, true, &retry), ETLC_AUTH_DENIED);
    assert_int_equal(etlc__oracle_code_for(942, false, &retry), ETLC_QUERY);
    assert_int_equal(etlc__oracle_code_for(54, false, &retry), ETLC_BUSY);
    assert_true(retry);
    assert_int_equal(etlc__oracle_code_for(1013, false, &retry), ETLC_CANCELLED);
    assert_int_equal(etlc__oracle_code_for(3113, false, &retry), ETLC_CONNECT);
}

static void type_plan(void **state)
{
    (void)state;
    oracle_col c;
    memset(&c, 0, sizeof c);
    etlc__oracle_plan_column(SQLT_NUM, 10, 0, 22, 0, 4096, &c);
    assert_int_equal(c.type, ETLC_TYPE_INT64);
    assert_int_equal(c.define_type, SQLT_INT);
    etlc__oracle_plan_column(SQLT_NUM, 18, 0, 22, 0, 4096, &c);
    assert_int_equal(c.type, ETLC_TYPE_INT64);
    etlc__oracle_plan_column(SQLT_NUM, 19, 0, 22, 0, 4096, &c);
    assert_int_equal(c.type, ETLC_TYPE_DECIMAL);
    assert_int_equal(c.precision, 19);
    assert_int_equal(c.scale, 0);
    etlc__oracle_plan_column(SQLT_NUM, 12, 2, 22, 0, 4096, &c);
    assert_int_equal(c.type, ETLC_TYPE_DECIMAL);
    assert_int_equal(c.define_type, SQLT_STR);
    assert_int_equal(c.scale, 2);
    etlc__oracle_plan_column(SQLT_NUM, 0, -127, 22, 0, 4096, &c); /* bare NUMBER */
    assert_int_equal(c.type, ETLC_TYPE_DECIMAL);
    assert_int_equal(c.precision, 0);
    etlc__oracle_plan_column(SQLT_IBFLOAT, 0, 0, 4, 0, 4096, &c);
    assert_int_equal(c.type, ETLC_TYPE_DOUBLE);
    assert_int_equal(c.define_type, SQLT_BDOUBLE);
    etlc__oracle_plan_column(SQLT_IBDOUBLE, 0, 0, 8, 0, 4096, &c);
    assert_int_equal(c.type, ETLC_TYPE_DOUBLE);
    etlc__oracle_plan_column(SQLT_CHR, 0, 0, 400, 100, 4096, &c); /* VARCHAR2(100 CHAR) */
    assert_int_equal(c.type, ETLC_TYPE_TEXT);
    assert_int_equal(c.define_type, SQLT_LVC);
    assert_int_equal(c.buf_size, 4 + 400);
    etlc__oracle_plan_column(SQLT_AFC, 0, 0, 10, 10, 4096, &c); /* CHAR(10) */
    assert_int_equal(c.type, ETLC_TYPE_TEXT);
    etlc__oracle_plan_column(SQLT_CLOB, 0, 0, 4000, 0, 4096, &c);
    assert_int_equal(c.type, ETLC_TYPE_TEXT);
    assert_int_equal(c.buf_size, 4 + 4096);
    etlc__oracle_plan_column(SQLT_BIN, 0, 0, 16, 0, 4096, &c); /* RAW(16) */
    assert_int_equal(c.type, ETLC_TYPE_BYTES);
    assert_int_equal(c.define_type, SQLT_LVB);
    assert_int_equal(c.buf_size, 4 + 16);
    etlc__oracle_plan_column(SQLT_BLOB, 0, 0, 4000, 0, 4096, &c);
    assert_int_equal(c.type, ETLC_TYPE_BYTES);
    assert_int_equal(c.buf_size, 4 + 4096);
    etlc__oracle_plan_column(SQLT_DAT, 0, 0, 7, 0, 4096, &c);
    assert_int_equal(c.type, ETLC_TYPE_TIMESTAMP);
    assert_int_equal(c.define_type, SQLT_DAT);
    etlc__oracle_plan_column(SQLT_TIMESTAMP, 0, 6, 11, 0, 4096, &c);
    assert_int_equal(c.type, ETLC_TYPE_TIMESTAMP);
    assert_int_equal(c.desc_type, OCI_DTYPE_TIMESTAMP);
    etlc__oracle_plan_column(SQLT_TIMESTAMP_TZ, 0, 6, 13, 0, 4096, &c);
    assert_int_equal(c.desc_type, OCI_DTYPE_TIMESTAMP_TZ);
    etlc__oracle_plan_column(SQLT_TIMESTAMP_LTZ, 0, 6, 11, 0, 4096, &c);
    assert_int_equal(c.desc_type, OCI_DTYPE_TIMESTAMP_LTZ);
    etlc__oracle_plan_column(SQLT_RDD, 0, 0, 10, 0, 4096, &c); /* ROWID */
    assert_int_equal(c.type, ETLC_TYPE_TEXT);
    assert_int_equal(c.define_type, SQLT_STR);
}

static void date_and_number_decoding(void **state)
{
    (void)state;
    int64_t us;
    char ts[48];
    const ub1 d1[7] = {120, 124, 1, 31, 13, 35, 57}; /* 2024-01-31 12:34:56 */
    assert_int_equal(etlc__oracle_decode_date(d1, &us), 0);
    etlc_format_timestamp(us, ts, sizeof ts);
    assert_string_equal(ts, "2024-01-31T12:34:56.000000Z");
    const ub1 d2[7] = {119, 169, 12, 31, 24, 60, 60}; /* 1969-12-31 23:59:59 */
    assert_int_equal(etlc__oracle_decode_date(d2, &us), 0);
    assert_true(us == -1000000);
    const ub1 bad[7] = {120, 124, 13, 1, 1, 1, 1};
    assert_int_equal(etlc__oracle_decode_date(bad, &us), -1);

    struct { const char *in, *out; } cases[] = {
        {"-.5", "-0.5"}, {".5", "0.5"}, {"123", "123"}, {"-12.340", "-12.340"}, {"0", "0"},
        {"1E+20", "100000000000000000000"}, {"1.5E-7", "0.00000015"}, {"-1.25E+2", "-125"},
        {"12.5E+1", "125"}, {"1.2345E+2", "123.45"}, {"  42  ", "42"},
    };
    char out[200];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int n = etlc__oracle_number_text(cases[i].in, strlen(cases[i].in), out, sizeof out);
        if (n < 0 || strcmp(out, cases[i].out) != 0)
            fail_msg("'%s' -> '%s' (%d), expected '%s'", cases[i].in, n < 0 ? "error" : out, n, cases[i].out);
        assert_int_equal((size_t)n, strlen(cases[i].out));
    }
    assert_int_equal(etlc__oracle_number_text("abc", 3, out, sizeof out), -1);
    assert_int_equal(etlc__oracle_number_text("1.2.3", 5, out, sizeof out), -1);
    assert_int_equal(etlc__oracle_number_text("", 0, out, sizeof out), -1);
    assert_int_equal(etlc__oracle_number_text("1E+500", 6, out, sizeof out), -1);
}

/* Fetched buffers as OCI fills them -> record values. */
static void value_append(void **state)
{
    (void)state;
    oracle_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    oracle_col cols[6];
    memset(cols, 0, sizeof cols);
    const ub2 types[6] = {SQLT_NUM, SQLT_NUM, SQLT_IBDOUBLE, SQLT_CHR, SQLT_BIN, SQLT_DAT};
    const int precs[6] = {10, 12, 0, 0, 0, 0}, scales[6] = {0, 2, 0, 0, 0, 0};
    etlc_column_def defs[6];
    char names[6][4];
    for (int i = 0; i < 6; i++) {
        snprintf(names[i], sizeof names[i], "c%d", i);
        cols[i].name = names[i];
        etlc__oracle_plan_column(types[i], precs[i], scales[i], 16, 4, 64, &cols[i]);
        cols[i].buf = calloc(1, (size_t)cols[i].buf_size);
        defs[i] = (etlc_column_def){names[i], cols[i].type, cols[i].precision, cols[i].scale};
    }
    etlc_error err = {0};
    etlc_batch *b = NULL;
    assert_int_equal(etlc_batch_new(defs, 6, 4, &b, &err), ETLC_OK);
    int64_t i64 = -9876543210LL;
    memcpy(cols[0].buf, &i64, 8);
    strcpy(cols[1].buf, "-.05");
    double dv = 2.5;
    memcpy(cols[2].buf, &dv, 8);
    sb4 n = 6;
    memcpy(cols[3].buf, &n, 4);
    memcpy((char *)cols[3].buf + 4, "h\xc3\xa9llo", 6);
    n = 2;
    memcpy(cols[4].buf, &n, 4);
    memcpy((char *)cols[4].buf + 4, "\x00\xff", 2);
    const ub1 d[7] = {120, 124, 2, 29, 24, 60, 60};
    memcpy(cols[5].buf, d, 7);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(etlc__oracle_append(&ctx, b, i, &cols[i], 0, &err), ETLC_OK);
    assert_int_equal(etlc_batch_end_row(b, &err), ETLC_OK);
    for (size_t i = 0; i < 6; i++) {
        cols[i].ind = -1;
        assert_int_equal(etlc__oracle_append(&ctx, b, i, &cols[i], 1, &err), ETLC_OK);
    }
    assert_int_equal(etlc_batch_end_row(b, &err), ETLC_OK);
    size_t len;
    assert_true(b->cols[0].fixed.i64[0] == -9876543210LL);
    const uint8_t *p = etlc_column_var(&b->cols[1], 0, &len);
    assert_int_equal(len, 5);
    assert_memory_equal(p, "-0.05", 5);
    assert_true(b->cols[2].fixed.f64[0] == 2.5);
    p = etlc_column_var(&b->cols[3], 0, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(p, "h\xc3\xa9llo", 6);
    p = etlc_column_var(&b->cols[4], 0, &len);
    assert_int_equal(len, 2);
    char ts[48];
    etlc_format_timestamp(b->cols[5].fixed.i64[0], ts, sizeof ts);
    assert_string_equal(ts, "2024-02-29T23:59:59.000000Z");
    for (size_t i = 0; i < 6; i++)
        assert_true(etlc_column_is_null(&b->cols[i], 1));
    /* a truncated value is an error naming the column, never cut silently */
    cols[3].ind = 0;
    cols[3].rcode = 1406;
    assert_int_equal(etlc__oracle_append(&ctx, b, 3, &cols[3], 7, &err), ETLC_DATA_TYPE);
    assert_non_null(strstr(err.message, "'c3'"));
    assert_non_null(strstr(err.message, "row 8"));
    assert_non_null(strstr(err.message, "lob_max_bytes"));
    etlc_batch_free(b);
    for (int i = 0; i < 6; i++)
        free(cols[i].buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ezconnect_builder),      cmocka_unit_test(descriptor_builder),
        cmocka_unit_test(ezconnect_parser),       cmocka_unit_test(config_validation),
        cmocka_unit_test(missing_client_library), cmocka_unit_test(registry_lists_oracle),
        cmocka_unit_test(error_mapping),          cmocka_unit_test(type_plan),
        cmocka_unit_test(date_and_number_decoding), cmocka_unit_test(value_append),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
