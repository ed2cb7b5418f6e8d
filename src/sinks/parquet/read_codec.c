/* Page decompression for the Parquet reader: every codec current writers
 * use (snappy, gzip, zstd, brotli, LZ4_RAW and Hadoop-framed LZ4). */
#include <brotli/decode.h>
#include <lz4.h>
#include <snappy-c.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h> /* ZSTD_error_memory_allocation */

#include "sinks/parquet/read.h"

const char *pqr_codec_name(int codec)
{
    static const char *n[] = {"uncompressed", "snappy", "gzip", "LZO", "brotli", "LZ4 (Hadoop)", "zstd",
                              "LZ4_RAW"};
    return codec >= 0 && codec < 8 ? n[codec] : "an unknown codec";
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Hadoop's LZ4 framing: blocks of [BE32 uncompressed][BE32 compressed][raw LZ4]. */
static bool lz4_hadoop(const uint8_t *src, size_t len, uint8_t *dst, size_t want)
{
    size_t out = 0;
    while (len > 0) {
        if (len < 8)
            return false;
        uint32_t ulen = be32(src), clen = be32(src + 4);
        src += 8;
        len -= 8;
        if (clen > len || ulen > want - out || clen > INT32_MAX || ulen > INT32_MAX)
            return false;
        int n = LZ4_decompress_safe((const char *)src, (char *)dst + out, (int)clen, (int)ulen);
        if (n < 0 || (uint32_t)n != ulen)
            return false;
        out += ulen;
        src += clen;
        len -= clen;
    }
    return out == want;
}

static bool lz4_raw(const uint8_t *src, size_t len, uint8_t *dst, size_t want)
{
    if (len > INT32_MAX || want > INT32_MAX)
        return false;
    int n = LZ4_decompress_safe((const char *)src, (char *)dst, (int)len, (int)want);
    return n >= 0 && (size_t)n == want;
}

static int gunzip(const uint8_t *src, size_t len, uint8_t *dst, size_t want)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    pq_zlib_allocator(&zs);
    if (inflateInit2(&zs, 15 + 32) != Z_OK)
        return Z_MEM_ERROR;
    int z = Z_OK;
    zs.next_out = dst;
    zs.avail_out = (uInt)want;
    /* Several gzip members may follow each other (some writers emit that). */
    while (len > 0 && z == Z_OK) {
        zs.next_in = (Bytef *)(uintptr_t)src;
        zs.avail_in = (uInt)len;
        z = inflate(&zs, Z_FINISH);
        size_t used = len - zs.avail_in;
        src += used;
        len -= used;
        if (z == Z_STREAM_END && len > 0 && inflateReset(&zs) == Z_OK)
            z = Z_OK;
    }
    size_t n = zs.total_out;
    inflateEnd(&zs);
    if (z == Z_MEM_ERROR)
        return z;
    return (z == Z_STREAM_END || (z == Z_OK && len == 0)) && n == want ? Z_OK : Z_DATA_ERROR;
}

int pqr_decompress(int codec, const uint8_t *src, size_t len, uint8_t *dst, size_t want, const char *what,
                   etlc_error *err)
{
    bool ok = false;
    switch (codec) {
    case PQ_CODEC_UNCOMPRESSED:
        ok = len == want;
        if (ok && len)
            memcpy(dst, src, len);
        break;
    case PQ_CODEC_SNAPPY: {
        size_t n = 0;
        ok = snappy_uncompressed_length((const char *)src, len, &n) == SNAPPY_OK && n == want &&
             snappy_uncompress((const char *)src, len, (char *)dst, &n) == SNAPPY_OK && n == want;
        break;
    }
    case PQ_CODEC_ZSTD: {
        size_t n = pq_zstd_decompress(dst, want, src, len);
        if (ZSTD_isError(n) && ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation)
            return etlc_error_set(err, ETLC_NO_MEMORY, "%s: out of memory decompressing a zstd page", what);
        ok = !ZSTD_isError(n) && n == want;
        break;
    }
    case PQ_CODEC_GZIP: {
        int z = gunzip(src, len, dst, want);
        if (z == Z_MEM_ERROR)
            return etlc_error_set(err, ETLC_NO_MEMORY, "%s: out of memory decompressing a gzip page", what);
        ok = z == Z_OK;
        break;
    }
    case PQ_CODEC_BROTLI: {
        size_t n = want;
        ok = BrotliDecoderDecompress(len, src, &n, dst) == BROTLI_DECODER_RESULT_SUCCESS && n == want;
        break;
    }
    case PQ_CODEC_LZ4_RAW:
        ok = lz4_raw(src, len, dst, want);
        break;
    case PQ_CODEC_LZ4:
        /* Hadoop framing (parquet-mr), or a bare block (older parquet-cpp). */
        ok = lz4_hadoop(src, len, dst, want) || lz4_raw(src, len, dst, want);
        break;
    default:
        return etlc_error_set(err, ETLC_UNSUPPORTED, "%s: pages compressed with %s are not read "
                              "(snappy, gzip, zstd, brotli, LZ4 and LZ4_RAW are)", what, pqr_codec_name(codec));
    }
    if (!ok)
        return etlc_error_set(err, ETLC_DATA, "%s: corrupt %s page (it does not decompress to its %zu bytes)",
                              what, pqr_codec_name(codec), want);
    return 0;
}
