/* Column names as etlconn writes and reads them (#15 class 5).
 *
 * One rule, applied when a fetch lands batches and when a CSV header is
 * read: a leading UTF-8 byte-order mark is dropped, an empty name becomes
 * "column_<position>", and a name met again becomes "<name>_<k>" (k = 2, 3,
 * ... the first not taken). Every file then has unique, non-empty names
 * that load and Parquet readers accept.
 *
 * The "columns" metadata (result items, Parquet footer "etlconn.columns")
 * is "name:type,name:type": names percent-encode '%', ',', ':' and control
 * bytes (%XX), so any name survives. Names without those bytes read as
 * before; old metadata decodes the same unless a name held '%' followed by
 * two hex digits. */
#ifndef ETLCONN_SINKS_COLUMN_NAMES_H
#define ETLCONN_SINKS_COLUMN_NAMES_H

#include <stddef.h>

#include "core/internal.h"

/* Settle `n` names. *out is NULL when every name stands; else a malloc'd
 * array of n malloc'd names (free with etlc__column_names_free), and *note
 * (malloc'd) says what changed, for a warning. -1 out of memory. */
int etlc__column_names_settle(const char *const *names, size_t n, char ***out, char **note);
void etlc__column_names_free(char **names, size_t n);

/* Append `name` percent-encoded to `b`. */
int etlc__column_name_encode(etlc__buf *b, const char *name);
/* Decode [s, s+len) into a malloc'd name; NULL out of memory. */
char *etlc__column_name_decode(const char *s, size_t len);

#endif
