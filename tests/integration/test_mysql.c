/* The MariaDB/MySQL connector against a real MariaDB started here through
 * tests/services/mariadb (its own data dir under the build tree). A server
 * that does not start fails the whole program: nothing is skipped.
 * Not the run's shared server: one case kills the whole server (SIGKILL to
 * mysqld) mid-read, which would break the other tests. */
#include "testutil.h"
#include "service_peer.h"

#include <mysql.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/connector_internal.h"
#include "core/internal.h"
#include "connectors/mysql/my_internal.h"

static char g_admin_pw[128];
static char g_pidfile[4200];
static char g_socket[4200];

/* ---- service and helpers ---------------------------------------------------- */

static void my_extra(const char *name, const char *value)
{
    if (strcmp(name, "ETLC_MYSQL_ADMIN_PASSWORD") == 0)
        snprintf(g_admin_pw, sizeof g_admin_pw, "%s", value);
    else if (strcmp(name, "ETLC_MYSQL_SOCKET") == 0)
        snprintf(g_socket, sizeof g_socket, "%s", value);
    else if (strcmp(name, "ETLC_MYSQL_PIDFILE") == 0)
        snprintf(g_pidfile, sizeof g_pidfile, "%s", value);
}

static int start_server(void **state)
{
    (void)state;
    if (service_peer_start("mariadb", "test", "MYSQL_", my_extra) != 0)
        return -1;
    return getenv("MYSQL_PORT") && g_admin_pw[0] && g_pidfile[0] ? 0 : -1;
}

static int stop_server(void **state)
{
    (void)state;
    etlc_close_all_connections();
    service_peer_stop();
    return 0;
}

/* A direct client connection (as the test user, or the admin). */
static MYSQL *raw_conn(bool admin)
{
    MYSQL *m = mysql_init(NULL);
    unsigned proto = MYSQL_PROTOCOL_TCP;
    mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &proto);
    mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(m, getenv("MYSQL_HOST"), admin ? "etlc_admin" : getenv("MYSQL_USERNAME"),
                            admin ? g_admin_pw : getenv("MYSQL_PASSWORD"), getenv("MYSQL_DATABASE"),
                            (unsigned)atoi(getenv("MYSQL_PORT")), NULL, CLIENT_MULTI_STATEMENTS))
        fail_msg("raw connection failed: %s", mysql_error(m));
    return m;
}

static void exec_on(MYSQL *m, const char *sql)
{
    if (mysql_query(m, sql) != 0)
        fail_msg("setup SQL failed: %s", mysql_error(m));
    do { /* drain every statement's result */
        MYSQL_RES *r = mysql_store_result(m);
        mysql_free_result(r);
    } while (mysql_next_result(m) == 0);
}

static void exec_sql(const char *sql)
{
    MYSQL *m = raw_conn(false);
    exec_on(m, sql);
    mysql_close(m);
}

/* A fresh (uncached) connector with extra overrides on top of the MYSQL_* env. */
static int open_my(const etlc_kv *ov, size_t n, etlc_connector **out, etlc_error *err)
{
    etlc_config_sources src = {.overrides = ov, .overrides_len = n};
    etlc_get_options opts = {.no_reuse = true};
    return etlc_get_connection("mysql", &src, &opts, out, err);
}

/* Renders every value as text so results can be compared exactly. */
typedef struct capture {
    etlc__buf text;
    etlc_column_def defs[40];
    size_t ncols;
    uint64_t rows;
    uint64_t batches;
    int fail_after; /* > 0: fail with ETLC_IO at that batch */
} capture;

static int capture_batch(void *ud, const etlc_batch *b, etlc_error *err)
{
    capture *cap = ud;
    if (cap->fail_after > 0 && (int)cap->batches + 1 >= cap->fail_after)
        return etlc_error_set(err, ETLC_IO, "consumer refuses batch %llu", (unsigned long long)cap->batches);
    if (cap->batches++ == 0) {
        cap->ncols = b->ncols;
        for (size_t c = 0; c < b->ncols && c < 40; c++) {
            cap->defs[c] = b->cols[c].def;
            cap->defs[c].name = NULL; /* borrowed; gone after the fetch */
        }
    }
    for (size_t r = 0; r < b->nrows; r++) {
        for (size_t c = 0; c < b->ncols; c++) {
            const etlc_column *col = &b->cols[c];
            char tmp[64];
            if (c)
                etlc__buf_putc(&cap->text, '|');
            if (etlc_column_is_null(col, r)) {
                etlc__buf_puts(&cap->text, "NULL");
                continue;
            }
            size_t len;
            const uint8_t *p;
            switch (col->def.type) {
            case ETLC_TYPE_BOOL: etlc__buf_puts(&cap->text, col->fixed.b[r] ? "t" : "f"); break;
            case ETLC_TYPE_INT64: etlc__buf_printf(&cap->text, "%lld", (long long)col->fixed.i64[r]); break;
            case ETLC_TYPE_DOUBLE: etlc__buf_printf(&cap->text, "%.17g", col->fixed.f64[r]); break;
            case ETLC_TYPE_DATE: etlc_format_date(col->fixed.i32[r], tmp, sizeof tmp); etlc__buf_puts(&cap->text, tmp); break;
            case ETLC_TYPE_TIMESTAMP: etlc_format_timestamp(col->fixed.i64[r], tmp, sizeof tmp); etlc__buf_puts(&cap->text, tmp); break;
            case ETLC_TYPE_BYTES:
                p = etlc_column_var(col, r, &len);
                if (len > 30) {
                    char hex[65];
                    etlc__sha256_hex(p, len, hex);
                    etlc__buf_printf(&cap->text, "<%zu bytes %.12s>", len, hex);
                    break;
                }
                etlc__buf_puts(&cap->text, "0x");
                for (size_t i = 0; i < len; i++)
                    etlc__buf_printf(&cap->text, "%02x", p[i]);
                break;
            default:
                p = etlc_column_var(col, r, &len);
                if (len > 80) { /* long values: length and a digest keep the expectations short */
                    char hex[65];
                    etlc__sha256_hex(p, len, hex);
                    etlc__buf_printf(&cap->text, "<%zu bytes %.12s>", len, hex);
                } else {
                    etlc__buf_append(&cap->text, p, len);
                }
                break;
            }
        }
        etlc__buf_putc(&cap->text, '\n');
        cap->rows++;
    }
    return 0;
}

