/* One SOAP operation call (soap_call.c), shared by the records and bytes paths. */
#ifndef ETLCONN_SOAP_CALL_H
#define ETLCONN_SOAP_CALL_H

#include "soap_internal.h"

typedef struct soap_call {
    char *opname;
    soap_operation op;
    soap_field *fields;      /* the input's fields */
    size_t nfields;
    etlc_kv *kv;             /* request params, then the query's JSON ones */
    size_t nkv;
    char **owned;            /* strings kv points at that are ours */
    size_t nowned;
    etlc__buf envelope;
    const char *endpoint;    /* the endpoint option, else the port's address */
} soap_call;

/* Parse the query, find the operation and build its envelope. Free with
 * etlc__soap_call_free whatever it returns. */
int etlc__soap_call_prepare(soap_ctx *ctx, const char *query, const etlc_kv *params,
                            size_t nparams, soap_call *c, etlc_error *err);
/* POST the envelope; the 2xx reply's bytes go to on_body. */
int etlc__soap_call_send(soap_ctx *ctx, soap_call *c, etlc__http_write_fn on_body, void *ud,
                         etlc_error *err);
void etlc__soap_call_free(soap_call *c);

#endif
