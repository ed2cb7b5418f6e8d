/* QUERY, PREPARE and EXECUTE with paging (page_size, paging_state). */
#include <stdlib.h>
#include <string.h>

#include "cql_internal.h"

#define QF_VALUES 0x01
#define QF_PAGE_SIZE 0x04
#define QF_PAGING_STATE 0x08

enum { KIND_VOID = 1, KIND_ROWS = 2, KIND_SET_KEYSPACE = 3, KIND_PREPARED = 4, KIND_SCHEMA = 5 };

static int nomem(etlc_error *err) { return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory"); }

void etlc__cql_stmt_free(cql_stmt *st)
{
    free(st->cql);
    free(st->id);
    free(st->result_md_id);
    etlc__cql_columns_free(&st->vars);
    *st = (cql_stmt){0};
}

int etlc__cql_prepare(cql_conn *c, const char *cql, cql_stmt *st, etlc_error *err)
{
    etlc__buf body = {0};
    cql_resp resp;
    etlc__cql_stmt_free(st);
    /* v5 adds [int] flags (0: no per-statement keyspace; USE applies) */
    if (!(st->cql = etlc__strdup(cql)) || etlc__cql_wr_long_string(&body, cql, strlen(cql)) ||
        (c->version >= CQL_V5 && etlc__cql_wr_i32(&body, 0)))
        return etlc__buf_free(&body), nomem(err);
    int rc = etlc__cql_request(c, CQL_OP_PREPARE, &body, "PREPARE", &resp, err);
    etlc__buf_free(&body);
    if (rc == 0)
        rc = etlc__cql_prepared_read(&resp, st, err);
    etlc__cql_resp_free(&resp);
    return rc;
}

/* [short bytes] copied into a malloc'd buffer. */
static int copy_short_bytes(cql_rd *r, uint8_t **out, size_t *len, etlc_error *err)
{
    const uint8_t *p;
    if (etlc__cql_rd_short_bytes(r, &p, len) != 0)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: PREPARE did not answer with a prepared id");
    if (!(*out = malloc(*len ? *len : 1)))
        return nomem(err);
    memcpy(*out, p, *len);
    return 0;
}

/* Prepared: <id>[<result_metadata_id> (v5)]<metadata><result_metadata>. */
int etlc__cql_prepared_read(cql_resp *resp, cql_stmt *st, etlc_error *err)
{
    int32_t kind;
    st->version = resp->h.version & 0x7F;
    if (resp->h.opcode != CQL_OP_RESULT || etlc__cql_rd_i32(&resp->r, &kind) != 0 || kind != KIND_PREPARED)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: PREPARE did not answer with a prepared id");
    int rc = copy_short_bytes(&resp->r, &st->id, &st->id_len, err);
    if (rc == 0 && st->version >= CQL_V5)
        rc = copy_short_bytes(&resp->r, &st->result_md_id, &st->result_md_id_len, err);
    return rc ? rc : etlc__cql_prepared_meta_read(&resp->r, &st->vars, err);
}

int etlc__cql_bind_params(const cql_stmt *st, const etlc_kv *params, size_t n, etlc__buf *values,
                          etlc_error *err)
{
    bool *used = calloc(n ? n : 1, sizeof *used);
    if (!used)
        return nomem(err);
    int rc = 0;
    for (size_t v = 0; rc == 0 && v < st->vars.ncols; v++) {
        const char *name = st->vars.names[v];
        size_t k = 0;
        while (k < n && (used[k] || strcmp(params[k].key, name) != 0))
            k++;
        if (k == n)
            rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT, "cassandra: no parameter for bind marker "
                                "%zu \"%s\" (pass --param %s=VALUE)", v + 1, name, name);
        else {
            used[k] = true;
            rc = etlc__cql_bind_text(values, &st->vars.types[v], name, params[k].value, err);
        }
    }
    for (size_t k = 0; rc == 0 && k < n; k++)
        if (!used[k])
            rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT, "cassandra: parameter \"%s\" matches no "
                                "bind marker of the statement", params[k].key);
    free(used);
    return rc;
}

