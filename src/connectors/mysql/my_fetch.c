/* Fetch: pick a pooled connection, run the query as plain text
 * (mysql_use_result: rows come off the wire one at a time, nothing is
 * buffered beyond the current batch) or as a prepared statement. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "my_internal.h"

void etlc__my_abort_stream(MYSQL *conn)
{
    /* Freeing an unfinished result reads the rest of it off the wire; with
     * the socket shut that read fails at once, and the connection is
     * closed instead of going back to the pool. */
    my_socket fd = mysql_get_socket(conn);
    if (fd != MARIADB_INVALID_SOCKET)
        shutdown((int)fd, SHUT_RDWR);
}

int etlc__my_make_batch(const MYSQL_FIELD *fields, size_t ncols, my_column *cols, const my_type_options *opt,
                        size_t rows, etlc_batch **out, etlc_error *err)
{
    etlc_column_def *defs = calloc(ncols ? ncols : 1, sizeof *defs);
    if (!defs)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory describing columns");
    for (size_t i = 0; i < ncols; i++) {
        etlc__my_column_init(&cols[i], &fields[i], opt);
        defs[i].name = fields[i].name;
        defs[i].type = cols[i].type;
        defs[i].precision = cols[i].precision;
        defs[i].scale = cols[i].scale;
    }
    int rc = etlc_batch_new(defs, ncols, rows, out, err);
    free(defs);
    return rc;
}

int etlc__my_fetch_text(my_ctx *ctx, MYSQL *conn, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                        bool *reusable, etlc_error *err)
{
    if (mysql_real_query(conn, req->query, (unsigned long)strlen(req->query)) != 0)
        return etlc__my_conn_error(err, conn, "query failed");
    if (mysql_field_count(conn) == 0)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "the statement returns no columns; fetch runs queries that return rows");
    MYSQL_RES *res = mysql_use_result(conn);
    if (!res)
        return etlc__my_conn_error(err, conn, "cannot read the query result");
    size_t ncols = mysql_num_fields(res);
    const MYSQL_FIELD *fields = mysql_fetch_fields(res);
    my_column *cols = calloc(ncols ? ncols : 1, sizeof *cols);
    etlc_batch *batch = NULL;
    int rc = cols ? etlc__my_make_batch(fields, ncols, cols, &ctx->types, req->batch_rows ? req->batch_rows : 10000,
                                        &batch, err)
                  : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory describing columns");
    uint64_t row = 0;
    bool done = false;
    while (rc == 0) {
        MYSQL_ROW r = mysql_fetch_row(res);
        if (!r) {
            if (mysql_errno(conn)) {
                char what[80];
                snprintf(what, sizeof what, "reading the result failed after %llu rows", (unsigned long long)row);
                rc = etlc__my_conn_error(err, conn, what);
            } else {
                done = true;
            }
            break;
        }
        unsigned long *lengths = mysql_fetch_lengths(res);
        for (size_t c = 0; c < ncols && rc == 0; c++)
            rc = r[c] ? etlc__my_append_text(batch, c, &cols[c], r[c], lengths[c], row, &ctx->types, err)
                      : etlc_batch_append_null(batch, c, err);
        if (rc == 0)
            rc = etlc_batch_end_row(batch, err);
        row++;
        if (rc == 0)
            rc = etlc_batch_flush(batch, consumer, false, err);
    }
    if (rc == 0)
        rc = etlc_batch_flush(batch, consumer, true, err);
    if (!done) {
        etlc__my_abort_stream(conn);
        *reusable = false;
    }
    mysql_free_result(res);
    if (done && mysql_more_results(conn))
        *reusable = false; /* a CALL's further result sets: do not hand the session on mid-protocol */
    if (rc == 0)
        etlc_log(ETLC_LOG_INFO, "mysql", "fetched %llu rows (text protocol)", (unsigned long long)row);
    etlc_batch_free(batch);
    free(cols);
    return rc;
}

int etlc__my_fetch(my_ctx *ctx, const etlc_fetch_request *req, etlc_batch_consumer consumer, etlc_error *err)
{
    if (!req->query || !*req->query)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "fetch needs a SQL query");
    if (req->nparams > 0 && ctx->fetch_mode == MY_FETCH_TEXT)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "fetch_mode=text cannot bind %zu parameters; use fetch_mode=auto or prepared",
                              req->nparams);
    MYSQL *conn = NULL;
    int rc = etlc__my_pool_acquire(&ctx->pool, &conn, err);
    if (rc != 0)
        return rc;
    bool reusable = true;
    bool prepared = ctx->fetch_mode == MY_FETCH_PREPARED || req->nparams > 0;
    rc = prepared ? etlc__my_fetch_prepared(ctx, conn, req, NULL, consumer, &reusable, err)
                  : etlc__my_fetch_text(ctx, conn, req, consumer, &reusable, err);
    if (rc == ETLC_CONNECT)
        reusable = false; /* the session is gone */
    etlc__my_pool_release(&ctx->pool, conn, reusable);
    return rc;
}
