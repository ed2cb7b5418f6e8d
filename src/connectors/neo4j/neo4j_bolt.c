/* The Bolt session: version handshake (5.0-5.8, 4.4), HELLO (with the
 * credentials up to 5.0, then LOGON from 5.1 on), request/reply pairing and
 * RESET after a failure. Every request sent counts as pending until its
 * summary (SUCCESS, FAILURE, IGNORED) is read, so RESET can drain the
 * replies still in flight before its own. */
#include <stdio.h>
#include <string.h>

#include "neo4j_internal.h"

#define N4J_AGENT "etlconn/0.1"

static int oom(etlc_error *err)
{
    return etlc_error_set(err, ETLC_NO_MEMORY, "neo4j: out of memory building a request");
}

static int handshake(n4j_conn *c, int pref, etlc_error *err)
{
    /* Magic, then four proposals [0, range, minor, major]: 5.8 down to 5.0, then 4.4. */
    uint8_t hs[20] = {0x60, 0x60, 0xB0, 0x17};
    uint8_t *p = hs + 4;
    if (pref != 44) {
        p[1] = 8, p[2] = 8, p[3] = 5;
        p += 4;
    }
    if (pref != 5)
        p[2] = 4, p[3] = 4;
    int rc = etlc__n4j_io_write(c, hs, sizeof hs, err);
    uint8_t v[4];
    if (rc == ETLC_OK)
        rc = etlc__n4j_io_read(c, v, 4, err);
    if (rc != ETLC_OK)
        return etlc_error_prefix(err, "Bolt handshake");
    if (memcmp(v, "HTTP", 4) == 0) {
        c->broken = true;
        return etlc_error_set(err, ETLC_PROTOCOL, "neo4j: %s answered with HTTP: that is the HTTP port, give the Bolt port (7687 by default)", c->where);
    }
    c->major = v[3];
    c->minor = v[2];
    bool ok = (c->major == 5 && c->minor <= 8 && pref != 44) || (c->major == 4 && c->minor == 4 && pref != 5);
    if (!ok) {
        c->broken = true;
        return etlc_error_set(err, ETLC_PROTOCOL, "neo4j: %s supports none of the Bolt versions etlconn speaks (%s); it answered %u.%u",
                              c->where, pref == 44 ? "4.4" : pref == 5 ? "5.0-5.8" : "5.0-5.8, 4.4", c->major, c->minor);
    }
    return ETLC_OK;
}

int etlc__n4j_begin_msg(n4j_conn *c, uint8_t sig, size_t nfields)
{
    etlc__buf_reset(&c->out);
    return etlc__n4j_pack_struct(&c->out, sig, nfields);
}

static int pack_kv(etlc__buf *b, const char *k, const char *v)
{
    if (etlc__n4j_pack_string(b, k, strlen(k)) != 0)
        return -1;
    return etlc__n4j_pack_string(b, v, strlen(v));
}

/* Map entries pack_auth writes: scheme, principal, credentials; only the
 * scheme "none" without a password. */
static size_t auth_entries(const n4j_login *l) { return l->password ? 3 : 1; }

static int pack_auth(etlc__buf *b, const n4j_login *l)
{
    if (!l->password)
        return pack_kv(b, "scheme", "none");
    if (pack_kv(b, "scheme", "basic") || pack_kv(b, "principal", l->username ? l->username : ""))
        return -1;
    return pack_kv(b, "credentials", l->password ? l->password : "");
}

static int send_hello(n4j_conn *c, const n4j_login *l, etlc_error *err)
{
    bool inline_auth = c->major < 5 || c->minor == 0;
    bool agent = c->major == 5 && c->minor >= 3;
    size_t n = 1 + (inline_auth ? auth_entries(l) : 0) + (agent ? 1 : 0) + (c->major == 4 ? 1 : 0);
    etlc__buf *b = &c->out;
    if (etlc__n4j_begin_msg(c, N4J_MSG_HELLO, 1) || etlc__n4j_pack_header(b, N4J_MAP, n) ||
        pack_kv(b, "user_agent", l->user_agent && *l->user_agent ? l->user_agent : N4J_AGENT))
        return oom(err);
    if (inline_auth && pack_auth(b, l))
        return oom(err);
    if (agent && (etlc__n4j_pack_string(b, "bolt_agent", 10) || etlc__n4j_pack_header(b, N4J_MAP, 1) ||
                  pack_kv(b, "product", N4J_AGENT)))
        return oom(err);
    /* 4.4: ask for UTC-based DateTime structures (the 5.x form). */
    if (c->major == 4 && (etlc__n4j_pack_string(b, "patch_bolt", 10) || etlc__n4j_pack_header(b, N4J_LIST, 1) ||
                          etlc__n4j_pack_string(b, "utc", 3)))
        return oom(err);
    return etlc__n4j_send(c, err);
}

