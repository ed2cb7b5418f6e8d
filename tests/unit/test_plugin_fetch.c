/* Fetching through the newprotocol plugin into a temporary lake: the
 * result, the landed file, re-runs, mid-stream failures, redaction. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLUGIN_SO ETLCONN_BINARY_DIR "/plugins/newprotocol.so"
#define SECRET_TOKEN "tok-Zq81-very-secret"

static int setup(void **state)
{
    (void)state;
    etlc_error err = {0};
    return etlc_plugin_load(PLUGIN_SO, &err);
}

static void fetches_through_the_plugin_into_a_lake(void **state)
{
    (void)state;
    char *lake = tu_tempdir("plugin-lake");
    etlc_kv dict[] = {{"rows", "25"}, {"start", "100"}, {"token", SECRET_TOKEN},
                      {"source", "demo"}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 4};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    tu_capture_logs();
    etlc_log_set_level(ETLC_LOG_TRACE);
    assert_int_equal(etlc_get_connection("newprotocol", &src, NULL, &c, &err), 0);

    etlc_health h;
    assert_int_equal(etlc_connector_test(c, &h, &err), 0);
    assert_true(h.healthy);
    assert_string_equal(h.server_version, "newprotocol 1");
    assert_true(h.latency_ms > 0.0);

    etlc_fetch_request req = {.query = "all rows", .batch_rows = 10};
    etlc_land_options land = {.lake_root = lake, .sink.format = "jsonl"};
    etlc_result *r = NULL;
    assert_int_equal(etlc_connector_fetch(c, &req, &land, &r, &err), 0);
    assert_non_null(r);
    assert_int_equal(r->status, ETLC_STATUS_SUCCESS);
    assert_string_equal(r->protocol, "newprotocol");
    assert_string_equal(r->source, "demo");
    assert_string_equal(r->query, "all rows");
    assert_int_equal(r->item_count, 1);
    assert_int_equal(r->record_count, 25);
    assert_int_equal(r->items[0].record_count, 25);
    assert_int_equal(etlc_result_validate(r, &err), 0);
    /* {protocol}/{source}/dt={date}/{query_hash}-part-00000.jsonl */
    assert_non_null(strstr(r->items[0].path, "newprotocol/demo/dt="));
    assert_non_null(strstr(r->items[0].path, "-part-00000.jsonl"));
    size_t len = 0;
    char *data = tu_read_file(r->items[0].path, &len);
    assert_non_null(data);
    assert_int_equal(r->items[0].byte_count, (int64_t)len);
    size_t lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += data[i] == '\n';
    assert_int_equal(lines, 25);
    assert_non_null(strstr(data, "row-100"));
    assert_non_null(strstr(data, "row-124"));
    assert_null(strstr(data, "row-125"));
    free(data);
    char *json = NULL;
    assert_int_equal(etlc_result_to_json(r, false, &json, &err), 0);
    assert_non_null(strstr(json, "\"newprotocol\""));
    assert_null(strstr(json, SECRET_TOKEN));
    free(json);

    /* Same request, same names: a re-run overwrites rather than duplicates. */
    etlc_result *again = NULL;
    assert_int_equal(etlc_connector_fetch(c, &req, &land, &again, &err), 0);
    assert_string_equal(again->items[0].path, r->items[0].path);
    assert_int_equal(tu_count_files(lake), 1);
    etlc_result_free(again);
    etlc_result_free(r);
    etlc_connector_release(c);
    assert_null(strstr(tu_logs(), SECRET_TOKEN));
    etlc_log_set_level(ETLC_LOG_WARN);
    etlc_close_all_connections();
    tu_rmtree(lake);
    free(lake);
}

static void mid_stream_failure_lands_nothing(void **state)
{
    (void)state;
    char *lake = tu_tempdir("plugin-fail");
    etlc_kv dict[] = {{"rows", "50"}, {"fail_after", "25"}, {"token", SECRET_TOKEN}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 3};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_get_connection("np", &src, &(etlc_get_options){.no_reuse = true}, &c,
                                         &err),
                     0);
    etlc_fetch_request req = {.query = "q", .batch_rows = 10}; /* two batches pass first */
    etlc_land_options land = {.lake_root = lake, .sink.format = "jsonl"};
    etlc_result *r = NULL;
    assert_int_equal(etlc_connector_fetch(c, &req, &land, &r, &err), ETLC_PROTOCOL);
    assert_non_null(strstr(err.message, "simulated failure after 25 rows"));
    assert_non_null(r);
    assert_int_equal(r->status, ETLC_STATUS_FAILED);
    assert_int_equal(r->item_count, 0);
    assert_int_equal(r->error_count, 1);
    assert_string_equal(r->errors[0].code, "PROTOCOL");
    assert_int_equal(etlc_result_validate(r, &err), 0);
    assert_int_equal(tu_count_files(lake), 0);
    etlc_result_free(r);
    etlc_connector_release(c);
    tu_rmtree(lake);
    free(lake);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fetches_through_the_plugin_into_a_lake),
        cmocka_unit_test(mid_stream_failure_lands_nothing),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
