/* The neo4j connector's session through the C API, against the shared
 * Neo4j (tests/services/neo4j): one connector runs a query the server
 * refuses (FAILURE with RUN and PULL pipelined behind BEGIN), then one that
 * fails mid-stream on our side (a type change: records still in flight),
 * then good queries on the same session. RESET must have drained every
 * reply in flight: no reconnect is logged and the next result is whole.
 * The same on Bolt 4.4. Plus the health check's report.
 *
 * shared-service: neo4j */
#include "testutil.h"
#include "shared_service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char uri[256], password[128];

static void env_line(const char *name, const char *value, void *userdata)
{
    (void)userdata;
    if (strcmp(name, "NEO4J_URI") == 0)
        snprintf(uri, sizeof uri, "%s", value);
    else if (strcmp(name, "NEO4J_PASSWORD") == 0)
        snprintf(password, sizeof password, "%s", value);
}

static etlc_connector *open_neo4j(const char *bolt_version)
{
    etlc_kv dict[] = {{"uri", uri}, {"password", password}, {"bolt_version", bolt_version}, {"fetch_size", "3"}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 4};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    etlc_get_options go = {.no_reuse = true};
    int rc = etlc_get_connection("neo4j", &src, &go, &c, &err);
    if (rc != 0)
        fail_msg("connect: %s", err.message);
    return c;
}

static int run(etlc_connector *c, const char *lake, const char *query, size_t batch, int64_t *records,
               etlc_error *err)
{
    etlc_fetch_request req = {.query = query, .batch_rows = batch};
    etlc_land_options land = {.lake_root = lake};
    land.sink.format = "jsonl";
    etlc_result *res = NULL;
    memset(err, 0, sizeof *err);
    int rc = etlc_connector_fetch(c, &req, &land, &res, err);
    *records = res ? res->record_count : -1;
    etlc_result_free(res);
    return rc;
}

static void reset_keeps_the_session(const char *bolt_version)
{
    char *lake = tu_tempdir("neo4j-session");
    etlc_connector *c = open_neo4j(bolt_version);
    tu_capture_logs();
    tu_clear_logs();
    etlc_error err;
    int64_t n = 0;
    for (int round = 0; round < 3; round++) {
        assert_int_equal(run(c, lake, "RETRN 1", 10, &n, &err), ETLC_QUERY);
        assert_non_null(strstr(err.message, "SyntaxError"));
        /* Fails at record 40 of 100 with PULLs of 3 in flight. */
        assert_int_equal(run(c, lake, "UNWIND range(1, 100) AS i RETURN CASE WHEN i < 40 THEN i ELSE 'x' END AS v",
                             7, &n, &err),
                         ETLC_DATA_SCHEMA);
        assert_non_null(strstr(err.message, "at record 40"));
        assert_int_equal(run(c, lake, "UNWIND range(1, 100) AS i RETURN i, i * 2 AS j", 7, &n, &err), ETLC_OK);
        assert_int_equal(n, 100);
    }
    if (strstr(tu_logs(), "reconnecting"))
        fail_msg("the session was reopened instead of RESET:\n%s", tu_logs());
    etlc_health h = {0};
    assert_int_equal(etlc_connector_test(c, &h, &err), ETLC_OK);
    assert_true(h.healthy);
    assert_non_null(strstr(h.server_version, "Neo4j/5"));
    assert_non_null(strstr(h.server_version, strcmp(bolt_version, "4.4") == 0 ? "Bolt 4.4" : "Bolt 5."));
    assert_null(strstr(h.detail, password));
    etlc_log_set_callback(NULL, NULL);
    etlc_connector_release(c);
    tu_rmtree(lake);
    free(lake);
}

static void bolt5(void **state)
{
    (void)state;
    reset_keeps_the_session("5");
}

static void bolt44(void **state)
{
    (void)state;
    reset_keeps_the_session("4.4");
}

int main(void)
{
    if (shared_service_env("neo4j", env_line, NULL) != 0 || !*uri)
        return 1;
    const struct CMUnitTest tests[] = {cmocka_unit_test(bolt5), cmocka_unit_test(bolt44)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    etlc_close_all_connections();
    return rc;
}
