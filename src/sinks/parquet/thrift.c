/* Thrift compact protocol encoder and a bounds-checked decoder.
 * Spec: https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md */
#include "sinks/parquet/thrift.h"

#include <string.h>

/* ---- writer ------------------------------------------------------------- */

void tcw_init(tc_writer *w, etlc__buf *out)
{
    memset(w, 0, sizeof *w);
    w->out = out;
}

static void put_bytes(tc_writer *w, const void *p, size_t len)
{
    if (!w->failed && etlc__buf_append(w->out, p, len) != 0)
        w->failed = true;
}

static void put_varint(tc_writer *w, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    put_bytes(w, tmp, n);
}

static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

static void field_header(tc_writer *w, int16_t id, uint8_t type)
{
    int16_t *last = &w->last_id[w->depth];
    int delta = id - *last;
    if (delta > 0 && delta <= 15) {
        uint8_t b = (uint8_t)((delta << 4) | type);
        put_bytes(w, &b, 1);
    } else {
        put_bytes(w, &type, 1);
        put_varint(w, zigzag(id));
    }
    *last = id;
}

void tcw_i32(tc_writer *w, int16_t id, int32_t v)
{
    field_header(w, id, TC_I32);
    put_varint(w, zigzag(v));
}

void tcw_i64(tc_writer *w, int16_t id, int64_t v)
{
    field_header(w, id, TC_I64);
    put_varint(w, zigzag(v));
}

void tcw_bool(tc_writer *w, int16_t id, bool v) { field_header(w, id, v ? TC_TRUE : TC_FALSE); }

void tcw_binary(tc_writer *w, int16_t id, const void *p, size_t len)
{
    field_header(w, id, TC_BINARY);
    put_varint(w, len);
    put_bytes(w, p, len);
}

void tcw_string(tc_writer *w, int16_t id, const char *s) { tcw_binary(w, id, s, strlen(s)); }

static void push(tc_writer *w)
{
    if (w->depth + 1 >= TC_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    w->last_id[++w->depth] = 0;
}

void tcw_root_begin(tc_writer *w)
{
    w->depth = 0;
    w->last_id[0] = 0;
}

void tcw_struct_begin(tc_writer *w, int16_t id)
{
    field_header(w, id, TC_STRUCT);
    push(w);
}

void tcw_struct_end(tc_writer *w)
{
    uint8_t stop = TC_STOP;
    put_bytes(w, &stop, 1);
    if (w->depth > 0)
        w->depth--;
}

void tcw_list_begin(tc_writer *w, int16_t id, uint8_t elem_type, size_t size)
{
    field_header(w, id, TC_LIST);
    if (size < 15) {
        uint8_t b = (uint8_t)((size << 4) | elem_type);
        put_bytes(w, &b, 1);
    } else {
        uint8_t b = (uint8_t)(0xF0 | elem_type);
        put_bytes(w, &b, 1);
        put_varint(w, size);
    }
}

void tcw_elem_i32(tc_writer *w, int32_t v) { put_varint(w, zigzag(v)); }

void tcw_elem_binary(tc_writer *w, const void *p, size_t len)
{
    put_varint(w, len);
    put_bytes(w, p, len);
}

void tcw_elem_struct_begin(tc_writer *w) { push(w); }

/* ---- reader ------------------------------------------------------------- */

static uint64_t get_varint(tc_reader *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->failed || r->p >= r->end) {
            r->failed = true;
            return 0;
        }
        uint8_t b = *r->p++;
        if (shift == 63 && (b & 0x7E)) { /* more than 64 bits */
            r->failed = true;
            return 0;
        }
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80))
            return v;
    }
    r->failed = true;
    return 0;
}

static int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

int64_t tcr_varint_zz(tc_reader *r) { return unzigzag(get_varint(r)); }

int32_t tcr_i32(tc_reader *r)
{
    int64_t v = tcr_varint_zz(r);
    if (v < INT32_MIN || v > INT32_MAX) {
        r->failed = true;
        return 0;
    }
    return (int32_t)v;
}

