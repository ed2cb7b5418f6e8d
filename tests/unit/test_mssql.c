/* SQL Server connector, tested up to the wire. No SQL Server was available
 * (none can run on the build machine), so nothing here talks to a real
 * server: the builders, validation, FreeTDS's own error paths against a
 * closed and a silent loopback port, the error mapping, and the type
 * mapping on values FreeTDS itself builds with dbconvert(). */
#include "testutil.h"
#include "connectors/mssql/mssql_internal.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CANARY "MsCanary-Pw-4d2b8e"

extern const etlc_connector_ops etlc_connector_mssql;

static char *server(const char *host, int64_t port, bool explicit_port, const char *instance, int expect)
{
    char *out = NULL;
    etlc_error err = {0};
    int rc = etlc__mssql_server_string(host, port, explicit_port, instance, &out, &err);
    if (rc != expect)
        fail_msg("server string for '%s': rc %s, expected %s: %s", host, etlc_code_name(rc), etlc_code_name(expect),
                 err.message);
    if (rc != ETLC_OK)
        assert_non_null(strstr(err.message, "mssql"));
    return out;
}

static void server_strings(void **state)
{
    (void)state;
    char *s;
    s = server("db.example.com", 1433, false, NULL, ETLC_OK);
    assert_string_equal(s, "db.example.com:1433");
    free(s);
    s = server("10.0.0.5", 14330, true, NULL, ETLC_OK);
    assert_string_equal(s, "10.0.0.5:14330");
    free(s);
    s = server("::1", 1433, false, NULL, ETLC_OK);
    assert_string_equal(s, "[::1]:1433");
    free(s);
    s = server("[fe80::1]", 2000, true, NULL, ETLC_OK);
    assert_string_equal(s, "[fe80::1]:2000");
    free(s);
    s = server("db", 1433, false, "SQLEXPRESS", ETLC_OK);   /* Browser finds the port */
    assert_string_equal(s, "db\\SQLEXPRESS");
    free(s);
    s = server("db", 1500, true, "SQLEXPRESS", ETLC_OK);    /* an explicit port wins */
    assert_string_equal(s, "db:1500");
    free(s);
    assert_null(server("db:1433", 1433, false, NULL, ETLC_CONFIG));
    assert_null(server("db host", 1433, false, NULL, ETLC_CONFIG));
    assert_null(server("db", 1433, false, "bad\\inst", ETLC_CONFIG));
    assert_null(server("[db]", 1433, false, NULL, ETLC_CONFIG));
    assert_null(server("", 1433, false, NULL, ETLC_CONFIG_MISSING_KEY));
    assert_null(server("db", 0, true, NULL, ETLC_CONFIG_RANGE));
}

static void small_builders(void **state)
{
    (void)state;
    assert_int_equal(etlc__mssql_tds_version("7.4"), DBVERSION_74);
    assert_int_equal(etlc__mssql_tds_version("7.0"), DBVERSION_70);
    assert_int_equal(etlc__mssql_tds_version("auto"), 0);
    assert_int_equal(etlc__mssql_tds_version("8.0"), -1);
    assert_int_equal(etlc__mssql_seconds(0), 0);
    assert_int_equal(etlc__mssql_seconds(1), 1);
    assert_int_equal(etlc__mssql_seconds(1500), 2);
    assert_int_equal(etlc__mssql_seconds(15000), 15);
}

/* Load an mssql config from overrides only (no environment). */
static int load(const etlc_kv *kv, size_t n, etlc_config **cfg, etlc_error *err)
{
    etlc_config_sources src = {.env_prefix = "", .overrides = kv, .overrides_len = n};
    return etlc_load_connection_config("sqlserver", &src, cfg, err);
}

