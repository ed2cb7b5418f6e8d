/* The PostgreSQL connector against a real server started here through
 * tests/services/postgres (its own data dir under the build tree). A server
 * that does not start fails the whole program: nothing is skipped.
 * Not the run's shared server: server_killed_mid_read_leaves_no_file stops
 * the whole server (pg_ctl -m immediate), which would break the other tests. */
#include "testutil.h"
#include "service_peer.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/connector_internal.h"
#include "core/internal.h"
#include "connectors/postgres/pg_internal.h"

static char g_admin_pw[128];
static char g_pg_bin[1024];
static char g_pg_data[4096];

/* ---- service and helpers ---------------------------------------------------- */

static void pg_extra(const char *name, const char *value)
{
    if (strcmp(name, "ETLC_PG_ADMIN_PASSWORD") == 0)
        snprintf(g_admin_pw, sizeof g_admin_pw, "%s", value);
    else if (strcmp(name, "ETLC_PG_BIN") == 0)
        snprintf(g_pg_bin, sizeof g_pg_bin, "%s", value);
    else if (strcmp(name, "ETLC_PG_DATA") == 0)
        snprintf(g_pg_data, sizeof g_pg_data, "%s", value);
}

static int start_server(void **state)
{
    (void)state;
    if (service_peer_start("postgres", "test", "PG_", pg_extra) != 0)
        return -1;
    return getenv("PG_PORT") && g_admin_pw[0] ? 0 : -1;
}

static int stop_server(void **state)
{
    (void)state;
    etlc_close_all_connections();
    service_peer_stop();
    return 0;
}

/* A direct libpq connection (as the test user, or the admin). */
static PGconn *raw_conn(bool admin)
{
    const char *keys[] = {"host", "port", "dbname", "user", "password", NULL};
    const char *vals[] = {getenv("PG_HOST"), getenv("PG_PORT"), getenv("PG_DATABASE"),
                          admin ? "postgres" : getenv("PG_USERNAME"), admin ? g_admin_pw : getenv("PG_PASSWORD"),
                          NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 0);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("raw connection failed: %s", PQerrorMessage(c));
    return c;
}

static void exec_sql(const char *sql)
{
    PGconn *c = raw_conn(false);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("setup SQL failed: %s", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}

/* A fresh (uncached) connector with extra overrides on top of the PG_* env. */
static int open_pg(const etlc_kv *ov, size_t n, etlc_connector **out, etlc_error *err)
{
    etlc_config_sources src = {.overrides = ov, .overrides_len = n};
    etlc_get_options opts = {.no_reuse = true};
    return etlc_get_connection("postgres", &src, &opts, out, err);
}

/* Renders every value as text so results can be compared exactly. */
typedef struct capture {
    etlc__buf text;
    etlc_column_def defs[32];
    size_t ncols;
    uint64_t rows;
    uint64_t batches;
} capture;

static int capture_batch(void *ud, const etlc_batch *b, etlc_error *err)
{
    (void)err;
    capture *cap = ud;
    if (cap->batches++ == 0) {
        cap->ncols = b->ncols;
        for (size_t c = 0; c < b->ncols && c < 32; c++)
            cap->defs[c] = b->cols[c].def; /* name borrowed: only compared while the batch lives */
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
                etlc__buf_puts(&cap->text, "0x");
                for (size_t i = 0; i < len; i++)
                    etlc__buf_printf(&cap->text, "%02x", p[i]);
                break;
            default:
                p = etlc_column_var(col, r, &len);
                etlc__buf_append(&cap->text, p, len);
                break;
            }
        }
        etlc__buf_putc(&cap->text, '\n');
        cap->rows++;
    }
    return 0;
}

