/* Neo4j connector internals: our own Bolt client (4.4 and 5.x) with its
 * PackStream codec. No C driver exists in Debian; this is written from the
 * public Bolt and PackStream specifications. */
#ifndef ETLCONN_NEO4J_INTERNAL_H
#define ETLCONN_NEO4J_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"

/* ---- PackStream values (neo4j_packstream.c) -----------------------------
 * A decoded message is a flat array of values: a container (list, map,
 * struct) holds `count` children (a map 2*count: key, value, ...) laid out
 * contiguously from index `first`. Strings and bytes point into the
 * message buffer (not NUL-terminated). */
typedef enum n4j_kind {
    N4J_NULL = 0,
    N4J_BOOL,
    N4J_INT,
    N4J_FLOAT,
    N4J_STRING,
    N4J_BYTES,
    N4J_LIST,
    N4J_MAP,
    N4J_STRUCT
} n4j_kind;

typedef struct n4j_val {
    uint8_t kind;  /* n4j_kind */
    uint8_t tag;   /* STRUCT: its signature byte */
    uint32_t count;/* LIST/STRUCT: items; MAP: entries; STRING/BYTES: length */
    union {
        int64_t i;     /* INT, BOOL (0/1) */
        double f;      /* FLOAT */
        size_t off;    /* STRING/BYTES: offset into the buffer */
        size_t first;  /* containers: index of the first child */
    } u;
} n4j_val;

/* Nesting deeper than this is refused (the decoder recurses). */
#define N4J_MAX_DEPTH 64

typedef struct n4j_msg {
    const uint8_t *buf;   /* borrowed: the message bytes */
    size_t len;
    n4j_val *vals;        /* vals[0] is the message's root value */
    size_t nvals, cap;
} n4j_msg;

/* Decode exactly one value filling all of buf[0..len) (a Bolt message is one
 * struct). Every length is checked against the bytes left before anything
 * is allocated. ETLC_PROTOCOL on malformed input, ETLC_NO_MEMORY. The value
 * array is reused across calls; free it with etlc__n4j_msg_free. */
int etlc__n4j_decode(n4j_msg *m, const uint8_t *buf, size_t len, etlc_error *err);
void etlc__n4j_msg_free(n4j_msg *m);
static inline const n4j_val *n4j_child(const n4j_msg *m, const n4j_val *v, size_t i)
{
    return &m->vals[v->u.first + i];
}
static inline const char *n4j_str(const n4j_msg *m, const n4j_val *v) { return (const char *)m->buf + v->u.off; }
/* True when v is a STRING equal to s. */
bool etlc__n4j_str_eq(const n4j_msg *m, const n4j_val *v, const char *s);
/* The value of map entry `key` in map v, NULL when absent or v is no map. */
const n4j_val *etlc__n4j_map_get(const n4j_msg *m, const n4j_val *v, const char *key);

/* Encoding (appends to a buffer; -1 out of memory). */
int etlc__n4j_pack_null(etlc__buf *b);
int etlc__n4j_pack_bool(etlc__buf *b, bool v);
int etlc__n4j_pack_int(etlc__buf *b, int64_t v);
int etlc__n4j_pack_float(etlc__buf *b, double v);
int etlc__n4j_pack_string(etlc__buf *b, const char *s, size_t len);
int etlc__n4j_pack_bytes(etlc__buf *b, const void *p, size_t len);
int etlc__n4j_pack_header(etlc__buf *b, n4j_kind kind, size_t count); /* LIST, MAP */
int etlc__n4j_pack_struct(etlc__buf *b, uint8_t tag, size_t nfields);
/* A JSON text (object, array, scalar) as PackStream (for parameters). */
int etlc__n4j_pack_json(etlc__buf *b, const char *json, size_t len, etlc_error *err);

/* Bolt message signatures. */
enum {
    N4J_MSG_HELLO = 0x01, N4J_MSG_GOODBYE = 0x02, N4J_MSG_RESET = 0x0F, N4J_MSG_RUN = 0x10,
    N4J_MSG_BEGIN = 0x11, N4J_MSG_COMMIT = 0x12, N4J_MSG_ROLLBACK = 0x13, N4J_MSG_DISCARD = 0x2F,
    N4J_MSG_PULL = 0x3F, N4J_MSG_LOGON = 0x6A,
    N4J_MSG_SUCCESS = 0x70, N4J_MSG_RECORD = 0x71, N4J_MSG_IGNORED = 0x7E, N4J_MSG_FAILURE = 0x7F
};

/* ---- values -> columns and JSON (neo4j_values.c) ------------------------ */

/* The etlconn type a top-level value lands as (docs/connectors/neo4j.md). */
etlc_type etlc__n4j_value_type(const n4j_val *v);
/* Append value v to column `col`; a value of another type than the
 * column's (once typed) is ETLC_DATA_SCHEMA naming the column and row. */
int etlc__n4j_append(etlc_batch *b, size_t col, const n4j_msg *m, const n4j_val *v, uint64_t row,
                     etlc__buf *scratch, etlc_error *err);
/* Value v as JSON text appended to out (temporal values as ISO strings,
 * nodes/relationships/paths/points as objects). */
int etlc__n4j_to_json(etlc__buf *out, const n4j_msg *m, const n4j_val *v, int depth, etlc_error *err);

