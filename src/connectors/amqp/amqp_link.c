/* One AMQP connection with channel 1 open: TCP or TLS, login (PLAIN),
 * timeouts; and the broker's or the library's errors as etlc errors that
 * name the host, the vhost and the step (never the password). */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>

#include "amqp_internal.h"

static struct timeval tv_of(int64_t ms)
{
    return (struct timeval){.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000};
}

static int code_of_status(int status)
{
    switch (status) {
    case AMQP_STATUS_NO_MEMORY: return ETLC_NO_MEMORY;
    case AMQP_STATUS_TIMEOUT: return ETLC_CONNECT_TIMEOUT;
    case AMQP_STATUS_HOSTNAME_RESOLUTION_FAILED: return ETLC_CONNECT_NOT_FOUND;
    case AMQP_STATUS_SOCKET_ERROR:
    case AMQP_STATUS_CONNECTION_CLOSED:
    case AMQP_STATUS_SOCKET_CLOSED:
    case AMQP_STATUS_HEARTBEAT_TIMEOUT: return ETLC_CONNECT;
    default: return status <= -0x0100 ? ETLC_CONNECT : ETLC_PROTOCOL; /* -0x01xx: TCP, -0x02xx: SSL */
    }
}

int etlc__amqp_status_error(const amqp_ctx *ctx, int status, const char *what, etlc_error *err)
{
    int code = code_of_status(status);
    bool verify = status == AMQP_STATUS_SSL_PEER_VERIFY_FAILED ||
                  status == AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED;
    etlc_error_set(err, code, "amqp %s:%d: %s: %s%s", ctx->host, ctx->port, what,
                   amqp_error_string2(status),
                   verify ? " (a CA of the broker's certificate goes in tls_ca_file; the host must "
                            "be a name the certificate holds)" : "");
    err->native_code = status;
    err->retryable = code == ETLC_CONNECT || code == ETLC_CONNECT_TIMEOUT;
    return code;
}

static int code_of_reply(uint16_t reply_code)
{
    switch (reply_code) {
    case 403: return ETLC_AUTH;           /* ACCESS_REFUSED */
    case 530: return ETLC_AUTH_DENIED;    /* NOT_ALLOWED (vhost) */
    case 404: return ETLC_IO_NOT_FOUND;   /* NOT_FOUND (queue) */
    case 405: return ETLC_BUSY;           /* RESOURCE_LOCKED (exclusive queue) */
    case 320: return ETLC_CONNECT;        /* CONNECTION_FORCED (broker shutdown) */
    default: return ETLC_PROTOCOL;
    }
}

int etlc__amqp_reply_error(const amqp_ctx *ctx, amqp_rpc_reply_t r, const char *what,
                           etlc_error *err)
{
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION)
        return etlc__amqp_status_error(ctx, r.library_error, what, err);
    uint16_t rc = 0;
    amqp_bytes_t text = amqp_empty_bytes;
    if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        const amqp_connection_close_t *m = r.reply.decoded;
        rc = m->reply_code, text = m->reply_text;
    } else if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const amqp_channel_close_t *m = r.reply.decoded;
        rc = m->reply_code, text = m->reply_text;
    }
    int code = rc ? code_of_reply(rc) : ETLC_PROTOCOL;
    if (rc)
        etlc_error_set(err, code, "amqp %s:%d vhost '%s': %s: the broker said %u %.*s", ctx->host,
                       ctx->port, ctx->vhost, what, (unsigned)rc, (int)(text.len > 300 ? 300 : text.len),
                       (const char *)text.bytes);
    else
        etlc_error_set(err, code, "amqp %s:%d: %s: unexpected reply from the broker", ctx->host,
                       ctx->port, what);
    err->native_code = rc;
    err->retryable = code == ETLC_CONNECT;
    return code;
}

static int new_socket(const amqp_ctx *ctx, amqp_connection_state_t c, amqp_socket_t **out,
                      etlc_error *err)
{
    amqp_socket_t *s = ctx->tls ? amqp_ssl_socket_new(c) : amqp_tcp_socket_new(c);
    if (!s)
        return etlc_error_set(err, ETLC_NO_MEMORY, "amqp: out of memory making a socket");
    if (ctx->tls) {
        amqp_ssl_socket_set_verify_peer(s, ctx->tls_verify);
        amqp_ssl_socket_set_verify_hostname(s, ctx->tls_verify);
        int st = ctx->tls_ca_file ? amqp_ssl_socket_set_cacert(s, ctx->tls_ca_file) : 0;
        if (st != AMQP_STATUS_OK)
            return etlc_error_set(err, ETLC_CONFIG, "amqp: cannot read tls_ca_file '%s': %s",
                                  ctx->tls_ca_file, amqp_error_string2(st));
    }
    *out = s;
    return 0;
}

static int login(const amqp_ctx *ctx, amqp_connection_state_t c, etlc_error *err)
{
    char what[160];
    snprintf(what, sizeof what, "login as '%s'", ctx->username);
    amqp_rpc_reply_t r = amqp_login(c, ctx->vhost, 0, 131072, ctx->heartbeat_s,
                                    AMQP_SASL_METHOD_PLAIN, ctx->username, ctx->password);
    if (r.reply_type != AMQP_RESPONSE_NORMAL)
        return etlc__amqp_reply_error(ctx, r, what, err);
    amqp_channel_open(c, 1);
    r = amqp_get_rpc_reply(c);
    return r.reply_type == AMQP_RESPONSE_NORMAL ? 0 : etlc__amqp_reply_error(ctx, r, "channel.open", err);
}

int etlc__amqp_link_open(const amqp_ctx *ctx, amqp_link *link, etlc_error *err)
{
    *link = (amqp_link){0};
    amqp_connection_state_t c = amqp_new_connection();
    if (!c)
        return etlc_error_set(err, ETLC_NO_MEMORY, "amqp: out of memory making a connection");
    struct timeval tv = tv_of(ctx->connect_timeout_ms);
    amqp_set_handshake_timeout(c, &tv);
    amqp_set_rpc_timeout(c, &tv);
    amqp_socket_t *s = NULL;
    int rc = new_socket(ctx, c, &s, err);
    if (rc == 0) {
        int st = amqp_socket_open_noblock(s, ctx->host, ctx->port, &tv);
        if (st != AMQP_STATUS_OK)
            rc = etlc__amqp_status_error(ctx, st, ctx->tls ? "TLS connect" : "connect", err);
    }
    if (rc == 0)
        rc = login(ctx, c, err);
    if (rc != 0) {
        amqp_destroy_connection(c); /* closes the socket; no close handshake on a failed login */
        return rc;
    }
    link->conn = c;
    return 0;
}

void etlc__amqp_link_close(amqp_link *link)
{
    if (!link->conn)
        return;
    if (!link->broken) {
        amqp_channel_close(link->conn, 1, AMQP_REPLY_SUCCESS);
        amqp_connection_close(link->conn, AMQP_REPLY_SUCCESS);
    }
    amqp_destroy_connection(link->conn);
    link->conn = NULL;
    link->broken = false;
}
