/* Typed record batches: row-wise appends into column storage. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

/* The public batch plus how many rows the column buffers currently hold;
 * buffers grow by doubling up to the batch capacity. */
typedef struct batch_impl {
    etlc_batch pub;
    size_t row_alloc;
} batch_impl;

#define BATCH_INITIAL_ROWS 64

static const char *const type_names[ETLC_TYPE_COUNT] = {
    "null", "bool", "int64", "double", "text", "bytes", "date", "timestamp", "decimal", "json",
};

const char *etlc_type_name(etlc_type type)
{
    if ((unsigned)type >= ETLC_TYPE_COUNT)
        return "unknown";
    return type_names[type];
}

int etlc_type_parse(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < ETLC_TYPE_COUNT; i++)
        if (etlc__strcasecmp(name, type_names[i]) == 0)
            return i;
    return -1;
}

static bool type_is_var(etlc_type t)
{
    return t == ETLC_TYPE_TEXT || t == ETLC_TYPE_BYTES || t == ETLC_TYPE_DECIMAL ||
           t == ETLC_TYPE_JSON;
}

/* Bytes per fixed slot; 0 for var and NULL types. */
static size_t fixed_width(etlc_type t)
{
    switch (t) {
    case ETLC_TYPE_BOOL: return 1;
    case ETLC_TYPE_DATE: return 4;
    case ETLC_TYPE_INT64:
    case ETLC_TYPE_TIMESTAMP: return 8;
    case ETLC_TYPE_DOUBLE: return sizeof(double);
    default: return 0;
    }
}

/* All union members point at the same storage; `b` serves as the handle
 * (reading another member of the union afterwards is defined in C11). */
static void *fixed_get(const etlc_column *c) { return c->fixed.b; }
static void fixed_set(etlc_column *c, void *p) { c->fixed.b = p; }

static void column_free(etlc_column *c)
{
    free(c->def.name);
    free(c->nulls);
    free(fixed_get(c));
    free(c->offsets);
    free(c->data);
    memset(c, 0, sizeof *c);
}

/* Allocate (zeroed) type storage for `rows` rows; used at creation and when
 * a NULL column is promoted. Earlier rows read as zero / empty spans. */
static int column_alloc_storage(etlc_column *c, size_t rows)
{
    size_t w = fixed_width(c->def.type);
    if (w) {
        void *p = calloc(rows, w);
        if (!p)
            return -1;
        fixed_set(c, p);
    } else if (type_is_var(c->def.type)) {
        c->offsets = calloc(rows + 1, sizeof *c->offsets);
        if (!c->offsets)
            return -1;
        /* A data buffer always exists so readers never offset a NULL pointer. */
        if (!c->data) {
            c->data = malloc(64);
            if (!c->data)
                return -1;
            c->data_cap = 64;
        }
    }
    return 0;
}

/* Grow every column's row buffers to `rows`. On failure some columns may
 * have grown already; that is harmless since row_alloc is not raised. */
static int batch_grow_rows(batch_impl *bi, size_t rows)
{
    etlc_batch *b = &bi->pub;
    for (size_t i = 0; i < b->ncols; i++) {
        etlc_column *c = &b->cols[i];
        uint8_t *n = realloc(c->nulls, rows);
        if (!n)
            return -1;
        c->nulls = n;
        size_t w = fixed_width(c->def.type);
        if (w && fixed_get(c)) {
            void *p = realloc(fixed_get(c), rows * w);
            if (!p)
                return -1;
            fixed_set(c, p);
        } else if (c->offsets) {
            uint64_t *o = realloc(c->offsets, (rows + 1) * sizeof *o);
            if (!o)
                return -1;
            c->offsets = o;
        }
    }
    bi->row_alloc = rows;
    return 0;
}

