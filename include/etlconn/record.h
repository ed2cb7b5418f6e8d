/* etlconn — typed record batches.
 *
 * Record-shaped sources fill a batch row by row; sinks read it column by
 * column. A batch holds at most its capacity rows, so memory is bounded by
 * the batch size, not the result size.
 *
 * Threads: a batch is used by one thread at a time (a consumer may read a
 * batch only during its on_batch call). */
#ifndef ETLCONN_RECORD_H
#define ETLCONN_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"

ETLC_BEGIN_DECLS

typedef enum etlc_type {
    ETLC_TYPE_NULL = 0,   /* no non-null value seen yet; promoted by the first value */
    ETLC_TYPE_BOOL,
    ETLC_TYPE_INT64,
    ETLC_TYPE_DOUBLE,
    ETLC_TYPE_TEXT,       /* UTF-8 */
    ETLC_TYPE_BYTES,
    ETLC_TYPE_DATE,       /* days since 1970-01-01, int32 */
    ETLC_TYPE_TIMESTAMP,  /* microseconds since 1970-01-01T00:00:00Z, int64 */
    ETLC_TYPE_DECIMAL,    /* exact decimal as text, e.g. "-12.3400"; precision/scale in the column */
    ETLC_TYPE_JSON        /* JSON text */
} etlc_type;

#define ETLC_TYPE_COUNT 10

const char *etlc_type_name(etlc_type type); /* "null", "bool", "int64", ... */
int etlc_type_parse(const char *name);      /* -1 if unknown */

/* A finer reading of a column than its etlconn type, reported by a reader
 * that knows more (etlc_parquet_reader_column_hint). Values keep the
 * representation of the column's type; a warehouse uses the hint to choose
 * the column type. NONE for every column of other sources. */
typedef enum etlc_type_hint {
    ETLC_HINT_NONE = 0,
    ETLC_HINT_INT16,           /* INT64 values that fit int16 (smallint) */
    ETLC_HINT_INT32,           /* INT64 values that fit int32 (integer) */
    ETLC_HINT_FLOAT32,         /* DOUBLE values exact in float32 (real) */
    ETLC_HINT_TIME,            /* INT64 microseconds since midnight (time) */
    ETLC_HINT_TIMESTAMP_LOCAL, /* TIMESTAMP not adjusted to UTC (timestamp without time zone) */
    ETLC_HINT_UUID,            /* BYTES of 16 bytes (uuid) */
    ETLC_HINT_INTERVAL         /* BYTES of 16: int64 microseconds, int32 days, int32 months,
                                * host order (interval) */
} etlc_type_hint;

typedef struct etlc_column_def {
    char *name;
    etlc_type type;
    int precision; /* DECIMAL only; 0 = unknown */
    int scale;     /* DECIMAL only */
} etlc_column_def;

/* One column's storage. Fixed-width types use `fixed`; variable-width types
 * (TEXT, BYTES, DECIMAL, JSON) use offsets[nrows+1] into `data`.
 * nulls[i] != 0 marks row i NULL (its fixed slot is zero / its span empty). */
typedef struct etlc_column {
    etlc_column_def def;
    uint8_t *nulls;
    size_t null_count;
    union {
        uint8_t *b;    /* BOOL */
        int32_t *i32;  /* DATE */
        int64_t *i64;  /* INT64, TIMESTAMP */
        double *f64;   /* DOUBLE */
    } fixed;
    uint64_t *offsets;
    uint8_t *data;
    size_t data_len, data_cap;
    size_t count;      /* values appended in the current row set */
} etlc_column;

typedef struct etlc_batch {
    size_t ncols;
    etlc_column *cols;
    size_t nrows;      /* complete rows */
    size_t capacity;   /* rows the batch holds before it is full */
    uint64_t batch_index; /* 0, 1, 2 ... within one fetch */
} etlc_batch;

/* Create a batch with `ncols` columns named and typed by `defs` (copied). */
int etlc_batch_new(const etlc_column_def *defs, size_t ncols, size_t capacity, etlc_batch **out,
                   etlc_error *err);
void etlc_batch_free(etlc_batch *batch);
/* Drop the rows, keep columns, types and buffers (for the next batch). */
void etlc_batch_reset(etlc_batch *batch);
bool etlc_batch_full(const etlc_batch *batch);

/* Append one value to column `col` of the row being built. A NULL-typed
 * column takes the type of its first value; a value of another type than
 * the column's is ETLC_DATA_TYPE (the caller converts first). */
int etlc_batch_append_null(etlc_batch *b, size_t col, etlc_error *err);
int etlc_batch_append_bool(etlc_batch *b, size_t col, bool v, etlc_error *err);
int etlc_batch_append_int64(etlc_batch *b, size_t col, int64_t v, etlc_error *err);
int etlc_batch_append_double(etlc_batch *b, size_t col, double v, etlc_error *err);
int etlc_batch_append_date(etlc_batch *b, size_t col, int32_t days, etlc_error *err);
int etlc_batch_append_timestamp(etlc_batch *b, size_t col, int64_t micros, etlc_error *err);
/* TEXT, BYTES, DECIMAL or JSON, by `type`. */
int etlc_batch_append_var(etlc_batch *b, size_t col, etlc_type type, const void *data, size_t len,
                          etlc_error *err);
/* Close the row: every column must have exactly one new value. */
int etlc_batch_end_row(etlc_batch *b, etlc_error *err);

/* Readers. */
static inline bool etlc_column_is_null(const etlc_column *c, size_t row) { return c->nulls[row] != 0; }
static inline const uint8_t *etlc_column_var(const etlc_column *c, size_t row, size_t *len)
{
    *len = (size_t)(c->offsets[row + 1] - c->offsets[row]);
    return c->data + c->offsets[row];
}
/* Bytes held by the batch's buffers (for byte-size based cuts and memory checks). */
size_t etlc_batch_memory(const etlc_batch *b);

/* Civil-date helpers (proleptic Gregorian, UTC). */
int32_t etlc_days_from_civil(int64_t y, unsigned m, unsigned d);
void etlc_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* ISO-8601 text: "2024-01-31", "2024-01-31T12:34:56.123456Z". Buffers >= 40 bytes. */
void etlc_format_date(int32_t days, char *buf, size_t bufsz);
void etlc_format_timestamp(int64_t micros, char *buf, size_t bufsz);
/* Parse "YYYY-MM-DD[( |T)HH:MM[:SS[.ffffff]]][Z|±HH[:MM]]" (no zone = UTC). 0 on success. */
int etlc_parse_timestamp(const char *s, size_t len, int64_t *micros);
int etlc_parse_date(const char *s, size_t len, int32_t *days);

/* A consumer of batches: what a connector's fetch hands each full batch to.
 * Return 0 to continue, an etlc code to stop the fetch with that error. */
typedef struct etlc_batch_consumer {
    int (*on_batch)(void *userdata, const etlc_batch *batch, etlc_error *err);
    void *userdata;
} etlc_batch_consumer;

ETLC_END_DECLS
#endif
