/* bench/amqp_parquet.sh's two rabbitmq-c helpers:
 *   amqp_bench produce QUEUE N   publish N persistent ~200-byte JSON messages
 *                                {"id", "name", "amount", "pad"} (the queue is declared durable)
 *   amqp_bench consume QUEUE N   the raw consumer: basic.consume, prefetch 10000, one
 *                                multiple-ack per 10000, bodies discarded; prints the count
 * Connection from AMQP_HOST, AMQP_PORT, AMQP_USERNAME, AMQP_PASSWORD. */
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *what)
{
    fprintf(stderr, "amqp_bench: %s failed\n", what);
    exit(1);
}

static amqp_connection_state_t open_conn(void)
{
    const char *host = getenv("AMQP_HOST"), *port = getenv("AMQP_PORT");
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    if (!s || !host || !port || amqp_socket_open(s, host, atoi(port)) != 0)
        die("connect");
    if (amqp_login(c, "/", 0, 131072, 0, AMQP_SASL_METHOD_PLAIN, getenv("AMQP_USERNAME"),
                   getenv("AMQP_PASSWORD")).reply_type != AMQP_RESPONSE_NORMAL)
        die("login");
    amqp_channel_open(c, 1);
    if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL)
        die("channel.open");
    return c;
}

static void produce(amqp_connection_state_t c, const char *queue, long n)
{
    amqp_queue_declare(c, 1, amqp_cstring_bytes(queue), 0, 1, 0, 0, amqp_empty_table);
    if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL)
        die("queue.declare");
    amqp_basic_properties_t p = {._flags = AMQP_BASIC_DELIVERY_MODE_FLAG, .delivery_mode = 2};
    char body[256];
    for (long i = 0; i < n; i++) {
        int len = snprintf(body, sizeof body,
                           "{\"id\": %ld, \"name\": \"customer-%ld\", \"amount\": %ld.25, "
                           "\"pad\": \"%0120ld\"}", i, i % 1000, i % 100000, i);
        amqp_bytes_t b = {.len = (size_t)len, .bytes = body};
        if (amqp_basic_publish(c, 1, amqp_empty_bytes, amqp_cstring_bytes(queue), 0, 0, &p, b) != 0)
            die("basic.publish");
    }
}

static void consume(amqp_connection_state_t c, const char *queue, long n)
{
    if (!amqp_basic_qos(c, 1, 0, 10000, 0))
        die("basic.qos");
    if (!amqp_basic_consume(c, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0,
                            amqp_empty_table))
        die("basic.consume");
    long got = 0;
    while (got < n) {
        amqp_envelope_t env;
        amqp_maybe_release_buffers(c);
        if (amqp_consume_message(c, &env, NULL, 0).reply_type != AMQP_RESPONSE_NORMAL)
            die("consume");
        if (++got % 10000 == 0 || got == n)
            amqp_basic_ack(c, 1, env.delivery_tag, 1);
        amqp_destroy_envelope(&env);
    }
    printf("rows=%ld\n", got);
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "produce") != 0 && strcmp(argv[1], "consume") != 0)) {
        fprintf(stderr, "usage: amqp_bench produce|consume QUEUE N\n");
        return 2;
    }
    amqp_connection_state_t c = open_conn();
    if (argv[1][0] == 'p')
        produce(c, argv[2], atol(argv[3]));
    else
        consume(c, argv[2], atol(argv[3]));
    amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
    return 0;
}
