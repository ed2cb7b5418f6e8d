/* Extraction pieces without servers: identifier quoting, the page query
 * text for both placeholder styles, the lag window, state values, the
 * atomic state write, and the engine end to end on a SQLite file. */
#include "testutil.h"

#include <ctype.h>
#include <stdint.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/extract_internal.h"

static const etlc_sql_ops qmark = {.dialect = "t", .identifier_quote = '"',
                                   .placeholder = ETLC_SQL_PLACEHOLDER_QMARK, .raw_value_format = "+%s"};
static const etlc_sql_ops dollar = {.dialect = "t", .identifier_quote = '"',
                                    .placeholder = ETLC_SQL_PLACEHOLDER_DOLLAR, .raw_value_format = "(%s)::text"};
static const etlc_sql_ops backtick = {.dialect = "m", .identifier_quote = '`',
                                      .placeholder = ETLC_SQL_PLACEHOLDER_QMARK, .raw_value_format = "%s"};

static void test_quote_ident(void **state)
{
    (void)state;
    etlc_error err = {0};
    char *q = NULL;
    assert_int_equal(etlc_sql_quote_ident(&qmark, "a\"b; DROP TABLE x", false, "table", &q, &err), 0);
    assert_string_equal(q, "\"a\"\"b; DROP TABLE x\"");
    free(q);
    assert_int_equal(etlc_sql_quote_ident(&qmark, "s.t", true, "table", &q, &err), 0);
    assert_string_equal(q, "\"s\".\"t\"");
    free(q);
    assert_int_equal(etlc_sql_quote_ident(&backtick, "a`b", false, "column", &q, &err), 0);
    assert_string_equal(q, "`a``b`");
    free(q);
    assert_int_equal(etlc_sql_quote_ident(&qmark, "bad\nname", false, "key column", &q, &err), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "key column contains a control byte"));
    assert_int_equal(etlc_sql_quote_ident(&qmark, "", false, "watermark column", &q, &err), ETLC_INVALID_ARGUMENT);
    assert_int_equal(etlc_sql_quote_ident(&qmark, "s..t", true, "table name", &q, &err), ETLC_INVALID_ARGUMENT);
    assert_null(q);
}

