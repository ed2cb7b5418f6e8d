/* etlconn — the parts of the bytes driver (fetch_bytes.c) that live in
 * their own files: landing one resource (bytes_land.c) and the source-side
 * action after landing (bytes_after.c). Internal. */
#ifndef ETLCONN_PIPELINE_BYTES_DRIVER_H
#define ETLCONN_PIPELINE_BYTES_DRIVER_H

#include "pipeline/bytes_part.h"
#include "pipeline/bytes_settings.h"
#include "pipeline/cap_land.h"
#include "sinks/lake_backend.h"

/* One listed resource, owned. */
typedef struct etlc__listed {
    char *name;
    char *etag;
    char *content_type;       /* as the source states it; NULL = sniffed */
    int64_t size, mtime_us;
} etlc__listed;

typedef struct etlc__bytes_job {
    etlc__cap_land *l;
    etlc__bytes_settings set;
    etlc__part_spool spool;   /* spool.dir NULL: downloads go straight into the lake file */
    char *swept_dir;          /* the lake directory last cleared of dead writers' temporaries */
    etlc__dir_batch dirs;     /* directories of the files landed, fsynced once before the checkpoint */
} etlc__bytes_job;

/* Land e as one lake file and add its item to the result (the item's index
 * in *item). The file is whole (fsynced) before it is visible; its
 * directory's fsync is left to j->dirs (etlc__dir_batch_sync, before the
 * checkpoint is committed). With a spool the bytes go to e's part first (resuming it when
 * it holds a prefix of this very version and the connector has open_at),
 * then, once the part has e's whole size, into the lake file, which is
 * committed; the part is then removed. A failure lands nothing and keeps
 * the part for the next run. */
int etlc__bytes_land_one(etlc__bytes_job *j, const etlc__listed *e, char sha[65], size_t *item,
                         etlc_error *err);

/* after_landing for e (landed, its checkpoint committed): delete or move it
 * at the source. A failure is logged and, when item != SIZE_MAX, noted in
 * that item's metadata ("after_landing": "failed: ..."); it never takes the
 * landed file back. Returns whether the action succeeded. */
bool etlc__bytes_after_landing(etlc__bytes_job *j, const etlc__listed *e, size_t item);

/* --parse (land->parse set): read e's committed raw file at relpath back
 * and land its records through the run's sink (CSV, JSONL), or read it end
 * to end (Parquet). Errors are prefixed with the format and e's name. */
int etlc__bytes_parse(etlc__bytes_job *j, const etlc__listed *e, const char *relpath, etlc_error *err);
/* Whether the raw file stays in the lake (no --parse, --keep-raw, or Parquet). */
bool etlc__bytes_parse_keeps_raw(const etlc__bytes_job *j);

#endif
