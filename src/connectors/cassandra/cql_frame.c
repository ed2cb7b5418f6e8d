/* CQL frames (v5 calls them envelopes): the 9-byte header (checked before
 * the body is allocated), v4 LZ4 bodies, and the optional prefix (tracing
 * id, warnings, payload) of a response body. */
#include <lz4.h>
#include <stdlib.h>
#include <string.h>

#include "cql_internal.h"
#include "etlconn/log.h"

int etlc__cql_header_parse(const uint8_t hdr[CQL_HEADER_LEN], uint8_t version, uint32_t max_body,
                           cql_header *h, etlc_error *err)
{
    h->version = hdr[0];
    h->flags = hdr[1];
    h->stream = (int16_t)etlc__cql_be16(hdr + 2);
    h->opcode = hdr[4];
    h->length = etlc__cql_be32(hdr + 5);
    int v = h->version & 0x7F;
    if (!(h->version & 0x80))
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: a request frame (version byte 0x%02x) "
                              "came from the server", h->version);
    /* A server refusing our version answers with an ERROR in its own (v3+ headers are alike). */
    bool refusal = h->opcode == CQL_OP_ERROR && v >= 3 && v <= CQL_V5;
    if (v != version && !refusal)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: the server answered with protocol v%d; "
                              "this client speaks v4 (Cassandra 2.2 or later) and v5", v);
    if (h->opcode > CQL_OP_AUTH_SUCCESS || h->opcode == 0x04)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: unknown opcode 0x%02x in a response",
                              h->opcode);
    if (h->length > max_body || h->length > CQL_MAX_FRAME)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: response frame of %u bytes is over the "
                              "limit of %u (max_frame_size)", h->length,
                              max_body < CQL_MAX_FRAME ? max_body : CQL_MAX_FRAME);
    return 0;
}

void etlc__cql_header_write(uint8_t hdr[CQL_HEADER_LEN], uint8_t version, uint8_t flags,
                            int16_t stream, uint8_t opcode, uint32_t length)
{
    hdr[0] = version;
    hdr[1] = flags;
    hdr[2] = (uint8_t)((uint16_t)stream >> 8);
    hdr[3] = (uint8_t)stream;
    hdr[4] = opcode;
    hdr[5] = (uint8_t)(length >> 24);
    hdr[6] = (uint8_t)(length >> 16);
    hdr[7] = (uint8_t)(length >> 8);
    hdr[8] = (uint8_t)length;
}

int etlc__cql_lz4_decompress(const uint8_t *in, size_t inlen, uint32_t max_body, uint8_t **out,
                             size_t *outlen, etlc_error *err)
{
    *out = NULL;
    *outlen = 0;
    if (inlen < 4)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: compressed body shorter than its length");
    uint32_t n = etlc__cql_be32(in);
    if (n > max_body || n > CQL_MAX_FRAME || inlen - 4 > INT32_MAX)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: compressed body claims %u bytes, over "
                              "the limit", n);
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    int got = n ? LZ4_decompress_safe((const char *)in + 4, (char *)buf, (int)(inlen - 4), (int)n) : 0;
    if (got < 0 || (uint32_t)got != n) {
        free(buf);
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: LZ4 body does not decompress to its "
                              "stated %u bytes", n);
    }
    *out = buf;
    *outlen = n;
    return 0;
}

int etlc__cql_lz4_compress(const uint8_t *in, size_t inlen, etlc__buf *out, etlc_error *err)
{
    if (inlen > (size_t)LZ4_MAX_INPUT_SIZE)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "cassandra: request too large to compress");
    int bound = LZ4_compressBound((int)inlen);
    if (etlc__buf_reserve(out, (size_t)bound + 4) != 0 || etlc__cql_wr_i32(out, (int32_t)inlen) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    int n = LZ4_compress_default((const char *)in, out->data + out->len, (int)inlen, bound);
    if (n <= 0 && inlen > 0)
        return etlc_error_set(err, ETLC_INTERNAL, "cassandra: LZ4 compression failed");
    out->len += (size_t)n;
    return 0;
}

static int log_warnings(cql_rd *r)
{
    uint16_t n;
    if (etlc__cql_rd_u16(r, &n) != 0)
        return -1;
    for (uint16_t i = 0; i < n; i++) {
        const char *s;
        size_t len;
        if (etlc__cql_rd_string(r, &s, &len) != 0)
            return -1;
        /* USE keyspace + prepared statements is how this client works (v4 has no
         * per-statement keyspace): the server's advice against it is noise. */
        bool ours = false;
        for (size_t at = 0; !ours && at + 14 <= len; at++)
            ours = memcmp(s + at, "USE <keyspace>", 14) == 0;
        etlc_log(ours ? ETLC_LOG_DEBUG : ETLC_LOG_WARN, "cassandra", "server warning: %.*s", (int)len, s);
    }
    return 0;
}

int etlc__cql_body_start(const cql_header *h, cql_rd *r, etlc_error *err)
{
    if ((h->flags & CQL_FLAG_TRACING) && etlc__cql_rd_skip(r, 16) != 0)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: truncated tracing id");
    if ((h->flags & CQL_FLAG_WARNING) && log_warnings(r) != 0)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: truncated warnings");
    if (h->flags & CQL_FLAG_PAYLOAD) {
        uint16_t n;
        if (etlc__cql_rd_u16(r, &n) != 0)
            return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: truncated custom payload");
        for (uint16_t i = 0; i < n; i++) {
            const char *k;
            size_t kl;
            const uint8_t *v;
            int32_t vl;
            if (etlc__cql_rd_string(r, &k, &kl) != 0 || etlc__cql_rd_bytes(r, &v, &vl) != 0)
                return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: truncated custom payload");
        }
    }
    return 0;
}
