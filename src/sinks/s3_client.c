/* S3 requests on one HTTP session (src/net), signed by libcurl's SigV4;
 * retries and backoff are the session's. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/s3_client.h"

#define SMALL_REPLY_MAX (1024u * 1024u)

struct etlc__s3_client {
    etlc__http_session *http;
    char *scheme;         /* "http" / "https" */
    char *host;           /* host[:port] */
    char *base_path;      /* endpoint path without trailing '/', "" usually */
    char *endpoint;       /* as given, for messages */
    char *bucket;
    bool path_style;
    char *sigv4;          /* "aws:amz:REGION:s3" */
    char *access_key_id;
    char *secret_access_key;
    char *session_token;
};

void etlc__s3_client_free(etlc__s3_client *c)
{
    if (!c)
        return;
    etlc__http_session_free(c->http);
    free(c->scheme);
    free(c->host);
    free(c->base_path);
    free(c->endpoint);
    free(c->bucket);
    free(c->sigv4);
    free(c->access_key_id);
    etlc__free_secret(c->secret_access_key);
    etlc__free_secret(c->session_token);
    free(c);
}

const char *etlc__s3_client_bucket(const etlc__s3_client *c) { return c->bucket; }

/* Split "scheme://host[:port][/path]" into its parts. */
static int parse_endpoint(etlc__s3_client *c, const char *endpoint, etlc_error *err)
{
    const char *sep = strstr(endpoint, "://");
    if (!sep || (strncmp(endpoint, "http", 4) != 0) ||
        !((sep - endpoint == 4) || (sep - endpoint == 5 && endpoint[4] == 's')))
        return etlc_error_set(err, ETLC_CONFIG_RANGE,
                              "S3 endpoint '%s' must start with http:// or https://", endpoint);
    const char *host = sep + 3;
    size_t host_len = strcspn(host, "/?#");
    if (host_len == 0)
        return etlc_error_set(err, ETLC_CONFIG_RANGE, "S3 endpoint '%s' has no host", endpoint);
    if (host[host_len] == '?' || host[host_len] == '#')
        return etlc_error_set(err, ETLC_CONFIG_RANGE,
                              "S3 endpoint '%s' must not have a query or fragment", endpoint);
    if (memchr(host, '@', host_len))
        return etlc_error_set(err, ETLC_CONFIG_RANGE,
                              "S3 endpoint must not carry credentials; use the access key options");
    const char *path = host + host_len;
    size_t path_len = strlen(path);
    while (path_len > 0 && path[path_len - 1] == '/')
        path_len--;
    c->scheme = etlc__strndup(endpoint, (size_t)(sep - endpoint));
    c->host = etlc__strndup(host, host_len);
    c->base_path = etlc__strndup(path, path_len);
    if (!c->scheme || !c->host || !c->base_path)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory parsing S3 endpoint");
    return 0;
}