/* Fetch through the connector's own ops (no lake) in `mode`. */
static int fetch_mode(const char *mode, const char *query, const etlc_param *params, size_t nparams,
                      capture *cap, etlc_error *err, const etlc_kv *extra, size_t nextra)
{
    etlc_kv ov[8] = {{"fetch_mode", mode}};
    for (size_t i = 0; i < nextra && i < 7; i++)
        ov[1 + i] = extra[i];
    etlc_connector *c = NULL;
    int rc = open_pg(ov, 1 + nextra, &c, err);
    if (rc != 0)
        return rc;
    etlc_fetch_request req = {.query = query, .params = params, .nparams = nparams, .batch_rows = 3};
    etlc_batch_consumer consumer = {capture_batch, cap};
    rc = c->ops->fetch(c->ctx, &req, consumer, err);
    etlc_connector_release(c);
    return rc;
}

/* Same query in COPY and row mode: identical text, returned (malloc'd). */
static char *fetch_both(const char *query, capture *copy_cap)
{
    capture rows = {0};
    etlc_error err = {0};
    if (fetch_mode("copy", query, NULL, 0, copy_cap, &err, NULL, 0) != 0)
        fail_msg("copy fetch failed: %s", err.message);
    if (fetch_mode("rows", query, NULL, 0, &rows, &err, NULL, 0) != 0)
        fail_msg("rows fetch failed: %s", err.message);
    assert_string_equal(copy_cap->text.data ? copy_cap->text.data : "", rows.text.data ? rows.text.data : "");
    etlc__buf_free(&rows.text);
    return etlc__buf_take(&copy_cap->text);
}

/* ---- tests ------------------------------------------------------------------ */

static void health_reports_version_db_and_user(void **state)
{
    (void)state;
    etlc_health h;
    etlc_error err = {0};
    etlc_config_sources src = {0};
    assert_int_equal(etlc_test_connection("postgres", &src, &h, &err), ETLC_OK);
    assert_true(h.healthy);
    assert_non_null(strstr(h.server_version, "PostgreSQL 1"));
    assert_non_null(strstr(h.detail, "etlc_test"));
    assert_true(h.latency_ms > 0);
}

static void every_type_round_trips_identically_in_both_modes(void **state)
{
    (void)state;
    exec_sql("SET client_min_messages = warning; DROP TABLE IF EXISTS all_types;"
             "CREATE TABLE all_types (id int PRIMARY KEY, i2 int2, i4 int4, i8 int8, n numeric(12,3), f4 float4,"
             " f8 float8, b bool, t text, vc varchar(10), bc char(4), nm name, by bytea, d date, ts timestamp,"
             " tz timestamptz, tm time, u uuid, j json, jb jsonb, arr int[], tarr text[], iv interval, ip inet);"
             "INSERT INTO all_types VALUES"
             " (1, -32768, 2147483647, 9223372036854775807, 123456789.125, 1.5, 0.1, true, 'héllo wörld 日本語 🎉',"
             "  'short', 'ab', 'pg_name', '\\x00ff10', '1969-12-31', '1969-12-31 23:59:59.999999',"
             "  '1960-06-01 12:00:00+02', '23:59:59.5', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{\"k\": [1, 2]}',"
             "  '{\"b\": 1, \"a\": \"x\"}', '{1,NULL,3}', '{\"a b\",c}', '1 day 02:00:00', '192.168.0.1/24'),"
             " (2, NULL, NULL, -9223372036854775808, -0.001, 'NaN', '-Infinity', false, '', NULL, NULL, NULL, '', '0001-01-01',"
             "  '0001-01-01 00:00:00', '1900-01-01 00:00:00+00', '00:00:00', NULL, 'null', '[]', '{}', NULL, NULL, NULL),"
             " (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
             "  NULL, NULL, NULL, NULL, NULL, NULL)");
    capture cap = {0};
    char *text = fetch_both("SELECT * FROM all_types ORDER BY id;", &cap);
    const char *expected =
        "1|-32768|2147483647|9223372036854775807|123456789.125|1.5|0.10000000000000001|t|héllo wörld 日本語 🎉|short|ab  |"
        "pg_name|0x00ff10|1969-12-31|1969-12-31T23:59:59.999999Z|1960-06-01T10:00:00.000000Z|23:59:59.5|"
        "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|{\"k\": [1, 2]}|{\"a\": \"x\", \"b\": 1}|[1,null,3]|[\"a b\",\"c\"]|"
        "1 day 02:00:00|192.168.0.1/24\n"
        "2|NULL|NULL|-9223372036854775808|-0.001|nan|-inf|f||NULL|NULL|NULL|0x|0001-01-01|0001-01-01T00:00:00.000000Z|"
        "1900-01-01T00:00:00.000000Z|00:00:00|NULL|null|[]|[]|NULL|NULL|NULL\n"
        "3|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL|NULL\n";
    assert_string_equal(text, expected);
    /* the column types and the numeric's precision/scale from its typmod */
    static const etlc_type types[] = {
        ETLC_TYPE_INT64, ETLC_TYPE_INT64, ETLC_TYPE_INT64, ETLC_TYPE_INT64, ETLC_TYPE_DECIMAL, ETLC_TYPE_DOUBLE,
        ETLC_TYPE_DOUBLE, ETLC_TYPE_BOOL, ETLC_TYPE_TEXT, ETLC_TYPE_TEXT, ETLC_TYPE_TEXT, ETLC_TYPE_TEXT,
        ETLC_TYPE_BYTES, ETLC_TYPE_DATE, ETLC_TYPE_TIMESTAMP, ETLC_TYPE_TIMESTAMP, ETLC_TYPE_TEXT, ETLC_TYPE_TEXT,
        ETLC_TYPE_JSON, ETLC_TYPE_JSON, ETLC_TYPE_JSON, ETLC_TYPE_JSON, ETLC_TYPE_TEXT, ETLC_TYPE_TEXT};
    assert_int_equal(cap.ncols, ETLC__ARRAY_LEN(types));
    for (size_t i = 0; i < ETLC__ARRAY_LEN(types); i++)
        assert_int_equal(cap.defs[i].type, types[i]);
    assert_int_equal(cap.defs[4].precision, 12);
    assert_int_equal(cap.defs[4].scale, 3);
    assert_int_equal(cap.rows, 3);
    assert_int_equal(cap.batches, 1); /* batch_rows 3: one full batch, no empty trailer */
    free(text);
}

