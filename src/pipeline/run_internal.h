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
    etlc_lake *cp_lake;             /* the checkpoint's own handle on the lake: the keeper renews
                                     * through it while the driver writes through `lake` */
    pthread_mutex_t lock;           /* result items, progress counters, the keeper's state */
    uint64_t prog_rows, prog_batches;
    pthread_t keeper;               /* renews the hold's lease every ttl/3 (run_keeper.c) */
    pthread_cond_t keeper_cv;       /* wakes the keeper to stop */
    bool keeper_on, keeper_stop;
    int renew_rc;                   /* a renewal failed: the run must not commit */
    etlc_error renew_err;
    size_t kept;                    /* items [0, kept) are not withdrawn (etlc__run_keep_items) */
};

/* Start the keeper thread when the run's checkpoint holds a lease that
 * expires (S3); nothing for a flock. 0, or an error when no thread. */
int etlc__run_keeper_start(etlc__run *run, etlc_error *err);
/* Stop and join it (at once, not after its period). Safe when not started. */
void etlc__run_keeper_stop(etlc__run *run);

/* Remove from the lake, and from r, the items r->items[first...] (their
 * counts leave the totals). A file that cannot be removed stays listed and
 * is logged: the re-run lands the same name over it. */
void etlc__run_withdraw_items(etlc_lake *lake, etlc_result *r, size_t first);
/* After a successful run: dead runs' temporaries beside the files landed
 * (run_tidy.c). */
void etlc__run_tidy(const etlc_result *r, const char *who);

#endif