static void config_validation(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc_config *cfg = NULL;
    /* required keys, each named with its environment variable */
    unsetenv("MSSQL_HOST");
    unsetenv("MSSQL_DATABASE");
    unsetenv("MSSQL_USERNAME");
    unsetenv("MSSQL_PASSWORD");
    etlc_config_sources env_src = {0};
    assert_int_equal(etlc_load_connection_config("mssql", &env_src, &cfg, &err), ETLC_CONFIG_MISSING_KEY);
    for (const char *k = "MSSQL_HOST\0MSSQL_DATABASE\0MSSQL_USERNAME\0MSSQL_PASSWORD\0"; *k; k += strlen(k) + 1)
        if (!strstr(err.message, k))
            fail_msg("missing-key error does not name %s: %s", k, err.message);
    etlc_kv base[] = {{"host", "db"}, {"database", "sales"}, {"username", "etl"}, {"password", CANARY},
                      {"tds_version", "8.0"}};
    assert_int_equal(load(base, 5, &cfg, &err), ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "tds_version"));
    assert_non_null(strstr(err.message, "8.0"));
    assert_non_null(strstr(err.message, "7.4"));
    base[4] = (etlc_kv){"encryption", "maybe"};
    assert_int_equal(load(base, 5, &cfg, &err), ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "encryption"));
    assert_non_null(strstr(err.message, "strict"));
    base[4] = (etlc_kv){"login_timeout", "soon"};
    assert_int_equal(load(base, 5, &cfg, &err), ETLC_CONFIG_TYPE);
    assert_non_null(strstr(err.message, "login_timeout"));
    base[4] = (etlc_kv){"port", "70000"};
    assert_int_equal(load(base, 5, &cfg, &err), ETLC_CONFIG_RANGE);
    base[4] = (etlc_kv){"pasword", "x"};
    assert_int_equal(load(base, 5, &cfg, &err), ETLC_CONFIG_UNKNOWN_KEY);
    assert_non_null(strstr(err.message, "password"));
    assert_null(strstr(err.message, CANARY));

    /* defaults */
    assert_int_equal(load(base, 4, &cfg, &err), ETLC_OK);
    assert_int_equal(etlc_config_get_int(cfg, "port"), 1433);
    assert_string_equal(etlc_config_get_string(cfg, "tds_version"), "7.4");
    assert_string_equal(etlc_config_get_string(cfg, "encryption"), "request");
    assert_false(etlc_config_get_bool(cfg, "trust_server_certificate"));
    assert_int_equal(etlc__mssql_check_config(cfg, &err), ETLC_OK);
    /* the login record takes the password; no message was written */
    LOGINREC *login = NULL;
    assert_int_equal(etlc__mssql_login_new(cfg, &login, &err), ETLC_OK);
    assert_non_null(login);
    dbloginfree(login);
    etlc_config_free(cfg);
}

/* Levels db-lib cannot set per connection are refused, not ignored. */
static void unsupported_tls_settings(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc_connector *c = NULL;
    const etlc_connector_ops *ops = NULL;
    assert_int_equal(etlc_registry_find("mssql", &ops, &err), ETLC_OK);
    const char *levels[] = {"off", "require", "strict"};
    for (size_t i = 0; i < 3; i++) {
        etlc_kv kv[] = {{"host", "127.0.0.1"}, {"database", "sales"}, {"username", "etl"}, {"password", CANARY},
                        {"encryption", levels[i]}};
        etlc_config *cfg = NULL;
        assert_int_equal(load(kv, 5, &cfg, &err), ETLC_OK);
        assert_int_equal(etlc_connector_open(ops, cfg, &c, &err), ETLC_UNSUPPORTED);
        assert_null(c);
        assert_non_null(strstr(err.message, levels[i]));
        assert_non_null(strstr(err.message, "freetds.conf"));
        etlc_config_free(cfg);
    }
    etlc_kv kv[] = {{"host", "127.0.0.1"}, {"database", "sales"}, {"username", "etl"}, {"password", CANARY},
                    {"trust_server_certificate", "true"}};
    etlc_config *cfg = NULL;
    assert_int_equal(load(kv, 5, &cfg, &err), ETLC_OK);
    assert_int_equal(etlc_connector_open(ops, cfg, &c, &err), ETLC_UNSUPPORTED);
    assert_non_null(strstr(err.message, "trust_server_certificate"));
    etlc_config_free(cfg);
}

