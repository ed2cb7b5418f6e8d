/* The request envelope: SOAP 1.1 or 1.2, an optional WS-Security
 * UsernameToken header, and the operation's input -- document/literal
 * wrapped (the input element with its fields in schema order) or
 * rpc/literal (a wrapper named after the operation holding the parts).
 * Parameters are text checked against their XSD type. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soap_internal.h"

#define WSSE_NS "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define PASSWORD_TEXT "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-" \
                      "profile-1.0#PasswordText"

int etlc__soap_escape(etlc__buf *b, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;"
                          : c == '"' ? "&quot;" : c == '\r' ? "&#13;" : NULL;
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return -2; /* not representable in XML 1.0 */
        if (rep ? etlc__buf_printf(b, "%s", rep) : etlc__buf_append(b, &s[i], 1))
            return -1;
    }
    return 0;
}

static bool is_int(const char *v)
{
    char *end;
    errno = 0;
    (void)strtoll(v, &end, 10);
    return *v && !*end && !errno;
}

static bool is_decimal(const char *v)
{
    const char *p = v + (*v == '-' || *v == '+');
    size_t digits = 0;
    for (; *p >= '0' && *p <= '9'; p++)
        digits++;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            digits++;
    return digits && !*p;
}

int etlc__soap_value(etlc__buf *b, const char *xsd, const char *v)
{
    etlc_type t = etlc__soap_builtin_type(xsd ? xsd : "string");
    int64_t us;
    int32_t days;
    if (t == ETLC_TYPE_INT64 && !is_int(v))
        return -1;
    if (t == ETLC_TYPE_DOUBLE && !is_decimal(v) && strcmp(xsd, "decimal") == 0)
        return -1;
    if (t == ETLC_TYPE_DOUBLE && strcmp(xsd, "decimal") != 0) {
        char *end;
        (void)strtod(v, &end);
        if (!*v || *end)
            return -1;
    }
    if (t == ETLC_TYPE_BOOL) {
        bool yes = !strcmp(v, "true") || !strcmp(v, "1"), no = !strcmp(v, "false") || !strcmp(v, "0");
        if (!yes && !no)
            return -1;
        return etlc__buf_printf(b, "%s", yes ? "true" : "false") ? -2 : 0;
    }
    if (t == ETLC_TYPE_TIMESTAMP && etlc_parse_timestamp(v, strlen(v), &us) != 0)
        return -1;
    if (t == ETLC_TYPE_DATE && etlc_parse_date(v, strlen(v), &days) != 0)
        return -1;
    int rc = etlc__soap_escape(b, v, strlen(v));
    return rc == -2 ? -1 : rc ? -2 : 0;
}

static int open_envelope(etlc__buf *b, const soap_operation *op, const soap_security *sec)
{
    const char *ns = op->version == 12 ? SOAP_NS_12 : SOAP_NS_11;
    int rc = etlc__buf_printf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                 "<soap:Envelope xmlns:soap=\"%s\">", ns);
    if (rc == 0 && sec && sec->username) {
        rc = etlc__buf_printf(b, "<soap:Header><wsse:Security xmlns:wsse=\"%s\">"
                                 "<wsse:UsernameToken><wsse:Username>", WSSE_NS);
        rc = rc ? rc : etlc__soap_escape(b, sec->username, strlen(sec->username));
        rc = rc ? rc : etlc__buf_printf(b, "</wsse:Username><wsse:Password Type=\"%s\">",
                                        PASSWORD_TEXT);
        const char *pw = sec->password ? sec->password : "";
        rc = rc ? rc : etlc__soap_escape(b, pw, strlen(pw));
        rc = rc ? rc : etlc__buf_printf(b, "</wsse:Password></wsse:UsernameToken>"
                                           "</wsse:Security></soap:Header>");
    }
    return rc ? rc : etlc__buf_printf(b, "<soap:Body>");
}

static const char *param_of(const etlc_kv *params, size_t n, const xmlChar *name)
{
    for (size_t i = 0; i < n; i++)
        if (xmlStrEqual((const xmlChar *)params[i].key, name))
            return params[i].value;
    return NULL;
}