/* Fetch through the connector's own ops (no lake) in `mode`. */
static int fetch_mode(const char *mode, const char *query, const etlc_param *params, size_t nparams, capture *cap,
                      etlc_error *err, const etlc_kv *extra, size_t nextra)
{
    etlc_kv ov[8] = {{"fetch_mode", mode}};
    for (size_t i = 0; i < nextra && i < 7; i++)
        ov[1 + i] = extra[i];
    etlc_connector *c = NULL;
    int rc = open_my(ov, 1 + nextra, &c, err);
    if (rc != 0)
        return rc;
    etlc_fetch_request req = {.query = query, .params = params, .nparams = nparams, .batch_rows = 3};
    etlc_batch_consumer consumer = {capture_batch, cap};
    rc = c->ops->fetch(c->ctx, &req, consumer, err);
    etlc_connector_release(c);
    return rc;
}

/* Same query as text and as a prepared statement: identical text, returned (malloc'd). */
static char *fetch_both(const char *query, capture *text_cap, const etlc_kv *extra, size_t nextra)
{
    capture prep = {0};
    etlc_error err = {0};
    if (fetch_mode("text", query, NULL, 0, text_cap, &err, extra, nextra) != 0)
        fail_msg("text fetch failed: %s", err.message);
    if (fetch_mode("prepared", query, NULL, 0, &prep, &err, extra, nextra) != 0)
        fail_msg("prepared fetch failed: %s", err.message);
    assert_string_equal(text_cap->text.data ? text_cap->text.data : "", prep.text.data ? prep.text.data : "");
    assert_int_equal(text_cap->ncols, prep.ncols);
    for (size_t i = 0; i < prep.ncols; i++) {
        assert_int_equal(text_cap->defs[i].type, prep.defs[i].type);
        assert_int_equal(text_cap->defs[i].precision, prep.defs[i].precision);
        assert_int_equal(text_cap->defs[i].scale, prep.defs[i].scale);
    }
    etlc__buf_free(&prep.text);
    return etlc__buf_take(&text_cap->text);
}

/* Both modes fail with `code` and a message holding every needle. */
static void both_fail(const char *query, int code, const char *n1, const char *n2)
{
    const char *modes[] = {"text", "prepared"};
    for (int m = 0; m < 2; m++) {
        capture cap = {0};
        etlc_error err = {0};
        int rc = fetch_mode(modes[m], query, NULL, 0, &cap, &err, NULL, 0);
        if (rc != code)
            fail_msg("%s: expected %s, got %s: %s", modes[m], etlc_code_name(code), etlc_code_name(rc), err.message);
        if (n1 && !strstr(err.message, n1))
            fail_msg("%s: '%s' not in: %s", modes[m], n1, err.message);
        if (n2 && !strstr(err.message, n2))
            fail_msg("%s: '%s' not in: %s", modes[m], n2, err.message);
        etlc__buf_free(&cap.text);
    }
}

/* ---- tests ------------------------------------------------------------------ */

static void health_reports_version_db_and_user(void **state)
{
    (void)state;
    etlc_health h;
    etlc_error err = {0};
    etlc_config_sources src = {0};
    assert_int_equal(etlc_test_connection("mariadb", &src, &h, &err), ETLC_OK);
    assert_true(h.healthy);
    assert_non_null(strstr(h.server_version, "MariaDB 10."));
    assert_non_null(strstr(h.detail, "database etlc_test as etlc_test@"));
    assert_true(h.latency_ms > 0);
}

