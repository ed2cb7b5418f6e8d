/* etlconn — Parquet writer and footer inspector.
 *
 * A streaming writer: batches go in, Parquet bytes come out through a write
 * callback. Memory is bounded by one row group (its encoded, compressed
 * pages are buffered per column chunk and written when the row group's
 * uncompressed size passes the limit). Every column is OPTIONAL; schema rules
 * across batches are described in docs/parquet.md.
 *
 * Threads: a writer or reader is used by one thread at a time; different
 * ones may run in parallel. A writer may compress its pages on worker
 * threads of its own (etlc_parquet_options.threads). */
#ifndef ETLCONN_PARQUET_H
#define ETLCONN_PARQUET_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"
#include "record.h"
#include "result.h"

ETLC_BEGIN_DECLS

typedef enum etlc_parquet_codec {
    ETLC_PARQUET_ZSTD = 0, /* default */
    ETLC_PARQUET_SNAPPY,
    ETLC_PARQUET_GZIP,
    ETLC_PARQUET_NONE
} etlc_parquet_codec;

/* "zstd", "snappy", "gzip", "none" (NULL or "" = zstd). 0 or ETLC_CONFIG_RANGE. */
int etlc_parquet_codec_parse(const char *name, etlc_parquet_codec *out, etlc_error *err);
const char *etlc_parquet_codec_name(etlc_parquet_codec codec);
/* Is `level` a compression level of `codec`? 0 (the codec's default) always
 * is; zstd takes 1..22, gzip 1..9, snappy and none take none.
 * 0 or ETLC_CONFIG_RANGE with a message naming the level and the codec. */
int etlc_parquet_level_check(etlc_parquet_codec codec, int level, etlc_error *err);

#define ETLC_PARQUET_DEFAULT_ROW_GROUP_BYTES (64 * 1024 * 1024)
#define ETLC_PARQUET_DEFAULT_PAGE_BYTES (1024 * 1024)
#define ETLC_PARQUET_DEFAULT_DICTIONARY_BYTES (1024 * 1024)

typedef struct etlc_parquet_options {
    etlc_parquet_codec compression;
    int compression_level;     /* 0 = codec default (zstd 1, gzip 6) */
    int64_t row_group_bytes;   /* uncompressed bytes per row group; 0 = 64 MiB */
    int64_t page_bytes;        /* 0 = 1 MiB */
    int64_t dictionary_bytes;  /* dictionary size before PLAIN fallback; 0 = 1 MiB, <0 = never */
    const etlc_meta *metadata; /* extra key/value pairs for the footer (copied); NULL ok */
    /* Optional schema used when no batch is ever written (an empty result
     * still gets its columns). Copied. NULL/0 = none. */
    const etlc_column_def *schema;
    size_t schema_ncols;
    /* Threads compressing pages while the caller's thread encodes: 0 = one
     * per online CPU, 1 = none (everything on the caller's thread). At most
     * one per column. The file's bytes do not depend on it. */
    int threads;
} etlc_parquet_options;

/* Receives the file's bytes in order. Return 0 or an etlc code (and fill err). */
typedef int (*etlc_parquet_write_fn)(void *userdata, const void *data, size_t len,
                                     etlc_error *err);

typedef struct etlc_parquet_writer etlc_parquet_writer;

typedef struct etlc_parquet_stats {
    int64_t rows;
    int64_t row_groups;
    uint64_t bytes; /* file size */
} etlc_parquet_stats;

/* opts may be NULL (all defaults). Writes the leading magic through `write`. */
int etlc_parquet_writer_open(etlc_parquet_write_fn write, void *userdata,
                             const etlc_parquet_options *opts, etlc_parquet_writer **out,
                             etlc_error *err);
/* Encode a batch. The first batch fixes the column names and types; see
 * docs/parquet.md for the promotion rule. Empty or repeated column names
 * are refused (ETLC_DATA_SCHEMA): Parquet readers cannot read them. On ETLC_DATA_SCHEMA / ETLC_DATA_TYPE
 * nothing of the batch was written and the writer stays usable; any other
 * error makes the writer unusable. */
