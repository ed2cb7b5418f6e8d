/* Arrow C Data export: the arrays (copies of a batch's buffers in Arrow's
 * layout: validity bitmaps, packed booleans, int32 offsets, decimal128). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/arrow_internal.h"

__extension__ typedef __int128 arrow_i128;

/* A column's buffers, owned through private_data. */
typedef struct col_block {
    void *bufs[3];
    const void *ptrs[3];
} col_block;

static void col_release(struct ArrowArray *a)
{
    col_block *cb = a->private_data;
    if (cb) {
        for (int i = 0; i < 3; i++)
            free(cb->bufs[i]);
        free(cb);
    }
    a->release = NULL;
}

static void batch_release(struct ArrowArray *a)
{
    for (int64_t i = 0; i < a->n_children; i++) {
        if (a->children[i]->release)
            a->children[i]->release(a->children[i]);
        free(a->children[i]);
    }
    free(a->children);
    free(a->buffers);
    a->release = NULL;
}

/* Bit i set when row i is valid; NULL buffer when there is no NULL. */
static int validity(const etlc_column *c, size_t n, col_block *cb)
{
    if (c->null_count == 0)
        return 0;
    uint8_t *bits = calloc(n / 8 + 1, 1);
    if (!bits)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!c->nulls[i])
            bits[i / 8] |= (uint8_t)(1u << (i % 8));
    cb->bufs[0] = bits;
    return 0;
}

static int fixed_values(const etlc_column *c, size_t n, col_block *cb)
{
    if (c->def.type == ETLC_TYPE_BOOL) {
        uint8_t *bits = calloc(n / 8 + 1, 1);
        if (!bits)
            return -1;
        for (size_t i = 0; i < n; i++)
            if (c->fixed.b[i])
                bits[i / 8] |= (uint8_t)(1u << (i % 8));
        cb->bufs[1] = bits;
        return 0;
    }
    size_t width = c->def.type == ETLC_TYPE_DATE ? 4 : 8;
    const void *src = c->def.type == ETLC_TYPE_DATE     ? (const void *)c->fixed.i32
                      : c->def.type == ETLC_TYPE_DOUBLE ? (const void *)c->fixed.f64
                                                        : (const void *)c->fixed.i64;
    cb->bufs[1] = malloc(n * width + 8);
    if (!cb->bufs[1])
        return -1;
    if (n)
        memcpy(cb->bufs[1], src, n * width);
    return 0;
}

static int var_values(const etlc_column *c, size_t n, col_block *cb, etlc_error *err)
{
    uint64_t total = n ? c->offsets[n] - c->offsets[0] : 0;
    if (total > INT32_MAX)
        return etlc_error_set(err, ETLC_DATA, "column \"%s\": more than 2 GiB of values in one "
                              "batch for Arrow; fetch with a smaller batch size", c->def.name);
    int32_t *off = malloc((n + 1) * sizeof *off);
    cb->bufs[2] = malloc(total + 1);
    cb->bufs[1] = off;
    if (!off || !cb->bufs[2])
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory exporting column \"%s\"", c->def.name);
    for (size_t i = 0; i <= n; i++)
        off[i] = n ? (int32_t)(c->offsets[i] - c->offsets[0]) : 0;
    if (total)
        memcpy(cb->bufs[2], c->data + c->offsets[0], total);
    return 0;
}

/* "[-|+]digits[.digits]" scaled to `scale` fraction digits, at most 38 digits. */
static int decimal_parse(const uint8_t *s, size_t len, int precision, int scale, arrow_i128 *out)
{
    size_t i = 0;
    bool neg = len > 0 && s[0] == '-';
    if (len > 0 && (s[0] == '-' || s[0] == '+'))
        i++;
    arrow_i128 v = 0;
    int digits = 0, frac = -1;
    for (; i < len; i++) {
        if (s[i] == '.' && frac < 0) {
            frac = 0;
            continue;
        }
        if (s[i] < '0' || s[i] > '9' || (frac >= 0 && frac == scale) || digits == 38)
            return -1;
        v = v * 10 + (s[i] - '0');
        digits += v != 0;
        frac += frac >= 0;
    }
    for (frac = frac < 0 ? 0 : frac; frac < scale; frac++, digits += v != 0)
        v *= 10;
    if (digits > precision || (len == 0))
        return -1;
    *out = neg ? -v : v;
    return 0;
}

static int decimal_values(const etlc_column *c, size_t n, col_block *cb, etlc_error *err)
{
    arrow_i128 *vals = calloc(n + 1, sizeof *vals);
    if (!vals)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory exporting column \"%s\"", c->def.name);
    cb->bufs[1] = vals;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const uint8_t *p = etlc_column_var(c, i, &len);
        if (!c->nulls[i] && decimal_parse(p, len, c->def.precision, c->def.scale, &vals[i]) != 0)
            return etlc_error_set(err, ETLC_DATA_TYPE, "column \"%s\" row %zu: value \"%.*s\" does "
                                  "not fit decimal128(%d,%d)", c->def.name, i + 1, (int)(len > 60 ? 60 : len),
                                  (const char *)p, c->def.precision, c->def.scale);
    }
    return 0;
}

static int column_fill(struct ArrowArray *a, const etlc_column *c, size_t n, etlc_error *err)
{
    col_block *cb = calloc(1, sizeof *cb);
    if (!cb)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory exporting column \"%s\"", c->def.name);
    etlc_type t = c->def.type;
    *a = (struct ArrowArray){.length = (int64_t)n, .null_count = (int64_t)c->null_count,
                             .n_buffers = 2, .buffers = cb->ptrs, .release = col_release,
                             .private_data = cb};
    int rc = 0;
    if (t == ETLC_TYPE_NULL) {
        a->n_buffers = 0;
        a->null_count = (int64_t)n;
        return 0;
    }
    if (validity(c, n, cb) != 0)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory exporting column \"%s\"", c->def.name);
    else if (t == ETLC_TYPE_DECIMAL && etlc__arrow_decimal128(&c->def))
        rc = decimal_values(c, n, cb, err);
    else if (t == ETLC_TYPE_TEXT || t == ETLC_TYPE_BYTES || t == ETLC_TYPE_DECIMAL || t == ETLC_TYPE_JSON) {
        a->n_buffers = 3;
        rc = var_values(c, n, cb, err);
    } else if (fixed_values(c, n, cb) != 0)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory exporting column \"%s\"", c->def.name);
    for (int i = 0; i < 3; i++)
        cb->ptrs[i] = cb->bufs[i];
    if (rc != 0)
        col_release(a);
    return rc;
}

int etlc__arrow_array(const etlc_batch *batch, struct ArrowArray *array, etlc_error *err)
{
    *array = (struct ArrowArray){.length = (int64_t)batch->nrows, .n_buffers = 1,
                                 .release = batch_release};
    array->buffers = calloc(1, sizeof *array->buffers); /* a struct's validity: none */
    array->children = calloc(batch->ncols + 1, sizeof *array->children);
    if (!array->buffers || !array->children) {
        batch_release(array);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory exporting an Arrow batch");
    }
    for (size_t i = 0; i < batch->ncols; i++) {
        struct ArrowArray *child = calloc(1, sizeof *child);
        int rc = child ? column_fill(child, &batch->cols[i], batch->nrows, err)
                       : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory exporting an Arrow batch");
        if (child)
            array->children[array->n_children++] = child;
        if (rc != 0) {
            batch_release(array);
            return rc;
        }
    }
    return 0;
}
