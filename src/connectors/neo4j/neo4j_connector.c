/* The neo4j connector: one Bolt session per connector (used by one thread
 * at a time), reopened when it broke; the health check and the ops table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neo4j_internal.h"

static void neo4j_close(void *vctx)
{
    neo4j_ctx *ctx = vctx;
    if (!ctx->inited) /* connect never ran: the zeroed fd 0 is not ours */
        return;
    if (ctx->conn.fd >= 0 && !ctx->conn.broken) { /* GOODBYE: a courtesy, its failure does not matter */
        etlc_error ignored = {0};
        if (etlc__n4j_begin_msg(&ctx->conn, N4J_MSG_GOODBYE, 0) == 0)
            etlc__n4j_send(&ctx->conn, &ignored);
    }
    etlc__n4j_io_close(&ctx->conn);
    free(ctx->host);
    free(ctx->database);
    free(ctx->username);
    free(ctx->ca_file);
    etlc__free_secret(ctx->password);
    ctx->host = ctx->database = ctx->username = ctx->ca_file = ctx->password = NULL;
}

static int session_open(neo4j_ctx *ctx, etlc_error *err)
{
    etlc__n4j_io_close(&ctx->conn);
    int64_t io_timeout = ctx->conn.io_timeout_ms;
    size_t max_message = ctx->conn.max_message;
    memset(&ctx->conn, 0, sizeof ctx->conn);
    ctx->conn.fd = -1;
    ctx->conn.io_timeout_ms = io_timeout;
    ctx->conn.max_message = max_message;
    int rc = etlc__n4j_io_connect(&ctx->conn, ctx->host, ctx->port, ctx->connect_timeout_ms, &ctx->tls, err);
    if (rc == ETLC_OK)
        rc = etlc__n4j_open(&ctx->conn, &ctx->login, err);
    if (rc != ETLC_OK)
        ctx->conn.broken = true;
    return rc;
}

static int dup_opt(const etlc_config *cfg, const char *key, char **out, etlc_error *err)
{
    const char *v = etlc__config_text(cfg, key);
    *out = v ? etlc__strdup(v) : NULL;
    return v && !*out ? etlc_error_set(err, ETLC_NO_MEMORY, "neo4j: out of memory") : ETLC_OK;
}

static int read_config(neo4j_ctx *ctx, const etlc_config *cfg, etlc_error *err)
{
    const char *uri = etlc__config_text(cfg, "uri");
    int rc, tls_mode = N4J_URI_PLAIN;
    if (uri) {
        if ((rc = etlc__n4j_parse_uri(uri, &ctx->host, &ctx->port, &tls_mode, err)) != ETLC_OK)
            return rc;
    } else {
        if ((rc = dup_opt(cfg, "host", &ctx->host, err)) != ETLC_OK)
            return rc;
        if (!ctx->host)
            return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "neo4j: set uri or host");
        ctx->port = (int)etlc_config_get_int(cfg, "port");
    }
    if ((rc = dup_opt(cfg, "database", &ctx->database, err)) || (rc = dup_opt(cfg, "username", &ctx->username, err)) ||
        (rc = dup_opt(cfg, "password", &ctx->password, err)) || (rc = dup_opt(cfg, "tls_ca_file", &ctx->ca_file, err)))
        return rc;
    ctx->tls.on = uri ? tls_mode != N4J_URI_PLAIN : etlc_config_get_bool(cfg, "tls");
    ctx->tls.verify = uri && tls_mode != N4J_URI_PLAIN ? tls_mode == N4J_URI_TLS : etlc_config_get_bool(cfg, "tls_verify");
    ctx->tls.ca_file = ctx->ca_file;
    ctx->tls.host = ctx->host;
    ctx->fetch_size = etlc_config_get_int(cfg, "fetch_size");
    ctx->connect_timeout_ms = etlc_config_get_duration_ms(cfg, "connect_timeout");
    ctx->conn.io_timeout_ms = etlc_config_get_duration_ms(cfg, "read_timeout");
    ctx->conn.max_message = (size_t)etlc_config_get_int(cfg, "max_message_size");
    const char *ver = etlc_config_get_string(cfg, "bolt_version");
    ctx->login.version_pref = ver && strcmp(ver, "5") == 0 ? 5 : ver && strcmp(ver, "4.4") == 0 ? 44 : 0;
    ctx->login.username = ctx->username ? ctx->username : "";
    ctx->login.password = ctx->password;
    ctx->login.user_agent = etlc_config_get_string(cfg, "user_agent");
    return ETLC_OK;
}

