/* CSV (RFC 4180, "\n" line ends): a header row, then one line per row.
 * NULL is an empty unquoted field; an empty string is "" so the two stay
 * distinguishable. */
#include <stdlib.h>
#include <string.h>

#include "sinks/sink_formats.h"

typedef struct csv_state {
    etlc__buf buf;   /* one batch of lines, reused */
    etlc__buf field; /* a value that needs quoting, set aside */
    bool header_done;
} csv_state;

static bool needs_quotes(const char *s, size_t len)
{
    if (len == 0)
        return true; /* "" marks an empty string, unlike NULL */
    if (s[0] == ' ' || s[len - 1] == ' ')
        return true;
    for (size_t i = 0; i < len; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
            return true;
    return false;
}

static int put_field(etlc__buf *b, const char *s, size_t len)
{
    if (!needs_quotes(s, len))
        return etlc__buf_append(b, s, len);
    if (etlc__buf_putc(b, '"') != 0)
        return -1;
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '"')
            continue;
        /* Double the quote: copy through it, then add one more. */
        if (etlc__buf_append(b, s + run, i + 1 - run) != 0 || etlc__buf_putc(b, '"') != 0)
            return -1;
        run = i + 1;
    }
    if (etlc__buf_append(b, s + run, len - run) != 0)
        return -1;
    return etlc__buf_putc(b, '"');
}

/* The value's text goes straight into the batch; the rare one that needs
 * quotes is moved aside and written again quoted. */
static int put_value(csv_state *st, const etlc_column *c, size_t row)
{
    etlc__buf *b = &st->buf;
    size_t start = b->len;
    if (etlc__value_text(b, c, row) != 0)
        return -1;
    if (!needs_quotes(b->data + start, b->len - start))
        return 0;
    etlc__buf_reset(&st->field);
    if (etlc__buf_append(&st->field, b->data + start, b->len - start) != 0)
        return -1;
    b->len = start;
    return put_field(b, st->field.data, st->field.len);
}

static int csv_begin(void *state, const etlc_sink_options *opts, etlc_lake_file *file,
                     etlc_error *err)
{
    (void)opts; (void)file; (void)err;
    csv_state *st = state;
    st->header_done = false;
    return 0;
}

static int csv_write(void *state, const etlc_batch *batch, etlc_lake_file *file, etlc_error *err)
{
    csv_state *st = state;
    etlc__buf *b = &st->buf;
    etlc__buf_reset(b);
    if (!st->header_done && batch->ncols > 0) {
        for (size_t i = 0; i < batch->ncols; i++) {
            const char *name = batch->cols[i].def.name;
            if ((i && etlc__buf_putc(b, ',') != 0) || put_field(b, name, strlen(name)) != 0)
                goto nomem;
        }
        if (etlc__buf_putc(b, '\n') != 0)
            goto nomem;
        st->header_done = true;
    }
    for (size_t row = 0; row < batch->nrows; row++) {
        for (size_t i = 0; i < batch->ncols; i++) {
            const etlc_column *c = &batch->cols[i];
            if (i && etlc__buf_putc(b, ',') != 0)
                goto nomem;
            if (!etlc_column_is_null(c, row) && put_value(st, c, row) != 0)
                goto nomem;
        }
        if (etlc__buf_putc(b, '\n') != 0)
            goto nomem;
    }
    return etlc_lake_file_write(file, b->data, b->len, err);
nomem:
    return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory formatting %zu rows as CSV",
                          batch->nrows);
}

static int csv_end(void *state, etlc_lake_file *file, etlc_error *err)
{
    (void)state; (void)file; (void)err;
    return 0;
}

static void csv_release(void *state)
{
    csv_state *st = state;
    etlc__buf_free(&st->buf);
    etlc__buf_free(&st->field);
}

const etlc_sink_format etlc__sink_format_csv = {
    .name = "csv",
    .ext = "csv",
    .content_type = "text/csv",
    .state_size = sizeof(csv_state),
    .begin = csv_begin,
    .write = csv_write,
    .end = csv_end,
    .release = csv_release,
};