static void numeric_edges_are_exact(void **state)
{
    (void)state;
    capture cap = {0};
    char *text = fetch_both(
        "SELECT n::numeric AS n FROM (VALUES (1, '123456789012345678901234567890.123456789012345678901234567890'),"
        " (2, '0'), (3, '-0.0001'), (4, '1e-20'), (5, '10000'), (6, '-99999.99990'), (7, '1e100'),"
        " (8, '0.00000001234')) v(i, n) ORDER BY i", &cap);
    assert_string_equal(text, "123456789012345678901234567890.123456789012345678901234567890\n0\n-0.0001\n"
                              "0.00000000000000000001\n10000\n-99999.99990\n"
                              "1" "0000000000" "0000000000" "0000000000" "0000000000" "0000000000"
                              "0000000000" "0000000000" "0000000000" "0000000000" "0000000000\n0.00000001234\n");
    assert_int_equal(cap.defs[0].precision, 0); /* unconstrained */
    free(text);

    /* PostgreSQL 15 typmods: negative scale rounds to hundreds; scale > precision. */
    capture cap2 = {0};
    text = fetch_both("SELECT 12345::numeric(5,-2) AS neg, 0.00123::numeric(3,5) AS small, 1.5::numeric(4,2) AS pad", &cap2);
    assert_string_equal(text, "12300|0.00123|1.50\n");
    assert_int_equal(cap2.defs[0].precision, 7);
    assert_int_equal(cap2.defs[0].scale, 0);
    assert_int_equal(cap2.defs[1].precision, 5);
    assert_int_equal(cap2.defs[1].scale, 5);
    assert_int_equal(cap2.defs[2].precision, 4);
    assert_int_equal(cap2.defs[2].scale, 2);
    free(text);

    /* NaN has no exact decimal form: an error naming the column, in both modes. */
    const char *modes[] = {"copy", "rows"};
    for (int m = 0; m < 2; m++) {
        capture c3 = {0};
        etlc_error err = {0};
        assert_int_equal(fetch_mode(modes[m], "SELECT 'NaN'::numeric AS bad", NULL, 0, &c3, &err, NULL, 0),
                         ETLC_DATA_TYPE);
        assert_non_null(strstr(err.message, "'bad'"));
        assert_non_null(strstr(err.message, "NaN"));
        etlc__buf_free(&c3.text);
    }
}

