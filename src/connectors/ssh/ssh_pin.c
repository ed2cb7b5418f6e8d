/* A host_key_sha256 pin on a server with several host keys (ed25519,
 * ECDSA, RSA): the pin does not say its key type, and libssh2 asks for
 * ECDSA first. So when only a pin is set and it does not match, the
 * handshake is made again asking for one key type after another until the
 * pinned key is offered; the type found is kept for reconnects. When no
 * type matches, the refusal lists every key the server offered. */
#include <stdio.h>
#include <string.h>

#include "ssh_internal.h"

static const char *const families[] = {
    "ssh-ed25519",
    "ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521",
    "rsa-sha2-512,rsa-sha2-256,ssh-rsa",
    "ssh-dss",
};
#define NFAMILIES (int)(sizeof families / sizeof families[0])

bool etlc__ssh_pin_probing(const ssh_ctx *ctx)
{
    return ctx->pin && !ctx->nalgorithms && !ctx->known_hosts;
}

const char *etlc__ssh_pin_family(const ssh_ctx *ctx)
{
    return ctx->pin_probe > 0 && ctx->pin_probe <= NFAMILIES ? families[ctx->pin_probe - 1] : NULL;
}

bool etlc__ssh_pin_next(ssh_ctx *ctx, const char *type, const char *fp)
{
    if (fp && !strstr(ctx->offered, fp)) {
        size_t n = strlen(ctx->offered);
        snprintf(ctx->offered + n, sizeof ctx->offered - n, "%s%s %s", n ? ", " : "", type, fp);
    }
    if (!etlc__ssh_pin_probing(ctx) || ctx->pin_probe >= NFAMILIES)
        return false;
    ctx->pin_probe++;
    ctx->probe_again = true;
    return true;
}

int etlc__ssh_pin_refuse(ssh_ctx *ctx, etlc_error *err)
{
    ctx->pin_probe = 0;
    return etlc_error_set(err, ETLC_CONNECT, "ssh: host key mismatch for %s:%d: host_key_sha256 pins "
                          "SHA256:%s but the server offered %s; refused", ctx->host, ctx->port,
                          ctx->pin, ctx->offered[0] ? ctx->offered : "no key that matches");
}