static void every_type_round_trips_identically_in_both_modes(void **state)
{
    (void)state;
    exec_sql("DROP TABLE IF EXISTS all_types;"
             "CREATE TABLE all_types (id INT PRIMARY KEY, ti TINYINT, si SMALLINT, mi MEDIUMINT, i INT, bi BIGINT,"
             " ubi BIGINT UNSIGNED, ui INT UNSIGNED, b BOOLEAN, bit1 BIT(1), bit12 BIT(12), dc DECIMAL(12,3),"
             " f FLOAT, d DOUBLE, dt DATE, dtm DATETIME(6), ts TIMESTAMP(6) NULL, tm TIME(3), y YEAR, c CHAR(4),"
             " vc VARCHAR(50), tx TEXT, bl BLOB, bn BINARY(3), vb VARBINARY(10), j JSON, e ENUM('a','b'),"
             " st SET('x','y'));"
             "INSERT INTO all_types VALUES"
             " (1, -128, -32768, -8388608, -2147483648, -9223372036854775808, 0, 0, FALSE, b'0', b'000000000001',"
             "  -123456789.125, 1.5, 0.1, '1969-12-31', '1969-12-31 23:59:59.999999', '1970-01-01 00:00:01',"
             "  '-838:59:59', 1901, 'ab', 'héllo wörld 日本語 🎉', REPEAT('long text ', 100), X'00FF10', 'abc', X'',"
             "  '{\"k\": [1, 2]}', 'b', 'x,y'),"
             " (2, 127, 32767, 8388607, 2147483647, 9223372036854775807, 9223372036854775807, 4294967295, TRUE, b'1',"
             "  b'111111111111', 999999999.999, -3.25e38, -1.7976931348623157e308, '9999-12-31',"
             "  '1000-01-01 00:00:00', '2038-01-19 03:14:07.499999', '12:34:56.789', 2155, '', '', '', REPEAT(X'AB', 1000),"
             "  X'000000', X'0102', '[]', 'a', ''),"
             " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
             "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)");
    capture cap = {0};
    char *text = fetch_both("SELECT * FROM all_types ORDER BY id", &cap, NULL, 0);
    const char *expected =
        "1|-128|-32768|-8388608|-2147483648|-9223372036854775808|0|0|f|f|1|-123456789.125|1.5|0.10000000000000001|"
        "1969-12-31|1969-12-31T23:59:59.999999Z|1970-01-01T00:00:01.000000Z|-838:59:59.000|1901|ab|"
        "héllo wörld 日本語 🎉|<1000 bytes 71352e52d6f8>|0x00ff10|0x616263|0x|{\"k\": [1, 2]}|b|x,y\n"
        "2|127|32767|8388607|2147483647|9223372036854775807|9223372036854775807|4294967295|t|t|4095|999999999.999|"
        "-3.2500000000000001e+38|-1.7976931348623157e+308|9999-12-31|1000-01-01T00:00:00.000000Z|"
        "2038-01-19T03:14:07.499999Z|12:34:56.789|2155||||<1000 bytes 1cfbcd29ecde>|0x000000|0x0102|[]|a|\n"
        "3|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|"
        "NULL|NULL|NULL|NULL|NULL|NULL\n";
    assert_string_equal(text, expected);
    static const etlc_type types[] = {
        ETLC_TYPE_INT64, ETLC_TYPE_INT64, ETLC_TYPE_INT64, ETLC_TYPE_INT64, ETLC_TYPE_INT64, ETLC_TYPE_INT64,
        ETLC_TYPE_INT64, ETLC_TYPE_INT64, ETLC_TYPE_BOOL, ETLC_TYPE_BOOL, ETLC_TYPE_INT64, ETLC_TYPE_DECIMAL,
        ETLC_TYPE_DOUBLE, ETLC_TYPE_DOUBLE, ETLC_TYPE_DATE, ETLC_TYPE_TIMESTAMP, ETLC_TYPE_TIMESTAMP,
        ETLC_TYPE_TEXT, ETLC_TYPE_INT64, ETLC_TYPE_TEXT, ETLC_TYPE_TEXT, ETLC_TYPE_TEXT, ETLC_TYPE_BYTES,
        ETLC_TYPE_BYTES, ETLC_TYPE_BYTES, ETLC_TYPE_JSON, ETLC_TYPE_TEXT, ETLC_TYPE_TEXT};
    assert_int_equal(cap.ncols, ETLC__ARRAY_LEN(types));
    for (size_t i = 0; i < ETLC__ARRAY_LEN(types); i++)
        if (cap.defs[i].type != types[i])
            fail_msg("column %zu: type %s, expected %s", i, etlc_type_name(cap.defs[i].type), etlc_type_name(types[i]));
    assert_int_equal(cap.defs[11].precision, 12);
    assert_int_equal(cap.defs[11].scale, 3);
    assert_int_equal(cap.rows, 3);
    assert_int_equal(cap.batches, 1); /* batch_rows 3: one full batch, no empty trailer */
    free(text);
}

