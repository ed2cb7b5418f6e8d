/* RLE / bit-packed hybrid encoding and the dictionary hash table. */
#include <stdlib.h>
#include <string.h>

#include "sinks/parquet/pq.h"

unsigned pq_bit_width(uint64_t max_value)
{
    unsigned bw = 0;
    while (max_value) {
        bw++;
        max_value >>= 1;
    }
    return bw;
}

static size_t put_varint(uint8_t *dst, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        dst[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    dst[n++] = (uint8_t)v;
    return n;
}

/* One generic encoder for 8- and 32-bit inputs. A run of >= 8 equal values
 * becomes an RLE run; everything else is bit-packed in groups of 8 (the last
 * group zero-padded, which readers ignore because they know the count). */
#define PQ_DEFINE_RLE(NAME, T)                                                                 \
    static void NAME##_literal(uint8_t **dst, const T *v, size_t n, unsigned bw)               \
    {                                                                                          \
        size_t groups = (n + 7) / 8;                                                           \
        *dst += put_varint(*dst, ((uint64_t)groups << 1) | 1);                                 \
        uint8_t *d = *dst;                                                                     \
        uint64_t acc = 0;                                                                      \
        unsigned bits = 0;                                                                     \
        for (size_t i = 0; i < groups * 8; i++) {                                              \
            uint64_t x = i < n ? (uint64_t)v[i] : 0;                                           \
            acc |= x << bits;                                                                  \
            bits += bw;                                                                        \
            while (bits >= 8) {                                                                \
                *d++ = (uint8_t)acc;                                                           \
                acc >>= 8;                                                                     \
                bits -= 8;                                                                     \
            }                                                                                  \
        }                                                                                      \
        *dst = d;                                                                              \
    }                                                                                          \
    int NAME(etlc__buf *out, const T *v, size_t n, unsigned bw)                                \
    {                                                                                          \
        /* Worst case: all literal (bw bytes per 8 values) plus headers. */                    \
        size_t worst = (n / 8 + 1) * (bw + 1) + (n / 8 + 2) * 10 + 16;                          \
        if (etlc__buf_reserve(out, worst) != 0)                                                \
            return -1;                                                                         \
        uint8_t *d = (uint8_t *)out->data + out->len;                                          \
        size_t vbytes = (bw + 7) / 8;                                                          \
        size_t lit = 0, i = 0;                                                                 \
        while (i < n) {                                                                        \
            T x = v[i];                                                                        \
            size_t j = i + 1;                                                                  \
            while (j < n && v[j] == x)                                                         \
                j++;                                                                           \
            size_t run = j - i;                                                                \
            if (run < 8) {                                                                     \
                i = j;                                                                         \
                continue;                                                                      \
            }                                                                                  \
            size_t nlit = i - lit;                                                             \
            if (nlit) {                                                                        \
                size_t pad = (8 - nlit % 8) % 8;                                               \
                if (run - pad < 8) {                                                           \
                    i = j;                                                                     \
                    continue;                                                                  \
                }                                                                              \
                NAME##_literal(&d, v + lit, nlit + pad, bw);                                   \
                i += pad;                                                                      \
                run -= pad;                                                                    \
            }                                                                                  \
            d += put_varint(d, (uint64_t)run << 1);                                            \
            uint64_t xv = (uint64_t)x;                                                         \
            for (size_t k = 0; k < vbytes; k++)                                                \
                *d++ = (uint8_t)(xv >> (8 * k));                                               \
            i = j;                                                                             \
            lit = j;                                                                           \
        }                                                                                      \
        if (lit < n)                                                                           \
            NAME##_literal(&d, v + lit, n - lit, bw);                                          \
        out->len = (size_t)(d - (uint8_t *)out->data);                                         \
        return 0;                                                                              \
    }

PQ_DEFINE_RLE(pq_rle_encode_u8, uint8_t)
PQ_DEFINE_RLE(pq_rle_encode_u32, uint32_t)

/* ---- dictionary -------------------------------------------------------- */

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static inline uint64_t hash_bytes(const void *vp, size_t n)
{
    const uint8_t *p = vp;
    if (n == 8) {
        uint64_t k;
        memcpy(&k, p, 8);
        return mix64(k ^ 0x9E3779B97F4A7C15ULL);
    }
    if (n == 4) {
        uint32_t k;
        memcpy(&k, p, 4);
        return mix64((uint64_t)k ^ 0x9E3779B97F4A7C15ULL);
    }
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ ((uint64_t)n * 0xbf58476d1ce4e5b9ULL);
    while (n >= 8) {
        uint64_t k;
        memcpy(&k, p, 8);
        h = (h ^ (k * 0x87c37b91114253d5ULL)) * 0x4cf5ad432745937fULL;
        h ^= h >> 29;
        p += 8;
        n -= 8;
    }
    uint64_t k = 0;
    if (n)
        memcpy(&k, p, n);
    return mix64(h ^ k);
}

void pq_dict_init(pq_dict *d, size_t width)
{
    memset(d, 0, sizeof *d);
    d->width = width;
    d->last = -1;
}

void pq_dict_reset(pq_dict *d)
{
    if (d->slots)
        memset(d->slots, 0, d->nslots * sizeof *d->slots);
    d->count = 0;
    d->last = -1;
    d->direct_ready = false;
    etlc__buf_reset(&d->plain);
}

void pq_dict_free(pq_dict *d)
{
    free(d->slots);
    free(d->keys);
    free(d->direct);
    free(d->hashes);
    free(d->offsets);
    etlc__buf_free(&d->plain);
    memset(d, 0, sizeof *d);
    d->last = -1;
}

/* Widths 4 and 8 live in the table as a zero-extended uint64 key. */
static inline bool small_width(size_t width) { return width == 4 || width == 8; }

static inline uint64_t small_key(const void *p, size_t width)
{
    if (width == 8) {
        uint64_t k;
        memcpy(&k, p, 8);
        return k;
    }
    uint32_t k;
    memcpy(&k, p, 4);
    return k;
}

static uint64_t entry_hash(const pq_dict *d, size_t e)
{
    if (d->width)
        return hash_bytes((const uint8_t *)d->plain.data + e * d->width, d->width);
    return d->hashes[e];
}

/* Keep the load factor at or under 1/2. */
static int dict_grow(pq_dict *d)
{
    const bool need_keys = small_width(d->width) && !d->keys; /* width set after slots existed */
    if ((d->count + 1) * 2 <= d->nslots && d->count < d->cap && !need_keys)
        return 0;
    if (d->count >= d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 256;
        while (cap <= d->count) /* entries may have come in through the direct window */
            cap *= 2;
        if (!d->width) {
            uint64_t *h = realloc(d->hashes, cap * sizeof *h);
            if (!h)
                return -1;
            d->hashes = h;
            uint32_t *o = realloc(d->offsets, cap * sizeof *o);
            if (!o)
                return -1;
            d->offsets = o;
        }
        d->cap = cap;
    }
    if ((d->count + 1) * 2 > d->nslots || need_keys) {
        size_t n = d->nslots ? d->nslots * 2 : 512;
        while ((d->count + 1) * 2 > n)
            n *= 2;
        uint32_t *s = calloc(n, sizeof *s);
        if (!s)
            return -1;
        uint64_t *k = NULL;
        if (small_width(d->width) && !(k = malloc(n * sizeof *k))) {
            free(s);
            return -1;
        }
        for (size_t e = 0; e < d->count; e++) {
            size_t i = (size_t)entry_hash(d, e) & (n - 1);
            while (s[i])
                i = (i + 1) & (n - 1);
            s[i] = (uint32_t)(e + 1);
            if (k)
                k[i] = small_key(d->plain.data + e * d->width, d->width);
        }
        free(d->slots);
        free(d->keys);
        d->slots = s;
        d->keys = k;
        d->nslots = n;
    }
    return 0;
}

static inline bool fixed_equal(const char *a, const void *b, size_t width)
{
    if (width == 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        return x == y;
    }
    if (width == 4) {
        uint32_t x, y;
        memcpy(&x, a, 4);
        memcpy(&y, b, 4);
        return x == y;
    }
    return memcmp(a, b, width) == 0;
}

/* Append a new entry's value to the dictionary page. */
static int dict_store(pq_dict *d, const void *value, uint64_t key)
{
    const size_t width = d->width;
    if (d->plain.len + width + 1 > d->plain.cap && etlc__buf_reserve(&d->plain, width) != 0)
        return -1;
    memcpy(d->plain.data + d->plain.len, value, width);
    d->plain.len += width;
    d->last = (int64_t)d->count;
    d->last_key = key;
    return 0;
}

/* Width 4 or 8: keys compared in the table itself, no trip to the entries. */
static int64_t dict_small(pq_dict *d, const void *value)
{
    const size_t width = d->width;
    const uint64_t key = small_key(value, width);
    if (d->last >= 0 && d->last_key == key)
        return d->last;
    /* The value as a signed integer (sign-extended for width 4). */
    const int64_t sv = width == 4 ? (int64_t)(int32_t)(uint32_t)key : (int64_t)key;
    if (!d->direct_ready && d->count == 0) {
        /* Anchor the window on the chunk's first value. Every value inserted
         * from here on that falls in the window is recorded in it, so a
         * zero slot means "new value". */
        if (!d->direct && !(d->direct = malloc(PQ_DICT_DIRECT * sizeof *d->direct)))
            return -1;
        memset(d->direct, 0, PQ_DICT_DIRECT * sizeof *d->direct);
        d->direct_base = sv > INT64_MIN + PQ_DICT_DIRECT / 4 ? sv - PQ_DICT_DIRECT / 4 : INT64_MIN;
        d->direct_ready = true;
    }
    uint64_t off = (uint64_t)sv - (uint64_t)d->direct_base;
    if (d->direct_ready && off < PQ_DICT_DIRECT) {
        uint32_t e = d->direct[off];
        if (e) {
            d->last = e - 1;
            d->last_key = key;
            return e - 1;
        }
        if (d->count >= UINT32_MAX - 1 || dict_store(d, value, key) != 0)
            return -1;
        d->direct[off] = (uint32_t)(d->count + 1);
        return (int64_t)d->count++;
    }
    if ((d->nslots == 0 || !d->keys) && dict_grow(d) != 0)
        return -1;
    uint64_t h = hash_bytes(value, width);
    size_t mask = d->nslots - 1, i = (size_t)h & mask;
    for (;;) {
        uint32_t s = d->slots[i];
        if (!s)
            break;
        if (d->keys[i] == key) {
            d->last = s - 1;
            d->last_key = key;
            return s - 1;
        }
        i = (i + 1) & mask;
    }
    if ((d->count + 1) * 2 > d->nslots || d->count >= d->cap) {
        if (dict_grow(d) != 0)
            return -1;
        mask = d->nslots - 1;
        i = (size_t)h & mask;
        while (d->slots[i])
            i = (i + 1) & mask;
    }
    if (dict_store(d, value, key) != 0)
        return -1;
    d->slots[i] = (uint32_t)(d->count + 1);
    d->keys[i] = key;
    return (int64_t)d->count++;
}

int64_t pq_dict_fixed(pq_dict *d, const void *value)
{
    if (small_width(d->width))
        return dict_small(d, value);
    if (d->nslots == 0 && dict_grow(d) != 0)
        return -1;
    const size_t width = d->width;
    uint64_t h = hash_bytes(value, width);
    size_t mask = d->nslots - 1, i = (size_t)h & mask;
    const char *base = d->plain.data;
    for (;;) {
        uint32_t s = d->slots[i];
        if (!s)
            break;
        if (fixed_equal(base + (size_t)(s - 1) * width, value, width))
            return s - 1;
        i = (i + 1) & mask;
    }
    if ((d->count + 1) * 2 > d->nslots || d->count >= d->cap) {
        if (dict_grow(d) != 0)
            return -1;
        mask = d->nslots - 1;
        i = (size_t)h & mask;
        while (d->slots[i])
            i = (i + 1) & mask;
    }
    if (d->plain.len + width + 1 > d->plain.cap && etlc__buf_reserve(&d->plain, width) != 0)
        return -1;
    memcpy(d->plain.data + d->plain.len, value, width);
    d->plain.len += width;
    d->slots[i] = (uint32_t)(d->count + 1);
    return (int64_t)d->count++;
}

int64_t pq_dict_bytes(pq_dict *d, const uint8_t *p, size_t len)
{
    if (d->last >= 0) { /* a run of one value: no hashing */
        const uint8_t *q = (const uint8_t *)d->plain.data + d->offsets[d->last];
        uint32_t qlen;
        memcpy(&qlen, q, 4);
        if (qlen == len && memcmp(q + 4, p, len) == 0)
            return d->last;
    }
    if (d->nslots == 0 && dict_grow(d) != 0)
        return -1;
    uint64_t h = hash_bytes(p, len);
    size_t mask = d->nslots - 1, i = (size_t)h & mask;
    for (;;) {
        uint32_t s = d->slots[i];
        if (!s)
            break;
        size_t e = s - 1;
        if (d->hashes[e] == h) {
            const uint8_t *q = (const uint8_t *)d->plain.data + d->offsets[e];
            uint32_t qlen;
            memcpy(&qlen, q, 4);
            if (qlen == len && memcmp(q + 4, p, len) == 0)
                return d->last = (int64_t)e;
        }
        i = (i + 1) & mask;
    }
    if (d->plain.len + len + 4 > UINT32_MAX)
        return -1;
    if ((d->count + 1) * 2 > d->nslots || d->count >= d->cap) {
        if (dict_grow(d) != 0)
            return -1;
        mask = d->nslots - 1;
        i = (size_t)h & mask;
        while (d->slots[i])
            i = (i + 1) & mask;
    }
    uint32_t off = (uint32_t)d->plain.len;
    uint8_t lenb[4];
    pq_write_le32(lenb, (uint32_t)len);
    if (etlc__buf_append(&d->plain, lenb, 4) != 0 || etlc__buf_append(&d->plain, p, len) != 0)
        return -1;
    d->hashes[d->count] = h;
    d->offsets[d->count] = off;
    d->slots[i] = (uint32_t)(d->count + 1);
    d->last = (int64_t)d->count;
    return (int64_t)d->count++;
}

void pq_write_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void pq_write_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
