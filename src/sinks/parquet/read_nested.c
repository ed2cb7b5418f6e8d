/* Nested columns as JSON (see read_nested.h). A record is rebuilt as a
 * small tree keyed by schema node and list index, so the leaves of one
 * field (the key and value of a map, the fields of a struct in a list)
 * land in the same objects, then written with the LIST / MAP conventions
 * of the format (LogicalTypes.md, backward-compatibility rules included). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/parquet/pq.h"
#include "sinks/parquet/read_nested.h"

enum { PQR_T_OBJ, PQR_T_ARR, PQR_T_VAL, PQR_T_NUL };

/* DFS over the flat schema list: node i's children follow it. */
static int build(const ins *m, pqr_node *nodes, size_t *pos, int parent, int depth, size_t *leaves, char *why,
                 size_t whysz)
{
    if (*pos >= m->nschema || depth > PQR_MAX_NESTING) {
        snprintf(why, whysz, *pos >= m->nschema ? "the schema's child counts do not match its elements"
                                                : "the schema nests deeper than 64 levels");
        return ETLC_DATA;
    }
    int me = (int)(*pos)++;
    pqr_node *n = &nodes[me];
    n->s = &m->schema[me];
    n->parent = parent;
    const pqr_node *p = parent >= 0 ? &nodes[parent] : NULL;
    bool repeated = parent >= 0 && n->s->repetition == 2, optional = parent >= 0 && n->s->repetition == 1;
    n->def = (p ? p->def : 0) + (repeated || optional);
    n->rep = (p ? p->rep : 0) + repeated;
    n->rep_depth = n->rep;
    n->nchildren = n->s->num_children > 0 ? n->s->num_children : 0;
    n->first_child = me + 1;
    n->first_leaf = (int)*leaves;
    n->leaf = -1;
    if (n->nchildren == 0 && parent >= 0)
        n->leaf = (int)(*leaves)++;
    for (int c = 0; c < n->nchildren; c++) {
        int rc = build(m, nodes, pos, me, depth + 1, leaves, why, whysz);
        if (rc)
            return rc;
    }
    nodes[me].nleaves = (int)*leaves - nodes[me].first_leaf;
    nodes[me].size = (int)*pos - me;
    return 0;
}

int pqr_schema_tree(const ins *m, pqr_node **out, size_t *nleaves, char *why, size_t whysz)
{
    *out = calloc(m->nschema ? m->nschema : 1, sizeof **out);
    *nleaves = 0;
    if (!*out) {
        snprintf(why, whysz, "out of memory");
        return ETLC_NO_MEMORY;
    }
    size_t pos = 0;
    int rc = build(m, *out, &pos, -1, 0, nleaves, why, whysz);
    if (rc == 0 && pos != m->nschema) {
        snprintf(why, whysz, "the schema's child counts do not match its %zu elements", m->nschema);
        rc = ETLC_DATA;
    }
    return rc;
}

/* ---- the record tree -------------------------------------------------------- */

static int tnew(pqr_tree *t, int kind, int node)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        pqr_tnode *q = realloc(t->t, cap * sizeof *q);
        if (!q)
            return -1;
        t->t = q;
        t->cap = cap;
    }
    pqr_tnode *x = &t->t[t->n];
    memset(x, 0, sizeof *x);
    x->kind = kind;
    x->node = node;
    x->first = x->last = x->next = x->cur = -1;
    return (int)t->n++;
}

static void tappend(pqr_tree *t, int parent, int child)
{
    pqr_tnode *p = &t->t[parent];
    if (p->last >= 0)
        t->t[p->last].next = child;
    else
        p->first = child;
    p->last = child;
    p->count++;
}

int pqr_tree_reset(pqr_tree *t, int top)
{
    (void)top;
    t->n = 0;
    etlc__buf_reset(&t->text);
    return tnew(t, PQR_T_OBJ, 0) < 0 ? -1 : 0;
}

/* The child of object `obj` for schema node `node`, made with `kind` when absent. */
static int obj_child(pqr_tree *t, int obj, int node, int kind)
{
    for (int c = t->t[obj].first; c >= 0; c = t->t[c].next)
        if (t->t[c].node == node)
            return c;
    int c = tnew(t, kind, node);
    if (c >= 0)
        tappend(t, obj, c);
    return c;
}

