/* MariaDB/MySQL error numbers -> etlc codes. The error number goes into
 * err->native_code, the SQLSTATE into err->native_state. Server messages
 * never carry the password (and pass the redactor anyway). */
#include <stdio.h>
#include <string.h>

#include "my_internal.h"

int etlc__my_errno_code(unsigned e, const char *message, bool *retryable)
{
    *retryable = false;
    switch (e) {
    case 1045: /* ER_ACCESS_DENIED_ERROR */
    case 1698: /* ER_ACCESS_DENIED_NO_PASSWORD_ERROR */
    case 1251: /* ER_NOT_SUPPORTED_AUTH_MODE */
    case 1862: /* ER_MUST_CHANGE_PASSWORD_LOGIN */
        return ETLC_AUTH;
    case 1044: /* ER_DBACCESS_DENIED_ERROR */
    case 1142: /* ER_TABLEACCESS_DENIED_ERROR */
    case 1143: /* ER_COLUMNACCESS_DENIED_ERROR */
    case 1227: /* ER_SPECIFIC_ACCESS_DENIED_ERROR */
        return ETLC_AUTH_DENIED;
    case 1049: /* ER_BAD_DB_ERROR */
        return ETLC_CONNECT_NOT_FOUND;
    case 2005: /* CR_UNKNOWN_HOST */
        return ETLC_CONNECT_NOT_FOUND;
    case 2002: /* CR_CONNECTION_ERROR (socket) */
    case 2003: /* CR_CONN_HOST_ERROR */
        *retryable = true;
        /* errno 110 (ETIMEDOUT) in the message: the host did not answer in time */
        return message && strstr(message, "(110") ? ETLC_CONNECT_TIMEOUT : ETLC_CONNECT_REFUSED;
    case 2006: /* CR_SERVER_GONE_ERROR */
    case 2013: /* CR_SERVER_LOST */
    case 2055: /* CR_SERVER_LOST_EXTENDED */
    case 1053: /* ER_SERVER_SHUTDOWN */
    case 1927: /* ER_CONNECTION_KILLED (MariaDB) */
    case 1152: /* ER_ABORTING_CONNECTION */
    case 1158: case 1159: case 1160: case 1161: /* ER_NET_READ/WRITE errors and timeouts */
        *retryable = true;
        return ETLC_CONNECT;
    case 2026: /* CR_SSL_CONNECTION_ERROR */
        return ETLC_CONNECT;
    case 1040: /* ER_CON_COUNT_ERROR */
    case 1203: /* ER_TOO_MANY_USER_CONNECTIONS */
    case 1205: /* ER_LOCK_WAIT_TIMEOUT */
    case 1213: /* ER_LOCK_DEADLOCK */
        *retryable = true;
        return ETLC_BUSY;
    case 3024: /* ER_QUERY_TIMEOUT (MySQL max_execution_time) */
    case 1969: /* ER_STATEMENT_TIMEOUT (MariaDB max_statement_time) */
        return ETLC_TIMEOUT;
    case 1317: /* ER_QUERY_INTERRUPTED */
        return ETLC_CANCELLED;
    case 1021: /* ER_DISK_FULL */
    case 1114: /* ER_RECORD_FILE_FULL */
        return ETLC_IO_NO_SPACE;
    case 2008: /* CR_OUT_OF_MEMORY */
        return ETLC_NO_MEMORY;
    case 2027: /* CR_MALFORMED_PACKET */
        return ETLC_PROTOCOL;
    case 2014: /* CR_COMMANDS_OUT_OF_SYNC */
        return ETLC_INTERNAL;
    default:
        /* 1xxx/3xxx/4xxx: server-side query errors (1064 syntax, 1146 no
         * table, 1054 no column, ...); 2xxx: other client-side failures. */
        return e >= 2000 && e < 3000 ? ETLC_CONNECT : ETLC_QUERY;
    }
}

static int fill(etlc_error *err, unsigned e, const char *state, const char *msg, const char *what)
{
    bool retry;
    int code = etlc__my_errno_code(e, msg, &retry);
    /* libmariadb keeps messages in MYSQL_ERRMSG_SIZE bytes: it may have cut a secret. */
    char *whole = etlc__redact_driver_message(msg, MYSQL_ERRMSG_SIZE);
    etlc_error_set(err, code, "%s: %s (MySQL error %u, SQLSTATE %s)", what,
                   !whole ? "(message withheld: out of memory)" : *whole ? whole : "unknown error", e,
                   state && *state ? state : "HY000");
    etlc__free_secret(whole);
    if (err) {
        err->native_code = (long)e;
        snprintf(err->native_state, sizeof err->native_state, "%s", state && *state ? state : "HY000");
        err->retryable = retry;
    }
    return code;
}

int etlc__my_conn_error(etlc_error *err, MYSQL *conn, const char *what)
{
    if (!conn)
        return etlc_error_set(err, ETLC_NO_MEMORY, "%s: out of memory", what);
    return fill(err, mysql_errno(conn), mysql_sqlstate(conn), mysql_error(conn), what);
}

int etlc__my_stmt_error(etlc_error *err, MYSQL_STMT *stmt, MYSQL *conn, const char *what)
{
    if (mysql_stmt_errno(stmt))
        return fill(err, mysql_stmt_errno(stmt), mysql_stmt_sqlstate(stmt), mysql_stmt_error(stmt), what);
    /* Errors met while reading rows can be left on the connection only. */
    if (conn && mysql_errno(conn))
        return fill(err, mysql_errno(conn), mysql_sqlstate(conn), mysql_error(conn), what);
    return fill(err, 2013, "HY000", "Lost connection to server during query", what);
}
