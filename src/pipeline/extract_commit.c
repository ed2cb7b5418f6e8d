/* Extraction, phase "commit": every partition's files become visible (in
 * the run's result; a later failure takes them back), then the cursor the
 * next run starts from is worked out. */
#include <string.h>

#include "pipeline/extract_internal.h"

static int commit_files(ext_job *job, etlc_error *err)
{
    int rc = 0;
    for (unsigned i = 0; i < job->nparts; i++) {
        ext_part *pt = &job->parts[i];
        job->total_rows += pt->rows;
        if (rc == 0 && pt->rows > 0)
            rc = etlc__run_sink_commit(job->run, pt->sink, err);
        else
            etlc_sink_abort(pt->sink); /* failed, or no rows: no file */
        pt->sink = NULL;
    }
    return rc;
}

static int end_cursor(ext_job *job, etlc_error *err)
{
    if (!job->o->watermark) {
        job->end.kind = EXT_CURSOR_NONE; /* a full snapshot every run */
        return 0;
    }
    if (job->nparts > 1 && job->upper.type != ETLC_TYPE_NULL) {
        /* Every row <= U was read (in some slice): the next run starts above U. */
        job->end.kind = EXT_CURSOR_AFTER_VALUE;
        job->end.n = 1;
        return etlc__ext_value_copy(&job->end.v[0], &job->upper, err);
    }
    if (job->nparts == 1 && job->parts[0].rows > 0)
        return etlc__ext_cursor_copy(&job->end, &job->parts[0].last, err);
    return etlc__ext_cursor_copy(&job->end, &job->start, err);
}

int etlc__ext_commit_phase(ext_job *job, etlc_error *err)
{
    int rc = commit_files(job, err);
    return rc ? rc : end_cursor(job, err);
}
