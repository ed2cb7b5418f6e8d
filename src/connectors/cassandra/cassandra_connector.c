/* The cassandra connector: CQL statements as record batches (records
 * capability), one page of the server's paging per lake file, the paging
 * state as the page cursor (so the checkpoint resumes a long scan). Our own
 * CQL native protocol v4/v5 client (cql_*.c): Debian has no C driver. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cassandra_internal.h"

static const char *const consistency_names[] = {"any", "one", "two", "three", "quorum", "all",
                                                "local_quorum", "each_quorum", "serial",
                                                "local_serial", "local_one"};

static void cass_close(void *vctx)
{
    cass_ctx *ctx = vctx;
    etlc__cql_conn_close(&ctx->conn);
    *ctx = (cass_ctx){.conn.fd = -1};
}

static void read_options(cass_ctx *ctx, const etlc_config *cfg)
{
    cql_opts *o = &ctx->opts;
    o->nhosts = etlc_config_get_list(cfg, "hosts", &o->hosts);
    o->port = (int)etlc_config_get_int(cfg, "port");
    o->keyspace = etlc__config_text(cfg, "keyspace");
    o->username = etlc__config_text(cfg, "username");
    o->password = etlc__config_text(cfg, "password");
    o->connect_timeout_ms = etlc_config_get_duration_ms(cfg, "connect_timeout");
    o->request_timeout_ms = etlc_config_get_duration_ms(cfg, "request_timeout");
    o->tls = etlc_config_get_bool(cfg, "tls");
    o->tls_verify = etlc_config_get_bool(cfg, "tls_verify");
    o->tls_ca_file = etlc__config_text(cfg, "tls_ca_file");
    o->tls_cert_file = etlc__config_text(cfg, "tls_cert_file");
    o->tls_key_file = etlc__config_text(cfg, "tls_key_file");
    o->compression = etlc_config_get_string(cfg, "compression");
    o->max_frame = (uint32_t)etlc_config_get_int(cfg, "max_frame_size");
    const char *pv = etlc_config_get_string(cfg, "protocol_version");
    o->protocol_version = pv && strcmp(pv, "auto") != 0 ? atoi(pv) : 0;
    ctx->page_size = (int32_t)etlc_config_get_int(cfg, "page_size");
    ctx->token_ranges = (int)etlc_config_get_int(cfg, "token_ranges");
    const char *cl = etlc_config_get_string(cfg, "consistency");
    for (uint16_t i = 0; i < sizeof consistency_names / sizeof *consistency_names; i++)
        if (strcmp(cl, consistency_names[i]) == 0)
            ctx->consistency = i;
    const char *src = etlc__config_text(cfg, "source");
    snprintf(ctx->source, sizeof ctx->source, "%s", src ? src : o->keyspace ? o->keyspace : "cassandra");
}

static int cass_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    cass_ctx *ctx = vctx;
    ctx->conn.fd = -1;
    read_options(ctx, cfg);
    if (ctx->opts.nhosts == 0)
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "cassandra: hosts is empty");
    if ((ctx->opts.username != NULL) != (ctx->opts.password != NULL))
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "cassandra: set both username and password "
                              "(or neither)");
    return etlc__cql_conn_open(&ctx->conn, &ctx->opts, err);
}

/* Healthy when a query of system.local answers; its release_version is the server version. */
static int cass_test(void *vctx, etlc_health *health, etlc_error *err)
{
    cass_ctx *ctx = vctx;
    (void)err;
    etlc_error e = {0};
    double t0 = etlc__monotonic_ms();
    cql_page_req pr = {.consistency = 1 /* ONE */, .page_size = 1};
    etlc_batch *b = NULL;
    uint8_t *next = NULL;
    size_t nl;
    int rc = etlc__cql_page(&ctx->conn, "SELECT release_version FROM system.local", NULL, &pr, &b,
                            &next, &nl, &e);
    health->latency_ms = etlc__monotonic_ms() - t0;
    size_t len = 0;
    const uint8_t *v = rc == 0 && b && b->nrows == 1 && b->ncols == 1 && !etlc_column_is_null(&b->cols[0], 0)
                           ? etlc_column_var(&b->cols[0], 0, &len) : NULL;
    health->healthy = v != NULL;
    if (v)
        snprintf(health->server_version, sizeof health->server_version, "Cassandra %.*s", (int)len, v);
    if (health->healthy)
        snprintf(health->detail, sizeof health->detail, "CQL v%d on %s:%d%s%s%s", ctx->conn.version,
                 ctx->conn.host, ctx->opts.port, ctx->opts.tls ? ", TLS" : "", ctx->conn.lz4 ? ", LZ4" : "",
                 ctx->conn.authenticator[0] ? ", authenticated" : "");
    else
        snprintf(health->detail, sizeof health->detail, "%s",
                 rc ? e.message : "system.local answered without release_version");
    etlc_batch_free(b);
    free(next);
    return 0;
}

static bool cass_alive(void *vctx)
{
    cass_ctx *ctx = vctx;
    return ctx->conn.fd >= 0 && !ctx->conn.broken;
}

static void cass_source_name(void *vctx, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "%s", ((cass_ctx *)vctx)->source);
}

static const etlc_records_ops cass_records = {.fetch_pages = etlc__cass_fetch_pages};

const etlc_connector_ops etlc_connector_cassandra = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "cassandra",
    .description = "Apache Cassandra / CQL (native protocol v4/v5, our own client) as typed records",
    .options = &etlc__cassandra_options,
    .context_size = sizeof(cass_ctx),
    .connect = cass_connect,
    .test = cass_test,
    .alive = cass_alive,
    .source_name = cass_source_name,
    .close = cass_close,
    .records = &cass_records,
};