static int neo4j_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    neo4j_ctx *ctx = vctx;
    ctx->conn.fd = -1;
    ctx->inited = true;
    int rc = read_config(ctx, cfg, err);
    if (rc == ETLC_OK)
        rc = session_open(ctx, err);
    if (rc == ETLC_OK)
        etlc_log(ETLC_LOG_INFO, "neo4j", "connected to %s (%s, Bolt %u.%u)%s", ctx->conn.where, ctx->conn.server,
                 ctx->conn.major, ctx->conn.minor, ctx->tls.on ? " over TLS" : "");
    return rc;
}

/* A usable session: reopened when broken, RESET after a failure. */
static int session_ready(neo4j_ctx *ctx, etlc_error *err)
{
    if (!ctx->conn.broken && ctx->conn.failed)
        etlc__n4j_reset(&ctx->conn, err);
    if (ctx->conn.broken || ctx->conn.fd < 0) {
        etlc_log(ETLC_LOG_INFO, "neo4j", "reconnecting to %s", ctx->conn.where);
        return session_open(ctx, err);
    }
    return ETLC_OK;
}

static int neo4j_fetch(void *vctx, const etlc_fetch_request *req, etlc_batch_consumer consumer, etlc_error *err)
{
    neo4j_ctx *ctx = vctx;
    int rc = session_ready(ctx, err);
    return rc == ETLC_OK ? etlc__n4j_fetch(ctx, req, consumer, err) : rc;
}

/* RETURN 1 in an auto-commit read on the configured database. */
static int ping(neo4j_ctx *ctx, etlc_error *err)
{
    n4j_conn *c = &ctx->conn;
    int rc = session_ready(ctx, err);
    if (rc == ETLC_OK && (rc = etlc__n4j_send_run(ctx, "RETURN 1", NULL, 0, true, err)) == ETLC_OK &&
        (rc = etlc__n4j_send_pull(c, -1, err)) == ETLC_OK && (rc = etlc__n4j_expect_success(c, "RETURN 1", err)) == ETLC_OK) {
        uint8_t sig = 0;
        while ((rc = etlc__n4j_recv(c, &sig, err)) == ETLC_OK && sig == N4J_MSG_RECORD)
            ;
        if (rc == ETLC_OK && sig != N4J_MSG_SUCCESS)
            rc = sig == N4J_MSG_FAILURE ? (c->failed = true, etlc__n4j_failure(&c->msg, "RETURN 1", err))
                                        : etlc_error_set(err, ETLC_PROTOCOL, "neo4j: unexpected reply to RETURN 1");
    }
    if (rc != ETLC_OK && !c->broken && c->pending) {
        etlc_error ignored = {0};
        etlc__n4j_reset(c, &ignored);
    }
    return rc;
}

static int neo4j_test(void *vctx, etlc_health *health, etlc_error *err)
{
    neo4j_ctx *ctx = vctx;
    double t0 = etlc__monotonic_ms();
    etlc_error perr = {0};
    int rc = ping(ctx, &perr);
    health->latency_ms = etlc__monotonic_ms() - t0;
    health->healthy = rc == ETLC_OK;
    snprintf(health->server_version, sizeof health->server_version, "%s (Bolt %u.%u)", ctx->conn.server,
             ctx->conn.major, ctx->conn.minor);
    if (rc == ETLC_OK)
        snprintf(health->detail, sizeof health->detail, "%s, database %s%s", ctx->conn.where,
                 ctx->database ? ctx->database : "(default)", ctx->tls.on ? ", TLS" : "");
    else
        snprintf(health->detail, sizeof health->detail, "%s", perr.message);
    (void)err;
    return ETLC_OK;
}

static bool neo4j_alive(void *vctx)
{
    neo4j_ctx *ctx = vctx;
    return ctx->conn.fd >= 0 && !ctx->conn.broken;
}

static void neo4j_source_name(void *vctx, char *buf, size_t bufsz)
{
    neo4j_ctx *ctx = vctx;
    snprintf(buf, bufsz, "%s", ctx->database ? ctx->database : "neo4j");
}

const etlc_connector_ops etlc_connector_neo4j = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "neo4j",
    .aliases = NULL,
    .description = "Neo4j graph database over Bolt 4.4 / 5.x (our own client), Cypher queries as records",
    .options = &etlc__neo4j_options,
    .context_size = sizeof(neo4j_ctx),
    .connect = neo4j_connect,
    .fetch = neo4j_fetch,
    .test = neo4j_test,
    .alive = neo4j_alive,
    .source_name = neo4j_source_name,
    .close = neo4j_close,
};
