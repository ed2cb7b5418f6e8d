/* Streaming fetch. The query is described first (PQprepare +
 * PQdescribePrepared) for its column types and parameter count. Columns of
 * types this connector does not decode are converted by the server: arrays
 * with to_json(), the rest with their output function (::text), by wrapping
 * the query. Then either
 *   COPY (query) TO STDOUT (FORMAT binary)  -- no parameters, fetch_mode auto|copy
 *   the prepared statement in single-row (or chunked) mode, binary results
 * feeds the batches. Memory is bounded by the batch, never the result. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_internal.h"

typedef struct fetch_state {
    PGconn *conn;
    etlc_batch *batch;
    pg_column *cols;
    size_t ncols;
    bool binary;
    etlc_batch_consumer consumer;
    etlc__buf scratch;
    uint64_t rows;
    bool decimals_scaled; /* the request allows scaled DECIMAL columns */
} fetch_state;

static int emit_if_full(fetch_state *fs, etlc_error *err)
{
    return etlc_batch_flush(fs->batch, fs->consumer, false, err);
}

/* The batch was prepared with etlc__batch_reserve_capacity (run_copy), and
 * every field of the tuple gets a value, so the row closes unchecked. */
static int copy_tuple(void *ud, const pg_copy_field *fields, size_t nfields, etlc_error *err)
{
    fetch_state *fs = ud;
    int rc = 0;
    for (size_t c = 0; c < nfields && rc == 0; c++)
        rc = fields[c].data ? etlc__pg_put_binary(fs->batch, c, &fs->cols[c], fields[c].data,
                                                  fields[c].len, fs->rows, &fs->scratch, err)
                            : etlc_batch_append_null(fs->batch, c, err);
    if (rc == 0)
        etlc__batch_end_row_unchecked(fs->batch);
    fs->rows++;
    return rc ? rc : emit_if_full(fs, err);
}

/* Read whatever results are left so the connection can be reused. */
static void drain(PGconn *conn)
{
    PGresult *r;
    while ((r = PQgetResult(conn)) != NULL) {
        ExecStatusType st = PQresultStatus(r);
        PQclear(r);
        if (st == PGRES_COPY_OUT || st == PGRES_COPY_IN || st == PGRES_COPY_BOTH)
            break; /* cannot drain a copy here; the caller discards the connection */
    }
}

/* Column i as scaled integers (`on`, a DECIMAL of precision 1..38 that the
 * consumer reads so), else as text: run_rows writes text only. */
static int use_scaled(fetch_state *fs, size_t i, bool on, etlc_error *err)
{
    pg_column *col = &fs->cols[i];
    on = on && col->type == ETLC_TYPE_DECIMAL && col->precision >= 1 && col->precision <= 38;
    if (on == col->scaled)
        return 0;
    if (etlc__batch_use_scaled(fs->batch, i, on) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory preparing column '%s'",
                              fs->batch->cols[i].def.name);
    col->scaled = on;
    return 0;
}

static int run_copy(fetch_state *fs, const char *query, bool *clean, etlc_error *err)
{
    *clean = false;
    etlc__buf sql = {0};
    if (etlc__buf_printf(&sql, "COPY (%s) TO STDOUT (FORMAT binary)", query) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the COPY statement");
    int rc = PQsendQuery(fs->conn, sql.data) ? 0
           : etlc__pg_result_error(err, fs->conn, NULL, "cannot send the COPY");
    etlc__buf_free(&sql);
    if (rc != 0)
        return rc;
    PGresult *res = PQgetResult(fs->conn);
    if (!res || PQresultStatus(res) != PGRES_COPY_OUT) {
        rc = etlc__pg_result_error(err, fs->conn, res, "COPY failed");
        PQclear(res);
        drain(fs->conn);
        *clean = true;
        return rc;
    }
    PQclear(res);
    pg_copy_parser parser;
    rc = etlc__pg_copy_init(&parser, fs->ncols, err);
    if (rc == 0 && fs->ncols != fs->batch->ncols)
        rc = etlc_error_set(err, ETLC_INTERNAL, "COPY has %zu columns but the batch %zu",
                            fs->ncols, fs->batch->ncols);
    if (rc == 0)
        rc = etlc__batch_reserve_capacity(fs->batch, err);
    for (size_t i = 0; rc == 0 && i < fs->ncols; i++)
        rc = use_scaled(fs, i, fs->decimals_scaled, err);
    bool ended = false;
    pg_recv *recv = NULL;
    if (rc == 0)
        rc = etlc__pg_recv_start(fs->conn, &recv, err);
    while (rc == 0) {
        const char *data;
        size_t len;
        int n = etlc__pg_recv_next(recv, &data, &len);
        if (n > 0) {
            rc = etlc__pg_copy_feed(&parser, data, len, copy_tuple, fs, err);
        } else if (n == 0) {
            ended = true;
            break;
        } else if (n == -2) {
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory receiving the COPY");
        } else {
            char what[96];
            snprintf(what, sizeof what, "COPY stream broke after %llu rows", (unsigned long long)fs->rows);
            rc = etlc__pg_result_error(err, fs->conn, NULL, what);
        }
    }
    etlc__pg_recv_stop(recv); /* joined: the connection is ours again */
    if (ended) {
        /* The COPY's own outcome: errors raised mid-stream (statement
         * timeout, terminated backend) arrive here. */
        res = PQgetResult(fs->conn);
        if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
            char what[96];
            snprintf(what, sizeof what, "COPY failed after %llu rows", (unsigned long long)fs->rows);
            rc = etlc__pg_result_error(err, fs->conn, res, what);
        }
        PQclear(res);
        drain(fs->conn);
        *clean = true;
        if (rc == 0)
            rc = etlc__pg_copy_finish(&parser, err);
    }
    etlc__pg_copy_free(&parser);
    return rc;
}

