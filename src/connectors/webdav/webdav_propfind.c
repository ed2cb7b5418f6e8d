/* PROPFIND replies (207 Multi-Status) read with libxml2, defensively: no
 * network, no DTD (a reply carrying one is refused, so no entity can be
 * declared, let alone expanded), libxml2's own depth and size limits, and
 * only text nodes read. Each <response> becomes one entry whose href is
 * decoded and made relative to the base path. */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "webdav_internal.h"

const char etlc__webdav_propfind_body[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<D:propfind xmlns:D=\"DAV:\"><D:prop>"
    "<D:resourcetype/><D:getcontentlength/><D:getlastmodified/><D:getetag/>"
    "</D:prop></D:propfind>\n";

#define TEXT_MAX 4096 /* longest property or href text kept */

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
    xmlInitParser();
}

static bool is_dav(const xmlNode *n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, "DAV:") == 0 &&
           strcmp((const char *)n->name, local) == 0;
}

static const xmlNode *dav_child(const xmlNode *n, const char *local)
{
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (is_dav(c, local))
            return c;
    return NULL;
}

/* The text directly inside n, trimmed, into buf (cut at TEXT_MAX). */
static void text_of(const xmlNode *n, char buf[TEXT_MAX + 1])
{
    size_t len = 0;
    for (const xmlNode *c = n ? n->children : NULL; c; c = c->next) {
        if ((c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) || !c->content)
            continue;
        size_t add = strlen((const char *)c->content);
        if (add > TEXT_MAX - len)
            add = TEXT_MAX - len;
        memcpy(buf + len, c->content, add);
        len += add;
    }
    buf[len] = '\0';
    size_t start = strspn(buf, " \t\r\n");
    while (len > start && strchr(" \t\r\n", buf[len - 1]))
        len--;
    memmove(buf, buf + start, len - start);
    buf[len - start] = '\0';
}

typedef struct props {
    bool collection;
    int64_t size, mtime_us;
    char etag[TEXT_MAX + 1];
    bool has_etag;
} props;

static void read_prop(const xmlNode *prop, props *p)
{
    char text[TEXT_MAX + 1];
    const xmlNode *rt = dav_child(prop, "resourcetype");
    if (rt && dav_child(rt, "collection"))
        p->collection = true;
    const xmlNode *n = dav_child(prop, "getcontentlength");
    if (n) {
        text_of(n, text);
        char *end = NULL;
        long long v = strtoll(text, &end, 10);
        if (end && end != text && !*end && v >= 0)
            p->size = v;
    }
    if ((n = dav_child(prop, "getlastmodified")) != NULL) {
        text_of(n, text);
        time_t t = text[0] ? curl_getdate(text, NULL) : (time_t)-1;
        if (t != (time_t)-1 && t > 0)
            p->mtime_us = (int64_t)t * 1000000;
    }
    if ((n = dav_child(prop, "getetag")) != NULL) {
        text_of(n, p->etag);
        p->has_etag = p->etag[0] != '\0';
    }
}

/* Only the propstat blocks whose status is 200 carry values. */
static void read_props(const xmlNode *response, props *p)
{
    char status[TEXT_MAX + 1];
    for (const xmlNode *ps = response->children; ps; ps = ps->next) {
        if (!is_dav(ps, "propstat"))
            continue;
        text_of(dav_child(ps, "status"), status);
        const char *sp = strchr(status, ' ');
        if (!sp || strncmp(sp + 1, "200", 3) != 0)
            continue;
        const xmlNode *prop = dav_child(ps, "prop");
        if (prop)
            read_prop(prop, p);
    }
}

/* The entry's name relative to base_path; NULL when outside it or odd. */
static const char *relative_name(char *path, const char *base_path)
{
    size_t blen = strlen(base_path), plen = strlen(path);
    if (plen + 1 == blen && strncmp(path, base_path, plen) == 0)
        return ""; /* the base without its trailing '/' */
    if (plen < blen || strncmp(path, base_path, blen) != 0)
        return NULL;
    char *name = path + blen;
    size_t n = strlen(name);
    if (n && name[n - 1] == '/')
        name[n - 1] = '\0';
    return !*name || etlc__webdav_name_ok(name) ? name : NULL;
}

static int one_response(const xmlNode *r, const char *base_path, etlc__webdav_entry_fn fn,
                        void *ud, etlc_error *err)
{
    char href[TEXT_MAX + 1];
    text_of(dav_child(r, "href"), href);
    bool oom = false;
    char *path = href[0] ? etlc__webdav_href_path(href, &oom) : NULL;
    if (oom)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a PROPFIND reply");
    const char *name = path ? relative_name(path, base_path) : NULL;
    if (!name) {
        etlc_log(ETLC_LOG_DEBUG, "webdav", "skipping href '%.200s': not a plain path under '%s'",
                 href, base_path);
        free(path);
        return 0;
    }
    props *p = calloc(1, sizeof *p);
    if (!p) {
        free(path);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a PROPFIND reply");
    }
    p->size = -1;
    read_props(r, p);
    etlc__webdav_entry e = {.name = name, .collection = p->collection, .size = p->size,
                            .mtime_us = p->mtime_us, .etag = p->has_etag ? p->etag : NULL};
    int rc = fn(ud, &e, err);
    free(p);
    free(path);
    return rc;
}

static int parse_failed(xmlParserCtxtPtr ctxt, etlc_error *err)
{
    const xmlError *xe = xmlCtxtGetLastError(ctxt);
    if (xe && xe->code == XML_ERR_NO_MEMORY)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory parsing a PROPFIND reply");
    char msg[200] = "unknown error";
    if (xe && xe->message) {
        snprintf(msg, sizeof msg, "%s", xe->message);
        msg[strcspn(msg, "\r\n")] = '\0';
    }
    return etlc_error_set(err, ETLC_PROTOCOL, "the PROPFIND reply is not well-formed XML "
                          "(line %d: %s)", xe ? xe->line : 0, msg);
}

int etlc__webdav_propfind_parse(const char *body, size_t len, const char *base_path,
                                etlc__webdav_entry_fn fn, void *ud, etlc_error *err)
{
    if (len > INT_MAX)
        return etlc_error_set(err, ETLC_PROTOCOL, "the PROPFIND reply is too large to parse");
    pthread_once(&xml_once, xml_init);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory parsing a PROPFIND reply");
    /* No XML_PARSE_NOENT (no entity substitution), no DTD loading, no network. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, body ? body : "", (int)len, "propfind.xml", NULL, opts);
    int rc = 0;
    const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!doc)
        rc = parse_failed(ctxt, err);
    else if (doc->intSubset || doc->extSubset)
        rc = etlc_error_set(err, ETLC_PROTOCOL, "the PROPFIND reply carries a DTD; refused");
    else if (!is_dav(root, "multistatus"))
        rc = etlc_error_set(err, ETLC_PROTOCOL, "the PROPFIND reply is not a DAV:multistatus");
    for (const xmlNode *r = root ? root->children : NULL; rc == 0 && r; r = r->next)
        if (is_dav(r, "response"))
            rc = one_response(r, base_path, fn, ud, err);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}