static void decimals_unsigned_and_bool_edges(void **state)
{
    (void)state;
    capture cap = {0};
    char *text = fetch_both("SELECT CAST('-12345678901234567890123456789012345.123456789012345678901234567890' AS DECIMAL(65,30)) AS big,"
                            " CAST(0.0001 AS DECIMAL(5,4)) AS small, CAST(-0.5 AS DECIMAL(3,1)) AS neg,"
                            " CAST(42 AS DECIMAL(10,0)) AS whole, CAST(7 AS DECIMAL(4,2) ) + 0 AS sum_col",
                            &cap, NULL, 0);
    assert_string_equal(text, "-12345678901234567890123456789012345.123456789012345678901234567890|0.0001|-0.5|42|7.00\n");
    assert_int_equal(cap.defs[0].type, ETLC_TYPE_DECIMAL);
    assert_int_equal(cap.defs[0].precision, 65);
    assert_int_equal(cap.defs[0].scale, 30);
    assert_int_equal(cap.defs[1].precision, 5);
    assert_int_equal(cap.defs[1].scale, 4);
    assert_int_equal(cap.defs[3].precision, 10);
    assert_int_equal(cap.defs[3].scale, 0);
    free(text);

    exec_sql("DROP TABLE IF EXISTS edges; CREATE TABLE edges (id INT, u BIGINT UNSIGNED, flag TINYINT(1));"
             "INSERT INTO edges VALUES (1, 9223372036854775807, 1), (2, 9223372036854775808, 0),"
             " (3, 18446744073709551615, 5)");
    /* above INT64_MAX: an error naming column, row and the way out */
    both_fail("SELECT id, u FROM edges ORDER BY id", ETLC_DATA_TYPE, "column 'u' row 2", "unsigned_bigint=decimal");
    /* as decimals: exact */
    capture c2 = {0};
    etlc_kv dec[] = {{"unsigned_bigint", "decimal"}};
    text = fetch_both("SELECT u FROM edges ORDER BY id", &c2, dec, 1);
    assert_string_equal(text, "9223372036854775807\n9223372036854775808\n18446744073709551615\n");
    assert_int_equal(c2.defs[0].type, ETLC_TYPE_DECIMAL);
    assert_int_equal(c2.defs[0].precision, 20);
    free(text);
    /* TINYINT(1) holding 5 is not a boolean */
    both_fail("SELECT flag FROM edges ORDER BY id", ETLC_DATA_TYPE, "column 'flag' row 3", "tinyint1_as_bool=false");
    capture c3 = {0};
    etlc_kv nobool[] = {{"tinyint1_as_bool", "false"}};
    text = fetch_both("SELECT flag FROM edges ORDER BY id", &c3, nobool, 1);
    assert_string_equal(text, "1\n0\n5\n");
    assert_int_equal(c3.defs[0].type, ETLC_TYPE_INT64);
    free(text);
}

static void zero_dates_error_or_null(void **state)
{
    (void)state;
    exec_sql("SET SESSION sql_mode = ''; DROP TABLE IF EXISTS zd; CREATE TABLE zd (id INT, d DATE, t DATETIME);"
             "INSERT INTO zd VALUES (1, '2024-02-29', '2024-02-29 12:00:00'), (2, '0000-00-00', '0000-00-00 00:00:00'),"
             " (3, '2024-00-10', '2024-05-00 01:02:03')");
    both_fail("SELECT d FROM zd ORDER BY id", ETLC_DATA_TYPE, "column 'd' row 2", "zero_date=null");
    both_fail("SELECT t FROM zd ORDER BY id", ETLC_DATA_TYPE, "column 't' row 2", "0000-00-00 00:00:00");
    capture cap = {0};
    etlc_kv asnull[] = {{"zero_date", "null"}};
    char *text = fetch_both("SELECT d, t FROM zd ORDER BY id", &cap, asnull, 1);
    assert_string_equal(text, "2024-02-29|2024-02-29T12:00:00.000000Z\nNULL|NULL\nNULL|NULL\n");
    free(text);
}

static void timestamps_are_utc_whatever_the_server_zone(void **state)
{
    (void)state;
    /* The session runs at +00:00: a TIMESTAMP written at +05:00 reads back in UTC. */
    exec_sql("DROP TABLE IF EXISTS tz; CREATE TABLE tz (ts TIMESTAMP(3) NULL);"
             "SET time_zone = '+05:00'; INSERT INTO tz VALUES ('2024-06-01 12:00:00.250')");
    capture cap = {0};
    char *text = fetch_both("SELECT ts, @@session.time_zone AS zone FROM tz", &cap, NULL, 0);
    assert_string_equal(text, "2024-06-01T07:00:00.250000Z|+00:00\n");
    free(text);
}

