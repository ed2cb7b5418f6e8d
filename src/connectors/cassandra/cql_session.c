/* One CQL connection used synchronously (stream 0): a request is written,
 * its response read whole (header checked first, then the body allocated
 * and read, then decompressed). The handshake: OPTIONS -> SUPPORTED,
 * STARTUP (with LZ4 when both sides have it) -> READY or AUTHENTICATE ->
 * SASL PLAIN AUTH_RESPONSE -> AUTH_SUCCESS, then USE keyspace. v5 (tried
 * first unless protocol_version says otherwise) switches to segments once
 * STARTUP is answered; a server refusing v5 gets a new connection in v4. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cql_internal.h"

void etlc__cql_resp_free(cql_resp *resp)
{
    free(resp->body);
    *resp = (cql_resp){0};
}

int etlc__cql_resp_finish(cql_resp *resp, uint32_t max_body, etlc_error *err)
{
    if (resp->h.flags & CQL_FLAG_COMPRESSED) {
        uint8_t *plain;
        size_t plen;
        int rc = etlc__cql_lz4_decompress(resp->body, resp->len, max_body, &plain, &plen, err);
        if (rc != 0)
            return rc;
        free(resp->body);
        resp->body = plain;
        resp->len = plen;
    }
    resp->r = (cql_rd){resp->body, resp->body + resp->len};
    return etlc__cql_body_start(&resp->h, &resp->r, err);
}

int etlc__cql_frame_decode_v(const uint8_t *data, size_t len, uint8_t version, uint32_t max_body,
                             cql_resp *resp, etlc_error *err)
{
    *resp = (cql_resp){0};
    if (len < CQL_HEADER_LEN)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: frame shorter than its header");
    int rc = etlc__cql_header_parse(data, version, max_body, &resp->h, err);
    if (rc != 0)
        return rc;
    if (len - CQL_HEADER_LEN < resp->h.length)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: frame of %u body bytes holds only %zu",
                              resp->h.length, len - CQL_HEADER_LEN);
    if (!(resp->body = malloc(resp->h.length ? resp->h.length : 1)))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    memcpy(resp->body, data + CQL_HEADER_LEN, resp->h.length);
    resp->len = resp->h.length;
    if ((rc = etlc__cql_resp_finish(resp, max_body, err)) != 0)
        etlc__cql_resp_free(resp);
    return rc;
}

/* v4 with LZ4 compresses the body of every frame after STARTUP; v5 leaves
 * envelopes plain and compresses the segments instead. */
