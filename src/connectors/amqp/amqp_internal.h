/* The amqp connector's private declarations. */
#ifndef ETLCONN_AMQP_INTERNAL_H
#define ETLCONN_AMQP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <amqp.h>

#include "connectors/stream_common/stream_messages.h"
#include "core/internal.h"

typedef struct amqp_ctx {
    char *host;
    int port;                  /* 0 until read: 5672, or 5671 with TLS */
    char *vhost;
    char *username;
    char *password;            /* secret; zeroed when freed */
    char *queue;               /* the default resource; NULL: none */
    bool tls;
    bool tls_verify;
    char *tls_ca_file;
    int64_t prefetch;          /* 0: the batch size */
    etlc__value_format value_format;
    int heartbeat_s;
    int64_t connect_timeout_ms;
    int64_t reconnect_timeout_ms;
    char source[128];
} amqp_ctx;

extern const etlc_option_table etlc__amqp_options;

/* amqp_config.c: the context from the config (url parts fill what the
 * keys leave unset). */
int etlc__amqp_read_config(amqp_ctx *ctx, const etlc_config *cfg, etlc_error *err);
void etlc__amqp_free_config(amqp_ctx *ctx);

/* amqp_link.c: one connection with channel 1 open, logged in. */
typedef struct amqp_link {
    amqp_connection_state_t conn; /* NULL: closed */
    bool broken;                  /* the socket or the channel failed: close without RPCs */
} amqp_link;

int etlc__amqp_link_open(const amqp_ctx *ctx, amqp_link *link, etlc_error *err);
void etlc__amqp_link_close(amqp_link *link); /* closed or NULL conn ok */
/* Fill err from a failed RPC reply: `what` names the step ("basic.consume
 * of 'orders'"); a broker's close reason is quoted. Returns the code. */
int etlc__amqp_reply_error(const amqp_ctx *ctx, amqp_rpc_reply_t r, const char *what,
                           etlc_error *err);
/* The same for a library status (amqp_basic_ack's return). */
int etlc__amqp_status_error(const amqp_ctx *ctx, int status, const char *what, etlc_error *err);

/* amqp_ids.c: a message's dedupe id: the message_id property when set,
 * else a hash of routing key, headers and body; 32 hex digits + NUL. */
#define AMQP_ID_LEN 33
int etlc__amqp_message_id(const amqp_envelope_t *env, const etlc__msg_header *headers,
                          size_t nheaders, etlc__buf *scratch, char out[AMQP_ID_LEN]);

/* A sorted set of ids (for lookups while polling). */
typedef struct amqp_idset {
    char (*ids)[AMQP_ID_LEN];
    size_t n, cap;
} amqp_idset;
int etlc__amqp_idset_add(amqp_idset *s, const char *id);  /* unsorted append; -1 no memory */
void etlc__amqp_idset_sort(amqp_idset *s);
bool etlc__amqp_idset_has(const amqp_idset *s, const char *id); /* after sort */
void etlc__amqp_idset_clear(amqp_idset *s);
void etlc__amqp_idset_free(amqp_idset *s);

/* amqp_headers.c: the message's headers table as name/value pairs (text
 * forms of numbers and booleans); the values point into `arena`. */
int etlc__amqp_headers(const amqp_envelope_t *env, etlc__msg_header **out, size_t *n,
                       etlc__buf *arena, etlc_error *err);

/* amqp_stream.c */
extern const etlc_stream_ops etlc__amqp_stream_ops;

#endif
