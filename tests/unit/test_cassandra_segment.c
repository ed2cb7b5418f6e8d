/* The CQL v5 segment codec (cql_segment.c) without a server. Known vectors
 * were computed with the Python cassandra-driver's own implementation
 * (cassandra/segment.py, 3.30.1: SegmentCodec, compute_crc24, CRC32_INITIAL;
 * LZ4 through the system liblz4 via ctypes, since the driver's lz4 module is
 * optional) and are compared byte for byte: CRC24/CRC32, plain and LZ4
 * segments, an envelope split over two segments. Then every cut and every
 * flipped byte of a segment must fail cleanly, and lying lengths must fail
 * before anything is sized by them. Real v5 answers of Cassandra 5.0.6
 * (tests/fuzz/corpus/cassandra_frame/seed-v5*-*: mode byte, then the
 * segments as received) decode through segments to the same values as v4. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/cassandra/cql_internal.h"

static size_t unhex(const char *hex, uint8_t *out)
{
    size_t n = strlen(hex) / 2;
    for (size_t i = 0; i < n; i++) {
        char b[3] = {hex[2 * i], hex[2 * i + 1], 0};
        out[i] = (uint8_t)strtoul(b, NULL, 16);
    }
    return n;
}

/* A v5 OPTIONS request envelope and its segment from segment.py. */
static const uint8_t options_env[] = {0x05, 0, 0, 0, 0x05, 0, 0, 0, 0};
static const char options_seg[] = "090002a4c8c10500000005000000001086284d";
static const char empty_seg[] = "0000026a36c4d37e7744";
/* 780 bytes of repeated CQL, LZ4 segment; and 16 incompressible bytes. */
static const char lz4_seg[] =
    "3400180604efeb7cff1853454c454354202a2046524f4d2065746c632e6f7264657273205748455245206964203d"
    "203f202700ffffcf50203d203f2023f9bd26";
static const char lz4_stored_seg[] = "1000000004b37a6a000102030405060708090a0b0c0d0e0f8b531b6a";
#define LZ4_TEXT "SELECT * FROM etlc.orders WHERE id = ? "

static void test_crc_vectors(void **state)
{
    (void)state;
    assert_int_equal(etlc__cql_crc32((const uint8_t *)"hello", 5), 0xb60e8074u);
    uint8_t zero[3] = {0, 0, 0}, h[3] = {0x09, 0x01, 0x02};
    assert_int_equal(etlc__cql_crc24(zero, 3), 0x7de777u);
    assert_int_equal(etlc__cql_crc24(h, 3), 0x636efbu);
}

static void assert_encodes_to(const uint8_t *env, size_t len, bool lz4, const char *want_hex)
{
    uint8_t want[256];
    size_t n = unhex(want_hex, want);
    etlc__buf out = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__cql_seg_encode(&out, env, len, lz4, &err), 0);
    assert_int_equal(out.len, n);
    assert_memory_equal(out.data, want, n);
    /* and back */
    etlc__buf back = {0};
    bool self = false;
    size_t used = 0;
    assert_int_equal(etlc__cql_seg_decode(want, n, lz4, &back, &self, &used, &err), 0);
    assert_true(self);
    assert_int_equal(used, n);
    assert_int_equal(back.len, len);
    if (len)
        assert_memory_equal(back.data, env, len);
    etlc__buf_free(&out);
    etlc__buf_free(&back);
}

static void test_plain_vectors(void **state)
{
    (void)state;
    assert_encodes_to(options_env, sizeof options_env, false, options_seg);
    assert_encodes_to(NULL, 0, false, empty_seg);
}

static void test_lz4_vectors(void **state)
{
    (void)state;
    char text[800] = "";
    for (int i = 0; i < 20; i++)
        strcat(text, LZ4_TEXT);
    assert_int_equal(strlen(text), 780);
    assert_encodes_to((const uint8_t *)text, 780, true, lz4_seg);
    uint8_t raw[16];
    for (int i = 0; i < 16; i++)
        raw[i] = (uint8_t)i;
    /* not smaller compressed: stored as is, uncompressed length 0 in the header */
    assert_encodes_to(raw, 16, true, lz4_stored_seg);
}

