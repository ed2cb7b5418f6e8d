/* The mongodb connector through the C API (etlc_get_connection,
 * etlc_connector_test, etlc_connector_fetch) against the run's FerretDB
 * (tests/services/ferretdb, SCRAM auth on); the documents are written with
 * libmongoc directly. The CLI side: test_cli_mongodb*.py.
 *
 * shared-service: ferretdb */
#include <mongoc/mongoc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shared_service.h"
#include "testutil.h"

static char host[64], port[16], user[64], password[128], auth_source[64], db[64];

static void on_line(const char *name, const char *value, void *ud)
{
    (void)ud;
    struct { const char *n; char *dst; size_t sz; } map[] = {
        {"MONGODB_HOST", host, sizeof host}, {"MONGODB_PORT", port, sizeof port},
        {"MONGODB_USERNAME", user, sizeof user}, {"MONGODB_PASSWORD", password, sizeof password},
        {"MONGODB_AUTH_SOURCE", auth_source, sizeof auth_source}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(name, map[i].n) == 0)
            snprintf(map[i].dst, map[i].sz, "%s", value);
}

static int connect_with(const char *pw, etlc_connector **c, etlc_error *err)
{
    etlc_kv kv[] = {{"host", host}, {"port", port}, {"database", db}, {"username", user},
                    {"password", pw}, {"auth_source", auth_source}, {"server_selection_timeout", "5s"}};
    etlc_config_sources src = {.dict = kv, .dict_len = sizeof kv / sizeof kv[0], .env_prefix = ""};
    etlc_get_options o = {.no_reuse = true};
    return etlc_get_connection("mongodb", &src, &o, c, err);
}

/* 25 documents {k: i, grp: i % 5} with libmongoc. */
static void insert_docs(void)
{
    char uri_text[512];
    snprintf(uri_text, sizeof uri_text, "mongodb://%s:%s@%s:%s/?authSource=%s", user, password, host,
             port, auth_source);
    mongoc_client_t *cl = mongoc_client_new(uri_text);
    assert_non_null(cl);
    mongoc_collection_t *coll = mongoc_client_get_collection(cl, db, "items");
    bson_error_t be;
    mongoc_collection_drop(coll, NULL);
    for (int i = 0; i < 25; i++) {
        bson_t *d = BCON_NEW("k", BCON_INT32(i), "grp", BCON_INT32(i % 5));
        if (!mongoc_collection_insert_one(coll, d, NULL, NULL, &be))
            fail_msg("insert: %s", be.message);
        bson_destroy(d);
    }
    mongoc_collection_destroy(coll);
    mongoc_client_destroy(cl);
}

static void c_api_test_and_fetch(void **state)
{
    (void)state;
    etlc_connector *c = NULL;
    etlc_error err = {0};
    int rc = connect_with(password, &c, &err);
    if (rc)
        fail_msg("connect: %s", err.message);
    etlc_health h = {0};
    assert_int_equal(etlc_connector_test(c, &h, &err), 0);
    assert_true(h.healthy);
    insert_docs();
    char *lake = tu_tempdir("mongodb");
    etlc_land_options land = {.lake_root = lake, .sink = {.format = "jsonl", .max_records_per_file = 4}};
    const char *p0 = "filter={\"grp\": {\"$in\": [1, 3]}}", *p1 = "watermark=k";
    etlc_param params[] = {{.type = ETLC_TYPE_TEXT, .data = p0, .len = strlen(p0)},
                           {.type = ETLC_TYPE_TEXT, .data = p1, .len = strlen(p1)}};
    etlc_fetch_request fr = {.query = "items", .params = params, .nparams = 2, .batch_rows = 4};
    etlc_result *res = NULL;
    rc = etlc_connector_fetch(c, &fr, &land, &res, &err);
    if (rc)
        fail_msg("fetch: %s", err.message);
    assert_int_equal(res->record_count, 10); /* grp 1 and 3: 10 of 25 */
    assert_int_equal(res->item_count, 3);    /* pages of 4, 4, 2 */
    etlc_result_free(res);
    res = NULL;
    /* A second run: nothing past the watermark. */
    rc = etlc_connector_fetch(c, &fr, &land, &res, &err);
    assert_int_equal(rc, 0);
    assert_int_equal(res->record_count, 0);
    etlc_result_free(res);
    etlc_connector_release(c);
    tu_rmtree(lake);
    free(lake);
}

static void c_api_auth_failure_names_no_secret(void **state)
{
    (void)state;
    etlc_connector *c = NULL;
    etlc_error err = {0};
    char wrong[64];
    snprintf(wrong, sizeof wrong, "not-the-password-%d", (int)getpid());
    int rc = connect_with(wrong, &c, &err);
    assert_int_equal(rc, ETLC_AUTH);
    assert_null(c);
    assert_non_null(strstr(err.message, "Authentication failed"));
    assert_null(strstr(err.message, wrong));
}

int main(void)
{
    if (shared_service_env("ferretdb", on_line, NULL) != 0)
        return 1;
    snprintf(db, sizeof db, "etlc_c_api_%d", (int)getpid());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(c_api_test_and_fetch),
        cmocka_unit_test(c_api_auth_failure_names_no_secret),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
