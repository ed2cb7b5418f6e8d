/* libFuzzer target: the Parquet reader (footer, page headers, levels,
 * dictionary indices, PLAIN values, all codecs) must never crash, hang or
 * leak on any input. See tests/fuzz/README.md. */
#include <stdint.h>
#include <string.h>

#include "etlconn/etlconn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    etlc_error err;
    memset(&err, 0, sizeof err);
    etlc_parquet_reader *r = NULL;
    if (etlc_parquet_reader_open_memory(data, size, &r, &err) != 0)
        return 0;
    const etlc_batch *b;
    uint64_t rows = 0;
    while (etlc_parquet_reader_next(r, &b, &err) == 0 && b)
        rows += b->nrows;
    (void)rows;
    etlc_parquet_reader_free(r);
    return 0;
}