int64_t tcr_i64(tc_reader *r) { return tcr_varint_zz(r); }

const uint8_t *tcr_binary(tc_reader *r, size_t *len)
{
    uint64_t n = get_varint(r);
    *len = 0;
    if (r->failed || n > (uint64_t)(r->end - r->p)) {
        r->failed = true;
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    *len = (size_t)n;
    return p;
}

int tcr_field(tc_reader *r, int16_t *last, int16_t *id, uint8_t *type)
{
    if (r->failed || r->p >= r->end) {
        r->failed = true;
        return 0;
    }
    uint8_t b = *r->p++;
    if (b == TC_STOP)
        return 0;
    *type = b & 0x0F;
    int delta = b >> 4;
    if (delta) {
        *id = (int16_t)(*last + delta);
    } else {
        int64_t v = tcr_varint_zz(r);
        if (v < INT16_MIN || v > INT16_MAX) {
            r->failed = true;
            return 0;
        }
        *id = (int16_t)v;
    }
    *last = *id;
    return r->failed ? 0 : 1;
}

size_t tcr_list(tc_reader *r, uint8_t *elem_type)
{
    if (r->failed || r->p >= r->end) {
        r->failed = true;
        return 0;
    }
    uint8_t b = *r->p++;
    *elem_type = b & 0x0F;
    uint64_t size = b >> 4;
    if (size == 15)
        size = get_varint(r);
    /* Every element takes at least one byte. */
    if (r->failed || size > (uint64_t)(r->end - r->p)) {
        r->failed = true;
        return 0;
    }
    return (size_t)size;
}

void tcr_struct_enter(tc_reader *r)
{
    if (++r->depth > TC_MAX_DEPTH)
        r->failed = true;
}

void tcr_struct_leave(tc_reader *r) { r->depth--; }

bool tcr_elem_bool(tc_reader *r)
{
    if (r->failed || r->p >= r->end) {
        r->failed = true;
        return false;
    }
    return *r->p++ == TC_TRUE;
}

void tcr_skip(tc_reader *r, uint8_t type)
{
    if (r->failed)
        return;
    switch (type) {
    case TC_TRUE:
    case TC_FALSE: /* bool as a list element: one byte */
    case TC_BYTE:
        if (r->p >= r->end)
            r->failed = true;
        else
            r->p++;
        break;
    case TC_I16:
    case TC_I32:
    case TC_I64:
        (void)get_varint(r);
        break;
    case TC_DOUBLE:
        if (r->end - r->p < 8)
            r->failed = true;
        else
            r->p += 8;
        break;
    case TC_BINARY: {
        size_t len;
        (void)tcr_binary(r, &len);
        break;
    }
    case TC_LIST:
    case TC_SET: {
        uint8_t et;
        size_t n = tcr_list(r, &et);
        tcr_struct_enter(r);
        for (size_t i = 0; i < n && !r->failed; i++)
            tcr_skip(r, et);
        tcr_struct_leave(r);
        break;
    }
    case TC_MAP: {
        uint64_t n = get_varint(r);
        if (n == 0)
            break;
        if (r->failed || r->p >= r->end || n > (uint64_t)(r->end - r->p)) {
            r->failed = true;
            break;
        }
        uint8_t kv = *r->p++;
        tcr_struct_enter(r);
        for (uint64_t i = 0; i < n && !r->failed; i++) {
            tcr_skip(r, kv >> 4);
            tcr_skip(r, kv & 0x0F);
        }
        tcr_struct_leave(r);
        break;
    }
    case TC_STRUCT: {
        tcr_struct_enter(r);
        int16_t last = 0, id;
        uint8_t t;
        while (!r->failed && tcr_field(r, &last, &id, &t)) {
            if (t == TC_TRUE || t == TC_FALSE)
                continue; /* value is in the type nibble */
            tcr_skip(r, t);
        }
        tcr_struct_leave(r);
        break;
    }
    default:
        r->failed = true;
    }
}
