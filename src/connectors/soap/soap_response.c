/* A SOAP response read as a stream (libxml2's SAX2 push parser, never a
 * whole DOM): memory stays bounded by one batch of rows whatever the
 * response's size. Rows are the elements at the rowspec's path under
 * soap:Body; their simple children are the columns, typed from the XSD. A
 * soap:Fault becomes an error with its code and string (1.1 faultcode /
 * faultstring, 1.2 Code/Value / Reason/Text). DTDs are refused and no
 * entity but the predefined five is known. */
#include <errno.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soap_internal.h"

#define FAULT_TEXT_MAX 1024
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

struct soap_reader {
    xmlParserCtxtPtr px;
    const soap_rowspec *rs;
    soap_batch_fn fn;
    void *ud;
    etlc_batch *batch;
    int depth, body_depth, row_depth, fault_depth;
    size_t matched;           /* how much of rs->path the open elements match */
    long col;                 /* column being read, -1 none */
    etlc__buf *vals;          /* per column: its text, */
    unsigned char *state;     /* 0 absent, 1 present, 2 xsi:nil */
    etlc__buf fcode, fstring;
    int fwhich;               /* 1 code, 2 string, 0 neither */
    bool saw_body, saw_fault;
    bool full;                /* the batch is full: hand it over before the next row */
    uint64_t rows, skip;      /* rows seen; the first `skip` are not kept (a resumed fetch) */
    int rc;
    etlc_error err;
};

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;
static void xml_init(void) { xmlInitParser(); }

static bool soap_ns(const xmlChar *uri)
{
    return uri && (xmlStrEqual(uri, (const xmlChar *)SOAP_NS_11) ||
                   xmlStrEqual(uri, (const xmlChar *)SOAP_NS_12));
}

static void fail(soap_reader *r, int code, const char *fmt, const char *a, const char *b)
{
    if (r->rc)
        return;
    r->rc = etlc_error_set(&r->err, code, fmt, a, b);
    xmlStopParser(r->px);
}

static bool is_nil(int nattr, const xmlChar **attrs)
{
    for (int i = 0; i < nattr; i++) {
        const xmlChar **a = attrs + 5 * i; /* localname, prefix, URI, value, end */
        if (xmlStrEqual(a[0], (const xmlChar *)"nil") && xmlStrEqual(a[2], (const xmlChar *)XSI_NS))
            return (a[4] - a[3] == 4 && !memcmp(a[3], "true", 4)) ||
                   (a[4] - a[3] == 1 && a[3][0] == '1');
    }
    return false;
}

static void start_fault_field(soap_reader *r, const xmlChar *name)
{
    r->fwhich = 0;
    if (xmlStrEqual(name, (const xmlChar *)"faultcode") && !r->fcode.len) {
        r->fwhich = 1;
    } else if (xmlStrEqual(name, (const xmlChar *)"Value") && r->fcode.len < FAULT_TEXT_MAX) {
        r->fwhich = 1; /* 1.2: Code/Value, then each Subcode/Value after a '/' */
        if (r->fcode.len && etlc__buf_append(&r->fcode, "/", 1) != 0)
            fail(r, ETLC_NO_MEMORY, "out of memory reading the response%s%s", "", "");
    } else if ((xmlStrEqual(name, (const xmlChar *)"faultstring") ||
              xmlStrEqual(name, (const xmlChar *)"Text")) && !r->fstring.len)
        r->fwhich = 2;
}

static void start_row_part(soap_reader *r, const xmlChar *name, int nattr, const xmlChar **attrs)
{
    const soap_rowspec *rs = r->rs;
    size_t rel = (size_t)(r->depth - r->body_depth);
    if (!r->row_depth) {
        if (rel == r->matched + 1 && rel <= rs->depth &&
            (!rs->path[rel - 1] || xmlStrEqual(rs->path[rel - 1], name))) {
            r->matched = rel;
            if (rel == rs->depth) {
                r->row_depth = r->depth;
                memset(r->state, 0, rs->ncols ? rs->ncols : 1);
                if (r->full && (r->rc = r->fn(r->ud, r->batch, false, &r->err)) != 0)
                    xmlStopParser(r->px);
                r->full = false;
            }
        }
        return;
    }
    if (r->depth != r->row_depth + 1)
        return; /* inside a column's complex value: its text goes to that column */
    r->col = -1;
    for (size_t c = 0; c < rs->ncols; c++)
        if (xmlStrEqual(rs->cols[c].name, name)) {
            r->col = (long)c;
            etlc__buf_reset(&r->vals[c]);
            r->state[c] = is_nil(nattr, attrs) ? 2 : 1;
            break;
        }
}

