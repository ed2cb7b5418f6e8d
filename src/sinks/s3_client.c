/* S3 requests over one reused libcurl handle, signed by libcurl's SigV4,
 * with bounded retries for server errors and timeouts. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sinks/s3_client.h"

#define ERROR_BODY_MAX (64u * 1024u)

struct etlc__s3_client {
    CURL *curl;
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
    int max_retries;
    long timeout_ms;
    long connect_timeout_ms;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;
static void curl_init_once(void) { curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT); }

void etlc__s3_client_free(etlc__s3_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
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
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_result != CURLE_OK)
        return etlc_error_set(err, ETLC_INTERNAL, "libcurl initialisation failed: %s",
                              curl_easy_strerror(curl_init_result));
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
    c->max_retries = cfg->max_retries < 0 ? 0 : cfg->max_retries;
    c->timeout_ms = cfg->timeout_ms;
    c->connect_timeout_ms = cfg->connect_timeout_ms;
    if (etlc__buf_printf(&sig, "aws:amz:%s:s3", cfg->region) == 0)
        c->sigv4 = etlc__buf_take(&sig);
    etlc__buf_free(&sig);
    c->curl = curl_easy_init();
    if (!c->endpoint || !c->bucket || !c->access_key_id || !c->secret_access_key || !c->sigv4 ||
        (cfg->session_token && *cfg->session_token && !c->session_token) || !c->curl) {
        etlc__s3_client_free(c);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating S3 client");
    }
    *out = c;
    return 0;
}

/* ---- one request --------------------------------------------------------- */

typedef struct s3_request {
    const char *method;             /* GET PUT POST DELETE HEAD */
    const char *what;               /* for messages: "PUT object" */
    const char *key;                /* NULL: the bucket itself */
    const etlc__s3_param *params;
    size_t nparams;
    const void *body;               /* sent for PUT/POST (may be empty) */
    size_t body_len;
    const char *content_type;
    etlc__buf *response;            /* response body; NULL = discard */
    bool unbounded;                 /* keep the whole body (GET object) */
    char **etag_out;                /* receives the ETag header (malloc'd) */
    const char *const *headers;     /* extra "Name: value" request headers */
    size_t nheaders;
} s3_request;

typedef struct sink_ctx {
    etlc__buf *buf;
    bool unbounded;
    bool oom;
} sink_ctx;

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    sink_ctx *s = userdata;
    size_t n = size * nmemb;
    if (!s->buf)
        return n;
    size_t take = n;
    if (!s->unbounded) {
        size_t room = s->buf->len < ERROR_BODY_MAX ? ERROR_BODY_MAX - s->buf->len : 0;
        if (take > room)
            take = room;
    }
    if (take && etlc__buf_append(s->buf, ptr, take) != 0) {
        s->oom = true;
        return 0; /* abort the transfer */
    }
    return n;
}

typedef struct etag_ctx {
    char *etag;
    bool oom;
} etag_ctx;

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    etag_ctx *e = userdata;
    size_t n = size * nmemb;
    if (n > 5 && strncasecmp(ptr, "etag:", 5) == 0) {
        const char *v = ptr + 5;
        size_t vlen = n - 5;
        while (vlen && (*v == ' ' || *v == '\t')) {
            v++;
            vlen--;
        }
        while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
            vlen--;
        free(e->etag);
        e->etag = etlc__strndup(v, vlen);
        if (!e->etag)
            e->oom = true;
    }
    return n;
}

static int build_url(etlc__s3_client *c, const s3_request *rq, etlc__buf *url)
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

static int header_add(struct curl_slist **list, const char *fmt, const char *value)
{
    etlc__buf h = {0};
    if (etlc__buf_printf(&h, fmt, value) != 0)
        return -1;
    struct curl_slist *n = curl_slist_append(*list, h.data);
    /* The token header is secret material: wipe our copy. */
    memset(h.data, 0, h.len);
    etlc__buf_free(&h);
    if (!n)
        return -1;
    *list = n;
    return 0;
}

/* Where the message says the request went: s3://bucket/key. */
static void describe_target(etlc__s3_client *c, const s3_request *rq, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s s3://%s/%s at %s", rq->what, c->bucket, rq->key ? rq->key : "",
             c->endpoint);
}

static bool is_timeout_code(const char *code)
{
    return code && (strcmp(code, "RequestTimeout") == 0 || strcmp(code, "RequestTimeTooSkewed") == 0);
}

