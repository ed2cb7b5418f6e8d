/* Level and value decoders of the Parquet reader (see read_decode.h). */
#include <string.h>

#include "sinks/parquet/read_decode.h"

const char *pqr_encoding_name(int e)
{
    static const char *n[] = {"PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
                              "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
                              "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
    return e >= 0 && e < 10 ? n[e] : "unknown encoding";
}

bool pqr_varint(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return false;
        uint8_t b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return true;
        }
    }
    return false;
}

/* Value i of a bit-packed run of bw-bit values (LSB first), bw <= 64. */
static uint64_t unpack_one(const uint8_t *p, size_t i, unsigned bw)
{
    if (bw == 0)
        return 0;
    size_t bit = i * bw;
    const uint8_t *q = p + bit / 8;
    unsigned shift = (unsigned)(bit % 8);
    unsigned need = shift + bw; /* bits to gather, <= 71 */
    uint64_t lo = 0;
    unsigned nb = (need + 7) / 8;
    uint8_t extra = 0;
    for (unsigned k = 0; k < nb && k < 8; k++)
        lo |= (uint64_t)q[k] << (8 * k);
    if (nb > 8)
        extra = q[8];
    uint64_t v = lo >> shift;
    if (shift && nb > 8)
        v |= (uint64_t)extra << (64 - shift);
    return bw == 64 ? v : v & ((UINT64_C(1) << bw) - 1);
}

bool pqr_rle_decode(const uint8_t *p, const uint8_t *end, unsigned bw, uint32_t *out, size_t n)
{
    size_t got = 0;
    if (bw > 32)
        return false;
    size_t vbytes = (bw + 7) / 8;
    while (got < n) {
        uint64_t h;
        if (!pqr_varint(&p, end, &h))
            return false;
        if (h & 1) {
            uint64_t groups = h >> 1;
            if (groups == 0 || groups > (size_t)(end - p) / (bw ? bw : 1) + 1)
                return false;
            size_t nbytes = (size_t)groups * bw;
            if (nbytes > (size_t)(end - p))
                return false;
            size_t count = (size_t)groups * 8;
            for (size_t i = 0; i < count && got < n; i++)
                out[got++] = (uint32_t)unpack_one(p, i, bw);
            p += nbytes;
        } else {
            uint64_t count = h >> 1;
            if (vbytes > (size_t)(end - p) || count == 0)
                return false;
            uint32_t v = 0;
            for (size_t i = 0; i < vbytes; i++)
                v |= (uint32_t)p[i] << (8 * i);
            p += vbytes;
            if (bw < 32 && v >> bw)
                return false;
            for (uint64_t i = 0; i < count && got < n; i++)
                out[got++] = v;
        }
    }
    return true;
}

static bool zigzag(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
    uint64_t u;
    if (!pqr_varint(p, end, &u))
        return false;
    *out = (u >> 1) ^ (uint64_t)-(int64_t)(u & 1);
    return true;
}

/* One block of DELTA_BINARY_PACKED: up to `want` deltas added to *last. */
static bool delta_block(const uint8_t **pp, const uint8_t *end, uint64_t nmini, uint64_t per_mini,
                        int64_t *out, size_t want, uint64_t *last)
{
    const uint8_t *p = *pp;
    uint64_t min_delta;
    if (!zigzag(&p, end, &min_delta) || (size_t)(end - p) < nmini)
        return false;
    const uint8_t *widths = p;
    p += nmini;
    size_t got = 0;
    for (uint64_t m = 0; m < nmini && got < want; m++) {
        unsigned bw = widths[m];
        if (bw > 64)
            return false;
        size_t bytes = (size_t)(per_mini / 8) * bw; /* per_mini is a multiple of 8 */
        if (bytes > (size_t)(end - p))
            return false;
        for (uint64_t i = 0; i < per_mini && got < want; i++) {
            *last += min_delta + unpack_one(p, (size_t)i, bw);
            out[got++] = (int64_t)*last;
        }
        p += bytes;
    }
    *pp = p;
    return true;
}

bool pqr_delta_decode(const uint8_t *p, const uint8_t *end, int64_t *out, size_t n, size_t *used)
{
    const uint8_t *start = p;
    uint64_t block, nmini, total, first;
    if (!pqr_varint(&p, end, &block) || !pqr_varint(&p, end, &nmini) || !pqr_varint(&p, end, &total) ||
        !zigzag(&p, end, &first))
        return false;
    if (block == 0 || block % 128 || nmini == 0 || nmini > block || block % nmini ||
        (block / nmini) % 32 || block > (1u << 20) || total != n)
        return false;
    uint64_t per_mini = block / nmini, last = first;
    size_t got = 0;
    if (n)
        out[got++] = (int64_t)first;
    while (got < n) {
        size_t want = n - got < block ? n - got : (size_t)block;
        if (!delta_block(&p, end, nmini, per_mini, out + got, want, &last))
            return false;
        got += want;
    }
    *used = (size_t)(p - start);
    return true;
}

bool pqr_bss_decode(const uint8_t *p, const uint8_t *end, size_t width, size_t n, uint8_t *out)
{
    if (width == 0 || (n && width > (size_t)(end - p) / n) || (size_t)(end - p) != n * width)
        return false;
    for (size_t k = 0; k < width; k++)
        for (size_t i = 0; i < n; i++)
            out[i * width + k] = p[k * n + i];
    return true;
}