static void on_start(void *ud, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri,
                     int nns, const xmlChar **nss, int nattr, int ndef, const xmlChar **attrs)
{
    soap_reader *r = ud;
    (void)prefix, (void)nns, (void)nss, (void)ndef;
    r->depth++;
    if (r->rc)
        return;
    if (r->depth == 1 && !(soap_ns(uri) && xmlStrEqual(local, (const xmlChar *)"Envelope")))
        fail(r, ETLC_PROTOCOL, "the response is not a SOAP envelope (its root is <%.80s>)%s",
             (const char *)local, "");
    else if (r->depth == 2 && soap_ns(uri) && xmlStrEqual(local, (const xmlChar *)"Body"))
        r->body_depth = 2, r->saw_body = true;
    else if (r->body_depth && r->depth == r->body_depth + 1 && soap_ns(uri) &&
             xmlStrEqual(local, (const xmlChar *)"Fault"))
        r->fault_depth = r->depth;
    else if (r->fault_depth)
        start_fault_field(r, local);
    else if (r->body_depth && r->rs)
        start_row_part(r, local, nattr, attrs);
}

/* One value of column c, from its text. */
static int append_value(soap_reader *r, size_t c)
{
    etlc_batch *b = r->batch;
    const soap_field *f = &r->rs->cols[c];
    if (r->state[c] != 1)
        return etlc_batch_append_null(b, c, &r->err);
    etlc__buf *v = &r->vals[c];
    if (etlc__buf_append(v, "", 1) != 0) /* NUL-terminate */
        return etlc_error_set(&r->err, ETLC_NO_MEMORY, "out of memory reading a row");
    char *s = v->data;
    size_t len = v->len - 1;
    if (f->type != ETLC_TYPE_TEXT) { /* XSD whitespace collapse for the other types */
        while (len && strchr(" \t\r\n", s[len - 1]))
            s[--len] = '\0';
        while (*s && strchr(" \t\r\n", *s))
            s++, len--;
    }
    char *end = s;
    int64_t i64 = 0;
    int32_t days = 0;
    double d = 0;
    bool ok = true;
    errno = 0;
    switch (f->type) {
    case ETLC_TYPE_INT64:
        i64 = strtoll(s, &end, 10);
        ok = *s && !*end && !errno;
        return ok ? etlc_batch_append_int64(b, c, i64, &r->err) : -1;
    case ETLC_TYPE_DOUBLE:
        d = strtod(s, &end);
        if (*s && *end && (!strcmp(s, "INF") || !strcmp(s, "-INF") || !strcmp(s, "NaN")))
            d = strtod(s, &end); /* strtod reads INF/NaN too */
        ok = *s && !*end;
        return ok ? etlc_batch_append_double(b, c, d, &r->err) : -1;
    case ETLC_TYPE_BOOL:
        ok = !strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "false") || !strcmp(s, "0");
        return ok ? etlc_batch_append_bool(b, c, s[0] == 't' || s[0] == '1', &r->err) : -1;
    case ETLC_TYPE_TIMESTAMP:
        return etlc_parse_timestamp(s, len, &i64) == 0
                   ? etlc_batch_append_timestamp(b, c, i64, &r->err) : -1;
    case ETLC_TYPE_DATE:
        if (len && s[len - 1] == 'Z')
            len--; /* xsd:date may carry a zone; the day is kept */
        return etlc_parse_date(s, len, &days) == 0 ? etlc_batch_append_date(b, c, days, &r->err)
                                                   : -1;
    default:
        return etlc_batch_append_var(b, c, ETLC_TYPE_TEXT, s, len, &r->err);
    }
}

