/* The run's checkpoint: opened in the run's lake unless told otherwise,
 * committed only after the run's files. */
#include "pipeline/run_internal.h"

/* A lease lives 10 minutes unless renewed (checkpoint.h); renewing every
 * minute while batches flow keeps it with a wide margin. */
#define RENEW_EVERY_MS 60000.0

void etlc__run_keep_hold(etlc__run *run)
{
    double now = etlc__monotonic_ms();
    if (!run->cp || run->renew_rc || now - run->renewed_ms < RENEW_EVERY_MS)
        return;
    run->renewed_ms = now;
    etlc_error e = {0};
    int rc = etlc__checkpoint_renew(run->cp, &e);
    if (rc) { /* another run may take the checkpoint over: this one must not commit */
        etlc_log(ETLC_LOG_WARN, "pipeline", "cannot renew the hold of checkpoint %s: %s",
                 etlc__checkpoint_location(run->cp), e.message);
        run->renew_rc = rc;
        run->renew_err = e;
    }
}

int etlc__run_checkpoint_open(etlc__run *run, const etlc__checkpoint_place *where,
                              const etlc__checkpoint_options *opts, etlc_error *err)
{
    if (run->cp)
        return etlc_error_set(err, ETLC_INTERNAL, "the run's checkpoint is already open");
    etlc__checkpoint_place place = *where;
    etlc__checkpoint_options o = *opts;
    if (!place.local_path && !place.lake) {
        int rc = etlc__run_lake(run, &place.lake, err);
        if (rc)
            return rc;
    }
    if (!place.protocol)
        place.protocol = etlc__run_protocol(run);
    if (!place.source)
        place.source = run->source;
    if (!o.holder)
        o.holder = run->holder;
    int rc = etlc__checkpoint_open(&place, &o, &run->cp, err);
    run->renewed_ms = etlc__monotonic_ms();
    return rc;
}

etlc__checkpoint *etlc__run_checkpoint(etlc__run *run) { return run->cp; }

int etlc__run_checkpoint_commit(etlc__run *run, json_t *position, etlc_error *err)
{
    if (!run->cp)
        return etlc_error_set(err, ETLC_INTERNAL, "the run has no checkpoint to commit");
    int rc = run->renew_rc;
    if (rc) {
        if (err)
            *err = run->renew_err;
        etlc_error_prefix(err, "the hold of the checkpoint lapsed during the run (another run may have taken it)");
    }
    rc = rc ? rc : etlc__checkpoint_commit(run->cp, position, err);
    if (rc)
        etlc_error_prefix(err, "the position was not advanced and the run's files are taken back "
                               "(a re-run lands the same names)");
    return rc;
}
