/* etlconn — what the capability drivers (bytes, records, stream) share on
 * top of the pipeline's run object (run.h): the checkpoint named by a
 * definition, lake paths for files landed as is, per-item errors, and an
 * end that keeps what a checkpoint already covers (internal). */
#ifndef ETLCONN_PIPELINE_CAP_LAND_H
#define ETLCONN_PIPELINE_CAP_LAND_H

#include "core/connector_internal.h"
#include "pipeline/run.h"

typedef struct etlc__cap_land {
    etlc__run *run;
    etlc_connector *c;
    const etlc_land_options *land; /* may be NULL */
    const char *source;            /* the run's; borrowed */
    etlc_result *result;           /* the run's; borrowed */
    etlc_lake *lake;               /* the run's; set by etlc__cap_checkpoint_open */
    etlc__checkpoint *cp;          /* the run's; set by etlc__cap_checkpoint_open */
    char definition[17];           /* the checkpoint's definition hash; set with cp */
} etlc__cap_land;

/* Start the run (`what` names the driver: "fetch", "consume"). Fails only
 * without memory: there is then no result. */
int etlc__cap_land_begin(etlc_connector *c, const char *what, const char *query,
                         const etlc_land_options *land, etlc__cap_land *l, etlc_error *err);
/* Open the run's lake and its checkpoint of `kind` beside the data, for
 * the definition named by hashing `definition_text` with the kind, the
 * protocol and the source. ETLC_BUSY when another run holds it. */
int etlc__cap_checkpoint_open(etlc__cap_land *l, const char *kind, const char *definition_text,
                              etlc_error *err);
/* Store the new position after the files it covers are committed; those
 * files then stay even if the run fails later. */
int etlc__cap_commit(etlc__cap_land *l, json_t *position, etlc_error *err);
/* "{protocol}/{source}/" + `name` (a '\\' becomes %5C), checked with
 * etlc_lake_check_relpath; malloc'd into *out. A name that is empty,
 * absolute, has an empty, "." or ".." segment, or a control byte is
 * refused (ETLC_IO_PATH naming it, nothing escaped): a remote name must
 * never climb out of, or hide inside, its lake directory. */
int etlc__cap_relpath(const etlc__cap_land *l, const char *name, char **out, etlc_error *err);
/* Record a per-item failure in the result (the run goes on). */
int etlc__cap_note_error(etlc__cap_land *l, const etlc_error *e);
/* End the run. rc != 0: failed with `e`; files not kept are withdrawn.
 * `noted`: e was already recorded per item (a partial run): nothing is
 * withdrawn, rc and e are still returned. */
int etlc__cap_land_end(etlc__cap_land *l, int rc, etlc_error *e, bool noted, etlc_result **result,
                       etlc_error *err);

/* 16 hex digits of SHA-256 over `text` (the definition of a checkpoint). */
int etlc__cap_hash16(const char *text, char out[17]);

#endif
