/* SQL Server connector internals shared by its files. */
#ifndef ETLCONN_MSSQL_INTERNAL_H
#define ETLCONN_MSSQL_INTERNAL_H

#include <sybfront.h>
#include <sybdb.h>

#include "core/internal.h"

/* TDS type codes FreeTDS's public header does not name. */
enum { MSSQL_TYPE_UNIQUE = 36, MSSQL_TYPE_VARIANT = 98, MSSQL_TYPE_XML = 241 };

/* How FreeTDS holds date, time, datetime2 and datetimeoffset values in
 * memory (TDS_DATETIMEALL in its private tds.h): time of day in 100 ns
 * units, days, the offset in minutes east of UTC, then flag bits. The unit
 * tests check this mirror against values FreeTDS builds. */
typedef struct etlc__mssql_datetimeall {
    uint64_t time_100ns;
    int32_t days;
    int16_t offset_minutes;
    uint16_t flags;
} etlc__mssql_datetimeall;

/* What FreeTDS's error and message handlers collected for one connection
 * (or one login attempt): the first error decides the code, the server's
 * messages give the text. Messages are redacted when copied into etlc_error. */
typedef struct mssql_diag {
    int dberr;            /* db-lib error number (SYBE*), 0 if none */
    int oserr;            /* errno FreeTDS reported with it, 0 if none */
    int severity;
    char dbmsg[256];
    int msgno;            /* server message number of the first error (severity > 10) */
    int msgstate;
    char srvmsg[512];
} mssql_diag;

typedef struct mssql_ctx {
    DBPROCESS *dbproc;
    mssql_diag diag;
    char *database;       /* not secret; source name and messages */
    char *server;         /* "host:port" / "host\instance" as passed to FreeTDS */
} mssql_ctx;

extern const etlc_option_table etlc__mssql_options;

/* ---- builders (mssql_login.c) ------------------------------------------ */

/* The FreeTDS server string: "host:port", "[v6]:port" or "host\instance"
 * (port given explicitly wins over instance). malloc'd via *out. */
int etlc__mssql_server_string(const char *host, int64_t port, bool port_explicit, const char *instance,
                              char **out, etlc_error *err);
/* "7.4" -> DBVERSION_74; "auto" -> 0 (let FreeTDS negotiate); -1 unknown. */
int etlc__mssql_tds_version(const char *text);
/* Check the settings db-lib can honour; a clear CONFIG/UNSUPPORTED error otherwise. */
int etlc__mssql_check_config(const etlc_config *cfg, etlc_error *err);
/* A LOGINREC from the config (user, password, app, database, charset UTF-8,
 * version, packet size). The password goes only into the LOGINREC. */
int etlc__mssql_login_new(const etlc_config *cfg, LOGINREC **out, etlc_error *err);
/* Seconds for db-lib's whole-second timeouts: ms rounded up, 0 stays 0. */
int etlc__mssql_seconds(int64_t ms);

/* ---- errors (mssql_errors.c) ------------------------------------------- */

/* Install the process-wide db-lib handlers and dbinit() once. */
int etlc__mssql_init(etlc_error *err);
/* While a login runs on this thread, handlers without a DBPROCESS write here. */
void etlc__mssql_login_diag(mssql_diag *diag);
/* The etlc code for what the handlers saw; `connecting` picks CONNECT_*
 * codes over QUERY ones. *retryable set for transient failures. */
int etlc__mssql_code_for(const mssql_diag *d, bool connecting, bool *retryable);
/* Fill err from the diag: "what: server message (msg N, severity S) [db-lib: text, os: strerror]". */
int etlc__mssql_error(etlc_error *err, const mssql_diag *d, bool connecting, const char *what);

/* ---- types (mssql_types.c) --------------------------------------------- */

/* Record type for a db-lib column type (dbcoltype) and its precision/scale. */
etlc_type etlc__mssql_column_type(int dbtype, int precision, int scale, int *out_precision, int *out_scale);
/* Append one value (data == NULL means SQL NULL) of db-lib type `dbtype`
 * to column `col`, converted to the column's record type. */
int etlc__mssql_append_value(etlc_batch *b, size_t col, int dbtype, const BYTE *data, DBINT len, uint64_t row,
                             etlc_error *err);

#endif
