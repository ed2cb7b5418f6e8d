/* libFuzzer target: the Parquet reader's value decoders and codecs on
 * arbitrary bytes (DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT, the RLE /
 * bit-packed hybrid of levels and booleans, BSON documents, LZ4_RAW,
 * Hadoop LZ4, brotli, every other codec). Input: byte 0 picks the decoder, byte 1 and 2 its
 * parameter (value count, width, bit width or decoded size), the rest is
 * the encoded bytes. Never a crash, leak or out-of-bounds read.
 * See tests/fuzz/README.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/parquet/read.h"
#include "sinks/parquet/read_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    unsigned pick = data[0] & 7;
    size_t param = (size_t)data[1] | (size_t)data[2] << 8; /* up to 65535 */
    const uint8_t *p = data + 3, *end = data + size;
    size_t n = param % 4097;
    switch (pick) {
    case 0: { /* DELTA_BINARY_PACKED, n values */
        int64_t *out = malloc((n + 1) * sizeof *out);
        size_t used = 0;
        if (out && pqr_delta_decode(p, end, out, n, &used) && used > (size_t)(end - p))
            abort(); /* consumed more than it was given */
        free(out);
        break;
    }
    case 1: { /* BYTE_STREAM_SPLIT: width 1..16, n = bytes / width */
        size_t w = param % 16 + 1, cnt = (size_t)(end - p) / w;
        uint8_t *out = malloc(cnt * w + 1);
        if (out)
            (void)pqr_bss_decode(p, end, w, cnt, out);
        free(out);
        break;
    }
    case 2: { /* RLE / bit-packed hybrid: bit width 0..32, n values */
        uint32_t *out = malloc((n + 1) * sizeof *out);
        if (out)
            (void)pqr_rle_decode(p, end, (unsigned)(param >> 12) * 2 + (param & 1), out, n);
        free(out);
        break;
    }
    case 3: { /* a BSON document -> JSON */
        etlc__buf out = {0};
        (void)pqr_bson_json(p, (size_t)(end - p), &out);
        etlc__buf_free(&out);
        break;
    }
    default: { /* 4..7: a codec (thrift id in bits 3-5), decoding to `param` bytes */
        int codec = data[0] >> 3 & 7;
        uint8_t *out = malloc(param + 1);
        etlc_error err;
        memset(&err, 0, sizeof err);
        if (out)
            (void)pqr_decompress(codec, p, (size_t)(end - p), out, param, "fuzz", &err);
        free(out);
        break;
    }
    }
    return 0;
}
