/* The run's checkpoint: opened in the run's lake unless told otherwise,
 * committed only after the run's files. */
#include "pipeline/run_internal.h"

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
    return etlc__checkpoint_open(&place, &o, &run->cp, err);
}

etlc__checkpoint *etlc__run_checkpoint(etlc__run *run) { return run->cp; }

int etlc__run_checkpoint_commit(etlc__run *run, json_t *position, etlc_error *err)
{
    if (!run->cp)
        return etlc_error_set(err, ETLC_INTERNAL, "the run has no checkpoint to commit");
    int rc = etlc__checkpoint_commit(run->cp, position, err);
    if (rc)
        etlc_error_prefix(err, "the position was not advanced and the run's files are taken back "
                               "(a re-run lands the same names)");
    return rc;
}
