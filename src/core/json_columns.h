/* etlconn — JSON objects as typed columns (internal): the inference the
 * http records, the stream messages in json mode and other JSON-shaped
 * sources share. Every key seen, in order of first appearance, typed by
 * its values: integers int64, numbers with a fraction double (an int64
 * column that meets one widens to double), bool, text, objects and arrays
 * JSON, a key whose values mix other kinds JSON, only nulls the NULL type a
 * later value may promote (docs/parquet.md's rule). */
#ifndef ETLCONN_CORE_JSON_COLUMNS_H
#define ETLCONN_CORE_JSON_COLUMNS_H

#include <jansson.h>

#include "etlconn/record.h"

typedef struct etlc__json_columns {
    etlc_column_def *cols;
    size_t ncols;
    bool fixed;       /* the caller's: columns may no longer change */
} etlc__json_columns;

void etlc__json_columns_free(etlc__json_columns *s);
/* The column type a JSON value asks for (ETLC_TYPE_NULL for null or absent). */
etlc_type etlc__json_kind(const json_t *v);
/* The type a column of type `have` takes on meeting a value of type `seen`:
 * NULL takes any, int64 and double make double, other mixes JSON. */
etlc_type etlc__json_merge_kind(etlc_type have, etlc_type seen);
/* Add the keys of object `rec` (new ones at the end) and widen the types. */
int etlc__json_columns_infer(etlc__json_columns *s, json_t *rec, etlc_error *err);
/* Index of column `key`, -1 if none. */
long etlc__json_columns_find(const etlc__json_columns *s, const char *key);
/* Append `v` (NULL: absent) to column `col` of `b`. A value whose kind the
 * column's type does not take is ETLC_DATA_SCHEMA, the message naming the
 * column and `where` ("record 3 of page 2"); `who` prefixes it ("http"). */
int etlc__json_append(etlc_batch *b, size_t col, json_t *v, const char *who, const char *where,
                      etlc_error *err);

#endif
