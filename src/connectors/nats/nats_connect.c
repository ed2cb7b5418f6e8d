/* Connecting: nats.c options from the config (servers, credentials,
 * TLS, reconnects), the connection, and the JetStream context when a
 * stream is set. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nats_internal.h"

/* Signs the server's nonce with the configured nkey seed (never logged). */
static natsStatus sign_nonce(char **custom_err, unsigned char **signature, int *len,
                             const char *nonce, void *closure)
{
    nats_ctx *ctx = closure;
    natsStatus s = nats_Sign(ctx->nkey_seed, nonce, signature, len);
    if (s != NATS_OK && custom_err)
        *custom_err = strdup("the nkey_seed option cannot sign (is it a user seed, SU...?)");
    return s;
}

static const char *opt(const etlc_config *cfg, const char *key)
{
    const char *v = etlc_config_has(cfg, key) ? etlc_config_get_string(cfg, key) : NULL;
    return v && *v ? v : NULL;
}

static natsStatus set_auth(nats_ctx *ctx, natsOptions *o, const etlc_config *cfg, etlc_error *err,
                           bool *config_error)
{
    natsStatus s = NATS_OK;
    const char *user = opt(cfg, "user"), *token = opt(cfg, "token");
    const char *creds = opt(cfg, "credentials_file"), *nkey = opt(cfg, "nkey");
    const char *seed = opt(cfg, "nkey_seed");
    if (!nkey != !seed) {
        *config_error = true;
        etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "nats: nkey and nkey_seed go together: set both");
        return NATS_INVALID_ARG;
    }
    if (user)
        s = natsOptions_SetUserInfo(o, user, opt(cfg, "password"));
    if (s == NATS_OK && token)
        s = natsOptions_SetToken(o, token);
    if (s == NATS_OK && creds)
        s = natsOptions_SetUserCredentialsFromFiles(o, creds, NULL);
    if (s == NATS_OK && seed) {
        ctx->nkey_seed = strdup(seed);
        s = ctx->nkey_seed ? natsOptions_SetNKey(o, nkey, sign_nonce, ctx) : NATS_NO_MEMORY;
    }
    return s;
}

static void on_reconnected(natsConnection *nc, void *closure)
{
    nats_ctx *ctx = closure;
    (void)nc;
    __atomic_add_fetch(&ctx->reconnects, 1, __ATOMIC_SEQ_CST);
}

static natsStatus build_options(nats_ctx *ctx, natsOptions *o, const etlc_config *cfg,
                                etlc_error *err, bool *config_error)
{
    const char *const *servers = NULL;
    size_t n = etlc_config_get_list(cfg, "servers", &servers);
    natsStatus s = natsOptions_SetServers(o, (const char **)servers, (int)n);
    if (s == NATS_OK)
        s = natsOptions_SetName(o, "etlconn");
    if (s == NATS_OK)
        s = natsOptions_SetTimeout(o, etlc_config_get_duration_ms(cfg, "connect_timeout"));
    if (s == NATS_OK)
        s = natsOptions_SetMaxReconnect(o, (int)etlc_config_get_int(cfg, "max_reconnect"));
    if (s == NATS_OK)
        s = natsOptions_SetReconnectWait(o, etlc_config_get_duration_ms(cfg, "reconnect_wait"));
    if (s == NATS_OK)
        s = natsOptions_SetNoRandomize(o, true); /* servers in the order given */
    if (s == NATS_OK)
        s = natsOptions_SetReconnectedCB(o, on_reconnected, ctx);
    const char *ca = opt(cfg, "tls_ca_file");
    if (s == NATS_OK && ca)
        s = natsOptions_SetSecure(o, true);
    if (s == NATS_OK && ca)
        s = natsOptions_LoadCATrustedCertificates(o, ca);
    if (s == NATS_OK)
        s = set_auth(ctx, o, cfg, err, config_error);
    return s;
}

static int read_settings(nats_ctx *ctx, const etlc_config *cfg, etlc_error *err)
{
    int rc = etlc__value_format_parse(etlc_config_get_string(cfg, "value_format"), &ctx->format, err);
    if (rc != 0)
        return rc;
    const char *dp = etlc_config_get_string(cfg, "deliver_policy");
    ctx->deliver_policy = strcmp(dp, "new") == 0    ? js_DeliverNew
                          : strcmp(dp, "last") == 0 ? js_DeliverLast
                                                    : js_DeliverAll;
    ctx->ack_all = strcmp(etlc_config_get_string(cfg, "ack_policy"), "all") == 0;
    ctx->ack_wait_ms = etlc_config_get_duration_ms(cfg, "ack_wait");
    ctx->max_ack_pending = etlc_config_get_int(cfg, "max_ack_pending");
    ctx->fetch_batch = etlc_config_get_int(cfg, "fetch_batch");
    const char *stream = opt(cfg, "stream"), *durable = opt(cfg, "durable");
    const char *source = opt(cfg, "source");
    if ((stream && !(ctx->stream = strdup(stream))) || (durable && !(ctx->durable = strdup(durable))))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the nats options");
    snprintf(ctx->source, sizeof ctx->source, "%s", source ? source : stream ? stream : "nats");
    return 0;
}

int etlc__nats_connect(nats_ctx *ctx, const etlc_config *cfg, etlc_error *err)
{
    int rc = read_settings(ctx, cfg, err);
    if (rc != 0)
        return rc;
    natsOptions *o = NULL;
    bool config_error = false;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK)
        s = build_options(ctx, o, cfg, err, &config_error);
    if (s != NATS_OK) {
        natsOptions_Destroy(o);
        return config_error ? err->code : etlc__nats_error(err, s, 0, "cannot set the connection options up");
    }
    s = natsConnection_Connect(&ctx->nc, o);
    natsOptions_Destroy(o);
    if (s != NATS_OK)
        return etlc__nats_error(err, s, 0, "cannot connect to the servers");
    if (ctx->stream) {
        jsOptions jo;
        jsOptions_Init(&jo);
        s = natsConnection_JetStream(&ctx->js, ctx->nc, &jo);
        if (s != NATS_OK)
            return etlc__nats_error(err, s, 0, "cannot open a JetStream context");
    }
    return 0;
}
