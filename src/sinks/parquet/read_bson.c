/* BSON documents (Parquet's BSON logical type) as JSON text, for jsonb:
 *
 * MongoDB's relaxed Extended JSON where JSON has no equivalent (ObjectId,
 * dates, binary, decimal128 as {"$…": …}). Input is untrusted: every read
 * is bounds-checked and nesting is limited. */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "sinks/parquet/read.h"

#define BSON_MAX_DEPTH 64

static int32_t le32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

static int64_t le64(const uint8_t *p)
{
    return (int64_t)((uint64_t)(uint32_t)le32(p) | (uint64_t)(uint32_t)le32(p + 4) << 32);
}

static int hex(etlc__buf *out, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++)
        if (etlc__buf_putc(out, hx[p[i] >> 4]) || etlc__buf_putc(out, hx[p[i] & 15]))
            return -1;
    return 0;
}

static int doc(const uint8_t *p, size_t len, bool array, int depth, etlc__buf *out);

/* One element's value of type t at p (n bytes available); *used its size. */
static int value(uint8_t t, const uint8_t *p, size_t n, int depth, etlc__buf *out, size_t *used)
{
    int32_t l;
    switch (t) {
    case 0x01: { /* double */
        if (n < 8) return 2;
        int64_t bits = le64(p);
        double d;
        memcpy(&d, &bits, 8);
        *used = 8;
        if (!isfinite(d))
            return etlc__buf_printf(out, "{\"$numberDouble\":\"%s\"}", isnan(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
        return etlc__buf_printf(out, "%.17g", d);
    }
    case 0x02: case 0x0D: case 0x0E: /* string, JavaScript code, symbol */
        if (n < 4 || (l = le32(p)) < 1 || (size_t)l > n - 4 || p[4 + l - 1] != 0) return 2;
        *used = 4 + (size_t)l;
        return etlc__buf_json_string(out, (const char *)p + 4, (size_t)l - 1);
    case 0x03: case 0x04: /* document, array */
        if (n < 5 || (l = le32(p)) < 5 || (size_t)l > n) return 2;
        *used = (size_t)l;
        return doc(p, (size_t)l, t == 0x04, depth + 1, out);
    case 0x05: /* binary */
        if (n < 5 || (l = le32(p)) < 0 || (size_t)l > n - 5) return 2;
        *used = 5 + (size_t)l;
        return etlc__buf_printf(out, "{\"$binary\":{\"subType\":\"%02x\",\"hex\":\"", p[4]) ||
               hex(out, p + 5, (size_t)l) || etlc__buf_puts(out, "\"}}");
    case 0x06: case 0x0A: case 0x7F: case 0xFF: /* undefined, null, max key, min key */
        *used = 0;
        return etlc__buf_puts(out, t == 0x7F ? "{\"$maxKey\":1}" : t == 0xFF ? "{\"$minKey\":1}" : "null");
    case 0x07: /* ObjectId */
        if (n < 12) return 2;
        *used = 12;
        return etlc__buf_puts(out, "{\"$oid\":\"") || hex(out, p, 12) || etlc__buf_puts(out, "\"}");
    case 0x08:
        if (n < 1 || p[0] > 1) return 2;
        *used = 1;
        return etlc__buf_puts(out, p[0] ? "true" : "false");
    case 0x09: /* UTC datetime, milliseconds */
        if (n < 8) return 2;
        *used = 8;
        return etlc__buf_printf(out, "{\"$date\":{\"$numberLong\":\"%" PRId64 "\"}}", le64(p));
    case 0x10:
        if (n < 4) return 2;
        *used = 4;
        return etlc__buf_printf(out, "%" PRId32, le32(p));
    case 0x11: /* timestamp: increment, seconds */
        if (n < 8) return 2;
        *used = 8;
        return etlc__buf_printf(out, "{\"$timestamp\":{\"t\":%" PRIu32 ",\"i\":%" PRIu32 "}}", (uint32_t)le32(p + 4),
                                (uint32_t)le32(p));
    case 0x12:
        if (n < 8) return 2;
        *used = 8;
        return etlc__buf_printf(out, "%" PRId64, le64(p));
    case 0x13: /* decimal128: its 16 bytes, as they are */
        if (n < 16) return 2;
        *used = 16;
        return etlc__buf_puts(out, "{\"$numberDecimalBytes\":\"") || hex(out, p, 16) || etlc__buf_puts(out, "\"}");
    default:
        return 2; /* regex, DBPointer, code with scope: not read */
    }
}

/* A document (or array) of len bytes: int32 size, elements, 0. */
static int doc(const uint8_t *p, size_t len, bool array, int depth, etlc__buf *out)
{
    if (depth > BSON_MAX_DEPTH || len < 5 || (size_t)le32(p) != len || p[len - 1] != 0)
        return 2;
    const uint8_t *q = p + 4, *end = p + len - 1;
    int rc = etlc__buf_putc(out, array ? '[' : '{');
    for (bool first = true; rc == 0 && q < end; first = false) {
        uint8_t t = *q++;
        const uint8_t *name = q;
        while (q < end && *q)
            q++;
        if (q >= end)
            return 2;
        size_t nlen = (size_t)(q - name), used = 0;
        q++;
        rc = first ? 0 : etlc__buf_putc(out, ',');
        if (rc == 0 && !array)
            rc = etlc__buf_json_string(out, (const char *)name, nlen) || etlc__buf_putc(out, ':');
        if (rc == 0 && (rc = value(t, q, (size_t)(end - q), depth, out, &used)) == 0)
            q += used;
    }
    return rc ? rc : etlc__buf_putc(out, array ? ']' : '}');
}

int pqr_bson_json(const uint8_t *p, size_t len, etlc__buf *out)
{
    int rc = doc(p, len, false, 0, out);
    return rc == 2 ? -2 : rc ? -1 : 0;
}
