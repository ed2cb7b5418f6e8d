/* One request: an attempt on the session's handle, and the retry loop
 * around it (only for replayable requests and retryable failures). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net/http_internal.h"

#define ERROR_BODY_MAX (64u * 1024u)

/* What one attempt collects. */
typedef struct xfer {
    const etlc__http_request *rq;
    etlc__http_response *resp;
    CURL *h;
    int status_class;        /* 0 unknown, 2 = 2xx body (or not HTTP), 1 = anything else */
    etlc__buf errbody;       /* non-2xx body, bounded */
    bool delivered;          /* bytes went to rq->on_body */
    bool oom, too_big;
    int consumer_rc;
    etlc_error consumer_err;
} xfer;

static size_t on_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
    xfer *x = ud;
    size_t n = size * nmemb;
    if (!x->status_class) {
        long st = 0;
        curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &st);
        x->status_class = (st >= 200 && st <= 299) ? 2 : 1;
    }
    if (x->status_class == 1) { /* an error body: keep the start for the message */
        size_t room = x->errbody.len < ERROR_BODY_MAX ? ERROR_BODY_MAX - x->errbody.len : 0;
        size_t take = n < room ? n : room;
        if (take && etlc__buf_append(&x->errbody, ptr, take) != 0) {
            x->oom = true;
            return 0;
        }
        return n;
    }
    const etlc__http_request *rq = x->rq;
    if (rq->on_body) {
        x->delivered = true;
        x->consumer_rc = rq->on_body(rq->body_consumer_ud, ptr, n, &x->consumer_err);
        return x->consumer_rc ? 0 : n;
    }
    if (rq->body_limit && x->resp->body.len + n > rq->body_limit) {
        x->too_big = true;
        return 0;
    }
    if (etlc__buf_append(&x->resp->body, ptr, n) != 0) {
        x->oom = true;
        return 0;
    }
    return n;
}

/* Keep the final reply's header lines as "Name: value\0". */
static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
    xfer *x = ud;
    size_t n = size * nmemb, len = n;
    if (n >= 5 && strncmp(ptr, "HTTP/", 5) == 0) { /* a new reply (redirect, 100-continue) */
        etlc__buf_reset(&x->resp->headers);
        return n;
    }
    while (len && (ptr[len - 1] == '\r' || ptr[len - 1] == '\n'))
        len--;
    if (!len || !memchr(ptr, ':', len))
        return n;
    if (etlc__buf_append(&x->resp->headers, ptr, len) != 0 ||
        etlc__buf_putc(&x->resp->headers, '\0') != 0) {
        x->oom = true;
        return 0;
    }
    return n;
}

static size_t on_read(char *buf, size_t size, size_t nitems, void *ud)
{
    const etlc__http_request *rq = ud;
    size_t got = rq->body_read(rq->body_ud, buf, size * nitems);
    return got == (size_t)-1 ? CURL_READFUNC_ABORT : got;
}

const char *etlc__http_response_header(const etlc__http_response *resp, const char *name)
{
    size_t nlen = strlen(name);
    for (size_t i = 0; resp && i < resp->headers.len;) {
        const char *line = resp->headers.data + i;
        size_t llen = strlen(line);
        if (llen > nlen && line[nlen] == ':' && strncasecmp(line, name, nlen) == 0) {
            const char *v = line + nlen + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            return v;
        }
        i += llen + 1;
    }
    return NULL;
}

void etlc__http_response_free(etlc__http_response *resp)
{
    if (!resp)
        return;
    etlc__buf_free(&resp->body);
    etlc__buf_free(&resp->headers);
    memset(resp, 0, sizeof *resp);
}

