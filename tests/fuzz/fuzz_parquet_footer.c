/* libFuzzer target: the Parquet footer reader must never crash, hang or
 * leak on any input. See tests/fuzz/README.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etlconn/etlconn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = NULL;
    etlc_error err;
    memset(&err, 0, sizeof err);
    /* As given, and wrapped as a footer so the thrift decoder is reached. */
    if (etlc_parquet_inspect(data, size, &json, &err) == 0)
        free(json);
    if (size < (1u << 20)) {
        uint8_t *buf = malloc(size + 12);
        if (!buf)
            return 0;
        memcpy(buf, "PAR1", 4);
        memcpy(buf + 4, data, size);
        uint32_t n = (uint32_t)size;
        for (int i = 0; i < 4; i++)
            buf[4 + size + (size_t)i] = (uint8_t)(n >> (8 * i));
        memcpy(buf + size + 8, "PAR1", 4);
        json = NULL;
        if (etlc_parquet_inspect(buf, size + 12, &json, &err) == 0)
            free(json);
        free(buf);
    }
    return 0;
}