static void registry_names(void **state)
{
    (void)state;
    etlc_error err = {0};
    const etlc_connector_ops *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(etlc_registry_find("mssql", &a, &err), ETLC_OK);
    assert_int_equal(etlc_registry_find("SQLServer", &b, &err), ETLC_OK);
    assert_int_equal(etlc_registry_find("tds", &c, &err), ETLC_OK);
    assert_ptr_equal(a, &etlc_connector_mssql);
    assert_ptr_equal(a, b);
    assert_ptr_equal(a, c);
    const etlc_protocol_info *list = NULL;
    size_t n = etlc_registry_list(&list);
    bool found = false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].name, "mssql") == 0)
            found = list[i].built_in && !list[i].plugin;
    assert_true(found);
}

/* A loopback port nobody listens on. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_at(int port, const char *login_timeout, etlc_connector **c, etlc_error *err)
{
    char portbuf[16];
    snprintf(portbuf, sizeof portbuf, "%d", port);
    etlc_kv kv[] = {{"host", "127.0.0.1"}, {"port", portbuf}, {"database", "sales"}, {"username", "etl"},
                    {"password", CANARY}, {"login_timeout", login_timeout}};
    etlc_config *cfg = NULL;
    int rc = load(kv, 6, &cfg, err);
    assert_int_equal(rc, ETLC_OK);
    const etlc_connector_ops *ops = NULL;
    assert_int_equal(etlc_registry_find("mssql", &ops, err), ETLC_OK);
    rc = etlc_connector_open(ops, cfg, c, err);
    etlc_config_free(cfg);
    return rc;
}

static void refused_on_closed_port(void **state)
{
    (void)state;
    tu_capture_logs();
    etlc_log_set_level(ETLC_LOG_TRACE);
    etlc_error err = {0};
    etlc_connector *c = NULL;
    double t0 = now_s();
    int rc = open_at(closed_port(), "5s", &c, &err);
    double took = now_s() - t0;
    assert_int_equal(rc, ETLC_CONNECT_REFUSED);
    assert_null(c);
    assert_true(took < 5.0);
    assert_true(err.retryable);
    assert_non_null(strstr(err.message, "127.0.0.1:"));
    assert_non_null(strstr(err.message, "refused"));
    assert_null(strstr(err.message, CANARY));
    assert_null(strstr(tu_logs(), CANARY));
    assert_non_null(strstr(tu_logs(), "mssql")); /* the handlers did log */
    etlc_log_set_level(ETLC_LOG_WARN);
}

/* A listener that accepts and never answers: the login must give up
 * after login_timeout with CONNECT_TIMEOUT. */
static void *accept_and_hold(void *arg)
{
    int lfd = *(int *)arg;
    int fd = accept(lfd, NULL, NULL);
    char buf[512];
    while (fd >= 0 && read(fd, buf, sizeof buf) > 0) {
    }
    if (fd >= 0)
        close(fd);
    return NULL;
}

static void timeout_on_silent_server(void **state)
{
    (void)state;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(lfd, 4), 0);
    socklen_t len = sizeof a;
    getsockname(lfd, (struct sockaddr *)&a, &len);
    pthread_t th;
    pthread_create(&th, NULL, accept_and_hold, &lfd);
    etlc_error err = {0};
    etlc_connector *c = NULL;
    double t0 = now_s();
    int rc = open_at(ntohs(a.sin_port), "1s", &c, &err);
    double took = now_s() - t0;
    shutdown(lfd, SHUT_RDWR);
    close(lfd);
    pthread_join(th, NULL);
    if (rc != ETLC_CONNECT_TIMEOUT)
        fail_msg("rc %s: %s", etlc_code_name(rc), err.message);
    assert_true(took >= 0.9 && took < 10.0);
    assert_null(strstr(err.message, CANARY));
}

