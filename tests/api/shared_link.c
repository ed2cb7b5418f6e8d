/* Links against libetlconn.so only (never the static library) and calls a
 * few functions from each public header group: if a public function were
 * not exported, this program would not link. test_exported_symbols.sh runs
 * it. Plain C (and, through shared_link.cpp, C++), no test framework, so
 * the only etlconn symbols it needs come from the shared library; given a
 * plugin, it also shows plugins resolve against libetlconn.so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etlconn/connector_api.h"
#include "etlconn/etlconn.h"

static int failures;

#define EXPECT(cond)                                                  \
    do {                                                              \
        if (!(cond)) {                                                \
            fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                               \
        }                                                             \
    } while (0)

static void check_errors_and_log(void)
{
    EXPECT(strcmp(etlc_version(), ETLCONN_VERSION) == 0);
    EXPECT(strcmp(etlc_code_name(ETLC_NOT_BUILT_IN), "NOT_BUILT_IN") == 0);
    etlc_error err;
    etlc_error_clear(&err);
    EXPECT(etlc_error_set(&err, ETLC_IO, "password=%s", "hunter22") == ETLC_IO);
    EXPECT(strstr(err.message, "hunter22") == NULL);
    EXPECT(etlc_log_level_parse("warn") == ETLC_LOG_WARN);
}

static void check_result_round_trip(void)
{
    etlc_error err;
    etlc_error_clear(&err);
    etlc_result *r = NULL, *back = NULL;
    char *json = NULL;
    EXPECT(etlc_result_new("sqlite", "sample", "SELECT 1", &r, &err) == 0);
    if (!r)
        return;
    etlc_result_finish(r);
    EXPECT(etlc_result_validate(r, &err) == 0);
    EXPECT(etlc_result_to_json(r, false, &json, &err) == 0);
    EXPECT(json && etlc_result_from_json(json, &back, &err) == 0);
    EXPECT(back && strcmp(back->protocol, "sqlite") == 0);
    free(json);
    etlc_result_free(back);
    etlc_result_free(r);
}

static void check_batches(void)
{
    etlc_error err;
    etlc_error_clear(&err);
    char name[] = "n";
    etlc_column_def def = {name, ETLC_TYPE_INT64, 0, 0};
    etlc_batch *b = NULL;
    EXPECT(etlc_batch_new(&def, 1, 4, &b, &err) == 0);
    if (!b)
        return;
    EXPECT(etlc_batch_append_int64(b, 0, 42, &err) == 0);
    EXPECT(etlc_batch_end_row(b, &err) == 0);
    EXPECT(b->nrows == 1 && b->cols[0].fixed.i64[0] == 42);
    etlc_batch_free(b);
}

static void check_registry(void)
{
    etlc_error err;
    etlc_error_clear(&err);
    const etlc_protocol_info *list = NULL;
    EXPECT(etlc_registry_list(&list) > 0);
    const etlc_connector_ops *ops = NULL;
    EXPECT(etlc_registry_find("no-such-protocol", &ops, &err) == ETLC_UNKNOWN_PROTOCOL);
    EXPECT(ops == NULL);
    /* etlconn/http.h: without a connector the helper refuses (or answers
     * NOT_BUILT_IN when the http connector is compiled out). */
    etlc_http_request_options rq;
    memset(&rq, 0, sizeof rq);
    etlc_http_response *resp = NULL;
    int rc = etlc_http_request(NULL, &rq, &resp, &err);
    EXPECT((rc == ETLC_INVALID_ARGUMENT || rc == ETLC_NOT_BUILT_IN) && resp == NULL);
    etlc_http_response_free(NULL);
}

/* A plugin resolves its etlc_* calls against libetlconn.so too: load the
 * newprotocol template and land its rows. */
static void check_plugin_fetch(const char *plugin, const char *lake)
{
    etlc_error err;
    etlc_error_clear(&err);
    EXPECT(etlc_plugin_load(plugin, &err) == 0);
    if (err.code) {
        fprintf(stderr, "%s\n", err.message);
        return;
    }
    etlc_kv rows[] = {{"rows", "3"}};
    etlc_config_sources src;
    memset(&src, 0, sizeof src);
    src.env_prefix = "";
    src.overrides = rows;
    src.overrides_len = 1;
    etlc_connector *c = NULL;
    EXPECT(etlc_get_connection("newprotocol", &src, NULL, &c, &err) == 0);
    if (!c)
        return;
    etlc_fetch_request req;
    memset(&req, 0, sizeof req);
    req.query = "anything";
    etlc_land_options land;
    memset(&land, 0, sizeof land);
    land.lake_root = lake;
    land.sink.format = "jsonl";
    etlc_result *res = NULL;
    EXPECT(etlc_connector_fetch(c, &req, &land, &res, &err) == 0);
    EXPECT(res && res->record_count == 3 && res->item_count == 1);
    etlc_result_free(res);
    etlc_connector_release(c);
    etlc_close_all_connections();
}

/* argv: [plugin.so lake-dir] (the plugin check runs when given). */
int main(int argc, char **argv)
{
    check_errors_and_log();
    check_result_round_trip();
    check_batches();
    check_registry();
    if (argc == 3)
        check_plugin_fetch(argv[1], argv[2]);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("shared library link: ok\n");
    return 0;
}
