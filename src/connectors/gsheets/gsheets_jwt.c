/* The service account's JWT assertion (RFC 7523 JWT-bearer grant, as
 * Google documents it): header {"alg":"RS256","typ":"JWT"}, claims iss
 * (client_email), scope, aud (token_uri), iat and exp = iat + 1 h, signed
 * with the PEM private key by OpenSSL's EVP_DigestSign (SHA-256, PKCS#1 v1.5). */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "gsheets_internal.h"

/* base64url without padding of [data, data+len) appended to b. */
static int b64url(etlc__buf *b, const unsigned char *data, size_t len)
{
    size_t cap = 4 * ((len + 2) / 3) + 1;
    unsigned char *tmp = malloc(cap);
    if (!tmp)
        return -1;
    int n = EVP_EncodeBlock(tmp, data, (int)len);
    while (n > 0 && tmp[n - 1] == '=')
        n--;
    for (int i = 0; i < n; i++)
        tmp[i] = tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' : tmp[i];
    int rc = etlc__buf_append(b, tmp, (size_t)n);
    free(tmp);
    return rc;
}

static int sign(EVP_PKEY *key, const etlc__buf *input, etlc__buf *out)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char *sig = NULL;
    size_t siglen = 0;
    int ok = md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)input->data, input->len) == 1 &&
             (sig = malloc(siglen)) != NULL &&
             EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input->data, input->len) == 1;
    int rc = ok ? 0 : -1;
    if (ok && (etlc__buf_putc(out, '.') || b64url(out, sig, siglen)))
        rc = -2;
    free(sig);
    EVP_MD_CTX_free(md);
    return rc;
}

static EVP_PKEY *load_key(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"") : NULL;
    BIO_free(bio);
    return key;
}

int etlc__gs_jwt(const gs_ctx *ctx, int64_t now, char **out, etlc_error *err)
{
    *out = NULL;
    EVP_PKEY *key = load_key(ctx->private_key);
    if (!key)
        return etlc_error_set(err, ETLC_AUTH, "gsheets: private_key of %s is not a PEM private "
                              "key OpenSSL can read", ctx->client_email);
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        EVP_PKEY_free(key);
        return etlc_error_set(err, ETLC_AUTH, "gsheets: private_key of %s is not an RSA key "
                              "(RS256 needs one)", ctx->client_email);
    }
    static const char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
    json_t *claims = json_pack("{s:s,s:s,s:s,s:I,s:I}", "iss", ctx->client_email, "scope",
                               ctx->scopes, "aud", ctx->token_uri, "iat", (json_int_t)now, "exp",
                               (json_int_t)(now + 3600));
    char *ctext = claims ? json_dumps(claims, JSON_COMPACT) : NULL;
    json_decref(claims);
    etlc__buf b = {0};
    int rc = ctext && !b64url(&b, (const unsigned char *)header, strlen(header)) &&
                     !etlc__buf_putc(&b, '.') &&
                     !b64url(&b, (const unsigned char *)ctext, strlen(ctext)) ? 0 : -2;
    free(ctext);
    if (rc == 0)
        rc = sign(key, &b, &b);
    EVP_PKEY_free(key);
    if (rc != 0) {
        etlc__buf_free(&b);
        return rc == -2 ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory signing the JWT")
                        : etlc_error_set(err, ETLC_AUTH, "gsheets: OpenSSL could not sign the JWT "
                                         "with the private key of %s", ctx->client_email);
    }
    *out = etlc__buf_take(&b);
    return *out ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory signing the JWT");
}
