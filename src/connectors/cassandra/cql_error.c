/* CQL ERROR bodies -> etlconn codes. Retryable: the errors the protocol
 * describes as transient (Overloaded, Unavailable, Is_bootstrapping, read
 * and write timeouts); every other code fails as it is. native_code keeps
 * the CQL code. */
#include <stdio.h>

#include "cql_internal.h"

typedef struct cql_err_map {
    int32_t code;
    const char *name;
    int etlc;
    bool retryable;
} cql_err_map;

static const cql_err_map map[] = {
    {0x0000, "Server error", ETLC_QUERY, false},
    {0x000A, "Protocol error", ETLC_PROTOCOL, false},
    {0x0100, "Bad credentials", ETLC_AUTH, false},
    {0x1000, "Unavailable", ETLC_BUSY, true},
    {0x1001, "Overloaded", ETLC_BUSY, true},
    {0x1002, "Is_bootstrapping", ETLC_BUSY, true},
    {0x1003, "Truncate_error", ETLC_QUERY, false},
    {0x1100, "Write_timeout", ETLC_TIMEOUT, true},
    {0x1200, "Read_timeout", ETLC_TIMEOUT, true},
    {0x1300, "Read_failure", ETLC_QUERY, false},
    {0x1400, "Function_failure", ETLC_QUERY, false},
    {0x1500, "Write_failure", ETLC_QUERY, false},
    {0x1600, "CDC_write_failure", ETLC_QUERY, false},
    {0x1700, "CAS_write_unknown", ETLC_TIMEOUT, false},
    {0x2000, "Syntax_error", ETLC_QUERY, false},
    {0x2100, "Unauthorized", ETLC_AUTH_DENIED, false},
    {0x2200, "Invalid", ETLC_QUERY, false},
    {0x2300, "Config_error", ETLC_CONFIG, false},
    {0x2400, "Already_exists", ETLC_QUERY, false},
    {0x2500, "Unprepared", ETLC_QUERY, false},
};

static const cql_err_map *find(int32_t code)
{
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].code == code)
            return &map[i];
    return NULL;
}

const char *etlc__cql_error_name(int32_t code)
{
    const cql_err_map *m = find(code);
    return m ? m->name : "unknown error";
}

int etlc__cql_error_from_body(cql_rd *r, const char *what, etlc_error *err)
{
    int32_t code;
    const char *msg;
    size_t len;
    if (etlc__cql_rd_i32(r, &code) != 0 || etlc__cql_rd_string(r, &msg, &len) != 0)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: %s: truncated ERROR message", what);
    const cql_err_map *m = find(code);
    /* A server may send a code newer than this list: a query failure. */
    int rc = etlc_error_set(err, m ? m->etlc : ETLC_QUERY, "cassandra: %s: %s (0x%04x): %.*s", what,
                            m ? m->name : "unknown error", (unsigned)code, (int)(len > 800 ? 800 : len),
                            msg);
    if (err) {
        err->native_code = code;
        err->retryable = m && m->retryable;
        snprintf(err->native_state, sizeof err->native_state, "%04x", (unsigned)code & 0xFFFF);
    }
    return rc;
}
