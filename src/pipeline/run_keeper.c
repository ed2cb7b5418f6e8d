/* The run's keeper: renews the checkpoint's lease from a thread of its own,
 * so a hold outlives a query that runs longer than the lease before its
 * first batch (a big sort). It renews every ttl/3; the first failed renewal
 * (lease lost) is recorded and the run does not commit its position. */
#include <errno.h>
#include <time.h>

#include "pipeline/run_internal.h"

static struct timespec deadline_after(int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static void *keeper_main(void *arg)
{
    etlc__run *run = arg;
    int64_t period = etlc__checkpoint_lease_ms(run->cp) / 3;
    if (period < 20)
        period = 20;
    pthread_mutex_lock(&run->lock);
    while (!run->keeper_stop && !run->renew_rc) {
        struct timespec until = deadline_after(period);
        int w = 0;
        while (!run->keeper_stop && w != ETIMEDOUT)
            w = pthread_cond_timedwait(&run->keeper_cv, &run->lock, &until);
        if (run->keeper_stop)
            break;
        pthread_mutex_unlock(&run->lock); /* progress and commits go on during the request */
        etlc_error e = {0};
        int rc = etlc__checkpoint_renew(run->cp, &e);
        pthread_mutex_lock(&run->lock);
        if (rc) { /* another run may take the checkpoint over: this one must not commit */
            etlc_log(ETLC_LOG_WARN, "pipeline", "cannot renew the hold of checkpoint %s: %s",
                     etlc__checkpoint_location(run->cp), e.message);
            run->renew_rc = rc;
            run->renew_err = e;
        }
    }
    pthread_mutex_unlock(&run->lock);
    return NULL;
}

int etlc__run_keeper_start(etlc__run *run, etlc_error *err)
{
    if (!run->cp || etlc__checkpoint_lease_ms(run->cp) <= 0)
        return 0;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&run->keeper_cv, &ca);
    pthread_condattr_destroy(&ca);
    if (rc)
        return etlc_error_set(err, ETLC_NO_MEMORY, "cannot set up the keeper of checkpoint %s",
                              etlc__checkpoint_location(run->cp));
    run->keeper_stop = false;
    if (pthread_create(&run->keeper, NULL, keeper_main, run) != 0) {
        pthread_cond_destroy(&run->keeper_cv);
        return etlc_error_set(err, ETLC_NO_MEMORY, "cannot start the thread that renews the hold of checkpoint %s",
                              etlc__checkpoint_location(run->cp));
    }
    run->keeper_on = true;
    return 0;
}

void etlc__run_keeper_stop(etlc__run *run)
{
    if (!run->keeper_on)
        return;
    pthread_mutex_lock(&run->lock);
    run->keeper_stop = true;
    pthread_cond_signal(&run->keeper_cv);
    pthread_mutex_unlock(&run->lock);
    pthread_join(run->keeper, NULL);
    pthread_cond_destroy(&run->keeper_cv);
    run->keeper_on = false;
}
