/* The Parquet reader's decoders on known bytes: DELTA_BINARY_PACKED (the
 * format spec's examples, wide bit widths, wrapping), BYTE_STREAM_SPLIT,
 * the RLE / bit-packed hybrid, Hadoop-framed and raw LZ4, and the
 * refusals of malformed input. */
#include <lz4.h>
#include <string.h>

#include "sinks/parquet/read.h"
#include "sinks/parquet/read_decode.h"
#include "testutil.h"

static void put_uleb(uint8_t **p, uint64_t v)
{
    while (v >= 0x80) {
        *(*p)++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *(*p)++ = (uint8_t)v;
}

static void put_zz(uint8_t **p, int64_t v) { put_uleb(p, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }

static void test_delta_spec_example(void **state)
{
    (void)state;
    /* Spec example 1: 1 2 3 4 5 -> deltas 1 1 1 1, min delta 1, bit width 0. */
    uint8_t buf[64] = {0}, *p = buf;
    put_uleb(&p, 128); put_uleb(&p, 4); put_uleb(&p, 5); put_zz(&p, 1);
    put_zz(&p, 1);
    *p++ = 0; *p++ = 0; *p++ = 0; *p++ = 0; /* four miniblocks of width 0: no bodies */
    int64_t out[5];
    size_t used = 0;
    assert_true(pqr_delta_decode(buf, p, out, 5, &used));
    assert_int_equal(used, (size_t)(p - buf));
    for (int i = 0; i < 5; i++)
        assert_int_equal(out[i], i + 1);
    /* The header's count must be the page's value count. */
    assert_false(pqr_delta_decode(buf, p, out, 4, &used));
    assert_false(pqr_delta_decode(buf, p - 1, out, 5, &used)); /* a miniblock width missing */
}

static void test_delta_wide(void **state)
{
    (void)state;
    /* 7 5 3 1 2 3 4 5 (spec example 2): min delta -2, deltas +2 -> 0 0 0 3 3 3 3, width 2. */
    uint8_t buf[128] = {0}, *p = buf;
    put_uleb(&p, 128); put_uleb(&p, 4); put_uleb(&p, 8); put_zz(&p, 7);
    put_zz(&p, -2);
    *p++ = 2; *p++ = 0; *p++ = 0; *p++ = 0;
    uint8_t body[8] = {0};   /* 32 values of 2 bits: 0 0 0 3 3 3 3, then zeros */
    int adj[7] = {0, 0, 0, 3, 3, 3, 3};
    for (int i = 0; i < 7; i++)
        body[i * 2 / 8] |= (uint8_t)(adj[i] << (i * 2 % 8));
    memcpy(p, body, 8);
    p += 8;
    int64_t out[8];
    size_t used;
    assert_true(pqr_delta_decode(buf, p, out, 8, &used));
    int64_t want[8] = {7, 5, 3, 1, 2, 3, 4, 5};
    assert_memory_equal(out, want, sizeof want);
    /* 64-bit wide deltas wrap like the writer's arithmetic: INT64_MIN then INT64_MAX. */
    p = buf;
    put_uleb(&p, 128); put_uleb(&p, 4); put_uleb(&p, 2); put_zz(&p, INT64_MIN);
    put_zz(&p, -1); /* delta INT64_MAX - INT64_MIN = -1 (mod 2^64) */
    *p++ = 0; *p++ = 0; *p++ = 0; *p++ = 0;
    assert_true(pqr_delta_decode(buf, p, out, 2, &used));
    assert_int_equal(out[0], INT64_MIN);
    assert_int_equal(out[1], INT64_MAX);
    /* A bit width above 64 is malformed. */
    p = buf;
    put_uleb(&p, 128); put_uleb(&p, 4); put_uleb(&p, 2); put_zz(&p, 0);
    put_zz(&p, 0);
    *p++ = 65; *p++ = 0; *p++ = 0; *p++ = 0;
    memset(p, 0, 64);
    assert_false(pqr_delta_decode(buf, p + 64, out, 2, &used));
}

static void test_bss(void **state)
{
    (void)state;
    float in[3] = {1.5f, -2.25f, 1e30f}, back[3];
    uint8_t split[12];
    const uint8_t *b = (const uint8_t *)in;
    for (int k = 0; k < 4; k++)
        for (int i = 0; i < 3; i++)
            split[k * 3 + i] = b[i * 4 + k];
    assert_true(pqr_bss_decode(split, split + 12, 4, 3, (uint8_t *)back));
    assert_memory_equal(in, back, sizeof in);
    assert_false(pqr_bss_decode(split, split + 11, 4, 3, (uint8_t *)back)); /* short stream */
}

static void test_rle(void **state)
{
    (void)state;
    /* A run of 3 ones, then one bit-packed group of 8: 1 0 1 0 1 0 1 0. */
    uint8_t buf[] = {0x06, 0x01, 0x03, 0x55};
    uint32_t out[11];
    assert_true(pqr_rle_decode(buf, buf + sizeof buf, 1, out, 11));
    uint32_t want[11] = {1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0};
    assert_memory_equal(out, want, sizeof want);
    assert_false(pqr_rle_decode(buf, buf + 3, 1, out, 11));  /* the group's byte is missing */
    uint8_t big[] = {0x02, 0x02};                             /* run value 2 does not fit 1 bit */
    assert_false(pqr_rle_decode(big, big + 2, 1, out, 1));
}

static void test_lz4_framings(void **state)
{
    (void)state;
    char raw[1000];
    for (int i = 0; i < 1000; i++)
        raw[i] = (char)("parquet"[i % 7]);
    char comp[1100];
    int n = LZ4_compress_default(raw, comp, 1000, (int)sizeof comp);
    assert_true(n > 0);
    uint8_t out[1000], framed[1200];
    etlc_error err = {0};
    assert_int_equal(pqr_decompress(PQ_CODEC_LZ4_RAW, (uint8_t *)comp, (size_t)n, out, 1000, "t", &err), 0);
    assert_memory_equal(out, raw, 1000);
    /* Hadoop framing: BE32 uncompressed length, BE32 compressed length, block. */
    framed[0] = 0; framed[1] = 0; framed[2] = 1000 >> 8; framed[3] = 1000 & 255;
    framed[4] = 0; framed[5] = 0; framed[6] = (uint8_t)(n >> 8); framed[7] = (uint8_t)n;
    memcpy(framed + 8, comp, (size_t)n);
    memset(out, 0, sizeof out);
    assert_int_equal(pqr_decompress(PQ_CODEC_LZ4, framed, (size_t)n + 8, out, 1000, "t", &err), 0);
    assert_memory_equal(out, raw, 1000);
    /* The old bare-block LZ4 of parquet-cpp is read too. */
    assert_int_equal(pqr_decompress(PQ_CODEC_LZ4, (uint8_t *)comp, (size_t)n, out, 1000, "t", &err), 0);
    /* A wrong size names the codec. */
    assert_int_equal(pqr_decompress(PQ_CODEC_LZ4_RAW, (uint8_t *)comp, (size_t)n, out, 999, "t", &err), ETLC_DATA);
    assert_non_null(strstr(err.message, "LZ4_RAW"));
    assert_int_equal(pqr_decompress(3, (uint8_t *)comp, (size_t)n, out, 1000, "t", &err), ETLC_UNSUPPORTED);
    assert_non_null(strstr(err.message, "LZO"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delta_spec_example), cmocka_unit_test(test_delta_wide),
        cmocka_unit_test(test_bss), cmocka_unit_test(test_rle), cmocka_unit_test(test_lz4_framings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
