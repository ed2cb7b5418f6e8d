/* The Oracle connector over OCI loaded at run time. Written from Oracle's
 * public OCI documentation and NOT run against an Oracle database here
 * (none can run on the build machine); the tests cover everything up to
 * loading the client library. See docs/connectors/oracle.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "oracle_internal.h"

static void oracle_close(void *vctx)
{
    oracle_ctx *ctx = vctx;
    if (ctx->svc)
        ctx->api.Logoff(ctx->svc, ctx->errh);
    if (ctx->errh)
        ctx->api.HandleFree(ctx->errh, OCI_HTYPE_ERROR);
    if (ctx->env)
        ctx->api.HandleFree(ctx->env, OCI_HTYPE_ENV);
    ctx->svc = NULL;
    ctx->errh = NULL;
    ctx->env = NULL;
    free(ctx->display);
    free(ctx->source);
    ctx->display = ctx->source = NULL;
}

/* Run a statement that returns no rows (session settings). */
static int exec_simple(oracle_ctx *ctx, const char *sql, etlc_error *err)
{
    OCIStmt *st = NULL;
    sword s = ctx->api.StmtPrepare2(ctx->svc, &st, ctx->errh, (const OraText *)sql, (ub4)strlen(sql), NULL, 0,
                                    OCI_NTV_SYNTAX, OCI_DEFAULT);
    if (s == OCI_SUCCESS)
        s = ctx->api.StmtExecute(ctx->svc, st, ctx->errh, 1, 0, NULL, NULL, OCI_DEFAULT);
    int rc = s == OCI_SUCCESS || s == OCI_SUCCESS_WITH_INFO
                 ? ETLC_OK : etlc__oracle_error(err, &ctx->api, ctx->errh, s, true, "cannot set up the session");
    if (st)
        ctx->api.StmtRelease(st, ctx->errh, NULL, 0, OCI_DEFAULT);
    return rc;
}

static int oracle_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    oracle_ctx *ctx = vctx;
    char *connect_string = NULL;
    int rc = etlc__oracle_resolve(cfg, &connect_string, &ctx->display, &ctx->source, err);
    if (rc != ETLC_OK)
        return rc;
    ctx->prefetch_rows = etlc_config_get_int(cfg, "prefetch_rows");
    ctx->lob_max_bytes = etlc_config_get_int(cfg, "lob_max_bytes");
    if ((rc = etlc__oci_load(&ctx->api, etlc_config_get_string(cfg, "client_lib"), err)) != ETLC_OK) {
        free(connect_string);
        return rc;
    }
    /* AL32UTF8 for both character sets: every text column arrives as UTF-8. */
    sword s = ctx->api.EnvNlsCreate(&ctx->env, OCI_THREADED, NULL, NULL, NULL, NULL, 0, NULL, OCI_AL32UTF8_ID,
                                    OCI_AL32UTF8_ID);
    if (s != OCI_SUCCESS || !ctx->env) {
        free(connect_string);
        return etlc_error_set(err, ETLC_CONNECT, "oracle: cannot create the OCI environment (status %d)", (int)s);
    }
    if (ctx->api.HandleAlloc(ctx->env, (void **)&ctx->errh, OCI_HTYPE_ERROR, 0, NULL) != OCI_SUCCESS) {
        free(connect_string);
        return etlc_error_set(err, ETLC_NO_MEMORY, "oracle: cannot allocate an OCI error handle");
    }
    const char *user = etlc_config_get_string(cfg, "username");
    const char *pw = etlc_config_get_string(cfg, "password");
    etlc_log(ETLC_LOG_DEBUG, "oracle", "connecting to %s as %s", ctx->display, user);
    s = ctx->api.Logon2(ctx->env, ctx->errh, &ctx->svc, (const OraText *)user, (ub4)strlen(user),
                        (const OraText *)pw, (ub4)strlen(pw), (const OraText *)connect_string,
                        (ub4)strlen(connect_string), OCI_DEFAULT);
    free(connect_string);
    if (s != OCI_SUCCESS && s != OCI_SUCCESS_WITH_INFO) {
        ctx->svc = NULL;
        char what[600];
        snprintf(what, sizeof what, "cannot connect to Oracle %s as %s", ctx->display, user);
        return etlc__oracle_error(err, &ctx->api, ctx->errh, s, true, what);
    }
    /* NUMBERs fetched as text use '.' whatever the client's territory. */
    if ((rc = exec_simple(ctx, "ALTER SESSION SET NLS_NUMERIC_CHARACTERS = '.,'", err)) != ETLC_OK)
        return rc;
    etlc_log(ETLC_LOG_INFO, "oracle", "connected to %s", ctx->display);
    return ETLC_OK;
}

