/* dw's load capability: lake URIs (local or s3://) -> staged local files ->
 * etlc__dw_load in one transaction -> the load result as JSON. */
#include <stdlib.h>

#include "dw_internal.h"

static int dw_load(void *vctx, const etlc_load_request *req, char **result_json, etlc_error *err)
{
    etlc_dw_load_options o = {
        .table = req->target,
        .keys = req->keys,
        .nkeys = req->nkeys,
        .batch_rows = req->batch_rows,
        .progress = req->progress,
        .progress_userdata = req->progress_userdata,
        .cancel = req->cancel,
        .force = req->force,
    };
    if (req->mode) {
        int m = etlc_dw_mode_parse(req->mode);
        if (m < 0)
            return etlc_error_set(err, ETLC_CONFIG_RANGE,
                                  "dw load: mode '%s' is not one of append|replace|merge", req->mode);
        o.mode = (etlc_dw_mode)m;
    }
    dw_staged st;
    int rc = etlc__dw_stage(req->sources, req->nsources, req->s3, &st, err);
    if (rc)
        return rc;
    etlc_dw_load_result *res = NULL;
    rc = etlc__dw_load(vctx, (const char *const *)st.paths, st.npaths, &o, &res, err);
    if (rc == 0 && etlc__dw_unstage_paths(&st, res) != 0)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reporting a load");
    if (rc == 0)
        rc = etlc_dw_load_result_to_json(res, true, result_json, err);
    etlc_dw_load_result_free(res);
    etlc__dw_staged_free(&st);
    return rc;
}

const etlc_load_ops etlc__dw_load_ops = {.load = dw_load};