/* Zero the request buffer once it held the password. */
static void wipe_out(n4j_conn *c)
{
    if (c->out.data)
        memset(c->out.data, 0, c->out.cap);
    c->out.len = 0;
}

static void note_server(n4j_conn *c)
{
    const n4j_msg *m = &c->msg;
    const n4j_val *meta = m->vals[0].count ? n4j_child(m, &m->vals[0], 0) : NULL;
    const n4j_val *s = etlc__n4j_map_get(m, meta, "server");
    if (s && s->kind == N4J_STRING)
        snprintf(c->server, sizeof c->server, "%.*s", (int)s->count, n4j_str(m, s));
    const n4j_val *patch = etlc__n4j_map_get(m, meta, "patch_bolt");
    if (c->major == 4 && !(patch && patch->kind == N4J_LIST))
        etlc_log(ETLC_LOG_WARN, "neo4j", "%s did not accept the Bolt 4.4 utc patch: zoned date-times may be refused",
                 c->where);
}

int etlc__n4j_open(n4j_conn *c, const n4j_login *login, etlc_error *err)
{
    if (c->max_message == 0)
        c->max_message = 64u << 20;
    int rc = handshake(c, login->version_pref, err);
    if (rc != ETLC_OK)
        return rc;
    rc = send_hello(c, login, err);
    wipe_out(c);
    if (rc == ETLC_OK)
        rc = etlc__n4j_expect_success(c, "HELLO", err);
    if (rc != ETLC_OK)
        return rc;
    note_server(c);
    if (c->major == 5 && c->minor >= 1) {
        if (etlc__n4j_begin_msg(c, N4J_MSG_LOGON, 1) || etlc__n4j_pack_header(&c->out, N4J_MAP, auth_entries(login)) ||
            pack_auth(&c->out, login)) {
            wipe_out(c);
            return oom(err);
        }
        rc = etlc__n4j_send(c, err);
        wipe_out(c);
        if (rc == ETLC_OK)
            rc = etlc__n4j_expect_success(c, "login", err);
    }
    if (rc == ETLC_OK)
        etlc_log(ETLC_LOG_DEBUG, "neo4j", "connected to %s (%s), Bolt %u.%u", c->where, c->server, c->major, c->minor);
    return rc;
}

int etlc__n4j_expect_success(n4j_conn *c, const char *what, etlc_error *err)
{
    uint8_t sig = 0;
    int rc = etlc__n4j_recv(c, &sig, err);
    if (rc != ETLC_OK)
        return etlc_error_prefix(err, "%s", what);
    switch (sig) {
    case N4J_MSG_SUCCESS: return ETLC_OK;
    case N4J_MSG_FAILURE:
        c->failed = true;
        return etlc__n4j_failure(&c->msg, what, err);
    case N4J_MSG_IGNORED:
        c->failed = true;
        return etlc_error_set(err, ETLC_PROTOCOL, "neo4j: %s was ignored by the server (an earlier request failed)", what);
    default:
        c->broken = true;
        return etlc_error_set(err, ETLC_PROTOCOL, "neo4j: unexpected message 0x%02X from %s in reply to %s", sig,
                              c->where, what);
    }
}

int etlc__n4j_reset(n4j_conn *c, etlc_error *err)
{
    if (c->broken)
        return etlc_error_set(err, ETLC_IO, "neo4j: the connection to %s is broken", c->where);
    etlc__buf_reset(&c->out);
    int rc = etlc__n4j_begin_msg(c, N4J_MSG_RESET, 0) ? oom(err) : etlc__n4j_send(c, err);
    /* Drain: records and summaries of earlier requests, then RESET's own. */
    while (rc == ETLC_OK && c->pending > 0) {
        uint8_t sig = 0;
        rc = etlc__n4j_recv(c, &sig, err);
        if (rc == ETLC_OK && c->pending == 0 && sig != N4J_MSG_SUCCESS) {
            c->broken = true;
            rc = etlc_error_set(err, ETLC_PROTOCOL, "neo4j: RESET was refused by %s", c->where);
        }
    }
    if (rc != ETLC_OK)
        c->broken = true;
    else
        c->failed = false;
    return rc;
}
