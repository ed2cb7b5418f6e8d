/* The soap connector's private declarations. */
#ifndef ETLCONN_SOAP_INTERNAL_H
#define ETLCONN_SOAP_INTERNAL_H

#include <libxml/tree.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/internal.h"
#include "net/http.h"

#define SOAP_NS_11 "http://schemas.xmlsoap.org/soap/envelope/"
#define SOAP_NS_12 "http://www.w3.org/2003/05/soap-envelope"
#define SOAP_MAX_PATH 8    /* deepest row element searched for under the response */
#define SOAP_MAX_DOCS 64   /* WSDL + imported schema documents per connector */

/* ---- the WSDL and its schemas (soap_wsdl_load.c, soap_wsdl.c) ---- */

typedef struct soap_wsdl {
    xmlDocPtr docs[SOAP_MAX_DOCS]; /* docs[0] is the WSDL itself */
    char *urls[SOAP_MAX_DOCS];     /* where each came from (resolved) */
    size_t ndocs;
} soap_wsdl;

/* How the loader reads documents: from http(s) through `http`, or files. */
typedef struct soap_loader {
    etlc__http_session *http;
    const char *username, *password; /* HTTP basic for the WSDL too; NULL = none */
    size_t max_size;                 /* per document, bytes */
    int max_depth;                   /* import/include levels below the WSDL */
} soap_loader;

/* Load `url` (http(s) or a file path) and every wsdl:import, xsd:import and
 * xsd:include reachable within max_depth levels (relative locations
 * against their document's). Parsed without entities, DTDs or network
 * access of libxml2's own. */
int etlc__soap_wsdl_load(soap_wsdl *w, const soap_loader *ld, const char *url, etlc_error *err);
void etlc__soap_wsdl_free(soap_wsdl *w);
/* Parse one document from memory, safely (DTDs refused). */
int etlc__soap_xml_parse(const char *data, size_t len, const char *url, xmlDocPtr *out,
                         etlc_error *err);

/* A simple or complex element of the schema, in sequence order. */
typedef struct soap_field {
    const xmlChar *name;      /* local name */
    const xmlChar *ns;        /* namespace of the element (NULL = unqualified) */
    etlc_type type;           /* simple types; ETLC_TYPE_NULL for a complex one */
    const char *xsd_type;     /* XSD built-in local name ("int", "dateTime"); NULL if complex */
    xmlNodePtr complex;       /* its xs:complexType when complex */
    bool repeated;            /* maxOccurs > 1 or unbounded */
} soap_field;

/* XSD helpers (soap_schema.c). */
bool etlc__soap_is(const xmlNode *n, const char *ns, const char *local); /* local NULL = any */
/* Split QName text `qn` as seen at node n into its namespace and local name; -1 unknown prefix. */
int etlc__soap_qname(const xmlNode *n, const xmlChar *qn, const xmlChar **ns, const xmlChar **local);
/* A global xs:<kind> ("element", "complexType", "simpleType") by name, or NULL. */
xmlNodePtr etlc__soap_schema_def(const soap_wsdl *w, const char *kind, const xmlChar *ns,
                                 const xmlChar *local);
/* The record type of an XSD built-in type's local name ("int" -> INT64). */
etlc_type etlc__soap_builtin_type(const char *xsd);
/* The field an xs:element node declares. */
void etlc__soap_field_of(const soap_wsdl *w, const xmlNode *el, soap_field *f);
/* The fields of a complex type in order (sequence/all, complexContent
 * extension bases first). *out malloc'd. */
int etlc__soap_type_fields(const soap_wsdl *w, xmlNodePtr ctype, soap_field **out, size_t *n,
                           etlc_error *err);

typedef struct soap_operation {
    const xmlChar *name;
    const xmlChar *action;    /* soapAction; NULL/"" = none */
    bool rpc;                 /* rpc/literal, else document/literal */
    int version;              /* 11 or 12 */
    const xmlChar *rpc_ns;    /* rpc: the wrapper's namespace (soap:body namespace) */
    const xmlChar *endpoint;  /* the port's soap:address location */
    /* document: the input/output body element; rpc: the messages' parts */
    soap_field in, out;       /* document: the part's element (complex) */
    xmlNodePtr in_msg, out_msg; /* the wsdl:message nodes */
} soap_operation;

typedef struct soap_pick {
    const char *service, *port; /* NULL = first */
    int version;                /* 0 = auto, 11, 12 */
} soap_pick;

/* Find operation `name` in the chosen service/port. ETLC_INVALID_ARGUMENT
 * naming the operations when absent. */
int etlc__soap_operation(const soap_wsdl *w, const soap_pick *pick, const char *name,
                         soap_operation *op, etlc_error *err);
/* The operation names of the chosen port, ", "-separated, into b. */
int etlc__soap_operation_names(const soap_wsdl *w, const soap_pick *pick, etlc__buf *b,
                               etlc_error *err);