typedef struct bound_params {
    const char **values;
    int *lengths;
    int *formats;
    char (*numbers)[48];
    char **texts;
    size_t n;
} bound_params;

static void params_free(bound_params *bp)
{
    for (size_t i = 0; bp->texts && i < bp->n; i++)
        free(bp->texts[i]);
    free(bp->values);
    free(bp->lengths);
    free(bp->formats);
    free(bp->numbers);
    free(bp->texts);
}

/* Parameters go as text (the server casts to the inferred type) except
 * BYTES, which goes binary. Text needs NUL-terminated copies. */
static int params_bind(const etlc_fetch_request *req, bound_params *bp, etlc_error *err)
{
    size_t n = req->nparams;
    memset(bp, 0, sizeof *bp);
    bp->n = n;
    if (n == 0)
        return 0;
    bp->values = calloc(n, sizeof *bp->values);
    bp->lengths = calloc(n, sizeof *bp->lengths);
    bp->formats = calloc(n, sizeof *bp->formats);
    bp->numbers = calloc(n, sizeof *bp->numbers);
    bp->texts = calloc(n, sizeof *bp->texts);
    if (!bp->values || !bp->lengths || !bp->formats || !bp->numbers || !bp->texts)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        const etlc_param *p = &req->params[i];
        switch (p->type) {
        case ETLC_TYPE_NULL: bp->values[i] = NULL; break;
        case ETLC_TYPE_BOOL: bp->values[i] = p->i64 ? "true" : "false"; break;
        case ETLC_TYPE_INT64:
            snprintf(bp->numbers[i], sizeof bp->numbers[i], "%lld", (long long)p->i64);
            bp->values[i] = bp->numbers[i];
            break;
        case ETLC_TYPE_DOUBLE:
            snprintf(bp->numbers[i], sizeof bp->numbers[i], "%.17g", p->f64);
            bp->values[i] = bp->numbers[i];
            break;
        case ETLC_TYPE_DATE:
            etlc_format_date((int32_t)p->i64, bp->numbers[i], sizeof bp->numbers[i]);
            bp->values[i] = bp->numbers[i];
            break;
        case ETLC_TYPE_TIMESTAMP:
            etlc_format_timestamp(p->i64, bp->numbers[i], sizeof bp->numbers[i]);
            bp->values[i] = bp->numbers[i];
            break;
        case ETLC_TYPE_BYTES:
            if (p->len > 0x7fffffff)
                return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "parameter %zu is larger than 2 GiB", i + 1);
            bp->values[i] = p->len ? p->data : "";
            bp->lengths[i] = (int)p->len;
            bp->formats[i] = 1;
            break;
        default: /* TEXT, DECIMAL, JSON */
            if (p->len && memchr(p->data, '\0', p->len))
                return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                                      "text parameter %zu contains a NUL byte (PostgreSQL text cannot hold it)", i + 1);
            bp->texts[i] = etlc__strndup(p->data ? p->data : "", p->len);
            if (!bp->texts[i])
                goto nomem;
            bp->values[i] = bp->texts[i];
            break;
        }
    }
    return 0;
nomem:
    return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory binding %zu parameters", n);
}

