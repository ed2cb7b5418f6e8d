/* etlconn — the resumable spool of the bytes driver (internal).
 *
 * A download that may be resumed goes into a part file first, never into
 * the lake's visible names: {spool}/<sha256 of the name>.part plus a JSON
 * sidecar <sha256>.json {name, size, mtime_us, etag} saying which version
 * of the resource the bytes belong to. The spool of a local lake is
 * {lake}/_partial/{protocol}/{source}/{definition}/ (a hidden area: no data
 * extension, never listed as data); an S3 lake spools locally under
 * $ETLCONN_PARTIAL_DIR, else ${XDG_CACHE_HOME:-~/.cache}/etlconn/partial/
 * {hash of the lake root}/... The definition is the checkpoint's, so the
 * run holding the checkpoint is the only writer of its spool. */
#ifndef ETLCONN_PIPELINE_BYTES_PART_H
#define ETLCONN_PIPELINE_BYTES_PART_H

#include "core/internal.h"

typedef struct etlc__part_spool {
    char *dir;                  /* created on first use */
} etlc__part_spool;

/* Name the spool of (lake_root, protocol, source, definition). */
int etlc__part_spool_init(etlc__part_spool *sp, const char *lake_root, const char *protocol,
                          const char *source, const char *definition, etlc_error *err);
void etlc__part_spool_free(etlc__part_spool *sp);

/* Whether the part of `res` (as its sidecar describes it) is still wanted. */
typedef bool (*etlc__part_keep_fn)(void *userdata, const etlc_resource *res);
/* Remove every part `keep` does not want (its resource vanished, changed
 * or is already landed) and any debris of an interrupted sidecar write.
 * Best effort: failures are logged. */
void etlc__part_spool_sweep(etlc__part_spool *sp, etlc__part_keep_fn keep, void *userdata);

/* Parts of the other definitions of the same protocol and source (another
 * glob, other settings, resume switched off): removed once untouched for
 * max_age_s (another run may be using them). Best effort. */
#define ETLC__PART_STALE_S ((int64_t)7 * 24 * 3600)
void etlc__part_spool_sweep_stale(etlc__part_spool *sp, int64_t max_age_s);

typedef struct etlc__part {
    char *path, *meta;
    int fd;
    int64_t have;               /* bytes held: a download continues from here */
} etlc__part;

/* Open res's part for appending. The bytes already held are kept only when
 * `resume` and the sidecar names this very version of res (size, mtime,
 * etag) and they are not more than res->size; otherwise the part starts
 * empty under a fresh sidecar. */
int etlc__part_open(etlc__part_spool *sp, const etlc_resource *res, bool resume, etlc__part *p,
                    etlc_error *err);
int etlc__part_append(etlc__part *p, const void *data, size_t len, etlc_error *err);
/* Hand the whole part, from byte 0, to `out` in bounded chunks. */
int etlc__part_replay(etlc__part *p, etlc_byte_consumer out, etlc_error *err);
/* Close the descriptor only (a lake file appends to the part instead). */
void etlc__part_close_fd(etlc__part *p);
/* Close, keeping the part for the next run. NULL-safe on a zeroed part. */
void etlc__part_close(etlc__part *p);
/* Close and remove the part and its sidecar. */
void etlc__part_discard(etlc__part *p);

#endif