static void infinite_timestamps_are_a_clear_error(void **state)
{
    (void)state;
    const char *modes[] = {"copy", "rows"};
    const char *queries[] = {"SELECT 'infinity'::timestamptz AS ts", "SELECT '-infinity'::date AS d"};
    for (int m = 0; m < 2; m++)
        for (int q = 0; q < 2; q++) {
            capture cap = {0};
            etlc_error err = {0};
            assert_int_equal(fetch_mode(modes[m], queries[q], NULL, 0, &cap, &err, NULL, 0), ETLC_DATA_TYPE);
            assert_non_null(strstr(err.message, "infinity"));
            assert_non_null(strstr(err.message, "row 1"));
            etlc__buf_free(&cap.text);
        }
}

static void bound_parameters_use_the_row_path(void **state)
{
    (void)state;
    static const unsigned char blob[] = {0, 1, 2, 255};
    etlc_param p[] = {
        {.type = ETLC_TYPE_INT64, .i64 = INT64_C(9223372036854775806)},
        {.type = ETLC_TYPE_TEXT, .data = "naïve 'quoted'", .len = strlen("naïve 'quoted'")},
        {.type = ETLC_TYPE_BYTES, .data = blob, .len = sizeof blob},
        {.type = ETLC_TYPE_DOUBLE, .f64 = 2.5},
        {.type = ETLC_TYPE_BOOL, .i64 = 1},
        {.type = ETLC_TYPE_NULL},
    };
    const char *q = "SELECT $1::int8 + 1 AS big, $2::text AS t, $3::bytea AS b, $4::float8 * 2 AS f, "
                    "NOT $5::bool AS nb, $6::int IS NULL AS isnull";
    capture cap = {0};
    etlc_error err = {0};
    assert_int_equal(fetch_mode("auto", q, p, ETLC__ARRAY_LEN(p), &cap, &err, NULL, 0), ETLC_OK);
    assert_string_equal(cap.text.data, "9223372036854775807|naïve 'quoted'|0x000102ff|5|f|t\n");
    etlc__buf_free(&cap.text);

    /* COPY cannot take parameters: fetch_mode=copy says so. */
    capture c2 = {0};
    assert_int_equal(fetch_mode("copy", q, p, ETLC__ARRAY_LEN(p), &c2, &err, NULL, 0), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "parameters"));
    /* A count mismatch is caught before running. */
    assert_int_equal(fetch_mode("rows", q, p, 2, &c2, &err, NULL, 0), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "6 parameter"));
    etlc__buf_free(&c2.text);
}

