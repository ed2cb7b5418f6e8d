/* PackStream v1 decoding into a flat value array, and encoding. The decoder
 * takes untrusted bytes (it is a fuzz target): every length is checked
 * against the bytes left before a slot is reserved or a byte read, and
 * nesting is bounded. */
#include <stdlib.h>
#include <string.h>

#include "neo4j_internal.h"

typedef struct dec {
    n4j_msg *m;
    size_t pos;
    etlc_error *err;
} dec;

static int bad(dec *d, const char *what)
{
    return etlc_error_set(d->err, ETLC_PROTOCOL, "neo4j: malformed PackStream at byte %zu: %s", d->pos, what);
}

static uint64_t be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Read an n-byte big-endian unsigned size. */
static int read_size(dec *d, int n, size_t *out)
{
    if (d->m->len - d->pos < (size_t)n)
        return bad(d, "truncated size");
    *out = (size_t)be(d->m->buf + d->pos, n);
    d->pos += (size_t)n;
    return ETLC_OK;
}

/* Reserve n contiguous slots; each needs at least one byte of input. */
static int reserve(dec *d, size_t n, size_t *first)
{
    n4j_msg *m = d->m;
    if (n > m->len - d->pos)
        return bad(d, "container larger than the bytes left");
    if (m->nvals + n > m->cap) {
        size_t cap = m->cap ? m->cap : 64;
        while (cap < m->nvals + n)
            cap *= 2;
        n4j_val *v = realloc(m->vals, cap * sizeof *v);
        if (!v)
            return etlc_error_set(d->err, ETLC_NO_MEMORY, "neo4j: out of memory decoding a message");
        m->vals = v;
        m->cap = cap;
    }
    *first = m->nvals;
    m->nvals += n;
    return ETLC_OK;
}

static int decode_at(dec *d, size_t slot, int depth);

static int decode_children(dec *d, size_t slot, n4j_kind kind, size_t count, int depth)
{
    if (depth >= N4J_MAX_DEPTH)
        return bad(d, "nested too deeply");
    if (count > UINT32_MAX)
        return bad(d, "container too large");
    size_t n = kind == N4J_MAP ? count * 2 : count, first = 0;
    int rc = reserve(d, n, &first);
    if (rc != ETLC_OK)
        return rc;
    n4j_val *v = &d->m->vals[slot];
    v->kind = (uint8_t)kind;
    v->count = (uint32_t)count;
    v->u.first = first;
    for (size_t i = 0; i < n; i++) {
        if ((rc = decode_at(d, first + i, depth + 1)) != ETLC_OK)
            return rc;
        if (kind == N4J_MAP && i % 2 == 0 && d->m->vals[first + i].kind != N4J_STRING)
            return bad(d, "map key is not a string");
    }
    return ETLC_OK;
}

static int decode_blob(dec *d, size_t slot, n4j_kind kind, size_t size)
{
    if (size > d->m->len - d->pos)
        return bad(d, kind == N4J_STRING ? "string longer than the bytes left" : "bytes longer than the bytes left");
    if (size > UINT32_MAX)
        return bad(d, "string too large");
    n4j_val *v = &d->m->vals[slot];
    v->kind = (uint8_t)kind;
    v->count = (uint32_t)size;
    v->u.off = d->pos;
    d->pos += size;
    return ETLC_OK;
}

static int decode_int(dec *d, size_t slot, int n)
{
    if (d->m->len - d->pos < (size_t)n)
        return bad(d, "truncated integer");
    uint64_t u = be(d->m->buf + d->pos, n);
    d->pos += (size_t)n;
    int64_t v;
    switch (n) {
    case 1: v = (int8_t)u; break;
    case 2: v = (int16_t)u; break;
    case 4: v = (int32_t)u; break;
    default: memcpy(&v, &u, sizeof v);
    }
    d->m->vals[slot].kind = N4J_INT;
    d->m->vals[slot].u.i = v;
    return ETLC_OK;
}

static int decode_at(dec *d, size_t slot, int depth)
{
    if (d->pos >= d->m->len)
        return bad(d, "truncated value");
    uint8_t mk = d->m->buf[d->pos++];
    n4j_val *v = &d->m->vals[slot];
    memset(v, 0, sizeof *v);
    size_t size = 0;
    int rc;
    if (mk < 0x80 || mk >= 0xF0) {
        v->kind = N4J_INT;
        v->u.i = (int8_t)mk;
        return ETLC_OK;
    }
    switch (mk >> 4) {
    case 0x8: return decode_blob(d, slot, N4J_STRING, mk & 0x0F);
    case 0x9: return decode_children(d, slot, N4J_LIST, mk & 0x0F, depth);
    case 0xA: return decode_children(d, slot, N4J_MAP, mk & 0x0F, depth);
    case 0xB:
        if (d->pos >= d->m->len)
            return bad(d, "truncated structure");
        v->tag = d->m->buf[d->pos++];
        if ((rc = decode_children(d, slot, N4J_LIST, mk & 0x0F, depth)) != ETLC_OK)
            return rc;
        d->m->vals[slot].kind = N4J_STRUCT;
        return ETLC_OK;
    default: break;
    }
    switch (mk) {
    case 0xC0: v->kind = N4J_NULL; return ETLC_OK;
    case 0xC2: case 0xC3: v->kind = N4J_BOOL; v->u.i = mk == 0xC3; return ETLC_OK;
    case 0xC1:
        if (d->m->len - d->pos < 8)
            return bad(d, "truncated float");
        {
            uint64_t u = be(d->m->buf + d->pos, 8);
            d->pos += 8;
            v->kind = N4J_FLOAT;
            memcpy(&v->u.f, &u, sizeof u);
        }
        return ETLC_OK;
    case 0xC8: return decode_int(d, slot, 1);
    case 0xC9: return decode_int(d, slot, 2);
    case 0xCA: return decode_int(d, slot, 4);
    case 0xCB: return decode_int(d, slot, 8);
    case 0xCC: case 0xCD: case 0xCE:
        if ((rc = read_size(d, 1 << (mk - 0xCC), &size)) != ETLC_OK)
            return rc;
        return decode_blob(d, slot, N4J_BYTES, size);
    case 0xD0: case 0xD1: case 0xD2:
        if ((rc = read_size(d, 1 << (mk - 0xD0), &size)) != ETLC_OK)
            return rc;
        return decode_blob(d, slot, N4J_STRING, size);
    case 0xD4: case 0xD5: case 0xD6:
        if ((rc = read_size(d, 1 << (mk - 0xD4), &size)) != ETLC_OK)
            return rc;
        return decode_children(d, slot, N4J_LIST, size, depth);
    case 0xD8: case 0xD9: case 0xDA:
        if ((rc = read_size(d, 1 << (mk - 0xD8), &size)) != ETLC_OK)
            return rc;
        return decode_children(d, slot, N4J_MAP, size, depth);
    default:
        d->pos--;
        return bad(d, "unknown marker byte");
    }
}

