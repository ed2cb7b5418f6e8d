/* One operation call: the query ("GetOrders" or "GetOrders {JSON object}")
 * and the request's key/value parameters into an envelope, POSTed to the
 * endpoint with the version's headers and HTTP basic auth, the reply
 * streamed to a consumer. A non-2xx reply holding a SOAP Fault becomes the
 * fault's error. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_load.h"
#include "soap_call.h"

void etlc__soap_call_free(soap_call *c)
{
    for (size_t i = 0; i < c->nowned; i++) {
        free(c->owned[i]);
    }
    free(c->owned);
    free(c->kv);
    free(c->opname);
    free(c->fields);
    if (c->envelope.data) /* it may hold a UsernameToken password */
        memset(c->envelope.data, 0, c->envelope.len);
    etlc__buf_free(&c->envelope);
    *c = (soap_call){0};
}

static int own(soap_call *c, char *s)
{
    char **g = realloc(c->owned, (c->nowned + 1) * sizeof *g);
    if (!g || !s) {
        free(s);
        if (g)
            c->owned = g;
        return -1;
    }
    c->owned = g;
    c->owned[c->nowned++] = s;
    return 0;
}

/* A JSON scalar as parameter text; NULL for null (the element is left out). */
static char *json_text(json_t *v, bool *bad)
{
    if (json_is_string(v))
        return etlc__strdup(json_string_value(v));
    if (json_is_true(v) || json_is_false(v))
        return etlc__strdup(json_is_true(v) ? "true" : "false");
    if (json_is_number(v))
        return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    *bad = !json_is_null(v);
    return NULL;
}

static int json_params(soap_call *c, const char *text, etlc_error *err)
{
    bool oom = false;
    json_t *j = etlc__json_loadb(text, strlen(text), 0, NULL, &oom);
    if (!json_is_object(j)) {
        json_decref(j);
        return etlc_error_set(err, oom ? ETLC_NO_MEMORY : ETLC_INVALID_ARGUMENT,
                              "soap: the parameters after the operation name must be a JSON "
                              "object, e.g. GetOrders {\"customer_id\": 42}");
    }
    const char *key;
    json_t *v;
    int rc = 0;
    json_object_foreach(j, key, v) {
        bool bad = false;
        char *t = json_text(v, &bad);
        if (bad) {
            rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT, "soap: parameter '%s' must be a "
                                "string, number, boolean or null", key);
            break;
        }
        if (!t)
            continue;
        char *k = etlc__strdup(key);
        if (own(c, k) || own(c, t)) {
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading parameters");
            break;
        }
        c->kv[c->nkv++] = (etlc_kv){k, t};
    }
    json_decref(j);
    return rc;
}

static int parse_query(soap_call *c, const char *query, const etlc_kv *params, size_t nparams,
                       etlc_error *err)
{
    size_t n = strcspn(query, " \t\r\n{");
    c->opname = etlc__strndup(query, n);
    const char *rest = query + n;
    rest += strspn(rest, " \t\r\n");
    size_t room = nparams + (*rest ? strlen(rest) / 2 + 1 : 0);
    c->kv = calloc(room + 1, sizeof *c->kv);
    if (!c->opname || !c->kv)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the query");
    if (!n)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "soap: the query must name an operation");
    for (size_t i = 0; i < nparams; i++)
        c->kv[c->nkv++] = params[i];
    return *rest ? json_params(c, rest, err) : 0;
}

int etlc__soap_call_prepare(soap_ctx *ctx, const char *query, const etlc_kv *params,
                            size_t nparams, soap_call *c, etlc_error *err)
{
    *c = (soap_call){0};
    int rc = etlc__soap_ensure_wsdl(ctx, err);
    if (rc == 0)
        rc = parse_query(c, query, params, nparams, err);
    if (rc == 0)
        rc = etlc__soap_operation(&ctx->wsdl, &ctx->pick, c->opname, &c->op, err);
    if (rc == 0)
        rc = etlc__soap_input_fields(&ctx->wsdl, &c->op, &c->fields, &c->nfields, err);
    soap_security sec = {ctx->wss ? ctx->username : NULL, ctx->password};
    if (rc == 0)
        rc = etlc__soap_envelope(&c->op, c->fields, c->nfields, c->kv, c->nkv, &sec, &c->envelope,
                                 err);
    c->endpoint = ctx->endpoint ? ctx->endpoint : (const char *)c->op.endpoint;
    if (rc == 0 && !c->endpoint)
        rc = etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "soap: the WSDL's port has no "
                            "soap:address; set endpoint");
    return rc;
}

static int setup_basic(void *ud, CURL *h, etlc_error *err)
{
    const soap_ctx *ctx = ud;
    (void)err;
    if (ctx->username) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, ctx->username);
        curl_easy_setopt(h, CURLOPT_PASSWORD, ctx->password ? ctx->password : "");
    }
    return 0;
}

static int map_status(void *ud, const etlc__http_response *resp, const char *body, size_t len,
                      etlc_error *err)
{
    (void)ud;
    int rc = etlc__soap_fault_of(body, len, err);
    return rc ? rc : etlc__http_status_error(resp->status, "SOAP call", body, len, err);
}

int etlc__soap_call_send(soap_ctx *ctx, soap_call *c, etlc__http_write_fn on_body, void *ud,
                         etlc_error *err)
{
    etlc__buf ct = {0}, action = {0};
    const char *act = c->op.action ? (const char *)c->op.action : "";
    int bad = c->op.version == 12
                  ? etlc__buf_printf(&ct, "application/soap+xml; charset=utf-8%s%s%s",
                                     *act ? "; action=\"" : "", act, *act ? "\"" : "")
                  : etlc__buf_printf(&ct, "text/xml; charset=utf-8") ||
                        etlc__buf_printf(&action, "\"%s\"", act);
    etlc__http_header h[2] = {{"Content-Type", ct.data}, {"SOAPAction", action.data}};
    char what[256];
    snprintf(what, sizeof what, "SOAP %s", c->opname);
    etlc__http_request rq = {.method = "POST", .url = c->endpoint, .what = what, .headers = h,
                             .nheaders = c->op.version == 12 ? 1 : 2, .body = c->envelope.data,
                             .body_len = c->envelope.len, .send_body = true, .on_body = on_body,
                             .body_consumer_ud = ud, .setup = setup_basic, .map_status = map_status,
                             .hook_ud = ctx};
    etlc__http_response resp = {0};
    int rc = bad ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the request")
                 : etlc__http_perform(ctx->http, &rq, &resp, err);
    etlc__http_response_free(&resp);
    etlc__buf_free(&ct);
    etlc__buf_free(&action);
    return rc;
}
