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
    char source[128];
} cass_ctx;

extern const etlc_option_table etlc__cassandra_options;

int etlc__cass_fetch_pages(void *ctx, const etlc_records_request *req, etlc_page_consumer pages,
                           etlc_error *err);

#endif
