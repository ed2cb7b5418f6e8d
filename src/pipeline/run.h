/* etlconn — a pipeline run (internal).
 *
 * Every driver (fetch, extract, and the bytes / records / stream drivers)
 * is a thin user of one run object, which owns what they used to set up
 * each in its own way:
 *   - the IngestionResult (made at begin, handed back at end, also on failure);
 *   - the lake and the sinks opened in it;
 *   - commit, and withdrawal on failure: files committed by the run are
 *     taken back when the run fails after them, so the lake looks as
 *     before the run (like its checkpoint);
 *   - the checkpoint (open with its hold, intent, position after commit).
 *
 * Order of a run: begin -> [checkpoint_open -> intent] -> sinks write ->
 * sink_commit (files visible) -> [checkpoint_commit] -> end.
 *
 * Threads: begin, the checkpoint calls and end belong to the driver's
 * thread. sink_commit, progress, cancelled and the consumer may be called
 * from several reader threads at once (each with its own sink); reader
 * threads that land in parallel open their sinks in lake handles of their
 * own (lake_open_own), never in the run's lake. */
#ifndef ETLCONN_PIPELINE_RUN_H
#define ETLCONN_PIPELINE_RUN_H

#include <stdint.h>

#include "core/internal.h"
#include "pipeline/checkpoint.h"

typedef struct etlc__run etlc__run;

/* Start a run of connector `c` for `query` (the request or resource, kept
 * in the result; NULL ok). `what` names the driver in logs ("fetch").
 * `land` may be NULL (defaults: "./lake", default format). Fails only
 * without memory or arguments: there is then no result. */
int etlc__run_begin(etlc_connector *c, const char *what, const char *query, const etlc_land_options *land,
                    etlc__run **out, etlc_error *err);

/* Borrowed, valid until end. */
etlc_connector *etlc__run_connector(const etlc__run *run);
const char *etlc__run_protocol(const etlc__run *run);
/* The connector's secret-free source name ("app.db", "host/db"), else the protocol. */
const char *etlc__run_source(const etlc__run *run);
/* UTC date the run started, YYYY-MM-DD. */
const char *etlc__run_date(const etlc__run *run);
const char *etlc__run_lake_root(const etlc__run *run);
/* The result being built. Drivers add metadata to it; items come from
 * sink_commit. */
etlc_result *etlc__run_result(etlc__run *run);

/* The lake, opened on first use ("s3://bucket/prefix" lands in S3 with
 * settings from the AWS_* environment, else a local directory). */
int etlc__run_lake(etlc__run *run, etlc_lake **out, etlc_error *err);

/* A lake handle of the caller's own on the run's root, opened with the
 * same settings as the run's lake: for a reader thread that lands in
 * parallel with others. A lake is used by one thread at a time
 * (etlconn/lake.h); an S3 lake holds one HTTP session that must not be
 * shared (the checkpoint has a handle of its own too: its hold is renewed
 * from the run's keeper thread). Free it with etlc_lake_free once the
 * sinks opened in it (etlc_sink_open; they commit through
 * etlc__run_sink_commit like any other) are committed or aborted. */
int etlc__run_lake_open_own(const etlc__run *run, etlc_lake **out, etlc_error *err);

/* The land options' sink settings with the run's defaults filled in where
 * NULL: vars.protocol, vars.source, vars.date, query; path_template
 * defaults to `default_template` (NULL: the lake's default), vars.query_hash
 * to `query_hash`. Strings are borrowed from the run and the land options. */
void etlc__run_sink_options(const etlc__run *run, const char *query_hash, const char *default_template,
                            etlc_sink_options *out);
/* A sink in the run's lake. */
int etlc__run_sink_open(etlc__run *run, const etlc_sink_options *opts, etlc_sink **out, etlc_error *err);
/* Commit a sink's files (visible from now on) into the run's result; the
 * sink is freed either way. From here a failed run withdraws them. */
int etlc__run_sink_commit(etlc__run *run, etlc_sink *sink, etlc_error *err);
/* 0, or ETLC_CANCELLED (err filled) once the land options' cancel token
 * was requested (etlconn/cancel.h). Any thread. Drivers check it between
 * units (batches, pages, files, polls) and before they commit. */
int etlc__run_cancelled(const etlc__run *run, etlc_error *err);
/* The land options' cancel token, NULL when none: for a fetch request's
 * `cancel`, so the connector can break a wait in the server. */
const etlc_cancel *etlc__run_cancel_token(const etlc__run *run);
/* Count rows towards the caller's progress hook (thread-safe). */
void etlc__run_progress(etlc__run *run, uint64_t rows);
/* A consumer that writes into `sink` and counts progress; `tap` is storage
 * the caller keeps alive while the consumer is used. */
typedef struct etlc__run_tap {
    etlc__run *run;
    etlc_sink *sink;
} etlc__run_tap;
etlc_batch_consumer etlc__run_sink_consumer(etlc__run_tap *tap);

/* Open the run's checkpoint (takes the exclusive hold: ETLC_BUSY naming
 * the holder). A hold with a lease (S3) is renewed from then on by a
 * keeper thread every ttl/3 until end, batches or not; a failed renewal
 * makes checkpoint_commit refuse. A NULL where->lake (and no local_path)
 * means the run's lake root, through a handle of the checkpoint's own;
 * opts->holder NULL means the run's holder text. Closed by end. */
int etlc__run_checkpoint_open(etlc__run *run, const etlc__checkpoint_place *where,
                              const etlc__checkpoint_options *opts, etlc_error *err);
/* The open checkpoint, NULL before checkpoint_open. Borrowed until end. */
etlc__checkpoint *etlc__run_checkpoint(etlc__run *run);
/* After every sink is committed: the new position, durably. A failure here
 * makes the run fail, and end withdraws its files (lake as before, like
 * the position). */
int etlc__run_checkpoint_commit(etlc__run *run, json_t *position, etlc_error *err);

/* The text this run uses to name itself in holds ("etlconn extract pid 42 on host"). */
const char *etlc__run_holder(const etlc__run *run);

/* The items committed so far stay even if the run fails later: a
 * resumable driver calls it once a checkpoint covers them (records: after
 * each page's position; stream: once a batch's file is visible, since a
 * replay overwrites it). Without it a failed run withdraws everything. */
void etlc__run_keep_items(etlc__run *run);

/* Record a string in the result's metadata (NULL -> ""). */
void etlc__run_meta(etlc__run *run, const char *key, const char *value);

/* End the run. rc != 0: the run failed with `e` (its message is logged
 * and recorded in the result), files it committed are withdrawn. The
 * checkpoint's hold is released, the lake closed, the result finished and
 * handed to *result. Returns rc; copies e into *err on failure. */
int etlc__run_end(etlc__run *run, int rc, etlc_error *e, etlc_result **result, etlc_error *err);

#endif