static int check_known(const soap_field *in, size_t nin, const etlc_kv *params, size_t n,
                       const soap_operation *op, etlc_error *err)
{
    for (size_t i = 0; i < n; i++) {
        bool known = false;
        for (size_t j = 0; j < nin && !known; j++)
            known = xmlStrEqual((const xmlChar *)params[i].key, in[j].name);
        if (known)
            continue;
        etlc__buf names = {0};
        for (size_t j = 0; j < nin; j++)
            etlc__buf_printf(&names, "%s%s", j ? ", " : "", (const char *)in[j].name);
        int rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT, "soap: operation %s has no parameter "
                                "'%s' (it takes: %s)", (const char *)op->name, params[i].key,
                                names.data ? names.data : "none");
        etlc__buf_free(&names);
        return rc;
    }
    return 0;
}

/* <p:name>value</p:name> for each given field, in schema order. */
static int fields(etlc__buf *b, const soap_operation *op, const xmlChar *wns, const soap_field *in,
                  size_t nin, const etlc_kv *params, size_t n, etlc_error *err)
{
    for (size_t j = 0; j < nin; j++) {
        const char *v = param_of(params, n, in[j].name);
        if (!v)
            continue;
        if (in[j].complex)
            return etlc_error_set(err, ETLC_UNSUPPORTED, "soap: parameter '%s' of %s is a complex "
                                  "type; only simple parameters can be given",
                                  (const char *)in[j].name, (const char *)op->name);
        /* p: is the wrapper's namespace; a field in another one declares q: */
        bool other = in[j].ns && !xmlStrEqual(in[j].ns, wns);
        const char *pfx = !in[j].ns ? "" : other ? "q:" : "p:";
        int rc = etlc__buf_printf(b, "<%s%s", pfx, (const char *)in[j].name);
        if (rc == 0 && other)
            rc = etlc__buf_printf(b, " xmlns:q=\"") ||
                 etlc__soap_escape(b, (const char *)in[j].ns, strlen((const char *)in[j].ns)) ||
                 etlc__buf_printf(b, "\"");
        rc = rc ? rc : etlc__buf_printf(b, ">");
        int vr = rc ? rc : etlc__soap_value(b, in[j].xsd_type, v);
        if (vr == -1)
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "soap: parameter '%s' of %s must be "
                                  "an xsd:%s, not '%.80s'", (const char *)in[j].name,
                                  (const char *)op->name, in[j].xsd_type, v);
        if (vr || etlc__buf_printf(b, "</%s%s>", pfx, (const char *)in[j].name))
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the request");
    }
    return 0;
}

int etlc__soap_envelope(const soap_operation *op, const soap_field *in, size_t nin,
                        const etlc_kv *params, size_t nparams, const soap_security *sec,
                        etlc__buf *out, etlc_error *err)
{
    int rc = check_known(in, nin, params, nparams, op, err);
    if (rc != 0)
        return rc;
    /* document: the input element in its namespace; rpc: the operation in soap:body's */
    const xmlChar *wrap = op->rpc ? op->name : op->in.name;
    const xmlChar *wns = op->rpc ? op->rpc_ns : op->in.ns;
    const char *wp = wns && *wns ? "p:" : "";
    if (open_envelope(out, op, sec) || etlc__buf_printf(out, "<%s%s", wp, (const char *)wrap) ||
        (*wp && (etlc__buf_printf(out, " xmlns:p=\"") ||
                 etlc__soap_escape(out, (const char *)wns, strlen((const char *)wns)) ||
                 etlc__buf_printf(out, "\""))) ||
        etlc__buf_printf(out, ">"))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the request");
    rc = fields(out, op, wns, in, nin, params, nparams, err);
    if (rc == 0 && etlc__buf_printf(out, "</%s%s></soap:Body></soap:Envelope>", wp,
                                    (const char *)wrap))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the request");
    return rc;
}
