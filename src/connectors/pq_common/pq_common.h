/* What the postgres source and the dw destination share about libpq
 * (internal): the connection option list, the conninfo builder, error
 * mapping and type OIDs. Built when either of them is (CMakeLists.txt). */
#ifndef ETLCONN_PQ_COMMON_H
#define ETLCONN_PQ_COMMON_H

#include <libpq-fe.h>

#include "core/internal.h"

/* The libpq connection keys, shared by every table whose config goes
 * through etlc__pg_conninfo (the postgres source and the dw destination). */
#define ETLC__PG_CONNECTION_OPTIONS(app_name) \
    {.name = "host", .type = ETLC_OPT_STRING, .default_value = "localhost", \
     .description = "Server host name or IP address"}, \
    {.name = "port", .type = ETLC_OPT_INT, .default_value = "5432", \
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 1, .max = 65535, \
     .description = "Server TCP port"}, \
    {.name = "database", .type = ETLC_OPT_STRING, \
     .description = "Database name (required unless url names one)"}, \
    {.name = "username", .type = ETLC_OPT_STRING, \
     .description = "Role to log in as (libpq's default, the OS user, when unset)"}, \
    {.name = "password", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET, \
     .description = "Password for username"}, \
    {.name = "url", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET, \
     .description = "postgresql://user:password@host:port/database?sslmode=... instead of the separate keys; " \
                    "keys set explicitly override its parts"}, \
    {.name = "sslmode", .type = ETLC_OPT_ENUM, .default_value = "prefer", \
     .choices = "disable|allow|prefer|require|verify-ca|verify-full", \
     .description = "TLS policy (libpq sslmode)"}, \
    {.name = "sslrootcert", .type = ETLC_OPT_PATH, \
     .description = "CA certificate file for verify-ca / verify-full"}, \
    {.name = "application_name", .type = ETLC_OPT_STRING, .default_value = app_name, \
     .description = "Name shown in pg_stat_activity"}, \
    {.name = "connect_timeout", .type = ETLC_OPT_DURATION, .default_value = "10s", \
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 3600000, \
     .description = "How long to wait for a connection (rounded up to whole seconds; 0 = wait forever)"}

/* Build libpq keywords/values from the config (pq_conninfo.c). Secrets are
 * registered with the redactor; nothing here is ever formatted into text. */
int etlc__pg_conninfo(const etlc_config *cfg, const char ***keys, char ***values,
                      int *expand_dbname, etlc_error *err);
void etlc__pg_conninfo_free(const char **keys, char **values);

/* ---- errors (pq_error.c) ---------------------------------------------------- */

/* Fill err from a failed result (SQLSTATE -> code) with `what` in front. */
int etlc__pg_result_error(etlc_error *err, PGconn *conn, const PGresult *res, const char *what);
/* Fill err from a failed connection attempt (message text -> code, inferred SQLSTATE). */
int etlc__pg_connect_error(etlc_error *err, PGconn *conn, const char *what);
/* The etlc code and retryable bit for a SQLSTATE. */
int etlc__pg_sqlstate_code(const char *sqlstate, bool *retryable);

/* ---- type OIDs ------------------------------------------------------------- */

enum {
    PG_OID_BOOL = 16, PG_OID_BYTEA = 17, PG_OID_CHAR = 18, PG_OID_NAME = 19, PG_OID_INT8 = 20,
    PG_OID_INT2 = 21, PG_OID_INT4 = 23, PG_OID_TEXT = 25, PG_OID_OID = 26, PG_OID_JSON = 114,
    PG_OID_FLOAT4 = 700, PG_OID_FLOAT8 = 701, PG_OID_UNKNOWN = 705, PG_OID_BPCHAR = 1042,
    PG_OID_VARCHAR = 1043, PG_OID_DATE = 1082, PG_OID_TIME = 1083, PG_OID_TIMESTAMP = 1114,
    PG_OID_TIMESTAMPTZ = 1184, PG_OID_NUMERIC = 1700, PG_OID_UUID = 2950, PG_OID_JSONB = 3802
};

#endif