/* The fields of the operation's input (document: the wrapper element's
 * type; rpc: the message parts). *out malloc'd. */
int etlc__soap_input_fields(const soap_wsdl *w, const soap_operation *op, soap_field **out,
                            size_t *n, etlc_error *err);

/* rpc: the parts of a wsdl:message as fields (unqualified). *out malloc'd. */
int etlc__soap_part_fields(const soap_wsdl *w, const xmlNode *msg, soap_field **out, size_t *n,
                           etlc_error *err);

/* ---- rows of a response (soap_rows.c) ---- */

typedef struct soap_rowspec {
    const xmlChar *path[SOAP_MAX_PATH]; /* local names from the Body's child down to the row */
    size_t depth;
    soap_field *cols;         /* the row's simple fields (owned array) */
    size_t ncols;
    bool repeated;            /* a repeated element (else the one response element) */
} soap_rowspec;

/* Where the rows of op's response are: the first repeated complex element
 * (or the one named row_element), else the first complex element with
 * simple fields (one row). ETLC_UNSUPPORTED when neither exists. */
int etlc__soap_rowspec(const soap_wsdl *w, const soap_operation *op, const char *row_element,
                       soap_rowspec *rs, etlc_error *err);
void etlc__soap_rowspec_free(soap_rowspec *rs);

/* ---- requests (soap_envelope.c) ---- */

typedef struct soap_security {
    const char *username, *password; /* WS-Security UsernameToken (PasswordText); NULL = none */
} soap_security;

/* The request envelope for op with params (key/value text) serialised in
 * the input's order and types. Unknown keys and values of the wrong type
 * are ETLC_INVALID_ARGUMENT. */
int etlc__soap_envelope(const soap_operation *op, const soap_field *in, size_t nin,
                        const etlc_kv *params, size_t nparams, const soap_security *sec,
                        etlc__buf *out, etlc_error *err);
/* Append text with XML escapes (&, <, >, ", control bytes refused: -2). */
int etlc__soap_escape(etlc__buf *b, const char *s, size_t len);
/* Check and normalise a value of XSD type `xsd` ("int", "boolean", ...)
 * into b. 0, or -1 when it does not fit. */
int etlc__soap_value(etlc__buf *b, const char *xsd, const char *v);

/* ---- responses (soap_response.c) ---- */

typedef int (*soap_batch_fn)(void *ud, etlc_batch *batch, bool final, etlc_error *err);

typedef struct soap_reader soap_reader;
/* A push parser for one response: rows per `rs` into batches of
 * batch_rows handed to fn (final = true once, at the end); a Fault becomes
 * ETLC_QUERY "SOAP Fault <code>: <string>". `rs` may be NULL: only faults
 * are looked for. */
int etlc__soap_reader_new(const soap_rowspec *rs, size_t batch_rows, soap_batch_fn fn, void *ud,
                          soap_reader **out, etlc_error *err);
/* Drop the first `rows` rows (resuming after them). */
void etlc__soap_reader_skip(soap_reader *r, uint64_t rows);
/* Rows seen so far (skipped ones included). */
uint64_t etlc__soap_reader_rows(const soap_reader *r);
int etlc__soap_reader_push(soap_reader *r, const char *data, size_t len, etlc_error *err);
/* End of the body: the last batch, or an error (no Body, cut short). */
int etlc__soap_reader_finish(soap_reader *r, etlc_error *err);
void etlc__soap_reader_free(soap_reader *r);
/* If body (an error reply) holds a SOAP Fault: ETLC_QUERY with its code and
 * string; else 0. */
int etlc__soap_fault_of(const char *body, size_t len, etlc_error *err);

/* ---- the connector (soap_connector.c, soap_fetch.c) ---- */

typedef struct soap_ctx {
    etlc__http_session *http;
    const char *wsdl_url, *endpoint, *username, *password, *row_element;
    bool wss;                 /* ws_security=username_token */
    bool bytes_out;           /* output=bytes */
    soap_pick pick;
    size_t max_response;
    int max_depth;
    soap_wsdl wsdl;           /* loaded on first use, kept (the cache) */
    bool wsdl_loaded;
    char *bytes_resource;     /* the query a bytes fetch listed (owned) */
    char source[128];
} soap_ctx;

extern const etlc_option_table etlc__soap_options;

int etlc__soap_ensure_wsdl(soap_ctx *ctx, etlc_error *err);
int etlc__soap_fetch_pages(void *ctx, const etlc_records_request *req, etlc_page_consumer pages,
                           etlc_error *err);
int etlc__soap_list(void *ctx, const etlc_list_request *req, etlc_resource_fn fn, void *userdata,
                    etlc_error *err);
int etlc__soap_open(void *ctx, const etlc_resource *res, etlc_byte_consumer bytes,
                    etlc_error *err);

#endif