static void bound_parameters_run_as_prepared_statements(void **state)
{
    (void)state;
    static const unsigned char blob[] = {0, 1, 2, 255};
    etlc_param p[] = {
        {.type = ETLC_TYPE_INT64, .i64 = INT64_C(9223372036854775806)},
        {.type = ETLC_TYPE_TEXT, .data = "naïve 'quoted' 🎉", .len = strlen("naïve 'quoted' 🎉")},
        {.type = ETLC_TYPE_BYTES, .data = blob, .len = sizeof blob},
        {.type = ETLC_TYPE_DOUBLE, .f64 = 2.5},
        {.type = ETLC_TYPE_BOOL, .i64 = 1},
        {.type = ETLC_TYPE_NULL},
    };
    const char *q = "SELECT CAST(? AS SIGNED) AS big, CAST(? AS CHAR) AS t, CAST(? AS BINARY) AS b, ? * 2 AS f, "
                    "CAST(? AS SIGNED) = 1 AS truth, ? IS NULL AS isnull";
    capture cap = {0};
    etlc_error err = {0};
    assert_int_equal(fetch_mode("auto", q, p, ETLC__ARRAY_LEN(p), &cap, &err, NULL, 0), ETLC_OK);
    assert_string_equal(cap.text.data, "9223372036854775806|naïve 'quoted' 🎉|0x000102ff|5|1|1\n");
    etlc__buf_free(&cap.text);

    /* parameters filter a table */
    exec_sql("DROP TABLE IF EXISTS people; CREATE TABLE people (id INT, name VARCHAR(20));"
             "INSERT INTO people VALUES (1, 'ada'), (2, 'grace'), (3, 'ken')");
    capture c1 = {0};
    etlc_param one[] = {{.type = ETLC_TYPE_INT64, .i64 = 2}};
    assert_int_equal(fetch_mode("auto", "SELECT name FROM people WHERE id >= ? ORDER BY id", one, 1, &c1, &err, NULL, 0),
                     ETLC_OK);
    assert_string_equal(c1.text.data, "grace\nken\n");
    etlc__buf_free(&c1.text);

    /* a count mismatch is caught before running; text mode cannot bind */
    capture c2 = {0};
    assert_int_equal(fetch_mode("auto", q, p, 2, &c2, &err, NULL, 0), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "6 parameter"));
    assert_int_equal(fetch_mode("text", q, p, ETLC__ARRAY_LEN(p), &c2, &err, NULL, 0), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "fetch_mode=text"));
    /* a statement without rows is refused; an empty result still sends its schema */
    assert_int_equal(fetch_mode("text", "DO 1", NULL, 0, &c2, &err, NULL, 0), ETLC_INVALID_ARGUMENT);
    assert_int_equal(fetch_mode("prepared", "DO 1", NULL, 0, &c2, &err, NULL, 0), ETLC_INVALID_ARGUMENT);
    capture c3 = {0};
    assert_int_equal(fetch_mode("prepared", "SELECT id FROM people WHERE id < 0", NULL, 0, &c3, &err, NULL, 0), ETLC_OK);
    assert_int_equal(c3.batches, 1);
    assert_int_equal(c3.rows, 0);
    assert_int_equal(c3.defs[0].type, ETLC_TYPE_INT64);
    etlc__buf_free(&c2.text);
}

static void bad_password_is_auth_and_never_echoed(void **state)
{
    (void)state;
    const char *canary = "CanaryPw-7f3a9e1d";
    tu_capture_logs();
    etlc_log_set_level(ETLC_LOG_TRACE);
    etlc_kv ov[] = {{"password", canary}};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(open_my(ov, 1, &c, &err), ETLC_AUTH);
    assert_null(c);
    assert_int_equal(err.native_code, 1045);
    assert_string_equal(err.native_state, "28000");
    assert_false(err.retryable);
    assert_non_null(strstr(err.message, "Access denied"));
    assert_null(strstr(err.message, canary));

    /* the same through a url carrying the password */
    char url[512];
    snprintf(url, sizeof url, "mysql://%s:%s@%s:%s/%s", getenv("MYSQL_USERNAME"), "UrlCanary-55e1b0",
             getenv("MYSQL_HOST"), getenv("MYSQL_PORT"), getenv("MYSQL_DATABASE"));
    etlc_kv ov2[] = {{"url", url}};
    char *saved = etlc__strdup(getenv("MYSQL_PASSWORD"));
    unsetenv("MYSQL_PASSWORD");
    assert_int_equal(open_my(ov2, 1, &c, &err), ETLC_AUTH);
    setenv("MYSQL_PASSWORD", saved, 1);
    free(saved);
    assert_null(strstr(err.message, "UrlCanary-55e1b0"));
    assert_null(strstr(tu_logs(), canary));
    assert_null(strstr(tu_logs(), "UrlCanary-55e1b0"));
    etlc_log_set_level(ETLC_LOG_WARN);
}