/* Turn a non-2xx reply into an etlc error. */
static int map_http_error(etlc__s3_client *c, const s3_request *rq, long status,
                          const etlc__buf *body, etlc_error *err)
{
    char target[512];
    describe_target(c, rq, target, sizeof target);
    char *code = body->len ? etlc__s3_xml_text(body->data, body->len, "Code") : NULL;
    char *message = body->len ? etlc__s3_xml_text(body->data, body->len, "Message") : NULL;
    int ecode;
    bool retryable = false;
    const char *hint = "";
    if (status == 401 || status == 403) {
        ecode = ETLC_AUTH_DENIED;
        hint = " (check the access key, secret and the bucket policy)";
    } else if (status == 404) {
        ecode = ETLC_IO_NOT_FOUND;
        if ((code && strcmp(code, "NoSuchBucket") == 0) || !rq->key)
            hint = " (the bucket does not exist)";
    } else if (status == 301 || status == 307 || status == 308) {
        ecode = ETLC_CONNECT;
        hint = " (the bucket lives at another endpoint or region)";
    } else if (status == 409) {
        ecode = ETLC_BUSY;
    } else if (status == 429 || status == 503) {
        ecode = ETLC_BUSY;
        retryable = true;
    } else if (status == 504 || (status == 400 && is_timeout_code(code))) {
        ecode = ETLC_TIMEOUT;
        retryable = true;
    } else if (status >= 500) {
        ecode = ETLC_IO;
        retryable = true;
    } else if (status == 400 && code && strcmp(code, "AuthorizationHeaderMalformed") == 0) {
        ecode = ETLC_AUTH;
        hint = " (is the region right?)";
    } else {
        ecode = ETLC_PROTOCOL;
    }
    etlc_error_set(err, ecode, "%s: HTTP %ld%s%s%s%s%s", target, status, code ? " " : "",
                   code ? code : "", message ? ": " : "", message ? message : "", hint);
    free(code);
    free(message);
    if (err) {
        err->native_code = status;
        err->retryable = retryable;
    }
    return ecode;
}

static int map_curl_error(etlc__s3_client *c, const s3_request *rq, CURLcode cc,
                          const char *detail, etlc_error *err)
{
    char target[512];
    describe_target(c, rq, target, sizeof target);
    int ecode;
    bool retryable = false;
    switch (cc) {
    case CURLE_COULDNT_CONNECT: ecode = ETLC_CONNECT_REFUSED; break;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: ecode = ETLC_CONNECT_NOT_FOUND; break;
    case CURLE_OPERATION_TIMEDOUT: {
        curl_off_t connected = 0;
        curl_easy_getinfo(c->curl, CURLINFO_CONNECT_TIME_T, &connected);
        ecode = connected ? ETLC_TIMEOUT : ETLC_CONNECT_TIMEOUT;
        retryable = true;
        break;
    }
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
        ecode = ETLC_IO;
        retryable = true;
        break;
    case CURLE_OUT_OF_MEMORY: ecode = ETLC_NO_MEMORY; break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE: ecode = ETLC_CONNECT; break;
    default: ecode = ETLC_PROTOCOL; break;
    }
    etlc_error_set(err, ecode, "%s: %s%s%s", target, curl_easy_strerror(cc),
                   (detail && *detail) ? ": " : "", detail ? detail : "");
    if (err) {
        err->native_code = (long)cc;
        err->retryable = retryable;
    }
    return ecode;
}

