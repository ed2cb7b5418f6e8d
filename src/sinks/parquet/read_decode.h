/* Value and level decoders of the Parquet reader: pure functions over a
 * byte range, bounds-checked (input is untrusted; tests/fuzz). Each returns
 * false when the bytes are malformed. */
#ifndef ETLC_PQ_READ_DECODE_H
#define ETLC_PQ_READ_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parquet encodings the reader knows, by thrift id. */
enum pqr_encoding {
    PQR_ENC_PLAIN = 0, PQR_ENC_PLAIN_DICTIONARY = 2, PQR_ENC_RLE = 3, PQR_ENC_BIT_PACKED = 4,
    PQR_ENC_DELTA_BINARY_PACKED = 5, PQR_ENC_DELTA_LENGTH_BYTE_ARRAY = 6,
    PQR_ENC_DELTA_BYTE_ARRAY = 7, PQR_ENC_RLE_DICTIONARY = 8, PQR_ENC_BYTE_STREAM_SPLIT = 9
};

/* An encoding's name ("DELTA_BINARY_PACKED"), or "unknown encoding". */
const char *pqr_encoding_name(int encoding);

bool pqr_varint(const uint8_t **p, const uint8_t *end, uint64_t *out);

/* RLE / bit-packed hybrid: exactly n values of bw bits (<= 32) into out. */
bool pqr_rle_decode(const uint8_t *p, const uint8_t *end, unsigned bw, uint32_t *out, size_t n);

/* DELTA_BINARY_PACKED: a stream whose header counts exactly n values, into
 * out (64-bit wrapping arithmetic: INT32 columns take the low 32 bits).
 * *used is the stream's length in bytes. */
bool pqr_delta_decode(const uint8_t *p, const uint8_t *end, int64_t *out, size_t n, size_t *used);

/* BYTE_STREAM_SPLIT: n values of `width` bytes from `width` streams of n
 * bytes each, reassembled into out (n * width bytes). */
bool pqr_bss_decode(const uint8_t *p, const uint8_t *end, size_t width, size_t n, uint8_t *out);

#endif
