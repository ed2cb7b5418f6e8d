/* The cassandra connector's shared declarations: the CQL native protocol
 * v4/v5 client (wire primitives, frames, connection, result decoding) and the
 * connector's context. Everything here is internal (etlc__cql_*). */
#ifndef ETLCONN_CQL_INTERNAL_H
#define ETLCONN_CQL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"

/* ---- wire primitives (cql_wire.c): bounds-checked big-endian reads ---- */
typedef struct cql_rd {
    const uint8_t *p, *end;
} cql_rd;

int etlc__cql_rd_u8(cql_rd *r, uint8_t *v);
int etlc__cql_rd_u16(cql_rd *r, uint16_t *v);
int etlc__cql_rd_i32(cql_rd *r, int32_t *v);
int etlc__cql_rd_i64(cql_rd *r, int64_t *v);
/* [string]: borrowed bytes, not NUL-terminated. */
int etlc__cql_rd_string(cql_rd *r, const char **s, size_t *len);
/* [bytes]: *len < 0 is null (then *data NULL). */
int etlc__cql_rd_bytes(cql_rd *r, const uint8_t **data, int32_t *len);
int etlc__cql_rd_short_bytes(cql_rd *r, const uint8_t **data, size_t *len);
int etlc__cql_rd_skip(cql_rd *r, size_t n);
/* [string] copied into a malloc'd NUL-terminated string. */
int etlc__cql_rd_strdup(cql_rd *r, char **out);

/* Writers append to an etlc__buf; -1 only when out of memory. */
int etlc__cql_wr_u16(etlc__buf *b, uint16_t v);
int etlc__cql_wr_i32(etlc__buf *b, int32_t v);
int etlc__cql_wr_i64(etlc__buf *b, int64_t v);
int etlc__cql_wr_string(etlc__buf *b, const char *s, size_t len);
int etlc__cql_wr_long_string(etlc__buf *b, const char *s, size_t len);
int etlc__cql_wr_bytes(etlc__buf *b, const void *data, int32_t len); /* len < 0: null */
int etlc__cql_wr_short_bytes(etlc__buf *b, const void *data, size_t len);

static inline uint16_t etlc__cql_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t etlc__cql_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t etlc__cql_be64(const uint8_t *p)
{
    return (uint64_t)etlc__cql_be32(p) << 32 | etlc__cql_be32(p + 4);
}

/* ---- frames (cql_frame.c; v5 calls them envelopes) ---- */
#define CQL_V4 4
#define CQL_V5 5
#define CQL_HEADER_LEN 9
#define CQL_FLAG_COMPRESSED 0x01
#define CQL_FLAG_TRACING 0x02
#define CQL_FLAG_PAYLOAD 0x04
#define CQL_FLAG_WARNING 0x08
/* The protocol's own limit on a frame body. */
#define CQL_MAX_FRAME (256u * 1024 * 1024)

enum {
    CQL_OP_ERROR = 0x00, CQL_OP_STARTUP = 0x01, CQL_OP_READY = 0x02, CQL_OP_AUTHENTICATE = 0x03,
    CQL_OP_OPTIONS = 0x05, CQL_OP_SUPPORTED = 0x06, CQL_OP_QUERY = 0x07, CQL_OP_RESULT = 0x08,
    CQL_OP_PREPARE = 0x09, CQL_OP_EXECUTE = 0x0A, CQL_OP_EVENT = 0x0C,
    CQL_OP_AUTH_CHALLENGE = 0x0E, CQL_OP_AUTH_RESPONSE = 0x0F, CQL_OP_AUTH_SUCCESS = 0x10
};

typedef struct cql_header {
    uint8_t version, flags, opcode;
    int16_t stream;
    uint32_t length;
} cql_header;

/* Parse the 9-byte header and check it (a response of protocol `version`,
 * a known opcode, length <= max_body) before anything is allocated for the
 * body. An ERROR of v3..v5 other than `version` is let through: it is how a
 * server says which versions it speaks (the caller falls back). */
int etlc__cql_header_parse(const uint8_t hdr[CQL_HEADER_LEN], uint8_t version, uint32_t max_body,
                           cql_header *h, etlc_error *err);
void etlc__cql_header_write(uint8_t hdr[CQL_HEADER_LEN], uint8_t version, uint8_t flags,
                            int16_t stream, uint8_t opcode, uint32_t length);
/* A compressed body (4-byte uncompressed length + LZ4 block) into *out
 * (malloc'd), the uncompressed length checked against max_body first. */
