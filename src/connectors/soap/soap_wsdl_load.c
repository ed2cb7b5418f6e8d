/* Loading a WSDL and the documents it imports. Each document is read whole
 * (bounded by max_size) from http(s) through the shared layer or from a
 * file, then parsed by libxml2 without entity substitution, DTD loading or
 * network access (a DTD is refused outright). Imports are followed
 * breadth-first up to max_depth levels; a location already loaded is not
 * read again. */
#include <libxml/parser.h>
#include <libxml/uri.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soap_internal.h"

#define WSDL_NS "http://schemas.xmlsoap.org/wsdl/"
#define XSD_NS "http://www.w3.org/2001/XMLSchema"
#define DOC_CAP (64u * 1024u * 1024u)

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void xml_init(void) { xmlInitParser(); }

int etlc__soap_xml_parse(const char *data, size_t len, const char *url, xmlDocPtr *out,
                         etlc_error *err)
{
    *out = NULL;
    if (len > INT_MAX)
        return etlc_error_set(err, ETLC_PROTOCOL, "%s: too large to parse", url);
    pthread_once(&xml_once, xml_init);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory parsing %s", url);
    /* No XML_PARSE_NOENT (no entity substitution), no DTD loading, no network. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, data ? data : "", (int)len, url, NULL, opts);
    int rc = 0;
    if (!doc) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        rc = etlc_error_set(err, ETLC_PROTOCOL, "%s is not well-formed XML (line %d: %.120s)", url,
                            e ? e->line : 0, e && e->message ? e->message : "?");
    } else if (doc->intSubset || doc->extSubset) {
        rc = etlc_error_set(err, ETLC_PROTOCOL, "%s carries a DTD; refused", url);
    } else if (!xmlDocGetRootElement(doc)) {
        rc = etlc_error_set(err, ETLC_PROTOCOL, "%s has no root element", url);
    }
    if (rc != 0) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    xmlFreeParserCtxt(ctxt);
    *out = doc;
    return rc;
}

static bool is_http(const char *url)
{
    return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

static int basic_setup(void *ud, CURL *h, etlc_error *err)
{
    const soap_loader *ld = ud;
    (void)err;
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, ld->username);
    curl_easy_setopt(h, CURLOPT_PASSWORD, ld->password ? ld->password : "");
    return 0;
}

static int read_file(const char *path, size_t max, etlc__buf *b, etlc_error *err)
{
    const char *p = strncmp(path, "file://", 7) == 0 ? path + 7 : path;
    FILE *f = fopen(p, "rb");
    if (!f)
        return etlc_error_set(err, ETLC_IO_NOT_FOUND, "WSDL document %s cannot be opened", path);
    char chunk[16384];
    size_t n;
    int rc = 0;
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b->len + n > max)
            rc = etlc_error_set(err, ETLC_IO, "WSDL document %s is larger than %zu bytes", path, max);
        else if (etlc__buf_append(b, chunk, n) != 0)
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading %s", path);
    }
    if (rc == 0 && ferror(f))
        rc = etlc_error_set(err, ETLC_IO, "WSDL document %s: read error", path);
    fclose(f);
    return rc;
}

static int read_doc(const soap_loader *ld, const char *url, xmlDocPtr *out, etlc_error *err)
{
    size_t max = ld->max_size < DOC_CAP ? ld->max_size : DOC_CAP;
    etlc__http_response resp = {0};
    etlc__buf file = {0};
    int rc;
    const char *data;
    size_t len;
    if (is_http(url)) {
        etlc__http_request rq = {.url = url, .body_limit = max,
                                 .setup = ld->username ? basic_setup : NULL, .hook_ud = (void *)ld};
        rc = etlc__http_perform(ld->http, &rq, &resp, err);
        data = resp.body.data, len = resp.body.len;
    } else {
        rc = read_file(url, max, &file, err);
        data = file.data, len = file.len;
    }
    if (rc == 0)
        rc = etlc__soap_xml_parse(data, len, url, out, err);
    etlc__http_response_free(&resp);
    etlc__buf_free(&file);
    return rc;
}

static bool in_ns(const xmlNode *n, const char *ns, const char *local)
{
    return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, local) == 0;
}

/* The location an import/include node points at, or NULL. */
static const char *import_attr(const xmlNode *n)
{
    if (in_ns(n, WSDL_NS, "import"))
        return "location";
    if (in_ns(n, XSD_NS, "import") || in_ns(n, XSD_NS, "include"))
        return "schemaLocation";
    return NULL;
}

static bool loaded(const soap_wsdl *w, const char *url)
{
    for (size_t i = 0; i < w->ndocs; i++)
        if (strcmp(w->urls[i], url) == 0)
            return true;
    return false;
}

static int add_doc(soap_wsdl *w, const soap_loader *ld, const char *url, etlc_error *err)
{
    if (loaded(w, url))
        return 0;
    if (w->ndocs == SOAP_MAX_DOCS)
        return etlc_error_set(err, ETLC_PROTOCOL, "the WSDL imports more than %d documents",
                              SOAP_MAX_DOCS);
    char *copy = etlc__strdup(url);
    if (!copy)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory loading the WSDL");
    xmlDocPtr doc = NULL;
    int rc = read_doc(ld, url, &doc, err);
    if (rc != 0) {
        free(copy);
        return rc;
    }
    w->docs[w->ndocs] = doc;
    w->urls[w->ndocs++] = copy;
    return 0;
}

/* Follow every import below node n of document `from`. */
static int follow(soap_wsdl *w, const soap_loader *ld, const xmlNode *n, const char *base,
                  etlc_error *err)
{
    for (; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        const char *attr = import_attr(n);
        xmlChar *loc = attr ? xmlGetProp(n, (const xmlChar *)attr) : NULL;
        int rc = 0;
        if (loc && *loc) {
            xmlChar *abs = xmlBuildURI(loc, (const xmlChar *)base);
            if (!abs)
                rc = etlc_error_set(err, ETLC_PROTOCOL, "%s: import location '%.200s' is not "
                                    "a URI", base, (const char *)loc);
            else if (is_http(base) && !is_http((const char *)abs)) /* no local files from a remote WSDL */
                rc = etlc_error_set(err, ETLC_PROTOCOL, "%s: import location '%.200s' is not "
                                    "http(s); refused", base, (const char *)abs);
            else
                rc = add_doc(w, ld, (const char *)abs, err);
            xmlFree(abs);
        }
        xmlFree(loc);
        if (rc == 0)
            rc = follow(w, ld, n->children, base, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int etlc__soap_wsdl_load(soap_wsdl *w, const soap_loader *ld, const char *url, etlc_error *err)
{
    int rc = add_doc(w, ld, url, err);
    size_t level_start = 0;
    for (int depth = 0; rc == 0 && depth < ld->max_depth; depth++) {
        size_t level_end = w->ndocs;
        if (level_start == level_end)
            break;
        for (size_t i = level_start; rc == 0 && i < level_end; i++)
            rc = follow(w, ld, xmlDocGetRootElement(w->docs[i]), w->urls[i], err);
        level_start = level_end;
    }
    if (rc != 0)
        etlc__soap_wsdl_free(w);
    return rc;
}

void etlc__soap_wsdl_free(soap_wsdl *w)
{
    for (size_t i = 0; i < w->ndocs; i++) {
        xmlFreeDoc(w->docs[i]);
        free(w->urls[i]);
    }
    *w = (soap_wsdl){0};
}
