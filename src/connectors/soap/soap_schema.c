/* XSD lookups over the loaded documents: global definitions by qualified
 * name, and the fields of a complex type in order with their simple types
 * mapped to record types (int/long/short/byte and unsigned -> int64,
 * decimal/float/double -> double, dateTime -> timestamp, date -> date,
 * boolean -> bool, anything else -> text). */
#include <stdlib.h>
#include <string.h>

#include "soap_internal.h"

#define XSD_NS "http://www.w3.org/2001/XMLSchema"
#define TYPE_DEPTH 16 /* nesting of extensions / simple-type restrictions followed */

bool etlc__soap_is(const xmlNode *n, const char *ns, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, ns) == 0 &&
           (!local || strcmp((const char *)n->name, local) == 0);
}

int etlc__soap_qname(const xmlNode *n, const xmlChar *qn, const xmlChar **ns, const xmlChar **local)
{
    const xmlChar *colon = qn ? xmlStrchr(qn, ':') : NULL;
    xmlChar *prefix = colon ? xmlStrndup(qn, (int)(colon - qn)) : NULL;
    xmlNsPtr x = xmlSearchNs(n->doc, (xmlNodePtr)n, prefix);
    xmlFree(prefix);
    if (colon && !x)
        return -1;
    *ns = x ? x->href : NULL;
    *local = colon ? colon + 1 : qn;
    return 0;
}

static const xmlNode *schema_of(const xmlNode *n)
{
    while (n && !etlc__soap_is(n, XSD_NS, "schema"))
        n = n->parent;
    return n;
}

static bool same_ns(const xmlChar *a, const xmlChar *b)
{
    return xmlStrEqual(a ? a : (const xmlChar *)"", b ? b : (const xmlChar *)"");
}

static xmlNodePtr def_in(xmlNodePtr schema, const char *kind, const xmlChar *ns,
                         const xmlChar *local)
{
    xmlChar *tns = xmlGetProp(schema, (const xmlChar *)"targetNamespace");
    bool match = !tns || same_ns(tns, ns); /* no targetNamespace: an included (chameleon) schema */
    xmlFree(tns);
    for (xmlNodePtr c = match ? schema->children : NULL; c; c = c->next) {
        if (!etlc__soap_is(c, XSD_NS, kind))
            continue;
        xmlChar *name = xmlGetProp(c, (const xmlChar *)"name");
        bool hit = xmlStrEqual(name, local);
        xmlFree(name);
        if (hit)
            return c;
    }
    return NULL;
}

static xmlNodePtr def_below(xmlNodePtr n, const char *kind, const xmlChar *ns, const xmlChar *local)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        xmlNodePtr hit = etlc__soap_is(n, XSD_NS, "schema") ? def_in(n, kind, ns, local)
                         : def_below(n->children, kind, ns, local);
        if (hit)
            return hit;
    }
    return NULL;
}

xmlNodePtr etlc__soap_schema_def(const soap_wsdl *w, const char *kind, const xmlChar *ns,
                                 const xmlChar *local)
{
    for (size_t i = 0; i < w->ndocs; i++) {
        xmlNodePtr hit = def_below(xmlDocGetRootElement(w->docs[i]), kind, ns, local);
        if (hit)
            return hit;
    }
    return NULL;
}

etlc_type etlc__soap_builtin_type(const char *t)
{
    static const char *const ints[] = {"int", "integer", "long", "short", "byte", "unsignedInt",
                                       "unsignedShort", "unsignedByte", "unsignedLong",
                                       "nonNegativeInteger", "positiveInteger", "negativeInteger",
                                       "nonPositiveInteger", NULL};
    for (int i = 0; ints[i]; i++)
        if (strcmp(t, ints[i]) == 0)
            return ETLC_TYPE_INT64;
    if (!strcmp(t, "decimal") || !strcmp(t, "float") || !strcmp(t, "double"))
        return ETLC_TYPE_DOUBLE;
    if (!strcmp(t, "dateTime"))
        return ETLC_TYPE_TIMESTAMP;
    if (!strcmp(t, "date"))
        return ETLC_TYPE_DATE;
    if (!strcmp(t, "boolean"))
        return ETLC_TYPE_BOOL;
    return ETLC_TYPE_TEXT;
}

static const xmlNode *child(const xmlNode *n, const char *local)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (etlc__soap_is(c, XSD_NS, local))
            return c;
    return NULL;
}

/* Type the field from a type QName (attribute on node n). */
static void type_from_qname(const soap_wsdl *w, const xmlNode *n, const xmlChar *qn,
                            soap_field *f, int depth)
{
    const xmlChar *ns, *local;
    f->type = ETLC_TYPE_TEXT;
    f->xsd_type = "string";
    if (!qn || depth > TYPE_DEPTH || etlc__soap_qname(n, qn, &ns, &local) != 0)
        return;
    if (same_ns(ns, (const xmlChar *)XSD_NS)) {
        f->xsd_type = (const char *)local;
        f->type = etlc__soap_builtin_type(f->xsd_type);
        return;
    }
    xmlNodePtr ct = etlc__soap_schema_def(w, "complexType", ns, local);
    if (ct) {
        f->type = ETLC_TYPE_NULL, f->xsd_type = NULL, f->complex = ct;
        return;
    }
    const xmlNode *st = etlc__soap_schema_def(w, "simpleType", ns, local);
    const xmlNode *r = child(st, "restriction");
    /* the base's QName text is read in the tree: the names kept point into it */
    const xmlAttr *base = r ? xmlHasProp(r, (const xmlChar *)"base") : NULL;
    if (base && base->children)
        type_from_qname(w, r, base->children->content, f, depth + 1);
}

