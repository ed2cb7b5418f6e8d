/* MariaDB/MySQL connector internals shared by its files. */
#ifndef ETLCONN_MY_INTERNAL_H
#define ETLCONN_MY_INTERNAL_H

#include <mysql.h>
#include <pthread.h>

#include "core/internal.h"
#include "core/pool.h"

/* ---- connection parameters (my_params.c) ---------------------------------- */

typedef enum my_ssl_mode {
    MY_SSL_DISABLED = 0, MY_SSL_PREFERRED, MY_SSL_REQUIRED, MY_SSL_VERIFY_CA, MY_SSL_VERIFY_IDENTITY
} my_ssl_mode;

/* Everything mysql_real_connect needs, resolved from the options and the url.
 * Strings owned; password zeroed when freed. */
typedef struct my_params {
    char *host;
    unsigned port;
    char *socket;      /* unix socket path, NULL = TCP */
    char *database;    /* NULL = none */
    char *username;
    char *password;
    char *charset;
    char *ssl_ca;
    my_ssl_mode ssl_mode;
    unsigned connect_timeout_s; /* 0 = library default */
    unsigned read_timeout_s;    /* 0 = none */
    int64_t query_timeout_ms;   /* 0 = none */
} my_params;

/* Build from a validated config (url parts under explicitly set keys).
 * Registers the password (and url) with the redactor. */
int etlc__my_params_from_config(const etlc_config *cfg, my_params *p, etlc_error *err);
void etlc__my_params_free(my_params *p);
/* Split mysql://user:password@host:port/database (also mariadb://). Exposed
 * for unit tests; every out string malloc'd or NULL, *port 0 if absent. */
int etlc__my_url_parse(const char *url, char **user, char **password, char **host, unsigned *port,
                       char **database, etlc_error *err);

/* ---- errors (my_error.c) --------------------------------------------------- */

/* The etlc code and retryable bit for a server or client error number. */
int etlc__my_errno_code(unsigned errnum, const char *message, bool *retryable);
/* Fill err from the connection's last error with `what` in front. */
int etlc__my_conn_error(etlc_error *err, MYSQL *conn, const char *what);
/* Same for a prepared statement (falls back to the connection's error,
 * then to "connection lost" when the library left none). */
int etlc__my_stmt_error(etlc_error *err, MYSQL_STMT *stmt, MYSQL *conn, const char *what);

/* ---- pool (my_pool.c) ----------------------------------------------------- */

/* The generic pool (core/pool.h) with the parameters its connect uses. */
typedef struct my_pool {
    etlc__pool base;
    my_params params;       /* owned */
} my_pool;

/* Takes ownership of params (freed by destroy, also on failure). */
int etlc__my_pool_init(my_pool *pool, my_params *params, size_t min, size_t max, int64_t idle_timeout_ms,
                       etlc_error *err);
/* An idle connection that answers mysql_ping, or a new one (BUSY when all
 * pool_max stay in use for connect_timeout). */
int etlc__my_pool_acquire(my_pool *pool, MYSQL **out, etlc_error *err);
/* Give it back; `reusable` false closes it. */
void etlc__my_pool_release(my_pool *pool, MYSQL *conn, bool reusable);
size_t etlc__my_pool_open_count(my_pool *pool);
void etlc__my_pool_destroy(my_pool *pool);

/* ---- types (my_types.c) --------------------------------------------------- */

typedef enum my_kind {
    MY_K_INT,       /* TINY..LONGLONG, YEAR -> int64 */
    MY_K_UINT64,    /* BIGINT UNSIGNED -> int64, error above INT64_MAX */
    MY_K_UINT64_DEC,/* BIGINT UNSIGNED -> decimal(20,0) (unsigned_bigint=decimal) */
    MY_K_BOOL,      /* TINYINT(1) (tinyint1_as_bool): 0/1 */
    MY_K_BIT1,      /* BIT(1): one byte */
    MY_K_BITS,      /* BIT(2..64) -> int64 */
    MY_K_DECIMAL,
    MY_K_FLOAT,     /* FLOAT: shortest text that round-trips as float, then double */
    MY_K_DOUBLE,
    MY_K_DATE,
    MY_K_DATETIME,  /* DATETIME, TIMESTAMP */
    MY_K_TIME,      /* text "-838:59:59.000000" */
    MY_K_TEXT,
    MY_K_BYTES,
    MY_K_JSON
} my_kind;

