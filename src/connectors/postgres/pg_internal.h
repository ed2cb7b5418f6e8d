/* PostgreSQL connector internals shared by its files. */
#ifndef ETLCONN_PG_INTERNAL_H
#define ETLCONN_PG_INTERNAL_H

#include <libpq-fe.h>
#include <pthread.h>

#include "core/internal.h"
#include "core/pool.h"
#include "connectors/pq_common/pq_common.h" /* options, conninfo, errors, type OIDs */

/* ---- connection pool (pg_pool.c) ---------------------------------------- */

/* The generic pool (core/pool.h) with the libpq parameters its connect uses. */
typedef struct pg_pool {
    etlc__pool base;
    /* libpq keyword/value arrays, NULL-terminated; values owned (secrets zeroed at free). */
    const char **keys;
    char **values;
    int expand_dbname;
} pg_pool;

/* Takes ownership of keys/values (freed by pg_pool_destroy, also on failure). */
int etlc__pg_pool_init(pg_pool *pool, const char **keys, char **values, int expand_dbname,
                       size_t min, size_t max, int64_t idle_timeout_ms, int64_t wait_ms,
                       etlc_error *err);
/* A live connection: an idle one that passes PQstatus + an empty query, or a new one. */
int etlc__pg_pool_acquire(pg_pool *pool, PGconn **out, etlc_error *err);
/* Give it back; `reusable` false (or a broken / in-transaction conn) closes it. */
void etlc__pg_pool_release(pg_pool *pool, PGconn *conn, bool reusable);
/* Connections currently open (idle + in use). */
size_t etlc__pg_pool_open_count(pg_pool *pool);
void etlc__pg_pool_destroy(pg_pool *pool);

/* ---- the connector's state ------------------------------------------------ */

/* AUTO: COPY when possible, row mode if COPY refuses the statement.
 * IN_TRANSACTION: COPY when possible (no parameters, binary types), else row
 * mode, but a failed COPY is never retried: it has aborted the transaction. */
typedef enum pg_fetch_mode { PG_FETCH_AUTO = 0, PG_FETCH_COPY, PG_FETCH_ROWS, PG_FETCH_IN_TRANSACTION } pg_fetch_mode;

typedef struct pg_ctx {
    pg_pool pool;
    pg_fetch_mode fetch_mode;
    char *database;       /* as connected (PQdb), for source names */
    char *endpoint;       /* "host:port" as connected, for messages */
} pg_ctx;

extern const etlc_option_table etlc__pg_options;

/* ---- types (pg_types.c) ------------------------------------------------------ */


/* How a result column is read. */
typedef struct pg_column {
    Oid oid;
    int typmod;
    etlc_type type;
    int precision, scale;
    bool scaled; /* DECIMAL written as scaled integers (etlc__batch_put_scaled), no text */
} pg_column;

/* True for a type this connector decodes itself (binary and text). */
bool etlc__pg_type_known(Oid oid);
/* Fill col->type, precision, scale from oid + typmod. */
void etlc__pg_column_init(pg_column *col, Oid oid, int typmod);
/* Append one value. `binary` selects the wire form; data/len is the value
 * (never NULL here: NULLs are appended by the caller). */
int etlc__pg_append_value(etlc_batch *b, size_t colno, const pg_column *col, bool binary,
                          const char *data, size_t len, uint64_t row, etlc__buf *scratch,
                          etlc_error *err);
/* Binary form only, into a batch prepared with etlc__batch_reserve_capacity
 * (whose column types come from etlc__pg_column_init): common types are
 * written directly, the rest (and every error) go through
 * etlc__pg_append_value's path. */
int etlc__pg_put_binary(etlc_batch *b, size_t colno, const pg_column *col, const char *data,
                        size_t len, uint64_t row, etlc__buf *scratch, etlc_error *err);
/* The header of a numeric's binary form, checked: 0, or -1 malformed,
 * -2 NaN, -3 +inf, -4 -inf (the codes of the two readers below). */