static void test_page_sql(void **state)
{
    (void)state;
    etlc_error err = {0};
    const char *keys[] = {"id", "sub"};
    etlc_extract_options o = {.table = "ev", .watermark = "wm", .keys = keys, .nkeys = 2, .partition_on = "g"};
    ext_plan p;
    assert_int_equal(etlc__ext_plan_build(&dollar, &o, &p, &err), 0);
    ext_cursor c = {.kind = EXT_CURSOR_AFTER_ROW, .n = 3};
    c.v[0] = (etlc_value){.type = ETLC_TYPE_INT64, .i64 = 7};
    c.v[1] = (etlc_value){.type = ETLC_TYPE_INT64, .i64 = 8};
    c.v[2] = (etlc_value){.type = ETLC_TYPE_INT64, .i64 = 9};
    etlc_value upper = {.type = ETLC_TYPE_INT64, .i64 = 100};
    ext_slice slice = {.kind = EXT_SLICE_MODULO, .index = 0, .count = 3};
    ext_stmt st;
    assert_int_equal(etlc__ext_page_sql(&p, &c, &upper, &slice, 1000, &st, &err), 0);
    assert_string_equal(st.sql.data,
        "SELECT etlc_src.*, (etlc_src.\"wm\")::text AS etlc__c0, (etlc_src.\"id\")::text AS etlc__c1, "
        "(etlc_src.\"sub\")::text AS etlc__c2 FROM \"ev\" AS etlc_src WHERE "
        "(etlc_src.\"wm\" > $1 OR (etlc_src.\"wm\" = $2 AND (etlc_src.\"id\" > $3 OR (etlc_src.\"id\" = $4 AND "
        "(etlc_src.\"sub\" > $5))))) AND etlc_src.\"wm\" <= $6 AND ((((etlc_src.\"g\" % 3) + 3) % 3) = 0 OR "
        "etlc_src.\"g\" IS NULL) ORDER BY etlc_src.\"wm\", etlc_src.\"id\", "
        "etlc_src.\"sub\" LIMIT 1000");
    assert_int_equal(st.nparams, 6);
    assert_int_equal(st.params[4].i64, 9);
    assert_int_equal(st.params[5].i64, 100);
    etlc__ext_stmt_free(&st);
    etlc__ext_plan_free(&p);

    /* first run, question marks, a range slice taking NULLs */
    etlc_extract_options o2 = {.query = "SELECT * FROM t;  ", .watermark = "wm", .keys = keys, .nkeys = 1,
                               .partition_on = "g", .partitions = 2};
    assert_int_equal(etlc__ext_plan_build(&qmark, &o2, &p, &err), 0);
    ext_cursor none = {0};
    ext_slice first = {.kind = EXT_SLICE_RANGE, .has_lo = false, .has_hi = true, .hi = 50};
    assert_int_equal(etlc__ext_page_sql(&p, &none, &upper, &first, 10, &st, &err), 0);
    assert_string_equal(st.sql.data,
        "SELECT etlc_src.*, +etlc_src.\"wm\" AS etlc__c0, +etlc_src.\"id\" AS etlc__c1 FROM (SELECT * FROM t\n) "
        "AS etlc_src WHERE etlc_src.\"wm\" IS NOT NULL AND etlc_src.\"wm\" <= ? AND (etlc_src.\"g\" IS NULL OR "
        "etlc_src.\"g\" < (50)) ORDER BY etlc_src.\"wm\", etlc_src.\"id\" LIMIT 10");
    assert_int_equal(st.nparams, 1); /* range boundaries are our own integers, written as literals */
    etlc__ext_stmt_free(&st);
    etlc__ext_plan_free(&p);

    /* a full read (no watermark, no key) of a middle range: no parameters at all, so
     * PostgreSQL can stream it with COPY; INT64_MIN is written as an expression */
    etlc_extract_options o3 = {.table = "t", .partition_on = "g", .partitions = 3};
    assert_int_equal(etlc__ext_plan_build(&dollar, &o3, &p, &err), 0);
    ext_slice mid = {.kind = EXT_SLICE_RANGE, .has_lo = true, .has_hi = true, .lo = INT64_MIN, .hi = -7};
    assert_int_equal(etlc__ext_page_sql(&p, &none, NULL, &mid, 0, &st, &err), 0);
    assert_string_equal(st.sql.data,
        "SELECT etlc_src.* FROM \"t\" AS etlc_src WHERE etlc_src.\"g\" >= (-9223372036854775807 - 1) AND "
        "etlc_src.\"g\" < (-7)");
    assert_int_equal(st.nparams, 0);
    etlc__ext_stmt_free(&st);
    assert_int_equal(etlc__ext_minmax_sql(&p, p.part, &st, &err), 0);
    assert_string_equal(st.sql.data, "SELECT (MIN(etlc_src.\"g\"))::text AS etlc_min, (MAX(etlc_src.\"g\"))::text "
                                     "AS etlc_max FROM \"t\" AS etlc_src");
    etlc__ext_stmt_free(&st);
    etlc__ext_plan_free(&p);

    etlc_extract_options both = {.table = "a", .query = "b"};
    assert_int_equal(etlc__ext_plan_build(&qmark, &both, &p, &err), ETLC_INVALID_ARGUMENT);
}

static void lag_text(const char *upper, const char *lag, const char *want)
{
    etlc_error err = {0};
    etlc_value u = {.type = ETLC_TYPE_TEXT, .data = (char *)upper, .len = strlen(upper)}, out = {0};
    assert_int_equal(etlc__ext_apply_lag(&u, lag, &out, &err), 0);
    assert_string_equal(out.data, want);
    etlc_value_clear(&out);
}

