/* etlconn — incremental and partitioned SQL extraction.
 *
 * `etlconn extract` and etlc_extract read a table or query from a SQL
 * connector (one whose ops carry `sql`) in one consistent read snapshot,
 * page through it with a deterministic ORDER BY (watermark, key...) and a
 * compound cursor, land the rows in the lake and only then advance the
 * state file. See docs/extract.md for the guarantees.
 *
 * Threads: etlc_extract may run in several threads at once on one connector
 * (on different checkpoints: a second run on a held checkpoint is
 * ETLC_BUSY); with partitions it starts its own threads, one snapshot and
 * one lake handle each. Its options are only read.
 * Cancel it through options.land.cancel (etlconn/cancel.h): the run ends
 * with ETLC_CANCELLED, no file of it stays and the checkpoint's position is
 * unchanged. */
#ifndef ETLCONN_EXTRACT_H
#define ETLCONN_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connector.h"
#include "export.h"

ETLC_BEGIN_DECLS

typedef struct etlc_extract_options {
    const char *table;            /* a table ("name" or "schema.name"), or */
    const char *query;            /* a SELECT used as a subquery (no trailing ';') */
    const char *watermark;        /* column that grows with changes; NULL = full snapshot each run */
    const char *const *keys;      /* unique, NOT NULL tie-breaker column(s) */
    size_t nkeys;
    /* The checkpoint: NULL = in the lake beside the data,
     * _checkpoints/{protocol}/{source}/{definition hash}.json (an S3 lake
     * keeps it in S3); or a local file. See docs/checkpoint.md. */
    const char *state_path;
    size_t batch_size;            /* rows per page (LIMIT) and per batch; 0 = 10000 */
    const char *initial;          /* first run (no state): watermark >= initial */
    /* Subtracted from the upper bound so rows committed late with a
     * watermark inside the window are read by the next run: a duration
     * ("90s", "5m", "2h", "1d", "250ms") for timestamp/date watermarks, a
     * plain number for numeric ones. NULL = none. */
    const char *lag;
    unsigned partitions;          /* >1: that many parallel range slices over partition_on */
    const char *partition_on;     /* integer column for --partitions / --partition */
    unsigned slice_index;         /* --partition I/N: I (0-based) ... */
    unsigned slice_count;         /* ... and N; 0 = not a single slice */
    etlc_land_options land;       /* lake root, sink format, progress; path_template
                                     NULL = ETLC_EXTRACT_DEFAULT_TEMPLATE */
    /* One run at a time per checkpoint: a run that finds it held by
     * another waits up to this long for it (0: fails at once with
     * ETLC_BUSY naming the holder). */
    int64_t wait_ms;
} etlc_extract_options;

/* Deterministic names: {query_hash} is the extraction's definition hash,
 * {run_id} comes from the start cursor, the upper bound and the run number
 * (plus "-pII" for a partition), so a re-run overwrites instead of duplicating. */
#define ETLC_EXTRACT_DEFAULT_TEMPLATE "{protocol}/{source}/extract-{query_hash}/{run_id}-part-{part}.{ext}"

/* Run one extraction. The result (also on failure, status "failed") lists
 * the files landed; its metadata carries run_id, upper_bound, cursor_start,
 * cursor_end, rows, partitions and state_path (where the checkpoint is).
 * Errors: UNSUPPORTED for a connector without SQL support; INVALID_ARGUMENT
 * for bad names/options (named); BUSY when another run holds the
 * checkpoint (the message names it); CONFIG for a checkpoint of another
 * extraction; DATA for a NULL key or watermark type problems; QUERY etc.
 * from the database; IO when a file or the checkpoint cannot be written. A
 * failed run leaves the position and the lake as they were: files it had
 * committed are taken back (docs/extract.md). */
int etlc_extract(etlc_connector *c, const etlc_extract_options *opts, etlc_result **result,
                 etlc_error *err);

/* Quote one identifier for the dialect ("a""b" / `a``b`). Rejects empty
 * names, NUL and control bytes with INVALID_ARGUMENT naming `what`. A dotted
 * name ("schema.table") is quoted part by part when `allow_dots`. */
int etlc_sql_quote_ident(const etlc_sql_ops *sql, const char *name, bool allow_dots, const char *what,
                         char **out, etlc_error *err);

ETLC_END_DECLS
#endif
