/* Operations of a WSDL 1.1 document: service -> port -> binding ->
 * portType -> messages, with the binding's style (document or rpc), the
 * soapAction and the SOAP version (the binding's namespace: wsdl/soap/ is
 * 1.1, wsdl/soap12/ is 1.2). */
#include <stdlib.h>
#include <string.h>

#include "soap_internal.h"

#define WSDL_NS "http://schemas.xmlsoap.org/wsdl/"
#define WSOAP11 "http://schemas.xmlsoap.org/wsdl/soap/"
#define WSOAP12 "http://schemas.xmlsoap.org/wsdl/soap12/"

static const xmlChar *attr(const xmlNode *n, const char *name)
{
    const xmlAttr *a = n ? xmlHasProp(n, (const xmlChar *)name) : NULL;
    return a && a->children ? a->children->content : NULL;
}

/* A top-level wsdl:<kind> named `local` (any namespace: imports keep their own), or the
 * first one when local is NULL. */
static xmlNodePtr wsdl_def(const soap_wsdl *w, const char *kind, const xmlChar *local)
{
    for (size_t i = 0; i < w->ndocs; i++) {
        xmlNodePtr root = xmlDocGetRootElement(w->docs[i]);
        if (!etlc__soap_is(root, WSDL_NS, "definitions"))
            continue;
        for (xmlNodePtr c = root->children; c; c = c->next)
            if (etlc__soap_is(c, WSDL_NS, kind) && (!local || xmlStrEqual(attr(c, "name"), local)))
                return c;
    }
    return NULL;
}

static xmlNodePtr wsdl_ref(const soap_wsdl *w, const char *kind, const xmlNode *at, const char *a)
{
    const xmlChar *ns, *local;
    const xmlChar *qn = attr(at, a);
    if (!qn || etlc__soap_qname(at, qn, &ns, &local) != 0)
        return NULL;
    return wsdl_def(w, kind, local);
}

static xmlNodePtr child_named(const xmlNode *n, const char *ns, const char *kind, const xmlChar *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
        if (etlc__soap_is(c, ns, kind) && (!name || xmlStrEqual(attr(c, "name"), name)))
            return c;
    return NULL;
}

/* The SOAP version of a binding (11, 12) or 0 when it is not a SOAP one. */
static int binding_version(const xmlNode *b, const xmlNode **sb)
{
    if ((*sb = child_named(b, WSOAP11, "binding", NULL)))
        return 11;
    if ((*sb = child_named(b, WSOAP12, "binding", NULL)))
        return 12;
    return 0;
}

typedef struct port_choice {
    const xmlNode *port, *binding, *soap_binding;
    int version;
} port_choice;

static int choose_port(const soap_wsdl *w, const soap_pick *pick, port_choice *pc, etlc_error *err)
{
    *pc = (port_choice){0};
    xmlNodePtr svc = wsdl_def(w, "service", (const xmlChar *)pick->service);
    if (!svc)
        return etlc_error_set(err, ETLC_CONFIG, pick->service ? "soap: the WSDL has no service "
                              "'%s'" : "soap: the WSDL has no service%s", pick->service ? pick->service : "");
    for (xmlNodePtr p = svc->children; p; p = p->next) {
        if (!etlc__soap_is(p, WSDL_NS, "port") ||
            (pick->port && !xmlStrEqual(attr(p, "name"), (const xmlChar *)pick->port)))
            continue;
        const xmlNode *b = wsdl_ref(w, "binding", p, "binding"), *sb = NULL;
        int v = b ? binding_version(b, &sb) : 0;
        if (v && (!pick->version || pick->version == v)) {
            *pc = (port_choice){p, b, sb, v};
            return 0;
        }
    }
    return etlc_error_set(err, ETLC_CONFIG, "soap: service '%s' has no %sSOAP%s port%s%s",
                          (const char *)attr(svc, "name"), pick->port ? "matching " : "",
                          pick->version == 12 ? " 1.2" : pick->version == 11 ? " 1.1" : "",
                          pick->port ? " named " : "", pick->port ? pick->port : "");
}

int etlc__soap_operation_names(const soap_wsdl *w, const soap_pick *pick, etlc__buf *b,
                               etlc_error *err)
{
    port_choice pc;
    int rc = choose_port(w, pick, &pc, err);
    for (xmlNodePtr o = rc == 0 ? pc.binding->children : NULL; o; o = o->next)
        if (etlc__soap_is(o, WSDL_NS, "operation") &&
            etlc__buf_printf(b, "%s%s", b->len ? ", " : "", (const char *)attr(o, "name")) != 0)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing operations");
    return rc;
}