static void test_lag(void **state)
{
    (void)state;
    lag_text("2024-05-01 10:10:00", "5m", "2024-05-01 10:05:00");
    lag_text("2024-05-01T00:00:30.250Z", "1h", "2024-04-30T23:00:30.250Z");
    lag_text("2024-05-01 10:10:00.123456+02", "90s", "2024-05-01 10:08:30.123456+02");
    lag_text("2024-03-01", "1d", "2024-02-29");
    lag_text("1000", "15", "985");
    lag_text("10.5", "0.5", "10");
    /* exact on decimals no double can hold, never rounded upwards */
    lag_text("12345678901234567890.0000000003", "0.0000000002", "12345678901234567890.0000000001");
    lag_text("99999999999999999999", "0.25", "99999999999999999998.75");
    lag_text("0.5", "1", "-0.5");
    lag_text("-2.25", "0.75", "-3");
    lag_text("1.000", "1", "0");
    etlc_error err = {0};
    etlc_value i = {.type = ETLC_TYPE_INT64, .i64 = 100}, out = {0};
    assert_int_equal(etlc__ext_apply_lag(&i, "30", &out, &err), 0);
    assert_int_equal(out.i64, 70);
    assert_int_equal(etlc__ext_apply_lag(&i, "5m", &out, &err), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "whole number"));
    assert_int_equal(etlc__ext_apply_lag(&i, "soon", &out, &err), ETLC_INVALID_ARGUMENT);
    etlc_value t = {.type = ETLC_TYPE_TEXT, .data = "abc", .len = 3};
    assert_int_equal(etlc__ext_apply_lag(&t, "5m", &out, &err), ETLC_INVALID_ARGUMENT);
    etlc_value ts = {.type = ETLC_TYPE_TIMESTAMP, .i64 = 3600000000LL};
    assert_int_equal(etlc__ext_apply_lag(&ts, "30m", &out, &err), 0);
    assert_int_equal(out.i64, 1800000000LL);
}

/* #15 class 9: every (bound, lag) pair either gives a bound no later than
 * the maximum, exactly max - lag, or our INVALID_ARGUMENT naming the lag:
 * never a wrap, never a value a server would refuse. Run under UBSan too. */
