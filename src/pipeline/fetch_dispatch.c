/* etlc_connector_fetch for connectors that read through a capability
 * rather than a record-shaped `fetch`. */
#include "pipeline/capabilities.h"
#include "core/connector_internal.h"

int etlc__fetch_by_capability(etlc_connector *c, const etlc_fetch_request *req,
                              const etlc_land_options *land, etlc_result **result,
                              etlc_error *err)
{
    const etlc_connector_ops *ops = c->ops;
    /* A connector with both decides per configuration (records->wanted). */
    if (ops->records && (!ops->bytes || !ops->records->wanted || ops->records->wanted(c->ctx)))
        return etlc__fetch_records(c, req, land, result, err);
    if (ops->bytes)
        return etlc__fetch_bytes(c, req, land, result, err);
    if (ops->load)
        return etlc_error_set(err, ETLC_UNSUPPORTED,
                              "'%s' is a destination: load into it (etlconn load), it cannot be "
                              "fetched from", ops->name);
    return etlc_error_set(err, ETLC_UNSUPPORTED,
                          "connector '%s' is a stream: it is consumed (etlconn consume), not fetched",
                          ops->name);
}
