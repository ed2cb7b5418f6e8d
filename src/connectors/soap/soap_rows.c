/* Where the rows of a response are, read from the output's schema: the
 * first repeated complex element met depth-first (or the one named by
 * row_element), its simple fields the columns. Without one, the first
 * complex element with simple fields is a single row (a scalar response). */
#include <stdlib.h>
#include <string.h>

#include "soap_internal.h"

typedef struct search {
    const soap_wsdl *w;
    const xmlChar *want;  /* row_element, or NULL */
    bool single;          /* second pass: any complex element with simple fields */
    const xmlChar *path[SOAP_MAX_PATH];
    soap_rowspec *rs;
    etlc_error *err;
    unsigned visits;      /* a recursive, wide schema stops here rather than fanning out */
} search;

#define MAX_VISITS 20000

static bool has_simple(const soap_field *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!f[i].complex)
            return true;
    return false;
}

/* Keep the simple fields of `fields` as the columns. */
static int take(search *s, size_t depth, soap_field *fields, size_t n)
{
    soap_rowspec *rs = s->rs;
    rs->cols = calloc(n ? n : 1, sizeof *rs->cols);
    if (!rs->cols)
        return etlc_error_set(s->err, ETLC_NO_MEMORY, "out of memory reading the WSDL");
    for (size_t i = 0; i < n; i++)
        if (!fields[i].complex)
            rs->cols[rs->ncols++] = fields[i];
    memcpy(rs->path, s->path, depth * sizeof *rs->path);
    rs->depth = depth;
    rs->repeated = !s->single;
    return 1;
}

/* 1 found, 0 not below, or an error code. f is at path[depth - 1]. */
static int visit(search *s, const soap_field *f, size_t depth)
{
    if (!f->complex || depth > SOAP_MAX_PATH || ++s->visits > MAX_VISITS)
        return 0;
    s->path[depth - 1] = f->name;
    soap_field *fields = NULL;
    size_t n = 0;
    int rc = etlc__soap_type_fields(s->w, f->complex, &fields, &n, s->err);
    if (rc != 0)
        return rc;
    bool hit = s->want ? xmlStrEqual(f->name, s->want)
                       : s->single ? has_simple(fields, n) : f->repeated;
    if (hit && has_simple(fields, n))
        rc = take(s, depth, fields, n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = visit(s, &fields[i], depth + 1);
    free(fields);
    return rc;
}

/* rpc: the wrapper "<op>Response" holds the output parts. */
static int visit_rpc(search *s, const soap_operation *op)
{
    soap_field *parts = NULL;
    size_t n = 0;
    int rc = etlc__soap_part_fields(s->w, op->out_msg, &parts, &n, s->err);
    s->path[0] = NULL; /* any wrapper name */
    if (rc == 0 && s->single && !s->want && has_simple(parts, n))
        rc = take(s, 1, parts, n);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = visit(s, &parts[i], 2);
    free(parts);
    return rc;
}

int etlc__soap_rowspec(const soap_wsdl *w, const soap_operation *op, const char *row_element,
                       soap_rowspec *rs, etlc_error *err)
{
    *rs = (soap_rowspec){0};
    if (!op->out_msg)
        return etlc_error_set(err, ETLC_UNSUPPORTED, "soap: operation %s has no output message",
                              (const char *)op->name);
    int rc = 0;
    for (int pass = 0; rc == 0 && pass < (row_element ? 1 : 2); pass++) {
        search s = {.w = w, .want = (const xmlChar *)row_element, .single = pass == 1, .rs = rs,
                    .err = err};
        rc = op->rpc ? visit_rpc(&s, op) : visit(&s, &op->out, 1);
    }
    if (rc == 1)
        return 0;
    if (rc == 0)
        rc = etlc_error_set(err, ETLC_UNSUPPORTED, row_element
                            ? "soap: operation %s: the response's schema has no complex element "
                              "'%s' with simple fields (row_element)"
                            : "soap: operation %s: the response's schema has no element with "
                              "simple fields to make rows of%s; use output=bytes",
                            (const char *)op->name, row_element ? row_element : "");
    etlc__soap_rowspec_free(rs);
    return rc;
}

void etlc__soap_rowspec_free(soap_rowspec *rs)
{
    free(rs->cols);
    *rs = (soap_rowspec){0};
}
