/* newprotocol — the template for an etlconn connector plugin.
 *
 * It talks to no server: it generates `rows` synthetic rows
 * (id int64, label text, ratio double, created timestamp), which makes it
 * useful for tests and demos too. Copy this folder, rename the protocol,
 * and replace connect/fetch/test/close with calls to your client library.
 * See README.md next to this file. */
#include <stdio.h>
#include <string.h>

#include "etlconn/connector_api.h"
#include "etlconn/log.h"

/* ---- 1. the options table: drives validation, redaction, docs --------- */

static const etlc_option newprotocol_options[] = {
    {"rows", ETLC_OPT_INT, "10", 0, 1e12, NULL, ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX,
     "number of synthetic rows a fetch produces"},
    {"start", ETLC_OPT_INT, "1", 0, 0, NULL, 0, "id of the first row"},
    {"fail_after", ETLC_OPT_INT, NULL, 0, 0, NULL, ETLC_OPT_HAS_MIN,
     "simulate a failure after this many rows (unset: never fail)"},
    {"fail_connect", ETLC_OPT_BOOL, "false", 0, 0, NULL, 0,
     "simulate a connection failure (tests of error paths)"},
    {"source", ETLC_OPT_STRING, "synthetic", 0, 0, NULL, 0,
     "source name used in lake paths and results"},
    {"token", ETLC_OPT_STRING, NULL, 0, 0, NULL,
     ETLC_OPT_SECRET, "API token (secret: never logged; the template only checks it is not 'bad')"},
};

static const etlc_option_table newprotocol_table = {
    "newprotocol", "NEWPROTOCOL", newprotocol_options,
    sizeof newprotocol_options / sizeof newprotocol_options[0], NULL};

/* ---- 2. the connector's state: context_size bytes, zero-initialised ---- */

typedef struct newprotocol_ctx {
    int64_t rows;
    int64_t start;
    int64_t fail_after; /* -1: never */
    char source[128];
    bool connected;
} newprotocol_ctx;

/* ---- 3. the operations ---------------------------------------------------- */

static int np_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    newprotocol_ctx *ctx = vctx;
    const char *token = etlc_config_get_string(cfg, "token");
    if (token)
        etlc_redact_register_secret(token); /* masked in every later log line or error */
    if (etlc_config_get_bool(cfg, "fail_connect"))
        return etlc_error_set(err, ETLC_CONNECT, "newprotocol: simulated connection failure");
    if (token && strcmp(token, "bad") == 0)
        return etlc_error_set(err, ETLC_AUTH, "newprotocol: the token was rejected");
    ctx->rows = etlc_config_get_int(cfg, "rows");
    ctx->start = etlc_config_get_int(cfg, "start");
    ctx->fail_after = etlc_config_has(cfg, "fail_after") ? etlc_config_get_int(cfg, "fail_after") : -1;
    const char *source = etlc_config_get_string(cfg, "source");
    snprintf(ctx->source, sizeof ctx->source, "%s", source ? source : "synthetic");
    ctx->connected = true;
    etlc_log(ETLC_LOG_DEBUG, "newprotocol", "connected to '%s' (%lld rows)", ctx->source,
             (long long)ctx->rows);
    return 0;
}

static int np_fetch(void *vctx, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                    etlc_error *err)
{
    newprotocol_ctx *ctx = vctx;
    static const etlc_column_def defs[] = {
        {(char *)"id", ETLC_TYPE_INT64, 0, 0},
        {(char *)"label", ETLC_TYPE_TEXT, 0, 0},
        {(char *)"ratio", ETLC_TYPE_DOUBLE, 0, 0},
        {(char *)"created", ETLC_TYPE_TIMESTAMP, 0, 0},
    };
    size_t batch_rows = req && req->batch_rows ? req->batch_rows : 10000;
    etlc_batch *batch = NULL;
    int rc = etlc_batch_new(defs, 4, batch_rows, &batch, err);
    if (rc != 0)
        return rc;
    const int64_t base_us = INT64_C(1767225600000000); /* 2026-01-01T00:00:00Z */
    for (int64_t i = 0; i < ctx->rows && rc == 0; i++) {
        if (ctx->fail_after >= 0 && i == ctx->fail_after) {
            rc = etlc_error_set(err, ETLC_PROTOCOL,
                                "newprotocol: simulated failure after %lld rows of '%s'",
                                (long long)i, ctx->source);
            break;
        }
        int64_t id = ctx->start + i;
        char label[48];
        int n = snprintf(label, sizeof label, "row-%lld", (long long)id);
        if ((rc = etlc_batch_append_int64(batch, 0, id, err)) != 0 ||
            (rc = etlc_batch_append_var(batch, 1, ETLC_TYPE_TEXT, label, (size_t)n, err)) != 0 ||
            (rc = etlc_batch_append_double(batch, 2, (double)id / 4.0, err)) != 0 ||
            (rc = etlc_batch_append_timestamp(batch, 3, base_us + id * INT64_C(1000000), err)) != 0 ||
            (rc = etlc_batch_end_row(batch, err)) != 0)
            break;
        rc = etlc_batch_flush(batch, consumer, false, err); /* hands it over when full */
    }
    if (rc == 0)
        rc = etlc_batch_flush(batch, consumer, true, err);
    etlc_batch_free(batch);
    return rc;
}

static int np_test(void *vctx, etlc_health *health, etlc_error *err)
{
    (void)err;
    newprotocol_ctx *ctx = vctx;
    health->healthy = ctx->connected;
    snprintf(health->server_version, sizeof health->server_version, "newprotocol 1");
    snprintf(health->detail, sizeof health->detail, "synthetic source '%s' with %lld rows",
             ctx->source, (long long)ctx->rows);
    return 0; /* latency_ms left 0: etlconn measures the call */
}

static bool np_alive(void *vctx) { return ((newprotocol_ctx *)vctx)->connected; }

static void np_source_name(void *vctx, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "%s", ((newprotocol_ctx *)vctx)->source);
}

static void np_close(void *vctx)
{
    /* Called after a failed connect too: free only what exists. */
    newprotocol_ctx *ctx = vctx;
    ctx->connected = false;
}

/* ---- 4. the ops table and the one exported symbol ------------------------- */

static const char *const newprotocol_aliases[] = {"newproto", "np", NULL};

static const etlc_connector_ops newprotocol_ops = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "newprotocol",
    .aliases = newprotocol_aliases,
    .description = "template plugin: synthetic rows (id, label, ratio, created)",
    .options = &newprotocol_table,
    .context_size = sizeof(newprotocol_ctx),
    .flags = 0,
    .connect = np_connect,
    .fetch = np_fetch,
    .test = np_test,
    .alive = np_alive,
    .source_name = np_source_name,
    .close = np_close,
};

/* The registration symbol (ETLC_PLUGIN_SYMBOL); visible even when the plugin
 * is built with -fvisibility=hidden. */
__attribute__((visibility("default"))) const etlc_connector_ops *etlconn_plugin_register(void);
const etlc_connector_ops *etlconn_plugin_register(void) { return &newprotocol_ops; }
