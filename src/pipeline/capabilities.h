/* etlconn — the drivers of the records, bytes and stream capabilities (internal). */
#ifndef ETLCONN_PIPELINE_CAPABILITIES_H
#define ETLCONN_PIPELINE_CAPABILITIES_H

#include <pthread.h>

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

/* "key=value" text parameters of a records request -> key/value pairs
 * pointing into `store` (req->nparams strings, malloc'd, the caller frees). */
int etlc__fetch_kv_params(const etlc_fetch_request *req, etlc_kv *kv, char **store, etlc_error *err);

/* stream: poll -> land -> commit(positions) -> checkpoint (kind "stream"). */

/* Stops a consume from another thread (a signal-watching thread, a UI):
 * between polls, and inside a waiting poll through the connector's cancel.
 * Zero-initialise, then etlc__consume_control_init. */
typedef struct etlc__consume_control {
    pthread_mutex_t lock;
    bool cancelled;
    etlc_connector *c;  /* set while subscribed */
    void *sub;
} etlc__consume_control;

void etlc__consume_control_init(etlc__consume_control *ctl);
void etlc__consume_control_destroy(etlc__consume_control *ctl);
/* Any thread, any time (before, during or after the consume). The
 * consume then ends with ETLC_CANCELLED; what it landed and committed
 * before stays (it is in the checkpoint). */
void etlc__consume_cancel(etlc__consume_control *ctl);

typedef struct etlc__consume_options {
    const char *resource;      /* topic, queue, subject */
    size_t max_records;        /* per poll (and so per file); 0 = 10000 */
    size_t max_bytes;          /* payload bytes per poll; 0 = no limit */
    int64_t poll_timeout_ms;   /* 0 = 1000 */
    int64_t max_batches;       /* stop after this many landed files; 0 = no limit */
    int64_t max_idle_polls;    /* stop after this many empty polls in a row; 0 = never */
    etlc__consume_control *control; /* NULL: cannot be cancelled */
} etlc__consume_options;

int etlc__consume_stream(etlc_connector *c, const etlc__consume_options *opts,
                         const etlc_land_options *land, etlc_result **result, etlc_error *err);

#endif