static void statements_copy_cannot_hold_fall_back_to_rows(void **state)
{
    (void)state;
    capture cap = {0};
    etlc_error err = {0};
    /* SHOW cannot go inside COPY (...): auto runs it in row mode; also shows the session is UTC. */
    assert_int_equal(fetch_mode("auto", "SHOW TimeZone;", NULL, 0, &cap, &err, NULL, 0), ETLC_OK);
    assert_string_equal(cap.text.data, "UTC\n");
    etlc__buf_free(&cap.text);
    memset(&cap, 0, sizeof cap);
    assert_int_equal(fetch_mode("copy", "SHOW TimeZone", NULL, 0, &cap, &err, NULL, 0), ETLC_QUERY);
    etlc__buf_free(&cap.text);
    /* an empty result still delivers one (empty) batch with the schema */
    memset(&cap, 0, sizeof cap);
    assert_int_equal(fetch_mode("auto", "SELECT 1 AS one WHERE false", NULL, 0, &cap, &err, NULL, 0), ETLC_OK);
    assert_int_equal(cap.batches, 1);
    assert_int_equal(cap.rows, 0);
    assert_int_equal(cap.defs[0].type, ETLC_TYPE_INT64);
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
    assert_int_equal(open_pg(ov, 1, &c, &err), ETLC_AUTH);
    assert_null(c);
    assert_string_equal(err.native_state, "28P01");
    assert_false(err.retryable);
    assert_non_null(strstr(err.message, "password authentication failed"));
    assert_null(strstr(err.message, canary));

    /* The same through a url carrying the password. */
    char url[512];
    snprintf(url, sizeof url, "postgresql://%s:%s@%s:%s/%s", getenv("PG_USERNAME"), "UrlCanary-55e1b0",
             getenv("PG_HOST"), getenv("PG_PORT"), getenv("PG_DATABASE"));
    etlc_kv ov2[] = {{"url", url}};
    char *saved = etlc__strdup(getenv("PG_PASSWORD"));
    unsetenv("PG_PASSWORD");
    assert_int_equal(open_pg(ov2, 1, &c, &err), ETLC_AUTH);
    setenv("PG_PASSWORD", saved, 1);
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
    snprintf(url, sizeof url, "postgres://%s:%s@%s:%s/%s?application_name=from_url", getenv("PG_USERNAME"),
             getenv("PG_PASSWORD"), getenv("PG_HOST"), getenv("PG_PORT"), getenv("PG_DATABASE"));
    etlc_kv ov[] = {{"url", url}};
    char *saved_host = etlc__strdup(getenv("PG_HOST")), *saved_port = etlc__strdup(getenv("PG_PORT"));
    unsetenv("PG_HOST"); /* host/port defaults (localhost:5432) must not beat the url */
    unsetenv("PG_PORT");
    etlc_connector *c = NULL;
    etlc_error err = {0};
    int rc = open_pg(ov, 1, &c, &err);
    setenv("PG_HOST", saved_host, 1);
    setenv("PG_PORT", saved_port, 1);
    free(saved_host);
    free(saved_port);
    if (rc != 0)
        fail_msg("url connect failed: %s", err.message);
    char src[64];
    c->ops->source_name(c->ctx, src, sizeof src);
    assert_string_equal(src, "etlc_test");
    etlc_connector_release(c);
}

static void missing_database_and_refused_port(void **state)
{
    (void)state;
    etlc_kv ov[] = {{"database", "no_such_db_here"}};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(open_pg(ov, 1, &c, &err), ETLC_CONNECT_NOT_FOUND);
    assert_string_equal(err.native_state, "3D000");
    assert_non_null(strstr(err.message, "no_such_db_here"));

    etlc_kv ov2[] = {{"port", "1"}, {"connect_timeout", "2s"}};
    assert_int_equal(open_pg(ov2, 2, &c, &err), ETLC_CONNECT_REFUSED);
    assert_true(err.retryable);
}

static void statement_timeout_is_timeout_and_conn_survives(void **state)
{
    (void)state;
    const char *modes[] = {"copy", "rows"};
    for (int m = 0; m < 2; m++) {
        etlc_kv ov[] = {{"fetch_mode", modes[m]}, {"statement_timeout", "300ms"}};
        etlc_connector *c = NULL;
        etlc_error err = {0};
        assert_int_equal(open_pg(ov, 2, &c, &err), ETLC_OK);
        capture cap = {0};
        etlc_fetch_request req = {.query = "SELECT g, pg_sleep(0.2) FROM generate_series(1, 20) g"};
        assert_int_equal(c->ops->fetch(c->ctx, &req, (etlc_batch_consumer){capture_batch, &cap}, &err), ETLC_TIMEOUT);
        assert_string_equal(err.native_state, "57014");
        assert_non_null(strstr(err.message, "statement timeout"));
        /* the pooled connection is still good for the next query */
        etlc_fetch_request ok = {.query = "SELECT 42 AS answer"};
        etlc__buf_free(&cap.text);
        memset(&cap, 0, sizeof cap);
        assert_int_equal(c->ops->fetch(c->ctx, &ok, (etlc_batch_consumer){capture_batch, &cap}, &err), ETLC_OK);
        assert_string_equal(cap.text.data, "42\n");
        etlc__buf_free(&cap.text);
        etlc_connector_release(c);
    }
    capture cap = {0};
    etlc_error err = {0};
    assert_int_equal(fetch_mode("rows", "SELEC 1", NULL, 0, &cap, &err, NULL, 0), ETLC_QUERY);
    assert_string_equal(err.native_state, "42601");
}