static void url_with_the_right_password_connects(void **state)
{
    (void)state;
    char url[512];
    snprintf(url, sizeof url, "mariadb://%s:%s@%s:%s/%s", getenv("MYSQL_USERNAME"), getenv("MYSQL_PASSWORD"),
             getenv("MYSQL_HOST"), getenv("MYSQL_PORT"), getenv("MYSQL_DATABASE"));
    etlc_kv ov[] = {{"url", url}};
    char *saved_host = etlc__strdup(getenv("MYSQL_HOST")), *saved_port = etlc__strdup(getenv("MYSQL_PORT"));
    unsetenv("MYSQL_HOST"); /* host/port defaults (localhost:3306) must not beat the url */
    unsetenv("MYSQL_PORT");
    etlc_connector *c = NULL;
    etlc_error err = {0};
    int rc = open_my(ov, 1, &c, &err);
    setenv("MYSQL_HOST", saved_host, 1);
    setenv("MYSQL_PORT", saved_port, 1);
    free(saved_host);
    free(saved_port);
    if (rc != 0)
        fail_msg("url connect failed: %s", err.message);
    char src[64];
    c->ops->source_name(c->ctx, src, sizeof src);
    assert_string_equal(src, "etlc_test");
    etlc_connector_release(c);
    /* the unix socket instead of TCP: the server sees a localhost login */
    etlc_kv sock[] = {{"socket", g_socket}, {"port", "1"}};
    assert_int_equal(open_my(sock, 2, &c, &err), ETLC_OK);
    etlc_health h;
    assert_int_equal(etlc_connector_test(c, &h, &err), ETLC_OK);
    assert_true(h.healthy);
    assert_non_null(strstr(h.detail, "etlc_test@localhost"));
    assert_non_null(strstr(h.detail, "mysqld.sock"));
    etlc_connector_release(c);
    /* a url of another scheme is a config error that does not echo it */
    etlc_kv bad[] = {{"url", "postgres://u:SecretInUrl-99@h/db"}};
    assert_int_equal(open_my(bad, 1, &c, &err), ETLC_CONFIG_RANGE);
    assert_null(strstr(err.message, "SecretInUrl-99"));
}

static void missing_database_refused_port_and_tls_required(void **state)
{
    (void)state;
    /* A user with global rights learns the database is missing... */
    etlc_kv ov[] = {{"database", "no_such_db_here"}, {"username", "etlc_admin"}, {"password", g_admin_pw}};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(open_my(ov, 3, &c, &err), ETLC_CONNECT_NOT_FOUND);
    assert_int_equal(err.native_code, 1049);
    assert_string_equal(err.native_state, "42000");
    assert_non_null(strstr(err.message, "no_such_db_here"));
    assert_null(strstr(err.message, g_admin_pw));
    /* ...one without is told it may not use it (the server hides whether it exists) */
    assert_int_equal(open_my(ov, 1, &c, &err), ETLC_AUTH_DENIED);
    assert_int_equal(err.native_code, 1044);
    assert_non_null(strstr(err.message, "no_such_db_here"));

    etlc_kv ov2[] = {{"port", "1"}, {"connect_timeout", "2s"}};
    assert_int_equal(open_my(ov2, 2, &c, &err), ETLC_CONNECT_REFUSED);
    assert_true(err.native_code == 2002 || err.native_code == 2003); /* Connector/C says 2002 for TCP too */
    assert_true(err.retryable);

    /* the test server has no TLS: preferred connects without, required refuses */
    etlc_kv pref[] = {{"ssl_mode", "preferred"}};
    assert_int_equal(open_my(pref, 1, &c, &err), ETLC_OK);
    etlc_connector_release(c);
    etlc_kv req[] = {{"ssl_mode", "required"}};
    int rc = open_my(req, 1, &c, &err);
    assert_int_equal(rc, ETLC_CONNECT);
    assert_true(strstr(err.message, "TLS") || strstr(err.message, "SSL"));
    etlc_kv ver[] = {{"ssl_mode", "verify_identity"}};
    assert_int_equal(open_my(ver, 1, &c, &err), ETLC_CONFIG_MISSING_KEY);
    assert_non_null(strstr(err.message, "ssl_ca"));
}

static void query_errors_timeouts_and_locks(void **state)
{
    (void)state;
    capture cap = {0};
    etlc_error err = {0};
    const char *modes[] = {"text", "prepared"};
    for (int m = 0; m < 2; m++) {
        assert_int_equal(fetch_mode(modes[m], "SELEC 1", NULL, 0, &cap, &err, NULL, 0), ETLC_QUERY);
        assert_int_equal(err.native_code, 1064);
        assert_string_equal(err.native_state, "42000");
        assert_int_equal(fetch_mode(modes[m], "SELECT * FROM no_such_table", NULL, 0, &cap, &err, NULL, 0), ETLC_QUERY);
        assert_int_equal(err.native_code, 1146);
        assert_string_equal(err.native_state, "42S02");
        assert_non_null(strstr(err.message, "no_such_table"));

        /* query_timeout: TIMEOUT, and the pooled connection still serves the next query */
        etlc_kv ov[] = {{"fetch_mode", modes[m]}, {"query_timeout", "300ms"}};
        etlc_connector *c = NULL;
        assert_int_equal(open_my(ov, 2, &c, &err), ETLC_OK);
        etlc_fetch_request slow = {.query = "SELECT SLEEP(5) AS s"};
        assert_int_equal(c->ops->fetch(c->ctx, &slow, (etlc_batch_consumer){capture_batch, &cap}, &err), ETLC_TIMEOUT);
        assert_int_equal(err.native_code, 1969);
        assert_non_null(strstr(err.message, "max_statement_time"));
        etlc_fetch_request ok = {.query = "SELECT 42 AS answer"};
        etlc__buf_free(&cap.text);
        memset(&cap, 0, sizeof cap);
        assert_int_equal(c->ops->fetch(c->ctx, &ok, (etlc_batch_consumer){capture_batch, &cap}, &err), ETLC_OK);
        assert_string_equal(cap.text.data, "42\n");
        etlc__buf_free(&cap.text);
        memset(&cap, 0, sizeof cap);
        etlc_connector_release(c);
    }
    /* a row lock held elsewhere: BUSY, retryable */
    exec_sql("DROP TABLE IF EXISTS locked; CREATE TABLE locked (id INT PRIMARY KEY) ENGINE=InnoDB;"
             "INSERT INTO locked VALUES (1)");
    MYSQL *holder = raw_conn(false);
    exec_on(holder, "START TRANSACTION; SELECT * FROM locked WHERE id = 1 FOR UPDATE");
    for (int m = 0; m < 2; m++) {
        assert_int_equal(fetch_mode(modes[m], "SELECT * FROM locked WHERE id = 1 FOR UPDATE WAIT 1", NULL, 0, &cap,
                                    &err, NULL, 0), ETLC_BUSY);
        assert_int_equal(err.native_code, 1205);
        assert_true(err.retryable);
    }
    mysql_close(holder);
    etlc__buf_free(&cap.text);
}

