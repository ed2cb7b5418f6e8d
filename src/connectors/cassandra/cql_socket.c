/* The connection's byte stream: TCP (connect with a timeout, then
 * blocking I/O bounded by request_timeout) optionally wrapped in TLS
 * (OpenSSL, peer and host name verified unless tls_verify is off). */
#include <arpa/inet.h>
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
#include <unistd.h>

#include "cql_internal.h"

static void set_timeouts(int fd, int64_t ms)
{
    struct timeval tv = {.tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Non-blocking connect bounded by timeout_ms; errno-like result. */
static int connect_one(const struct addrinfo *ai, int64_t timeout_ms, int *out)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0)
        return errno;
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    int e = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : errno;
    if (e == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int n = poll(&p, 1, (int)timeout_ms);
        socklen_t sl = sizeof e;
        e = n == 0 ? ETIMEDOUT : n < 0 ? errno : getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) ? errno : e;
    }
    if (e != 0) {
        close(fd);
        return e;
    }
    fcntl(fd, F_SETFL, fl);
    *out = fd;
    return 0;
}

/* "host[:port]" -> host and port (the configured one by default). */
static void split_host(const char *spec, int defport, char *host, size_t hostsz, char *port)
{
    const char *colon = strrchr(spec, ':');
    bool v6 = spec[0] == '[';
    if (v6) {
        const char *close = strchr(spec, ']');
        size_t n = close ? (size_t)(close - spec - 1) : strlen(spec + 1);
        snprintf(host, hostsz, "%.*s", (int)n, spec + 1);
        colon = close && close[1] == ':' ? close + 1 : NULL;
    } else if (colon && strchr(spec, ':') == colon) {
        snprintf(host, hostsz, "%.*s", (int)(colon - spec), spec);
    } else {
        snprintf(host, hostsz, "%s", spec);
        colon = NULL;
    }
    snprintf(port, 8, "%d", colon ? atoi(colon + 1) : defport);
}

static int tcp_connect(cql_conn *c, const cql_opts *o, etlc_error *err)
{
    int last = 0;
    bool resolved = false;
    for (size_t i = 0; i < o->nhosts && c->fd < 0; i++) {
        char port[8];
        split_host(o->hosts[i], o->port, c->host, sizeof c->host, port);
        struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
        if (getaddrinfo(c->host, port, &hints, &res) != 0)
            continue;
        resolved = true;
        for (struct addrinfo *ai = res; ai && c->fd < 0; ai = ai->ai_next)
            last = connect_one(ai, o->connect_timeout_ms, &c->fd);
        freeaddrinfo(res);
    }
    if (c->fd >= 0) {
        set_timeouts(c->fd, o->request_timeout_ms);
        return 0;
    }
    if (!resolved)
        return etlc_error_set(err, ETLC_CONNECT_NOT_FOUND, "cassandra: cannot resolve any of the %zu "
                              "host(s) (first: %s)", o->nhosts, o->nhosts ? o->hosts[0] : "none");
    int code = last == ECONNREFUSED ? ETLC_CONNECT_REFUSED : last == ETIMEDOUT ? ETLC_CONNECT_TIMEOUT : ETLC_CONNECT;
    char host[256] = "no host", port[8] = "";
    if (o->nhosts)
        split_host(o->hosts[0], o->port, host, sizeof host, port);
    const char *v6 = strchr(host, ':') ? "[" : "";
    etlc_error_set(err, code, "cassandra: cannot connect to %s%s%s:%s%s: %s", v6, host, *v6 ? "]" : "", port,
                   o->nhosts > 1 ? " (nor to the other hosts)" : "", strerror(last));
    if (err)
        err->retryable = true;
    return code;
}

static int tls_fail(etlc_error *err, const char *what)
{
    char buf[256];
    unsigned long e = ERR_get_error();
    ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    return etlc_error_set(err, ETLC_CONNECT, "cassandra: TLS %s failed: %s", what, e ? buf : "no detail");
}

