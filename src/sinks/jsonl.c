/* JSON Lines: one object per row, keys in column order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/json_load.h"
#include "sinks/sink_formats.h"

typedef struct jsonl_state {
    etlc__buf buf;  /* one batch of lines, reused */
    etlc__buf keys; /* each column's `{"name":` or `,"name":`, escaped once per batch */
    size_t *key_end; /* end offset of column i's key in keys */
    size_t nkeys;
} jsonl_state;

/* buf_append without the call: the row loop appends a few bytes at a time. */
static inline int put_bytes(etlc__buf *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap && etlc__buf_reserve(b, n) != 0)
        return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

/* The escaped keys of this batch's columns, so rows do not escape them again. */
static int build_keys(jsonl_state *st, const etlc_batch *batch)
{
    if (batch->ncols > st->nkeys) {
        size_t *k = realloc(st->key_end, batch->ncols * sizeof *k);
        if (!k)
            return -1;
        st->key_end = k;
        st->nkeys = batch->ncols;
    }
    etlc__buf_reset(&st->keys);
    for (size_t i = 0; i < batch->ncols; i++) {
        const char *name = batch->cols[i].def.name;
        if (etlc__buf_putc(&st->keys, i ? ',' : '{') != 0 ||
            etlc__buf_json_string(&st->keys, name, strlen(name)) != 0 || etlc__buf_putc(&st->keys, ':') != 0)
            return -1;
        st->key_end[i] = st->keys.len;
    }
    return 0;
}

/* 1 valid, 0 not, -1 out of memory (the answer is unknown: not "invalid",
 * which would silently write the value as a string instead). */
static int is_valid_json(const uint8_t *p, size_t len)
{
    bool out_of_memory;
    json_t *v = etlc__json_loadb((const char *)p, len, JSON_DECODE_ANY, NULL, &out_of_memory);
    if (!v)
        return out_of_memory ? -1 : 0;
    json_decref(v);
    return 1;
}

/* Valid JSON embedded raw; raw CR/LF can only be whitespace there, so they
 * become spaces to keep one record per line. */
static int put_raw_json(etlc__buf *b, const uint8_t *p, size_t len)
{
    if (etlc__buf_reserve(b, len) != 0)
        return -1;
    for (size_t i = 0; i < len; i++)
        b->data[b->len + i] = (p[i] == '\n' || p[i] == '\r') ? ' ' : (char)p[i];
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

static int put_value(etlc__buf *b, const etlc_column *c, size_t row)
{
    if (etlc_column_is_null(c, row))
        return put_bytes(b, "null", 4);
    size_t len;
    const uint8_t *p;
    switch (c->def.type) {
    case ETLC_TYPE_BOOL:
    case ETLC_TYPE_INT64:
        return etlc__value_text(b, c, row);
    case ETLC_TYPE_DOUBLE:
        if (isfinite(c->fixed.f64[row]))
            return etlc__value_text(b, c, row);
        /* NaN / Infinity are not JSON numbers: write them as strings. */
        /* fall through */
    case ETLC_TYPE_BYTES:
    case ETLC_TYPE_DATE:
    case ETLC_TYPE_TIMESTAMP:
        /* These text forms need no escaping. */
        if (put_bytes(b, "\"", 1) != 0 || etlc__value_text(b, c, row) != 0)
            return -1;
        return put_bytes(b, "\"", 1);
    case ETLC_TYPE_JSON:
        p = etlc_column_var(c, row, &len);
        switch (is_valid_json(p, len)) {
        case 1: return put_raw_json(b, p, len);
        case -1: return -1;
        default: break;
        }
        return etlc__buf_json_string(b, (const char *)p, len);
    case ETLC_TYPE_TEXT:
    case ETLC_TYPE_DECIMAL:
        p = etlc_column_var(c, row, &len);
        return etlc__buf_json_string(b, (const char *)p, len);
    case ETLC_TYPE_NULL:
        break;
    }
    return etlc__buf_puts(b, "null");
}

static int jsonl_begin(void *state, const etlc_sink_options *opts, etlc_lake_file *file,
                       etlc_error *err)
{
    (void)state; (void)opts; (void)file; (void)err;
    return 0;
}

static int jsonl_write(void *state, const etlc_batch *batch, etlc_lake_file *file, etlc_error *err)
{
    jsonl_state *st = state;
    etlc__buf *b = &st->buf;
    etlc__buf_reset(b);
    if (build_keys(st, batch) != 0)
        goto nomem;
    const char *keys = st->keys.data;
    for (size_t row = 0; row < batch->nrows; row++) {
        size_t key_start = 0;
        for (size_t i = 0; i < batch->ncols; i++) {
            if (put_bytes(b, keys + key_start, st->key_end[i] - key_start) != 0 ||
                put_value(b, &batch->cols[i], row) != 0)
                goto nomem;
            key_start = st->key_end[i];
        }
        /* A row of no columns is still an object. */
        if (put_bytes(b, batch->ncols ? "}\n" : "{}\n", batch->ncols ? 2 : 3) != 0)
            goto nomem;
    }
    return etlc_lake_file_write(file, b->data, b->len, err);
nomem:
    return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory formatting %zu rows as JSON lines",
                          batch->nrows);
}

static int jsonl_end(void *state, etlc_lake_file *file, etlc_error *err)
{
    (void)state; (void)file; (void)err;
    return 0;
}

static void jsonl_release(void *state)
{
    jsonl_state *st = state;
    etlc__buf_free(&st->buf);
    etlc__buf_free(&st->keys);
    free(st->key_end);
    st->key_end = NULL;
    st->nkeys = 0;
}

const etlc_sink_format etlc__sink_format_jsonl = {
    .name = "jsonl",
    .ext = "jsonl",
    .content_type = "application/x-ndjson",
    .state_size = sizeof(jsonl_state),
    .begin = jsonl_begin,
    .write = jsonl_write,
    .end = jsonl_end,
    .release = jsonl_release,
};