int etlc_batch_new(const etlc_column_def *defs, size_t ncols, size_t capacity, etlc_batch **out,
                   etlc_error *err)
{
    *out = NULL;
    if ((!defs && ncols) || capacity == 0)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "record batch needs column definitions and a capacity > 0 "
                              "(got %zu columns, capacity %zu)", ncols, capacity);
    for (size_t i = 0; i < ncols; i++)
        if ((unsigned)defs[i].type >= ETLC_TYPE_COUNT || !defs[i].name)
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                                  "record batch column %zu has no name or an unknown type (%d)", i,
                                  (int)defs[i].type);
    batch_impl *bi = calloc(1, sizeof *bi);
    if (!bi)
        goto nomem;
    etlc_batch *b = &bi->pub;
    b->capacity = capacity;
    if (ncols) {
        b->cols = calloc(ncols, sizeof *b->cols);
        if (!b->cols)
            goto nomem;
    }
    b->ncols = ncols;
    size_t rows = capacity < BATCH_INITIAL_ROWS ? capacity : BATCH_INITIAL_ROWS;
    for (size_t i = 0; i < ncols; i++) {
        etlc_column *c = &b->cols[i];
        c->def = defs[i];
        c->def.name = etlc__strdup(defs[i].name);
        if (!c->def.name)
            goto nomem;
        c->nulls = calloc(rows, 1);
        if (!c->nulls || column_alloc_storage(c, rows) != 0)
            goto nomem;
    }
    bi->row_alloc = rows;
    *out = b;
    return 0;
nomem:
    if (bi)
        etlc_batch_free(&bi->pub);
    return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating a record batch of %zu columns",
                          ncols);
}

void etlc_batch_free(etlc_batch *b)
{
    if (!b)
        return;
    if (b->cols)
        for (size_t i = 0; i < b->ncols; i++)
            column_free(&b->cols[i]);
    free(b->cols);
    free((batch_impl *)b);
}

void etlc_batch_reset(etlc_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->ncols; i++) {
        etlc_column *c = &b->cols[i];
        c->count = 0;
        c->null_count = 0;
        c->data_len = 0;
        if (c->offsets)
            c->offsets[0] = 0;
    }
    b->nrows = 0;
}

bool etlc_batch_full(const etlc_batch *b) { return b->nrows >= b->capacity; }

size_t etlc_batch_memory(const etlc_batch *b)
{
    const batch_impl *bi = (const batch_impl *)b;
    size_t total = sizeof *bi + b->ncols * sizeof *b->cols;
    for (size_t i = 0; i < b->ncols; i++) {
        const etlc_column *c = &b->cols[i];
        total += bi->row_alloc; /* nulls */
        if (c->fixed.b)
            total += bi->row_alloc * (etlc__column_scaled(c) ? sizeof(etlc__i128) : fixed_width(c->def.type));
        if (c->offsets)
            total += (bi->row_alloc + 1) * sizeof *c->offsets;
        total += c->data_cap + (c->def.name ? strlen(c->def.name) + 1 : 0);
    }
    return total;
}

/* Checks shared by every append: column index, batch not full, one value
 * per column per row, type agreement (promoting a NULL column). `type` is
 * ETLC_TYPE_NULL for a NULL value. Returns the column or NULL with err set. */
static etlc_column *prepare_append(etlc_batch *b, size_t col, etlc_type type, int *rc,
                                   etlc_error *err)
{
    batch_impl *bi = (batch_impl *)b;
    if (col >= b->ncols) {
        *rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                             "record batch has %zu columns; no column index %zu", b->ncols, col);
        return NULL;
    }
    etlc_column *c = &b->cols[col];
    size_t row = b->nrows;
    if (row >= b->capacity) {
        *rc = etlc_error_set(err, ETLC_INTERNAL,
                             "record batch is full (%zu rows); value for column '%s' not added",
                             b->capacity, c->def.name);
        return NULL;
    }
    if (c->count != row) {
        *rc = etlc_error_set(err, ETLC_INTERNAL,
                             "column '%s' already has a value for row %zu", c->def.name, row);
        return NULL;
    }
    if (type != ETLC_TYPE_NULL && c->def.type != type) {
        if (c->def.type != ETLC_TYPE_NULL) {
            *rc = etlc_error_set(err, ETLC_DATA_TYPE,
                                 "column '%s' is %s but the value at row %zu is %s", c->def.name,
                                 etlc_type_name(c->def.type), row, etlc_type_name(type));
            return NULL;
        }
        c->def.type = type;
        if (column_alloc_storage(c, bi->row_alloc) != 0) {
            free(c->offsets);
            c->offsets = NULL;
            c->def.type = ETLC_TYPE_NULL;
            *rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory promoting column '%s' to %s",
                                 c->def.name, etlc_type_name(type));
            return NULL;
        }
        /* Rows appended while the column was NULL-typed have empty spans. */
        if (c->offsets)
            for (size_t r = 0; r <= row; r++)
                c->offsets[r] = 0;
    }
    if (row >= bi->row_alloc) {
        size_t rows = bi->row_alloc * 2;
        if (rows > b->capacity || rows < bi->row_alloc)
            rows = b->capacity;
        if (batch_grow_rows(bi, rows) != 0) {
            *rc = etlc_error_set(err, ETLC_NO_MEMORY,
                                 "out of memory growing a record batch to %zu rows", rows);
            return NULL;
        }
    }
    return c;
}

