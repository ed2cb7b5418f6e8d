/* Strict host key checking, always: the key the server offers must be in
 * the known_hosts file (for this host and port, hashed names included) or
 * equal the host_key_sha256 pin. Anything else is refused, and the message
 * shows the offered key's type and SHA256 fingerprint so an operator can
 * compare it with the server's (ssh-keygen -lf /etc/ssh/ssh_host_*.pub).
 * There is no "accept anything" setting. */
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssh_internal.h"

void etlc__ssh_fingerprint(const unsigned char *blob, size_t len, char out[64])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    unsigned char b64[48];
    strcpy(out, "SHA256:?");
    if (!EVP_Digest(blob, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32)
        return;
    int n = EVP_EncodeBlock(b64, md, 32);
    while (n > 0 && b64[n - 1] == '=') /* OpenSSH prints it without padding */
        n--;
    snprintf(out, 64, "SHA256:%.*s", n, (const char *)b64);
}

static const char *key_type_name(int type)
{
    switch (type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: return "ssh-rsa";
    case LIBSSH2_HOSTKEY_TYPE_DSS: return "ssh-dss";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return "ecdsa-sha2-nistp256";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return "ecdsa-sha2-nistp384";
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return "ecdsa-sha2-nistp521";
    case LIBSSH2_HOSTKEY_TYPE_ED25519: return "ssh-ed25519";
    default: return "unknown-type";
    }
}

static int knownhost_key_bit(int type)
{
    switch (type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS: return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519: return LIBSSH2_KNOWNHOST_KEY_ED25519;
    default: return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
    }
}

typedef struct offered {
    const char *key;
    size_t len;
    int type;
    char fp[64];
} offered;

/* Read the file line by line: libssh2's readfile gives up on the first line
 * it cannot parse (a key type it does not know); those lines are skipped.
 * "@revoked" lines go to `revoked`; "@cert-authority" lines are skipped
 * (host certificates are not supported). */
