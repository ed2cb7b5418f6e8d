/* Page compression: zstd, snappy, gzip or none, with reusable contexts. */
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_customMem: exported by libzstd.so too */
#include <zstd.h>
#include <zstd_errors.h> /* ZSTD_error_memory_allocation */

#include "sinks/parquet/pq.h"

struct pq_compressor {
    etlc_parquet_codec codec;
    int level;
    ZSTD_CCtx *zstd;
    z_stream gz;
    bool gz_ready;
};

#ifdef ETLCONN_FAULT_INJECTION
/* Test builds: zstd's workspaces can fail like our own blocks (core/fault.h). */
static void *zstd_fi_alloc(void *opaque, size_t n)
{
    (void)opaque;
    return etlc__fi_lib_malloc(ETLC__FI_ZSTD, n);
}

static void zstd_fi_free(void *opaque, void *p)
{
    (void)opaque;
    free(p);
}

static const ZSTD_customMem zstd_mem = {zstd_fi_alloc, zstd_fi_free, NULL};

static voidpf zlib_fi_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return etlc__fi_lib_malloc(ETLC__FI_ZLIB, (size_t)items * size);
}

static void zlib_fi_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    free(p);
}

void pq_zlib_allocator(z_stream *zs)
{
    zs->zalloc = zlib_fi_alloc;
    zs->zfree = zlib_fi_free;
    zs->opaque = Z_NULL;
}
#else
static const ZSTD_customMem zstd_mem = {NULL, NULL, NULL}; /* ZSTD_defaultCMem */

void pq_zlib_allocator(z_stream *zs)
{
    zs->zalloc = Z_NULL; /* zlib's own */
    zs->zfree = Z_NULL;
    zs->opaque = Z_NULL;
}
#endif

size_t pq_zstd_decompress(void *dst, size_t cap, const void *src, size_t len)
{
    ZSTD_DCtx *d = ZSTD_createDCtx_advanced(zstd_mem);
    if (!d)
        return (size_t)-ZSTD_error_memory_allocation;
    size_t n = ZSTD_decompressDCtx(d, dst, cap, src, len);
    ZSTD_freeDCtx(d);
    return n;
}

int pq_codec_thrift_id(etlc_parquet_codec codec)
{
    switch (codec) {
    case ETLC_PARQUET_SNAPPY: return PQ_CODEC_SNAPPY;
    case ETLC_PARQUET_GZIP: return PQ_CODEC_GZIP;
    case ETLC_PARQUET_ZSTD: return PQ_CODEC_ZSTD;
    default: return PQ_CODEC_UNCOMPRESSED;
    }
}