int etlc_parquet_writer_write(etlc_parquet_writer *w, const etlc_batch *batch, etlc_error *err);
/* Flush the last row group and write the footer. stats may be NULL. */
/* Add or replace a footer key/value pair (any time before close). */
int etlc_parquet_writer_set_meta(etlc_parquet_writer *w, const char *key, const char *value,
                                 etlc_error *err);
int etlc_parquet_writer_close(etlc_parquet_writer *w, etlc_parquet_stats *stats, etlc_error *err);
/* NULL ok. */
void etlc_parquet_writer_free(etlc_parquet_writer *w);

/* Read a Parquet file's footer (whole file in memory, or a path) and render
 * it as JSON: {"num_rows", "created_by", "key_value_metadata", "schema": [...],
 * "row_groups": [{"num_rows", "columns": [{"path", "statistics": {...}}]}]}.
 * *json is malloc'd. ETLC_DATA for a malformed file. */
int etlc_parquet_inspect(const void *file_bytes, size_t len, char **json, etlc_error *err);
int etlc_parquet_inspect_file(const char *path, char **json, etlc_error *err);

/* ---- reader ----------------------------------------------------------------
 * Reads the files current writers produce (pyarrow, DuckDB, polars,
 * parquet-mr, fastparquet, ours): data pages v1 and v2, every encoding
 * and codec of the format, one row group at a time. Flat leaves are
 * columns; each top-level group or repeated field (list, struct, map) is
 * one json column. Types map as the
 * table in docs/parquet.md says; columns whose PostgreSQL type is finer
 * than their etlconn type report an etlc_type_hint. A value that cannot be
 * kept exactly (a nanosecond with sub-microsecond digits) is
 * ETLC_DATA_TYPE; a feature not read is ETLC_UNSUPPORTED naming it in
 * words; a malformed file ETLC_DATA. */
typedef struct etlc_parquet_reader etlc_parquet_reader;

int etlc_parquet_reader_open(const char *path, etlc_parquet_reader **out, etlc_error *err);
/* `data` is borrowed and must outlive the reader. */
int etlc_parquet_reader_open_memory(const void *data, size_t len, etlc_parquet_reader **out,
                                    etlc_error *err);
/* The file's columns (borrowed, valid until free). */
size_t etlc_parquet_reader_columns(const etlc_parquet_reader *r, const etlc_column_def **defs);
int64_t etlc_parquet_reader_num_rows(const etlc_parquet_reader *r);
/* The memory bound: a page (or dictionary) that decodes to more than
 * max_bytes is refused with a message naming the bound. 0 = the default,
 * ETLC_PARQUET_MAX_PAGE_BYTES_DEFAULT (1 GiB, the most a Parquet page
 * header can describe is 2 GiB). Applies to pages read after the call. */
#define ETLC_PARQUET_MAX_PAGE_BYTES_DEFAULT ((size_t)1 << 30)
void etlc_parquet_reader_set_max_page_bytes(etlc_parquet_reader *r, size_t max_bytes);
/* Column col's finer type (an etlc_type_hint): unsigned 8/16-bit -> INT16 /
 * INT32, float32 and float16 -> FLOAT32, TIME -> TIME, a timestamp not
 * adjusted to UTC -> TIMESTAMP_LOCAL, UUID, INTERVAL; else NONE. */
int etlc_parquet_reader_column_hint(const etlc_parquet_reader *r, size_t col);
/* The next row group as a batch (borrowed: valid until the next call or
 * free); *batch is NULL after the last one. */
int etlc_parquet_reader_next(etlc_parquet_reader *r, const etlc_batch **batch, etlc_error *err);
void etlc_parquet_reader_free(etlc_parquet_reader *r); /* NULL ok */

ETLC_END_DECLS
#endif
