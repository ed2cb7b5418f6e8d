/* The gsheets connector without a server: ValueRange rows -> batch (header
 * names by the column-name rule, per-column types, dates, NULL padding,
 * header_row off, an empty range) and the RS256 JWT (verified here with
 * OpenSSL against the key's public half, claims decoded and checked). */
#include "testutil.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/gsheets/gsheets_internal.h"

static etlc_batch *convert(const char *json, bool header, const gs_formats *fmt)
{
    json_error_t je;
    json_t *values = json_loads(json, 0, &je);
    assert_non_null(values);
    gs_ctx ctx = {.header_row = header};
    etlc_batch *b = NULL;
    etlc_error err = {0};
    int rc = etlc__gs_batch(&ctx, values, fmt, "S!A1:Z9", &b, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.message);
    assert_int_equal(rc, 0);
    json_decref(values);
    return b;
}

static void test_names_types_nulls(void **state)
{
    (void)state;
    bool dates[] = {false, false, false, false, true, false};
    gs_formats fmt = {.is_date = dates, .n = 6};
    etlc_batch *b = convert("[[\"n\", \"\", \"n\", \"mix\", \"d\", \"flag\"],"
                            " [1, \"a\", 1.5, 1, 45658.5, true],"
                            " [2, \"\", 2, \"x\", 45659],"
                            " [3]]", true, &fmt);
    assert_int_equal(b->ncols, 6);
    assert_int_equal(b->nrows, 3);
    const char *names[] = {"n", "column_2", "n_2", "mix", "d", "flag"};
    etlc_type types[] = {ETLC_TYPE_INT64, ETLC_TYPE_TEXT, ETLC_TYPE_DOUBLE, ETLC_TYPE_TEXT,
                         ETLC_TYPE_TIMESTAMP, ETLC_TYPE_BOOL};
    for (size_t c = 0; c < 6; c++) {
        assert_string_equal(b->cols[c].def.name, names[c]);
        assert_int_equal(b->cols[c].def.type, types[c]);
    }
    assert_int_equal(b->cols[0].fixed.i64[2], 3);
    assert_true(b->cols[1].nulls[1]);                       /* "" is NULL */
    assert_int_equal(b->cols[4].fixed.i64[0], 1735732800000000LL); /* 2025-01-01T12:00Z */
    for (size_t c = 1; c < 6; c++)
        assert_true(b->cols[c].nulls[2]);                   /* ragged row padded */
    assert_int_equal(b->cols[3].null_count, 1);
    etlc_batch_free(b);
}

static void test_no_header_and_empty(void **state)
{
    (void)state;
    etlc_batch *b = convert("[[\"a\", 1], [\"b\", 2, true]]", false, NULL);
    assert_int_equal(b->nrows, 2);
    assert_int_equal(b->ncols, 3);
    assert_string_equal(b->cols[2].def.name, "column_3");
    assert_int_equal(b->cols[1].def.type, ETLC_TYPE_INT64);
    etlc_batch_free(b);
    b = convert("[]", true, NULL); /* Sheets omits `values` of an empty range */
    assert_int_equal(b->nrows, 0);
    assert_int_equal(b->ncols, 1);
    etlc_batch_free(b);
}

static unsigned char *b64url_decode(const char *s, size_t n, int *outlen)
{
    char *t = calloc(n + 4, 1);
    size_t k;
    for (k = 0; k < n; k++)
        t[k] = s[k] == '-' ? '+' : s[k] == '_' ? '/' : s[k];
    while (k % 4)
        t[k++] = '=';
    unsigned char *out = calloc(k, 1);
    *outlen = EVP_DecodeBlock(out, (unsigned char *)t, (int)k);
    *outlen -= (int)(k - n);  /* padding bytes decoded as zeros */
    free(t);
    return out;
}

static void test_jwt_rs256(void **state)
{
    (void)state;
    EVP_PKEY *key = EVP_RSA_gen(2048);
    assert_non_null(key);
    BIO *bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL), 1);
    char *pem = NULL;
    long len = BIO_get_mem_data(bio, &pem);
    gs_ctx ctx = {.client_email = "a@b.iam", .scopes = "s1 s2", .token_uri = "http://t/token"};
    ctx.private_key = strndup(pem, (size_t)len);
    char *jwt = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc__gs_jwt(&ctx, 1700000000, &jwt, &err), 0);
    char *dot1 = strchr(jwt, '.'), *dot2 = strrchr(jwt, '.');
    assert_true(dot1 && dot2 > dot1);
    int n;
    unsigned char *hdr = b64url_decode(jwt, (size_t)(dot1 - jwt), &n);
    assert_memory_equal(hdr, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", 27);
    unsigned char *claims = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &n);
    json_t *c = json_loadb((char *)claims, (size_t)n, 0, NULL);
    assert_non_null(c);
    assert_string_equal(json_string_value(json_object_get(c, "iss")), "a@b.iam");
    assert_string_equal(json_string_value(json_object_get(c, "aud")), "http://t/token");
    assert_string_equal(json_string_value(json_object_get(c, "scope")), "s1 s2");
    assert_int_equal(json_integer_value(json_object_get(c, "exp")) -
                     json_integer_value(json_object_get(c, "iat")), 3600);
    int siglen;
    unsigned char *sig = b64url_decode(dot2 + 1, strlen(dot2 + 1), &siglen);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key), 1);
    assert_int_equal(EVP_DigestVerify(md, sig, (size_t)siglen, (unsigned char *)jwt,
                                      (size_t)(dot2 - jwt)), 1);
    jwt[5] ^= 1; /* a changed byte no longer verifies */
    assert_int_not_equal(EVP_DigestVerify(md, sig, (size_t)siglen, (unsigned char *)jwt,
                                          (size_t)(dot2 - jwt)), 1);
    EVP_MD_CTX_free(md);
    free(ctx.private_key);
    ctx.private_key = "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n";
    char *none = NULL;
    assert_int_equal(etlc__gs_jwt(&ctx, 1700000000, &none, &err), ETLC_AUTH);
    assert_null(none);
    free(sig);
    free(claims);
    free(hdr);
    json_decref(c);
    free(jwt);
    BIO_free(bio);
    EVP_PKEY_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_types_nulls),
        cmocka_unit_test(test_no_header_and_empty),
        cmocka_unit_test(test_jwt_rs256),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
