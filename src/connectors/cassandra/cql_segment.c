/* CQL v5 segments (the spec's "frames", section 2): after STARTUP is
 * answered, envelopes travel inside checksummed segments. A header of
 * 3 bytes (payload length: 17 bits, self-contained: 1 bit) or, with LZ4,
 * 5 bytes (compressed length 17, uncompressed length 17, self-contained 1),
 * little-endian, then its CRC24 (3 bytes LE), the payload, and the
 * payload's CRC32 (4 bytes LE). Lengths fit 17 bits, so a segment can never
 * make us allocate more than 128 KiB; the header CRC is checked before its
 * lengths are believed. */
#include <lz4.h>
#include <string.h>
#include <zlib.h>

#include "cql_internal.h"

#define CRC24_INIT 0x875060u
#define CRC24_POLY 0x1974F0Bu

uint32_t etlc__cql_crc24(const uint8_t *p, size_t n)
{
    uint32_t crc = CRC24_INIT;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint32_t)p[i] << 16;
        for (int b = 0; b < 8; b++) {
            crc <<= 1;
            if (crc & 0x1000000u)
                crc ^= CRC24_POLY;
        }
    }
    return crc & 0xFFFFFFu;
}

uint32_t etlc__cql_crc32(const uint8_t *p, size_t n)
{
    /* The spec's CRC32 starts from the CRC of these four bytes, not from 0. */
    static const uint8_t seed[4] = {0xFA, 0x2D, 0x55, 0xCA};
    uLong crc = crc32(0L, seed, 4);
    while (n > 0) {
        uInt chunk = n > 0x40000000u ? 0x40000000u : (uInt)n;
        crc = crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return (uint32_t)crc;
}

static uint64_t le_read(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

static void le_write(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++, v >>= 8)
        p[i] = (uint8_t)v;
}

size_t etlc__cql_seg_header_len(bool lz4) { return lz4 ? CQL_SEG_HDR_LZ4 : CQL_SEG_HDR_PLAIN; }

int etlc__cql_seg_header_parse(const uint8_t *hdr, bool lz4, cql_seg_header *h, etlc_error *err)
{
    size_t n = lz4 ? 5 : 3;
    uint32_t want = (uint32_t)le_read(hdr + n, 3), got = etlc__cql_crc24(hdr, n);
    if (want != got)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: v5 segment header CRC24 mismatch "
                              "(received %06x, computed %06x)", want, got);
    uint64_t v = le_read(hdr, n);
    h->payload_len = (uint32_t)(v & CQL_SEG_MAX_PAYLOAD);
    v >>= 17;
    if (lz4) {
        h->plain_len = (uint32_t)(v & CQL_SEG_MAX_PAYLOAD);
        v >>= 17;
    } else {
        h->plain_len = h->payload_len;
    }
    h->self_contained = v & 1;
    return 0;
}

static void header_write(uint8_t *hdr, bool lz4, uint32_t wire_len, uint32_t plain_len, bool self)
{
    size_t n = lz4 ? 5 : 3;
    uint64_t v = wire_len;
    int shift = 17;
    if (lz4) {
        v |= (uint64_t)plain_len << 17;
        shift += 17;
    }
    if (self)
        v |= (uint64_t)1 << shift;
    le_write(hdr, v, n);
    le_write(hdr + n, etlc__cql_crc24(hdr, n), 3);
}

/* One segment of at most CQL_SEG_MAX_PAYLOAD bytes; LZ4 only when it is
 * smaller (an uncompressed length of 0 says "stored as is"). */
static int encode_one(etlc__buf *out, const uint8_t *p, size_t len, bool lz4, bool self,
                      etlc_error *err)
{
    size_t hl = etlc__cql_seg_header_len(lz4);
    int bound = LZ4_compressBound((int)len); /* >= len */
    if (etlc__buf_reserve(out, hl + (size_t)bound + 4) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    uint8_t *hdr = (uint8_t *)out->data + out->len, *body = hdr + hl;
    uint32_t wire = (uint32_t)len, plain = 0;
    if (lz4 && len > 0) {
        int n = LZ4_compress_default((const char *)p, (char *)body, (int)len, bound);
        if (n > 0 && (size_t)n < len) {
            wire = (uint32_t)n;
            plain = (uint32_t)len;
        }
    }
    if (plain == 0 && len > 0)
        memcpy(body, p, len);
    header_write(hdr, lz4, wire, plain, self);
    le_write(body + wire, etlc__cql_crc32(body, wire), 4);
    out->len += hl + wire + 4;
    out->data[out->len] = '\0'; /* etlc__buf keeps its NUL */
    return 0;
}

int etlc__cql_seg_encode(etlc__buf *out, const uint8_t *env, size_t len, bool lz4, etlc_error *err)
{
    bool self = len <= CQL_SEG_MAX_PAYLOAD;
    size_t at = 0;
    do {
        size_t n = len - at > CQL_SEG_MAX_PAYLOAD ? CQL_SEG_MAX_PAYLOAD : len - at;
        int rc = encode_one(out, env + at, n, lz4, self, err);
        if (rc != 0)
            return rc;
        at += n;
    } while (at < len);
    return 0;
}

int etlc__cql_seg_payload(const cql_seg_header *h, const uint8_t *payload, bool lz4, etlc__buf *out,
                          etlc_error *err)
{
    uint32_t want = (uint32_t)le_read(payload + h->payload_len, 4);
    uint32_t got = etlc__cql_crc32(payload, h->payload_len);
    if (want != got)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: v5 segment payload CRC32 mismatch "
                              "(received %08x, computed %08x)", want, got);
    if (!lz4 || h->plain_len == 0)
        return etlc__buf_append(out, payload, h->payload_len) ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : 0;
    if (etlc__buf_reserve(out, h->plain_len) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    int n = LZ4_decompress_safe((const char *)payload, out->data + out->len, (int)h->payload_len,
                                (int)h->plain_len);
    if (n < 0 || (uint32_t)n != h->plain_len)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: v5 LZ4 segment does not decompress to "
                              "its stated %u bytes", h->plain_len);
    out->len += (size_t)n;
    out->data[out->len] = '\0';
    return 0;
}

int etlc__cql_seg_decode(const uint8_t *data, size_t len, bool lz4, etlc__buf *out,
                         bool *self_contained, size_t *used, etlc_error *err)
{
    size_t hl = etlc__cql_seg_header_len(lz4);
    cql_seg_header h;
    *used = 0;
    if (len < hl)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: v5 segment shorter than its header");
    int rc = etlc__cql_seg_header_parse(data, lz4, &h, err);
    if (rc != 0)
        return rc;
    if (len - hl < (size_t)h.payload_len + 4)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: v5 segment of %u payload bytes holds "
                              "only %zu", h.payload_len, len - hl);
    if ((rc = etlc__cql_seg_payload(&h, data + hl, lz4, out, err)) != 0)
        return rc;
    *self_contained = h.self_contained;
    *used = hl + h.payload_len + 4;
    return 0;
}