static int perform_once(etlc__s3_client *c, const s3_request *rq, long *status, etlc_error *err)
{
    CURL *h = c->curl;
    curl_easy_reset(h);
    etlc__buf url = {0};
    struct curl_slist *headers = NULL;
    char body_sha[65];
    etlc__sha256_hex(rq->body ? rq->body : "", rq->body ? rq->body_len : 0, body_sha);
    bool sends_body = strcmp(rq->method, "PUT") == 0 || strcmp(rq->method, "POST") == 0;
    etlc__buf scratch = {0};
    etlc__buf *response = rq->response ? rq->response : &scratch;
    size_t response_start = response->len;
    sink_ctx sink = {response, rq->unbounded, false};
    etag_ctx etag = {NULL, false};

    int rc = 0;
    if (!body_sha[0] /* OpenSSL out of memory */ || build_url(c, rq, &url) != 0 ||
        header_add(&headers, "x-amz-content-sha256: %s", body_sha) != 0 ||
        (sends_body && header_add(&headers, "Content-Type: %s",
                                  rq->content_type ? rq->content_type
                                                   : "application/octet-stream") != 0) ||
        (c->session_token &&
         header_add(&headers, "x-amz-security-token: %s", c->session_token) != 0)) {
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building S3 request");
        goto done;
    }
    for (size_t i = 0; i < rq->nheaders; i++) {
        if (header_add(&headers, "%s", rq->headers[i]) != 0) {
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building S3 request");
            goto done;
        }
    }

    /* String options are copied by curl and can fail for lack of memory. */
    CURLcode sc = CURLE_OK;
#define SET(opt, val)                                                                        \
    do {                                                                                     \
        if (sc == CURLE_OK)                                                                  \
            sc = curl_easy_setopt(h, opt, val);                                              \
    } while (0)
    SET(CURLOPT_URL, url.data);
    SET(CURLOPT_PATH_AS_IS, 1L);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_AWS_SIGV4, c->sigv4);
    SET(CURLOPT_USERNAME, c->access_key_id);
    SET(CURLOPT_PASSWORD, c->secret_access_key);
    SET(CURLOPT_HTTPHEADER, headers);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, &sink);
    SET(CURLOPT_TIMEOUT_MS, c->timeout_ms);
    SET(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    SET(CURLOPT_USERAGENT, "etlconn/0.1");
    if (rq->etag_out) {
        SET(CURLOPT_HEADERFUNCTION, on_header);
        SET(CURLOPT_HEADERDATA, &etag);
    }
    if (strcmp(rq->method, "HEAD") == 0) {
        SET(CURLOPT_NOBODY, 1L);
    } else if (sends_body) {
        /* POSTFIELDS sends from our memory without copying; the method is
         * overridden for PUT. An empty body still sends Content-Length: 0. */
        SET(CURLOPT_POSTFIELDS, rq->body ? (const char *)rq->body : "");
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(rq->body ? rq->body_len : 0));
        if (strcmp(rq->method, "PUT") == 0)
            SET(CURLOPT_CUSTOMREQUEST, "PUT");
    } else if (strcmp(rq->method, "GET") != 0) {
        SET(CURLOPT_CUSTOMREQUEST, rq->method);
    }