/* <consistency><flags>...: flags are a [byte] in v4, an [int] in v5. */
static int encode_params(etlc__buf *b, const cql_page_req *pr, uint8_t version)
{
    uint8_t flags = QF_PAGE_SIZE | (pr->nvalues ? QF_VALUES : 0) | (pr->paging ? QF_PAGING_STATE : 0);
    if (etlc__cql_wr_u16(b, pr->consistency) ||
        (version >= CQL_V5 ? etlc__cql_wr_i32(b, flags) : etlc__buf_putc(b, (char)flags)))
        return -1;
    if (pr->nvalues && (etlc__cql_wr_u16(b, pr->nvalues) || etlc__buf_append(b, pr->values->data, pr->values->len)))
        return -1;
    if (etlc__cql_wr_i32(b, pr->page_size))
        return -1;
    return pr->paging ? etlc__cql_wr_bytes(b, pr->paging, (int32_t)pr->paging_len) : 0;
}

/* QUERY <query><params>; EXECUTE <id>[<result_metadata_id> (v5)]<params>. */
static int send_page(cql_conn *c, const char *cql, const cql_stmt *st, const cql_page_req *pr,
                     cql_resp *resp, etlc_error *err)
{
    etlc__buf body = {0};
    int bad = st ? etlc__cql_wr_short_bytes(&body, st->id, st->id_len) : etlc__cql_wr_long_string(&body, cql, strlen(cql));
    if (!bad && st && c->version >= CQL_V5)
        bad = etlc__cql_wr_short_bytes(&body, st->result_md_id, st->result_md_id_len);
    if (bad || encode_params(&body, pr, c->version)) {
        etlc__buf_free(&body);
        return nomem(err);
    }
    int rc = etlc__cql_request(c, st ? CQL_OP_EXECUTE : CQL_OP_QUERY, &body, st ? "EXECUTE" : "QUERY", resp, err);
    etlc__buf_free(&body);
    return rc;
}

/* A RESULT body -> batch + next paging state; a non-ROWS result is an empty page. */
int etlc__cql_result_rows(cql_resp *resp, etlc_batch **batch, uint8_t **next, size_t *next_len,
                          etlc_error *err)
{
    int32_t kind;
    if (resp->h.opcode != CQL_OP_RESULT || etlc__cql_rd_i32(&resp->r, &kind) != 0)
        return etlc_error_set(err, ETLC_PROTOCOL, "cassandra: expected a RESULT, got opcode 0x%02x",
                              resp->h.opcode);
    if (kind != KIND_ROWS)
        return etlc_batch_new(NULL, 0, 1, batch, err);
    cql_columns own = {0};
    const uint8_t *paging;
    size_t plen;
    int rc = etlc__cql_rows_decode(&resp->r, NULL, &own, batch, &paging, &plen, err);
    etlc__cql_columns_free(&own);
    if (rc == 0 && paging) {
        if (!(*next = malloc(plen)))
            rc = nomem(err);
        else {
            memcpy(*next, paging, plen);
            *next_len = plen;
        }
    }
    return rc;
}

int etlc__cql_page(cql_conn *c, const char *cql, cql_stmt *st, const cql_page_req *pr,
                   etlc_batch **batch, uint8_t **next, size_t *next_len, etlc_error *err)
{
    *batch = NULL;
    *next = NULL;
    *next_len = 0;
    cql_resp resp;
    int rc = send_page(c, cql, st, pr, &resp, err);
    /* The server forgot the statement (restart, cache eviction): prepare again once. */
    if (rc == ETLC_QUERY && st && err && err->native_code == 0x2500) {
        char *text = etlc__strdup(st->cql);
        rc = text ? etlc__cql_prepare(c, text, st, err) : nomem(err);
        free(text);
        if (rc == 0)
            rc = send_page(c, cql, st, pr, &resp, err);
    }
    if (rc != 0)
        return rc;
    rc = etlc__cql_result_rows(&resp, batch, next, next_len, err);
    etlc__cql_resp_free(&resp);
    if (rc != 0) {
        etlc_batch_free(*batch);
        *batch = NULL;
        free(*next);
        *next = NULL;
    }
    return rc;
}
