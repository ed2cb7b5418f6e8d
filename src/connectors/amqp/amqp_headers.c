/* A message's AMQP headers table as the name/value pairs of the records'
 * headers column: strings and byte arrays as they are, numbers and
 * booleans in text form, void as a null value; nested tables and arrays
 * are not unpacked (their value says what they were). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amqp_internal.h"

/* The value's text into arena; *is_null for void. -1 on no memory. */
static int put_value(etlc__buf *a, const amqp_field_value_t *v, bool *is_null)
{
    *is_null = false;
    switch (v->kind) {
    case AMQP_FIELD_KIND_UTF8:
    case AMQP_FIELD_KIND_BYTES: return etlc__buf_append(a, v->value.bytes.bytes, v->value.bytes.len);
    case AMQP_FIELD_KIND_BOOLEAN: return etlc__buf_puts(a, v->value.boolean ? "true" : "false");
    case AMQP_FIELD_KIND_I8: return etlc__buf_printf(a, "%d", (int)v->value.i8);
    case AMQP_FIELD_KIND_U8: return etlc__buf_printf(a, "%u", (unsigned)v->value.u8);
    case AMQP_FIELD_KIND_I16: return etlc__buf_printf(a, "%d", (int)v->value.i16);
    case AMQP_FIELD_KIND_U16: return etlc__buf_printf(a, "%u", (unsigned)v->value.u16);
    case AMQP_FIELD_KIND_I32: return etlc__buf_printf(a, "%" PRId32, v->value.i32);
    case AMQP_FIELD_KIND_U32: return etlc__buf_printf(a, "%" PRIu32, v->value.u32);
    case AMQP_FIELD_KIND_I64: return etlc__buf_printf(a, "%" PRId64, v->value.i64);
    case AMQP_FIELD_KIND_U64:
    case AMQP_FIELD_KIND_TIMESTAMP: return etlc__buf_printf(a, "%" PRIu64, v->value.u64);
    case AMQP_FIELD_KIND_F32: return etlc__buf_printf(a, "%.9g", (double)v->value.f32);
    case AMQP_FIELD_KIND_F64: return etlc__buf_printf(a, "%.17g", v->value.f64);
    case AMQP_FIELD_KIND_DECIMAL:
        return etlc__buf_printf(a, "%" PRIu32 "e-%u", v->value.decimal.value,
                                (unsigned)v->value.decimal.decimals);
    case AMQP_FIELD_KIND_VOID: *is_null = true; return 0;
    case AMQP_FIELD_KIND_TABLE:
        return etlc__buf_printf(a, "(table of %d entries)", v->value.table.num_entries);
    case AMQP_FIELD_KIND_ARRAY:
        return etlc__buf_printf(a, "(array of %d entries)", v->value.array.num_entries);
    default: return etlc__buf_printf(a, "(field kind '%c')", (char)v->kind);
    }
}

typedef struct span {
    size_t name, value, len;
    bool null;
} span;

int etlc__amqp_headers(const amqp_envelope_t *env, etlc__msg_header **out, size_t *n,
                       etlc__buf *arena, etlc_error *err)
{
    *n = 0;
    etlc__buf_reset(arena);
    const amqp_basic_properties_t *p = &env->message.properties;
    if (!(p->_flags & AMQP_BASIC_HEADERS_FLAG) || p->headers.num_entries <= 0)
        return 0;
    size_t count = (size_t)p->headers.num_entries;
    span *sp = calloc(count, sizeof *sp);
    etlc__msg_header *h = realloc(*out, count * sizeof *h);
    if (h)
        *out = h;
    int bad = !sp || !h;
    /* Offsets first: the arena may move while it grows. */
    for (size_t i = 0; !bad && i < count; i++) {
        const amqp_table_entry_t *e = &p->headers.entries[i];
        sp[i].name = arena->len;
        bad = etlc__buf_append(arena, e->key.bytes, e->key.len) || etlc__buf_putc(arena, '\0');
        sp[i].value = arena->len;
        bad = bad || put_value(arena, &e->value, &sp[i].null);
        sp[i].len = arena->len - sp[i].value;
        bad = bad || etlc__buf_putc(arena, '\0');
    }
    for (size_t i = 0; !bad && i < count; i++)
        h[i] = (etlc__msg_header){.name = arena->data + sp[i].name,
                                  .value = sp[i].null ? NULL : arena->data + sp[i].value,
                                  .len = sp[i].len};
    free(sp);
    if (bad)
        return etlc_error_set(err, ETLC_NO_MEMORY, "amqp: out of memory reading message headers");
    *n = count;
    return 0;
}