/* Element i of array `arr` (appended when i is its length; -2 past that). */
static int arr_elem(pqr_tree *t, int arr, int i, int kind, int node)
{
    pqr_tnode *a = &t->t[arr];
    if (i == a->count) {
        int c = tnew(t, kind, node);
        if (c >= 0) {
            tappend(t, arr, c);
            t->t[arr].cur = c;
            t->t[arr].cur_i = i;
        }
        return c;
    }
    if (i > a->count)
        return -2;
    int c = a->cur >= 0 && a->cur_i <= i ? a->cur : a->first, k = a->cur >= 0 && a->cur_i <= i ? a->cur_i : 0;
    for (; k < i; k++)
        c = t->t[c].next;
    t->t[arr].cur = c;
    t->t[arr].cur_i = i;
    return c;
}

int pqr_tree_add(pqr_tree *t, const pqr_node *nodes, int leaf, int rep, int def, bool first, const char *val,
                 size_t vlen)
{
    int path[PQR_MAX_NESTING + 1], k = 0;
    for (int n = leaf; n > 0 && k <= PQR_MAX_NESTING; n = nodes[n].parent)
        path[k++] = n;
    int maxrep = nodes[leaf].rep;
    if (rep < 0 || rep > maxrep || def < 0 || def > nodes[leaf].def || (first != (rep == 0)))
        return -2;
    if (first)
        memset(t->idx, 0, sizeof t->idx);
    else {
        t->idx[rep - 1]++;
        for (int j = rep; j < PQR_MAX_NESTING; j++)
            t->idx[j] = 0;
    }
    int cur = 0;
    for (int i = k - 1; i >= 0; i--) {
        const pqr_node *n = &nodes[path[i]];
        bool repeated = n->s->repetition == 2, is_leaf = n->leaf >= 0;
        if (def < n->def) {
            int c = obj_child(t, cur, path[i], repeated ? PQR_T_ARR : PQR_T_NUL);
            return c < 0 ? -1 : 0;
        }
        int kind = is_leaf ? PQR_T_VAL : PQR_T_OBJ;
        int c;
        if (repeated) {
            int arr = obj_child(t, cur, path[i], PQR_T_ARR);
            if (arr < 0)
                return -1;
            if (t->t[arr].kind != PQR_T_ARR)
                return -2;
            c = arr_elem(t, arr, t->idx[n->rep_depth - 1], kind, path[i]);
        } else {
            c = obj_child(t, cur, path[i], kind);
            if (c >= 0 && t->t[c].kind != kind)
                return -2;
        }
        if (c < 0)
            return c;
        cur = c;
    }
    size_t off = t->text.len;
    if (etlc__buf_append(&t->text, val, vlen) != 0)
        return -1;
    t->t[cur].voff = off;
    t->t[cur].vlen = vlen;
    return 0;
}

/* ---- JSON ------------------------------------------------------------------- */

static int write_value(const pqr_tree *t, const pqr_node *nodes, int tn, etlc__buf *out);

static bool annotated(const ins_schema *s, int logical, int converted, int converted2)
{
    return s->logical == logical || s->converted == converted || s->converted == converted2;
}

/* The child tnode of object `obj` for schema node `node`, or -1. */
static int find_child(const pqr_tree *t, int obj, int node)
{
    for (int c = t->t[obj].first; c >= 0; c = t->t[c].next)
        if (t->t[c].node == node)
            return c;
    return -1;
}

/* An element of a LIST's repeated node r: r itself, or its one child. */
static int write_list_elem(const pqr_tree *t, const pqr_node *nodes, int r, int elem, etlc__buf *out)
{
    const pqr_node *rn = &nodes[r];
    size_t nlen = rn->s->name_len;
    bool legacy = rn->nchildren != 1 || (nlen == 5 && memcmp(rn->s->name, "array", 5) == 0) ||
                  (nlen > 6 && memcmp(rn->s->name + nlen - 6, "_tuple", 6) == 0);
    if (rn->leaf >= 0 || legacy)
        return write_value(t, nodes, elem, out);
    int c = find_child(t, elem, rn->first_child);
    return c < 0 ? etlc__buf_puts(out, "null") : write_value(t, nodes, c, out);
}

static int write_array(const pqr_tree *t, const pqr_node *nodes, int arr, bool list_of, etlc__buf *out)
{
    int rc = etlc__buf_putc(out, '[');
    bool firstv = true;
    for (int e = arr >= 0 ? t->t[arr].first : -1; e >= 0 && rc == 0; e = t->t[e].next, firstv = false)
        rc = (firstv ? 0 : etlc__buf_putc(out, ',')) ||
             (list_of ? write_list_elem(t, nodes, t->t[arr].node, e, out) : write_value(t, nodes, e, out));
    return rc || etlc__buf_putc(out, ']');
}