static void finish_fixed(etlc_column *c, size_t row)
{
    c->nulls[row] = 0;
    c->count++;
}

int etlc_batch_append_null(etlc_batch *b, size_t col, etlc_error *err)
{
    int rc = 0;
    etlc_column *c = prepare_append(b, col, ETLC_TYPE_NULL, &rc, err);
    if (!c)
        return rc;
    size_t row = b->nrows;
    size_t w = fixed_width(c->def.type);
    if (w)
        memset((uint8_t *)c->fixed.b + row * w, 0, w);
    else if (c->offsets)
        c->offsets[row + 1] = c->offsets[row];
    c->nulls[row] = 1;
    c->null_count++;
    c->count++;
    return 0;
}

int etlc_batch_append_bool(etlc_batch *b, size_t col, bool v, etlc_error *err)
{
    int rc = 0;
    etlc_column *c = prepare_append(b, col, ETLC_TYPE_BOOL, &rc, err);
    if (!c)
        return rc;
    c->fixed.b[b->nrows] = v ? 1 : 0;
    finish_fixed(c, b->nrows);
    return 0;
}

int etlc_batch_append_int64(etlc_batch *b, size_t col, int64_t v, etlc_error *err)
{
    int rc = 0;
    etlc_column *c = prepare_append(b, col, ETLC_TYPE_INT64, &rc, err);
    if (!c)
        return rc;
    c->fixed.i64[b->nrows] = v;
    finish_fixed(c, b->nrows);
    return 0;
}

int etlc_batch_append_double(etlc_batch *b, size_t col, double v, etlc_error *err)
{
    int rc = 0;
    etlc_column *c = prepare_append(b, col, ETLC_TYPE_DOUBLE, &rc, err);
    if (!c)
        return rc;
    c->fixed.f64[b->nrows] = v;
    finish_fixed(c, b->nrows);
    return 0;
}

int etlc_batch_append_date(etlc_batch *b, size_t col, int32_t days, etlc_error *err)
{
    int rc = 0;
    etlc_column *c = prepare_append(b, col, ETLC_TYPE_DATE, &rc, err);
    if (!c)
        return rc;
    c->fixed.i32[b->nrows] = days;
    finish_fixed(c, b->nrows);
    return 0;
}

int etlc_batch_append_timestamp(etlc_batch *b, size_t col, int64_t micros, etlc_error *err)
{
    int rc = 0;
    etlc_column *c = prepare_append(b, col, ETLC_TYPE_TIMESTAMP, &rc, err);
    if (!c)
        return rc;
    c->fixed.i64[b->nrows] = micros;
    finish_fixed(c, b->nrows);
    return 0;
}

int etlc_batch_append_var(etlc_batch *b, size_t col, etlc_type type, const void *data, size_t len,
                          etlc_error *err)
{
    if (!type_is_var(type))
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "etlc_batch_append_var takes text, bytes, decimal or json, not %s",
                              etlc_type_name(type));
    if (!data && len)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "NULL data with length %zu", len);
    int rc = 0;
    etlc_column *c = prepare_append(b, col, type, &rc, err);
    if (!c)
        return rc;
    if (c->data_len + len + 1 > c->data_cap) {
        size_t cap = c->data_cap ? c->data_cap : 256;
        while (cap < c->data_len + len + 1)
            cap *= 2;
        uint8_t *p = realloc(c->data, cap);
        if (!p)
            return etlc_error_set(err, ETLC_NO_MEMORY,
                                  "out of memory storing a %zu-byte value in column '%s'", len,
                                  c->def.name);
        c->data = p;
        c->data_cap = cap;
    }
    if (len)
        memcpy(c->data + c->data_len, data, len);
    c->data_len += len;
    size_t row = b->nrows;
    c->offsets[row + 1] = c->offsets[row] + len;
    c->nulls[row] = 0;
    c->count++;
    return 0;
}

