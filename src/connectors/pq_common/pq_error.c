/* PostgreSQL errors -> etlc codes. SQLSTATE goes into err->native_state;
 * libpq messages never carry the password (and pass the redactor anyway). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/pq_common/pq_common.h"

int etlc__pg_sqlstate_code(const char *st, bool *retryable)
{
    *retryable = false;
    if (!st || strlen(st) != 5)
        return ETLC_QUERY;
    if (strcmp(st, "28P01") == 0 || strcmp(st, "28000") == 0)
        return ETLC_AUTH;
    if (strcmp(st, "3D000") == 0)
        return ETLC_CONNECT_NOT_FOUND;
    if (strcmp(st, "57014") == 0) /* query_canceled: statement_timeout */
        return ETLC_TIMEOUT;
    if (strcmp(st, "40001") == 0) { /* serialization_failure */
        *retryable = true;
        return ETLC_QUERY;
    }
    if (strcmp(st, "40P01") == 0 || strcmp(st, "55P03") == 0) { /* deadlock, lock_not_available */
        *retryable = true;
        return ETLC_BUSY;
    }
    if (strcmp(st, "42501") == 0)
        return ETLC_AUTH_DENIED;
    if (strncmp(st, "08", 2) == 0 || strcmp(st, "57P01") == 0 || strcmp(st, "57P02") == 0 ||
        strcmp(st, "57P03") == 0) { /* connection exceptions, admin/crash shutdown, cannot connect now */
        *retryable = true;
        return ETLC_CONNECT;
    }
    if (strcmp(st, "53100") == 0)
        return ETLC_IO_NO_SPACE;
    if (strncmp(st, "53", 2) == 0) { /* insufficient resources */
        *retryable = true;
        return ETLC_BUSY;
    }
    return ETLC_QUERY; /* 42xxx syntax/undefined objects, 22xxx data exceptions, ... */
}

/* libpq messages end in "\n"; several lines for connection attempts.
 * The whole message is kept (malloc'd; NULL when out of memory): the error
 * object redacts it first and only then cuts it to size. */
static char *one_line(const char *in)
{
    size_t n = in ? strlen(in) : 0, j = 0;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (c == '\n') {
            if (!in[i + 1])
                break;
            c = ' ';
        }
        if (c == ' ' && j > 0 && out[j - 1] == ' ')
            continue;
        out[j++] = c;
    }
    out[j] = '\0';
    return out;
}

int etlc__pg_result_error(etlc_error *err, PGconn *conn, const PGresult *res, const char *what)
{
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
    char *line = one_line(msg ? msg
                          : res && *PQresultErrorMessage(res) ? PQresultErrorMessage(res)
                                                             : PQerrorMessage(conn));
    bool retry = false;
    int code;
    if (st) {
        code = etlc__pg_sqlstate_code(st, &retry);
    } else if (conn && PQstatus(conn) == CONNECTION_BAD) {
        /* The connection died under us (server gone, backend killed). */
        code = ETLC_CONNECT;
        retry = true;
    } else {
        code = ETLC_PROTOCOL;
    }
    etlc_error_set(err, code, "%s: %s%s%s%s%s%s%s", what,
                   !line ? "(message withheld: out of memory)" : line[0] ? line : "unknown error",
                   detail ? " (" : "", detail ? detail : "", detail ? ")" : "", hint ? " hint: " : "",
                   hint ? hint : "", st ? "" : (code == ETLC_CONNECT ? " [connection lost]" : ""));
    etlc__free_secret(line);
    if (err) {
        snprintf(err->native_state, sizeof err->native_state, "%s", st ? st : "");
        err->retryable = retry;
    }
    return code;
}

int etlc__pg_connect_error(etlc_error *err, PGconn *conn, const char *what)
{
    char *line = one_line(conn ? PQerrorMessage(conn) : "out of memory");
    if (!line) {
        conn = NULL; /* report it as out of memory */
        line = etlc__strdup("");
    }
    /* libpq exposes no SQLSTATE for a failed login; the server's message
     * text is stable enough to classify (messages are English: lc_messages
     * of the server may change that, then this falls back to CONNECT). */
    static const struct { const char *needle; int code; const char *state; bool retry; } rules[] = {
        {"password authentication failed", ETLC_AUTH, "28P01", false},
        {"no pg_hba.conf entry", ETLC_AUTH, "28000", false},
        {"authentication failed", ETLC_AUTH, "28000", false},
        {"no password supplied", ETLC_AUTH, "28P01", false},
        {"does not exist", ETLC_CONNECT_NOT_FOUND, "3D000", false},
        {"Connection refused", ETLC_CONNECT_REFUSED, "08001", true},
        {"timeout expired", ETLC_CONNECT_TIMEOUT, "08001", true},
        {"could not translate host name", ETLC_CONNECT_NOT_FOUND, "08001", false},
        {"too many connections", ETLC_BUSY, "53300", true},
        {"the database system is", ETLC_CONNECT, "57P03", true},
    };
    int code = ETLC_CONNECT;
    const char *state = "08001";
    bool retry = true;
    if (!conn) {
        code = ETLC_NO_MEMORY;
        state = "";
        retry = false;
    }
    for (size_t i = 0; conn && i < ETLC__ARRAY_LEN(rules); i++)
        if (strstr(line, rules[i].needle)) {
            code = rules[i].code;
            state = rules[i].state;
            retry = rules[i].retry;
            break;
        }
    /* "role ... does not exist" is an authentication problem, not a missing database. */
    if (code == ETLC_CONNECT_NOT_FOUND && line && strstr(line, "role \"")) {
        code = ETLC_AUTH;
        state = "28000";
    }
    etlc_error_set(err, code, "%s: %s", what, line ? line : "out of memory");
    etlc__free_secret(line);
    if (err) {
        snprintf(err->native_state, sizeof err->native_state, "%s", state);
        err->retryable = retry;
    }
    return code;
}
