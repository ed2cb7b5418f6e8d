/* scan_partitions on a real PostgreSQL (the run's shared one): a plain
 * `SELECT * FROM table` read as N heap-block ranges on N sessions of one
 * snapshot gives exactly the rows of the single stream (as a multiset: the
 * order is not promised), through etlc_connector_fetch_batches and landed by
 * etlc_connector_fetch; a query with WHERE (or parameters) reads one stream;
 * a failing consumer or a cancel stops every range, nothing is called after
 * it, no range keeps running in the server, and nothing lands.
 * shared-service: postgres (this test works in a database of its own) */
#include "testutil.h"
#include "shared_pg.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

#define NROWS 200000

static int setup(void **state)
{
    (void)state;
    if (shared_pg_create("pg_scan") != 0)
        return -1;
    const char *keys[] = {"host", "port", "dbname", "user", "password", NULL};
    const char *vals[] = {getenv("PG_HOST"), getenv("PG_PORT"), getenv("PG_DATABASE"), getenv("PG_USERNAME"),
                          getenv("PG_PASSWORD"), NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 0);
    /* Every type the connector reads, NULLs, holes (deleted rows) and moved rows (updates). */
    PGresult *r = PQexec(c,
        "CREATE TABLE scan_t (id int8, i2 int2, i4 int4, n numeric(12,3), f4 float4, f8 float8, b bool, t text,"
        " vc varchar(10), bc char(4), by bytea, d date, ts timestamp, tz timestamptz, tm time, u uuid, j json,"
        " jb jsonb, arr int[], iv interval, ip inet);"
        "INSERT INTO scan_t SELECT g, (g % 30000)::int2, g * 7, g / 1000.0, g / 3.0, g / 7.0, g % 2 = 0,"
        " CASE WHEN g % 17 = 0 THEN NULL ELSE 'row ' || g || ' é' END, left(md5(g::text), 10), 'ab',"
        " decode(lpad(to_hex(g), 8, '0'), 'hex'), date '2000-01-01' + (g % 9000),"
        " timestamp '2001-02-03 04:05:06.789' + g * interval '1 second', timestamptz '2020-01-01 00:00:00+00' - g * "
        " interval '1 minute', time '00:00' + (g % 86400) * interval '1 second', md5(g::text)::uuid,"
        " json_build_object('g', g), jsonb_build_object('k', g % 5), ARRAY[g, NULL, g + 1],"
        " g * interval '1 hour', ('10.0.' || (g % 256) || '.1')::inet FROM generate_series(1, 200000) g;"
        "DELETE FROM scan_t WHERE id % 11 = 0; UPDATE scan_t SET t = 'moved' WHERE id % 13 = 0;");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "setup: %s", PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    etlc_close_all_connections();
    shared_pg_drop();
    return 0;
}

/* Each row rendered as one text line (the cells' own text forms). */
typedef struct capture {
    etlc__buf text;
    size_t rows, batches, fail_at, late;
    int fail_code;         /* returned at batch fail_at */
    etlc_cancel *cancel;   /* requested at batch fail_at instead, when set */
    bool stopped;
} capture;

static void render_row(etlc__buf *b, const etlc_batch *batch, size_t r)
{
    for (size_t c = 0; c < batch->ncols; c++) {
        const etlc_column *col = &batch->cols[c];
        size_t len;
        const uint8_t *p;
        if (c)
            etlc__buf_putc(b, '|');
        if (etlc_column_is_null(col, r)) {
            etlc__buf_puts(b, "NULL");
            continue;
        }
        switch (col->def.type) {
        case ETLC_TYPE_BOOL: etlc__buf_puts(b, col->fixed.b[r] ? "t" : "f"); break;
        case ETLC_TYPE_INT64:
        case ETLC_TYPE_TIMESTAMP: etlc__buf_printf(b, "%lld", (long long)col->fixed.i64[r]); break;
        case ETLC_TYPE_DATE: etlc__buf_printf(b, "%d", (int)col->fixed.i32[r]); break;
        case ETLC_TYPE_DOUBLE: etlc__buf_printf(b, "%.17g", col->fixed.f64[r]); break;
        case ETLC_TYPE_BYTES:
            p = etlc_column_var(col, r, &len);
            for (size_t i = 0; i < len; i++)
                etlc__buf_printf(b, "%02x", p[i]);
            break;
        default:
            p = etlc_column_var(col, r, &len);
            etlc__buf_append(b, p, len);
            break;
        }
    }
    etlc__buf_putc(b, '\n');
}

