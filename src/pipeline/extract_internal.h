/* Incremental extraction internals shared by src/pipeline/extract*.c. */
#ifndef ETLCONN_EXTRACT_INTERNAL_H
#define ETLCONN_EXTRACT_INTERNAL_H

#include <jansson.h>

#include <pthread.h>

#include "core/internal.h"
#include "pipeline/run.h"

#define EXT_MAX_CURSOR_COLS 9 /* watermark + up to 8 key columns */

/* Where the next read starts. */
typedef enum ext_cursor_kind {
    EXT_CURSOR_NONE = 0,   /* from the beginning */
    EXT_CURSOR_AFTER_ROW,  /* (wm, key...) > (v0, v1...) */
    EXT_CURSOR_AFTER_VALUE,/* wm > v0 (everything <= v0 was read) */
    EXT_CURSOR_FROM_VALUE  /* wm >= v0 (--initial) */
} ext_cursor_kind;

typedef struct ext_cursor {
    ext_cursor_kind kind;
    size_t n;                              /* values used */
    etlc_value v[EXT_MAX_CURSOR_COLS];     /* owned */
} ext_cursor;

void etlc__ext_cursor_clear(ext_cursor *c);
int etlc__ext_cursor_copy(ext_cursor *dst, const ext_cursor *src, etlc_error *err);
int etlc__ext_value_copy(etlc_value *dst, const etlc_value *src, etlc_error *err);

/* The SQL pieces of one extraction (extract_sql.c). */
typedef struct ext_plan {
    const etlc_sql_ops *sql;
    char *relation;          /* "\"t\"" or "(query)" */
    size_t ncur;             /* cursor columns: watermark (if any) then keys */
    bool has_watermark;
    char *cur[EXT_MAX_CURSOR_COLS]; /* etlc_src."col" */
    char *part;              /* etlc_src."partition col" or NULL */
} ext_plan;

int etlc__ext_plan_build(const etlc_sql_ops *sql, const etlc_extract_options *o, ext_plan *p, etlc_error *err);
void etlc__ext_plan_free(ext_plan *p);

/* A slice of the partition column. */
typedef struct ext_slice {
    /* BLOCKS: PostgreSQL heap blocks lo <= block < hi of the table (ctid), no partition column */
    enum { EXT_SLICE_ALL = 0, EXT_SLICE_RANGE, EXT_SLICE_MODULO, EXT_SLICE_BLOCKS } kind;
    bool has_lo, has_hi;     /* RANGE: lo <= p < hi; no lo also takes NULLs */
    int64_t lo, hi;
    unsigned index, count;   /* MODULO: ((p % count) + count) % count = index; NULLs in 0 */
} ext_slice;

/* A statement with its parameters (borrowing the values it was built from). */
typedef struct ext_stmt {
    etlc__buf sql;
    etlc_param params[2 * EXT_MAX_CURSOR_COLS * EXT_MAX_CURSOR_COLS + 8];
    size_t nparams;
} ext_stmt;

void etlc__ext_stmt_free(ext_stmt *s);
/* SELECT etlc_src.*, raw(cursor cols) FROM rel AS etlc_src WHERE cursor AND wm <= upper AND slice
 * ORDER BY cursor cols LIMIT limit (limit 0: no LIMIT). upper NULL: no upper bound. */
int etlc__ext_page_sql(const ext_plan *p, const ext_cursor *from, const etlc_value *upper,
                       const ext_slice *slice, size_t limit, ext_stmt *st, etlc_error *err);
/* SELECT raw(AGG(col)) FROM rel AS etlc_src; agg "MAX"/"MIN". */
int etlc__ext_agg_sql(const ext_plan *p, const char *agg, const char *col, ext_stmt *st, etlc_error *err);
/* SELECT raw(MIN(col)), raw(MAX(col)) FROM rel AS etlc_src: one scan (or two index probes). */
int etlc__ext_minmax_sql(const ext_plan *p, const char *col, ext_stmt *st, etlc_error *err);

/* Subtract the lag spec from the upper bound, keeping its representation
 * (extract_lag.c). */
int etlc__ext_apply_lag(const etlc_value *upper, const char *lag, etlc_value *out, etlc_error *err);
/* "5m" -> 300000 ms (1); "12.5" -> value (0); -1 not a lag; -2 too large. */
int etlc__ext_parse_lag(const char *lag, int64_t *ms, double *value);
/* The INVALID_ARGUMENT for a parse_lag answer below 0. */
int etlc__ext_lag_error(const char *lag, int kind, etlc_error *err);

