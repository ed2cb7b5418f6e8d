/* The load driver (etlc_connector_load): hand a load request to a destination's load
 * capability. The destination does the reading and the unit of work; here
 * only the shape of the call is checked. */
#include <stdlib.h>

#include "core/connector_internal.h"

const char *etlc_connector_ops_kind(const etlc_connector_ops *ops)
{
    return ops && ops->load && !ops->fetch ? "destination" : "source";
}

int etlc_connector_load(etlc_connector *c, const etlc_load_request *req, char **result_json,
                        etlc_error *err)
{
    if (result_json)
        *result_json = NULL;
    if (!c || !req || !result_json)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "etlc_connector_load needs a connector, a request and a result pointer");
    if (!c->ops->load || !c->ops->load->load)
        return etlc_error_set(err, ETLC_UNSUPPORTED,
                              "%s is a source: it cannot load; land its data with 'etlconn fetch' "
                              "and load it into a destination such as dw",
                              c->ops->name);
    if (!req->target || !*req->target)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "%s load: no target table given",
                              c->ops->name);
    if (req->nsources == 0 || !req->sources)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "%s load: nothing to load given",
                              c->ops->name);
    /* One load at a time per connector: it is one unit of work on one session. */
    pthread_mutex_lock(&c->use_lock);
    int rc = c->ops->load->load(c->ctx, req, result_json, err);
    pthread_mutex_unlock(&c->use_lock);
    return rc;
}