static int on_batch(void *ud, const etlc_batch *batch, etlc_error *err)
{
    capture *cap = ud;
    if (cap->stopped) {
        cap->late++; /* must never happen: the scan stops calling after a failure */
        return 0;
    }
    if (++cap->batches == cap->fail_at && cap->fail_at) {
        cap->stopped = true;
        if (cap->cancel) {
            etlc_cancel_request(cap->cancel);
            return 0; /* the next batch (any range) sees the cancel */
        }
        return etlc_error_set(err, cap->fail_code, "the consumer gave up at batch %zu", cap->batches);
    }
    for (size_t r = 0; r < batch->nrows; r++)
        render_row(&cap->text, batch, r);
    cap->rows += batch->nrows;
    return 0;
}

static int open_pg(const char *parts, etlc_connector **out, etlc_error *err)
{
    etlc_kv ov[] = {{"scan_partitions", parts}, {"pool_max", "4"}};
    etlc_config_sources src = {.overrides = ov, .overrides_len = 2};
    etlc_get_options opts = {.no_reuse = true};
    return etlc_get_connection("postgres", &src, &opts, out, err);
}

static int cmp_line(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The lines sorted (the buffer is cut up in place). */
static char **sorted_lines(etlc__buf *b, size_t n)
{
    char **lines = calloc(n + 1, sizeof *lines);
    assert_non_null(lines);
    size_t k = 0;
    for (char *p = b->data, *nl; p && k < n && (nl = strchr(p, '\n')); p = nl + 1, k++) {
        *nl = '\0';
        lines[k] = p;
    }
    assert_int_equal(k, n);
    qsort(lines, n, sizeof *lines, cmp_line);
    return lines;
}

static int fetch(const char *parts, const char *query, capture *cap, etlc_cancel *cancel, etlc_error *err)
{
    etlc_connector *c = NULL;
    int rc = open_pg(parts, &c, err);
    assert_int_equal(rc, 0);
    tu_clear_logs();
    etlc_fetch_request req = {.query = query, .batch_rows = 2000, .cancel = cancel};
    rc = etlc_connector_fetch_batches(c, &req, (etlc_batch_consumer){on_batch, cap}, err);
    etlc_connector_release(c);
    return rc;
}

static void three_ranges_give_the_rows_of_one_stream(void **state)
{
    (void)state;
    capture one = {0}, three = {0};
    etlc_error err = {0};
    assert_int_equal(fetch("1", "SELECT * FROM scan_t", &one, NULL, &err), 0);
    assert_null(strstr(tu_logs(), "ranges over its"));
    assert_int_equal(fetch("3", " select * from public.\"scan_t\" ;\n", &three, NULL, &err), 0);
    assert_non_null(strstr(tu_logs(), "in 3 ranges over its"));
    assert_non_null(strstr(tu_logs(), "ctid >= '("));
    size_t expected = NROWS - NROWS / 11;
    assert_int_equal(one.rows, expected);
    assert_int_equal(three.rows, expected);
    char **a = sorted_lines(&one.text, expected), **b = sorted_lines(&three.text, expected);
    for (size_t i = 0; i < expected; i++)
        if (strcmp(a[i], b[i]) != 0)
            fail_msg("row %zu differs:\n  one stream: %s\n  3 ranges:   %s", i, a[i], b[i]);
    free(a);
    free(b);
    etlc__buf_free(&one.text);
    etlc__buf_free(&three.text);
}

static void other_queries_read_one_stream(void **state)
{
    (void)state;
    capture cap = {0};
    etlc_error err = {0};
    assert_int_equal(fetch("3", "SELECT id, t FROM scan_t WHERE id <= 1000", &cap, NULL, &err), 0);
    assert_int_equal(cap.rows, 1000 - 1000 / 11);
    assert_non_null(strstr(tu_logs(), "not a plain `SELECT ... FROM table` read; one stream"));
    assert_null(strstr(tu_logs(), "ranges over its"));
    etlc__buf_free(&cap.text);
    /* a table with fewer heap blocks than ranges */
    assert_int_equal(fetch("3", "SELECT * FROM pg_catalog.pg_am", &cap, NULL, &err), 0);
    assert_non_null(strstr(tu_logs(), "fewer than 3 ranges; one stream"));
    etlc__buf_free(&cap.text);
}

/* Nothing of the scan is still running in the server. */
static void no_range_left_running(void)
{
    PGconn *c = PQconnectdbParams((const char *[]){"host", "port", "dbname", "user", "password", NULL},
                                  (const char *[]){getenv("PG_HOST"), getenv("PG_PORT"), getenv("PG_DATABASE"),
                                                   getenv("PG_USERNAME"), getenv("PG_PASSWORD"), NULL}, 0);
    /* A cancelled backend takes a moment to notice: up to 5 s. */
    char left[32] = "?";
    for (int i = 0; i < 50 && strcmp(left, "0") != 0; i++) {
        if (i)
            usleep(100000);
        PGresult *r = PQexec(c, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active'"
                                " AND query LIKE '%ctid%' AND pid <> pg_backend_pid()");
        assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
        snprintf(left, sizeof left, "%s", PQgetvalue(r, 0, 0));
        PQclear(r);
    }
    assert_string_equal(left, "0");
    PQfinish(c);
}

static void a_failing_consumer_stops_every_range(void **state)
{
    (void)state;
    capture cap = {.fail_at = 4, .fail_code = ETLC_DATA};
    etlc_error err = {0};
    assert_int_equal(fetch("3", "SELECT * FROM scan_t", &cap, NULL, &err), ETLC_DATA);
    assert_non_null(strstr(err.message, "the consumer gave up at batch 4"));
    assert_non_null(strstr(tu_logs(), "in 3 ranges over its"));
    assert_int_equal(cap.late, 0);
    assert_int_equal(cap.rows, 3 * 2000);
    no_range_left_running();
    etlc__buf_free(&cap.text);
}

static void a_cancel_stops_every_range(void **state)
{
    (void)state;
    etlc_cancel *cancel = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_cancel_new(&cancel, &err), 0);
    capture cap = {.fail_at = 3, .cancel = cancel};
    assert_int_equal(fetch("3", "SELECT * FROM scan_t", &cap, cancel, &err), ETLC_CANCELLED);
    assert_int_equal(cap.late, 0);
    assert_true(cap.rows < 3 * 2000);
    no_range_left_running();
    etlc_cancel_free(cancel);
    etlc__buf_free(&cap.text);
}