int etlc__s3_client_new(const etlc__s3_config *cfg, etlc__s3_client **out, etlc_error *err)
{
    *out = NULL;
    etlc__s3_client *c = calloc(1, sizeof *c);
    if (!c)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating S3 client");
    int rc = parse_endpoint(c, cfg->endpoint, err);
    if (rc) {
        etlc__s3_client_free(c);
        return rc;
    }
    etlc__buf sig = {0};
    c->endpoint = etlc__strdup(cfg->endpoint);
    c->bucket = etlc__strdup(cfg->bucket);
    c->access_key_id = etlc__strdup(cfg->access_key_id);
    c->secret_access_key = etlc__strdup(cfg->secret_access_key);
    c->session_token = (cfg->session_token && *cfg->session_token) ? etlc__strdup(cfg->session_token)
                                                                   : NULL;
    c->path_style = cfg->path_style;
    if (etlc__buf_printf(&sig, "aws:amz:%s:s3", cfg->region) == 0)
        c->sigv4 = etlc__buf_take(&sig);
    etlc__buf_free(&sig);
    if (!c->endpoint || !c->bucket || !c->access_key_id || !c->secret_access_key || !c->sigv4 ||
        (cfg->session_token && *cfg->session_token && !c->session_token)) {
        etlc__s3_client_free(c);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating S3 client");
    }
    etlc__http_settings hs;
    etlc__http_settings_default(&hs);
    hs.retry_max = cfg->max_retries < 0 ? 0 : cfg->max_retries;
    hs.timeout_ms = cfg->timeout_ms;
    hs.connect_timeout_ms = cfg->connect_timeout_ms;
    hs.retry_base_ms = 100;
    hs.retry_cap_ms = 3200;
    hs.max_redirects = 0; /* a redirect names another region; the message says so */
    rc = etlc__http_session_new(&hs, &c->http, err);
    if (rc) {
        etlc__s3_client_free(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* ---- one request --------------------------------------------------------- */

static int build_url(etlc__s3_client *c, const etlc__s3_request *rq, etlc__buf *url)
{
    int rc = 0;
    if (c->path_style) {
        rc |= etlc__buf_printf(url, "%s://%s%s/", c->scheme, c->host, c->base_path);
        rc |= etlc__s3_uri_encode(url, c->bucket, false);
        if (rq->key) {
            rc |= etlc__buf_putc(url, '/');
            rc |= etlc__s3_uri_encode(url, rq->key, true);
        }
    } else {
        rc |= etlc__buf_printf(url, "%s://%s.%s%s/", c->scheme, c->bucket, c->host, c->base_path);
        if (rq->key)
            rc |= etlc__s3_uri_encode(url, rq->key, true);
    }
    if (rq->nparams) {
        rc |= etlc__buf_putc(url, '?');
        rc |= etlc__s3_canonical_query(url, rq->params, rq->nparams);
    }
    return rc ? -1 : 0;
}

/* Where the message says the request went: s3://bucket/key. */
static void describe_target(etlc__s3_client *c, const etlc__s3_request *rq, char *out,
                            size_t outsz)
{
    snprintf(out, outsz, "%s s3://%s/%s at %s", rq->what, c->bucket, rq->key ? rq->key : "",
             c->endpoint);
}

static bool is_timeout_code(const char *code)
{
    return code && (strcmp(code, "RequestTimeout") == 0 || strcmp(code, "RequestTimeTooSkewed") == 0);
}

/* Everything one request needs besides the layer's request. */
typedef struct s3_call {
    etlc__s3_client *c;
    const etlc__s3_request *rq;
    size_t response_start;      /* rq->response->len before the request */
} s3_call;

/* S3's own reading of a status (the layer's hook for non-2xx replies). */
static int classify_status(long status, const char *code, bool bucket_only, bool *retryable,
                           const char **hint)
{
    *retryable = false;
    *hint = "";
    if (status == 401 || status == 403) {
        *hint = " (check the access key, secret and the bucket policy)";
        return ETLC_AUTH_DENIED;
    }
    if (status == 404) {
        if ((code && strcmp(code, "NoSuchBucket") == 0) || bucket_only)
            *hint = " (the bucket does not exist)";
        return ETLC_IO_NOT_FOUND;
    }
    if (status == 301 || status == 307 || status == 308) {
        *hint = " (the bucket lives at another endpoint or region)";
        return ETLC_CONNECT;
    }
    if (status == 409 || status == 412)
        return ETLC_BUSY;
    *retryable = status == 429 || status >= 500 || (status == 400 && is_timeout_code(code));
    if (status == 429 || status == 503)
        return ETLC_BUSY;
    if (status == 504 || (status == 400 && is_timeout_code(code)))
        return ETLC_TIMEOUT;
    if (status >= 500)
        return ETLC_IO;
    if (status == 400 && code && strcmp(code, "AuthorizationHeaderMalformed") == 0) {
        *hint = " (is the region right?)";
        return ETLC_AUTH;
    }
    return ETLC_PROTOCOL;
}

static int map_status(void *ud, const etlc__http_response *resp, const char *body,
                      size_t body_len, etlc_error *err)
{
    s3_call *call = ud;
    char target[512];
    describe_target(call->c, call->rq, target, sizeof target);
    char *code = body_len ? etlc__s3_xml_text(body, body_len, "Code") : NULL;
    char *message = body_len ? etlc__s3_xml_text(body, body_len, "Message") : NULL;
    bool retryable;
    const char *hint;
    int ecode = classify_status(resp->status, code, !call->rq->key, &retryable, &hint);
    etlc_error_set(err, ecode, "%s: HTTP %ld%s%s%s%s%s", target, resp->status, code ? " " : "",
                   code ? code : "", message ? ": " : "", message ? message : "", hint);
    free(code);
    free(message);
    if (err) {
        err->native_code = resp->status;
        snprintf(err->native_state, sizeof err->native_state, "HTTP");
        err->retryable = retryable;
    }
    return ecode;
}

/* SigV4 by libcurl, on the handle the layer prepared. */
static int sign_setup(void *ud, CURL *h, etlc_error *err)
{
    s3_call *call = ud;
    etlc__s3_client *c = call->c;
    CURLcode sc = curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    if (sc == CURLE_OK)
        sc = curl_easy_setopt(h, CURLOPT_AWS_SIGV4, c->sigv4);
    if (sc == CURLE_OK)
        sc = curl_easy_setopt(h, CURLOPT_USERNAME, c->access_key_id);
    if (sc == CURLE_OK)
        sc = curl_easy_setopt(h, CURLOPT_PASSWORD, c->secret_access_key);
    if (sc != CURLE_OK)
        return etlc_error_set(err, sc == CURLE_OUT_OF_MEMORY ? ETLC_NO_MEMORY : ETLC_INTERNAL,
                              "setting up S3 request signing: %s", curl_easy_strerror(sc));
    return 0;
}

/* The 2xx body into rq->response (bounded unless `unbounded`). */
static int keep_body(void *ud, const void *data, size_t len, etlc_error *err)
{
    s3_call *call = ud;
    etlc__buf *b = call->rq->response;
    if (!b)
        return 0;
    if (!call->rq->unbounded && b->len - call->response_start + len > SMALL_REPLY_MAX)
        return etlc_error_set(err, ETLC_PROTOCOL, "%s s3://%s/%s: reply larger than %u bytes",
                              call->rq->what, call->c->bucket, call->rq->key ? call->rq->key : "",
                              SMALL_REPLY_MAX);
    if (etlc__buf_append(b, data, len) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading S3 response");
    return 0;
}

/* A retry delivers the body again: drop what the failed attempt appended. */
static int restart_body(void *ud, etlc_error *err)
{
    (void)err;
    s3_call *call = ud;
    etlc__buf *b = call->rq->response;
    if (b) {
        b->len = call->response_start;
        if (b->data)
            b->data[b->len] = '\0';
    }
    return 0;
}

/* x-amz-content-sha256, Content-Type, the session token, then the caller's. */
static int build_headers(etlc__s3_client *c, const etlc__s3_request *rq, bool sends_body,
                         char body_sha[65], etlc__http_header **out, size_t *n)
{
    *out = calloc(rq->nheaders + 3, sizeof **out);
    if (!*out)
        return -1;
    etlc__http_header *h = *out;
    size_t k = 0;
    h[k++] = (etlc__http_header){"x-amz-content-sha256", body_sha};
    if (sends_body)
        h[k++] = (etlc__http_header){"Content-Type", rq->content_type ? rq->content_type
                                                                      : "application/octet-stream"};
    if (c->session_token)
        h[k++] = (etlc__http_header){"x-amz-security-token", c->session_token};
    for (size_t i = 0; i < rq->nheaders; i++)
        h[k++] = rq->headers[i];
    *n = k;
    return 0;
}

static int take_etag(etlc__s3_client *c, const etlc__s3_request *rq,
                     const etlc__http_response *resp, etlc_error *err)
{
    const char *etag = etlc__http_response_header(resp, "ETag");
    if (!etag)
        return etlc_error_set(err, ETLC_PROTOCOL, "%s s3://%s/%s: reply has no ETag", rq->what,
                              c->bucket, rq->key ? rq->key : "");
    *rq->etag_out = etlc__strdup(etag);
    if (!*rq->etag_out)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading S3 response");
    return 0;
}

int etlc__s3_send(etlc__s3_client *c, const etlc__s3_request *rq, etlc__http_response *resp,
                  etlc_error *err)
{
    etlc__http_response local = {0};
    etlc__http_response *r = resp ? resp : &local;
    s3_call call = {c, rq, rq->response ? rq->response->len : 0};
    bool sends_body = strcmp(rq->method, "PUT") == 0 || strcmp(rq->method, "POST") == 0;
    char body_sha[65], what[512];
    etlc__sha256_hex(rq->body ? rq->body : "", rq->body ? rq->body_len : 0, body_sha);
    describe_target(c, rq, what, sizeof what);
    etlc__buf url = {0};
    etlc__http_header *headers = NULL;
    size_t nheaders = 0;
    int rc;
    if (!body_sha[0] /* OpenSSL out of memory */ || build_url(c, rq, &url) != 0 ||
        build_headers(c, rq, sends_body, body_sha, &headers, &nheaders) != 0) {
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building S3 request");
    } else {
        etlc__http_request hr = {
            .method = rq->method, .url = url.data, .what = what, .headers = headers,
            .nheaders = nheaders, .body = rq->body, .body_len = rq->body_len,
            .send_body = sends_body,
            .on_body = rq->on_body ? rq->on_body : keep_body,
            .on_restart = rq->on_body ? rq->on_restart : restart_body,
            .body_consumer_ud = rq->on_body ? rq->body_ud : &call,
            .setup = sign_setup, .map_status = map_status, .hook_ud = &call};
        rc = etlc__http_perform(c->http, &hr, r, err);
        if (rc == 0 && rq->etag_out)
            rc = take_etag(c, rq, r, err);
    }
    if (rc && rq->response)
        restart_body(&call, NULL); /* the caller sees no partial body */
    free(headers);
    etlc__buf_free(&url);
    etlc__http_response_free(&local);
    return rc;
}

/* ---- operations ----------------------------------------------------------- */

int etlc__s3_head_bucket(etlc__s3_client *c, etlc_error *err)
{
    etlc__s3_request rq = {.method = "HEAD", .what = "HEAD bucket"};
    return etlc__s3_send(c, &rq, NULL, err);
}

int etlc__s3_put_object(etlc__s3_client *c, const char *key, const void *data, size_t len,
                        const char *content_type, etlc_error *err)
{
    etlc__s3_request rq = {.method = "PUT", .what = "PUT object", .key = key, .body = data,
                     .body_len = len, .content_type = content_type};
    return etlc__s3_send(c, &rq, NULL, err);
}

int etlc__s3_get_object(etlc__s3_client *c, const char *key, etlc__buf *body, etlc_error *err)
{
    etlc__s3_request rq = {.method = "GET", .what = "GET object", .key = key, .response = body,
                     .unbounded = true};
    return etlc__s3_send(c, &rq, NULL, err);
}

int etlc__s3_head_object(etlc__s3_client *c, const char *key, uint64_t *size, etlc_error *err)
{
    etlc__s3_request rq = {.method = "HEAD", .what = "HEAD object", .key = key};
    etlc__http_response resp = {0};
    int rc = etlc__s3_send(c, &rq, &resp, err);
    if (rc == 0 && size)
        *size = resp.content_length < 0 ? 0 : (uint64_t)resp.content_length;
    etlc__http_response_free(&resp);
    return rc;
}

int etlc__s3_delete_object(etlc__s3_client *c, const char *key, etlc_error *err)
{
    etlc__s3_request rq = {.method = "DELETE", .what = "DELETE object", .key = key};
    return etlc__s3_send(c, &rq, NULL, err);
}

int etlc__s3_multipart_create(etlc__s3_client *c, const char *key, const char *content_type,
                              char **upload_id, etlc_error *err)
{
    *upload_id = NULL;
    etlc__s3_param params[] = {{"uploads", ""}};
    etlc__buf body = {0};
    etlc__s3_request rq = {.method = "POST", .what = "create multipart upload", .key = key,
                     .params = params, .nparams = 1, .content_type = content_type,
                     .response = &body};
    int rc = etlc__s3_send(c, &rq, NULL, err);
    if (rc == 0) {
        *upload_id = etlc__s3_xml_text(body.data, body.len, "UploadId");
        if (!*upload_id || !**upload_id) {
            free(*upload_id);
            *upload_id = NULL;
            rc = etlc_error_set(err, ETLC_PROTOCOL,
                                "create multipart upload s3://%s/%s: reply has no UploadId",
                                c->bucket, key);
        }
    }
    etlc__buf_free(&body);
    return rc;
}

int etlc__s3_multipart_upload_part(etlc__s3_client *c, const char *key, const char *upload_id,
                                   unsigned part_number, const void *data, size_t len,
                                   char **etag, etlc_error *err)
{
    *etag = NULL;
    char num[16];
    snprintf(num, sizeof num, "%u", part_number);
    etlc__s3_param params[] = {{"partNumber", num}, {"uploadId", upload_id}};
    etlc__s3_request rq = {.method = "PUT", .what = "upload part", .key = key, .params = params,
                     .nparams = 2, .body = data, .body_len = len, .etag_out = etag};
    int rc = etlc__s3_send(c, &rq, NULL, err);
    if (rc)
        etlc_error_prefix(err, "part %u", part_number);
    return rc;
}

int etlc__s3_multipart_complete(etlc__s3_client *c, const char *key, const char *upload_id,
                                char *const *etags, unsigned part_count, etlc_error *err)
{
    etlc__buf xml = {0}, reply = {0};
    int brc = etlc__buf_puts(&xml, "<CompleteMultipartUpload>");
    for (unsigned i = 0; i < part_count && brc == 0; i++) {
        brc |= etlc__buf_printf(&xml, "<Part><PartNumber>%u</PartNumber><ETag>", i + 1);
        brc |= etlc__s3_xml_escape(&xml, etags[i]);
        brc |= etlc__buf_puts(&xml, "</ETag></Part>");
    }
    brc |= etlc__buf_puts(&xml, "</CompleteMultipartUpload>");
    if (brc) {
        etlc__buf_free(&xml);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building multipart completion");
    }
    etlc__s3_param params[] = {{"uploadId", upload_id}};
    etlc__s3_request rq = {.method = "POST", .what = "complete multipart upload", .key = key,
                     .params = params, .nparams = 1, .body = xml.data, .body_len = xml.len,
                     .content_type = "application/xml", .response = &reply};
    int rc = etlc__s3_send(c, &rq, NULL, err);
    /* S3 may answer 200 and still report an error in the body. */
    if (rc == 0 && reply.len && etlc__s3_xml_count(reply.data, reply.len, "Error") > 0) {
        char *code = etlc__s3_xml_text(reply.data, reply.len, "Code");
        char *msg = etlc__s3_xml_text(reply.data, reply.len, "Message");
        rc = etlc_error_set(err, ETLC_IO, "complete multipart upload s3://%s/%s: %s%s%s",
                            c->bucket, key, code ? code : "error", msg ? ": " : "",
                            msg ? msg : "");
        if (err)
            err->retryable = code && strcmp(code, "InternalError") == 0;
        free(code);
        free(msg);
    }
    etlc__buf_free(&xml);
    etlc__buf_free(&reply);
    return rc;
}

int etlc__s3_multipart_abort(etlc__s3_client *c, const char *key, const char *upload_id,
                             etlc_error *err)
{
    etlc__s3_param params[] = {{"uploadId", upload_id}};
    etlc__s3_request rq = {.method = "DELETE", .what = "abort multipart upload", .key = key,
                     .params = params, .nparams = 1};
    return etlc__s3_send(c, &rq, NULL, err);
}

int etlc__s3_multipart_count(etlc__s3_client *c, const char *key_prefix, unsigned *count,
                             etlc_error *err)
{
    *count = 0;
    etlc__buf reply = {0};
    etlc__s3_param params[] = {{"uploads", ""}, {"prefix", key_prefix ? key_prefix : ""}};
    etlc__s3_request rq = {.method = "GET", .what = "list multipart uploads", .params = params,
                     .nparams = 2, .response = &reply, .unbounded = true};
    int rc = etlc__s3_send(c, &rq, NULL, err);
    if (rc == 0)
        *count = (unsigned)etlc__s3_xml_count(reply.data ? reply.data : "", reply.len, "Upload");
    etlc__buf_free(&reply);
    return rc;
}
