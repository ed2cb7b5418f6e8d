/* etlconn — the PostgreSQL data-warehouse destination ("dw").
 *
 * A connector named "dw" (options table with env prefix DW_) whose fetch
 * is unsupported: it is a destination. Open it like any connector
 * (etlc_connector_open / etlc_get_connection with protocol "dw"), health-
 * check it with etlc_connector_test, and load lake files into a table with
 * etlc_dw_load. See docs/dw.md for modes, types and guarantees.
 *
 * Threads: a dw connector holds one session: one etlc_dw_load (or test) at
 * a time per connector; open one connector per parallel load. A load
 * result is used by one thread. Cancel a load through opts.cancel: it is
 * rolled back (ETLC_CANCELLED) and nothing is changed. */
#ifndef ETLCONN_DW_H
#define ETLCONN_DW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connector.h"
#include "error.h"
#include "export.h"

ETLC_BEGIN_DECLS

/* Name of the journal table created in the target schema. */
#define ETLC_DW_JOURNAL_TABLE "etlconn_load_journal"

typedef enum etlc_dw_mode {
    ETLC_DW_APPEND = 0, /* add rows; files already journaled for the table are skipped */
    ETLC_DW_REPLACE,    /* build a new table from the files, swap it in at commit */
    ETLC_DW_MERGE       /* upsert on key columns (INSERT ... ON CONFLICT DO UPDATE) */
} etlc_dw_mode;

const char *etlc_dw_mode_name(etlc_dw_mode mode); /* "append", "replace", "merge" */
int etlc_dw_mode_parse(const char *name);          /* -1 if unknown */

/* Called after each batch is sent: rows and file bytes done so far. */
typedef void (*etlc_dw_progress_fn)(void *userdata, uint64_t rows, uint64_t bytes);

typedef struct etlc_dw_load_options {
    const char *table;            /* required; in the config's schema */
    etlc_dw_mode mode;
    const char *const *keys;      /* merge: key columns */
    size_t nkeys;
    size_t batch_rows;            /* rows per batch read from a file (any format); 0 = 10000 */
    etlc_dw_progress_fn progress; /* optional */
    void *progress_userdata;
    etlc_cancel *cancel;          /* optional: checked between batches; a requested token
                                     rolls the load back with ETLC_CANCELLED */
    bool force;                   /* load files the journal has for the table again (a deliberate
                                     reload); appended after cancel, zero = as before */
} etlc_dw_load_options;

typedef struct etlc_dw_file {
    char *path;
    char *format;       /* "parquet", "jsonl", "csv" */
    char sha256[65];
    int64_t bytes;
    int64_t rows;       /* rows sent (0 when skipped) */
    bool skipped;
    char *reason;       /* why skipped, NULL otherwise */
} etlc_dw_file;

typedef struct etlc_dw_load_result {
    char *schema, *table, *mode;
    bool created;          /* the table did not exist before (or replace built it) */
    size_t file_count;
    etlc_dw_file *files;
    size_t files_loaded, files_skipped;
    int64_t rows_loaded;   /* rows sent by COPY */
    int64_t rows_affected; /* merge: rows inserted or changed; else = rows_loaded */
    int64_t bytes_loaded;
    int64_t started_at_us, finished_at_us;
} etlc_dw_load_result;

/* Load PATHS (files, directories searched recursively for *.parquet,
 * *.jsonl and *.csv, or IngestionResult JSON files whose items are loaded)
 * into opts->table in ONE transaction: either everything (rows and journal
 * entries) is committed or nothing is. `dw` must be a "dw" connector.
 * Errors: CONFIG_* / INVALID_ARGUMENT for bad options, DATA_SCHEMA when a
 * file's column conflicts with the table (message names the column),
 * IO_* for unreadable files, QUERY/AUTH_DENIED/... from the server.
 * *result is set on success (free with etlc_dw_load_result_free). */
int etlc_dw_load(etlc_connector *dw, const char *const *paths, size_t npaths,
                 const etlc_dw_load_options *opts, etlc_dw_load_result **result, etlc_error *err);
void etlc_dw_load_result_free(etlc_dw_load_result *r);
/* {"protocol":"dw","schema","table","mode","status":"success","created",
 *  "files_loaded","files_skipped","rows_loaded","rows_affected","bytes_loaded",
 *  "started_at","finished_at","files":[{"path","format","sha256","bytes","rows",
 *  "skipped","reason"}]}; malloc'd. */
int etlc_dw_load_result_to_json(const etlc_dw_load_result *r, bool pretty, char **json,
                                etlc_error *err);

/* The destination's own health facts (also summarised by etlc_connector_test). */
typedef struct etlc_dw_status {
    char server_version[64];
    double latency_ms;
    bool schema_exists;
    bool can_create;  /* has_schema_privilege(schema, 'CREATE') */
    bool can_use;     /* has_schema_privilege(schema, 'USAGE') */
    char schema[64];
} etlc_dw_status;

int etlc_dw_status_get(etlc_connector *dw, etlc_dw_status *status, etlc_error *err);

ETLC_END_DECLS
#endif
