/* Shared between the files of the HTTP layer only. */
#ifndef ETLCONN_NET_HTTP_INTERNAL_H
#define ETLCONN_NET_HTTP_INTERNAL_H

#include "net/http.h"

struct etlc__http_session {
    CURL *curl;
    etlc__http_settings set; /* strings owned */
};

/* curl_global_init once per process. */
int etlc__http_global_init(etlc_error *err);
/* The session's settings on its freshly reset handle. */
CURLcode etlc__http_apply_settings(etlc__http_session *s);

/* Debug logging (http_log.c): the handle logs header lines with secret
 * values masked while debug logging is on. */
CURLcode etlc__http_log_attach(CURL *h);
bool etlc__http_log_on(void);
void etlc__http_log_result(CURL *h, const char *what, unsigned attempt, long status, int rc);

#endif
