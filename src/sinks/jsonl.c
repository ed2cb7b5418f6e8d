/* JSON Lines: one object per row, keys in column order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/json_load.h"
#include "sinks/sink_formats.h"

typedef struct jsonl_state {
    etlc__buf buf; /* one batch of lines, reused */
} jsonl_state;

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
        return etlc__buf_puts(b, "null");
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
        if (etlc__buf_putc(b, '"') != 0 || etlc__value_text(b, c, row) != 0)
            return -1;
        return etlc__buf_putc(b, '"');
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
    for (size_t row = 0; row < batch->nrows; row++) {
        if (etlc__buf_putc(b, '{') != 0)
            goto nomem;
        for (size_t i = 0; i < batch->ncols; i++) {
            const etlc_column *c = &batch->cols[i];
            if ((i && etlc__buf_putc(b, ',') != 0) ||
                etlc__buf_json_string(b, c->def.name, strlen(c->def.name)) != 0 ||
                etlc__buf_putc(b, ':') != 0 || put_value(b, c, row) != 0)
                goto nomem;
        }
        if (etlc__buf_puts(b, "}\n") != 0)
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
