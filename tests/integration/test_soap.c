/* The soap connector through the C API against a spyne service
 * (shared-service: soap; tests/services/soap, SOAP 1.1 document/literal
 * wrapped). The records capability called directly: 20000 Order rows in
 * batches of 4096, every value checked against the service's rule
 * (order_row in tests/services/soap), pages carrying resume cursors and a
 * resumed call skipping what was landed; a fault as ETLC_QUERY with its
 * code and string; etlc_connector_fetch with key=value params landing
 * Parquet; the health check listing the operations. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/connector_internal.h"
#include "shared_service.h"

static char wsdl[512];

static void env_line(const char *name, const char *value, void *ud)
{
    (void)ud;
    if (strcmp(name, "SOAP_TEST_WSDL") == 0)
        snprintf(wsdl, sizeof wsdl, "%s", value);
}

static etlc_connector *connect_soap(void)
{
    etlc_kv kv[] = {{"wsdl_url", wsdl}, {"proxy", ""}};
    etlc_config_sources src = {.dict = kv, .dict_len = 2, .env_prefix = ""};
    etlc_get_options o = {.no_reuse = true};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    int rc = etlc_get_connection("soap", &src, &o, &c, &err);
    if (rc != 0)
        fprintf(stderr, "connect: %s\n", err.message);
    assert_int_equal(rc, 0);
    return c;
}

typedef struct seen {
    int64_t next_id;          /* the id the next row must have */
    size_t pages, last_rows;
    char cursor[64];
    bool last_seen;
} seen;

/* Order i: amount i*1.25, placed 2026-01-01 + i hours, paid when i%3==0, note NULL when i%5==0. */
static int on_page(void *ud, const etlc_records_page *page, etlc_error *err)
{
    seen *s = ud;
    (void)err;
    const etlc_batch *b = page->batch;
    assert_int_equal(b->ncols, 5);
    assert_string_equal(b->cols[0].def.name, "id");
    assert_int_equal(b->cols[2].def.type, ETLC_TYPE_TIMESTAMP);
    for (size_t r = 0; r < b->nrows; r++, s->next_id++) {
        int64_t i = s->next_id;
        assert_int_equal(b->cols[0].fixed.i64[r], i);
        assert_true(b->cols[1].fixed.f64[r] == (double)i * 1.25);
        assert_int_equal(b->cols[2].fixed.i64[r], INT64_C(1767225600000000) + i * INT64_C(3600000000));
        assert_int_equal(b->cols[3].fixed.b[r], i % 3 == 0);
        assert_int_equal(b->cols[4].nulls[r] != 0, i % 5 == 0);
        if (i % 5) {
            char want[64];
            size_t len;
            const uint8_t *v = etlc_column_var(&b->cols[4], r, &len);
            snprintf(want, sizeof want, "order <%lld> & co", (long long)i);
            assert_int_equal(len, strlen(want));
            assert_memory_equal(v, want, len);
        }
    }
    s->pages++;
    s->last_rows = b->nrows;
    assert_false(s->last_seen);
    s->last_seen = page->next_cursor == NULL;
    if (page->next_cursor)
        snprintf(s->cursor, sizeof s->cursor, "%s", page->next_cursor);
    return 0;
}

static void test_rows_in_batches_and_resume(void **state)
{
    (void)state;
    etlc_connector *c = connect_soap();
    etlc_kv params[] = {{"customer_id", "20000"}};
    etlc_records_request rq = {.resource = "GetOrders", .params = params, .nparams = 1,
                               .batch_rows = 4096};
    seen s = {.next_id = 1};
    etlc_error err = {0};
    int rc = c->ops->records->fetch_pages(c->ctx, &rq, (etlc_page_consumer){on_page, &s}, &err);
    if (rc)
        fprintf(stderr, "fetch_pages: %s\n", err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(s.next_id, 20001);
    assert_int_equal(s.pages, 5); /* 4 x 4096 + 3616 */
    assert_true(s.last_seen);
    assert_string_equal(s.cursor, "rows:16384");

    /* resuming at a page's cursor hands over only the rows after it */
    seen r = {.next_id = 16385};
    rq.cursor = s.cursor;
    assert_int_equal(c->ops->records->fetch_pages(c->ctx, &rq, (etlc_page_consumer){on_page, &r}, &err), 0);
    assert_int_equal(r.next_id, 20001);
    assert_int_equal(r.pages, 1);
    rq.cursor = "page 7";
    assert_int_equal(c->ops->records->fetch_pages(c->ctx, &rq, (etlc_page_consumer){on_page, &r}, &err),
                     ETLC_INVALID_ARGUMENT);
    etlc_connector_release(c);
}

static int no_page(void *ud, const etlc_records_page *page, etlc_error *err)
{
    (void)ud, (void)page, (void)err;
    fail_msg("a fault yields no page");
    return 0;
}

static void test_fault_is_an_error(void **state)
{
    (void)state;
    etlc_connector *c = connect_soap();
    etlc_kv params[] = {{"reason", "valve <stuck> & leaking"}};
    etlc_records_request rq = {.resource = "Explode", .params = params, .nparams = 1};
    etlc_error err = {0};
    assert_int_equal(c->ops->records->fetch_pages(c->ctx, &rq, (etlc_page_consumer){no_page, NULL}, &err),
                     ETLC_QUERY);
    assert_non_null(strstr(err.message, "Client.Exploded"));
    assert_non_null(strstr(err.message, "valve <stuck> & leaking")); /* escaped going, unescaped back */
    assert_string_equal(err.native_state, "SOAP");
    etlc_connector_release(c);
}

static void test_fetch_lands_parquet_and_health(void **state)
{
    (void)state;
    etlc_connector *c = connect_soap();
    char *lake = tu_tempdir("soap-capi");
    etlc_land_options land = {.lake_root = lake};
    etlc_param p[] = {{.type = ETLC_TYPE_TEXT, .data = "customer_id=12", .len = 14},
                      {.type = ETLC_TYPE_TEXT, .data = "since=2026-01-01T06:00:00Z", .len = 26}};
    etlc_fetch_request fr = {.query = "GetOrders", .params = p, .nparams = 2};
    etlc_result *res = NULL;
    etlc_error err = {0};
    int rc = etlc_connector_fetch(c, &fr, &land, &res, &err);
    if (rc)
        fprintf(stderr, "fetch: %s\n", err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(res->record_count, 7); /* orders 6..12 */
    assert_string_equal(res->items[0].format, "parquet");
    etlc_result_free(res);
    etlc_health h = {0};
    assert_int_equal(etlc_connector_test(c, &h, &err), 0);
    assert_true(h.healthy);
    assert_non_null(strstr(h.detail, "GetOrders, GetTotals, Explode"));
    etlc_connector_release(c);
    tu_rmtree(lake);
    free(lake);
}

int main(void)
{
    if (shared_service_env("soap", env_line, NULL) != 0 || !*wsdl)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_in_batches_and_resume),
        cmocka_unit_test(test_fault_is_an_error),
        cmocka_unit_test(test_fetch_lands_parquet_and_health),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