int pq_compressor_new(etlc_parquet_codec codec, int level, pq_compressor **out)
{
    pq_compressor *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->codec = codec;
    c->level = level;
    if (codec == ETLC_PARQUET_ZSTD) {
        c->zstd = ZSTD_createCCtx_advanced(zstd_mem);
        if (!c->zstd || ZSTD_isError(ZSTD_CCtx_setParameter(c->zstd, ZSTD_c_compressionLevel,
                                                             level ? level : 1))) {
            pq_compressor_free(c);
            return -1;
        }
    } else if (codec == ETLC_PARQUET_GZIP) {
        /* windowBits 15 + 16: a gzip wrapper, which is what Parquet's GZIP means. */
        pq_zlib_allocator(&c->gz);
        if (deflateInit2(&c->gz, level ? level : 6, Z_DEFLATED, 15 + 16, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK) {
            free(c);
            return -1;
        }
        c->gz_ready = true;
    }
    *out = c;
    return 0;
}

void pq_compressor_free(pq_compressor *c)
{
    if (!c)
        return;
    ZSTD_freeCCtx(c->zstd);
    if (c->gz_ready)
        deflateEnd(&c->gz);
    free(c);
}

int pq_compress(pq_compressor *c, const void *src, size_t len, etlc__buf *out, etlc_error *err)
{
    etlc__buf_reset(out);
    switch (c->codec) {
    case ETLC_PARQUET_ZSTD: {
        size_t bound = ZSTD_compressBound(len);
        if (etlc__buf_reserve(out, bound) != 0)
            break;
        size_t n = ZSTD_compress2(c->zstd, out->data, bound, src, len);
        if (ZSTD_isError(n) && ZSTD_getErrorCode(n) == ZSTD_error_memory_allocation)
            break; /* zstd's own workspace: out of memory like ours */
        if (ZSTD_isError(n))
            return etlc_error_set(err, ETLC_INTERNAL, "zstd compression of a %zu-byte page failed: %s",
                                  len, ZSTD_getErrorName(n));
        out->len = n;
        return 0;
    }
    case ETLC_PARQUET_SNAPPY: {
        size_t bound = snappy_max_compressed_length(len);
        if (etlc__buf_reserve(out, bound) != 0)
            break;
        size_t n = bound;
        if (snappy_compress(src, len, out->data, &n) != SNAPPY_OK)
            return etlc_error_set(err, ETLC_INTERNAL, "snappy compression of a %zu-byte page failed",
                                  len);
        out->len = n;
        return 0;
    }
    case ETLC_PARQUET_GZIP: {
        if (deflateReset(&c->gz) != Z_OK)
            return etlc_error_set(err, ETLC_INTERNAL, "gzip: deflateReset failed");
        size_t bound = deflateBound(&c->gz, (uLong)len) + 32;
        if (etlc__buf_reserve(out, bound) != 0)
            break;
        c->gz.next_in = (Bytef *)(uintptr_t)src;
        c->gz.avail_in = (uInt)len;
        c->gz.next_out = (Bytef *)out->data;
        c->gz.avail_out = (uInt)bound;
        if (deflate(&c->gz, Z_FINISH) != Z_STREAM_END)
            return etlc_error_set(err, ETLC_INTERNAL, "gzip compression of a %zu-byte page failed",
                                  len);
        out->len = bound - c->gz.avail_out;
        return 0;
    }
    default:
        if (etlc__buf_append(out, src, len) != 0)
            break;
        return 0;
    }
    return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory compressing a %zu-byte page", len);
}

int etlc_parquet_codec_parse(const char *name, etlc_parquet_codec *out, etlc_error *err)
{
    static const struct { const char *name; etlc_parquet_codec codec; } names[] = {
        {"zstd", ETLC_PARQUET_ZSTD}, {"snappy", ETLC_PARQUET_SNAPPY},
        {"gzip", ETLC_PARQUET_GZIP}, {"none", ETLC_PARQUET_NONE},
        {"uncompressed", ETLC_PARQUET_NONE}};
    if (!name || !*name) {
        *out = ETLC_PARQUET_ZSTD;
        return 0;
    }
    for (size_t i = 0; i < ETLC__ARRAY_LEN(names); i++)
        if (etlc__strcasecmp(name, names[i].name) == 0) {
            *out = names[i].codec;
            return 0;
        }
    return etlc_error_set(err, ETLC_CONFIG_RANGE,
                          "compression: \"%s\" is not one of zstd, snappy, gzip, none", name);
}

const char *etlc_parquet_codec_name(etlc_parquet_codec codec)
{
    switch (codec) {
    case ETLC_PARQUET_ZSTD: return "zstd";
    case ETLC_PARQUET_SNAPPY: return "snappy";
    case ETLC_PARQUET_GZIP: return "gzip";
    default: return "none";
    }
}

int etlc_parquet_level_check(etlc_parquet_codec codec, int level, etlc_error *err)
{
    if (level == 0)
        return 0;
    int max = codec == ETLC_PARQUET_ZSTD ? 22 : codec == ETLC_PARQUET_GZIP ? 9 : 0;
    if (max == 0)
        return etlc_error_set(err, ETLC_CONFIG_RANGE,
                              "compression_level %d: %s has no levels (zstd takes 1..22, gzip 1..9)",
                              level, etlc_parquet_codec_name(codec));
    if (level < 1 || level > max)
        return etlc_error_set(err, ETLC_CONFIG_RANGE, "compression_level %d is not in 1..%d for %s",
                              level, max, etlc_parquet_codec_name(codec));
    return 0;
}