static int append_row(fetch_state *fs, const PGresult *res, int r, etlc_error *err)
{
    int rc = 0;
    for (size_t c = 0; c < fs->ncols && rc == 0; c++) {
        if (PQgetisnull(res, r, (int)c))
            rc = etlc_batch_append_null(fs->batch, c, err);
        else
            rc = etlc__pg_append_value(fs->batch, c, &fs->cols[c], fs->binary, PQgetvalue(res, r, (int)c),
                                       (size_t)PQgetlength(res, r, (int)c), fs->rows, &fs->scratch, err);
    }
    if (rc == 0)
        rc = etlc_batch_end_row(fs->batch, err);
    fs->rows++;
    return rc ? rc : emit_if_full(fs, err);
}

static int run_rows(fetch_state *fs, const etlc_fetch_request *req, bool *clean, etlc_error *err)
{
    *clean = false;
    for (size_t i = 0; i < fs->ncols; i++) /* text only, also after a refused COPY */
        if (use_scaled(fs, i, false, err) != 0)
            return ETLC_NO_MEMORY;
    bound_params bp;
    int rc = params_bind(req, &bp, err);
    if (rc == 0 && !PQsendQueryPrepared(fs->conn, "", (int)bp.n, bp.values, bp.lengths, bp.formats,
                                        fs->binary ? 1 : 0))
        rc = etlc__pg_result_error(err, fs->conn, NULL, "cannot send the query");
    params_free(&bp);
    if (rc != 0)
        return rc;
#ifdef LIBPQ_HAS_CHUNK_MODE
    int chunk = req->batch_rows && req->batch_rows < 100000 ? (int)req->batch_rows : 10000;
    if (!PQsetChunkedRowsMode(fs->conn, chunk))
        PQsetSingleRowMode(fs->conn);
#else
    PQsetSingleRowMode(fs->conn);
#endif
    PGresult *res;
    bool done = false;
    while ((res = PQgetResult(fs->conn)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        if (rc == 0) {
            if (st == PGRES_SINGLE_TUPLE || st == PGRES_TUPLES_OK
#ifdef LIBPQ_HAS_CHUNK_MODE
                || st == PGRES_TUPLES_CHUNK
#endif
            ) {
                int n = PQntuples(res);
                for (int r = 0; r < n && rc == 0; r++)
                    rc = append_row(fs, res, r, err);
                if (st == PGRES_TUPLES_OK)
                    done = true;
            } else {
                char what[96];
                snprintf(what, sizeof what, "query failed after %llu rows", (unsigned long long)fs->rows);
                rc = etlc__pg_result_error(err, fs->conn, res, what);
            }
        }
        PQclear(res);
        if (rc != 0 && !done) {
            /* Stop the server instead of reading the rest of a large result. */
            PGcancel *cancel = PQgetCancel(fs->conn);
            char ebuf[256];
            if (cancel) {
                PQcancel(cancel, ebuf, sizeof ebuf);
                PQfreeCancel(cancel);
            }
            done = true;
        }
    }
    *clean = PQstatus(fs->conn) == CONNECTION_OK;
    if (rc == 0 && !done)
        rc = etlc__pg_result_error(err, fs->conn, NULL, "the result ended without completing");
    return rc;
}

/* PQprepare the unnamed statement and describe it. */
static int describe(PGconn *conn, const char *query, PGresult **out, etlc_error *err)
{
    *out = NULL;
    PGresult *res = PQprepare(conn, "", query, 0, NULL);
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        int rc = etlc__pg_result_error(err, conn, res, "cannot prepare the query");
        PQclear(res);
        return rc;
    }
    PQclear(res);
    res = PQdescribePrepared(conn, "");
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
        int rc = etlc__pg_result_error(err, conn, res, "cannot describe the query");
        PQclear(res);
        return rc;
    }
    *out = res;
    return 0;
}

/* 1 array, 0 not, -1 unknown (lookup failed). */
static int type_is_array(PGconn *conn, Oid oid)
{
    char num[16];
    snprintf(num, sizeof num, "%u", (unsigned)oid);
    const char *vals[1] = {num};
    PGresult *r = PQexecParams(conn, "SELECT typcategory = 'A' FROM pg_catalog.pg_type WHERE oid = $1::oid",
                               1, NULL, vals, NULL, NULL, 0);
    int out = -1;
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        out = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return out;
}