/* JSON forms of values and cursors (extract_state.c). */
json_t *etlc__ext_value_json(const etlc_value *v);
int etlc__ext_value_from_json(const json_t *j, etlc_value *v, etlc_error *err);
json_t *etlc__ext_cursor_json(const ext_cursor *c);
int etlc__ext_cursor_from_json(const json_t *j, ext_cursor *c, etlc_error *err);
/* Canonical text of a JSON value (sorted keys, compact), malloc'd. */
char *etlc__ext_json_text(const json_t *j);

/* ---- one extraction, in phases ------------------------------------------
 * etlc_extract (extract.c) drives them in this order on one run object:
 *   plan        the definition, the checkpoint (hold + position), the start
 *               cursor, whether an interrupted run is resumed (extract_plan.c)
 *   snapshot    one read snapshot, the upper bound, the run id (extract_snapshot.c)
 *   intent      the run's intent, durable before anything lands (extract_checkpoint.c)
 *   read        the slices, in parallel sessions, into sinks (extract_read.c)
 *   commit      every sink's files, then the end cursor (extract_commit.c)
 *   checkpoint  the new position, after the files (extract_checkpoint.c)
 * A failure in any phase ends the run: run_end withdraws committed files. */

typedef struct ext_part ext_part;

typedef struct ext_job {
    etlc__run *run;
    etlc_connector *c;
    const etlc_sql_ops *sql;
    const etlc_extract_options *o;
    ext_plan plan;
    etlc_sink_options sopts;
    char def_hash[17];
    char run_id[17];
    ext_cursor start;         /* where this run starts */
    char *start_text;         /* its canonical JSON (names the run, matches an intent) */
    etlc_value upper;         /* type NULL: no bound (no watermark, or an empty table) */
    bool resume;              /* an interrupted run's bound and names are reused */
    int64_t runs;             /* committed runs before this one */
    unsigned nparts;
    ext_part *parts;
    void *main_snap;
    char token[ETLC_SQL_TOKEN_MAX];
    size_t batch;
    ext_cursor end;           /* where the next run starts (after commit) */
    uint64_t total_rows;
    /* jansson ignores some failed allocations (a key silently missing from
     * the checkpoint): any failure since the start makes the run NO_MEMORY. */
    unsigned long json_failed;
} ext_job;

struct ext_part {
    ext_job *job;
    unsigned index;
    ext_slice slice;
    void *snap;
    bool own_snap;
    etlc_lake *lake;          /* this partition's own lake handle (N > 1), else NULL: the run's */
    etlc_sink *sink;
    uint64_t rows, page_rows;
    ext_cursor last;          /* cursor values of the last row read */
    int rc;
    etlc_error err;
    char run_id[48];
    pthread_t thread;
    bool started;
};

int etlc__ext_check_options(const etlc_connector *c, const etlc_extract_options *o, etlc_error *err);
/* First 16 hex digits of SHA-256; -1 when OpenSSL ran out of memory. */
int etlc__ext_hash16(const char *text, char out[17]);
int etlc__ext_plan_phase(ext_job *job, etlc_error *err);
int etlc__ext_snapshot_phase(ext_job *job, etlc_error *err);
/* INVALID_ARGUMENT (--initial) or CONFIG (a stored cursor) when the start
 * cursor's watermark value cannot compare with the column, whose maximum
 * is `max` (extract_cursor_type.c). */
int etlc__ext_check_start_type(const ext_job *job, const etlc_value *max, etlc_error *err);
int etlc__ext_intent_phase(ext_job *job, etlc_error *err);
/* N contiguous ranges over the partition column's [min, max] in the snapshot. */
int etlc__ext_range_slices(ext_job *job, etlc_error *err);
/* True when partitions without a partition column split the table's heap
 * blocks (PostgreSQL, a table, no watermark, no key). */
bool etlc__ext_block_partitions(const etlc_sql_ops *sql, const etlc_extract_options *o);
/* N contiguous ranges of the table's heap blocks, counted in the snapshot
 * (extract_blocks.c). */
int etlc__ext_block_slices(ext_job *job, etlc_error *err);
int etlc__ext_read_phase(ext_job *job, etlc_error *err);
int etlc__ext_commit_phase(ext_job *job, etlc_error *err);
int etlc__ext_checkpoint_phase(ext_job *job, etlc_error *err);
/* NO_MEMORY when jansson dropped an allocation since the job began. */
int etlc__ext_json_check(const ext_job *job, const char *what, etlc_error *err);

#endif
