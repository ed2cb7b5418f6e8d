/* Neo4j status codes (Neo.<Classification>.<Category>.<Title>) -> etlc
 * codes. Classification decides most: ClientError is the request's fault,
 * TransientError may succeed when retried, DatabaseError is the server's. */
#include <stdio.h>
#include <string.h>

#include "neo4j_internal.h"

static bool has_prefix(const char *s, size_t len, const char *p)
{
    size_t n = strlen(p);
    return len >= n && memcmp(s, p, n) == 0;
}

int etlc__n4j_code_for(const char *code, size_t len, bool *retryable)
{
    *retryable = false;
    if (has_prefix(code, len, "Neo.ClientError.Security.Unauthorized") ||
        has_prefix(code, len, "Neo.ClientError.Security.AuthenticationRateLimit") ||
        has_prefix(code, len, "Neo.ClientError.Security.CredentialsExpired") ||
        has_prefix(code, len, "Neo.ClientError.Security.TokenExpired"))
        return ETLC_AUTH;
    if (has_prefix(code, len, "Neo.ClientError.Security."))
        return ETLC_AUTH_DENIED;
    if (has_prefix(code, len, "Neo.TransientError.")) {
        *retryable = true;
        return ETLC_BUSY;
    }
    if (has_prefix(code, len, "Neo.ClientError.Database.DatabaseNotFound"))
        return ETLC_CONNECT_NOT_FOUND;
    if (has_prefix(code, len, "Neo.ClientError.Cluster.NotALeader")) {
        *retryable = true;
        return ETLC_BUSY;
    }
    if (has_prefix(code, len, "Neo.ClientError.Request."))
        return ETLC_PROTOCOL;
    if (has_prefix(code, len, "Neo.ClientError.Transaction.TransactionTimedOut"))
        return ETLC_TIMEOUT;
    return ETLC_QUERY; /* Statement, Schema, Procedure, Transaction, DatabaseError, ... */
}

int etlc__n4j_failure(const n4j_msg *m, const char *what, etlc_error *err)
{
    const n4j_val *meta = m->vals[0].count > 0 ? n4j_child(m, &m->vals[0], 0) : NULL;
    /* Bolt 5.7+ sends the classic code as neo4j_code, earlier versions as code. */
    const n4j_val *code = etlc__n4j_map_get(m, meta, "neo4j_code");
    if (!code || code->kind != N4J_STRING)
        code = etlc__n4j_map_get(m, meta, "code");
    const n4j_val *msg = etlc__n4j_map_get(m, meta, "message");
    if (!msg || msg->kind != N4J_STRING)
        msg = etlc__n4j_map_get(m, meta, "description");
    const char *cs = code && code->kind == N4J_STRING ? n4j_str(m, code) : "";
    int cl = code && code->kind == N4J_STRING ? (int)code->count : 0;
    const char *ms = msg && msg->kind == N4J_STRING ? n4j_str(m, msg) : "no message";
    int ml = msg && msg->kind == N4J_STRING ? (int)msg->count : 10;
    bool retryable = false;
    int rc = etlc__n4j_code_for(cs, (size_t)cl, &retryable);
    const char *hint = "";
    if (rc == ETLC_AUTH)
        hint = " (check username and password)";
    else if (has_prefix(cs, (size_t)cl, "Neo.ClientError.Statement.SyntaxError"))
        hint = " (Cypher syntax error in the query)";
    etlc_error_set(err, rc, "neo4j: %s failed: %.*s [%.*s]%s", what, ml > 600 ? 600 : ml, ms, cl > 120 ? 120 : cl,
                   cs, hint);
    err->retryable = retryable;
    return rc;
}
