/* The cassandra connector's context (one CQL connection per connector;
 * the core serialises calls on it). */
#ifndef ETLCONN_CASSANDRA_INTERNAL_H
#define ETLCONN_CASSANDRA_INTERNAL_H

#include "cql_internal.h"

typedef struct cass_ctx {
    cql_opts opts;              /* strings borrowed from the config */
    cql_conn conn;
    uint16_t consistency;
    int32_t page_size;
    int token_ranges;
    char source[128];
} cass_ctx;

extern const etlc_option_table etlc__cassandra_options;

int etlc__cass_fetch_pages(void *ctx, const etlc_records_request *req, etlc_page_consumer pages,
                           etlc_error *err);

/* Rows per page: the request's batch_rows (--batch-size, batch_rows=) when
 * it names one, else the page_size option. */
static inline int32_t etlc__cass_page_size(const cass_ctx *ctx, const etlc_records_request *req)
{
    if (!req->batch_rows)
        return ctx->page_size;
    return req->batch_rows > 1000000 ? 1000000 : (int32_t)req->batch_rows;
}

/* The marker name Cassandra gives token(...) bind markers. */
#define CASS_TOKEN_MARKER "partition key token"

/* A statement whose markers include two token(pk) markers (> then <=) is
 * scanned as ctx->token_ranges token ranges over as many sessions
 * (cassandra_scan.c); `st` is its preparation on the main session. */
bool etlc__cass_is_token_scan(const cql_stmt *st);
int etlc__cass_token_scan(cass_ctx *ctx, const etlc_records_request *req, etlc_page_consumer pages,
                          etlc_error *err);
/* Paging state <-> hex text (cursors). */
char *etlc__cass_hex(const uint8_t *p, size_t n);
int etlc__cass_unhex(const char *hex, size_t n, uint8_t **out, size_t *len);

#endif
