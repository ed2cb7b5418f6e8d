/* libFuzzer target: the neo4j connector's PackStream decoder
 * (neo4j_packstream.c) on arbitrary bytes, then everything a record's
 * values go through: the JSON writer (nodes, relationships, paths, points,
 * temporal text) and the column appends (neo4j_values.c). Checks: a decode
 * that succeeds consumed every byte and every container's children are
 * inside the value array; the same input decoded twice (the value array
 * reused) gives the same count; JSON text holds no NUL byte (strings are
 * escaped). See README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/neo4j/neo4j_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_tree(const n4j_msg *m)
{
    for (size_t i = 0; i < m->nvals; i++) {
        const n4j_val *v = &m->vals[i];
        if (v->kind == N4J_LIST || v->kind == N4J_STRUCT || v->kind == N4J_MAP) {
            size_t n = v->kind == N4J_MAP ? 2 * (size_t)v->count : v->count;
            if (n && (v->u.first <= i || v->u.first + n > m->nvals))
                abort();
        } else if ((v->kind == N4J_STRING || v->kind == N4J_BYTES) && v->u.off + v->count > m->len) {
            abort();
        }
    }
}

/* Append each value of `list` as one column of a one-row batch. */
static void append_row(const n4j_msg *m, const n4j_val *list)
{
    size_t n = list->count > 64 ? 64 : list->count;
    etlc_column_def defs[64];
    char names[64][8];
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "c%zu", i);
        defs[i] = (etlc_column_def){.name = names[i], .type = ETLC_TYPE_NULL};
    }
    etlc_batch *b = NULL;
    etlc_error err = {0};
    if (etlc_batch_new(defs, n, 2, &b, &err) != ETLC_OK)
        return;
    etlc__buf scratch = {0};
    for (int row = 0; row < 2; row++) { /* twice: the second row meets typed columns */
        size_t ok = 0;
        for (size_t i = 0; i < n; i++)
            if (etlc__n4j_append(b, i, m, n4j_child(m, list, i), (uint64_t)row, &scratch, &err) == ETLC_OK)
                ok++;
        if (ok != n)
            break;
        if (etlc_batch_end_row(b, &err) != ETLC_OK)
            abort();
    }
    etlc__buf_free(&scratch);
    etlc_batch_free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    n4j_msg m = {0};
    etlc_error err = {0};
    if (etlc__n4j_decode(&m, data, size, &err) != ETLC_OK) {
        if (err.code != ETLC_PROTOCOL && err.code != ETLC_NO_MEMORY)
            abort();
        etlc__n4j_msg_free(&m);
        return 0;
    }
    check_tree(&m);
    size_t nvals = m.nvals;
    if (etlc__n4j_decode(&m, data, size, &err) != ETLC_OK || m.nvals != nvals)
        abort();
    etlc__buf json = {0};
    if (etlc__n4j_to_json(&json, &m, &m.vals[0], 0, &err) == ETLC_OK && json.data && strlen(json.data) != json.len)
        abort();
    etlc__buf_free(&json);
    const n4j_val *root = &m.vals[0];
    if (root->kind == N4J_LIST)
        append_row(&m, root);
    else if (root->kind == N4J_STRUCT && root->count == 1 && n4j_child(&m, root, 0)->kind == N4J_LIST)
        append_row(&m, n4j_child(&m, root, 0)); /* a RECORD message */
    etlc__n4j_msg_free(&m);
    return 0;
}
