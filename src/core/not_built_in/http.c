/* etlc_http_request when the http connector is compiled out
 * (-DETLCONN_WITH_HTTP=OFF): it links and answers NOT_BUILT_IN. */
#include <stdlib.h>

#include "etlconn/http.h"

int etlc_http_request(etlc_connector *c, const etlc_http_request_options *req,
                      etlc_http_response **out, etlc_error *err)
{
    (void)c;
    (void)req;
    if (out)
        *out = NULL;
    return etlc_error_set(err, ETLC_NOT_BUILT_IN, "etlc_http_request: the http connector is not "
                          "built in to this etlconn: rebuild with -DETLCONN_WITH_HTTP=ON");
}

const char *etlc_http_response_header(const etlc_http_response *resp, const char *name,
                                      char *buf, size_t bufsz)
{
    (void)resp; (void)name; (void)buf; (void)bufsz;
    return NULL; /* no response can exist without the connector */
}

void etlc_http_response_free(etlc_http_response *resp)
{
    if (!resp)
        return;
    free(resp->body);
    free(resp->headers);
    free(resp);
}