typedef struct my_column {
    my_kind kind;
    etlc_type type;
    int precision, scale;
    unsigned decimals;        /* fractional digits of TIME */
    bool widen_float;         /* FLOAT read as (double)value (exact_internal_floats) */
} my_column;

typedef struct my_type_options {
    bool zero_date_null;
    bool unsigned_as_decimal;
    bool tinyint1_as_bool;
    /* FLOAT columns named "etlc_*" (extraction cursors and bounds) are read
     * as the exact double the float widens to, not its shortest text, so the
     * value bound back compares equal to the stored float. */
    bool exact_internal_floats;
} my_type_options;

/* Decide how a result column is read. */
void etlc__my_column_init(my_column *col, const MYSQL_FIELD *f, const my_type_options *opt);
/* Append one non-NULL value in its text-protocol form. */
int etlc__my_append_text(etlc_batch *b, size_t colno, const my_column *col, const char *data, size_t len,
                         uint64_t row, const my_type_options *opt, etlc_error *err);
/* Append one MYSQL_TIME (binary protocol DATE/DATETIME/TIMESTAMP/TIME). */
int etlc__my_append_time(etlc_batch *b, size_t colno, const my_column *col, const MYSQL_TIME *t, uint64_t row,
                         const my_type_options *opt, etlc_error *err);
/* Append a FLOAT read in binary form. */
int etlc__my_append_float(etlc_batch *b, size_t colno, float v, etlc_error *err);
/* Append an integer read in binary form (kinds INT, UINT64, UINT64_DEC, BOOL). */
int etlc__my_append_int(etlc_batch *b, size_t colno, const my_column *col, int64_t v, bool is_unsigned,
                        uint64_t row, etlc_error *err);

/* ---- the connector's state ------------------------------------------------ */

typedef enum my_fetch_mode { MY_FETCH_AUTO = 0, MY_FETCH_TEXT, MY_FETCH_PREPARED } my_fetch_mode;

typedef struct my_ctx {
    my_pool pool;
    my_fetch_mode fetch_mode;
    my_type_options types;
    char *database;  /* for source names */
    char *endpoint;  /* "host:port" for messages */
} my_ctx;

extern const etlc_option_table etlc__my_options;

/* Library-wide init, once per process (mysql_library_init is not thread-safe). */
void etlc__my_library_init(void);

/* ---- fetch (my_fetch.c, my_stmt.c) ---------------------------------------- */

int etlc__my_fetch(my_ctx *ctx, const etlc_fetch_request *req, etlc_batch_consumer consumer, etlc_error *err);
int etlc__my_fetch_text(my_ctx *ctx, MYSQL *conn, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                        bool *reusable, etlc_error *err);
/* `types` NULL = the connector's own type options. */
int etlc__my_fetch_prepared(my_ctx *ctx, MYSQL *conn, const etlc_fetch_request *req,
                            const my_type_options *types, etlc_batch_consumer consumer, bool *reusable,
                            etlc_error *err);
/* Column definitions for a result's fields (names borrowed from fields). */
int etlc__my_make_batch(const MYSQL_FIELD *fields, size_t ncols, my_column *cols, const my_type_options *opt,
                        size_t rows, etlc_batch **out, etlc_error *err);
/* Hand a full batch on and reset it. */
/* Stop an unfinished stream fast: shut the socket so draining fails at once. */
void etlc__my_abort_stream(MYSQL *conn);

/* The SQL capability (my_sql.c). */
extern const etlc_sql_ops etlc__my_sql_ops;

#endif
