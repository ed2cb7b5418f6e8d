/* Helpers behind the optional SQL capability: owned values, identifier
 * quoting and the scalar-capturing consumer connectors use for
 * snapshot_scalar. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

void etlc_value_clear(etlc_value *v)
{
    if (!v)
        return;
    free(v->data);
    memset(v, 0, sizeof *v);
}

int etlc__value_copy_cell(const etlc_batch *b, size_t col, size_t row, etlc_value *out, etlc_error *err)
{
    etlc_value_clear(out);
    const etlc_column *c = &b->cols[col];
    if (etlc_column_is_null(c, row))
        return 0;
    out->type = c->def.type;
    switch (c->def.type) {
    case ETLC_TYPE_BOOL: out->i64 = c->fixed.b[row]; break;
    case ETLC_TYPE_DATE: out->i64 = c->fixed.i32[row]; break;
    case ETLC_TYPE_INT64:
    case ETLC_TYPE_TIMESTAMP: out->i64 = c->fixed.i64[row]; break;
    case ETLC_TYPE_DOUBLE: out->f64 = c->fixed.f64[row]; break;
    case ETLC_TYPE_NULL: break;
    default: {
        size_t len;
        const uint8_t *p = etlc_column_var(c, row, &len);
        char scaled[48];
        if (etlc__column_scaled(c)) { /* a scaled decimal: its text is made here */
            len = etlc__scaled_text(etlc__column_scaled(c)[row], c->def.scale, scaled);
            p = (const uint8_t *)scaled;
        }
        out->data = etlc__strndup(len ? (const char *)p : "", len);
        if (!out->data) {
            out->type = ETLC_TYPE_NULL;
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory copying a value of column '%s'",
                                  c->def.name);
        }
        out->len = len;
    }
    }
    return 0;
}

static int capture_on_batch(void *ud, const etlc_batch *batch, etlc_error *err)
{
    etlc__scalar_capture *cap = ud;
    if (cap->seen || batch->nrows == 0 || batch->ncols == 0)
        return 0;
    cap->seen = true;
    return etlc__value_copy_cell(batch, 0, 0, cap->out, err);
}

etlc_batch_consumer etlc__scalar_consumer(etlc__scalar_capture *cap)
{
    etlc_value_clear(cap->out);
    cap->seen = false;
    return (etlc_batch_consumer){.on_batch = capture_on_batch, .userdata = cap};
}

static int quote_part(etlc__buf *b, char q, const char *s, size_t n)
{
    int rc = etlc__buf_putc(b, q);
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (s[i] == q)
            rc = etlc__buf_putc(b, q);
        if (rc == 0)
            rc = etlc__buf_putc(b, s[i]);
    }
    return rc ? rc : etlc__buf_putc(b, q);
}

int etlc_sql_quote_ident(const etlc_sql_ops *sql, const char *name, bool allow_dots, const char *what,
                         char **out, etlc_error *err)
{
    *out = NULL;
    what = what ? what : "identifier";
    if (!name || !*name)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "%s is empty", what);
    size_t n = strlen(name);
    if (n > 255)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "%s '%.40s...' is longer than 255 bytes", what, name);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                                  "%s contains a control byte (0x%02x at offset %zu); names must be printable",
                                  what, (unsigned)(unsigned char)name[i], i);
    char q = sql && sql->identifier_quote ? sql->identifier_quote : '"';
    etlc__buf b = {0};
    int rc = 0;
    const char *p = name;
    for (;;) {
        const char *dot = allow_dots ? strchr(p, '.') : NULL;
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (len == 0) {
            etlc__buf_free(&b);
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                                  "%s '%s' has an empty part (a dot separates schema and name)", what, name);
        }
        rc = quote_part(&b, q, p, len);
        if (rc || !dot)
            break;
        rc = etlc__buf_putc(&b, '.');
        p = dot + 1;
    }
    if (rc) {
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory quoting %s", what);
    }
    *out = etlc__buf_take(&b);
    return 0;
}