/* Method and body options; `headers` is the caller's list (may grow). */
static CURLcode set_method(CURL *h, const etlc__http_request *rq)
{
    CURLcode sc = CURLE_OK;
#define SET(opt, val)                                                                        \
    do {                                                                                     \
        if (sc == CURLE_OK)                                                                  \
            sc = curl_easy_setopt(h, opt, val);                                              \
    } while (0)
    bool body = rq->send_body || rq->body || rq->body_read;
    const char *m = rq->method ? rq->method : body ? "POST" : "GET";
    if (strcmp(m, "HEAD") == 0) {
        SET(CURLOPT_NOBODY, 1L);
    } else if (rq->body_read) {
        curl_off_t len = (curl_off_t)rq->body_read_len;
        SET(CURLOPT_READFUNCTION, on_read);
        SET(CURLOPT_READDATA, (void *)rq);
        if (strcmp(m, "PUT") == 0) {
            SET(CURLOPT_UPLOAD, 1L);
            SET(CURLOPT_INFILESIZE_LARGE, len);
        } else {
            SET(CURLOPT_POST, 1L);
            SET(CURLOPT_POSTFIELDSIZE_LARGE, len);
            if (strcmp(m, "POST") != 0)
                SET(CURLOPT_CUSTOMREQUEST, m);
        }
    } else if (body) {
        /* POSTFIELDS sends from the caller's memory; an empty body still
         * sends Content-Length: 0. */
        SET(CURLOPT_POSTFIELDS, rq->body ? (const char *)rq->body : "");
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(rq->body ? rq->body_len : 0));
        if (strcmp(m, "POST") != 0)
            SET(CURLOPT_CUSTOMREQUEST, m);
    } else if (strcmp(m, "GET") != 0) {
        SET(CURLOPT_CUSTOMREQUEST, m);
    }
#undef SET
    return sc;
}

static int build_headers(const etlc__http_request *rq, struct curl_slist **list)
{
    for (size_t i = 0; i < rq->nheaders; i++) {
        etlc__buf line = {0};
        int rc = etlc__buf_printf(&line, "%s: %s", rq->headers[i].name,
                                  rq->headers[i].value ? rq->headers[i].value : "");
        struct curl_slist *n = rc ? NULL : curl_slist_append(*list, line.data);
        if (line.data)
            memset(line.data, 0, line.len); /* header values may be secrets */
        etlc__buf_free(&line);
        if (!n)
            return -1;
        *list = n;
    }
    return 0;
}

static void free_headers(struct curl_slist *list)
{
    for (struct curl_slist *p = list; p; p = p->next)
        memset(p->data, 0, strlen(p->data));
    curl_slist_free_all(list);
}

/* Everything on the handle for one attempt. */
static int prepare(etlc__http_session *s, const etlc__http_request *rq, xfer *x,
                   struct curl_slist **headers, char *detail, etlc_error *err)
{
    CURL *h = s->curl;
    curl_easy_reset(h); /* keeps the connection cache */
    if (build_headers(rq, headers) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building an HTTP request");
    CURLcode sc = etlc__http_apply_settings(s);
    if (sc == CURLE_OK)
        sc = curl_easy_setopt(h, CURLOPT_URL, rq->url);
    if (sc == CURLE_OK)
        sc = curl_easy_setopt(h, CURLOPT_HTTPHEADER, *headers);
    if (sc == CURLE_OK)
        sc = set_method(h, rq);
    if (sc == CURLE_OK)
        sc = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    if (sc == CURLE_OK)
        sc = curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    if (sc == CURLE_OK)
        sc = curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    if (sc == CURLE_OK)
        sc = curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    if (sc == CURLE_OK)
        sc = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, detail);
    if (sc == CURLE_OK)
        sc = etlc__http_log_attach(h);
    if (sc != CURLE_OK)
        return etlc_error_set(err, sc == CURLE_OUT_OF_MEMORY ? ETLC_NO_MEMORY : ETLC_INVALID_ARGUMENT,
                              "setting up an HTTP request: %s", curl_easy_strerror(sc));
    return rq->setup ? rq->setup(rq->hook_ud, h, err) : 0;
}

/* The outcome of a finished transfer. */
static int conclude(etlc__http_session *s, const etlc__http_request *rq, xfer *x, CURLcode cc,
                    const char *what, const char *detail, etlc_error *err)
{
    etlc__http_response *resp = x->resp;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &resp->status);
    curl_easy_getinfo(s->curl, CURLINFO_NUM_CONNECTS, &resp->num_connects);
    curl_off_t cl = -1;
    curl_easy_getinfo(s->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
    resp->content_length = cl;
    if (x->consumer_rc) {
        if (err)
            *err = x->consumer_err;
        return x->consumer_rc;
    }
    if (x->oom)
        return etlc_error_set(err, ETLC_NO_MEMORY, "%s: out of memory reading the reply", what);
    if (x->too_big)
        return etlc_error_set(err, ETLC_IO, "%s: reply larger than %zu bytes", what, rq->body_limit);
    if (cc != CURLE_OK) {
        curl_off_t connect_us = 0;
        curl_easy_getinfo(s->curl, CURLINFO_CONNECT_TIME_T, &connect_us);
        return etlc__http_curl_error(cc, connect_us > 0, what, detail, err);
    }
    if (s->set.protocols || (resp->status >= 200 && resp->status <= 299))
        return 0; /* without HTTP, CURLE_OK is success */
    const char *b = x->errbody.data ? x->errbody.data : "";
    if (rq->map_status)
        return rq->map_status(rq->hook_ud, resp, b, x->errbody.len, err);
    return etlc__http_status_error(resp->status, what, b, x->errbody.len, err);
}