static void error_mapping(void **state)
{
    (void)state;
    bool retry;
    mssql_diag d = {.msgno = 18456, .severity = 14};
    assert_int_equal(etlc__mssql_code_for(&d, true, &retry), ETLC_AUTH);
    assert_false(retry);
    d = (mssql_diag){.msgno = 4060};
    assert_int_equal(etlc__mssql_code_for(&d, true, &retry), ETLC_CONNECT_NOT_FOUND);
    d = (mssql_diag){.msgno = 1205};
    assert_int_equal(etlc__mssql_code_for(&d, false, &retry), ETLC_BUSY);
    assert_true(retry);
    d = (mssql_diag){.msgno = 208, .severity = 16};
    assert_int_equal(etlc__mssql_code_for(&d, false, &retry), ETLC_QUERY);
    d = (mssql_diag){.dberr = SYBETIME};
    assert_int_equal(etlc__mssql_code_for(&d, true, &retry), ETLC_CONNECT_TIMEOUT);
    assert_int_equal(etlc__mssql_code_for(&d, false, &retry), ETLC_TIMEOUT);
    d = (mssql_diag){.dberr = SYBEUHST};
    assert_int_equal(etlc__mssql_code_for(&d, true, &retry), ETLC_CONNECT_NOT_FOUND);
    d = (mssql_diag){.dberr = SYBESEOF};
    assert_int_equal(etlc__mssql_code_for(&d, false, &retry), ETLC_PROTOCOL);

    etlc_error err = {0};
    d = (mssql_diag){.msgno = 18456, .severity = 14, .msgstate = 1};
    snprintf(d.srvmsg, sizeof d.srvmsg, "Login failed for user 'etl'.");
    assert_int_equal(etlc__mssql_error(&err, &d, true, "cannot connect"), ETLC_AUTH);
    assert_string_equal(err.message, "cannot connect: Login failed for user 'etl'. (server msg 18456, severity 14, state 1)");
    assert_int_equal(err.native_code, 18456);
}

static void params_refused(void **state)
{
    (void)state;
    void *ctx = calloc(1, etlc_connector_mssql.context_size);
    etlc_param p = {.type = ETLC_TYPE_TEXT, .data = "US", .len = 2};
    etlc_fetch_request req = {.query = "SELECT * FROM t WHERE c = @p", .params = &p, .nparams = 1};
    etlc_batch_consumer consumer = {0};
    etlc_error err = {0};
    assert_int_equal(etlc_connector_mssql.fetch(ctx, &req, consumer, &err), ETLC_UNSUPPORTED);
    assert_non_null(strstr(err.message, "parameter"));
    assert_null(strstr(err.message, "US'"));
    free(ctx);
}

/* ---- type mapping on FreeTDS-built values -------------------------------- */

static void to_native(int type, const char *text, BYTE *out, DBINT outsz, DBINT *len)
{
    *len = dbconvert(NULL, SYBCHAR, (const BYTE *)text, (DBINT)strlen(text), type, out, outsz);
    if (*len < 0)
        fail_msg("FreeTDS cannot build type %d from '%s'", type, text);
}