static void pool_reuses_and_replaces_dead_connections(void **state)
{
    (void)state;
    etlc_kv ov[] = {{"pool_min", "1"}, {"pool_max", "2"}};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(open_pg(ov, 2, &c, &err), ETLC_OK);
    etlc_fetch_request req = {.query = "SELECT pg_backend_pid() AS pid"};
    capture a = {0}, b = {0}, d = {0};
    assert_int_equal(c->ops->fetch(c->ctx, &req, (etlc_batch_consumer){capture_batch, &a}, &err), ETLC_OK);
    assert_int_equal(c->ops->fetch(c->ctx, &req, (etlc_batch_consumer){capture_batch, &b}, &err), ETLC_OK);
    assert_string_equal(a.text.data, b.text.data); /* same backend: reused */
    PGconn *admin = raw_conn(true);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%ld)", atol(a.text.data));
    PQclear(PQexec(admin, sql));
    PQfinish(admin);
    usleep(100000);
    assert_int_equal(c->ops->fetch(c->ctx, &req, (etlc_batch_consumer){capture_batch, &d}, &err), ETLC_OK);
    assert_string_not_equal(a.text.data, d.text.data); /* the dead one was replaced */
    etlc__buf_free(&a.text);
    etlc__buf_free(&b.text);
    etlc__buf_free(&d.text);
    etlc_connector_release(c);
}

/* Several threads share one pool of 2: each waits its turn, never more than 2 open. */
typedef struct pool_worker {
    pg_pool *pool;
    int failures;
    size_t max_open_seen;
} pool_worker;

static void *pool_worker_run(void *arg)
{
    pool_worker *w = arg;
    for (int i = 0; i < 15; i++) {
        PGconn *conn = NULL;
        etlc_error err = {0};
        if (etlc__pg_pool_acquire(w->pool, &conn, &err) != 0) {
            w->failures++;
            continue;
        }
        size_t open = etlc__pg_pool_open_count(w->pool);
        if (open > w->max_open_seen)
            w->max_open_seen = open;
        PGresult *r = PQexec(conn, "SELECT pg_sleep(0.005)");
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            w->failures++;
        PQclear(r);
        etlc__pg_pool_release(w->pool, conn, true);
    }
    return NULL;
}

static void pool_is_thread_safe_and_bounded(void **state)
{
    (void)state;
    etlc_kv ov[] = {{"pool_min", "0"}, {"pool_max", "2"}};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(open_pg(ov, 2, &c, &err), ETLC_OK);
    pg_ctx *ctx = c->ctx;
    pool_worker w[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (pool_worker){&ctx->pool, 0, 0};
        assert_int_equal(pthread_create(&t[i], NULL, pool_worker_run, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].failures, 0);
        assert_true(w[i].max_open_seen <= 2);
    }
    assert_true(etlc__pg_pool_open_count(&ctx->pool) <= 2);
    etlc_connector_release(c);
}

/* ---- failures mid-read leave nothing in the lake ------------------------------ */

typedef struct killer {
    const char *app;
    bool whole_server;
} killer;