static int perform_once(etlc__http_session *s, const etlc__http_request *rq, const char *what,
                        etlc__http_response *resp, bool *delivered, etlc_error *err)
{
    /* A non-HTTP scheme (FTP): every body byte is the reply's content. */
    xfer x = {.rq = rq, .resp = resp, .h = s->curl, .status_class = s->set.protocols ? 2 : 0};
    struct curl_slist *headers = NULL;
    char detail[CURL_ERROR_SIZE] = "";
    etlc__buf_reset(&resp->body);
    etlc__buf_reset(&resp->headers);
    resp->status = 0;
    int rc = prepare(s, rq, &x, &headers, detail, err);
    if (rc == 0) {
        CURLcode cc = curl_easy_perform(s->curl);
        rc = conclude(s, rq, &x, cc, what, detail, err);
    }
    curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, NULL);
    free_headers(headers);
    etlc__buf_free(&x.errbody);
    *delivered = x.delivered;
    return rc;
}

/* How long to wait before the next attempt; -1 = do not retry. */
static long retry_delay(const etlc__http_settings *t, const etlc__http_response *resp,
                        unsigned attempt, etlc_error *err)
{
    long delay = etlc__backoff_ms(t->retry_base_ms, t->retry_cap_ms, attempt);
    const char *ra = resp->status && !t->protocols ? etlc__http_response_header(resp, "Retry-After") : NULL;
    long asked;
    if (ra && etlc__retry_after_ms(ra, (int64_t)time(NULL), &asked) == 0) {
        if (asked > t->retry_after_max_ms) {
            etlc_error_prefix(err, "server asked to retry after %ld s, more than retry_after_max "
                                   "(%ld ms); not retried", asked / 1000, t->retry_after_max_ms);
            return -1;
        }
        delay = asked;
    }
    return delay;
}

/* Get the request and its consumer ready to replay; 0 or an etlc code. */
static int rewind_for_retry(const etlc__http_request *rq, bool delivered, etlc_error *err)
{
    if (rq->body_read && rq->body_rewind(rq->body_ud) != 0)
        return etlc_error_set(err, ETLC_IO, "cannot rewind the request body for a retry");
    if (delivered && rq->on_restart)
        return rq->on_restart(rq->body_consumer_ud, err);
    return 0;
}

int etlc__http_perform(etlc__http_session *s, const etlc__http_request *rq,
                       etlc__http_response *resp, etlc_error *err)
{
    if (!s || !rq || !rq->url || !resp)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "HTTP request needs a session, URL and response");
    char what[600]; /* redacted whole, then cut: a long URL may carry a token */
    if (rq->what)
        etlc__format_redacted_into(what, sizeof what, "%s", rq->what);
    else
        etlc__format_redacted_into(what, sizeof what, "%s %s", rq->method ? rq->method : "GET", rq->url);
    const etlc__http_settings *t = &s->set;
    bool replayable = !rq->no_retry && (!rq->body_read || rq->body_rewind);
    for (unsigned attempt = 1;; attempt++) {
        etlc_error local = {0};
        bool delivered = false;
        resp->attempts = attempt;
        int rc = perform_once(s, rq, what, resp, &delivered, &local);
        etlc__http_log_result(s->curl, what, attempt, resp->status, rc);
        if (rc == 0)
            return 0;
        long delay = -1;
        if (local.retryable && replayable && attempt <= (unsigned)t->retry_max &&
            (!delivered || rq->on_restart))
            delay = retry_delay(t, resp, attempt, &local);
        if (delay >= 0 && rewind_for_retry(rq, delivered, &local) != 0)
            delay = -1;
        if (delay < 0) {
            if (attempt > 1)
                etlc_error_prefix(&local, "after %u attempts", attempt);
            if (err)
                *err = local;
            return local.code ? local.code : rc;
        }
        etlc_log(ETLC_LOG_INFO, "http", "retrying in %ld ms (attempt %u of %d): %s", delay,
                 attempt + 1, t->retry_max + 1, local.message);
        etlc__sleep_ms(delay);
    }
}
