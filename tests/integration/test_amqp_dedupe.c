/* The amqp connector's dedupe of redeliveries, against a real RabbitMQ:
 * a child process dies inside commit (after the batch's file is landed
 * and the checkpoint holds its positions and ids, before the ack), so the
 * broker redelivers the whole batch to the next run. That run must drop
 * (and ack) those redeliveries -- by message_id, or by the content hash
 * when the producer set none -- and go on at the checkpoint's position:
 * every message in exactly one file. A message published twice with the
 * same content is NOT a redelivery and lands twice (what the docs say).
 *
 * shared-service: rabbitmq */
#include "testutil.h"

#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shared_service.h"

static void set_env(const char *name, const char *value, void *ud)
{
    (void)ud;
    setenv(name, value, 1);
}

/* ---- a producer (rabbitmq-c) ----------------------------------------------- */

static amqp_connection_state_t broker_open(void)
{
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    assert_non_null(s);
    assert_int_equal(amqp_socket_open(s, "127.0.0.1", atoi(getenv("AMQP_PORT"))), 0);
    amqp_rpc_reply_t r = amqp_login(c, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN,
                                    getenv("AMQP_USERNAME"), getenv("AMQP_PASSWORD"));
    assert_int_equal(r.reply_type, AMQP_RESPONSE_NORMAL);
    amqp_channel_open(c, 1);
    assert_int_equal(amqp_get_rpc_reply(c).reply_type, AMQP_RESPONSE_NORMAL);
    return c;
}

static void broker_close(amqp_connection_state_t c)
{
    amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
}

/* Declare `queue` (durable) and publish bodies {"id": i} for i in [from, to);
 * with message_id "m-<i>" when with_id, or the fixed body `same`. */
static void publish(const char *queue, int from, int to, bool with_id, const char *same)
{
    amqp_connection_state_t c = broker_open();
    amqp_queue_declare(c, 1, amqp_cstring_bytes(queue), 0, 1, 0, 0, amqp_empty_table);
    assert_int_equal(amqp_get_rpc_reply(c).reply_type, AMQP_RESPONSE_NORMAL);
    for (int i = from; i < to; i++) {
        char body[64], id[32];
        snprintf(body, sizeof body, "{\"id\": %d}", i);
        snprintf(id, sizeof id, "m-%d", i);
        amqp_basic_properties_t p = {._flags = AMQP_BASIC_DELIVERY_MODE_FLAG, .delivery_mode = 2};
        if (with_id) {
            p._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
            p.message_id = amqp_cstring_bytes(id);
        }
        assert_int_equal(amqp_basic_publish(c, 1, amqp_empty_bytes, amqp_cstring_bytes(queue), 0, 0,
                                            &p, amqp_cstring_bytes(same ? same : body)),
                         AMQP_STATUS_OK);
    }
    broker_close(c);
}

/* Messages ready in `queue` (after the publishes reached it). */
static unsigned depth(const char *queue)
{
    amqp_connection_state_t c = broker_open();
    amqp_queue_declare_ok_t *ok =
        amqp_queue_declare(c, 1, amqp_cstring_bytes(queue), 1, 0, 0, 0, amqp_empty_table);
    assert_non_null(ok);
    unsigned n = ok->message_count;
    broker_close(c);
    return n;
}

static void wait_depth(const char *queue, unsigned n)
{
    for (int i = 0; i < 200 && depth(queue) < n; i++)
        usleep(50000);
    assert_int_equal(depth(queue), n);
}

/* ---- consuming --------------------------------------------------------------- */

static const etlc_connector_ops *amqp_ops;
static etlc_stream_ops crash_stream;
static etlc_connector_ops crash_ops;

static int die_in_commit(void *ctx, void *sub, const etlc_stream_position *p, size_t n,
                         etlc_error *err)
{
    (void)ctx, (void)sub, (void)p, (void)n, (void)err;
    _exit(7); /* landed and checkpointed, not acked: the broker will redeliver */
}

static int consume(const etlc_connector_ops *ops, const char *queue, const char *lake,
                   size_t max, bool until_idle)
{
    etlc_kv dict[] = {{"queue", queue}};
    etlc_config_sources src = {.env_prefix = "AMQP", .dict = dict, .dict_len = 1};
    etlc_config *cfg = NULL;
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_config_load(ops->options, &src, &cfg, &err), 0);
    assert_int_equal(etlc_connector_open(ops, cfg, &c, &err), 0);
    etlc_consume_request req = {.max_messages = max, .max_ms = 1500, .until_idle = until_idle,
                                .max_batches = until_idle ? 0 : 1};
    etlc_land_options land = {.lake_root = lake, .sink.format = "jsonl"};
    etlc_result *r = NULL;
    int rc = etlc_connector_consume(c, &req, &land, &r, &err);
    if (rc != 0)
        fprintf(stderr, "consume: %s\n", err.message);
    etlc_result_free(r);
    etlc_connector_release(c);
    etlc_config_free(cfg);
    return rc;
}

