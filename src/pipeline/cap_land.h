/* etlconn — what the capability drivers (bytes, records, stream) share
 * while the pipeline's run object (run.h) is being built: the connector's
 * source name, the lake, the result and the checkpoint. Each function maps
 * onto one etlc__run_* call, so switching is mechanical (internal). */
#ifndef ETLCONN_PIPELINE_CAP_LAND_H
#define ETLCONN_PIPELINE_CAP_LAND_H

#include "core/connector_internal.h"
#include "pipeline/checkpoint.h"

typedef struct etlc__cap_land {
    etlc_connector *c;
    const etlc_land_options *land; /* may be NULL */
    char source[256];
    etlc_lake *lake;
    etlc_result *result;
    etlc__checkpoint *cp;          /* NULL until etlc__cap_checkpoint_open */
    char holder[128];
} etlc__cap_land;

/* Source name, result (protocol, source, query) and the lake. On failure
 * nothing is left open and no result exists. */
int etlc__cap_land_begin(etlc_connector *c, const char *query, const etlc_land_options *land,
                         etlc__cap_land *l, etlc_error *err);
/* Open the checkpoint of `kind` beside the data, for the definition named
 * by hashing `definition_text` with the protocol and source. ETLC_BUSY when
 * another run holds it. */
int etlc__cap_checkpoint_open(etlc__cap_land *l, const char *kind, const char *definition_text,
                              etlc_error *err);
/* "{protocol}/{source}/" + path-safe `name` (control bytes, '\\' become
 * %XX) checked with etlc_lake_check_relpath; malloc'd into *out. */
int etlc__cap_relpath(const etlc__cap_land *l, const char *name, char **out, etlc_error *err);
/* Record a per-item failure in the result (the run goes on). */
int etlc__cap_note_error(etlc__cap_land *l, const etlc_error *e);
/* Close everything; finish the result and hand it over. rc != 0 records
 * `e` in the result (unless already noted) and copies it into *err. */
int etlc__cap_land_end(etlc__cap_land *l, int rc, const etlc_error *e, bool noted,
                       etlc_result **result, etlc_error *err);

/* 16 hex digits of SHA-256 over `text` (the definition of a checkpoint). */
int etlc__cap_hash16(const char *text, char out[17]);

#endif