static int oracle_test(void *vctx, etlc_health *health, etlc_error *err)
{
    oracle_ctx *ctx = vctx;
    double t0 = etlc__monotonic_ms();
    sword s = ctx->api.Ping(ctx->svc, ctx->errh, OCI_DEFAULT);
    health->latency_ms = etlc__monotonic_ms() - t0;
    if (s != OCI_SUCCESS) {
        etlc_error perr = {0};
        etlc__oracle_error(&perr, &ctx->api, ctx->errh, s, false, "ping failed");
        health->healthy = false;
        snprintf(health->detail, sizeof health->detail, "%s", perr.message);
        return ETLC_OK;
    }
    char version[256] = "";
    ctx->api.ServerVersion(ctx->svc, ctx->errh, (OraText *)version, (ub4)sizeof version, (ub1)OCI_HTYPE_SVCCTX);
    size_t n = strcspn(version, "\r\n");
    snprintf(health->server_version, sizeof health->server_version, "%.*s", (int)n, version);
    health->healthy = true;
    snprintf(health->detail, sizeof health->detail, "%s", ctx->display);
    (void)err;
    return ETLC_OK;
}

static bool oracle_alive(void *vctx)
{
    oracle_ctx *ctx = vctx;
    return ctx->svc != NULL;
}

static void oracle_source_name(void *vctx, char *buf, size_t bufsz)
{
    oracle_ctx *ctx = vctx;
    snprintf(buf, bufsz, "%s", ctx->source && *ctx->source ? ctx->source : "oracle");
}

/* Bind each parameter by position (:1, :2 ...): values never enter the SQL text. */
typedef struct bound {
    int64_t i64;
    double f64;
    sb2 ind;
} bound;

static int bind_params(oracle_ctx *ctx, OCIStmt *st, const etlc_fetch_request *req, bound *slots, etlc_error *err)
{
    for (size_t i = 0; i < req->nparams; i++) {
        const etlc_param *p = &req->params[i];
        OCIBind *bh = NULL;
        void *val;
        sb4 sz;
        ub2 ty;
        slots[i].ind = 0;
        switch (p->type) {
        case ETLC_TYPE_NULL: slots[i].ind = -1; val = NULL; sz = 0; ty = SQLT_CHR; break;
        case ETLC_TYPE_BOOL:
        case ETLC_TYPE_INT64: slots[i].i64 = p->type == ETLC_TYPE_BOOL ? (p->i64 != 0) : p->i64;
            val = &slots[i].i64; sz = 8; ty = SQLT_INT; break;
        case ETLC_TYPE_DOUBLE: slots[i].f64 = p->f64; val = &slots[i].f64; sz = 8; ty = SQLT_BDOUBLE; break;
        case ETLC_TYPE_BYTES: val = (void *)p->data; sz = (sb4)p->len; ty = SQLT_BIN; break;
        default: val = (void *)p->data; sz = (sb4)p->len; ty = SQLT_CHR; break;
        }
        sword s = ctx->api.BindByPos(st, &bh, ctx->errh, (ub4)i + 1, val, sz, ty, &slots[i].ind, NULL, NULL, 0, NULL,
                                     OCI_DEFAULT);
        if (s != OCI_SUCCESS) {
            char what[64];
            snprintf(what, sizeof what, "cannot bind parameter %zu", i + 1);
            return etlc__oracle_error(err, &ctx->api, ctx->errh, s, false, what);
        }
    }
    return ETLC_OK;
}

static void free_cols(oracle_ctx *ctx, oracle_col *cols, size_t n)
{
    for (size_t i = 0; cols && i < n; i++) {
        if (cols[i].desc)
            ctx->api.DescriptorFree(cols[i].desc, cols[i].desc_type);
        free(cols[i].buf);
        free(cols[i].name);
    }
    free(cols);
}

