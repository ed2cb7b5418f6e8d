/* A fetch: one read transaction, BEGIN {mode: "r"} + RUN + PULL {n:
 * fetch_size} sent together, then PULL again while the server says
 * has_more, then COMMIT. Memory holds one message and one batch. Any
 * failure leaves the session clean with RESET (or marks it broken). */
#include <stdlib.h>
#include <string.h>

#include "neo4j_internal.h"

static int oom(etlc_error *err) { return etlc_error_set(err, ETLC_NO_MEMORY, "neo4j: out of memory"); }

/* The tx / auto-commit extra map: {db?, mode: "r"}. */
int etlc__n4j_pack_extra(neo4j_ctx *ctx, etlc__buf *b)
{
    bool db = ctx->database != NULL;
    if (etlc__n4j_pack_header(b, N4J_MAP, db ? 2 : 1) || etlc__n4j_pack_string(b, "mode", 4) ||
        etlc__n4j_pack_string(b, "r", 1))
        return -1;
    return db ? (etlc__n4j_pack_string(b, "db", 2) || etlc__n4j_pack_string(b, ctx->database, strlen(ctx->database)))
              : 0;
}

int etlc__n4j_send_pull(n4j_conn *c, int64_t n, etlc_error *err)
{
    if (etlc__n4j_begin_msg(c, N4J_MSG_PULL, 1) || etlc__n4j_pack_header(&c->out, N4J_MAP, 1) ||
        etlc__n4j_pack_string(&c->out, "n", 1) || etlc__n4j_pack_int(&c->out, n))
        return oom(err);
    return etlc__n4j_send(c, err);
}

int etlc__n4j_send_run(neo4j_ctx *ctx, const char *query, const etlc_param *params, size_t nparams, bool autocommit,
                       etlc_error *err)
{
    n4j_conn *c = &ctx->conn;
    if (etlc__n4j_begin_msg(c, N4J_MSG_RUN, 3) || etlc__n4j_pack_string(&c->out, query, strlen(query)))
        return oom(err);
    int rc = etlc__n4j_pack_params(&c->out, params, nparams, err);
    if (rc != ETLC_OK)
        return rc;
    if (autocommit ? etlc__n4j_pack_extra(ctx, &c->out) : etlc__n4j_pack_header(&c->out, N4J_MAP, 0))
        return oom(err);
    return etlc__n4j_send(c, err);
}

/* The columns named by RUN's SUCCESS {fields: [...]}, all NULL-typed for now. */
static int make_batch(n4j_conn *c, size_t rows, etlc_batch **out, etlc_error *err)
{
    const n4j_msg *m = &c->msg;
    const n4j_val *meta = m->vals[0].count ? n4j_child(m, &m->vals[0], 0) : NULL;
    const n4j_val *fields = etlc__n4j_map_get(m, meta, "fields");
    if (!fields || fields->kind != N4J_LIST)
        return etlc_error_set(err, ETLC_PROTOCOL, "neo4j: RUN's reply from %s has no field list", c->where);
    size_t n = fields->count;
    etlc_column_def *defs = calloc(n ? n : 1, sizeof *defs);
    int rc = defs ? ETLC_OK : oom(err);
    for (size_t i = 0; rc == ETLC_OK && i < n; i++) {
        const n4j_val *f = n4j_child(m, fields, i);
        if (f->kind != N4J_STRING)
            rc = etlc_error_set(err, ETLC_PROTOCOL, "neo4j: a field name from %s is not a string", c->where);
        else if (!(defs[i].name = etlc__strndup(n4j_str(m, f), f->count)))
            rc = oom(err);
    }
    if (rc == ETLC_OK)
        rc = etlc_batch_new(defs, n, rows, out, err);
    for (size_t i = 0; defs && i < n; i++)
        free(defs[i].name);
    free(defs);
    return rc;
}

static int append_record(n4j_conn *c, etlc_batch *b, uint64_t row, etlc__buf *scratch, etlc_error *err)
{
    const n4j_msg *m = &c->msg;
    const n4j_val *root = &m->vals[0];
    const n4j_val *vals = root->count == 1 ? n4j_child(m, root, 0) : NULL;
    if (!vals || vals->kind != N4J_LIST || vals->count != b->ncols)
        return etlc_error_set(err, ETLC_PROTOCOL, "neo4j: a record from %s does not have %zu values", c->where,
                              b->ncols);
    for (size_t i = 0; i < b->ncols; i++) {
        int rc = etlc__n4j_append(b, i, m, n4j_child(m, vals, i), row, scratch, err);
        if (rc != ETLC_OK)
            return rc;
    }
    return etlc_batch_end_row(b, err);
}