static void test_lag_arithmetic_property(void **state)
{
    (void)state;
    static const char *const lags[] = {"0", "1", "2.5", "9223372036854775806", "9223372036854775807",
                                       "9223372036854775808", "1e19", "1e308", "1e400", "1ms", "90s", "1d",
                                       "3650000d", "99999999d", "106751991d", "1e15ms", "1e300d", "1e400d"};
    const int64_t ints[] = {INT64_MIN, INT64_MIN + 1, -1, 0, 1, INT64_MAX};
    const int64_t micros[] = {-62135596800000000LL, -62135596800000000LL + 1, 0, 253402300799999999LL, INT64_MAX};
    const int64_t days[] = {-719162, 0, 2932896, INT32_MAX};
    static const char *const texts[] = {"-9223372036854775808", "9223372036854775807", "0", "0001-01-01",
                                        "2024-03-01", "2024-05-01 10:10:00", "0001-01-01T00:00:00Z",
                                        "9999-12-31T23:59:59.999999+02:00"};
    for (size_t l = 0; l < sizeof lags / sizeof *lags; l++) {
        int64_t ms = 0;
        double num = 0;
        int kind = etlc__ext_parse_lag(lags[l], &ms, &num);
        etlc_value in[32];
        size_t n = 0;
        for (size_t i = 0; i < sizeof ints / sizeof *ints; i++)
            in[n++] = (etlc_value){.type = ETLC_TYPE_INT64, .i64 = ints[i]};
        for (size_t i = 0; i < sizeof micros / sizeof *micros; i++)
            in[n++] = (etlc_value){.type = ETLC_TYPE_TIMESTAMP, .i64 = micros[i]};
        for (size_t i = 0; i < sizeof days / sizeof *days; i++)
            in[n++] = (etlc_value){.type = ETLC_TYPE_DATE, .i64 = days[i]};
        for (size_t i = 0; i < sizeof texts / sizeof *texts; i++)
            in[n++] = (etlc_value){.type = ETLC_TYPE_TEXT, .data = (char *)texts[i], .len = strlen(texts[i])};
        for (size_t i = 0; i < n; i++) {
            etlc_error err = {0};
            etlc_value out = {0};
            int rc = etlc__ext_apply_lag(&in[i], lags[l], &out, &err);
            if (rc) {
                assert_int_equal(rc, ETLC_INVALID_ARGUMENT);
                if (!strstr(err.message, lags[l]))
                    fail_msg("lag %s on value %zu: message does not name the lag: %s", lags[l], i, err.message);
                continue;
            }
            assert_true(kind >= 0);
            if (in[i].type == ETLC_TYPE_INT64 || in[i].type == ETLC_TYPE_TIMESTAMP || in[i].type == ETLC_TYPE_DATE) {
                if (out.i64 > in[i].i64)
                    fail_msg("lag %s wrapped value %zu: %lld -> %lld", lags[l], i, (long long)in[i].i64,
                             (long long)out.i64);
                if (in[i].type == ETLC_TYPE_TIMESTAMP)
                    assert_true(out.i64 >= -62135596800000000LL && out.i64 == in[i].i64 - ms * 1000);
                if (in[i].type == ETLC_TYPE_DATE)
                    assert_true(out.i64 >= -719162);
                if (in[i].type == ETLC_TYPE_INT64)
                    assert_true(out.i64 == in[i].i64 - (int64_t)num);
            } else {
                /* text: a number no larger, or a date/timestamp from year 1 on */
                int64_t t;
                int32_t d;
                char *end;
                if (etlc_parse_timestamp(out.data, out.len, &t) == 0)
                    assert_true(t >= -62135596800000000LL);
                else if (etlc_parse_date(out.data, out.len, &d) == 0)
                    assert_true(d >= -719162);
                else
                    assert_true(strtod(out.data, &end) <= strtod(in[i].data, NULL) && *end == '\0');
                if (out.data[0] == '-' && isdigit((unsigned char)out.data[1]) && strchr(out.data + 1, '-'))
                    fail_msg("lag %s gave a year before 1: %s", lags[l], out.data);
            }
            etlc_value_clear(&out);
        }
    }
    etlc_error err = {0};
    /* the example: our message, exit 2 (INVALID_ARGUMENT), not the server's */
    etlc_value ts = {.type = ETLC_TYPE_TEXT, .data = "2024-05-01 10:10:00", .len = 19}, out = {0};
    assert_int_equal(etlc__ext_apply_lag(&ts, "99999999d", &out, &err), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "99999999d"));
}

static void test_state_values(void **state)
{
    (void)state;
    etlc_error err = {0};
    ext_cursor c = {.kind = EXT_CURSOR_AFTER_ROW, .n = 3};
    c.v[0] = (etlc_value){.type = ETLC_TYPE_TEXT, .data = etlc__strdup("2024-01-01 \"x\""), .len = 14};
    c.v[1] = (etlc_value){.type = ETLC_TYPE_DOUBLE, .f64 = 0.1};
    c.v[2] = (etlc_value){.type = ETLC_TYPE_BYTES, .data = etlc__strndup("\0\xff", 2), .len = 2};
    json_t *j = etlc__ext_cursor_json(&c);
    ext_cursor back = {0};
    assert_int_equal(etlc__ext_cursor_from_json(j, &back, &err), 0);
    assert_int_equal(back.kind, EXT_CURSOR_AFTER_ROW);
    assert_int_equal(back.n, 3);
    assert_string_equal(back.v[0].data, "2024-01-01 \"x\"");
    assert_true(back.v[1].f64 == 0.1);
    assert_int_equal(back.v[2].len, 2);
    assert_memory_equal(back.v[2].data, "\0\xff", 2);
    json_decref(j);
    etlc__ext_cursor_clear(&c);
    etlc__ext_cursor_clear(&back);
    json_t *bad = json_pack("{s:s,s:[{s:s}]}", "kind", "after_row", "values", "type", "int64");
    assert_int_equal(etlc__ext_cursor_from_json(bad, &back, &err), ETLC_DATA);
    json_decref(bad);

}

