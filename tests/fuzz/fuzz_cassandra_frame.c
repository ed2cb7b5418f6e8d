/* libFuzzer target: the CQL response decoder of the cassandra connector.
 * The first byte chooses the input: with its high bit set (0x84 is how a
 * v4 response starts) the whole input is one v4 frame; otherwise bit 0
 * says plain (0) or LZ4 (1) v5 segments, and the rest is a stream of
 * segments (CRC24 header, CRC32 payload, LZ4) whose payloads are joined and
 * read as v5 envelopes. Each frame or envelope goes through the header
 * checks, LZ4 bodies (v4), the tracing / warning / payload prefix, ERROR
 * bodies, and RESULT bodies read both as Rows (metadata, every type into a
 * batch, collections/tuples/UDTs into JSON, the paging state) and as
 * Prepared (id, v5 result metadata id, marker metadata, then the result
 * metadata). Must never crash, hang, over-read or leak; lengths are checked
 * before anything is allocated. See README.md. */
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

static void body(cql_resp *resp)
{
    etlc_error err = {0};
    cql_rd start = resp->r;
    if (resp->h.opcode == CQL_OP_ERROR) {
        etlc__cql_error_from_body(&resp->r, "fuzz", &err);
    } else {
        as_rows(resp);
        resp->r = start;
        as_prepared(resp);
    }
}

/* v5: segments -> joined payloads -> envelopes, one after another. */
static void segments(const uint8_t *data, size_t size, bool lz4)
{
    etlc__buf joined = {0};
    etlc_error err = {0};
    size_t used;
    bool self;
    for (int n = 0; n < 64 && size > 0; n++) {
        if (etlc__cql_seg_decode(data, size, lz4, &joined, &self, &used, &err) != 0)
            break;
        data += used;
        size -= used;
    }
    const uint8_t *p = (const uint8_t *)joined.data;
    size_t left = joined.len;
    while (left >= CQL_HEADER_LEN) {
        cql_resp resp;
        if (etlc__cql_frame_decode_v(p, left, CQL_V5, 1u << 20, &resp, &err) != 0)
            break;
        size_t took = CQL_HEADER_LEN + resp.h.length;
        body(&resp);
        etlc__cql_resp_free(&resp);
        p += took;
        left -= took;
    }
    etlc__buf_free(&joined);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (!(data[0] & 0x80)) {
        segments(data + 1, size - 1, data[0] & 1);
        return 0;
    }
    cql_resp resp;
    etlc_error err = {0};
    /* A 1 MiB cap keeps the fuzzer's allocations small; the check is the same. */
    if (etlc__cql_frame_decode(data, size, 1u << 20, &resp, &err) != 0)
        return 0;
    body(&resp);
    etlc__cql_resp_free(&resp);
    return 0;
}