int etlc_batch_end_row(etlc_batch *b, etlc_error *err)
{
    for (size_t i = 0; i < b->ncols; i++) {
        const etlc_column *c = &b->cols[i];
        if (c->count != b->nrows + 1)
            return etlc_error_set(err, ETLC_INTERNAL,
                                  "column '%s' has no value for row %zu; every column needs "
                                  "exactly one value per row",
                                  c->def.name, b->nrows);
    }
    if (b->nrows >= b->capacity)
        return etlc_error_set(err, ETLC_INTERNAL, "record batch is full (%zu rows)", b->capacity);
    b->nrows++;
    return 0;
}

int etlc__batch_reserve_capacity(etlc_batch *b, etlc_error *err)
{
    batch_impl *bi = (batch_impl *)b;
    for (size_t i = 0; i < b->ncols; i++)
        if (b->cols[i].def.type == ETLC_TYPE_NULL)
            return etlc_error_set(err, ETLC_INTERNAL, "column '%s' has no type; direct writes need "
                                  "typed columns", b->cols[i].def.name);
    if (bi->row_alloc < b->capacity && batch_grow_rows(bi, b->capacity) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory growing a record batch to %zu rows",
                              b->capacity);
    return 0;
}

int etlc__batch_put_var(etlc_batch *b, size_t col, const void *data, size_t len)
{
    etlc_column *c = &b->cols[col];
    if (c->data_len + len + 1 > c->data_cap) {
        size_t cap = c->data_cap ? c->data_cap : 256;
        while (cap < c->data_len + len + 1)
            cap *= 2;
        uint8_t *p = realloc(c->data, cap);
        if (!p)
            return -1;
        c->data = p;
        c->data_cap = cap;
    }
    size_t row = b->nrows;
    if (len)
        memcpy(c->data + c->data_len, data, len);
    c->data_len += len;
    c->offsets[row + 1] = c->offsets[row] + len;
    c->nulls[row] = 0;
    c->count++;
    return 0;
}

void etlc__batch_abort_row(etlc_batch *b, const etlc_type *types_before)
{
    size_t row = b->nrows;
    for (size_t i = 0; i < b->ncols; i++) {
        etlc_column *c = &b->cols[i];
        if (c->count != row + 1)
            continue;
        c->count = row;
        c->null_count -= c->nulls[row] != 0;
        c->nulls[row] = 0;
        if (c->offsets)
            c->data_len = (size_t)c->offsets[row];
        if (types_before && types_before[i] == ETLC_TYPE_NULL && c->def.type != ETLC_TYPE_NULL) {
            free(fixed_get(c)); /* promoted by this row: storage as before it */
            fixed_set(c, NULL);
            free(c->offsets);
            c->offsets = NULL;
            c->data_len = 0;
            c->def.type = ETLC_TYPE_NULL;
        }
    }
}

int etlc_batch_flush(etlc_batch *batch, etlc_batch_consumer consumer, bool final, etlc_error *err)
{
    /* The last (possibly empty) batch always goes out: an empty result
     * still tells the sink the schema. */
    if (final ? !(batch->nrows > 0 || batch->batch_index == 0) : !etlc_batch_full(batch))
        return 0;
    int rc = consumer.on_batch(consumer.userdata, batch, err);
    uint64_t next = batch->batch_index + 1;
    etlc_batch_reset(batch);
    batch->batch_index = next;
    return rc;
}

int etlc__batch_use_scaled(etlc_batch *b, size_t col, bool on)
{
    etlc_column *c = &b->cols[col];
    if (!on) {
        free(fixed_get(c));
        fixed_set(c, NULL);
        return 0;
    }
    if (c->fixed.b)
        return 0; /* kept across resets */
    void *p = calloc(b->capacity ? b->capacity : 1, sizeof(etlc__i128));
    if (!p)
        return -1;
    fixed_set(c, p);
    return 0;
}

size_t etlc__scaled_text(etlc__i128 v, int scale, char *buf)
{
    char digits[48];
    int n = 0;
    etlc__u128 u = v < 0 ? (etlc__u128)0 - (etlc__u128)v : (etlc__u128)v;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    while (n <= scale && n < 46)
        digits[n++] = '0'; /* a 0 before the point */
    size_t k = 0;
    if (v < 0)
        buf[k++] = '-';
    for (int i = n - 1; i >= 0; i--) {
        buf[k++] = digits[i];
        if (i == scale && scale > 0)
            buf[k++] = '.';
    }
    buf[k] = '\0';
    return k;
}
