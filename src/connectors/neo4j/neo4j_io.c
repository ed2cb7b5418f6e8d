/* The Bolt transport: a TCP socket (optionally TLS through OpenSSL) with
 * timeouts, and Bolt's chunked message framing (2-byte big-endian chunk
 * sizes, a 0 size ends a message). A message larger than max_message is
 * refused before its buffer grows past it. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "neo4j_internal.h"

static int broken(n4j_conn *c, int code, etlc_error *err, const char *fmt, const char *arg)
{
    c->broken = true;
    etlc_error_set(err, code, fmt, c->where, arg);
    err->retryable = code != ETLC_PROTOCOL;
    return code;
}

static int wait_fd(int fd, short events, int64_t timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};
    int r;
    do
        r = poll(&p, 1, timeout_ms > 0 ? (int)(timeout_ms > INT32_MAX ? INT32_MAX : timeout_ms) : -1);
    while (r < 0 && errno == EINTR);
    return r; /* 0 timeout, <0 error */
}

static int try_connect(const struct addrinfo *ai, int64_t timeout_ms, int *out)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return errno;
    int fl = fcntl(fd, F_GETFL, 0);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    int e = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        e = errno;
        if (e == EINPROGRESS) {
            int r = wait_fd(fd, POLLOUT, timeout_ms);
            socklen_t sl = sizeof e;
            if (r == 0)
                e = ETIMEDOUT;
            else if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0)
                e = errno;
        }
    }
    if (e != 0) {
        close(fd);
        return e;
    }
    fcntl(fd, F_SETFL, fl);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *out = fd;
    return 0;
}

static int tls_fail(n4j_conn *c, etlc_error *err, const char *what)
{
    char detail[256] = "";
    unsigned long e = ERR_get_error();
    if (e)
        ERR_error_string_n(e, detail, sizeof detail);
    ERR_clear_error();
    c->broken = true;
    return etlc_error_set(err, ETLC_CONNECT, "neo4j: TLS with %s failed: %s%s%s", c->where, what,
                          *detail ? ": " : "", detail);
}

static int tls_start(n4j_conn *c, const n4j_tls *tls, etlc_error *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx)
        return tls_fail(c, err, "cannot create a TLS context");
    c->ssl_ctx = ctx;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (tls->verify) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        int ok = tls->ca_file ? SSL_CTX_load_verify_locations(ctx, tls->ca_file, NULL)
                              : SSL_CTX_set_default_verify_paths(ctx);
        if (ok != 1)
            return tls_fail(c, err, "cannot load the CA certificates");
    }
    SSL *ssl = SSL_new(ctx);
    if (!ssl)
        return tls_fail(c, err, "cannot create a TLS session");
    c->ssl = ssl;
    SSL_set_fd(ssl, c->fd);
    SSL_set_tlsext_host_name(ssl, tls->host);
    if (tls->verify) {
        X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (!X509_VERIFY_PARAM_set1_host(param, tls->host, 0) && !X509_VERIFY_PARAM_set1_ip_asc(param, tls->host))
            return tls_fail(c, err, "cannot set the name to verify");
    }
    if (SSL_connect(ssl) != 1) {
        long vr = SSL_get_verify_result(ssl);
        if (vr != X509_V_OK)
            return tls_fail(c, err, X509_verify_cert_error_string(vr));
        return tls_fail(c, err, "handshake failed");
    }
    return ETLC_OK;
}

int etlc__n4j_io_connect(n4j_conn *c, const char *host, int port, int64_t connect_timeout_ms,
                         const n4j_tls *tls, etlc_error *err)
{
    c->fd = -1;
    snprintf(c->where, sizeof c->where, "%s:%d", host, port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    int gr = getaddrinfo(host, ps, &hints, &res);
    if (gr != 0)
        return etlc_error_set(err, ETLC_CONNECT_NOT_FOUND, "neo4j: cannot resolve %s: %s", host, gai_strerror(gr));
    int e = ENOENT;
    for (struct addrinfo *ai = res; ai && c->fd < 0; ai = ai->ai_next)
        e = try_connect(ai, connect_timeout_ms, &c->fd);
    freeaddrinfo(res);
    if (c->fd < 0) {
        int code = e == ECONNREFUSED ? ETLC_CONNECT_REFUSED : e == ETIMEDOUT ? ETLC_CONNECT_TIMEOUT : ETLC_CONNECT;
        etlc_error_set(err, code, "neo4j: cannot connect to %s: %s", c->where, strerror(e));
        err->retryable = true;
        return code;
    }
    if (c->io_timeout_ms > 0) { /* a server that stops reading must not block a send forever */
        struct timeval tv = {.tv_sec = c->io_timeout_ms / 1000, .tv_usec = (c->io_timeout_ms % 1000) * 1000};
        setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    }
    if (tls && tls->on)
        return tls_start(c, tls, err);
    return ETLC_OK;
}

void etlc__n4j_io_close(n4j_conn *c)
{
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    if (c->ssl_ctx)
        SSL_CTX_free(c->ssl_ctx);
    c->ssl = c->ssl_ctx = NULL;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    etlc__buf_free(&c->out);
    etlc__buf_free(&c->frame);
    free(c->in);
    c->in = NULL;
    c->in_len = c->in_cap = 0;
    etlc__n4j_msg_free(&c->msg);
}

int etlc__n4j_io_write(n4j_conn *c, const void *data, size_t len, etlc_error *err)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t n;
        if (c->ssl) {
            int w = SSL_write(c->ssl, p, len > INT32_MAX ? INT32_MAX : (int)len);
            n = w > 0 ? w : -1;
            if (w <= 0 && SSL_get_error(c->ssl, w) != SSL_ERROR_SYSCALL)
                errno = EPIPE;
        } else {
            n = send(c->fd, p, len, MSG_NOSIGNAL);
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return broken(c, ETLC_TIMEOUT, err, "neo4j: %s took nothing we sent within the read timeout%s", "");
        if (n <= 0)
            return broken(c, ETLC_IO, err, "neo4j: cannot send to %s: %s", strerror(errno));
        p += n;
        len -= (size_t)n;
    }
    return ETLC_OK;
}