int etlc__n4j_decode(n4j_msg *m, const uint8_t *buf, size_t len, etlc_error *err)
{
    m->buf = buf;
    m->len = len;
    m->nvals = 0;
    dec d = {.m = m, .pos = 0, .err = err};
    size_t root = 0;
    int rc = reserve(&d, 1, &root);
    if (rc == ETLC_OK)
        rc = decode_at(&d, root, 0);
    if (rc == ETLC_OK && d.pos != len)
        rc = bad(&d, "bytes left after the value");
    if (rc != ETLC_OK)
        m->nvals = 0;
    return rc;
}

void etlc__n4j_msg_free(n4j_msg *m)
{
    free(m->vals);
    memset(m, 0, sizeof *m);
}

bool etlc__n4j_str_eq(const n4j_msg *m, const n4j_val *v, const char *s)
{
    size_t n = strlen(s);
    return v && v->kind == N4J_STRING && v->count == n && memcmp(n4j_str(m, v), s, n) == 0;
}

const n4j_val *etlc__n4j_map_get(const n4j_msg *m, const n4j_val *v, const char *key)
{
    if (!v || v->kind != N4J_MAP)
        return NULL;
    for (size_t i = 0; i < v->count; i++)
        if (etlc__n4j_str_eq(m, n4j_child(m, v, 2 * i), key))
            return n4j_child(m, v, 2 * i + 1);
    return NULL;
}

/* ---- encoding ------------------------------------------------------------ */

static int put_be(etlc__buf *b, uint8_t marker, uint64_t v, int n)
{
    uint8_t tmp[9];
    tmp[0] = marker;
    for (int i = 0; i < n; i++)
        tmp[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    return etlc__buf_append(b, tmp, (size_t)n + 1);
}

int etlc__n4j_pack_null(etlc__buf *b) { return etlc__buf_putc(b, (char)0xC0); }
int etlc__n4j_pack_bool(etlc__buf *b, bool v) { return etlc__buf_putc(b, (char)(v ? 0xC3 : 0xC2)); }

int etlc__n4j_pack_int(etlc__buf *b, int64_t v)
{
    if (v >= -16 && v <= 127)
        return etlc__buf_putc(b, (char)(int8_t)v);
    if (v >= INT8_MIN && v <= INT8_MAX)
        return put_be(b, 0xC8, (uint64_t)v, 1);
    if (v >= INT16_MIN && v <= INT16_MAX)
        return put_be(b, 0xC9, (uint64_t)v, 2);
    if (v >= INT32_MIN && v <= INT32_MAX)
        return put_be(b, 0xCA, (uint64_t)v, 4);
    return put_be(b, 0xCB, (uint64_t)v, 8);
}

int etlc__n4j_pack_float(etlc__buf *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return put_be(b, 0xC1, u, 8);
}

/* Marker + size for strings (0x80/0xD0), lists (0x90/0xD4), maps (0xA0/0xD8). */
static int put_sized(etlc__buf *b, uint8_t tiny, uint8_t big, size_t n, bool has_tiny)
{
    if (has_tiny && n < 16)
        return etlc__buf_putc(b, (char)(tiny | n));
    if (n <= UINT8_MAX)
        return put_be(b, big, n, 1);
    if (n <= UINT16_MAX)
        return put_be(b, big + 1, n, 2);
    if (n <= UINT32_MAX)
        return put_be(b, big + 2, n, 4);
    return -1;
}

int etlc__n4j_pack_string(etlc__buf *b, const char *s, size_t len)
{
    if (put_sized(b, 0x80, 0xD0, len, true) != 0)
        return -1;
    return len ? etlc__buf_append(b, s, len) : 0;
}

int etlc__n4j_pack_bytes(etlc__buf *b, const void *p, size_t len)
{
    if (put_sized(b, 0, 0xCC, len, false) != 0)
        return -1;
    return len ? etlc__buf_append(b, p, len) : 0;
}

int etlc__n4j_pack_header(etlc__buf *b, n4j_kind kind, size_t count)
{
    if (kind == N4J_MAP)
        return put_sized(b, 0xA0, 0xD8, count, true);
    return put_sized(b, 0x90, 0xD4, count, true);
}

int etlc__n4j_pack_struct(etlc__buf *b, uint8_t tag, size_t nfields)
{
    uint8_t tmp[2] = {(uint8_t)(0xB0 | (nfields & 0x0F)), tag};
    return nfields < 16 ? etlc__buf_append(b, tmp, 2) : -1;
}