static void progress_cancels(void *ud, uint64_t rows, uint64_t batches)
{
    (void)batches;
    if (rows >= 20000)
        etlc_cancel_request(ud);
}

/* Landed: every row once; cancelled mid-scan: no file at all. */
static void landing_keeps_all_or_nothing(void **state)
{
    (void)state;
    char *lake = tu_tempdir("pg_scan_lake");
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(open_pg("3", &c, &err), 0);
    etlc_fetch_request req = {.query = "SELECT * FROM scan_t", .batch_rows = 5000};
    etlc_land_options land = {.lake_root = lake, .sink = {.format = "jsonl"}};
    etlc_result *res = NULL;
    assert_int_equal(etlc_connector_fetch(c, &req, &land, &res, &err), 0);
    assert_int_equal(res->record_count, NROWS - NROWS / 11);
    etlc_result_free(res);
    tu_rmtree(lake);
    etlc_cancel *cancel = NULL;
    assert_int_equal(etlc_cancel_new(&cancel, &err), 0);
    land.cancel = cancel;
    land.progress = progress_cancels;
    land.progress_userdata = cancel;
    res = NULL;
    tu_clear_logs();
    assert_int_equal(etlc_connector_fetch(c, &req, &land, &res, &err), ETLC_CANCELLED);
    assert_non_null(strstr(tu_logs(), "in 3 ranges over its"));
    assert_int_equal(tu_count_files(lake), 0);
    no_range_left_running();
    etlc_result_free(res);
    etlc_cancel_free(cancel);
    etlc_connector_release(c);
    tu_rmtree(lake);
    free(lake);
}

int main(void)
{
    tu_capture_logs();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(three_ranges_give_the_rows_of_one_stream),
        cmocka_unit_test(other_queries_read_one_stream),
        cmocka_unit_test(a_failing_consumer_stops_every_range),
        cmocka_unit_test(a_cancel_stops_every_range),
        cmocka_unit_test(landing_keeps_all_or_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