static int tls_start(cql_conn *c, const cql_opts *o, etlc_error *err)
{
    if (!(c->ssl_ctx = SSL_CTX_new(TLS_client_method())))
        return tls_fail(err, "setup");
    SSL_CTX_set_min_proto_version(c->ssl_ctx, TLS1_2_VERSION);
    if (o->tls_verify) {
        SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER, NULL);
        if ((o->tls_ca_file ? SSL_CTX_load_verify_locations(c->ssl_ctx, o->tls_ca_file, NULL)
                            : SSL_CTX_set_default_verify_paths(c->ssl_ctx)) != 1)
            return tls_fail(err, "CA file");
    }
    if (o->tls_cert_file && (SSL_CTX_use_certificate_chain_file(c->ssl_ctx, o->tls_cert_file) != 1 ||
                             SSL_CTX_use_PrivateKey_file(c->ssl_ctx, o->tls_key_file ? o->tls_key_file
                                                         : o->tls_cert_file, SSL_FILETYPE_PEM) != 1))
        return tls_fail(err, "client certificate");
    if (!(c->ssl = SSL_new(c->ssl_ctx)) || SSL_set_fd(c->ssl, c->fd) != 1)
        return tls_fail(err, "setup");
    SSL_set_tlsext_host_name(c->ssl, c->host);
    if (o->tls_verify) {
        X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);
        X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        /* an address is checked against the certificate's IP names, a name against its DNS names */
        unsigned char addr[16];
        bool ip = inet_pton(AF_INET, c->host, addr) == 1 || inet_pton(AF_INET6, c->host, addr) == 1;
        if ((ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, c->host) : X509_VERIFY_PARAM_set1_host(vp, c->host, 0)) != 1)
            return tls_fail(err, "host name check");
    }
    if (SSL_connect(c->ssl) != 1)
        return tls_fail(err, "handshake");
    return 0;
}

int etlc__cql_socket_open(cql_conn *c, const cql_opts *o, etlc_error *err)
{
    c->fd = -1;
    int rc = tcp_connect(c, o, err);
    if (rc == 0 && o->tls)
        rc = tls_start(c, o, err);
    if (rc != 0)
        etlc__cql_socket_close(c);
    return rc;
}

static int io_fail(cql_conn *c, int e, const char *what, etlc_error *err)
{
    c->broken = true;
    bool timeout = e == EAGAIN || e == EWOULDBLOCK || e == ETIMEDOUT;
    int code = timeout ? ETLC_TIMEOUT : ETLC_IO;
    etlc_error_set(err, code, "cassandra: %s %s: %s", what, c->host,
                   timeout ? "timed out (request_timeout)" : e ? strerror(e) : "connection closed by the server");
    if (err)
        err->retryable = true;
    return code;
}

int etlc__cql_socket_write(cql_conn *c, const void *data, size_t len, etlc_error *err)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = c->ssl ? SSL_write(c->ssl, p, (int)(len > INT32_MAX ? INT32_MAX : len))
                           : send(c->fd, p, len, MSG_NOSIGNAL);
        if (n <= 0) {
            if (!c->ssl && n < 0 && errno == EINTR)
                continue;
            return io_fail(c, c->ssl ? EIO : errno, "sending to", err);
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int etlc__cql_socket_read(cql_conn *c, void *data, size_t len, etlc_error *err)
{
    char *p = data;
    while (len > 0) {
        ssize_t n = c->ssl ? SSL_read(c->ssl, p, (int)(len > INT32_MAX ? INT32_MAX : len))
                           : recv(c->fd, p, len, 0);
        if (n < 0 && !c->ssl && errno == EINTR)
            continue;
        if (n <= 0)
            return io_fail(c, n == 0 ? 0 : c->ssl ? (errno == EAGAIN ? EAGAIN : EIO) : errno,
                           "reading from", err);
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void etlc__cql_socket_close(cql_conn *c)
{
    if (c->ssl) {
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
    }
    if (c->ssl_ctx)
        SSL_CTX_free(c->ssl_ctx);
    if (c->fd >= 0)
        close(c->fd);
    c->ssl = NULL;
    c->ssl_ctx = NULL;
    c->fd = -1;
}