/* Describe the result columns, plan and define each one. */
static int describe(oracle_ctx *ctx, OCIStmt *st, oracle_col **out, size_t *ncols, etlc_error *err)
{
    ub4 count = 0;
    sword s = ctx->api.AttrGet(st, OCI_HTYPE_STMT, &count, NULL, OCI_ATTR_PARAM_COUNT, ctx->errh);
    if (s != OCI_SUCCESS)
        return etlc__oracle_error(err, &ctx->api, ctx->errh, s, false, "cannot describe the result");
    oracle_col *cols = calloc(count ? count : 1, sizeof *cols);
    if (!cols)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory describing columns");
    int rc = ETLC_OK;
    for (ub4 i = 0; i < count && rc == ETLC_OK; i++) {
        oracle_col *c = &cols[i];
        void *parm = NULL;
        ub2 dtype = 0, dsize = 0, csize = 0;
        sb2 prec = 0;
        sb1 scale = 0;
        OraText *name = NULL;
        ub4 namelen = 0;
        s = ctx->api.ParamGet(st, OCI_HTYPE_STMT, ctx->errh, &parm, i + 1);
        if (s == OCI_SUCCESS) {
            ctx->api.AttrGet(parm, OCI_DTYPE_PARAM, &dtype, NULL, OCI_ATTR_DATA_TYPE, ctx->errh);
            ctx->api.AttrGet(parm, OCI_DTYPE_PARAM, &name, &namelen, OCI_ATTR_NAME, ctx->errh);
            ctx->api.AttrGet(parm, OCI_DTYPE_PARAM, &prec, NULL, OCI_ATTR_PRECISION, ctx->errh);
            ctx->api.AttrGet(parm, OCI_DTYPE_PARAM, &scale, NULL, OCI_ATTR_SCALE, ctx->errh);
            ctx->api.AttrGet(parm, OCI_DTYPE_PARAM, &dsize, NULL, OCI_ATTR_DATA_SIZE, ctx->errh);
            ctx->api.AttrGet(parm, OCI_DTYPE_PARAM, &csize, NULL, OCI_ATTR_CHAR_SIZE, ctx->errh);
            c->name = etlc__strndup(name ? (const char *)name : "", namelen);
            ctx->api.DescriptorFree(parm, OCI_DTYPE_PARAM);
        }
        if (s != OCI_SUCCESS) {
            rc = etlc__oracle_error(err, &ctx->api, ctx->errh, s, false, "cannot describe a column");
            break;
        }
        etlc__oracle_plan_column(dtype, prec, scale, dsize, csize, ctx->lob_max_bytes, c);
        c->buf = c->desc_type ? NULL : malloc((size_t)c->buf_size);
        if (!c->name || (!c->desc_type && !c->buf)) {
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory for column %u's buffer (%lld bytes)", i + 1,
                                (long long)c->buf_size);
            break;
        }
        void *target = c->buf;
        if (c->desc_type) {
            if (ctx->api.DescriptorAlloc(ctx->env, &c->desc, c->desc_type, 0, NULL) != OCI_SUCCESS) {
                rc = etlc_error_set(err, ETLC_NO_MEMORY, "cannot allocate a timestamp descriptor for '%s'", c->name);
                break;
            }
            target = &c->desc;
        }
        s = ctx->api.DefineByPos(st, &c->def, ctx->errh, i + 1, target, c->buf_size, c->define_type, &c->ind,
                                 &c->rlen, &c->rcode, OCI_DEFAULT);
        if (s != OCI_SUCCESS) {
            char what[300];
            snprintf(what, sizeof what, "cannot fetch column '%s' (Oracle type %u)", c->name, dtype);
            rc = etlc__oracle_error(err, &ctx->api, ctx->errh, s, false, what);
        }
    }
    if (rc != ETLC_OK) {
        free_cols(ctx, cols, count);
        return rc;
    }
    *out = cols;
    *ncols = count;
    return ETLC_OK;
}