/* ---- the connection (neo4j_io.c, neo4j_bolt.c) -------------------------- */

typedef struct n4j_conn {
    int fd;
    void *ssl;            /* SSL * when TLS is on */
    void *ssl_ctx;        /* SSL_CTX * */
    int64_t io_timeout_ms;/* 0 = none */
    uint8_t major, minor; /* negotiated Bolt version */
    size_t max_message;   /* largest message accepted, bytes */
    etlc__buf out;        /* the message being built / sent */
    etlc__buf frame;      /* `out` in chunks, as written */
    uint8_t *in;          /* the last message read, dechunked */
    size_t in_len, in_cap;
    uint8_t rbuf[16384];  /* socket read buffer */
    size_t rpos, rlen;
    n4j_msg msg;          /* the last message decoded */
    bool broken;          /* an I/O or protocol error: the connection is unusable */
    bool failed;          /* a FAILURE was seen: RESET before the next request */
    size_t pending;       /* requests sent whose summary is not read yet */
    char server[128];     /* "Neo4j/5.26.16" */
    char where[300];      /* "host:port" for messages */
} n4j_conn;

typedef struct n4j_tls {
    bool on;
    bool verify;          /* check the certificate chain and host name */
    const char *ca_file;  /* NULL = system store */
    const char *host;     /* SNI / name to check */
} n4j_tls;

int etlc__n4j_io_connect(n4j_conn *c, const char *host, int port, int64_t connect_timeout_ms,
                         const n4j_tls *tls, etlc_error *err);
void etlc__n4j_io_close(n4j_conn *c);
int etlc__n4j_io_write(n4j_conn *c, const void *data, size_t len, etlc_error *err);
int etlc__n4j_io_read(n4j_conn *c, void *data, size_t len, etlc_error *err);
/* Send c->out as one chunked message. */
int etlc__n4j_send(n4j_conn *c, etlc_error *err);
/* Read and decode the next message into c->msg; *sig receives its signature. */
int etlc__n4j_recv(n4j_conn *c, uint8_t *sig, etlc_error *err);

typedef struct n4j_login {
    const char *username;
    const char *password;
    const char *user_agent;
    int version_pref;     /* 0 auto, 5 = 5.x only, 44 = 4.4 only */
} n4j_login;

/* Handshake, HELLO (+ LOGON on 5.1+). */
int etlc__n4j_open(n4j_conn *c, const n4j_login *login, etlc_error *err);
/* Start a request: the struct header, then the caller packs fields into c->out. */
int etlc__n4j_begin_msg(n4j_conn *c, uint8_t sig, size_t nfields);
/* Read the reply to one request: SUCCESS (0; its metadata in c->msg), or
 * FAILURE/IGNORED mapped to an etlc error (c->failed set). */
int etlc__n4j_expect_success(n4j_conn *c, const char *what, etlc_error *err);
/* RESET after a failure (clears c->failed); marks the connection broken when it cannot. */
int etlc__n4j_reset(n4j_conn *c, etlc_error *err);
/* FAILURE metadata -> etlc error: code, message, retryable. */
int etlc__n4j_failure(const n4j_msg *m, const char *what, etlc_error *err);
/* The etlc code for a Neo4j status code ("Neo.ClientError.Security.Unauthorized"). */
int etlc__n4j_code_for(const char *code, size_t len, bool *retryable);

/* ---- connector state (neo4j_connector.c) -------------------------------- */

typedef struct neo4j_ctx {
    bool inited;          /* connect ran (conn.fd is ours to close) */
    n4j_conn conn;
    char *host;
    int port;
    char *database;       /* NULL = the server's default */
    int64_t fetch_size;
    char *username;
    char *password;       /* zeroed when freed */
    n4j_tls tls;
    char *ca_file;
    int64_t connect_timeout_ms;
    n4j_login login;
} neo4j_ctx;

extern const etlc_option_table etlc__neo4j_options;

/* Parse a bolt:// / neo4j:// URI (with +s / +ssc) into host, port and TLS
 * mode. Credentials in the URI are refused (they go in username/password). */
int etlc__n4j_parse_uri(const char *uri, char **host, int *port, int *tls_mode, etlc_error *err);
enum { N4J_URI_PLAIN = 0, N4J_URI_TLS = 1, N4J_URI_TLS_SELF_SIGNED = 2 };

/* Pack req's parameters as the RUN parameter map (neo4j_params.c). */
int etlc__n4j_pack_params(etlc__buf *b, const etlc_param *params, size_t n, etlc_error *err);

/* Requests (neo4j_fetch.c): the {mode: "r", db} extra map; PULL {n}; RUN
 * (autocommit: with the extra map, else inside BEGIN's transaction). */
int etlc__n4j_pack_extra(neo4j_ctx *ctx, etlc__buf *b);
int etlc__n4j_send_pull(n4j_conn *c, int64_t n, etlc_error *err);
int etlc__n4j_send_run(neo4j_ctx *ctx, const char *query, const etlc_param *params, size_t nparams, bool autocommit,
                       etlc_error *err);

/* Run `query` in a read transaction and stream its records (neo4j_fetch.c). */
int etlc__n4j_fetch(neo4j_ctx *ctx, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                    etlc_error *err);

#endif