/* true when PULL's SUCCESS says has_more. */
static bool has_more(const n4j_msg *m)
{
    const n4j_val *meta = m->vals[0].count ? n4j_child(m, &m->vals[0], 0) : NULL;
    const n4j_val *v = etlc__n4j_map_get(m, meta, "has_more");
    return v && v->kind == N4J_BOOL && v->u.i;
}

/* Read records until a PULL ends without has_more. */
static int stream(neo4j_ctx *ctx, const etlc_fetch_request *req, etlc_batch *b, etlc_batch_consumer consumer,
                  uint64_t *rows, etlc_error *err)
{
    n4j_conn *c = &ctx->conn;
    etlc__buf scratch = {0};
    int rc = ETLC_OK;
    for (;;) {
        uint8_t sig = 0;
        if ((rc = etlc__n4j_recv(c, &sig, err)) != ETLC_OK)
            break;
        if (sig == N4J_MSG_RECORD) {
            if ((rc = append_record(c, b, *rows, &scratch, err)) != ETLC_OK ||
                (rc = etlc_batch_flush(b, consumer, false, err)) != ETLC_OK)
                break;
            ++*rows;
            continue;
        }
        if (sig == N4J_MSG_FAILURE) {
            c->failed = true;
            rc = etlc__n4j_failure(&c->msg, "the query", err);
            break;
        }
        if (sig != N4J_MSG_SUCCESS) {
            c->broken = true;
            rc = etlc_error_set(err, ETLC_PROTOCOL, "neo4j: unexpected message 0x%02X from %s while streaming", sig,
                                c->where);
            break;
        }
        if (!has_more(&c->msg))
            break;
        if ((rc = etlc__cancel_check(req->cancel, err)) != ETLC_OK ||
            (rc = etlc__n4j_send_pull(c, ctx->fetch_size, err)) != ETLC_OK)
            break;
    }
    etlc__buf_free(&scratch);
    return rc;
}

int etlc__n4j_fetch(neo4j_ctx *ctx, const etlc_fetch_request *req, etlc_batch_consumer consumer, etlc_error *err)
{
    n4j_conn *c = &ctx->conn;
    if (!req->query || !*req->query)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "neo4j: fetch needs a Cypher query");
    int rc = ETLC_OK;
    if (etlc__n4j_begin_msg(c, N4J_MSG_BEGIN, 1) || etlc__n4j_pack_extra(ctx, &c->out))
        return oom(err);
    /* Pipelined: BEGIN, RUN, PULL go out before the first reply is read. */
    if ((rc = etlc__n4j_send(c, err)) == ETLC_OK &&
        (rc = etlc__n4j_send_run(ctx, req->query, req->params, req->nparams, false, err)) == ETLC_OK &&
        (rc = etlc__n4j_send_pull(c, ctx->fetch_size, err)) == ETLC_OK &&
        (rc = etlc__n4j_expect_success(c, "BEGIN", err)) == ETLC_OK)
        rc = etlc__n4j_expect_success(c, "the query", err);
    etlc_batch *b = NULL;
    uint64_t rows = 0;
    if (rc == ETLC_OK)
        rc = make_batch(c, req->batch_rows ? req->batch_rows : 10000, &b, err);
    if (rc == ETLC_OK)
        rc = stream(ctx, req, b, consumer, &rows, err);
    if (rc == ETLC_OK && etlc__n4j_begin_msg(c, N4J_MSG_COMMIT, 0))
        rc = oom(err);
    if (rc == ETLC_OK && (rc = etlc__n4j_send(c, err)) == ETLC_OK)
        rc = etlc__n4j_expect_success(c, "COMMIT", err);
    if (rc == ETLC_OK)
        rc = etlc_batch_flush(b, consumer, true, err);
    if (rc != ETLC_OK && !c->broken) {
        etlc_error ignored = {0};
        etlc__n4j_reset(c, &ignored); /* drops the transaction; marks the session broken if it cannot */
    }
    if (rc == ETLC_OK)
        etlc_log(ETLC_LOG_INFO, "neo4j", "fetched %llu records from %s", (unsigned long long)rows, c->where);
    etlc_batch_free(b);
    return rc;
}
