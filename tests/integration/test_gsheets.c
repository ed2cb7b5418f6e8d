/* The gsheets connector through the C API.
 * shared-service: gsheets
 * Peer: tests/services/gsheets, a LOCAL STAND-IN for the Sheets API v4 and
 * Google's OAuth2 JWT-bearer token endpoint (no Sheets emulator exists). It
 * follows the official API description (sheets.v4.json from PyPI
 * google-api-python-client), verifies the JWT's RS256 signature with the
 * public half of a key pair made at its start, and issues tokens that live
 * a few seconds so renewals show. Not Google's server.
 * Covers: the token fetched once and reused, renewed once it is due (the
 * stand-in counts tokens per client_email: this program uses its own),
 * typed columns with dates as timestamps and NULL trailing cells (landed as
 * JSONL and read back), several ranges in one batchGet, an API key on a
 * public sheet, the health check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "shared_service.h"

static char url[256], key_file[4096], api_key[256];
static const char email[] = "c-api-test@standin.iam.gserviceaccount.com";

static void env_line(const char *name, const char *value, void *ud)
{
    (void)ud;
    if (strcmp(name, "ETLC_TEST_GSHEETS_URL") == 0)
        snprintf(url, sizeof url, "%s", value);
    else if (strcmp(name, "ETLC_TEST_GSHEETS_KEY_FILE") == 0)
        snprintf(key_file, sizeof key_file, "%s", value);
    else if (strcmp(name, "ETLC_TEST_GSHEETS_API_KEY") == 0)
        snprintf(api_key, sizeof api_key, "%s", value);
}

static etlc_connector *connect_kv(const etlc_kv *kv, size_t n)
{
    etlc_config_sources src = {.dict = kv, .dict_len = n, .env_prefix = ""};
    etlc_get_options o = {.no_reuse = true};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    int rc = etlc_get_connection("gsheets", &src, &o, &c, &err);
    if (rc != 0)
        fprintf(stderr, "connect: %s\n", err.message);
    assert_int_equal(rc, 0);
    return c;
}

static etlc_connector *service_account(const char *ranges)
{
    etlc_kv kv[] = {{"spreadsheet_id", "typed-sheet"}, {"credentials_file", key_file},
                    {"client_email", email}, {"api_base_url", url}, {"proxy", ""},
                    {"range", ranges}};
    return connect_kv(kv, ranges ? 6 : 5);
}

/* Tokens the stand-in issued to this program's client_email. */
static int tokens_issued(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "python3 -c \"import json,urllib.request; print(json.load(urllib."
             "request.urlopen('%s/_standin/stats?iss=%s'))['tokens'])\"", url, email);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    int n = -1;
    assert_int_equal(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

/* Fetch `query` into a fresh lake as JSONL; the result (caller frees). */
static etlc_result *fetch(etlc_connector *c, const char *query, char **lake)
{
    *lake = tu_tempdir("gsheets");
    etlc_land_options land = {.lake_root = *lake, .sink = {.format = "jsonl"}};
    etlc_fetch_request fr = {.query = query};
    etlc_result *res = NULL;
    etlc_error err = {0};
    int rc = etlc_connector_fetch(c, &fr, &land, &res, &err);
    if (rc)
        fprintf(stderr, "fetch %s: %s\n", query, err.message);
    assert_int_equal(rc, 0);
    return res;
}

static void done(etlc_result *res, char *lake)
{
    etlc_result_free(res);
    tu_rmtree(lake);
    free(lake);
}

static void test_token_cached_then_renewed(void **state)
{
    (void)state;
    int before = tokens_issued();
    etlc_connector *c = service_account(NULL);
    char *lake;
    etlc_result *r = fetch(c, "Other", &lake);
    assert_int_equal(r->record_count, 3);
    done(r, lake);
    r = fetch(c, "Other!A1:B3", &lake);
    assert_int_equal(r->record_count, 2);
    done(r, lake);
    assert_int_equal(tokens_issued(), before + 1); /* fetched once, reused */
    sleep(3); /* tokens live 4 s; renewed from half their life on */
    r = fetch(c, "Other", &lake);
    assert_int_equal(r->record_count, 3);
    done(r, lake);
    assert_int_equal(tokens_issued(), before + 2);
    etlc_connector_release(c);
}

static void test_typed_columns_dates_nulls(void **state)
{
    (void)state;
    etlc_connector *c = service_account(NULL);
    char *lake;
    etlc_result *r = fetch(c, "Data!A1:H", &lake);
    assert_int_equal(r->record_count, 4);
    assert_int_equal(r->item_count, 1);
    assert_string_equal(etlc_meta_get(&r->items[0].metadata, "columns"),
                        "id:int64,name:text,price:double,active:bool,joined:timestamp,note:text,"
                        "column_7:text,id_2:int64");
    char *text = tu_read_file(r->items[0].path, NULL);
    assert_non_null(text);
    /* row 3 ends after `joined`: the trailing cells are NULL */
    char *row3 = strstr(text, "\"id\":3");
    assert_non_null(row3);
    assert_non_null(strstr(row3, "\"note\":null,\"column_7\":null,\"id_2\":null"));
    assert_non_null(strstr(text, "2025-01-01T12:00:00")); /* serial 45658.5 */
    assert_non_null(strstr(text, "\"price\":11.25"));
    free(text);
    done(r, lake);
    etlc_connector_release(c);
}

static void test_batch_get_configured_ranges(void **state)
{
    (void)state;
    etlc_connector *c = service_account("Data!A1:C,Other!A1:B");
    char *lake;
    etlc_result *r = fetch(c, "", &lake);
    assert_int_equal(r->item_count, 2);
    assert_int_equal(r->items[0].record_count, 4);
    assert_int_equal(r->items[1].record_count, 3);
    assert_string_equal(etlc_meta_get(&r->items[0].metadata, "columns"), "id:int64,name:text,price:double");
    assert_string_equal(etlc_meta_get(&r->items[1].metadata, "columns"), "k:text,v:int64");
    done(r, lake);
    etlc_connector_release(c);
}

static void test_api_key_and_health(void **state)
{
    (void)state;
    etlc_kv kv[] = {{"spreadsheet_id", "public-sheet"}, {"api_key", api_key},
                    {"api_base_url", url}, {"proxy", ""}, {"header_row", "false"}};
    etlc_connector *c = connect_kv(kv, 5);
    char *lake;
    etlc_result *r = fetch(c, "Cities", &lake);
    assert_int_equal(r->record_count, 3); /* the header row is data here */
    assert_string_equal(etlc_meta_get(&r->items[0].metadata, "columns"),
                        "column_1:text,column_2:text"); /* "pop" and numbers mix: text */
    done(r, lake);
    etlc_health h = {0};
    etlc_error err = {0};
    assert_int_equal(etlc_connector_test(c, &h, &err), 0);
    assert_true(h.healthy);
    assert_non_null(strstr(h.detail, "Public stand-in sheet"));
    etlc_connector_release(c);

    kv[0].value = "typed-sheet"; /* the key does not open a private sheet */
    c = connect_kv(kv, 5);
    h = (etlc_health){0};
    assert_int_equal(etlc_connector_test(c, &h, &err), 0);
    assert_false(h.healthy);
    assert_non_null(strstr(h.detail, "does not have permission"));
    assert_null(strstr(h.detail, api_key));
    etlc_connector_release(c);
}

int main(void)
{
    if (shared_service_env("gsheets", env_line, NULL) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_cached_then_renewed),
        cmocka_unit_test(test_typed_columns_dates_nulls),
        cmocka_unit_test(test_batch_get_configured_ranges),
        cmocka_unit_test(test_api_key_and_health),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    etlc_close_all_connections();
    return rc;
}
