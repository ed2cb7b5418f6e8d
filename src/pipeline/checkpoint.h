/* etlconn — one checkpoint module for every kind of position (internal).
 *
 * A checkpoint remembers where the last successful run of one definition
 * (a protocol + source + request, hashed) stopped:
 *   kind "sql"      a compound cursor (extract's state; the old extract
 *                   state file format is read too)
 *   kind "stream"   per-partition offsets or sequence numbers
 *   kind "files"    a listing: path -> size, mtime, etag, sha256
 *   kind "records"  a resumable page position
 * The position is a JSON object whose shape belongs to the kind; the
 * envelope (format version, kind, definition, run count, timestamps,
 * pending intent) belongs to this module and is documented in
 * docs/checkpoint.md.
 *
 * Order, always: open (takes the exclusive hold and reads) -> intent
 * (durable before anything is landed) -> the run lands and commits its
 * files -> commit (the new position, durable; the intent is dropped) ->
 * close (releases the hold). A crash anywhere leaves the old position
 * and, at worst, an intent the next run reads back to rebuild the same
 * file names.
 *
 * Writes on S3 are conditional on the version read at open (or last
 * written): a checkpoint changed behind the run's back is ETLC_BUSY, never
 * overwritten.
 *
 * Threads: one checkpoint object is used by one thread at a time, except
 * renew, which may run in another thread (the run's keeper) at the same
 * time as intent and commit. */
#ifndef ETLCONN_PIPELINE_CHECKPOINT_H
#define ETLCONN_PIPELINE_CHECKPOINT_H

#include <jansson.h>
#include <stdint.h>

#include "core/internal.h"

typedef struct etlc__checkpoint etlc__checkpoint;

typedef struct etlc__checkpoint_place {
    /* The lake the run lands in: the checkpoint lives beside the data at
     * `relpath` (default "_checkpoints/{protocol}/{source}/{definition}.json"
     * when relpath is NULL), and its hold at relpath + ".lock". */
    etlc_lake *lake;
    const char *relpath;
    /* Or a local file outside the lake (--state PATH); its hold is
     * PATH + ".lock". Takes precedence over lake/relpath when set. */
    const char *local_path;
    /* Read instead when nothing is stored at relpath yet: the old extract
     * state's default place ("_state/extract-<hash>.json"), so an upgrade
     * continues where the last run stopped. NULL = none. */
    const char *legacy_relpath;
    const char *protocol;     /* for the default relpath */
    const char *source;
} etlc__checkpoint_place;

typedef struct etlc__checkpoint_options {
    const char *kind;         /* "sql", "stream", "files", "records" */
    const char *definition;   /* definition hash: the same request gives the same checkpoint */
    const char *holder;       /* secret-free text naming this run (host, pid, run id) */
    int64_t wait_ms;          /* 0: a held checkpoint is ETLC_BUSY at once */
    int64_t lease_ttl_ms;     /* S3 lease lifetime; 0 = 10 minutes (the run renews it every ttl/3) */
} etlc__checkpoint_options;

/* Take the exclusive hold, then read the position and any pending intent.
 * ETLC_BUSY (naming the holder) when another run holds it. */
int etlc__checkpoint_open(const etlc__checkpoint_place *where, const etlc__checkpoint_options *opts,
                          etlc__checkpoint **out, etlc_error *err);
/* The stored position; NULL on a first run. Borrowed until commit/close. */
json_t *etlc__checkpoint_position(const etlc__checkpoint *cp);
/* The intent of an interrupted run, NULL if none. Borrowed. */
json_t *etlc__checkpoint_pending(const etlc__checkpoint *cp);
/* Number of committed runs so far. */
int64_t etlc__checkpoint_runs(const etlc__checkpoint *cp);
/* Where it is stored ("s3://b/p/_checkpoints/..." or a local path). Borrowed. */
const char *etlc__checkpoint_location(const etlc__checkpoint *cp);
/* Record the intent of this run durably (before anything is landed). */
int etlc__checkpoint_intent(etlc__checkpoint *cp, json_t *intent, etlc_error *err);
/* After the lake commit: store the new position durably, drop the intent. */
int etlc__checkpoint_commit(etlc__checkpoint *cp, json_t *position, etlc_error *err);
/* Extend the hold's lease during a long run (no-op for local holds). */
int etlc__checkpoint_renew(etlc__checkpoint *cp, etlc_error *err);
/* The hold's lease lifetime in ms (renew well within it); 0 for a hold
 * that never expires (a local flock). */
int64_t etlc__checkpoint_lease_ms(const etlc__checkpoint *cp);
/* Release the hold and free. NULL ok. Nothing is written. */
void etlc__checkpoint_close(etlc__checkpoint *cp);

#endif
