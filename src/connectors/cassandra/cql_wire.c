/* CQL wire primitives: every read checks the bytes it needs are there
 * (a short frame is an error, never an over-read). */
#include <stdlib.h>
#include <string.h>

#include "cql_internal.h"

int etlc__cql_rd_skip(cql_rd *r, size_t n)
{
    if ((size_t)(r->end - r->p) < n)
        return -1;
    r->p += n;
    return 0;
}

int etlc__cql_rd_u8(cql_rd *r, uint8_t *v)
{
    if (r->end - r->p < 1)
        return -1;
    *v = *r->p++;
    return 0;
}

int etlc__cql_rd_u16(cql_rd *r, uint16_t *v)
{
    if (r->end - r->p < 2)
        return -1;
    *v = etlc__cql_be16(r->p);
    r->p += 2;
    return 0;
}

int etlc__cql_rd_i32(cql_rd *r, int32_t *v)
{
    if (r->end - r->p < 4)
        return -1;
    *v = (int32_t)etlc__cql_be32(r->p);
    r->p += 4;
    return 0;
}

int etlc__cql_rd_i64(cql_rd *r, int64_t *v)
{
    if (r->end - r->p < 8)
        return -1;
    *v = (int64_t)etlc__cql_be64(r->p);
    r->p += 8;
    return 0;
}

int etlc__cql_rd_string(cql_rd *r, const char **s, size_t *len)
{
    uint16_t n;
    if (etlc__cql_rd_u16(r, &n) != 0 || (size_t)(r->end - r->p) < n)
        return -1;
    *s = (const char *)r->p;
    *len = n;
    r->p += n;
    return 0;
}

int etlc__cql_rd_strdup(cql_rd *r, char **out)
{
    const char *s;
    size_t n;
    if (etlc__cql_rd_string(r, &s, &n) != 0)
        return -1;
    *out = etlc__strndup(s, n);
    return *out ? 0 : -2;
}

int etlc__cql_rd_bytes(cql_rd *r, const uint8_t **data, int32_t *len)
{
    if (etlc__cql_rd_i32(r, len) != 0)
        return -1;
    *data = NULL;
    if (*len < 0)
        return 0;
    if (r->end - r->p < (ptrdiff_t)*len)
        return -1;
    *data = r->p;
    r->p += *len;
    return 0;
}

int etlc__cql_rd_short_bytes(cql_rd *r, const uint8_t **data, size_t *len)
{
    uint16_t n;
    if (etlc__cql_rd_u16(r, &n) != 0 || (size_t)(r->end - r->p) < n)
        return -1;
    *data = r->p;
    *len = n;
    r->p += n;
    return 0;
}

int etlc__cql_wr_u16(etlc__buf *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    return etlc__buf_append(b, x, 2);
}

int etlc__cql_wr_i32(etlc__buf *b, int32_t v)
{
    uint32_t u = (uint32_t)v;
    uint8_t x[4] = {(uint8_t)(u >> 24), (uint8_t)(u >> 16), (uint8_t)(u >> 8), (uint8_t)u};
    return etlc__buf_append(b, x, 4);
}

int etlc__cql_wr_i64(etlc__buf *b, int64_t v)
{
    uint64_t u = (uint64_t)v;
    return etlc__cql_wr_i32(b, (int32_t)(uint32_t)(u >> 32)) || etlc__cql_wr_i32(b, (int32_t)(uint32_t)u) ? -1 : 0;
}

int etlc__cql_wr_string(etlc__buf *b, const char *s, size_t len)
{
    if (len > 0xFFFF)
        return -1;
    return etlc__cql_wr_u16(b, (uint16_t)len) || etlc__buf_append(b, s, len) ? -1 : 0;
}

int etlc__cql_wr_long_string(etlc__buf *b, const char *s, size_t len)
{
    if (len > INT32_MAX)
        return -1;
    return etlc__cql_wr_i32(b, (int32_t)len) || etlc__buf_append(b, s, len) ? -1 : 0;
}

int etlc__cql_wr_bytes(etlc__buf *b, const void *data, int32_t len)
{
    if (etlc__cql_wr_i32(b, len < 0 ? -1 : len) != 0)
        return -1;
    return len > 0 ? etlc__buf_append(b, data, (size_t)len) : 0;
}

int etlc__cql_wr_short_bytes(etlc__buf *b, const void *data, size_t len)
{
    if (len > 0xFFFF)
        return -1;
    return etlc__cql_wr_u16(b, (uint16_t)len) || etlc__buf_append(b, data, len) ? -1 : 0;
}
