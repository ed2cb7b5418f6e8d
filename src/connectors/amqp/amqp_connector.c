/* The amqp connector: RabbitMQ (AMQP 0-9-1) queues consumed into
 * micro-batches by the stream capability (amqp_stream.c). */
#include <stdio.h>
#include <string.h>

#include "amqp_internal.h"

static int amqp_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    return etlc__amqp_read_config(vctx, cfg, err);
}

static void amqp_close(void *vctx) { etlc__amqp_free_config(vctx); }

/* "RabbitMQ 3.10.8" from the server properties of connection.start. */
static void server_version(amqp_connection_state_t c, char *buf, size_t size)
{
    const amqp_table_t *t = amqp_get_server_properties(c);
    amqp_bytes_t product = amqp_empty_bytes, version = amqp_empty_bytes;
    for (int i = 0; t && i < t->num_entries; i++) {
        const amqp_table_entry_t *e = &t->entries[i];
        if (e->value.kind != AMQP_FIELD_KIND_UTF8 && e->value.kind != AMQP_FIELD_KIND_BYTES)
            continue;
        if (e->key.len == 7 && memcmp(e->key.bytes, "product", 7) == 0)
            product = e->value.value.bytes;
        else if (e->key.len == 7 && memcmp(e->key.bytes, "version", 7) == 0)
            version = e->value.value.bytes;
    }
    snprintf(buf, size, "%.*s %.*s", (int)product.len, product.len ? (const char *)product.bytes : "",
             (int)version.len, version.len ? (const char *)version.bytes : "");
    if (!product.len && !version.len)
        snprintf(buf, size, "AMQP 0-9-1 broker");
}

/* queue.declare passive: the queue exists; its ready messages and consumers. */
static int check_queue(amqp_ctx *ctx, amqp_link *link, char *detail, size_t size, etlc_error *err)
{
    amqp_queue_declare_ok_t *ok = amqp_queue_declare(link->conn, 1, amqp_cstring_bytes(ctx->queue),
                                                     1, 0, 0, 0, amqp_empty_table);
    if (!ok) {
        char what[300];
        snprintf(what, sizeof what, "queue.declare (passive) of '%s'", ctx->queue);
        link->broken = true; /* the broker closed the channel */
        return etlc__amqp_reply_error(ctx, amqp_get_rpc_reply(link->conn), what, err);
    }
    snprintf(detail, size, "%s:%d vhost '%s': logged in%s; queue '%s': %u ready, %u consumer(s)",
             ctx->host, ctx->port, ctx->vhost, ctx->tls ? " over TLS" : "", ctx->queue,
             (unsigned)ok->message_count, (unsigned)ok->consumer_count);
    return 0;
}

/* Healthy when connection.open (login, vhost) works and the queue, if
 * set, exists. */
static int amqp_test(void *vctx, etlc_health *health, etlc_error *err)
{
    (void)err;
    amqp_ctx *ctx = vctx;
    double t0 = etlc__monotonic_ms();
    amqp_link link;
    etlc_error local = {0};
    int rc = etlc__amqp_link_open(ctx, &link, &local);
    if (rc == 0) {
        server_version(link.conn, health->server_version, sizeof health->server_version);
        if (ctx->queue)
            rc = check_queue(ctx, &link, health->detail, sizeof health->detail, &local);
        else
            snprintf(health->detail, sizeof health->detail, "%s:%d vhost '%s': logged in%s",
                     ctx->host, ctx->port, ctx->vhost, ctx->tls ? " over TLS" : "");
        etlc__amqp_link_close(&link);
    }
    health->latency_ms = etlc__monotonic_ms() - t0;
    health->healthy = rc == 0;
    if (rc != 0)
        snprintf(health->detail, sizeof health->detail, "%s", local.message);
    return 0;
}

static void amqp_source_name(void *vctx, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "%s", ((amqp_ctx *)vctx)->source);
}

const etlc_connector_ops etlc_connector_amqp = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "amqp",
    .description = "RabbitMQ / AMQP 0-9-1 queues consumed into micro-batches (acked after landing)",
    .options = &etlc__amqp_options,
    .context_size = sizeof(amqp_ctx),
    .connect = amqp_connect,
    .test = amqp_test,
    .source_name = amqp_source_name,
    .close = amqp_close,
    .stream = &etlc__amqp_stream_ops,
};