static void end_row(soap_reader *r)
{
    int rc = 0;
    size_t c;
    if (r->rows < r->skip) {
        r->rows++;
        return;
    }
    for (c = 0; rc == 0 && c < r->rs->ncols; c++)
        rc = append_value(r, c);
    if (rc == -1) {
        char what[64];
        snprintf(what, sizeof what, "%llu", (unsigned long long)r->rows + 1);
        c--;
        r->rc = etlc_error_set(&r->err, ETLC_DATA_TYPE, "soap: row %s, column %s: '%.80s' is not "
                               "an xsd:%s", what, (const char *)r->rs->cols[c].name,
                               r->vals[c].data, r->rs->cols[c].xsd_type);
    } else {
        r->rc = rc ? rc : etlc_batch_end_row(r->batch, &r->err);
    }
    r->rows++;
    /* a full batch goes out when the next row starts: the last one is then
     * the final page, never followed by an empty one */
    r->full = r->rc == 0 && etlc_batch_full(r->batch);
    if (r->rc)
        xmlStopParser(r->px);
}

static void on_end(void *ud, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    soap_reader *r = ud;
    (void)local, (void)prefix, (void)uri;
    if (!r->rc && r->fault_depth) {
        if (r->depth == r->fault_depth)
            r->fault_depth = 0, r->saw_fault = true;
        r->fwhich = 0;
    } else if (!r->rc && r->row_depth) {
        if (r->depth == r->row_depth + 1)
            r->col = -1;
        else if (r->depth == r->row_depth) {
            r->row_depth = 0;
            r->matched = r->rs->depth - 1;
            end_row(r);
        }
    } else if (!r->rc && r->matched && (size_t)(r->depth - r->body_depth) == r->matched) {
        r->matched--;
    }
    if (r->depth == r->body_depth)
        r->body_depth = 0;
    r->depth--;
}

static void on_text(void *ud, const xmlChar *ch, int len)
{
    soap_reader *r = ud;
    etlc__buf *b = NULL;
    if (r->rc)
        return;
    if (r->fault_depth && r->fwhich)
        b = r->fwhich == 1 ? &r->fcode : &r->fstring;
    else if (r->row_depth && r->col >= 0)
        b = &r->vals[r->col];
    if (b == &r->fcode || b == &r->fstring)
        len = b->len + (size_t)len > FAULT_TEXT_MAX ? (int)(FAULT_TEXT_MAX - b->len) : len;
    if (b && len > 0 && etlc__buf_append(b, ch, (size_t)len) != 0)
        fail(r, ETLC_NO_MEMORY, "out of memory reading the response%s%s", "", "");
}

static void on_dtd(void *ud, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    (void)name, (void)ext, (void)sys;
    fail(ud, ETLC_PROTOCOL, "the response carries a DTD; refused%s%s", "", "");
}

static void quiet(void *ud, xmlErrorPtr e) { (void)ud, (void)e; }

int etlc__soap_reader_new(const soap_rowspec *rs, size_t batch_rows, soap_batch_fn fn, void *ud,
                          soap_reader **out, etlc_error *err)
{
    pthread_once(&xml_once, xml_init);
    soap_reader *r = calloc(1, sizeof *r);
    size_t n = rs ? rs->ncols : 0;
    if (r && rs) {
        r->vals = calloc(n ? n : 1, sizeof *r->vals);
        r->state = calloc(n ? n : 1, 1);
    }
    etlc_column_def *defs = calloc(n ? n : 1, sizeof *defs);
    int rc = !r || (rs && (!r->vals || !r->state)) || !defs ? ETLC_NO_MEMORY : 0;
    for (size_t c = 0; rc == 0 && c < n; c++)
        defs[c] = (etlc_column_def){.name = (char *)rs->cols[c].name, .type = rs->cols[c].type};
    if (rc == 0 && rs)
        rc = etlc_batch_new(defs, n, batch_rows ? batch_rows : 10000, &r->batch, err);
    free(defs);
    xmlSAXHandler sax = {.initialized = XML_SAX2_MAGIC, .startElementNs = on_start,
                         .endElementNs = on_end, .characters = on_text, .cdataBlock = on_text,
                         .internalSubset = on_dtd, .externalSubset = on_dtd,
                         .serror = quiet};
    if (rc == 0 && !(r->px = xmlCreatePushParserCtxt(&sax, r, NULL, 0, "response.xml")))
        rc = ETLC_NO_MEMORY;
    if (rc == 0)
        xmlCtxtUseOptions(r->px, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (rc != 0) {
        etlc__soap_reader_free(r);
        *out = NULL;
        return err->code ? rc : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a "
                                               "SOAP response");
    }
    r->rs = rs, r->fn = fn, r->ud = ud, r->col = -1;
    *out = r;
    return 0;
}