static int stream_rows(oracle_ctx *ctx, OCIStmt *st, oracle_col *cols, size_t ncols, const etlc_fetch_request *req,
                       etlc_batch_consumer consumer, uint64_t *rows, etlc_error *err)
{
    etlc_column_def *defs = calloc(ncols ? ncols : 1, sizeof *defs);
    if (!defs)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory describing columns");
    for (size_t i = 0; i < ncols; i++)
        defs[i] = (etlc_column_def){cols[i].name, cols[i].type, cols[i].precision, cols[i].scale};
    etlc_batch *batch = NULL;
    int rc = etlc_batch_new(defs, ncols, req->batch_rows ? req->batch_rows : 10000, &batch, err);
    free(defs);
    uint64_t row = 0;
    while (rc == ETLC_OK) {
        sword s = ctx->api.StmtFetch2(st, ctx->errh, 1, OCI_FETCH_NEXT, 0, OCI_DEFAULT);
        if (s == OCI_NO_DATA)
            break;
        if (s != OCI_SUCCESS && s != OCI_SUCCESS_WITH_INFO) {
            char what[64];
            snprintf(what, sizeof what, "query failed at row %llu", (unsigned long long)row + 1);
            rc = etlc__oracle_error(err, &ctx->api, ctx->errh, s, false, what);
            break;
        }
        for (size_t i = 0; i < ncols && rc == ETLC_OK; i++)
            rc = etlc__oracle_append(ctx, batch, i, &cols[i], row, err);
        if (rc == ETLC_OK)
            rc = etlc_batch_end_row(batch, err);
        row++;
        if (rc == ETLC_OK)
            rc = etlc_batch_flush(batch, consumer, false, err);
    }
    if (rc == ETLC_OK)
        rc = etlc_batch_flush(batch, consumer, true, err);
    etlc_batch_free(batch);
    *rows = row;
    return rc;
}

static int oracle_fetch(void *vctx, const etlc_fetch_request *req, etlc_batch_consumer consumer, etlc_error *err)
{
    oracle_ctx *ctx = vctx;
    if (!req->query || !*req->query)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "fetch needs a SQL query");
    OCIStmt *st = NULL;
    bound *slots = NULL;
    oracle_col *cols = NULL;
    size_t ncols = 0;
    uint64_t rows = 0;
    int rc = ETLC_OK;
    sword s = ctx->api.StmtPrepare2(ctx->svc, &st, ctx->errh, (const OraText *)req->query, (ub4)strlen(req->query),
                                    NULL, 0, OCI_NTV_SYNTAX, OCI_DEFAULT);
    if (s != OCI_SUCCESS)
        return etlc__oracle_error(err, &ctx->api, ctx->errh, s, false, "cannot prepare query");
    ub2 type = 0;
    ctx->api.AttrGet(st, OCI_HTYPE_STMT, &type, NULL, OCI_ATTR_STMT_TYPE, ctx->errh);
    if (type != OCI_STMT_SELECT) {
        rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                            "the statement is not a query; fetch runs SELECT (or WITH ...) statements");
        goto done;
    }
    ub4 prefetch = (ub4)ctx->prefetch_rows;
    ctx->api.AttrSet(st, OCI_HTYPE_STMT, &prefetch, 0, OCI_ATTR_PREFETCH_ROWS, ctx->errh);
    if (req->nparams > 0) {
        slots = calloc(req->nparams, sizeof *slots);
        if (!slots) {
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory binding parameters");
            goto done;
        }
        if ((rc = bind_params(ctx, st, req, slots, err)) != ETLC_OK)
            goto done;
    }
    s = ctx->api.StmtExecute(ctx->svc, st, ctx->errh, 0, 0, NULL, NULL, OCI_DEFAULT);
    if (s != OCI_SUCCESS && s != OCI_SUCCESS_WITH_INFO) {
        rc = etlc__oracle_error(err, &ctx->api, ctx->errh, s, false, "query failed");
        goto done;
    }
    if ((rc = describe(ctx, st, &cols, &ncols, err)) != ETLC_OK)
        goto done;
    rc = stream_rows(ctx, st, cols, ncols, req, consumer, &rows, err);
    if (rc == ETLC_OK)
        etlc_log(ETLC_LOG_INFO, "oracle", "fetched %llu rows from %s", (unsigned long long)rows, ctx->display);
done:
    free_cols(ctx, cols, ncols);
    free(slots);
    ctx->api.StmtRelease(st, ctx->errh, NULL, 0, OCI_DEFAULT);
    return rc;
}

const etlc_connector_ops etlc_connector_oracle = {
    .abi_version = ETLC_ABI_VERSION,
    .name = "oracle",
    .aliases = NULL,
    .description = "Oracle Database through OCI (Oracle Instant Client, loaded at run time)",
    .options = &etlc__oracle_options,
    .context_size = sizeof(oracle_ctx),
    .connect = oracle_connect,
    .fetch = oracle_fetch,
    .test = oracle_test,
    .alive = oracle_alive,
    .source_name = oracle_source_name,
    .close = oracle_close,
};