/* A field from an xs:element (local or global) node. */
static void field_of(const soap_wsdl *w, const xmlNode *el, soap_field *f, int depth)
{
    *f = (soap_field){0};
    const xmlAttr *ref = xmlHasProp(el, (const xmlChar *)"ref");
    const xmlAttr *mo = xmlHasProp(el, (const xmlChar *)"maxOccurs");
    if (mo && mo->children && mo->children->content)
        f->repeated = xmlStrEqual(mo->children->content, (const xmlChar *)"unbounded") ||
                      atol((const char *)mo->children->content) > 1;
    const xmlNode *schema = schema_of(el);
    if (ref && ref->children && depth <= TYPE_DEPTH) {
        const xmlChar *ns, *local;
        xmlNodePtr g = etlc__soap_qname(el, ref->children->content, &ns, &local) == 0
                           ? etlc__soap_schema_def(w, "element", ns, local) : NULL;
        bool rep = f->repeated;
        if (g)
            field_of(w, g, f, depth + 1);
        f->repeated = rep;
        f->name = g ? f->name : local;
        return;
    }
    const xmlAttr *name = xmlHasProp(el, (const xmlChar *)"name");
    f->name = name && name->children ? name->children->content : (const xmlChar *)"";
    bool global = el->parent == schema;
    xmlChar *form = xmlGetProp(el, (const xmlChar *)"form");
    xmlChar *efd = schema ? xmlGetProp(schema, (const xmlChar *)"elementFormDefault") : NULL;
    bool qualified = global || (form ? xmlStrEqual(form, (const xmlChar *)"qualified")
                                     : xmlStrEqual(efd, (const xmlChar *)"qualified"));
    const xmlAttr *tns = schema ? xmlHasProp(schema, (const xmlChar *)"targetNamespace") : NULL;
    f->ns = qualified && tns && tns->children ? tns->children->content : NULL;
    xmlFree(form);
    xmlFree(efd);
    const xmlAttr *type = xmlHasProp(el, (const xmlChar *)"type");
    const xmlNode *inline_ct = child(el, "complexType");
    if (type && type->children)
        type_from_qname(w, el, type->children->content, f, depth);
    else if (inline_ct)
        f->type = ETLC_TYPE_NULL, f->complex = (xmlNodePtr)inline_ct;
    else
        f->type = ETLC_TYPE_TEXT, f->xsd_type = "string";
}

void etlc__soap_field_of(const soap_wsdl *w, const xmlNode *el, soap_field *f)
{
    field_of(w, el, f, 0);
}

typedef struct fields_acc {
    soap_field *v;
    size_t n, cap;
} fields_acc;

static int push(fields_acc *a, const soap_field *f)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 8;
        soap_field *g = realloc(a->v, cap * sizeof *g);
        if (!g)
            return -1;
        a->v = g, a->cap = cap;
    }
    a->v[a->n++] = *f;
    return 0;
}

static int collect(const soap_wsdl *w, const xmlNode *n, fields_acc *a, int depth);

/* complexContent/extension: the base's fields, then the extension's own. */
static int extension(const soap_wsdl *w, const xmlNode *ext, fields_acc *a, int depth)
{
    const xmlAttr *base = xmlHasProp(ext, (const xmlChar *)"base");
    const xmlChar *ns, *local;
    if (base && base->children &&
        etlc__soap_qname(ext, base->children->content, &ns, &local) == 0) {
        const xmlNode *bt = etlc__soap_schema_def(w, "complexType", ns, local);
        if (bt && collect(w, bt, a, depth + 1) != 0)
            return -1;
    }
    return collect(w, ext, a, depth + 1);
}

static int collect(const soap_wsdl *w, const xmlNode *n, fields_acc *a, int depth)
{
    if (depth > TYPE_DEPTH)
        return 0;
    for (const xmlNode *c = n->children; c; c = c->next) {
        int rc = 0;
        if (etlc__soap_is(c, XSD_NS, "element")) {
            soap_field f;
            field_of(w, c, &f, 0);
            rc = push(a, &f);
        } else if (etlc__soap_is(c, XSD_NS, "sequence") || etlc__soap_is(c, XSD_NS, "all") ||
                   etlc__soap_is(c, XSD_NS, "choice") ||
                   etlc__soap_is(c, XSD_NS, "complexContent")) {
            rc = collect(w, c, a, depth + 1);
        } else if (etlc__soap_is(c, XSD_NS, "extension")) {
            rc = extension(w, c, a, depth);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

int etlc__soap_type_fields(const soap_wsdl *w, xmlNodePtr ctype, soap_field **out, size_t *n,
                           etlc_error *err)
{
    fields_acc a = {0};
    if (ctype && collect(w, ctype, &a, 0) != 0) {
        free(a.v);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the WSDL's schema");
    }
    *out = a.v;
    *n = a.n;
    return 0;
}
