/* PostgreSQL data-warehouse destination internals. */
#ifndef ETLCONN_DW_INTERNAL_H
#define ETLCONN_DW_INTERNAL_H

#include <libpq-fe.h>

#include "connectors/pq_common/pq_common.h" /* conninfo builder, SQLSTATE mapping, type OIDs */
#include "core/internal.h"
#include "sinks/format_reader.h"

extern const etlc_option_table etlc__dw_options;
extern const etlc_connector_ops etlc_connector_dw;

typedef struct dw_ctx {
    const char **keys; /* libpq keywords/values (secrets zeroed at close) */
    char **values;
    int expand_dbname;
    PGconn *conn;      /* one connection: a load is one transaction */
    char *schema;
    char *database;
    size_t max_page_bytes; /* Parquet reader's page bound (option max_page_bytes) */
    bool flatten;          /* Parquet: top-level struct fields as columns (option flatten) */
} dw_ctx;

/* etlc_dw_load on the destination's context (the load capability's path). */
int etlc__dw_load(dw_ctx *ctx, const char *const *paths, size_t npaths,
                  const etlc_dw_load_options *opts, etlc_dw_load_result **result, etlc_error *err);
/* The load capability (dw_destination.c). */
extern const etlc_load_ops etlc__dw_load_ops;

/* ---- lake sources (dw_lake.c) ---------------------------------------------
 * s3:// sources are downloaded, file by file in 1 MiB pieces (bounded
 * memory), into a private temporary directory, since a load is one
 * transaction over all its files; local paths pass through. */
typedef struct dw_staged {
    char **paths;      /* what etlc__dw_load reads: local paths */
    size_t npaths;
    char *tmpdir;      /* NULL when nothing was downloaded */
    char **local;      /* downloaded file -> its lake URI, for the result */
    char **uri;
    size_t nlocal;
} dw_staged;
int etlc__dw_stage(const char *const *sources, size_t n, const struct etlc_lake_s3_options *s3,
                   dw_staged *st, etlc_error *err);
/* Report lake URIs instead of temporary paths in the result's files. */
int etlc__dw_unstage_paths(const dw_staged *st, etlc_dw_load_result *r);
/* Remove the temporary directory and free. */
void etlc__dw_staged_free(dw_staged *st);
/* Does the name end in .parquet, .jsonl or .csv? */
bool etlc__dw_loadable_name(const char *name);

/* A live connection (reconnects when the old one broke). */
int etlc__dw_conn(dw_ctx *ctx, PGconn **out, etlc_error *err);

/* ---- identifiers ---------------------------------------------------------- */
/* Append "name" with embedded quotes doubled. */
int etlc__dw_ident(etlc__buf *b, const char *name);
/* Append "schema"."table". */
int etlc__dw_qualified(etlc__buf *b, const char *schema, const char *table);

/* ---- type mapping and binary COPY encoding (dw_encode.c) ------------------- */
/* The PostgreSQL type created for an etlconn column ("bigint", "numeric(10,2)"...). */
void etlc__dw_pg_type(const etlc_column_def *def, char *buf, size_t bufsz);
/* Does a table column of type `oid` accept binary values of etlconn type t? */
bool etlc__dw_type_accepts(Oid oid, etlc_type t);
/* The same with a reader's etlc_type_hint (smallint, real, time, uuid,
 * interval, timestamp without time zone...). */
void etlc__dw_pg_type_hinted(const etlc_column_def *def, int hint, char *buf, size_t bufsz);
bool etlc__dw_type_accepts_hinted(Oid oid, etlc_type t, int hint);
#define DW_OID_INTERVAL 1186

typedef struct dw_encoder {
    size_t ncols;
    Oid *oids;         /* target column type per file column (jsonb needs a version byte) */
    etlc__buf out;
} dw_encoder;

/* Append the binary COPY header / one batch's tuples / the trailer to e->out. */
int etlc__dw_copy_header(dw_encoder *e);
int etlc__dw_encode_batch(dw_encoder *e, const etlc_batch *b, etlc_error *err);
int etlc__dw_copy_trailer(dw_encoder *e);
/* ---- the COPY reader thread (dw_copy_pipe.c) -------------------------------
 * Reads src and encodes its batches (then the trailer) into chunks of about
 * `chunk` bytes on a thread of its own; e->out may already hold the header. */
typedef struct dw_pipe dw_pipe;
int etlc__dw_pipe_start(etlc__format_reader *src, dw_encoder *e, size_t chunk, dw_pipe **out, etlc_error *err);
/* The next chunk and the rows it completes; *data stays valid until the next
 * call. *data NULL at the end; the reader's error, if it had one, is returned. */
int etlc__dw_pipe_next(dw_pipe *p, const char **data, size_t *len, uint64_t *rows, etlc_error *err);
/* Stops the reader if it still runs, waits for it and frees. */
void etlc__dw_pipe_free(dw_pipe *p);

/* Decimal text -> numeric binary; -1 if the text is not a decimal. */
int etlc__dw_numeric_binary(etlc__buf *out, const char *s, size_t len);

/* ---- file sources ----------------------------------------------------------
 * Files are read through the sinks' format readers (src/sinks/format_reader.h). */
typedef struct dw_input {
    char *path;
    const char *format; /* "parquet", "jsonl", "csv" (static) */
    char *columns;      /* "name:type,..." from an IngestionResult item, or NULL */
} dw_input;

/* A reader for one input, batches of at most batch_rows rows. */
int etlc__dw_input_open(const dw_input *in, size_t batch_rows, const dw_ctx *ctx, etlc__format_reader **out,
                        etlc_error *err);

/* Paths -> inputs (dw_files.c): files, directories (recursive, sorted), IngestionResult JSON. */
int etlc__dw_collect(const char *const *paths, size_t npaths, dw_input **inputs, size_t *ninputs,
                     etlc_error *err);
void etlc__dw_inputs_free(dw_input *inputs, size_t n);
/* SHA-256 of a whole file and its size. */
int etlc__dw_file_sha256(const char *path, char hex[65], int64_t *bytes, etlc_error *err);

#endif