int etlc__cql_lz4_decompress(const uint8_t *in, size_t inlen, uint32_t max_body, uint8_t **out,
                             size_t *outlen, etlc_error *err);
int etlc__cql_lz4_compress(const uint8_t *in, size_t inlen, etlc__buf *out, etlc_error *err);
/* Skip the tracing id, warnings and custom payload a response may start
 * with (by its flags); warnings are logged. */
int etlc__cql_body_start(const cql_header *h, cql_rd *r, etlc_error *err);

/* ---- v5 segments (cql_segment.c) ---- */
#define CQL_SEG_MAX_PAYLOAD (128u * 1024 - 1)
#define CQL_SEG_HDR_PLAIN 6     /* 3 header bytes + CRC24 */
#define CQL_SEG_HDR_LZ4 8       /* 5 header bytes + CRC24 */

typedef struct cql_seg_header {
    uint32_t payload_len;       /* bytes on the wire (before the CRC32) */
    uint32_t plain_len;         /* LZ4: uncompressed length, 0 = stored as is; else payload_len */
    bool self_contained;
} cql_seg_header;

uint32_t etlc__cql_crc24(const uint8_t *p, size_t n);
/* CRC32 as the spec defines it (zlib's, primed with fa 2d 55 ca). */
uint32_t etlc__cql_crc32(const uint8_t *p, size_t n);
size_t etlc__cql_seg_header_len(bool lz4);
/* The header's CRC24 is checked before its lengths are used. */
int etlc__cql_seg_header_parse(const uint8_t *hdr, bool lz4, cql_seg_header *h, etlc_error *err);
/* payload_len bytes + the CRC32 trailer: checked, decompressed (LZ4) and
 * appended to out. */
int etlc__cql_seg_payload(const cql_seg_header *h, const uint8_t *payload, bool lz4, etlc__buf *out,
                          etlc_error *err);
/* Append the segments carrying one envelope: one self-contained segment when
 * it fits 128 KiB - 1, else as many parts as it takes (not self-contained). */
int etlc__cql_seg_encode(etlc__buf *out, const uint8_t *env, size_t len, bool lz4, etlc_error *err);
/* One whole segment held in memory: its payload appended to out, *used the
 * bytes it took (the fuzz target's and the unit tests' entry). */
int etlc__cql_seg_decode(const uint8_t *data, size_t len, bool lz4, etlc__buf *out,
                         bool *self_contained, size_t *used, etlc_error *err);

/* ---- errors (cql_error.c) ---- */
/* An ERROR body -> etlc code with the server's message, native_code = the
 * CQL error code, retryable where the protocol says a retry may succeed. */
int etlc__cql_error_from_body(cql_rd *r, const char *what, etlc_error *err);
const char *etlc__cql_error_name(int32_t code);

/* ---- types and result metadata (cql_meta.c) ---- */
enum {
    CQL_T_CUSTOM = 0x00, CQL_T_ASCII = 0x01, CQL_T_BIGINT = 0x02, CQL_T_BLOB = 0x03,
    CQL_T_BOOLEAN = 0x04, CQL_T_COUNTER = 0x05, CQL_T_DECIMAL = 0x06, CQL_T_DOUBLE = 0x07,
    CQL_T_FLOAT = 0x08, CQL_T_INT = 0x09, CQL_T_TIMESTAMP = 0x0B, CQL_T_UUID = 0x0C,
    CQL_T_VARCHAR = 0x0D, CQL_T_VARINT = 0x0E, CQL_T_TIMEUUID = 0x0F, CQL_T_INET = 0x10,
    CQL_T_DATE = 0x11, CQL_T_TIME = 0x12, CQL_T_SMALLINT = 0x13, CQL_T_TINYINT = 0x14,
    CQL_T_DURATION = 0x15, CQL_T_LIST = 0x20, CQL_T_MAP = 0x21, CQL_T_SET = 0x22,
    CQL_T_UDT = 0x30, CQL_T_TUPLE = 0x31
};

typedef struct cql_type {
    uint16_t id;
    char *custom;             /* CUSTOM: the Java class name */
    size_t nsub;              /* LIST/SET 1, MAP 2, TUPLE/UDT n */
    struct cql_type *sub;
    char **field_names;       /* UDT: nsub names */
} cql_type;

int etlc__cql_type_read(cql_rd *r, cql_type *t, int depth, etlc_error *err);
void etlc__cql_type_free(cql_type *t);

