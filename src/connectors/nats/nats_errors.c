/* natsStatus -> etlc codes, with nats.c's own text for the status (and the
 * JetStream error code when there is one). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "nats_internal.h"

static int code_of(natsStatus s, jsErrCode jerr)
{
    switch (s) {
    case NATS_NO_SERVER:
    case NATS_ADDRESS_MISSING:
    case NATS_SECURE_CONNECTION_WANTED:
    case NATS_SECURE_CONNECTION_REQUIRED:
    case NATS_SSL_ERROR:
    case NATS_CONNECTION_CLOSED:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_STALE_CONNECTION:
    case NATS_NOT_YET_CONNECTED:
    case NATS_NO_RESPONDERS: /* nothing answered: JetStream off, or not ready after a restart */
        return ETLC_CONNECT;
    case NATS_CONNECTION_AUTH_FAILED:
        return ETLC_AUTH;
    case NATS_NOT_PERMITTED:
        return ETLC_AUTH_DENIED;
    case NATS_TIMEOUT:
        return ETLC_TIMEOUT;
    case NATS_NO_MEMORY:
        return ETLC_NO_MEMORY;
    case NATS_INVALID_SUBJECT:
    case NATS_INVALID_ARG:
        return ETLC_CONFIG;
    case NATS_NOT_FOUND:
        return ETLC_CONNECT_NOT_FOUND;
    default:
        return jerr == JSStreamNotFoundErr || jerr == JSConsumerNotFoundErr
                   ? ETLC_CONNECT_NOT_FOUND : ETLC_PROTOCOL;
    }
}

int etlc__nats_error(etlc_error *err, natsStatus s, jsErrCode jerr, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    /* nats.c's last error text names the server's own reason (e.g. the
     * JetStream API's description) where the status alone does not. */
    const char *detail = nats_GetLastError(NULL);
    int code = code_of(s, jerr);
    if (jerr)
        etlc_error_set(err, code, "nats: %s: %s (JetStream error %d%s%s)", what,
                       natsStatus_GetText(s), (int)jerr, detail ? ": " : "", detail ? detail : "");
    else
        etlc_error_set(err, code, "nats: %s: %s%s%s", what, natsStatus_GetText(s),
                       detail && *detail ? ": " : "", detail ? detail : "");
    if (err) {
        err->native_code = (long)s;
        err->retryable = code == ETLC_CONNECT || code == ETLC_TIMEOUT;
    }
    return code;
}
