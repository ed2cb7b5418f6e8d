/* etlconn — reading lake files back into record batches (library-internal).
 *
 * Every format the sinks write has a reader beside its writer:
 * jsonl_read.c next to jsonl.c, csv_read.c next to csv.c, and the Parquet
 * reader behind parquet/parquet_read_adapter.c. One interface over them:
 * open a file (a local path, or a committed file of a lake through
 * etlc_lake_reader, so S3 objects are read with ranged GETs and no
 * temporary file), learn its columns, then read batches of at most
 * `batch_rows` rows. Memory is bounded by one batch (plus, for Parquet, one
 * row group's compressed column chunks).
 *
 * Internal (etlc__), not in include/etlconn/lake.h: its one user today is
 * the warehouse destination; embedders read Parquet through the public
 * etlc_parquet_reader. Making it public later is an addition, not a change.
 *
 * A reader is used by one thread at a time. */
#ifndef ETLCONN_FORMAT_READER_H
#define ETLCONN_FORMAT_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/internal.h"
#include "etlconn/lake.h"
#include "etlconn/record.h"

typedef struct etlc__format_reader etlc__format_reader;

#define ETLC_FORMAT_READER_DEFAULT_ROWS 10000

typedef struct etlc__format_reader_options {
    /* "jsonl", "csv" or "parquet"; NULL = from the file name's extension
     * (.jsonl/.ndjson, .csv, .parquet). */
    const char *format;
    /* Column types as a sink records them in an IngestionResult item's
     * "columns" metadata ("id:int64,name:text,..."), or NULL. JSONL and CSV
     * then read with those names and types (a CSV header must match them);
     * without them JSONL types are inferred and CSV columns are text.
     * Parquet files describe themselves: the hints are not used. */
    const char *columns;
    size_t batch_rows;        /* at most this many rows per batch; 0 = 10000 */
    /* What error messages call the file; NULL = the path (or the lake's
     * root joined with the relpath). Copied. */
    const char *display_name;
    /* Parquet: each field of a top-level struct is its own column
     * ("parent.field"), instead of the struct as one json column. */
    bool flatten;
} etlc__format_reader_options;

/* The format a file name's extension says, or NULL. */
const char *etlc__format_of_name(const char *name);

/* Open a local file. ETLC_UNSUPPORTED for an unknown format; errors of the
 * file's content are ETLC_DATA / ETLC_DATA_TYPE / ETLC_DATA_SCHEMA naming
 * the file and, for JSONL and CSV, the line. opts may be NULL. */
int etlc__format_reader_open_path(const char *path, const etlc__format_reader_options *opts,
                                  etlc__format_reader **out, etlc_error *err);
/* Open a committed file of a lake (local or S3). `lake` must outlive the
 * reader. */
int etlc__format_reader_open_lake(etlc_lake *lake, const char *relpath,
                                  const etlc__format_reader_options *opts,
                                  etlc__format_reader **out, etlc_error *err);

/* The format read ("jsonl", "csv", "parquet"). */
const char *etlc__format_reader_format(const etlc__format_reader *r);
/* The file's columns (borrowed, valid until free). */
size_t etlc__format_reader_columns(const etlc__format_reader *r, const etlc_column_def **defs);
/* Column col's etlc_type_hint (Parquet's finer types); NONE for the
 * text formats. */
int etlc__format_reader_hint(const etlc__format_reader *r, size_t col);
/* The Parquet memory bound (etlc_parquet_reader_set_max_page_bytes); 0 =
 * the default. No effect on the text formats. */
void etlc__format_reader_set_max_page_bytes(etlc__format_reader *r, size_t max_bytes);
/* The next batch (borrowed: valid until the next call or free); *batch is
 * NULL at the end of the file. */
int etlc__format_reader_next(etlc__format_reader *r, const etlc_batch **batch, etlc_error *err);
void etlc__format_reader_free(etlc__format_reader *r); /* NULL ok */

#endif