static long connection_id_of(etlc_connector *c)
{
    capture cap = {0};
    etlc_error err = {0};
    etlc_fetch_request req = {.query = "SELECT CONNECTION_ID() AS id"};
    if (c->ops->fetch(c->ctx, &req, (etlc_batch_consumer){capture_batch, &cap}, &err) != 0)
        fail_msg("fetch failed: %s", err.message);
    long id = atol(cap.text.data);
    etlc__buf_free(&cap.text);
    return id;
}

static void pool_reuses_and_replaces_dead_connections(void **state)
{
    (void)state;
    etlc_kv ov[] = {{"pool_min", "1"}, {"pool_max", "2"}};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(open_my(ov, 2, &c, &err), ETLC_OK);
    long a = connection_id_of(c), b = connection_id_of(c);
    assert_int_equal(a, b); /* reused */
    MYSQL *admin = raw_conn(true);
    char sql[64];
    snprintf(sql, sizeof sql, "KILL %ld", a);
    exec_on(admin, sql);
    mysql_close(admin);
    usleep(100000);
    long d = connection_id_of(c); /* the ping found it dead: replaced */
    assert_true(d != a);

    /* a consumer that stops mid-stream: the error comes back at once and the
     * pool hands out a working connection afterwards */
    for (int m = 0; m < 2; m++) {
        etlc_kv mode[] = {{"fetch_mode", m ? "prepared" : "text"}};
        etlc_connector *c2 = NULL;
        assert_int_equal(open_my(mode, 1, &c2, &err), ETLC_OK);
        capture cap = {.fail_after = 2};
        etlc_fetch_request big = {.query = "SELECT seq, MD5(seq) FROM seq_1_to_50000000", .batch_rows = 1000};
        double t0 = etlc__monotonic_ms();
        assert_int_equal(c2->ops->fetch(c2->ctx, &big, (etlc_batch_consumer){capture_batch, &cap}, &err), ETLC_IO);
        assert_true(etlc__monotonic_ms() - t0 < 5000);
        assert_int_equal(cap.rows, 1000);
        assert_true(connection_id_of(c2) > 0);
        etlc__buf_free(&cap.text);
        etlc_connector_release(c2);
    }
    etlc_connector_release(c);
}

/* Several threads share one pool directly (the connector itself is used by
 * one thread at a time; the pool must still be safe on its own). */
typedef struct pool_worker {
    my_pool *pool;
    int ok;
} pool_worker;

static void *pool_hammer(void *arg)
{
    pool_worker *w = arg;
    for (int i = 0; i < 25; i++) {
        MYSQL *m = NULL;
        etlc_error err = {0};
        if (etlc__my_pool_acquire(w->pool, &m, &err) != 0)
            continue;
        if (mysql_query(m, "SELECT 1") == 0) {
            MYSQL_RES *r = mysql_store_result(m);
            w->ok += r != NULL;
            mysql_free_result(r);
        }
        etlc__my_pool_release(w->pool, m, true);
    }
    return NULL;
}

static void pool_is_safe_across_threads(void **state)
{
    (void)state;
    etlc_kv ov[] = {{"pool_min", "1"}, {"pool_max", "2"}};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(open_my(ov, 2, &c, &err), ETLC_OK);
    my_ctx *ctx = c->ctx;
    pool_worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (pool_worker){&ctx->pool, 0};
        assert_int_equal(pthread_create(&t[i], NULL, pool_hammer, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].ok, 25); /* every acquire got a live connection */
    }
    assert_true(etlc__my_pool_open_count(&ctx->pool) <= 2);
    etlc_connector_release(c);
}

/* ---- failures mid-read leave nothing in the lake ------------------------------ */

typedef struct killer {
    const char *marker;
    bool whole_server;
} killer;