/* Refill the read buffer: at least one byte, or an error. */
static int fill(n4j_conn *c, etlc_error *err)
{
    for (;;) {
        if (!(c->ssl && SSL_pending(c->ssl) > 0)) {
            int r = wait_fd(c->fd, POLLIN, c->io_timeout_ms);
            if (r == 0)
                return broken(c, ETLC_TIMEOUT, err, "neo4j: %s sent nothing within the read timeout%s", "");
        }
        ssize_t n;
        if (c->ssl) {
            int rr = SSL_read(c->ssl, c->rbuf, (int)sizeof c->rbuf);
            n = rr;
            if (rr <= 0) {
                int se = SSL_get_error(c->ssl, rr);
                if (se == SSL_ERROR_WANT_READ)
                    continue;
                n = se == SSL_ERROR_ZERO_RETURN ? 0 : -1;
            }
        } else {
            n = recv(c->fd, c->rbuf, sizeof c->rbuf, 0);
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            return broken(c, ETLC_IO, err, "neo4j: %s closed the connection%s", " (server stopped or connection cut)");
        if (n < 0)
            return broken(c, ETLC_IO, err, "neo4j: cannot read from %s: %s", strerror(errno));
        c->rpos = 0;
        c->rlen = (size_t)n;
        return ETLC_OK;
    }
}

int etlc__n4j_io_read(n4j_conn *c, void *data, size_t len, etlc_error *err)
{
    uint8_t *p = data;
    while (len > 0) {
        if (c->rpos == c->rlen) {
            int rc = fill(c, err);
            if (rc != ETLC_OK)
                return rc;
        }
        size_t n = c->rlen - c->rpos < len ? c->rlen - c->rpos : len;
        memcpy(p, c->rbuf + c->rpos, n);
        c->rpos += n;
        p += n;
        len -= n;
    }
    return ETLC_OK;
}

int etlc__n4j_send(n4j_conn *c, etlc_error *err)
{
    /* Chunks of at most 65535 bytes, then the 0x0000 end marker, framed in
     * one buffer so a message leaves in one write (no small-packet delays). */
    const uint8_t *p = (const uint8_t *)c->out.data;
    size_t left = c->out.len;
    etlc__buf_reset(&c->frame);
    if (etlc__buf_reserve(&c->frame, left + 2 * (left / 65535 + 2)) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "neo4j: out of memory sending a message");
    while (left > 0) {
        size_t n = left > 65535 ? 65535 : left;
        uint8_t hdr[2] = {(uint8_t)(n >> 8), (uint8_t)n};
        etlc__buf_append(&c->frame, hdr, 2);
        etlc__buf_append(&c->frame, p, n);
        p += n;
        left -= n;
    }
    static const uint8_t end[2] = {0, 0};
    etlc__buf_append(&c->frame, end, 2);
    int rc = etlc__n4j_io_write(c, c->frame.data, c->frame.len, err);
    /* The frame may hold the password (HELLO, LOGON): wipe it. */
    memset(c->frame.data, 0, c->frame.len);
    if (rc == ETLC_OK)
        c->pending++;
    return rc;
}

int etlc__n4j_recv(n4j_conn *c, uint8_t *sig, etlc_error *err)
{
    c->in_len = 0;
    for (;;) {
        uint8_t hdr[2];
        int rc = etlc__n4j_io_read(c, hdr, 2, err);
        if (rc != ETLC_OK)
            return rc;
        size_t n = (size_t)hdr[0] << 8 | hdr[1];
        if (n == 0) {
            if (c->in_len == 0)
                continue; /* a NOOP chunk (keep-alive) between messages */
            break;
        }
        if (n > c->max_message - c->in_len)
            return broken(c, ETLC_PROTOCOL, err, "neo4j: a message from %s is larger than max_message_size%s", "");
        if (c->in_len + n > c->in_cap) {
            size_t cap = c->in_cap ? c->in_cap : 65536;
            while (cap < c->in_len + n)
                cap *= 2;
            uint8_t *in = realloc(c->in, cap);
            if (!in)
                return etlc_error_set(err, ETLC_NO_MEMORY, "neo4j: out of memory reading a message");
            c->in = in;
            c->in_cap = cap;
        }
        if ((rc = etlc__n4j_io_read(c, c->in + c->in_len, n, err)) != ETLC_OK)
            return rc;
        c->in_len += n;
    }
    int rc = etlc__n4j_decode(&c->msg, c->in, c->in_len, err);
    if (rc != ETLC_OK) {
        c->broken = rc == ETLC_PROTOCOL || c->broken;
        return rc;
    }
    if (c->msg.vals[0].kind != N4J_STRUCT) {
        c->broken = true;
        return etlc_error_set(err, ETLC_PROTOCOL, "neo4j: %s sent a message that is not a structure", c->where);
    }
    *sig = c->msg.vals[0].tag;
    if ((*sig == N4J_MSG_SUCCESS || *sig == N4J_MSG_FAILURE || *sig == N4J_MSG_IGNORED) && c->pending > 0)
        c->pending--;
    return ETLC_OK;
}