static void type_mapping(void **state)
{
    (void)state;
    etlc_error err = {0};
    assert_int_equal(etlc__mssql_init(&err), ETLC_OK);
    int types[] = {SYBINT1, SYBINT2, SYBINT4, SYBINT8, SYBBIT, SYBDECIMAL, SYBMONEY, SYBMONEY4, SYBFLT8, SYBREAL,
                   SYBVARCHAR, SYBVARBINARY, SYBMSDATE, SYBDATETIME, SYBMSDATETIME2, SYBMSDATETIMEOFFSET,
                   MSSQL_TYPE_UNIQUE, SYBMSTIME, MSSQL_TYPE_XML};
    enum { N = sizeof types / sizeof types[0] };
    etlc_type want[N] = {ETLC_TYPE_INT64, ETLC_TYPE_INT64, ETLC_TYPE_INT64, ETLC_TYPE_INT64, ETLC_TYPE_BOOL,
                         ETLC_TYPE_DECIMAL, ETLC_TYPE_DECIMAL, ETLC_TYPE_DECIMAL, ETLC_TYPE_DOUBLE, ETLC_TYPE_DOUBLE,
                         ETLC_TYPE_TEXT, ETLC_TYPE_BYTES, ETLC_TYPE_DATE, ETLC_TYPE_TIMESTAMP, ETLC_TYPE_TIMESTAMP,
                         ETLC_TYPE_TIMESTAMP, ETLC_TYPE_TEXT, ETLC_TYPE_TEXT, ETLC_TYPE_TEXT};
    etlc_column_def defs[N];
    char names[N][8];
    for (size_t i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "c%zu", i);
        defs[i].name = names[i];
        defs[i].type = etlc__mssql_column_type(types[i], 12, 3, &defs[i].precision, &defs[i].scale);
        assert_int_equal(defs[i].type, want[i]);
    }
    assert_int_equal(defs[5].precision, 12);
    assert_int_equal(defs[5].scale, 3);
    assert_int_equal(defs[6].precision, 19);
    assert_int_equal(defs[6].scale, 4);
    etlc_batch *b = NULL;
    assert_int_equal(etlc_batch_new(defs, N, 4, &b, &err), ETLC_OK);

    BYTE v[N][64];
    DBINT len[N];
    to_native(SYBINT1, "255", v[0], 64, &len[0]);
    to_native(SYBINT2, "-32768", v[1], 64, &len[1]);
    to_native(SYBINT4, "-2147483648", v[2], 64, &len[2]);
    to_native(SYBINT8, "9223372036854775807", v[3], 64, &len[3]);
    to_native(SYBBIT, "1", v[4], 64, &len[4]);
    DBTYPEINFO ti = {12, 3};
    len[5] = dbconvert_ps(NULL, SYBCHAR, (const BYTE *)"-0.500", 6, SYBDECIMAL, v[5], 64, &ti);
    assert_true(len[5] > 0);
    DBMONEY m = {.mnyhigh = -1, .mnylow = 0xFFFFFFFFu - 12344}; /* -1.2345 */
    memcpy(v[6], &m, sizeof m);
    len[6] = 8;
    DBMONEY4 m4 = {.mny4 = 1234567}; /* 123.4567 */
    memcpy(v[7], &m4, sizeof m4);
    len[7] = 4;
    to_native(SYBFLT8, "-2.5", v[8], 64, &len[8]);
    to_native(SYBREAL, "0.25", v[9], 64, &len[9]);
    memcpy(v[10], "h\xc3\xa9llo", 6);
    len[10] = 6;
    memcpy(v[11], "\x00\xff\x10", 3);
    len[11] = 3;
    to_native(SYBMSDATE, "1969-12-31", v[12], 64, &len[12]);
    to_native(SYBDATETIME, "2024-01-31 12:34:56.123", v[13], 64, &len[13]);
    to_native(SYBMSDATETIME2, "1900-01-01 00:00:00.000001", v[14], 64, &len[14]);
    to_native(SYBMSDATETIMEOFFSET, "2024-01-31 12:34:56.5", v[15], 64, &len[15]);
    to_native(MSSQL_TYPE_UNIQUE, "6F9619FF-8B86-D011-B42D-00C04FC964FF", v[16], 64, &len[16]);
    to_native(SYBMSTIME, "23:59:58.25", v[17], 64, &len[17]);
    memcpy(v[18], "<a/>", 4);
    len[18] = 4;
    /* The mirror of FreeTDS's datetimeoffset layout reads the value FreeTDS built. */
    etlc__mssql_datetimeall dta;
    assert_int_equal(len[15], (DBINT)sizeof dta);
    memcpy(&dta, v[15], sizeof dta);
    assert_int_equal(dta.offset_minutes, 0);
    assert_true(dta.time_100ns == (uint64_t)((12 * 3600 + 34 * 60 + 56) * 10000000ULL + 5000000ULL));

    for (size_t i = 0; i < N; i++)
        assert_int_equal(etlc__mssql_append_value(b, i, types[i], v[i], len[i], 0, &err), ETLC_OK);
    assert_int_equal(etlc_batch_end_row(b, &err), ETLC_OK);
    /* Row 2: the same instant written at +02:00 is the same UTC time. */
    dta.offset_minutes = 120;
    memcpy(v[15], &dta, sizeof dta);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(etlc__mssql_append_value(b, i, types[i], i == 15 ? v[i] : NULL, len[i], 1, &err), ETLC_OK);
    assert_int_equal(etlc_batch_end_row(b, &err), ETLC_OK);

    size_t n;
    const uint8_t *p;
    assert_int_equal(b->cols[0].fixed.i64[0], 255);
    assert_int_equal(b->cols[1].fixed.i64[0], -32768);
    assert_int_equal(b->cols[2].fixed.i64[0], INT32_MIN);
    assert_true(b->cols[3].fixed.i64[0] == INT64_MAX);
    assert_int_equal(b->cols[4].fixed.b[0], 1);
    p = etlc_column_var(&b->cols[5], 0, &n);
    assert_int_equal(n, 6);
    assert_memory_equal(p, "-0.500", 6);
    p = etlc_column_var(&b->cols[6], 0, &n);
    assert_int_equal(n, 7);
    assert_memory_equal(p, "-1.2345", 7);
    p = etlc_column_var(&b->cols[7], 0, &n);
    assert_memory_equal(p, "123.4567", 8);
    assert_true(b->cols[8].fixed.f64[0] == -2.5);
    assert_true(b->cols[9].fixed.f64[0] == 0.25);
    p = etlc_column_var(&b->cols[10], 0, &n);
    assert_memory_equal(p, "h\xc3\xa9llo", 6);
    p = etlc_column_var(&b->cols[11], 0, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(p, "\x00\xff\x10", 3);
    assert_int_equal(b->cols[12].fixed.i32[0], -1);
    char ts[48];
    etlc_format_timestamp(b->cols[13].fixed.i64[0], ts, sizeof ts);
    assert_string_equal(ts, "2024-01-31T12:34:56.123000Z");
    etlc_format_timestamp(b->cols[14].fixed.i64[0], ts, sizeof ts);
    assert_string_equal(ts, "1900-01-01T00:00:00.000001Z");
    etlc_format_timestamp(b->cols[15].fixed.i64[0], ts, sizeof ts);
    assert_string_equal(ts, "2024-01-31T12:34:56.500000Z");
    etlc_format_timestamp(b->cols[15].fixed.i64[1], ts, sizeof ts);
    assert_string_equal(ts, "2024-01-31T12:34:56.500000Z");
    p = etlc_column_var(&b->cols[16], 0, &n);
    assert_int_equal(n, 36);
    assert_memory_equal(p, "6F9619FF-8B86-D011-B42D-00C04FC964FF", 36);
    p = etlc_column_var(&b->cols[17], 0, &n);
    assert_memory_equal(p, "23:59:58.250000", 15);
    p = etlc_column_var(&b->cols[18], 0, &n);
    assert_memory_equal(p, "<a/>", 4);
    /* NULL stays NULL in every type */
    for (size_t i = 0; i < N; i++)
        if (i != 15)
            assert_true(etlc_column_is_null(&b->cols[i], 1));
    etlc_batch_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(server_strings),         cmocka_unit_test(small_builders),
        cmocka_unit_test(config_validation),      cmocka_unit_test(unsupported_tls_settings),
        cmocka_unit_test(registry_names),         cmocka_unit_test(refused_on_closed_port),
        cmocka_unit_test(timeout_on_silent_server), cmocka_unit_test(error_mapping),
        cmocka_unit_test(params_refused),         cmocka_unit_test(type_mapping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
