/* The nats connector through the C API (etlc_create_connector +
 * etlc_connector_consume) against the run's nats-server
 * (shared-service: nats): 500 messages published with nats.c's JetStream
 * API land as Parquet, acked; a second consume lands nothing; cancel from
 * another thread ends a waiting consume promptly. */
#include "testutil.h"

#include <nats/nats.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "shared_service.h"

static char url[256], user[64], password[128];

static void on_line(const char *name, const char *value, void *ud)
{
    (void)ud;
    if (strcmp(name, "ETLC_TEST_NATS_URL") == 0)
        snprintf(url, sizeof url, "%s", value);
    else if (strcmp(name, "ETLC_TEST_NATS_USER") == 0)
        snprintf(user, sizeof user, "%s", value);
    else if (strcmp(name, "ETLC_TEST_NATS_PASSWORD") == 0)
        snprintf(password, sizeof password, "%s", value);
}

/* A fresh stream T_CAPI (capi.>) holding n JSON messages. */
static void publish(int n)
{
    natsConnection *nc = NULL;
    natsOptions *o = NULL;
    jsCtx *js = NULL;
    assert_int_equal(natsOptions_Create(&o), NATS_OK);
    assert_int_equal(natsOptions_SetURL(o, url), NATS_OK);
    assert_int_equal(natsOptions_SetUserInfo(o, user, password), NATS_OK);
    assert_int_equal(natsConnection_Connect(&nc, o), NATS_OK);
    assert_int_equal(natsConnection_JetStream(&js, nc, NULL), NATS_OK);
    js_DeleteStream(js, "T_CAPI", NULL, NULL);
    jsStreamConfig sc;
    jsStreamConfig_Init(&sc);
    const char *subjects[] = {"capi.>"};
    sc.Name = "T_CAPI";
    sc.Subjects = subjects;
    sc.SubjectsLen = 1;
    assert_int_equal(js_AddStream(NULL, js, &sc, NULL, NULL), NATS_OK);
    for (int i = 0; i < n; i++) {
        char body[64];
        int len = snprintf(body, sizeof body, "{\"id\": %d, \"half\": %d.5}", i, i);
        assert_int_equal(js_Publish(NULL, js, "capi.a", body, len, NULL, NULL), NATS_OK);
    }
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    natsOptions_Destroy(o);
}

static etlc_connector *open_connector(void)
{
    const etlc_kv kv[] = {{"protocol", "nats"}, {"servers", url}, {"user", user},
                          {"password", password}, {"stream", "T_CAPI"}, {"subject", "capi.>"}};
    etlc_config_sources src = {.env_prefix = "", .dict = kv, .dict_len = 6};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    int rc = etlc_create_connector(&src, &c, &err);
    if (rc != 0)
        fail_msg("connect: %s", err.message);
    return c;
}

static void consume_through_the_api(void **state)
{
    (void)state;
    publish(500);
    char *lake = tu_tempdir("nats-capi");
    etlc_connector *c = open_connector();
    etlc_consume_request req = {.max_messages = 200, .max_ms = 500, .until_idle = true};
    etlc_land_options land = {.lake_root = lake};
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_connector_consume(c, &req, &land, &r, &err), 0);
    assert_int_equal(r->record_count, 500);
    assert_int_equal(r->item_count, 3); /* 1-200, 201-400, 401-500 */
    assert_non_null(strstr(r->items[0].path, "/T_CAPI/00000000000000000001-"));
    assert_non_null(strstr(r->items[1].path, "/T_CAPI/00000000000000000201-"));
    etlc_result_free(r);
    r = NULL;
    assert_int_equal(etlc_connector_consume(c, &req, &land, &r, &err), 0);
    assert_int_equal(r->record_count, 0); /* acked and checkpointed: nothing again */
    etlc_result_free(r);
    etlc_connector_release(c);
    tu_rmtree(lake);
    free(lake);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void *cancel_later(void *arg)
{
    usleep(300 * 1000);
    etlc_cancel_request(arg);
    return NULL;
}

static void cancel_ends_a_waiting_consume(void **state)
{
    (void)state;
    char *lake = tu_tempdir("nats-cancel");
    etlc_connector *c = open_connector();
    etlc_cancel *token = NULL;
    etlc_error e0 = {0};
    assert_int_equal(etlc_cancel_new(&token, &e0), 0);
    etlc_consume_request req = {.max_ms = 20000}; /* a long window on an idle stream */
    etlc_land_options land = {.lake_root = lake, .cancel = token};
    pthread_t t;
    pthread_create(&t, NULL, cancel_later, token);
    double t0 = now_ms();
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_connector_consume(c, &req, &land, &r, &err), ETLC_CANCELLED);
    assert_true(now_ms() - t0 < 5000);
    pthread_join(t, NULL);
    etlc_result_free(r);
    etlc_cancel_free(token);
    etlc_connector_release(c);
    tu_rmtree(lake);
    free(lake);
}

int main(void)
{
    if (shared_service_env("nats", on_line, NULL) != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(consume_through_the_api),
        cmocka_unit_test(cancel_ends_a_waiting_consume),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
