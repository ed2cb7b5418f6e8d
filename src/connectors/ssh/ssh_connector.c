/* The ssh connector (alias sftp): remote files over SFTP landed into the
 * lake as they are (bytes capability only). connect opens the session, so
 * a refused host key or a failed login is reported at once. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/http.h"
#include "ssh_internal.h"

static void ssh_close(void *vctx)
{
    ssh_ctx *ctx = vctx;
    etlc__ssh_disconnect(ctx);
    free(ctx->known_hosts);
    free(ctx->root);
    free(ctx->root_abs);
    free(ctx->pin_buf);
    ctx->known_hosts = ctx->root = ctx->root_abs = ctx->pin_buf = NULL;
}

/* "SHA256:abc...=" or "abc..." -> "abc..." (43 base64 characters). */
static int normalize_pin(ssh_ctx *ctx, const char *pin, etlc_error *err)
{
    if (strncmp(pin, "SHA256:", 7) == 0)
        pin += 7;
    size_t n = strlen(pin);
    while (n > 0 && pin[n - 1] == '=')
        n--;
    bool ok = n == 43;
    for (size_t i = 0; ok && i < n; i++)
        ok = strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", pin[i]) != NULL;
    if (!ok)
        return etlc_error_set(err, ETLC_CONFIG_RANGE, "host_key_sha256 '%s' is not a SHA256 fingerprint "
                              "as OpenSSH prints it (ssh-keygen -lf KEY: \"SHA256:\" and 43 base64 "
                              "characters)", pin);
    ctx->pin = ctx->pin_buf = etlc__strndup(pin, n);
    return ctx->pin ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
}

static int default_known_hosts(ssh_ctx *ctx, etlc_error *err)
{
    const char *home = getenv("HOME");
    struct passwd *pw = (!home || !*home) ? getpwuid(getuid()) : NULL;
    if (pw)
        home = pw->pw_dir;
    etlc__buf b = {0};
    if (etlc__buf_printf(&b, "%s/.ssh/known_hosts", home ? home : "") != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    ctx->known_hosts = etlc__buf_take(&b);
    return 0;
}

static int read_settings(ssh_ctx *ctx, const etlc_config *cfg, etlc_error *err)
{
    ctx->host = etlc_config_get_string(cfg, "host");
    ctx->port = (int)etlc_config_get_int(cfg, "port");
    ctx->username = etlc_config_get_string(cfg, "username");
    ctx->password = etlc_config_has(cfg, "password") ? etlc_config_get_string(cfg, "password") : NULL;
    ctx->private_key = etlc_config_has(cfg, "private_key") ? etlc_config_get_string(cfg, "private_key") : NULL;
    ctx->passphrase = etlc_config_has(cfg, "private_key_passphrase")
                          ? etlc_config_get_string(cfg, "private_key_passphrase") : NULL;
    ctx->use_agent = etlc_config_get_bool(cfg, "use_agent");
    ctx->nalgorithms = etlc_config_get_list(cfg, "host_key_algorithms", &ctx->algorithms);
    ctx->follow_symlinks = etlc_config_get_bool(cfg, "follow_symlinks");
    ctx->chunk_size = (size_t)etlc_config_get_int(cfg, "chunk_size");
    etlc__http_settings net;
    int rc = etlc__http_settings_from_config(cfg, &net, err);
    if (rc != 0)
        return rc;
    ctx->connect_timeout_ms = net.connect_timeout_ms > 0 ? net.connect_timeout_ms : 10000;
    ctx->stall_timeout_ms = net.low_speed_time_ms > 0 ? net.low_speed_time_ms : 0;
    ctx->retry_max = net.retry_max;
    ctx->retry_base_ms = net.retry_base_ms;
    ctx->retry_cap_ms = net.retry_cap_ms;
    const char *root = etlc_config_get_string(cfg, "root");
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    if (!(ctx->root = etlc__strndup(root, n)))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    const char *pin = etlc_config_has(cfg, "host_key_sha256") ? etlc_config_get_string(cfg, "host_key_sha256") : NULL;
    if (pin && *pin && (rc = normalize_pin(ctx, pin, err)) != 0)
        return rc;
    const char *kh = etlc_config_has(cfg, "known_hosts") ? etlc_config_get_string(cfg, "known_hosts") : NULL;
    if (kh && *kh) {
        ctx->known_hosts_explicit = true;
        if (!(ctx->known_hosts = etlc__strdup(kh)))
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    } else if (!ctx->pin && (rc = default_known_hosts(ctx, err)) != 0) {
        return rc;
    }
    const char *source = etlc_config_get_string(cfg, "source");
    snprintf(ctx->source, sizeof ctx->source, "%s", source && *source ? source : ctx->host);
    return 0;
}

static int ssh_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    ssh_ctx *ctx = vctx;
    int rc = read_settings(ctx, cfg, err);
    return rc ? rc : etlc__ssh_ensure(ctx, err);
}

/* Healthy when the server is reachable, its host key verified, the login
 * accepted and the root a directory. */
static int ssh_test(void *vctx, etlc_health *health, etlc_error *err)
{
    ssh_ctx *ctx = vctx;
    double t0 = etlc__monotonic_ms();
    etlc_error e = {0};
    LIBSSH2_SFTP_ATTRIBUTES a;
    int rc = etlc__ssh_ensure(ctx, &e);
    if (rc == 0 && libssh2_sftp_stat(ctx->sftp, ctx->root_abs, &a) != 0)
        rc = etlc__ssh_fail(ctx, ETLC_IO, &e, "cannot stat root '%s'", ctx->root_abs);
    health->latency_ms = etlc__monotonic_ms() - t0;
    snprintf(health->server_version, sizeof health->server_version, "%s", ctx->server_banner);
    health->healthy = rc == 0 && LIBSSH2_SFTP_S_ISDIR(a.permissions);
    if (rc != 0)
        snprintf(health->detail, sizeof health->detail, "%s", e.message);
    else
        snprintf(health->detail, sizeof health->detail, "sftp://%s@%s:%d%s %s", ctx->username,
                 ctx->host, ctx->port, ctx->root_abs,
                 health->healthy ? "(host key verified, logged in, root is a directory)"
                                 : "is not a directory");
    (void)err;
    return 0;
}

static bool ssh_alive(void *vctx)
{
    ssh_ctx *ctx = vctx;
    return ctx->sftp != NULL && !ctx->broken;
}

static void ssh_source_name(void *vctx, char *buf, size_t bufsz)
{
    ssh_ctx *ctx = vctx;
    snprintf(buf, bufsz, "%s", ctx->source);
}

static const etlc_bytes_ops ssh_bytes = {
    .list = etlc__ssh_list,
    .open = etlc__ssh_open,
    .open_at = etlc__ssh_open_at,
    .remove = etlc__ssh_remove,
    .move = etlc__ssh_move,
};

static const char *const ssh_aliases[] = {"sftp", NULL};

const etlc_connector_ops etlc_connector_ssh = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "ssh",
    .aliases = ssh_aliases,
    .description = "Remote files over SFTP (OpenSSH and others), strict host key checking, landed as they are",
    .options = &etlc__ssh_options,
    .context_size = sizeof(ssh_ctx),
    .connect = ssh_connect,
    .test = ssh_test,
    .alive = ssh_alive,
    .source_name = ssh_source_name,
    .close = ssh_close,
    .bytes = &ssh_bytes,
};