static void *kill_when_active(void *arg)
{
    killer *k = arg;
    MYSQL *admin = raw_conn(true);
    char sql[300];
    snprintf(sql, sizeof sql, "SELECT id FROM information_schema.processlist WHERE info LIKE '%%%s%%'"
             " AND info NOT LIKE '%%processlist%%'", k->marker);
    long id = 0;
    for (int i = 0; i < 200 && !id; i++) {
        if (mysql_query(admin, sql) == 0) {
            MYSQL_RES *r = mysql_store_result(admin);
            MYSQL_ROW row = r ? mysql_fetch_row(r) : NULL;
            if (row && row[0])
                id = atol(row[0]);
            mysql_free_result(r);
        }
        if (!id)
            usleep(20000);
    }
    usleep(300000); /* well into the stream */
    if (k->whole_server) {
        mysql_close(admin);
        FILE *f = fopen(g_pidfile, "r");
        long pid = 0;
        if (f && fscanf(f, "%ld", &pid) == 1 && pid > 0)
            kill((pid_t)pid, SIGKILL);
        if (f)
            fclose(f);
        return NULL;
    }
    snprintf(sql, sizeof sql, "KILL %ld", id);
    mysql_query(admin, sql);
    mysql_close(admin);
    return NULL;
}

static void killed_mid_read(const char *mode, bool whole_server)
{
    char marker[64];
    snprintf(marker, sizeof marker, "etlc_kill_%s_%d", mode, whole_server);
    etlc_kv ov[] = {{"fetch_mode", mode}};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(open_my(ov, 1, &c, &err), ETLC_OK);
    char *lake = tu_tempdir("my-kill");
    killer k = {marker, whole_server};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, kill_when_active, &k), 0);
    char q[200];
    snprintf(q, sizeof q, "SELECT seq, MD5(seq) AS h, '%s' AS m FROM seq_1_to_200000000", marker);
    etlc_fetch_request req = {.query = q, .batch_rows = 5000};
    etlc_land_options land = {.lake_root = lake};
    etlc_result *res = NULL;
    int rc = etlc_connector_fetch(c, &req, &land, &res, &err);
    pthread_join(t, NULL);
    if (rc != ETLC_CONNECT)
        fail_msg("%s: expected CONNECT, got %s: %s", mode, etlc_code_name(rc), err.message);
    assert_true(err.retryable);
    assert_true(strstr(err.message, "Lost connection") || strstr(err.message, "killed") ||
                strstr(err.message, "gone away") || strstr(err.message, "shutdown"));
    assert_non_null(strstr(err.message, "after"));
    assert_non_null(res);
    assert_int_equal(res->status, ETLC_STATUS_FAILED);
    assert_int_equal(tu_count_files(lake), 0);
    etlc_result_free(res);
    etlc_connector_release(c);
    tu_rmtree(lake);
    free(lake);
}

static void connection_killed_mid_read_leaves_no_file(void **state)
{
    (void)state;
    killed_mid_read("text", false);
    killed_mid_read("prepared", false);
}

/* Last test: takes the whole server down (teardown removes it). */
static void server_killed_mid_read_leaves_no_file(void **state)
{
    (void)state;
    killed_mid_read("text", true);
}

/* ---- memory stays bounded ----------------------------------------------------- */

/* The child side: fetch `rows` rows, print the peak RSS (KiB) or -1. */
static int rss_child(const char *mode, long rows)
{
    etlc_kv ov[] = {{"fetch_mode", mode}};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    long out = -1;
    if (open_my(ov, 1, &c, &err) == 0) {
        char q[200];
        snprintf(q, sizeof q, "SELECT seq, MD5(seq) AS h, seq * 1.5 AS n FROM seq_1_to_%ld", rows);
        out = tu_fetch_peak_rss(c, q, rows);
        etlc_connector_release(c);
    }
    printf("%ld\n", out);
    return out > 0 ? 0 : 1;
}

static void memory_is_flat_from_100k_to_1m_rows(void **state)
{
    (void)state;
    const char *const modes[] = {"text", "prepared"};
    tu_assert_rss_flat(modes, 2);
}

int main(int argc, char **argv)
{
    etlc_log_set_level(ETLC_LOG_WARN);
    if (argc == 4 && strcmp(argv[1], "--rss-child") == 0)
        return rss_child(argv[2], atol(argv[3]));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(health_reports_version_db_and_user),
        cmocka_unit_test(every_type_round_trips_identically_in_both_modes),
        cmocka_unit_test(decimals_unsigned_and_bool_edges),
        cmocka_unit_test(zero_dates_error_or_null),
        cmocka_unit_test(timestamps_are_utc_whatever_the_server_zone),
        cmocka_unit_test(bound_parameters_run_as_prepared_statements),
        cmocka_unit_test(bad_password_is_auth_and_never_echoed),
        cmocka_unit_test(url_with_the_right_password_connects),
        cmocka_unit_test(missing_database_refused_port_and_tls_required),
        cmocka_unit_test(query_errors_timeouts_and_locks),
        cmocka_unit_test(pool_reuses_and_replaces_dead_connections),
        cmocka_unit_test(pool_is_safe_across_threads),
        cmocka_unit_test(memory_is_flat_from_100k_to_1m_rows),
        cmocka_unit_test(connection_killed_mid_read_leaves_no_file),
        cmocka_unit_test(server_killed_mid_read_leaves_no_file),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