#define CQL_ROWS_GLOBAL_SPEC 0x01
#define CQL_ROWS_HAS_MORE 0x02
#define CQL_ROWS_NO_METADATA 0x04
#define CQL_ROWS_METADATA_CHANGED 0x08  /* v5: a new result metadata id follows */

typedef struct cql_columns {
    size_t ncols;
    char **names;
    cql_type *types;
} cql_columns;

void etlc__cql_columns_free(cql_columns *c);
/* Rows metadata: fills cols (unless NO_METADATA) and the paging state
 * (borrowed from the body; NULL when this is the last page). A v5
 * new_metadata_id (METADATA_CHANGED) is skipped: this client never asks to
 * skip metadata, so every page carries its own. */
int etlc__cql_rows_meta_read(cql_rd *r, cql_columns *cols, const uint8_t **paging,
                             size_t *paging_len, etlc_error *err);
/* Prepared metadata (the bind markers): v4 layout with pk indexes. */
int etlc__cql_prepared_meta_read(cql_rd *r, cql_columns *cols, etlc_error *err);

/* ---- values (cql_value.c) ---- */
/* The etlconn column type a CQL type lands as. */
etlc_type etlc__cql_column_type(const cql_type *t);
/* Append one cell (data/len as read; len < 0 = null) to column `col`. */
int etlc__cql_append_cell(etlc_batch *b, size_t col, const cql_type *t, const uint8_t *data,
                          int32_t len, etlc__buf *scratch, etlc_error *err);
/* A value as JSON (collections, tuples, UDTs, duration). */
int etlc__cql_value_json(etlc__buf *out, const cql_type *t, const uint8_t *data, int32_t len,
                         int depth, etlc_error *err);
/* Scalars by type: 0, or -1 when the length does not fit the type. */
int etlc__cql_int_value(const cql_type *t, const uint8_t *p, int32_t len, int64_t *v);
int etlc__cql_double_value(const cql_type *t, const uint8_t *p, int32_t len, double *v);
/* Text forms shared by cells and JSON. */
int etlc__cql_varint_text(etlc__buf *out, const uint8_t *p, size_t n);
int etlc__cql_decimal_text(etlc__buf *out, const uint8_t *p, size_t n);
void etlc__cql_uuid_text(const uint8_t p[16], char out[37]);
int etlc__cql_inet_text(const uint8_t *p, size_t n, char out[64]);
void etlc__cql_time_text(int64_t nanos, char out[32]);

/* Decode a ROWS result body (after the kind) into batch rows, creating the
 * batch on the first call. The decoder behind the fuzz target. */
int etlc__cql_rows_decode(cql_rd *r, const cql_columns *prepared_result, cql_columns *own,
                          etlc_batch **batch, const uint8_t **paging, size_t *paging_len,
                          etlc_error *err);

/* Bound values from text (cql_bind.c): a parameter's text into the wire
 * form of type t. */
int etlc__cql_bind_text(etlc__buf *out, const cql_type *t, const char *name, const char *text,
                        etlc_error *err);

/* ---- connection (cql_socket.c: TCP/TLS; cql_session.c: handshake, requests) ---- */
typedef struct cql_opts {
    const char *const *hosts;   /* "host" or "host:port" */
    size_t nhosts;
    int port;
    const char *username, *password;
    int64_t connect_timeout_ms, request_timeout_ms;
    bool tls, tls_verify;
    const char *tls_ca_file, *tls_cert_file, *tls_key_file;
    const char *compression;    /* auto | lz4 | none */
    uint32_t max_frame;
    const char *keyspace;
    int protocol_version;       /* 0 = auto (v5, else v4), 4 or 5 */
} cql_opts;

typedef struct ssl_ctx_st cql_ssl_ctx;
typedef struct ssl_st cql_ssl;

typedef struct cql_conn {
    int fd;                     /* -1 when closed */
    cql_ssl_ctx *ssl_ctx;
    cql_ssl *ssl;
    uint8_t version;            /* CQL_V4 or CQL_V5, as negotiated */
    bool lz4;                   /* LZ4 agreed in STARTUP (v4: frame bodies, v5: segments) */
    bool framed;                /* v5 after STARTUP's answer: envelopes travel in segments */
    etlc__buf rx;               /* v5: segment payloads not yet consumed, from rx_off on */
    size_t rx_off;
    bool broken;                /* an I/O or framing error: the stream is out of step */
    bool refused;               /* an answer came in another protocol version (a refusal) */
    uint32_t max_frame;
    char host[256];             /* the host connected to (for messages) */
    char authenticator[128];    /* what the server asked for, "" when none */
} cql_conn;