/* A MAP's repeated key_value node: {"key": value, ...} (keys as text). */
static int write_map(const pqr_tree *t, const pqr_node *nodes, int arr, etlc__buf *out)
{
    int rc = etlc__buf_putc(out, '{');
    bool firstv = true;
    for (int e = arr >= 0 ? t->t[arr].first : -1; e >= 0 && rc == 0; e = t->t[e].next, firstv = false) {
        const pqr_node *kv = &nodes[t->t[arr].node];
        int key = find_child(t, e, kv->first_child);
        int val = kv->nchildren > 1 ? find_child(t, e, kv->first_child + 1) : -1;
        etlc__buf k = {0};
        if (key >= 0 && t->t[key].kind == PQR_T_VAL && t->t[key].vlen && t->text.data[t->t[key].voff] == '"')
            rc = etlc__buf_append(&k, t->text.data + t->t[key].voff, t->t[key].vlen);
        else if (key >= 0 && (rc = write_value(t, nodes, key, &k)) == 0) {
            char *raw = etlc__buf_take(&k);
            rc = raw ? etlc__buf_json_string(&k, raw, strlen(raw)) : -1;
            free(raw);
        } else if (key < 0)
            rc = etlc__buf_puts(&k, "\"\"");
        rc = rc || (firstv ? 0 : etlc__buf_putc(out, ',')) || etlc__buf_append(out, k.data, k.len) ||
             etlc__buf_putc(out, ':') || (val < 0 ? etlc__buf_puts(out, "null") : write_value(t, nodes, val, out));
        etlc__buf_free(&k);
    }
    return rc || etlc__buf_putc(out, '}');
}

static int write_group(const pqr_tree *t, const pqr_node *nodes, int tn, etlc__buf *out)
{
    const pqr_node *g = &nodes[t->t[tn].node];
    if (g->nchildren >= 1 && annotated(g->s, PQ_LT_LIST, PQ_CT_LIST, PQ_CT_LIST))
        return write_array(t, nodes, find_child(t, tn, g->first_child), true, out);
    if (g->nchildren >= 1 && annotated(g->s, PQ_LT_MAP, PQ_CT_MAP, PQ_CT_MAP_KEY_VALUE) &&
        nodes[g->first_child].nchildren >= 1)
        return write_map(t, nodes, find_child(t, tn, g->first_child), out);
    int rc = etlc__buf_putc(out, '{');
    for (int i = 0, c = g->first_child; i < g->nchildren && rc == 0; i++) {
        const pqr_node *cn = &nodes[c];
        int ct = find_child(t, tn, c);
        rc = (i ? etlc__buf_putc(out, ',') : 0) || etlc__buf_json_string(out, (const char *)cn->s->name,
                                                                         cn->s->name_len) ||
             etlc__buf_putc(out, ':');
        if (rc == 0)
            rc = ct < 0 ? etlc__buf_puts(out, cn->s->repetition == 2 ? "[]" : "null") : write_value(t, nodes, ct, out);
        c += cn->size; /* the next sibling follows this child's subtree */
    }
    return rc || etlc__buf_putc(out, '}');
}

static int write_value(const pqr_tree *t, const pqr_node *nodes, int tn, etlc__buf *out)
{
    const pqr_tnode *x = &t->t[tn];
    switch (x->kind) {
    case PQR_T_NUL: return etlc__buf_puts(out, "null");
    case PQR_T_VAL: return etlc__buf_append(out, t->text.data + x->voff, x->vlen);
    case PQR_T_ARR: return write_array(t, nodes, tn, false, out);
    default: return write_group(t, nodes, tn, out);
    }
}

int pqr_tree_json(const pqr_tree *t, const pqr_node *nodes, int sub, etlc__buf *out)
{
    int tn = t->t[0].first;
    if (tn >= 0 && sub >= 0 && t->t[tn].kind == PQR_T_OBJ)
        tn = find_child(t, tn, sub);
    if (tn < 0 || t->t[tn].kind == PQR_T_NUL)
        return 1; /* the field is NULL */
    return write_value(t, nodes, tn, out) ? -1 : 0;
}

void pqr_tree_free(pqr_tree *t)
{
    free(t->t);
    etlc__buf_free(&t->text);
    memset(t, 0, sizeof *t);
}
