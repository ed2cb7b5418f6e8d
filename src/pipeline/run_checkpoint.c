/* The run's checkpoint: opened in the run's lake unless told otherwise,
 * committed only after the run's files. */
#include <stdlib.h>

#include "pipeline/run_internal.h"

/* The lease's lifetime: the caller's, else ETLCONN_LEASE_TTL_MS (a knob
 * for tests, docs/checkpoint.md), else the lake's default (10 minutes). */
static int64_t lease_ttl(int64_t given)
{
    const char *env = getenv("ETLCONN_LEASE_TTL_MS");
    if (given > 0 || !env || !*env)
        return given;
    char *end = NULL;
    long long v = strtoll(env, &end, 10);
    if (*end || v <= 0) {
        etlc_log(ETLC_LOG_WARN, "pipeline", "ignoring ETLCONN_LEASE_TTL_MS='%s' (not a positive number of ms)", env);
        return given;
    }
    return (int64_t)v;
}

int etlc__run_checkpoint_open(etlc__run *run, const etlc__checkpoint_place *where,
                              const etlc__checkpoint_options *opts, etlc_error *err)
{
    if (run->cp)
        return etlc_error_set(err, ETLC_INTERNAL, "the run's checkpoint is already open");
    etlc__checkpoint_place place = *where;
    etlc__checkpoint_options o = *opts;
    if (!place.local_path && !place.lake) {
        /* A handle of its own: the keeper renews through it while the
         * driver writes through the run's lake (one thread per lake). */
        int rc = etlc__run_lake_open_own(run, &run->cp_lake, err);
        if (rc)
            return rc;
        place.lake = run->cp_lake;
    }
    if (!place.protocol)
        place.protocol = etlc__run_protocol(run);
    if (!place.source)
        place.source = run->source;
    if (!o.holder)
        o.holder = run->holder;
    o.lease_ttl_ms = lease_ttl(o.lease_ttl_ms);
    int rc = etlc__checkpoint_open(&place, &o, &run->cp, err);
    return rc ? rc : etlc__run_keeper_start(run, err);
}

etlc__checkpoint *etlc__run_checkpoint(etlc__run *run) { return run->cp; }

int etlc__run_checkpoint_commit(etlc__run *run, json_t *position, etlc_error *err)
{
    if (!run->cp)
        return etlc_error_set(err, ETLC_INTERNAL, "the run has no checkpoint to commit");
    pthread_mutex_lock(&run->lock);
    int rc = run->renew_rc;
    if (rc && err)
        *err = run->renew_err;
    pthread_mutex_unlock(&run->lock);
    if (rc) {
        etlc_error_prefix(err, "the hold of the checkpoint lapsed during the run (another run may have taken it)");
    }
    rc = rc ? rc : etlc__checkpoint_commit(run->cp, position, err);
    if (rc)
        etlc_error_prefix(err, "the position was not advanced and the run's files are taken back "
                               "(a re-run lands the same names)");
    return rc;
}
