/* The amqp connector's settings from its config: url parts fill what the
 * keys leave unset (like ftp's url). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amqp_internal.h"

static int dup_opt(const etlc_config *cfg, const char *key, char **dst)
{
    const char *v = etlc_config_has(cfg, key) ? etlc_config_get_string(cfg, key) : NULL;
    if (!v || !*v)
        return 0;
    *dst = etlc__strdup(v);
    return *dst ? 0 : -1;
}

static int fill(char **dst, const char *v)
{
    if (*dst || !v)
        return 0;
    *dst = etlc__strdup(v);
    return *dst ? 0 : -1;
}

/* amqp_parse_url writes into its buffer: parse a copy, take what is unset. */
static int apply_url(amqp_ctx *ctx, const char *url, bool tls_set, etlc_error *err)
{
    char *copy = etlc__strdup(url);
    if (!copy)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the amqp url");
    struct amqp_connection_info ci;
    amqp_default_connection_info(&ci);
    int rc = 0;
    if (amqp_parse_url(copy, &ci) != AMQP_STATUS_OK) /* the url may hold a password: not quoted */
        rc = etlc_error_set(err, ETLC_CONFIG, "amqp: 'url' is not an amqp:// or amqps:// URL");
    /* "amqp://host/" names the empty vhost; users mean the default one. */
    const char *vhost = ci.vhost && *ci.vhost ? ci.vhost : "/";
    if (rc == 0 && (fill(&ctx->host, ci.host) || fill(&ctx->vhost, vhost) ||
                    fill(&ctx->username, ci.user) || fill(&ctx->password, ci.password)))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the amqp url");
    if (rc == 0 && ci.password && *ci.password)
        etlc_redact_register_secret(ci.password); /* decoded, it may differ from the url's text */
    if (rc == 0 && !tls_set)
        ctx->tls = ci.ssl != 0;
    /* amqp_parse_url defaults the port: only an explicit one counts. */
    if (rc == 0 && !ctx->port && strchr(strchr(url, '@') ? strchr(url, '@') : url + 8, ':'))
        ctx->port = ci.port;
    size_t len = strlen(url);
    memset(copy, 0, len); /* it held the password */
    free(copy);
    return rc;
}

static int read_keys(amqp_ctx *ctx, const etlc_config *cfg, etlc_error *err)
{
    ctx->tls = etlc_config_get_bool(cfg, "tls");
    ctx->tls_verify = etlc_config_get_bool(cfg, "tls_verify");
    ctx->prefetch = etlc_config_get_int(cfg, "prefetch");
    ctx->heartbeat_s = (int)(etlc_config_get_duration_ms(cfg, "heartbeat") / 1000);
    ctx->connect_timeout_ms = etlc_config_get_duration_ms(cfg, "connect_timeout");
    ctx->reconnect_timeout_ms = etlc_config_get_duration_ms(cfg, "reconnect_timeout");
    if (etlc_config_has(cfg, "port"))
        ctx->port = (int)etlc_config_get_int(cfg, "port");
    int rc = etlc__value_format_parse(etlc_config_get_string(cfg, "value_format"),
                                      &ctx->value_format, err);
    if (rc != 0)
        return rc;
    if (dup_opt(cfg, "host", &ctx->host) || dup_opt(cfg, "vhost", &ctx->vhost) ||
        dup_opt(cfg, "username", &ctx->username) || dup_opt(cfg, "password", &ctx->password) ||
        dup_opt(cfg, "queue", &ctx->queue) || dup_opt(cfg, "tls_ca_file", &ctx->tls_ca_file))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the amqp config");
    return 0;
}

int etlc__amqp_read_config(amqp_ctx *ctx, const etlc_config *cfg, etlc_error *err)
{
    int rc = read_keys(ctx, cfg, err);
    const char *url = etlc_config_has(cfg, "url") ? etlc_config_get_string(cfg, "url") : NULL;
    etlc_layer layer = ETLC_LAYER_DEFAULT;
    const char *origin = NULL;
    bool tls_set = etlc_config_provenance(cfg, "tls", &layer, &origin) && layer != ETLC_LAYER_DEFAULT;
    if (rc == 0 && url && *url)
        rc = apply_url(ctx, url, tls_set, err);
    if (rc == 0 && (!ctx->host || !*ctx->host))
        rc = etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "amqp needs 'host' (or a 'url')");
    if (rc == 0 && (fill(&ctx->vhost, "/") || fill(&ctx->username, "guest") ||
                    fill(&ctx->password, "guest")))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the amqp config");
    if (rc == 0 && !ctx->port)
        ctx->port = ctx->tls ? 5671 : 5672;
    const char *source = etlc_config_has(cfg, "source") ? etlc_config_get_string(cfg, "source") : NULL;
    snprintf(ctx->source, sizeof ctx->source, "%s",
             source && *source ? source : ctx->host ? ctx->host : "amqp");
    return rc;
}

void etlc__amqp_free_config(amqp_ctx *ctx)
{
    free(ctx->host);
    free(ctx->vhost);
    free(ctx->username);
    etlc__free_secret(ctx->password);
    free(ctx->queue);
    free(ctx->tls_ca_file);
    memset(ctx, 0, sizeof *ctx);
}