/* "SELECT etlc_q.c1, to_json(etlc_q.c2), etlc_q.c3::text FROM (query) AS etlc_q(c1, c2, c3)" */
static int build_wrapped(PGconn *conn, const PGresult *desc, const char *query, etlc__buf *out)
{
    int n = PQnfields(desc), rc = etlc__buf_puts(out, "SELECT ");
    for (int i = 0; i < n && rc == 0; i++) {
        Oid oid = PQftype(desc, i);
        const char *sep = i ? ", " : "";
        if (etlc__pg_type_known(oid))
            rc = etlc__buf_printf(out, "%setlc_q.etlc_c%d", sep, i + 1);
        else if (type_is_array(conn, oid) == 1)
            rc = etlc__buf_printf(out, "%sto_json(etlc_q.etlc_c%d)", sep, i + 1);
        else
            rc = etlc__buf_printf(out, "%setlc_q.etlc_c%d::text", sep, i + 1);
    }
    rc |= etlc__buf_printf(out, " FROM (%s) AS etlc_q(", query);
    for (int i = 0; i < n && rc == 0; i++)
        rc = etlc__buf_printf(out, "%setlc_c%d", i ? ", " : "", i + 1);
    rc |= etlc__buf_putc(out, ')');
    return rc ? ETLC_NO_MEMORY : 0;
}

static bool needs_wrap(const PGresult *desc)
{
    for (int i = 0; i < PQnfields(desc); i++)
        if (!etlc__pg_type_known(PQftype(desc, i)))
            return true;
    return false;
}

/* The query without trailing blanks and semicolons (it goes inside COPY (...)). */
static char *trimmed_query(const char *q)
{
    size_t n = strlen(q);
    while (n > 0 && (isspace((unsigned char)q[n - 1]) || q[n - 1] == ';'))
        n--;
    return etlc__strndup(q, n);
}

static int fetch_on(pg_ctx *ctx, PGconn *conn, pg_fetch_mode mode, const etlc_fetch_request *req,
                    etlc_batch_consumer consumer, bool *clean, etlc_error *err)
{
    char *query = trimmed_query(req->query);
    if (!query)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory copying the query");
    PGresult *desc = NULL, *wrapped_desc = NULL;
    etlc__buf wrapped = {0};
    fetch_state fs = {.conn = conn, .consumer = consumer, .binary = true,
                      .decimals_scaled = req->decimals_scaled};
    int rc = describe(conn, query, &desc, err);
    *clean = true;
    if (rc == 0 && (size_t)PQnparams(desc) != req->nparams)
        rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                            "the query has %d parameter placeholder(s) ($1...) but %zu value(s) were given",
                            PQnparams(desc), req->nparams);
    if (rc == 0 && PQnfields(desc) == 0)
        rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                            "the statement returns no columns; fetch runs queries that return rows");
    const PGresult *types = desc;
    const char *final_query = query;
    if (rc == 0 && needs_wrap(desc)) {
        rc = build_wrapped(conn, desc, query, &wrapped) ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory wrapping the query") : 0;
        etlc_error werr = {0};
        if (rc == 0 && describe(conn, wrapped.data, &wrapped_desc, &werr) == 0) {
            types = wrapped_desc;
            final_query = wrapped.data;
        } else if (rc == 0) {
            /* Not wrappable (e.g. SHOW): text results, every unknown type as its text. */
            etlc_log(ETLC_LOG_DEBUG, "postgres", "query not wrappable (%s); using text results", werr.message);
            fs.binary = false;
            rc = describe(conn, query, &wrapped_desc, err); /* re-prepare: the failed one replaced it */
            if (rc == 0)
                types = wrapped_desc;
        }
    }
    bool use_copy = false;
    if (rc == 0) {
        use_copy = mode != PG_FETCH_ROWS && req->nparams == 0 && fs.binary;
        if (mode == PG_FETCH_COPY && !use_copy)
            rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                                "fetch_mode=copy cannot run this query (%s); use fetch_mode=auto or rows",
                                req->nparams ? "COPY takes no parameters" : "it cannot be wrapped in COPY (...)");
    }
    if (rc == 0) {
        fs.ncols = (size_t)PQnfields(types);
        fs.cols = calloc(fs.ncols, sizeof *fs.cols);
        etlc_column_def *defs = calloc(fs.ncols, sizeof *defs);
        if (!fs.cols || !defs) {
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory describing %zu columns", fs.ncols);
        } else {
            for (size_t i = 0; i < fs.ncols; i++) {
                etlc__pg_column_init(&fs.cols[i], PQftype(types, (int)i), PQfmod(types, (int)i));
                defs[i].name = PQfname(desc, (int)i); /* the user's column names */
                defs[i].type = fs.cols[i].type;
                defs[i].precision = fs.cols[i].precision;
                defs[i].scale = fs.cols[i].scale;
            }
            rc = etlc_batch_new(defs, fs.ncols, req->batch_rows ? req->batch_rows : 10000, &fs.batch, err);
        }
        free(defs);
    }
    if (rc == 0) {
        etlc_log(ETLC_LOG_DEBUG, "postgres", "fetching %zu columns with %s (%s results)", fs.ncols,
                 use_copy ? "COPY binary" : "row mode", fs.binary ? "binary" : "text");
        rc = use_copy ? run_copy(&fs, final_query, clean, err) : run_rows(&fs, req, clean, err);
        /* auto: a statement COPY cannot hold (SHOW, EXPLAIN, ...) runs in
         * row mode instead. COPY's simple query dropped the unnamed
         * statement, so prepare it again first. */
        if (rc == ETLC_QUERY && use_copy && mode == PG_FETCH_AUTO && fs.rows == 0 && *clean &&
            err && strcmp(err->native_state, "42601") == 0) {
            PGresult *again = NULL;
            etlc_log(ETLC_LOG_DEBUG, "postgres", "COPY refused the statement (%s); using row mode", err->message);
            etlc_error_clear(err);
            use_copy = false;
            rc = describe(conn, final_query, &again, err);
            PQclear(again);
            if (rc == 0)
                rc = run_rows(&fs, req, clean, err);
        }
    }
    /* The last (possibly empty) batch always goes out: an empty result
     * still tells the sink the schema. */
    if (rc == 0 && (fs.batch->nrows > 0 || fs.batch->batch_index == 0))
        rc = consumer.on_batch(consumer.userdata, fs.batch, err);
    if (rc == 0)
        etlc_log(ETLC_LOG_INFO, "postgres", "fetched %llu rows from %s (%s)", (unsigned long long)fs.rows,
                 ctx->database ? ctx->database : "?", use_copy ? "copy" : "rows");
    etlc_batch_free(fs.batch);
    free(fs.cols);
    etlc__buf_free(&fs.scratch);
    etlc__buf_free(&wrapped);
    PQclear(desc);
    PQclear(wrapped_desc);
    free(query);
    return rc;
}