static int send_frame(cql_conn *c, uint8_t opcode, const etlc__buf *body, etlc_error *err)
{
    bool compress = c->lz4 && c->version == CQL_V4 && opcode != CQL_OP_STARTUP &&
                    opcode != CQL_OP_OPTIONS && body && body->len;
    etlc__buf frame = {0}, segs = {0};
    int rc = 0;
    if (etlc__buf_reserve(&frame, CQL_HEADER_LEN + (body ? body->len : 0)) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    frame.len = CQL_HEADER_LEN;
    if (compress)
        rc = etlc__cql_lz4_compress((const uint8_t *)body->data, body->len, &frame, err);
    else if (body && body->len && etlc__buf_append(&frame, body->data, body->len) != 0)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    if (rc == 0) {
        etlc__cql_header_write((uint8_t *)frame.data, c->version, compress ? CQL_FLAG_COMPRESSED : 0, 0,
                               opcode, (uint32_t)(frame.len - CQL_HEADER_LEN));
        if (c->framed)
            rc = etlc__cql_seg_encode(&segs, (const uint8_t *)frame.data, frame.len, c->lz4, err);
        if (rc == 0)
            rc = c->framed ? etlc__cql_socket_write(c, segs.data, segs.len, err)
                           : etlc__cql_socket_write(c, frame.data, frame.len, err);
    }
    etlc__buf_free(&frame);
    etlc__buf_free(&segs);
    return rc;
}

/* v5: read segments until `need` unconsumed payload bytes are buffered.
 * A segment is at most 128 KiB, so only a checked envelope length grows rx. */
static int rx_fill(cql_conn *c, size_t need, etlc_error *err)
{
    if (c->rx_off > 0 && c->rx_off == c->rx.len) {
        etlc__buf_reset(&c->rx);
        c->rx_off = 0;
    } else if (c->rx_off > 0 && need > c->rx.len - c->rx_off) {
        memmove(c->rx.data, c->rx.data + c->rx_off, c->rx.len - c->rx_off);
        c->rx.len -= c->rx_off;
        c->rx_off = 0;
    }
    uint8_t hdr[CQL_SEG_HDR_LZ4], *payload = NULL;
    size_t hl = etlc__cql_seg_header_len(c->lz4);
    int rc = 0;
    while (rc == 0 && c->rx.len - c->rx_off < need) {
        cql_seg_header h;
        rc = etlc__cql_socket_read(c, hdr, hl, err);
        if (rc == 0 && (rc = etlc__cql_seg_header_parse(hdr, c->lz4, &h, err)) != 0)
            c->broken = true;
        if (rc == 0 && !payload && !(payload = malloc(CQL_SEG_MAX_PAYLOAD + 4)))
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
        if (rc == 0)
            rc = etlc__cql_socket_read(c, payload, (size_t)h.payload_len + 4, err);
        if (rc == 0 && (rc = etlc__cql_seg_payload(&h, payload, c->lz4, &c->rx, err)) != 0)
            c->broken = true;
    }
    free(payload);
    return rc;
}

static int read_envelope(cql_conn *c, cql_resp *resp, etlc_error *err)
{
    int rc = rx_fill(c, CQL_HEADER_LEN, err);
    if (rc == 0 && (rc = etlc__cql_header_parse((const uint8_t *)c->rx.data + c->rx_off, c->version,
                                                c->max_frame, &resp->h, err)) != 0)
        c->broken = true;
    if (rc == 0)
        rc = rx_fill(c, CQL_HEADER_LEN + (size_t)resp->h.length, err);
    if (rc != 0)
        return rc;
    size_t total = CQL_HEADER_LEN + (size_t)resp->h.length;
    resp->len = resp->h.length;
    if (c->rx_off == 0 && c->rx.len == total) {
        /* the usual case, and the big one (a page over many segments): the
         * buffer becomes the body, so a page is not held twice */
        memmove(c->rx.data, c->rx.data + CQL_HEADER_LEN, resp->len);
        resp->body = (uint8_t *)etlc__buf_take(&c->rx);
        return 0;
    }
    if (!(resp->body = malloc(resp->len ? resp->len : 1)))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    memcpy(resp->body, c->rx.data + c->rx_off + CQL_HEADER_LEN, resp->len);
    c->rx_off += total;
    return 0;
}

static int read_plain(cql_conn *c, cql_resp *resp, etlc_error *err)
{
    uint8_t hdr[CQL_HEADER_LEN];
    int rc = etlc__cql_socket_read(c, hdr, sizeof hdr, err);
    if (rc == 0 && (rc = etlc__cql_header_parse(hdr, c->version, c->max_frame, &resp->h, err)) != 0)
        c->broken = true;
    if (rc != 0)
        return rc;
    resp->body = malloc(resp->h.length ? resp->h.length : 1);
    if (!resp->body)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    resp->len = resp->h.length;
    return etlc__cql_socket_read(c, resp->body, resp->len, err);
}

/* Read one response frame; server EVENTs (stream < 0) are skipped. */
static int read_frame(cql_conn *c, cql_resp *resp, etlc_error *err)
{
    for (;;) {
        int rc = c->framed ? read_envelope(c, resp, err) : read_plain(c, resp, err);
        if (rc != 0)
            return rc;
        if (resp->h.stream >= 0)
            return 0;
        etlc__cql_resp_free(resp);
    }
}

int etlc__cql_request(cql_conn *c, uint8_t opcode, const etlc__buf *body, const char *what,
                      cql_resp *resp, etlc_error *err)
{
    *resp = (cql_resp){0};
    if (c->fd < 0 || c->broken)
        return etlc_error_set(err, ETLC_IO, "cassandra: the connection to %s is closed", c->host);
    int rc = send_frame(c, opcode, body, err);
    if (rc == 0)
        rc = read_frame(c, resp, err);
    if (rc == 0 && (rc = etlc__cql_resp_finish(resp, c->max_frame, err)) != 0)
        c->broken = true;
    if (rc == 0 && (resp->h.version & 0x7F) != c->version)
        c->refused = true; /* an ERROR in the server's own version: ours is not spoken */
    if (rc == 0 && resp->h.opcode == CQL_OP_ERROR)
        rc = etlc__cql_error_from_body(&resp->r, what, err);
    if (rc != 0)
        etlc__cql_resp_free(resp);
    return rc;
}

/* SUPPORTED's COMPRESSION list has "lz4"? */
static bool offers_lz4(cql_rd *r)
{
    uint16_t n;
    if (etlc__cql_rd_u16(r, &n) != 0)
        return false;
    for (uint16_t i = 0; i < n; i++) {
        const char *k, *v;
        size_t kl, vl;
        uint16_t m;
        if (etlc__cql_rd_string(r, &k, &kl) != 0 || etlc__cql_rd_u16(r, &m) != 0)
            return false;
        for (uint16_t j = 0; j < m; j++) {
            if (etlc__cql_rd_string(r, &v, &vl) != 0)
                return false;
            if (kl == 11 && memcmp(k, "COMPRESSION", 11) == 0 && vl == 3 && memcmp(v, "lz4", 3) == 0)
                return true;
        }
    }
    return false;
}

static int negotiate(cql_conn *c, const cql_opts *o, etlc_error *err)
{
    cql_resp resp;
    int rc = etlc__cql_request(c, CQL_OP_OPTIONS, NULL, "OPTIONS", &resp, err);
    if (rc != 0)
        return rc;
    bool lz4 = resp.h.opcode == CQL_OP_SUPPORTED && offers_lz4(&resp.r);
    etlc__cql_resp_free(&resp);
    if (strcmp(o->compression, "lz4") == 0 && !lz4)
        return etlc_error_set(err, ETLC_CONFIG, "cassandra: compression=lz4 but the server does not "
                              "offer LZ4 (use auto or none)");
    bool use = lz4 && strcmp(o->compression, "none") != 0;
    etlc__buf body = {0};
    rc = etlc__cql_wr_u16(&body, use ? 2 : 1) || etlc__cql_wr_string(&body, "CQL_VERSION", 11) ||
                 etlc__cql_wr_string(&body, "3.0.0", 5) ||
                 (use && (etlc__cql_wr_string(&body, "COMPRESSION", 11) || etlc__cql_wr_string(&body, "lz4", 3)))
             ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : 0;
    if (rc == 0)
        rc = etlc__cql_request(c, CQL_OP_STARTUP, &body, "STARTUP", &resp, err);
    etlc__buf_free(&body);
    if (rc != 0)
        return rc;
    c->lz4 = use; /* from the frame after STARTUP's answer on */
    c->framed = c->version >= CQL_V5 && (resp.h.opcode == CQL_OP_AUTHENTICATE || resp.h.opcode == CQL_OP_READY);
    if (resp.h.opcode == CQL_OP_AUTHENTICATE) {
        const char *s = "";
        size_t n = 0;
        etlc__cql_rd_string(&resp.r, &s, &n);
        snprintf(c->authenticator, sizeof c->authenticator, "%.*s", (int)n, s);
        rc = 1; /* authentication needed */
    } else if (resp.h.opcode != CQL_OP_READY) {
        rc = etlc_error_set(err, ETLC_PROTOCOL, "cassandra: STARTUP answered with opcode 0x%02x",
                            resp.h.opcode);
    }
    etlc__cql_resp_free(&resp);
    return rc;
}

/* SASL PLAIN: "\0user\0password", the token wiped after use. */
static int authenticate(cql_conn *c, const cql_opts *o, etlc_error *err)
{
    if (!o->username || !o->password)
        return etlc_error_set(err, ETLC_AUTH, "cassandra: %s requires authentication (%s); set "
                              "username and password", c->host, c->authenticator);
    size_t ul = strlen(o->username), pl = strlen(o->password);
    etlc__buf tok = {0}, body = {0};
    int rc = etlc__buf_putc(&tok, '\0') || etlc__buf_append(&tok, o->username, ul) ||
                     etlc__buf_putc(&tok, '\0') || etlc__buf_append(&tok, o->password, pl) ||
                     etlc__cql_wr_bytes(&body, tok.data, (int32_t)tok.len)
                 ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : 0;
    cql_resp resp = {0};
    if (rc == 0)
        rc = etlc__cql_request(c, CQL_OP_AUTH_RESPONSE, &body, "login", &resp, err);
    if (rc == 0 && resp.h.opcode != CQL_OP_AUTH_SUCCESS)
        rc = etlc_error_set(err, ETLC_AUTH, "cassandra: the server's authenticator (%s) asked for more "
                            "than a user name and password (SASL PLAIN)", c->authenticator);
    if (rc == ETLC_AUTH && err && err->native_code == 0x0100)
        etlc_error_prefix(err, "user \"%s\" on %s", o->username, c->host);
    etlc__cql_resp_free(&resp);
    if (tok.data)
        memset(tok.data, 0, tok.cap);
    if (body.data)
        memset(body.data, 0, body.cap);
    etlc__buf_free(&tok);
    etlc__buf_free(&body);
    return rc;
}

static int use_keyspace(cql_conn *c, const char *ks, etlc_error *err)
{
    etlc__buf q = {0}, body = {0};
    int rc = etlc__buf_puts(&q, "USE \"") ? -1 : 0;
    for (const char *p = ks; rc == 0 && *p; p++)
        rc = (*p == '"' ? etlc__buf_puts(&q, "\"\"") : etlc__buf_putc(&q, *p));
    rc = rc || etlc__buf_putc(&q, '"') || etlc__cql_wr_long_string(&body, q.data, q.len) ||
         etlc__cql_wr_u16(&body, 0x0001) ||
         (c->version >= CQL_V5 ? etlc__cql_wr_i32(&body, 0) : etlc__buf_putc(&body, 0));
    cql_resp resp;
    rc = rc ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory")
            : etlc__cql_request(c, CQL_OP_QUERY, &body, "USE keyspace", &resp, err);
    if (rc == 0)
        etlc__cql_resp_free(&resp);
    etlc__buf_free(&q);
    etlc__buf_free(&body);
    return rc;
}

static int open_version(cql_conn *c, const cql_opts *o, uint8_t version, etlc_error *err)
{
    *c = (cql_conn){.fd = -1, .max_frame = o->max_frame, .version = version};
    int rc = etlc__cql_socket_open(c, o, err);
    if (rc == 0)
        rc = negotiate(c, o, err);
    if (rc == 1)
        rc = authenticate(c, o, err);
    if (rc == 0 && o->keyspace)
        rc = use_keyspace(c, o->keyspace, err);
    if (rc != 0)
        etlc__cql_conn_close(c);
    return rc;
}

/* The server does not speak the version asked for: a Protocol error sent in
 * its own version, or naming the versions it speaks (Cassandra before 4.0:
 * "Invalid or unsupported protocol version"; 3.x has v5 only as a beta
 * behind USE_BETA). The Python driver falls back on the same signs. */
static bool version_refused(const cql_conn *c, int rc, const etlc_error *e)
{
    if (rc != ETLC_PROTOCOL || e->native_code != 0x000A)
        return false;
    return c->refused || strstr(e->message, "protocol version") || strstr(e->message, "USE_BETA");
}

int etlc__cql_conn_open(cql_conn *c, const cql_opts *o, etlc_error *err)
{
    etlc_error e = {0};
    bool v4_only = o->protocol_version == CQL_V4;
    int rc = open_version(c, o, v4_only ? CQL_V4 : CQL_V5, &e);
    if (rc != 0 && !v4_only && version_refused(c, rc, &e)) {
        if (o->protocol_version == CQL_V5) {
            etlc_error_prefix(&e, "protocol_version=5 (use auto or 4 for this server)");
        } else {
            etlc_log(ETLC_LOG_INFO, "cassandra", "%s does not speak CQL v5 (%s); using v4", c->host,
                     e.message);
            etlc_error_clear(&e);
            rc = open_version(c, o, CQL_V4, &e);
        }
    }
    if (rc != 0 && err)
        *err = e;
    return rc;
}

void etlc__cql_conn_close(cql_conn *c)
{
    etlc__cql_socket_close(c);
    etlc__buf_free(&c->rx);
    c->rx_off = 0;
    c->framed = false;
}
