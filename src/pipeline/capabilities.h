/* etlconn — the drivers of the records, bytes and stream capabilities (internal). */
#ifndef ETLCONN_PIPELINE_CAPABILITIES_H
#define ETLCONN_PIPELINE_CAPABILITIES_H

#include "core/internal.h"

/* etlc_connector_fetch for a connector without a record-shaped `fetch`:
 * bytes -> files landed as is; records -> pages into one sink per page.
 * A stream connector answers UNSUPPORTED here (it is consumed, not fetched). */
int etlc__fetch_by_capability(etlc_connector *c, const etlc_fetch_request *req,
                              const etlc_land_options *land, etlc_result **result,
                              etlc_error *err);

/* bytes: list (req->query is the glob; NULL/"" = everything), land only what
 * is new or changed since the checkpoint (kind "files"), one item each. */
int etlc__fetch_bytes(etlc_connector *c, const etlc_fetch_request *req,
                      const etlc_land_options *land, etlc_result **result, etlc_error *err);

/* records: req->query is the resource, params are "key=value" texts; pages
 * land one file each, the checkpoint (kind "records") keeps the next cursor. */
int etlc__fetch_records(etlc_connector *c, const etlc_fetch_request *req,
                        const etlc_land_options *land, etlc_result **result, etlc_error *err);

/* stream: poll -> land -> commit(positions) -> checkpoint (kind "stream"). */
typedef struct etlc__consume_options {
    const char *resource;      /* topic, queue, subject */
    size_t max_records;        /* per poll (and so per file); 0 = 10000 */
    int64_t poll_timeout_ms;   /* 0 = 1000 */
    int64_t max_batches;       /* stop after this many landed files; 0 = no limit */
    int64_t max_idle_polls;    /* stop after this many empty polls in a row; 0 = never */
    volatile int *stop;        /* set non-zero (any thread) to stop between polls; NULL ok */
} etlc__consume_options;

int etlc__consume_stream(etlc_connector *c, const etlc__consume_options *opts,
                         const etlc_land_options *land, etlc_result **result, etlc_error *err);

#endif
