/* The records capability: a CQL statement read page by page. The cursor
 * handed to the driver is the server's paging state in hex, so a run
 * stopped after page k resumes at page k + 1 of the same statement.
 * A statement with markers goes through PREPARE / EXECUTE, parameters
 * (KEY=VALUE) binding them by name; one without goes as a QUERY. Two
 * token(pk) markers make it a parallel token-range scan (cassandra_scan.c). */
#include <stdlib.h>
#include <string.h>

#include "cassandra_internal.h"

int etlc__cass_unhex(const char *hex, size_t n, uint8_t **out, size_t *len)
{
    *out = NULL;
    if (n == 0 || n % 2 || strspn(hex, "0123456789abcdef") < n)
        return -1;
    if (!(*out = malloc(n / 2)))
        return -2;
    for (size_t i = 0; i < n / 2; i++) {
        char h[3] = {hex[2 * i], hex[2 * i + 1], 0};
        (*out)[i] = (uint8_t)strtoul(h, NULL, 16);
    }
    *len = n / 2;
    return 0;
}

static int cursor_decode(const char *hex, uint8_t **out, size_t *len, etlc_error *err)
{
    int rc = etlc__cass_unhex(hex, strlen(hex), out, len);
    if (rc == -2)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    if (rc != 0)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "cassandra: the checkpoint's cursor is not a "
                              "paging state this connector handed out");
    return 0;
}

char *etlc__cass_hex(const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char *s = malloc(2 * n + 1);
    for (size_t i = 0; s && i < n; i++) {
        s[2 * i] = hex[p[i] >> 4];
        s[2 * i + 1] = hex[p[i] & 15];
    }
    if (s)
        s[2 * n] = '\0';
    return s;
}

typedef struct page_loop {
    cass_ctx *ctx;
    const char *cql;
    cql_stmt *st;
    cql_page_req pr;
    uint8_t *paging;            /* owned */
} page_loop;

static int run_pages(page_loop *pl, etlc_page_consumer pages, etlc_error *err)
{
    for (;;) {
        etlc_batch *batch = NULL;
        uint8_t *next = NULL;
        size_t next_len = 0;
        pl->pr.paging = pl->paging;
        int rc = etlc__cql_page(&pl->ctx->conn, pl->cql, pl->st, &pl->pr, &batch, &next, &next_len, err);
        if (rc != 0)
            return rc;
        char *cursor = next ? etlc__cass_hex(next, next_len) : NULL;
        if (next && !cursor)
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
        if (rc == 0) {
            etlc_records_page pg = {.batch = batch, .next_cursor = cursor};
            rc = pages.on_page(pages.userdata, &pg, err);
        }
        etlc_batch_free(batch);
        free(cursor);
        free(pl->paging);
        pl->paging = next;
        pl->pr.paging_len = next_len;
        if (rc != 0 || !next)
            return rc;
    }
}

int etlc__cass_fetch_pages(void *vctx, const etlc_records_request *req, etlc_page_consumer pages,
                           etlc_error *err)
{
    cass_ctx *ctx = vctx;
    if (!req->resource || !*req->resource)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "cassandra: the query (a CQL statement) is empty");
    page_loop pl = {.ctx = ctx, .cql = req->resource,
                    .pr = {.consistency = ctx->consistency, .page_size = etlc__cass_page_size(ctx, req)}};
    cql_stmt st = {0};
    etlc__buf values = {0};
    int rc = 0;
    if (req->nparams > 0 || strstr(req->resource, "?")) {
        rc = etlc__cql_prepare(&ctx->conn, req->resource, &st, err);
        if (rc == 0 && etlc__cass_is_token_scan(&st)) {
            etlc__cql_stmt_free(&st);
            return etlc__cass_token_scan(ctx, req, pages, err);
        }
        if (rc == 0 && req->cursor)
            rc = cursor_decode(req->cursor, &pl.paging, &pl.pr.paging_len, err);
        if (rc == 0)
            rc = etlc__cql_bind_params(&st, req->params, req->nparams, &values, err);
        pl.st = &st;
        pl.pr.values = &values;
        pl.pr.nvalues = (uint16_t)st.vars.ncols;
    } else if (req->cursor) {
        rc = cursor_decode(req->cursor, &pl.paging, &pl.pr.paging_len, err);
    }
    if (rc == 0)
        rc = run_pages(&pl, pages, err);
    free(pl.paging);
    etlc__cql_stmt_free(&st);
    etlc__buf_free(&values);
    return rc;
}
