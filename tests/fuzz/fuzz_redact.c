/* libFuzzer target: etlc_redact / etlc_redact_dup must never crash, never
 * write past or fill more than the output buffer, and a registered secret
 * planted anywhere in the input must never survive. See README.md.
 *
 * Input: byte 0 picks the planted secret and the output size, byte 1 where
 * the secret goes; the rest (up to a NUL) is the message. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etlconn/etlconn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Registered once: a fixed set keeps the registry (global, process-wide)
 * from growing with every input. Shapes: plain, URL-ish, token-ish, with
 * spaces, one a prefix of another (longest first), one with quote chars. */
static const char *const secrets[] = {
    "Sekrit-Passw0rd", "Sekrit", "p4ss:w@rd/x", "tok+/==abcdEFGH", "a b c",
    "\"quoted'", "p*ss", "%s%n%x", "\\x00\\n",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int registered;
    if (!registered) {
        for (size_t i = 0; i < sizeof secrets / sizeof *secrets; i++)
            etlc_redact_register_secret(secrets[i]);
        registered = 1;
    }
    if (size < 2)
        return 0;
    const char *secret = secrets[data[0] % (sizeof secrets / sizeof *secrets)];
    size_t outsz = (size_t)(data[0] >> 4) * 17; /* 0..255, 0 included */
    if (data[0] & 8)
        outsz = 1u << 16;
    const char *msg = (const char *)data + 2;
    size_t mlen = strnlen(msg, size - 2);
    size_t at = mlen ? data[1] % (mlen + 1) : 0;
    size_t slen = strlen(secret);

    /* message with the secret planted at `at`, NUL-terminated */
    char *in = malloc(mlen + slen + 1);
    if (!in)
        return 0;
    memcpy(in, msg, at);
    memcpy(in + at, secret, slen);
    memcpy(in + at + slen, msg + at, mlen - at);
    in[mlen + slen] = '\0';

    char *dup = etlc_redact_dup(in);
    if (!dup)
        abort(); /* only out of memory may return NULL */
    if (strstr(dup, secret)) {
        fprintf(stderr, "secret '%s' survived redaction of '%s': '%s'\n", secret, in, dup);
        abort();
    }

    char *out = outsz ? malloc(outsz) : NULL;
    if (outsz && !out) {
        free(in);
        free(dup);
        return 0;
    }
    size_t n = etlc_redact(in, out, outsz);
    if (outsz == 0) {
        if (n != 0)
            abort();
    } else {
        if (n >= outsz || out[n] != '\0' || strlen(out) != n)
            abort();
        if (strstr(out, secret) || strncmp(out, dup, n) != 0)
            abort(); /* the bounded form is a prefix of the full one */
    }
    /* The raw message too (no planted secret): must not crash. */
    char *raw = malloc(mlen + 1);
    if (raw) {
        memcpy(raw, msg, mlen);
        raw[mlen] = '\0';
        free(etlc_redact_dup(raw));
        free(raw);
    }
    free(out);
    free(dup);
    free(in);
    return 0;
}