static void test_engine_sqlite(void **state)
{
    (void)state;
    char *dir = tu_tempdir("extract-engine");
    char db[4200], lake[4200], st[4200];
    snprintf(db, sizeof db, "%s/src.db", dir);
    snprintf(lake, sizeof lake, "%s/lake", dir);
    snprintf(st, sizeof st, "%s/state.json", dir);
    sqlite3 *h;
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "PRAGMA journal_mode=wal; CREATE TABLE ev(id INTEGER PRIMARY KEY, wm INTEGER);"
                                     "WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM g WHERE i < 1500) "
                                     "INSERT INTO ev SELECT i, 100 FROM g;", NULL, NULL, NULL), SQLITE_OK);
    etlc_error err = {0};
    etlc_connector *c = NULL;
    assert_int_equal(etlc_get_sqlite_engine(db, true, &c, &err), ETLC_OK);
    const char *keys[] = {"id"};
    etlc_extract_options o = {.table = "ev", .watermark = "wm", .keys = keys, .nkeys = 1, .batch_size = 1000,
                              .state_path = st, .land = {.lake_root = lake}};
    etlc_result *r = NULL;
    assert_int_equal(etlc_extract(c, &o, &r, &err), ETLC_OK);
    assert_int_equal(r->record_count, 1500);
    assert_int_equal(r->item_count, 1);
    assert_int_equal(etlc_result_validate(r, &err), 0);
    assert_string_equal(etlc_meta_get(&r->metadata, "rows"), "1500");
    etlc_result_free(r);
    /* ties at the boundary and one more */
    assert_int_equal(sqlite3_exec(h, "INSERT INTO ev VALUES (1501, 100), (1502, 101);", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(etlc_extract(c, &o, &r, &err), ETLC_OK);
    assert_int_equal(r->record_count, 2);
    etlc_result_free(r);
    /* a missing column: failed result, state unchanged, no new file */
    char *before = tu_read_file(st, NULL);
    o.watermark = "nope";
    etlc_extract_options bad = o;
    bad.state_path = NULL;
    assert_int_equal(etlc_extract(c, &bad, &r, &err), ETLC_QUERY);
    assert_int_equal(r->status, ETLC_STATUS_FAILED);
    assert_non_null(strstr(err.message, "nope"));
    etlc_result_free(r);
    char *after = tu_read_file(st, NULL);
    assert_string_equal(before, after);
    free(before);
    free(after);
    etlc_connector_release(c);
    sqlite3_close(h);
    etlc_close_all_connections();
    tu_rmtree(dir);
    free(dir);
}

static int noop_connect(void *ctx, const etlc_config *cfg, etlc_error *err)
{
    (void)ctx, (void)cfg, (void)err;
    return 0;
}
static void noop_close(void *ctx) { (void)ctx; }
static const etlc_option_table no_opts = {.protocol = "nosql", .env_prefix = "NOSQL"};
static const etlc_connector_ops nosql_ops = {.abi_version = ETLC_ABI_VERSION, .name = "nosql", .options = &no_opts,
                                             .connect = noop_connect, .close = noop_close};

static void test_needs_sql(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc_config *cfg = NULL;
    etlc_config_sources src = {.env_prefix = ""};
    assert_int_equal(etlc_config_load(&no_opts, &src, &cfg, &err), 0);
    etlc_connector *c = NULL;
    assert_int_equal(etlc_connector_open(&nosql_ops, cfg, &c, &err), 0);
    etlc_extract_options o = {.table = "t"};
    etlc_result *r = NULL;
    assert_int_equal(etlc_extract(c, &o, &r, &err), ETLC_UNSUPPORTED);
    assert_non_null(strstr(err.message, "no SQL support"));
    assert_null(r);
    etlc_connector_release(c);
    etlc_config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote_ident),  cmocka_unit_test(test_page_sql),
        cmocka_unit_test(test_lag),          cmocka_unit_test(test_lag_arithmetic_property),          cmocka_unit_test(test_state_values),
        cmocka_unit_test(test_engine_sqlite), cmocka_unit_test(test_needs_sql),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