/* PQcancel is meant for this: thread-safe, on its own PGcancel object. */
static void cancel_query(void *userdata)
{
    char why[256];
    if (!PQcancel(userdata, why, sizeof why))
        etlc_log(ETLC_LOG_DEBUG, "postgres", "could not interrupt the running query: %s", why);
}

/* With a cancel token, a watcher interrupts the query the server is still
 * running when the token is requested (a long sort or a sleep yields no
 * batch at which the core could stop). */
int etlc__pg_fetch_on(pg_ctx *ctx, PGconn *conn, pg_fetch_mode mode, const etlc_fetch_request *req,
                      etlc_batch_consumer consumer, bool *clean, etlc_error *err)
{
    PGcancel *pc = req->cancel ? PQgetCancel(conn) : NULL;
    etlc__cancel_watch *watch = NULL;
    if (pc && etlc__cancel_watch_start(req->cancel, cancel_query, pc, &watch) != 0) {
        PQfreeCancel(pc);
        *clean = false;
        return etlc_error_set(err, ETLC_NO_MEMORY, "cannot start the PostgreSQL cancel watcher");
    }
    int rc = fetch_on(ctx, conn, mode, req, consumer, clean, err);
    etlc__cancel_watch_stop(watch); /* joined: no cancel request after this */
    PQfreeCancel(pc);
    if (etlc_cancel_requested(req->cancel))
        *clean = false; /* a cancel may have reached the server late: do not reuse the session */
    return rc;
}

int etlc__pg_fetch(pg_ctx *ctx, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                   etlc_error *err)
{
    if (!req || !req->query || !*req->query)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "fetch needs a SQL query");
    if (req->nparams && !req->params)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "nparams is %zu but params is NULL", req->nparams);
    PGconn *conn = NULL;
    int rc = etlc__pg_pool_acquire(&ctx->pool, &conn, err);
    if (rc != 0)
        return rc;
    bool clean = false;
    rc = etlc__pg_fetch_on(ctx, conn, ctx->fetch_mode, req, consumer, &clean, err);
    /* A connection that stopped mid-stream or lost its server is not reused. */
    etlc__pg_pool_release(&ctx->pool, conn, clean);
    return rc;
}