/* document style: the message's first part names the body element. */
static int part_element(const soap_wsdl *w, const xmlNode *msg, soap_field *f)
{
    const xmlNode *part = child_named(msg, WSDL_NS, "part", NULL);
    const xmlChar *ns, *local, *qn = attr(part, "element");
    xmlNodePtr el = qn && etlc__soap_qname(part, qn, &ns, &local) == 0
                        ? etlc__soap_schema_def(w, "element", ns, local) : NULL;
    if (!el)
        return -1;
    etlc__soap_field_of(w, el, f);
    return 0;
}

static int messages(const soap_wsdl *w, const port_choice *pc, soap_operation *op, etlc_error *err)
{
    xmlNodePtr pt = wsdl_ref(w, "portType", pc->binding, "type");
    xmlNodePtr po = child_named(pt, WSDL_NS, "operation", op->name);
    op->in_msg = wsdl_ref(w, "message", child_named(po, WSDL_NS, "input", NULL), "message");
    op->out_msg = wsdl_ref(w, "message", child_named(po, WSDL_NS, "output", NULL), "message");
    if (!op->in_msg)
        return etlc_error_set(err, ETLC_PROTOCOL, "soap: operation %s has no input message in the "
                              "WSDL's portType", (const char *)op->name);
    if (!op->rpc && (part_element(w, op->in_msg, &op->in) != 0 ||
                     (op->out_msg && part_element(w, op->out_msg, &op->out) != 0)))
        return etlc_error_set(err, ETLC_PROTOCOL, "soap: operation %s: a message part's element "
                              "is not declared in the WSDL's schemas", (const char *)op->name);
    return 0;
}

int etlc__soap_operation(const soap_wsdl *w, const soap_pick *pick, const char *name,
                         soap_operation *op, etlc_error *err)
{
    *op = (soap_operation){0};
    port_choice pc;
    int rc = choose_port(w, pick, &pc, err);
    if (rc != 0)
        return rc;
    const char *sns = pc.version == 12 ? WSOAP12 : WSOAP11;
    xmlNodePtr bo = child_named(pc.binding, WSDL_NS, "operation", (const xmlChar *)name);
    if (!bo) {
        etlc__buf names = {0};
        etlc__soap_operation_names(w, pick, &names, err);
        rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT, "soap: no operation '%s' (the port has: "
                            "%s)", name, names.data ? names.data : "none");
        etlc__buf_free(&names);
        return rc;
    }
    const xmlNode *so = child_named(bo, sns, "operation", NULL);
    const xmlChar *style = attr(so, "style") ? attr(so, "style") : attr(pc.soap_binding, "style");
    op->name = attr(bo, "name");
    op->action = attr(so, "soapAction");
    op->rpc = xmlStrEqual(style, (const xmlChar *)"rpc");
    op->version = pc.version;
    op->rpc_ns = attr(child_named(child_named(bo, WSDL_NS, "input", NULL), sns, "body", NULL),
                      "namespace");
    op->endpoint = attr(child_named(pc.port, sns, "address", NULL), "location");
    return messages(w, &pc, op, err);
}

int etlc__soap_input_fields(const soap_wsdl *w, const soap_operation *op, soap_field **out,
                            size_t *n, etlc_error *err)
{
    if (!op->rpc)
        return etlc__soap_type_fields(w, op->in.complex, out, n, err);
    return etlc__soap_part_fields(w, op->in_msg, out, n, err);
}

int etlc__soap_part_fields(const soap_wsdl *w, const xmlNode *msg, soap_field **out, size_t *n,
                           etlc_error *err)
{
    size_t count = 0;
    for (xmlNodePtr p = msg ? msg->children : NULL; p; p = p->next)
        count += etlc__soap_is(p, WSDL_NS, "part");
    *out = calloc(count + 1, sizeof **out);
    *n = 0;
    if (!*out)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the WSDL");
    for (xmlNodePtr p = msg ? msg->children : NULL; p; p = p->next) {
        if (!etlc__soap_is(p, WSDL_NS, "part"))
            continue;
        /* an rpc part is an unqualified element of the part's type: the
         * schema helper types it as it would a local element */
        soap_field *f = &(*out)[(*n)++];
        etlc__soap_field_of(w, p, f);
        f->ns = NULL;
        if (attr(p, "element")) {
            const xmlChar *ns, *local;
            xmlNodePtr el = etlc__soap_qname(p, attr(p, "element"), &ns, &local) == 0
                                ? etlc__soap_schema_def(w, "element", ns, local) : NULL;
            if (el)
                etlc__soap_field_of(w, el, f);
        }
    }
    return 0;
}