/* A response: its header, its (decompressed) body, and a reader positioned
 * after the tracing/warning/payload prefix. */
typedef struct cql_resp {
    cql_header h;
    uint8_t *body;
    size_t len;
    cql_rd r;
} cql_resp;

void etlc__cql_resp_free(cql_resp *resp);
/* After the body is read: decompress it when flagged, set the reader,
 * skip the prefix. An ERROR response is left for the caller. */
int etlc__cql_resp_finish(cql_resp *resp, uint32_t max_body, etlc_error *err);
/* A whole response frame of protocol `version` held in memory -> resp (the
 * fuzz target's and the unit tests' entry; the connection reads header and
 * body separately). */
int etlc__cql_frame_decode_v(const uint8_t *data, size_t len, uint8_t version, uint32_t max_body,
                             cql_resp *resp, etlc_error *err);
static inline int etlc__cql_frame_decode(const uint8_t *data, size_t len, uint32_t max_body,
                                         cql_resp *resp, etlc_error *err)
{
    return etlc__cql_frame_decode_v(data, len, CQL_V4, max_body, resp, err);
}

int etlc__cql_socket_open(cql_conn *c, const cql_opts *o, etlc_error *err);
int etlc__cql_socket_write(cql_conn *c, const void *data, size_t len, etlc_error *err);
int etlc__cql_socket_read(cql_conn *c, void *data, size_t len, etlc_error *err);
void etlc__cql_socket_close(cql_conn *c);

/* Connect, OPTIONS/SUPPORTED, STARTUP (LZ4 when agreed), SASL PLAIN with
 * PasswordAuthenticator, USE keyspace. c->fd is -1 after a failure. */
int etlc__cql_conn_open(cql_conn *c, const cql_opts *o, etlc_error *err);
void etlc__cql_conn_close(cql_conn *c);
/* Send one request and read its response. An ERROR response becomes the
 * mapped etlc code (`what` names the request in the message). */
int etlc__cql_request(cql_conn *c, uint8_t opcode, const etlc__buf *body, const char *what,
                      cql_resp *resp, etlc_error *err);

/* ---- statements and pages (cql_query.c) ---- */
typedef struct cql_stmt {
    char *cql;
    uint8_t *id;
    size_t id_len;
    uint8_t version;            /* the protocol it was prepared with */
    uint8_t *result_md_id;      /* v5: result metadata id, sent with every EXECUTE */
    size_t result_md_id_len;
    cql_columns vars;           /* the bind markers (names, types) */
} cql_stmt;

typedef struct cql_page_req {
    uint16_t consistency;
    int32_t page_size;
    const uint8_t *paging;      /* NULL for the first page */
    size_t paging_len;
    const etlc__buf *values;    /* nvalues [value]s, encoded */
    uint16_t nvalues;
} cql_page_req;

int etlc__cql_prepare(cql_conn *c, const char *cql, cql_stmt *st, etlc_error *err);
/* Decoders of RESULT bodies: Prepared (id + markers) and Rows (a batch and
 * the next paging state, malloc'd; a non-Rows result is an empty batch). */
int etlc__cql_prepared_read(cql_resp *resp, cql_stmt *st, etlc_error *err);
int etlc__cql_result_rows(cql_resp *resp, etlc_batch **batch, uint8_t **next, size_t *next_len,
                          etlc_error *err);
void etlc__cql_stmt_free(cql_stmt *st);
/* Encode the statement's markers from KEY=VALUE parameters: the k-th marker
 * named X takes the k-th parameter with key X (token() markers are named
 * "partition key token"). Every marker needs one, every parameter a marker. */
int etlc__cql_bind_params(const cql_stmt *st, const etlc_kv *params, size_t n, etlc__buf *values,
                          etlc_error *err);
/* One page: QUERY (st NULL: `cql` as text) or EXECUTE (re-preparing once on
 * Unprepared). *batch gets the rows (caller frees); *next the next paging
 * state (malloc'd, NULL on the last page). */
int etlc__cql_page(cql_conn *c, const char *cql, cql_stmt *st, const cql_page_req *pr,
                   etlc_batch **batch, uint8_t **next, size_t *next_len, etlc_error *err);

#endif