static void *kill_when_active(void *arg)
{
    killer *k = arg;
    PGconn *admin = raw_conn(true);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT pid FROM pg_stat_activity WHERE application_name = '%s' AND state = 'active'",
             k->app);
    for (int i = 0; i < 200; i++) {
        PGresult *r = PQexec(admin, sql);
        bool active = PQntuples(r) > 0;
        PQclear(r);
        if (active)
            break;
        usleep(20000);
    }
    usleep(300000); /* well into the stream */
    if (k->whole_server) {
        PQfinish(admin);
        char cmd[6000];
        snprintf(cmd, sizeof cmd, "%s '%s/pg_ctl' -D '%s' -m immediate -w stop >/dev/null 2>&1",
                 getuid() == 0 ? "runuser -u postgres --" : "", g_pg_bin, g_pg_data);
        if (system(cmd) != 0)
            fprintf(stderr, "pg_ctl stop failed\n");
        return NULL;
    }
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '%s'",
             k->app);
    PQclear(PQexec(admin, sql));
    PQfinish(admin);
    return NULL;
}

static void killed_mid_read(const char *mode, bool whole_server)
{
    char app[64];
    snprintf(app, sizeof app, "etlc_kill_%s_%d", mode, whole_server);
    etlc_kv ov[] = {{"fetch_mode", mode}, {"application_name", app}};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(open_pg(ov, 2, &c, &err), ETLC_OK);
    char *lake = tu_tempdir("pg-kill");
    killer k = {app, whole_server};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, kill_when_active, &k), 0);
    etlc_fetch_request req = {.query = "SELECT g, md5(g::text) FROM generate_series(1, 200000000) g",
                              .batch_rows = 5000};
    etlc_land_options land = {.lake_root = lake};
    etlc_result *res = NULL;
    int rc = etlc_connector_fetch(c, &req, &land, &res, &err);
    pthread_join(t, NULL);
    assert_int_equal(rc, ETLC_CONNECT);
    assert_true(err.retryable);
    assert_true(strstr(err.message, "terminat") || strstr(err.message, "closed") || strstr(err.message, "lost"));
    assert_non_null(res);
    assert_int_equal(res->status, ETLC_STATUS_FAILED);
    assert_int_equal(tu_count_files(lake), 0);
    etlc_result_free(res);
    etlc_connector_release(c);
    tu_rmtree(lake);
    free(lake);
}

static void backend_killed_mid_read_leaves_no_file(void **state)
{
    (void)state;
    killed_mid_read("copy", false);
    killed_mid_read("rows", false);
}

/* Last test: takes the whole server down (teardown removes it). */
static void server_killed_mid_read_leaves_no_file(void **state)
{
    (void)state;
    killed_mid_read("copy", true);
}

/* ---- memory stays bounded ----------------------------------------------------- */

/* The child side: fetch `rows` rows, print the peak RSS (KiB) or -1. */
static int rss_child(const char *mode, long rows)
{
    etlc_kv ov[] = {{"fetch_mode", mode}};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    long out = -1;
    if (open_pg(ov, 1, &c, &err) == 0) {
        char q[200];
        snprintf(q, sizeof q, "SELECT g, md5(g::text) AS h, g * 1.5 AS n FROM generate_series(1, %ld) g", rows);
        out = tu_fetch_peak_rss(c, q, rows);
        etlc_connector_release(c);
    }
    printf("%ld\n", out);
    return out > 0 ? 0 : 1;
}

static void memory_is_flat_from_100k_to_1m_rows(void **state)
{
    (void)state;
    const char *const modes[] = {"copy", "rows"};
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
        cmocka_unit_test(numeric_edges_are_exact),
        cmocka_unit_test(infinite_timestamps_are_a_clear_error),
        cmocka_unit_test(bound_parameters_use_the_row_path),
        cmocka_unit_test(statements_copy_cannot_hold_fall_back_to_rows),
        cmocka_unit_test(bad_password_is_auth_and_never_echoed),
        cmocka_unit_test(url_with_the_right_password_connects),
        cmocka_unit_test(missing_database_and_refused_port),
        cmocka_unit_test(statement_timeout_is_timeout_and_conn_survives),
        cmocka_unit_test(pool_reuses_and_replaces_dead_connections),
        cmocka_unit_test(pool_is_thread_safe_and_bounded),
        cmocka_unit_test(memory_is_flat_from_100k_to_1m_rows),
        cmocka_unit_test(backend_killed_mid_read_leaves_no_file),
        cmocka_unit_test(server_killed_mid_read_leaves_no_file),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