static int reader_error(soap_reader *r, etlc_error *err)
{
    if (r->rc) {
        *err = r->err;
        return r->rc;
    }
    const xmlError *e = xmlCtxtGetLastError(r->px);
    return etlc_error_set(err, ETLC_PROTOCOL, "the SOAP response is not well-formed XML (line "
                          "%d: %.160s)", e ? e->line : 0, e && e->message ? e->message : "?");
}

static int fault_error(soap_reader *r, etlc_error *err)
{
    etlc__buf_append(&r->fcode, "", 1);
    etlc__buf_append(&r->fstring, "", 1);
    int rc = etlc_error_set(err, ETLC_QUERY, "SOAP Fault %s: %s",
                            r->fcode.data ? r->fcode.data : "?",
                            r->fstring.data ? r->fstring.data : "");
    snprintf(err->native_state, sizeof err->native_state, "SOAP");
    return rc;
}

void etlc__soap_reader_skip(soap_reader *r, uint64_t rows) { r->skip = rows; }

uint64_t etlc__soap_reader_rows(const soap_reader *r) { return r->rows; }

int etlc__soap_reader_push(soap_reader *r, const char *data, size_t len, etlc_error *err)
{
    while (len) { /* xmlParseChunk takes an int */
        int n = len > (1u << 30) ? 1 << 30 : (int)len;
        int xr = xmlParseChunk(r->px, data, n, 0);
        if (r->rc || xr != 0)
            return r->saw_fault ? fault_error(r, err) : reader_error(r, err);
        data += n, len -= (size_t)n;
    }
    return 0;
}

int etlc__soap_reader_finish(soap_reader *r, etlc_error *err)
{
    int xr = xmlParseChunk(r->px, NULL, 0, 1);
    if (r->saw_fault)
        return fault_error(r, err);
    if (r->rc || xr != 0)
        return reader_error(r, err);
    if (!r->saw_body)
        return etlc_error_set(err, ETLC_PROTOCOL, "the SOAP response has no Body");
    return r->batch ? r->fn(r->ud, r->batch, true, err) : 0;
}

void etlc__soap_reader_free(soap_reader *r)
{
    if (!r)
        return;
    if (r->px) {
        xmlFreeDoc(r->px->myDoc); /* none with our handlers; kept safe */
        xmlFreeParserCtxt(r->px);
    }
    for (size_t c = 0; r->vals && r->rs && c < r->rs->ncols; c++)
        etlc__buf_free(&r->vals[c]);
    free(r->vals);
    free(r->state);
    etlc__buf_free(&r->fcode);
    etlc__buf_free(&r->fstring);
    etlc_batch_free(r->batch);
    free(r);
}

static int no_rows(void *ud, etlc_batch *b, bool final, etlc_error *err)
{
    (void)ud, (void)b, (void)final, (void)err;
    return 0;
}

int etlc__soap_fault_of(const char *body, size_t len, etlc_error *err)
{
    soap_reader *r = NULL;
    etlc_error e = {0};
    if (etlc__soap_reader_new(NULL, 0, no_rows, NULL, &r, &e) != 0)
        return 0;
    if (etlc__soap_reader_push(r, body, len, &e) == 0)
        etlc__soap_reader_finish(r, &e);
    int rc = r->saw_fault ? fault_error(r, err) : 0;
    etlc__soap_reader_free(r);
    return rc;
}