typedef struct etlc__pg_numeric_head {
    uint16_t ndigits, sign, dscale;
    int weight;
    const unsigned char *digits; /* ndigits base-10000 groups, each <= 9999 */
} etlc__pg_numeric_head;
int etlc__pg_numeric_head_read(const unsigned char *p, size_t len, etlc__pg_numeric_head *h);
/* numeric binary form -> decimal text ("-12.3400"). 0, or -1 malformed, -2 NaN, -3 +inf, -4 -inf. */
int etlc__pg_numeric_to_text(const unsigned char *p, size_t len, etlc__buf *out);
/* numeric binary form -> integer scaled by 10^scale with at most `precision`
 * (<= 38) digits, no text in between (pg_numeric.c). 0; -1 malformed, -2 NaN,
 * -3 +inf, -4 -inf; -5 does not fit, with the Parquet writer's reason in *why. */
int etlc__pg_numeric_scaled(const unsigned char *p, size_t len, int precision, int scale,
                            etlc__i128 *out, const char **why);

/* ---- binary COPY parsing (pg_copy.c) ---------------------------------------- */

/* One field of a tuple: data == NULL means SQL NULL. */
typedef struct pg_copy_field {
    const char *data;
    size_t len;
} pg_copy_field;

typedef int (*pg_copy_tuple_fn)(void *userdata, const pg_copy_field *fields, size_t nfields,
                                etlc_error *err);

typedef struct pg_copy_parser {
    etlc__buf pending;   /* bytes not yet parsed (a partial tuple at most) */
    size_t nfields;      /* expected fields per tuple */
    pg_copy_field *fields;
    bool header_done;
    bool trailer_seen;
    uint64_t tuples;
} pg_copy_parser;

int etlc__pg_copy_init(pg_copy_parser *p, size_t nfields, etlc_error *err);
/* Feed bytes; calls `fn` for every complete tuple. ETLC_PROTOCOL on malformed input. */
int etlc__pg_copy_feed(pg_copy_parser *p, const char *data, size_t len, pg_copy_tuple_fn fn,
                       void *userdata, etlc_error *err);
/* After the last chunk: ETLC_PROTOCOL unless the trailer was seen and nothing is left. */
int etlc__pg_copy_finish(pg_copy_parser *p, etlc_error *err);
void etlc__pg_copy_free(pg_copy_parser *p);

/* ---- the COPY receiver thread (pg_recv.c) ----------------------------------- */

/* Receives a COPY OUT already started on `conn` on a thread of its own,
 * into a few fixed blocks. Until etlc__pg_recv_next returns <= 0 (or
 * etlc__pg_recv_stop) the connection is the receiver's. */
typedef struct pg_recv pg_recv;
int etlc__pg_recv_start(PGconn *conn, pg_recv **out, etlc_error *err);
/* The next bytes of the stream, valid until the next call: 1; 0 at the end
 * of the copy (PQgetResult tells its outcome); -1 stream broken (PQerrorMessage);
 * -2 out of memory. */
int etlc__pg_recv_next(pg_recv *r, const char **data, size_t *len);
/* Stop (if still running), join and free. NULL ok. */
void etlc__pg_recv_stop(pg_recv *r);

/* ---- fetch (pg_fetch.c) ---------------------------------------------------- */

int etlc__pg_fetch(pg_ctx *ctx, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                   etlc_error *err);
/* The fetch on a given connection; *clean says whether it can be reused
 * (no half-read result left). Inside a transaction use PG_FETCH_IN_TRANSACTION
 * (or ROWS): AUTO's retry after a failed COPY would run in an aborted one. */
int etlc__pg_fetch_on(pg_ctx *ctx, PGconn *conn, pg_fetch_mode mode, const etlc_fetch_request *req,
                      etlc_batch_consumer consumer, bool *clean, etlc_error *err);

/* The SQL capability (pg_sql.c). */
extern const etlc_sql_ops etlc__pg_sql_ops;

#endif