#undef SET
    if (sc != CURLE_OK) {
        rc = etlc_error_set(err, sc == CURLE_OUT_OF_MEMORY ? ETLC_NO_MEMORY : ETLC_INTERNAL,
                            "setting up S3 request: %s", curl_easy_strerror(sc));
        goto done;
    }

    char curl_detail[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_detail);
    CURLcode cc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    if (sink.oom || etag.oom) {
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading S3 response");
        goto done;
    }
    if (cc != CURLE_OK) {
        rc = map_curl_error(c, rq, cc, curl_detail, err);
        goto done;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    if (*status < 200 || *status > 299) {
        etlc__buf errbody = {0};
        if (response->len > response_start &&
            etlc__buf_append(&errbody, response->data + response_start,
                             response->len - response_start) != 0) {
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading S3 error");
        } else {
            rc = map_http_error(c, rq, *status, &errbody, err);
        }
        etlc__buf_free(&errbody);
        response->len = response_start; /* the caller sees no error body */
        if (response->data)
            response->data[response->len] = '\0';
    } else if (rq->etag_out) {
        if (!etag.etag) {
            rc = etlc_error_set(err, ETLC_PROTOCOL, "%s s3://%s/%s: reply has no ETag", rq->what,
                                c->bucket, rq->key ? rq->key : "");
        } else {
            *rq->etag_out = etag.etag;
            etag.etag = NULL;
        }
    }

done:
    free(etag.etag);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    for (struct curl_slist *p = headers; p; p = p->next)
        memset(p->data, 0, strlen(p->data));
    curl_slist_free_all(headers);
    etlc__buf_free(&url);
    etlc__buf_free(&scratch);
    return rc;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Perform with retries; a 2xx reply is 0. */
static int perform(etlc__s3_client *c, const s3_request *rq, long *status, etlc_error *err)
{
    long st = 0;
    size_t response_start = rq->response ? rq->response->len : 0;
    for (int attempt = 0;; attempt++) {
        if (attempt > 0)
            sleep_ms(etlc__s3_backoff_ms((unsigned)attempt));
        if (rq->response) {
            rq->response->len = response_start;
            if (rq->response->data)
                rq->response->data[response_start] = '\0';
        }
        etlc_error local;
        etlc_error_clear(&local);
        st = 0;
        int rc = perform_once(c, rq, &st, &local);
        if (status)
            *status = st;
        if (rc == 0)
            return 0;
        if (!local.retryable || attempt >= c->max_retries) {
            if (attempt > 0)
                etlc_error_prefix(&local, "after %d attempts", attempt + 1);
            if (err)
                *err = local;
            return rc;
        }
    }
}

/* ---- operations ----------------------------------------------------------- */

int etlc__s3_head_bucket(etlc__s3_client *c, etlc_error *err)
{
    s3_request rq = {.method = "HEAD", .what = "HEAD bucket"};
    return perform(c, &rq, NULL, err);
}

int etlc__s3_put_object(etlc__s3_client *c, const char *key, const void *data, size_t len,
                        const char *content_type, etlc_error *err)
{
    s3_request rq = {.method = "PUT", .what = "PUT object", .key = key, .body = data,
                     .body_len = len, .content_type = content_type};
    return perform(c, &rq, NULL, err);
}

int etlc__s3_get_object(etlc__s3_client *c, const char *key, etlc__buf *body, etlc_error *err)
{
    s3_request rq = {.method = "GET", .what = "GET object", .key = key, .response = body,
                     .unbounded = true};
    return perform(c, &rq, NULL, err);
}

int etlc__s3_head_object(etlc__s3_client *c, const char *key, uint64_t *size, etlc_error *err)
{
    s3_request rq = {.method = "HEAD", .what = "HEAD object", .key = key};
    int rc = perform(c, &rq, NULL, err);
    if (rc == 0 && size) {
        curl_off_t len = -1;
        curl_easy_getinfo(c->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
        *size = len < 0 ? 0 : (uint64_t)len;
    }
    return rc;
}

int etlc__s3_delete_object(etlc__s3_client *c, const char *key, etlc_error *err)
{
    s3_request rq = {.method = "DELETE", .what = "DELETE object", .key = key};
    return perform(c, &rq, NULL, err);
}

int etlc__s3_multipart_create(etlc__s3_client *c, const char *key, const char *content_type,
                              char **upload_id, etlc_error *err)
{
    *upload_id = NULL;
    etlc__s3_param params[] = {{"uploads", ""}};
    etlc__buf body = {0};
    s3_request rq = {.method = "POST", .what = "create multipart upload", .key = key,
                     .params = params, .nparams = 1, .content_type = content_type,
                     .response = &body};
    int rc = perform(c, &rq, NULL, err);
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
    s3_request rq = {.method = "PUT", .what = "upload part", .key = key, .params = params,
                     .nparams = 2, .body = data, .body_len = len, .etag_out = etag};
    int rc = perform(c, &rq, NULL, err);
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
    s3_request rq = {.method = "POST", .what = "complete multipart upload", .key = key,
                     .params = params, .nparams = 1, .body = xml.data, .body_len = xml.len,
                     .content_type = "application/xml", .response = &reply};
    int rc = perform(c, &rq, NULL, err);
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
    s3_request rq = {.method = "DELETE", .what = "abort multipart upload", .key = key,
                     .params = params, .nparams = 1};
    return perform(c, &rq, NULL, err);
}

int etlc__s3_multipart_count(etlc__s3_client *c, const char *key_prefix, unsigned *count,
                             etlc_error *err)
{
    *count = 0;
    etlc__buf reply = {0};
    etlc__s3_param params[] = {{"uploads", ""}, {"prefix", key_prefix ? key_prefix : ""}};
    s3_request rq = {.method = "GET", .what = "list multipart uploads", .params = params,
                     .nparams = 2, .response = &reply, .unbounded = true};
    int rc = perform(c, &rq, NULL, err);
    if (rc == 0)
        *count = (unsigned)etlc__s3_xml_count(reply.data ? reply.data : "", reply.len, "Upload");
    etlc__buf_free(&reply);
    return rc;
}

int etlc__s3_call_perform(etlc__s3_client *c, etlc__s3_call *call, etlc_error *err)
{
    s3_request rq = {.method = call->method, .what = call->what, .key = call->key,
                     .params = call->params, .nparams = call->nparams, .body = call->body,
                     .body_len = call->body_len, .content_type = call->content_type,
                     .response = call->response, .unbounded = call->unbounded,
                     .etag_out = call->etag_out, .headers = call->headers,
                     .nheaders = call->nheaders};
    call->status = 0;
    return perform(c, &rq, &call->status, err);
}
