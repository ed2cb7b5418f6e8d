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

#include "core/json_scan.h"
#include "etlconn/record.h"

typedef struct etlc__json_columns {
    etlc_column_def *cols;
    size_t ncols;
    bool fixed;       /* the caller's: columns may no longer change */
    /* for the scanner's path (json_columns_scan.c) */
    size_t *lens;     /* of each name */
    uint64_t *stamp;  /* the object that last had the column (duplicate keys) */
    uint64_t object_no;
    size_t hint;      /* where the next key is looked for first */
    etlc_type *saved; /* types before the object being inferred, to roll back */
} etlc__json_columns;

void etlc__json_columns_free(etlc__json_columns *s);
/* The column type a JSON value asks for (ETLC_TYPE_NULL for null or absent). */
etlc_type etlc__json_kind(const json_t *v);
/* The type a column of type `have` takes on meeting a value of type `seen`:
 * NULL takes any, int64 and double make double, other mixes JSON. */
etlc_type etlc__json_merge_kind(etlc_type have, etlc_type seen);
/* Add the keys of object `rec` (new ones at the end) and widen the types. */
int etlc__json_columns_infer(etlc__json_columns *s, json_t *rec, etlc_error *err);
/* Add column key[0..klen) of type t at the end: 0, or -1 without memory. */
int etlc__json_columns_add(etlc__json_columns *s, const char *key, size_t klen, etlc_type t);
/* Index of column `key`, -1 if none. */
long etlc__json_columns_find(const etlc__json_columns *s, const char *key);
/* Append `v` (NULL: absent) to column `col` of `b`. A value whose kind the
 * column's type does not take is ETLC_DATA_SCHEMA, the message naming the
 * column and `where` ("record 3 of page 2"); `who` prefixes it ("http"). */
int etlc__json_append(etlc_batch *b, size_t col, json_t *v, const char *who, const char *where,
                      etlc_error *err);

/* ---- the same without a DOM, from JSON text (json_columns_scan.c) ---- */

/* The column type a scanned value asks for. */
etlc_type etlc__jval_type(const etlc__jval *v);
/* Infer from the object `text` as etlc__json_columns_infer would from its
 * DOM: 0; ETLC__JSCAN_BAD when the text is not an object jansson accepts or
 * has a duplicate key (nothing inferred: the caller takes the DOM path);
 * or an etlc code with err set. sc is a scanner reused across calls. */
int etlc__json_columns_infer_text(etlc__json_columns *s, etlc__jscan *sc, const void *text,
                                  size_t len, etlc_error *err);
/* Index of column key[0..klen), -1 if none (s->hint first: keys tend to
 * come in the same order object after object). */
long etlc__json_columns_lookup(etlc__json_columns *s, const char *key, size_t klen);
/* etlc__json_append for a scanned value. */
int etlc__json_append_scanned(etlc_batch *b, size_t col, const etlc__jval *v, const char *who,
                              const char *where, etlc_error *err);
/* One row of `b` from the object `text` (a valid object; columns of s are
 * b's first s->ncols columns); absent columns NULL; the row is not ended.
 * ETLC__JSCAN_BAD (err not set) for a key that is no column or comes
 * twice: the row is then half built. `watch` (may be NULL) names a key
 * whose value's span goes to *watched (raw NULL when absent). */
int etlc__json_append_text(etlc_batch *b, etlc__json_columns *s, etlc__jscan *sc,
                           const void *text, size_t len, const char *who, const char *where,
                           const char *watch, etlc__jval *watched, etlc_error *err);

#endif
