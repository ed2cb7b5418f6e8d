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
    pthread_mutex_t lock;           /* result items, progress counters */
    uint64_t prog_rows, prog_batches;
    size_t kept;                    /* items [0, kept) are not withdrawn (etlc__run_keep_items) */
};

/* Remove from the lake, and from r, the items r->items[first...] (their
 * counts leave the totals). A file that cannot be removed stays listed and
 * is logged: the re-run lands the same name over it. */
void etlc__run_withdraw_items(etlc_lake *lake, etlc_result *r, size_t first);

#endif
