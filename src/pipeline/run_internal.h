/* The run object's inside, shared by src/pipeline/run*.c only. */
#ifndef ETLCONN_PIPELINE_RUN_INTERNAL_H
#define ETLCONN_PIPELINE_RUN_INTERNAL_H

#include <pthread.h>

#include "pipeline/run.h"

struct etlc__run {
    etlc_connector *c;
    const char *what;
    const etlc_land_options *land;  /* borrowed; NULL = defaults */
    const char *lake_root;
    char source[256];
    char date[16];
    char holder[160];
    etlc_result *result;
    etlc_lake *lake;                /* opened on first use */
    etlc__checkpoint *cp;           /* NULL until checkpoint_open */
    pthread_mutex_t lock;           /* result items, progress counters, lease renewal */
    uint64_t prog_rows, prog_batches;
    double renewed_ms;              /* monotonic time of the hold's last renewal */
    int renew_rc;                   /* a renewal failed: the run must not commit */
    etlc_error renew_err;
    size_t kept;                    /* items [0, kept) are not withdrawn (etlc__run_keep_items) */
};

/* Renew the checkpoint's hold when due (an S3 lease); called under run->lock. */
void etlc__run_keep_hold(etlc__run *run);

/* Remove from the lake, and from r, the items r->items[first...] (their
 * counts leave the totals). A file that cannot be removed stays listed and
 * is logged: the re-run lands the same name over it. */
void etlc__run_withdraw_items(etlc_lake *lake, etlc_result *r, size_t first);

#endif