/* The data files (not dead letters) under dir: their names' first
 * positions in order, and every "id" in them counted in seen[]. */
static void scan(const char *dir, int seen[], int nseen, char firsts[][32], int *nfiles)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[4400];
        if (e->d_name[0] == '.' || strcmp(e->d_name, "_dead_letter") == 0 ||
            strcmp(e->d_name, "_checkpoints") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_type == DT_DIR) {
            scan(path, seen, nseen, firsts, nfiles);
            continue;
        }
        snprintf(firsts[(*nfiles)++], 32, "%.20s", e->d_name);
        char *text = tu_read_file(path, NULL);
        for (char *p = text; p && (p = strstr(p, "\"id\":")); p += 5) {
            int id = atoi(p + 5);
            if (id >= 0 && id < nseen)
                seen[id]++;
        }
        free(text);
    }
    closedir(d);
}

static void crash_then_resume(bool with_id)
{
    char *dir = tu_tempdir("amqp-dedupe");
    char queue[64], lake[4400];
    snprintf(queue, sizeof queue, "dedupe-%s-%d", with_id ? "id" : "hash", (int)getpid());
    snprintf(lake, sizeof lake, "%s/lake", dir);
    publish(queue, 0, 15, with_id, NULL);
    wait_depth(queue, 15);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(consume(&crash_ops, queue, lake, 10, false) == 0 ? 0 : 1); /* exits 7 in commit */
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 7);
    wait_depth(queue, 15); /* the 10 unacked ones are back */

    tu_capture_logs();
    assert_int_equal(consume(amqp_ops, queue, lake, 100, true), 0);
    assert_non_null(strstr(tu_logs(), "10 redelivered message(s) already landed"));
    int seen[15] = {0}, nfiles = 0;
    char firsts[8][32];
    scan(lake, seen, 15, firsts, &nfiles);
    for (int i = 0; i < 15; i++)
        assert_int_equal(seen[i], 1); /* each message in exactly one file */
    assert_int_equal(nfiles, 2);
    bool ten = strcmp(firsts[0], "00000000000000000010") == 0 ||
               strcmp(firsts[1], "00000000000000000010") == 0;
    assert_true(ten); /* the second run went on at the checkpoint's position */
    assert_int_equal(depth(queue), 0); /* the dropped ones were acked too */
    tu_rmtree(dir);
    free(dir);
}

static void test_dedupe_by_message_id(void **state)
{
    (void)state;
    crash_then_resume(true);
}

static void test_dedupe_by_content_hash(void **state)
{
    (void)state;
    crash_then_resume(false);
}

/* Two first deliveries with the same content are two messages. */
static void test_fresh_duplicates_land(void **state)
{
    (void)state;
    char *dir = tu_tempdir("amqp-fresh");
    char queue[64], lake[4400];
    snprintf(queue, sizeof queue, "fresh-%d", (int)getpid());
    snprintf(lake, sizeof lake, "%s/lake", dir);
    publish(queue, 0, 2, false, "{\"id\": 3}");
    wait_depth(queue, 2);
    assert_int_equal(consume(amqp_ops, queue, lake, 100, true), 0);
    int seen[4] = {0}, nfiles = 0;
    char firsts[8][32];
    scan(lake, seen, 4, firsts, &nfiles);
    assert_int_equal(seen[3], 2);
    tu_rmtree(dir);
    free(dir);
}

static int setup(void **state)
{
    (void)state;
    if (shared_service_env("rabbitmq", set_env, NULL) != 0)
        return -1;
    etlc_error err = {0};
    if (etlc_registry_find("amqp", &amqp_ops, &err) != 0)
        return -1;
    crash_stream = *amqp_ops->stream;
    crash_stream.commit = die_in_commit;
    crash_ops = *amqp_ops;
    crash_ops.stream = &crash_stream;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dedupe_by_message_id),
        cmocka_unit_test(test_dedupe_by_content_hash),
        cmocka_unit_test(test_fresh_duplicates_land),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
