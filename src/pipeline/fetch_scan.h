/* etlconn — a plain PostgreSQL table read in parallel heap-block ranges
 * (internal to the pipeline; used by etlc_connector_fetch and
 * etlc_connector_fetch_batches). */
#ifndef ETLCONN_PIPELINE_FETCH_SCAN_H
#define ETLCONN_PIPELINE_FETCH_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/internal.h"

/* Most ranges a scan is cut into (the option's maximum). */
#define ETLC__SCAN_MAX_PARTS 16

/* Is `query` exactly `SELECT <* | column, ...> FROM <name | schema.name>`
 * (names plain or double-quoted), then only whitespace and at most one
 * `;`? Nothing else: no WHERE, JOIN, ORDER, LIMIT, comment, CTE... On
 * true, *body_len is the length of the query without the trailing
 * whitespace and `;`, and rel (NUL-terminated, relsz bytes) holds the
 * relation as written, for a ::regclass cast. */
bool etlc__scan_plain_query(const char *query, size_t *body_len, char *rel, size_t relsz);

/* The connector's own fetch, or — when the connector's scan_partitions is
 * above 1, the dialect is postgresql, the request has no parameters, the
 * query is a plain table read (above), the server is PostgreSQL 14 or later
 * and the table has at least as many heap blocks as ranges — the table read
 * as that many ctid ranges, each on its own session in ONE exported
 * snapshot, the consumer called from several threads but never two at a
 * time. Batches then arrive in no particular order; the first error (a
 * range's or the consumer's) stops the other ranges and is returned;
 * req->cancel stops them all too. Call it inside etlc__connector_enter. */
int etlc__fetch_rows(etlc_connector *c, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                     etlc_error *err);

#endif
