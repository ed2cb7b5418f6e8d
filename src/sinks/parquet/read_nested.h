/* Nested Parquet columns (lists, structs, maps) as JSON: the schema tree
 * with each node's definition and repetition levels, and the assembly of
 * one record of a top-level field from its leaves' (repetition,
 * definition, value) triples (Dremel record assembly). */
#ifndef ETLC_PQ_READ_NESTED_H
#define ETLC_PQ_READ_NESTED_H

#include "sinks/parquet/footer_parse.h"

#define PQR_MAX_NESTING 64

typedef struct pqr_node {
    const ins_schema *s;
    int parent;            /* -1 for the root */
    int first_child, nchildren; /* children are the next nodes in DFS order */
    int def, rep;          /* levels reached at this node */
    int rep_depth;         /* repeated nodes on the path, this one included */
    int leaf;              /* leaf index (column chunk index), -1 for groups */
    int nleaves, first_leaf; /* leaves under this node */
    int size;              /* nodes in this subtree, itself included */
} pqr_node;

/* Nodes of the schema in DFS order (node 0 the root). 0, or ETLC_DATA /
 * ETLC_UNSUPPORTED with why filled. */
int pqr_schema_tree(const ins *m, pqr_node **nodes, size_t *nleaves, char *why, size_t whysz);

/* One record under construction: a tree of objects, arrays and values. */
typedef struct pqr_tnode {
    int kind;              /* PQR_T_* */
    int node;              /* schema node */
    int first, last, next; /* children (tnode indices), sibling; -1 none */
    int count;             /* children */
    int cur, cur_i;        /* last child looked up by index, and its index */
    size_t voff, vlen;     /* values: JSON text in the tree's buffer */
} pqr_tnode;

typedef struct pqr_tree {
    pqr_tnode *t;
    size_t n, cap;
    etlc__buf text;        /* leaf values' JSON text */
    int idx[PQR_MAX_NESTING]; /* current element index per repeated depth (one leaf) */
} pqr_tree;

/* Start the record of top-level node `top`. */
int pqr_tree_reset(pqr_tree *t, int top);
/* Add one triple of leaf node `leaf` (value JSON text when def is the
 * leaf's maximum). first: the record's first triple of this leaf. -1 on
 * no memory, -2 on levels that contradict the schema. */
int pqr_tree_add(pqr_tree *t, const pqr_node *nodes, int leaf, int rep, int def, bool first, const char *val,
                 size_t vlen);
/* The record as JSON (LIST -> array, MAP -> object, groups -> objects);
 * sub >= 0: only that field of the top-level struct. 1 when it is NULL,
 * -1 on no memory. */
int pqr_tree_json(const pqr_tree *t, const pqr_node *nodes, int sub, etlc__buf *out);
void pqr_tree_free(pqr_tree *t);

#endif