/* 200,000 bytes: two segments (131,071 + 68,929), neither self-contained. */
static void test_split_envelope(void **state)
{
    (void)state;
    size_t n = 200000;
    uint8_t *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = (uint8_t)(i * 7 + 3);
    etlc__buf out = {0}, back = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__cql_seg_encode(&out, big, n, false, &err), 0);
    assert_int_equal(out.len, 200020);
    uint8_t h1[6], h2[6], c1[4];
    unhex("ffff013891fe", h1);
    unhex("410d013ede37", h2);
    unhex("9720564e", c1);
    const uint8_t *o = (const uint8_t *)out.data;
    assert_memory_equal(o, h1, 6);
    assert_memory_equal(o + 6 + 131071, c1, 4);
    assert_memory_equal(o + 131081, h2, 6);
    size_t at = 0, used;
    bool self = true;
    while (at < out.len) {
        assert_int_equal(etlc__cql_seg_decode(o + at, out.len - at, false, &back, &self, &used, &err), 0);
        assert_false(self);
        at += used;
    }
    assert_int_equal(back.len, n);
    assert_memory_equal(back.data, big, n);
    /* with LZ4 the same envelope round-trips too */
    etlc__buf_reset(&out);
    etlc__buf_reset(&back);
    assert_int_equal(etlc__cql_seg_encode(&out, big, n, true, &err), 0);
    for (at = 0; at < out.len; at += used)
        assert_int_equal(etlc__cql_seg_decode((const uint8_t *)out.data + at, out.len - at, true, &back,
                                              &self, &used, &err), 0);
    assert_int_equal(back.len, n);
    assert_memory_equal(back.data, big, n);
    etlc__buf_free(&out);
    etlc__buf_free(&back);
    free(big);
}

/* Every shorter prefix fails; every flipped byte fails (a CRC catches it). */
static void cut_and_flip(const char *hex, bool lz4)
{
    uint8_t seg[256];
    size_t n = unhex(hex, seg);
    etlc_error err = {0};
    bool self;
    size_t used;
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any over-read */
        memcpy(copy, seg, cut);
        etlc__buf out = {0};
        assert_int_equal(etlc__cql_seg_decode(copy, cut, lz4, &out, &self, &used, &err), ETLC_PROTOCOL);
        assert_int_equal(out.len, 0);
        etlc__buf_free(&out);
        free(copy);
    }
    for (size_t i = 0; i < n; i++) {
        etlc__buf out = {0};
        seg[i] ^= 0x5A;
        int rc = etlc__cql_seg_decode(seg, n, lz4, &out, &self, &used, &err);
        seg[i] ^= 0x5A;
        assert_int_equal(rc, ETLC_PROTOCOL);
        assert_non_null(strstr(err.message, "CRC") ? err.message : strstr(err.message, "holds only"));
        etlc__buf_free(&out);
    }
}

static void test_cuts_and_flips(void **state)
{
    (void)state;
    cut_and_flip(options_seg, false);
    cut_and_flip(lz4_seg, true);
    cut_and_flip(lz4_stored_seg, true);
}

/* A header with a valid CRC24 claiming the largest payload: refused for the
 * bytes missing, never sized beyond 128 KiB; an LZ4 segment whose stated
 * uncompressed length is wrong fails the decompression check. */
static void test_lying_lengths(void **state)
{
    (void)state;
    uint8_t seg[64] = {0xff, 0xff, 0x01};
    uint32_t crc = etlc__cql_crc24(seg, 3);
    seg[3] = (uint8_t)crc;
    seg[4] = (uint8_t)(crc >> 8);
    seg[5] = (uint8_t)(crc >> 16);
    cql_seg_header h;
    etlc_error err = {0};
    assert_int_equal(etlc__cql_seg_header_parse(seg, false, &h, &err), 0);
    assert_int_equal(h.payload_len, CQL_SEG_MAX_PAYLOAD);
    etlc__buf out = {0};
    bool self;
    size_t used;
    assert_int_equal(etlc__cql_seg_decode(seg, sizeof seg, false, &out, &self, &used, &err), ETLC_PROTOCOL);
    assert_non_null(strstr(err.message, "holds only"));
    /* the LZ4 vector with its uncompressed length changed (and the CRC24 redone) */
    uint8_t lz[128];
    size_t n = unhex(lz4_seg, lz);
    uint64_t v = 0;
    for (int i = 4; i >= 0; i--)
        v = v << 8 | lz[i];
    v = (v & ~((uint64_t)CQL_SEG_MAX_PAYLOAD << 17)) | ((uint64_t)781 << 17);
    for (int i = 0; i < 5; i++)
        lz[i] = (uint8_t)(v >> (8 * i));
    crc = etlc__cql_crc24(lz, 5);
    lz[5] = (uint8_t)crc;
    lz[6] = (uint8_t)(crc >> 8);
    lz[7] = (uint8_t)(crc >> 16);
    assert_int_equal(etlc__cql_seg_decode(lz, n, true, &out, &self, &used, &err), ETLC_PROTOCOL);
    assert_non_null(strstr(err.message, "781"));
    etlc__buf_free(&out);
}

/* A v5 envelope (version 0x85) carried in a segment decodes as a response
 * of v5; the same bytes are refused on a v4 connection. */