static int load_known_hosts(ssh_ctx *ctx, LIBSSH2_KNOWNHOSTS *known, LIBSSH2_KNOWNHOSTS *revoked,
                            etlc_error *err)
{
    FILE *f = fopen(ctx->known_hosts, "r");
    if (!f && !err)
        return ETLC_CONNECT;
    if (!f)
        return etlc_error_set(err, ETLC_CONNECT, "ssh: known_hosts file '%s' cannot be read: %s; "
                              "the server's host key cannot be checked, so %s:%d is refused "
                              "(set known_hosts or host_key_sha256)", ctx->known_hosts,
                              strerror(errno), ctx->host, ctx->port);
    char line[16384];
    unsigned skipped = 0;
    while (fgets(line, sizeof line, f)) {
        char *s = line + strspn(line, " \t");
        if (*s == '#' || *s == '\n' || *s == '\0')
            continue;
        LIBSSH2_KNOWNHOSTS *into = known;
        if (strncmp(s, "@revoked", 8) == 0 && (s[8] == ' ' || s[8] == '\t')) {
            into = revoked;
            s += 8 + strspn(s + 8, " \t");
        } else if (*s == '@') {
            skipped++;
            continue;
        }
        if (libssh2_knownhost_readline(into, s, strlen(s), LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0)
            skipped++;
    }
    fclose(f);
    if (skipped)
        etlc_log(ETLC_LOG_DEBUG, "ssh", "known_hosts '%s': %u line(s) skipped (unsupported key type "
                 "or marker)", ctx->known_hosts, skipped);
    return 0;
}

/* libssh2's host key method names for a known_hosts key type. */
static const char *methods_of(int knownhost_type)
{
    switch (knownhost_type & LIBSSH2_KNOWNHOST_KEY_MASK) {
    case LIBSSH2_KNOWNHOST_KEY_ED25519: return "ssh-ed25519";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_256: return "ecdsa-sha2-nistp256";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_384: return "ecdsa-sha2-nistp384";
    case LIBSSH2_KNOWNHOST_KEY_ECDSA_521: return "ecdsa-sha2-nistp521";
    case LIBSSH2_KNOWNHOST_KEY_SSHRSA: return "rsa-sha2-512,rsa-sha2-256,ssh-rsa";
    case LIBSSH2_KNOWNHOST_KEY_SSHDSS: return "ssh-dss";
    default: return NULL;
    }
}

/* This host's name as known_hosts writes it: "host", or "[host]:port". */
static bool names_this_host(const ssh_ctx *ctx, const char *name)
{
    if (!name)
        return false; /* a hashed entry: its types are not known before the check */
    char bracketed[320];
    snprintf(bracketed, sizeof bracketed, "[%s]:%d", ctx->host, ctx->port);
    return etlc__strcasecmp(name, ctx->port == 22 ? ctx->host : bracketed) == 0;
}

/* The key types known_hosts lists for this host (plain entries), as
 * libssh2 method names, comma-separated, into `out`. */
static void known_types(ssh_ctx *ctx, etlc__buf *out)
{
    LIBSSH2_KNOWNHOSTS *known = libssh2_knownhost_init(ctx->session);
    LIBSSH2_KNOWNHOSTS *revoked = libssh2_knownhost_init(ctx->session);
    FILE *probe = known && revoked ? fopen(ctx->known_hosts, "r") : NULL;
    if (probe) {
        fclose(probe);
        if (load_known_hosts(ctx, known, revoked, NULL) == 0) {
            struct libssh2_knownhost *e = NULL, *prev = NULL;
            while (libssh2_knownhost_get(known, &e, prev) == 0) {
                const char *m = names_this_host(ctx, e->name) ? methods_of(e->typemask) : NULL;
                if (m && !(out->data && strstr(out->data, m)))
                    (void)etlc__buf_printf(out, "%s%s", out->len ? "," : "", m);
                prev = e;
            }
        }
    }
    if (known)
        libssh2_knownhost_free(known);
    if (revoked)
        libssh2_knownhost_free(revoked);
}

static bool has_token(const char *list, const char *tok, size_t n)
{
    for (const char *s = list; s && *s;) {
        size_t seg = strcspn(s, ",");
        if (seg == n && strncmp(s, tok, n) == 0)
            return true;
        s += seg + (s[seg] == ',');
    }
    return false;
}

/* `want` without what this libssh2 does not support (its method_pref
 * strips those itself, but with an overlapping memcpy) and duplicates. */
static void supported_only(ssh_ctx *ctx, const char *want, etlc__buf *out)
{
    const char **algs = NULL;
    int n = libssh2_session_supported_algs(ctx->session, LIBSSH2_METHOD_HOSTKEY, &algs);
    for (const char *s = want; *s;) {
        size_t seg = strcspn(s, ",");
        bool ok = false;
        for (int i = 0; i < n && !ok; i++)
            ok = strlen(algs[i]) == seg && strncmp(algs[i], s, seg) == 0;
        if (ok && !(out->data && has_token(out->data, s, seg)))
            (void)etlc__buf_printf(out, "%s%.*s", out->len ? "," : "", (int)seg, s);
        s += seg + (s[seg] == ',');
    }
    if (algs)
        libssh2_free(ctx->session, (void *)algs);
}

/* As OpenSSH does: the types known_hosts lists for this host first, then
 * every other one, so a server with several host keys shows one that
 * known_hosts can check. */
static void known_first(ssh_ctx *ctx, etlc__buf *want)
{
    known_types(ctx, want);
    if (!want->len)
        return; /* no plain entry for the host: libssh2's own order */
    const char **algs = NULL;
    int n = libssh2_session_supported_algs(ctx->session, LIBSSH2_METHOD_HOSTKEY, &algs);
    for (int i = 0; i < n; i++)
        (void)etlc__buf_printf(want, ",%s", algs[i]);
    if (algs)
        libssh2_free(ctx->session, (void *)algs);
}

int etlc__ssh_prefer_host_key_types(ssh_ctx *ctx, etlc_error *err)
{
    etlc__buf want = {0}, pref = {0};
    const char *family = etlc__ssh_pin_family(ctx);
    if (family)
        (void)etlc__buf_puts(&want, family);
    else if (ctx->nalgorithms)
        for (size_t i = 0; i < ctx->nalgorithms; i++)
            (void)etlc__buf_printf(&want, "%s%s", want.len ? "," : "", ctx->algorithms[i]);
    else if (ctx->known_hosts)
        known_first(ctx, &want);
    if (want.len)
        supported_only(ctx, want.data, &pref);
    int rc = 0;
    if (want.len && !pref.len) {
        if (family) /* this libssh2 has no such key type: the next one */
            rc = etlc__ssh_pin_next(ctx, NULL, NULL) ? ETLC_CONNECT : etlc__ssh_pin_refuse(ctx, err);
        else
            rc = etlc_error_set(err, ETLC_CONFIG_RANGE, "host_key_algorithms: none of '%s' is "
                                "supported by libssh2 %s", want.data, LIBSSH2_VERSION);
    } else if (pref.len) {
        etlc_log(ETLC_LOG_DEBUG, "ssh", "host key algorithms asked for: %s", pref.data);
        if (libssh2_session_method_pref(ctx->session, LIBSSH2_METHOD_HOSTKEY, pref.data) != 0)
            rc = etlc__ssh_fail(ctx, ETLC_CONNECT, err, "cannot ask for host key types %s", pref.data);
    }
    etlc__buf_free(&want);
    etlc__buf_free(&pref);
    return rc;
}

static int check_known_hosts(ssh_ctx *ctx, const offered *k, etlc_error *err)
{
    LIBSSH2_KNOWNHOSTS *known = libssh2_knownhost_init(ctx->session);
    LIBSSH2_KNOWNHOSTS *revoked = libssh2_knownhost_init(ctx->session);
    int rc = known && revoked ? load_known_hosts(ctx, known, revoked, err)
                              : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory checking the host key");
    int mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | knownhost_key_bit(k->type);
    struct libssh2_knownhost *entry = NULL;
    if (rc == 0 && libssh2_knownhost_checkp(revoked, ctx->host, ctx->port, k->key, k->len, mask,
                                            &entry) == LIBSSH2_KNOWNHOST_CHECK_MATCH)
        rc = etlc_error_set(err, ETLC_CONNECT, "ssh: the host key of %s:%d (%s %s) is marked "
                            "@revoked in '%s'; refused", ctx->host, ctx->port, key_type_name(k->type),
                            k->fp, ctx->known_hosts);
    int check = rc == 0 ? libssh2_knownhost_checkp(known, ctx->host, ctx->port, k->key, k->len, mask,
                                                   &entry)
                        : LIBSSH2_KNOWNHOST_CHECK_MATCH;
    if (check == LIBSSH2_KNOWNHOST_CHECK_MISMATCH)
        rc = etlc_error_set(err, ETLC_CONNECT, "ssh: HOST KEY CHANGED for %s:%d: the server offered %s "
                            "%s, which is not the key known_hosts '%s' holds for it (someone may be "
                            "intercepting the connection, or the host key was replaced); refused. "
                            "If the new key is right, replace the entry (ssh-keygen -R) or pin it with "
                            "host_key_sha256", ctx->host, ctx->port, key_type_name(k->type), k->fp,
                            ctx->known_hosts);
    else if (check == LIBSSH2_KNOWNHOST_CHECK_NOTFOUND)
        rc = etlc_error_set(err, ETLC_CONNECT, "ssh: unknown host key for %s:%d: the server offered %s "
                            "%s and known_hosts '%s' has no %s key for this host; refused. If the "
                            "fingerprint is right, add the key to known_hosts (ssh-keyscan -p %d %s) or "
                            "set host_key_sha256: %s", ctx->host, ctx->port, key_type_name(k->type),
                            k->fp, ctx->known_hosts, key_type_name(k->type), ctx->port, ctx->host, k->fp);
    else if (check == LIBSSH2_KNOWNHOST_CHECK_FAILURE)
        rc = etlc_error_set(err, ETLC_CONNECT, "ssh: the host key of %s:%d (%s %s) could not be checked "
                            "against '%s'; refused", ctx->host, ctx->port, key_type_name(k->type), k->fp,
                            ctx->known_hosts);
    if (known)
        libssh2_knownhost_free(known);
    if (revoked)
        libssh2_knownhost_free(revoked);
    return rc;
}

int etlc__ssh_check_host_key(ssh_ctx *ctx, etlc_error *err)
{
    offered k = {0};
    k.key = libssh2_session_hostkey(ctx->session, &k.len, &k.type);
    if (!k.key)
        return etlc__ssh_fail(ctx, ETLC_CONNECT, err, "%s:%d offered no host key", ctx->host, ctx->port);
    etlc__ssh_fingerprint((const unsigned char *)k.key, k.len, k.fp);
    etlc_log(ETLC_LOG_DEBUG, "ssh", "%s:%d offers host key %s %s", ctx->host, ctx->port,
             key_type_name(k.type), k.fp);
    if (ctx->pin && strcmp(ctx->pin, k.fp + 7) != 0) {
        if (etlc__ssh_pin_probing(ctx))
            return etlc__ssh_pin_next(ctx, key_type_name(k.type), k.fp)
                       ? etlc_error_set(err, ETLC_CONNECT, "ssh: %s key not pinned; asking for another type",
                                        key_type_name(k.type))
                       : etlc__ssh_pin_refuse(ctx, err);
        return etlc_error_set(err, ETLC_CONNECT, "ssh: host key mismatch for %s:%d: the server offered "
                              "%s %s but host_key_sha256 pins SHA256:%s; refused", ctx->host, ctx->port,
                              key_type_name(k.type), k.fp, ctx->pin);
    }
    return ctx->known_hosts ? check_known_hosts(ctx, &k, err) : 0;
}
