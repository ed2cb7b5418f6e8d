/* libFuzzer target: the CQL v4 response decoder of the cassandra connector
 * on one arbitrary frame -- header checks, LZ4 bodies, the tracing /
 * warning / payload prefix, ERROR bodies, and RESULT bodies read both as
 * Rows (metadata, every type into a batch, collections/tuples/UDTs into
 * JSON, the paging state) and as Prepared (id, marker metadata, then the
 * result metadata). Must never crash, hang, over-read or leak; lengths
 * are checked before anything is allocated. See README.md. */
#include <stdint.h>
#include <stdlib.h>

#include "connectors/cassandra/cql_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void as_rows(cql_resp *resp)
{
    etlc_error err = {0};
    etlc_batch *b = NULL;
    uint8_t *next = NULL;
    size_t nl = 0;
    if (etlc__cql_result_rows(resp, &b, &next, &nl, &err) == 0) {
        etlc_batch_free(b);
        free(next);
    }
}

static void as_prepared(cql_resp *resp)
{
    etlc_error err = {0};
    cql_stmt st = {0};
    if (etlc__cql_prepared_read(resp, &st, &err) == 0) {
        cql_columns cols = {0};
        const uint8_t *paging;
        size_t plen;
        etlc__cql_rows_meta_read(&resp->r, &cols, &paging, &plen, &err);
        etlc__cql_columns_free(&cols);
    }
    etlc__cql_stmt_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cql_resp resp;
    etlc_error err = {0};
    /* A 1 MiB cap keeps the fuzzer's allocations small; the check is the same. */
    if (etlc__cql_frame_decode(data, size, 1u << 20, &resp, &err) != 0)
        return 0;
    cql_rd start = resp.r;
    if (resp.h.opcode == CQL_OP_ERROR) {
        etlc__cql_error_from_body(&resp.r, "fuzz", &err);
    } else {
        as_rows(&resp);
        resp.r = start;
        as_prepared(&resp);
    }
    etlc__cql_resp_free(&resp);
    return 0;
}
