/* ORA-nnnnn -> etlc codes, and OCI's error text into etlc_error. */
#include <stdio.h>
#include <string.h>

#include "oracle_internal.h"

int etlc__oracle_code_for(int ora, bool connecting, bool *retryable)
{
    *retryable = false;
    switch (ora) {
    case 12541: /* no listener */
        *retryable = true;
        return ETLC_CONNECT_REFUSED;
    case 12170: case 12535: case 12609: /* connect / receive timeouts */
        *retryable = true;
        return connecting ? ETLC_CONNECT_TIMEOUT : ETLC_TIMEOUT;
    case 12514: case 12505: case 12154: case 12545: case 12262: /* unknown service, SID, alias, host */
        return ETLC_CONNECT_NOT_FOUND;
    case 12516: case 12519: case 12520: case 12528: /* listener / instance not accepting connections */
    case 3113: case 3114: case 3135: case 12537: case 12547: case 12543:
        *retryable = true;
        return ETLC_CONNECT;
    case 1017: case 1005: case 28040: return ETLC_AUTH;
    case 28000: case 28001: case 1045: case 1031: return ETLC_AUTH_DENIED;
    case 54: case 60: case 30006: *retryable = true; return ETLC_BUSY;
    case 1013: return ETLC_CANCELLED;
    case 3136: *retryable = true; return ETLC_CONNECT_TIMEOUT; /* inbound connection timed out */
    case 1406: case 1722: case 1438: case 1455: return ETLC_DATA_TYPE;
    default: return connecting ? ETLC_CONNECT : ETLC_QUERY;
    }
}

int etlc__oracle_error(etlc_error *err, const oci_api *api, OCIError *errh, sword status, bool connecting,
                       const char *what)
{
    char text[600] = "";
    sb4 ora = 0;
    if (status == OCI_INVALID_HANDLE) {
        snprintf(text, sizeof text, "invalid OCI handle");
    } else if (errh && api->ErrorGet) {
        api->ErrorGet(errh, 1, NULL, &ora, (OraText *)text, (ub4)sizeof text, OCI_HTYPE_ERROR);
        size_t n = strlen(text);
        while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
            text[--n] = '\0';
    }
    if (!text[0])
        snprintf(text, sizeof text, "OCI call failed with status %d", (int)status);
    bool retryable;
    int code = etlc__oracle_code_for((int)ora, connecting, &retryable);
    etlc_error_set(err, code, "%s: %s", what, text);
    if (err) {
        err->native_code = ora;
        err->retryable = retryable;
    }
    return code;
}