static void test_v5_envelope(void **state)
{
    (void)state;
    uint8_t env[] = {0x85, 0, 0, 0, CQL_OP_RESULT, 0, 0, 0, 4, 0, 0, 0, 1 /* Void */};
    etlc__buf segs = {0}, back = {0};
    etlc_error err = {0};
    bool self;
    size_t used;
    assert_int_equal(etlc__cql_seg_encode(&segs, env, sizeof env, false, &err), 0);
    assert_int_equal(etlc__cql_seg_decode((const uint8_t *)segs.data, segs.len, false, &back, &self,
                                          &used, &err), 0);
    cql_resp resp;
    assert_int_equal(etlc__cql_frame_decode_v((const uint8_t *)back.data, back.len, CQL_V5, 1024, &resp,
                                              &err), 0);
    assert_int_equal(resp.h.opcode, CQL_OP_RESULT);
    etlc__cql_resp_free(&resp);
    assert_int_equal(etlc__cql_frame_decode((const uint8_t *)back.data, back.len, 1024, &resp, &err),
                     ETLC_PROTOCOL);
    etlc__buf_free(&segs);
    etlc__buf_free(&back);
}

/* A seed's segments -> the one envelope inside, decoded as a v5 response. */
static void seed_resp(const char *name, cql_resp *resp)
{
    char path[1024];
    size_t len, at = 1, used;
    snprintf(path, sizeof path, "%s/tests/fuzz/corpus/cassandra_frame/seed-%s", ETLCONN_SOURCE_DIR, name);
    uint8_t *d = (uint8_t *)tu_read_file(path, &len);
    assert_non_null(d);
    etlc__buf env = {0};
    etlc_error err = {0};
    bool self;
    while (at < len) {
        assert_int_equal(etlc__cql_seg_decode(d + at, len - at, d[0] & 1, &env, &self, &used, &err), 0);
        at += used;
    }
    assert_int_equal(((const uint8_t *)env.data)[0], 0x85);
    assert_int_equal(etlc__cql_frame_decode_v((const uint8_t *)env.data, env.len, CQL_V5, CQL_MAX_FRAME,
                                              resp, &err), 0);
    etlc__buf_free(&env);
    free(d);
}

static void assert_alltypes(const char *name)
{
    cql_resp resp;
    seed_resp(name, &resp);
    etlc_batch *b = NULL;
    uint8_t *next = NULL;
    size_t nl = 0;
    etlc_error err = {0};
    assert_int_equal(etlc__cql_result_rows(&resp, &b, &next, &nl, &err), 0);
    assert_true(b->nrows >= 3);
    size_t id = 0, t = 0, du = 0;
    for (size_t i = 0; i < b->ncols; i++) {
        const char *n = b->cols[i].def.name;
        id = strcmp(n, "id") ? id : i;
        t = strcmp(n, "t") ? t : i;
        du = strcmp(n, "du") ? du : i;
    }
    size_t r = 0;
    while (r < b->nrows && b->cols[id].fixed.i64[r] != 1)
        r++;
    assert_true(r < b->nrows);
    size_t vl;
    const uint8_t *v = etlc_column_var(&b->cols[t], r, &vl);
    assert_int_equal(vl, 5);
    assert_memory_equal(v, "t\xc3\xabxt", 5);
    /* v5 sends duration as its own type id (0x15), v4 as a custom class */
    v = etlc_column_var(&b->cols[du], r, &vl);
    assert_int_equal(vl, strlen("{\"months\":1,\"days\":2,\"nanoseconds\":3}"));
    assert_memory_equal(v, "{\"months\":1,\"days\":2,\"nanoseconds\":3}", vl);
    etlc_batch_free(b);
    free(next);
    etlc__cql_resp_free(&resp);
}

static void test_real_v5_answers(void **state)
{
    (void)state;
    assert_alltypes("v5-rows_alltypes");
    assert_alltypes("v5lz4-rows_alltypes");
    /* Prepared in v5: id, then the result metadata id, then the markers */
    const char *prepared[] = {"v5-prepared", "v5lz4-prepared"};
    for (int k = 0; k < 2; k++) {
        cql_resp resp;
        seed_resp(prepared[k], &resp);
        cql_stmt st = {0};
        etlc_error err = {0};
        assert_int_equal(etlc__cql_prepared_read(&resp, &st, &err), 0);
        assert_int_equal(st.version, CQL_V5);
        assert_int_equal(st.id_len, 16);
        assert_int_equal(st.result_md_id_len, 16);
        assert_int_equal(st.vars.ncols, 1);
        assert_string_equal(st.vars.names[0], "id");
        etlc__cql_stmt_free(&st);
        etlc__cql_resp_free(&resp);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_vectors),    cmocka_unit_test(test_plain_vectors),
        cmocka_unit_test(test_lz4_vectors),    cmocka_unit_test(test_split_envelope),
        cmocka_unit_test(test_cuts_and_flips), cmocka_unit_test(test_lying_lengths),
        cmocka_unit_test(test_v5_envelope),    cmocka_unit_test(test_real_v5_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
