/* The SSH session: TCP connect with a deadline, handshake, strict host key
 * check, authentication, the SFTP channel and the root resolved on the
 * server. Connection failures are retried with backoff (retry_max); a
 * refused host key or failed login never is. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/http.h"
#include "ssh_internal.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc;

static void init_libssh2(void)
{
    init_rc = libssh2_init(0);
}

/* One address: non-blocking connect, wait up to the timeout, then blocking. */
static int connect_addr(const struct addrinfo *ai, long timeout_ms, int *out)
{
    int s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (s < 0)
        return errno;
    int flags = fcntl(s, F_GETFL);
    fcntl(s, F_SETFL, flags | O_NONBLOCK);
    int e = 0;
    if (connect(s, ai->ai_addr, ai->ai_addrlen) != 0) {
        e = errno;
        if (e == EINPROGRESS) {
            struct pollfd p = {.fd = s, .events = POLLOUT};
            int n;
            do
                n = poll(&p, 1, timeout_ms > 0 ? (int)timeout_ms : -1);
            while (n < 0 && errno == EINTR);
            socklen_t len = sizeof e;
            if (n == 0)
                e = ETIMEDOUT;
            else if (n < 0 || getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
                e = errno;
        }
    }
    if (e != 0) {
        close(s);
        return e;
    }
    fcntl(s, F_SETFL, flags);
    /* SFTP sends many small requests (open, fstat, read requests, close)
     * back to back: without this, Nagle holds each behind the previous
     * one's ACK, which the server may delay. */
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    *out = s;
    return 0;
}

static int tcp_connect(ssh_ctx *ctx, etlc_error *err)
{
    char port[16];
    snprintf(port, sizeof port, "%d", ctx->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int gai = getaddrinfo(ctx->host, port, &hints, &res);
    if (gai != 0)
        return etlc_error_set(err, ETLC_CONNECT_NOT_FOUND, "ssh: cannot resolve host '%s': %s",
                              ctx->host, gai_strerror(gai));
    int e = ECONNREFUSED;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        if ((e = connect_addr(ai, ctx->connect_timeout_ms, &ctx->sock)) == 0) {
            ctx->has_sock = true;
            break;
        }
    freeaddrinfo(res);
    if (e == 0)
        return 0;
    int code = e == ETIMEDOUT ? ETLC_CONNECT_TIMEOUT : e == ECONNREFUSED ? ETLC_CONNECT_REFUSED
                                                                         : ETLC_CONNECT;
    etlc_error_set(err, code, "ssh: cannot connect to %s:%d: %s", ctx->host, ctx->port, strerror(e));
    if (err)
        err->retryable = true;
    return code;
}

void etlc__ssh_disconnect(ssh_ctx *ctx)
{
    if (ctx->sftp)
        libssh2_sftp_shutdown(ctx->sftp);
    if (ctx->session) {
        libssh2_session_disconnect(ctx->session, "etlconn done");
        libssh2_session_free(ctx->session);
    }
    if (ctx->has_sock)
        close(ctx->sock);
    ctx->sftp = NULL;
    ctx->session = NULL;
    ctx->has_sock = false;
    ctx->broken = false;
}

static bool lost_connection(int e)
{
    return e == LIBSSH2_ERROR_SOCKET_SEND || e == LIBSSH2_ERROR_SOCKET_RECV ||
           e == LIBSSH2_ERROR_SOCKET_DISCONNECT || e == LIBSSH2_ERROR_SOCKET_TIMEOUT ||
           e == LIBSSH2_ERROR_TIMEOUT || e == LIBSSH2_ERROR_CHANNEL_CLOSED ||
           e == LIBSSH2_ERROR_CHANNEL_EOF_SENT || e == LIBSSH2_ERROR_BAD_SOCKET;
}

bool etlc__ssh_lost(ssh_ctx *ctx)
{
    return !ctx->session || lost_connection(libssh2_session_last_errno(ctx->session));
}

static const char *sftp_status_text(unsigned long st)
{
    switch (st) {
    case LIBSSH2_FX_NO_SUCH_FILE: return "no such file";
    case LIBSSH2_FX_NO_SUCH_PATH: return "no such path";
    case LIBSSH2_FX_PERMISSION_DENIED: return "permission denied";
    case LIBSSH2_FX_FILE_ALREADY_EXISTS: return "file already exists";
    case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM: return "no space on the server's file system";
    case LIBSSH2_FX_FAILURE: return "failure (SSH_FX_FAILURE)";
    default: return "SFTP error";
    }
}

int etlc__ssh_fail(ssh_ctx *ctx, int code, etlc_error *err, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    char *msg = NULL;
    int e = ctx->session ? libssh2_session_last_error(ctx->session, &msg, NULL, 0) : 0;
    bool lost = lost_connection(e);
    if (e == LIBSSH2_ERROR_SFTP_PROTOCOL && ctx->sftp) {
        unsigned long st = libssh2_sftp_last_error(ctx->sftp);
        code = st == LIBSSH2_FX_NO_SUCH_FILE || st == LIBSSH2_FX_NO_SUCH_PATH ? ETLC_IO_NOT_FOUND
             : st == LIBSSH2_FX_PERMISSION_DENIED ? ETLC_IO_PERMISSION
             : st == LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM ? ETLC_IO_NO_SPACE : code;
        etlc_error_set(err, code, "ssh: %s: %s", what, sftp_status_text(st));
    } else if (e == LIBSSH2_ERROR_ALLOC) {
        code = ETLC_NO_MEMORY;
        etlc_error_set(err, code, "ssh: %s: out of memory", what);
    } else {
        if (lost)
            code = code == ETLC_CONNECT ? code : ETLC_IO;
        etlc_error_set(err, code, "ssh: %s: %s%s", what, msg && *msg ? msg : "unknown libssh2 error",
                       lost ? " (the connection was lost; the next call connects again)" : "");
    }
    if (err) {
        err->native_code = e;
        err->retryable = err->retryable || lost;
    }
    if (lost)
        ctx->broken = true;
    return code;
}

/* A root that cannot be resolved or stat'ed: CONNECT_NOT_FOUND when it is missing. */
static int root_unusable(ssh_ctx *ctx, const char *path, etlc_error *err)
{
    int rc = etlc__ssh_fail(ctx, ETLC_CONNECT, err, "root '%s' on %s:%d cannot be used", path,
                            ctx->host, ctx->port);
    if (rc == ETLC_IO_NOT_FOUND) {
        rc = ETLC_CONNECT_NOT_FOUND;
        if (err)
            err->code = rc;
    }
    free(ctx->root_abs);
    ctx->root_abs = NULL;
    return rc;
}

static int open_sftp(ssh_ctx *ctx, etlc_error *err)
{
    ctx->sftp = libssh2_sftp_init(ctx->session);
    if (!ctx->sftp)
        return etlc__ssh_fail(ctx, ETLC_CONNECT, err, "cannot start the SFTP subsystem on %s:%d",
                              ctx->host, ctx->port);
    if (ctx->root_abs)
        return 0;
    char buf[4096];
    int n = libssh2_sftp_realpath(ctx->sftp, ctx->root, buf, sizeof buf - 1);
    if (n < 0)
        return root_unusable(ctx, ctx->root, err);
    ctx->root_abs = etlc__strndup(buf, (size_t)n);
    if (!ctx->root_abs)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening ssh");
    /* OpenSSH resolves a path that does not exist all the same. */
    LIBSSH2_SFTP_ATTRIBUTES a;
    if (libssh2_sftp_stat(ctx->sftp, ctx->root_abs, &a) != 0)
        return root_unusable(ctx, ctx->root_abs, err);
    if ((a.flags & LIBSSH2_SFTP_ATTR_PERMISSIONS) && !LIBSSH2_SFTP_S_ISDIR(a.permissions)) {
        int rc = etlc_error_set(err, ETLC_CONNECT, "ssh: root '%s' on %s:%d is not a directory",
                                ctx->root_abs, ctx->host, ctx->port);
        free(ctx->root_abs);
        ctx->root_abs = NULL;
        return rc;
    }
    return 0;
}

/* One attempt: everything up to a usable SFTP channel. */
static int open_once(ssh_ctx *ctx, etlc_error *err)
{
    int rc = tcp_connect(ctx, err);
    if (rc != 0)
        return rc;
    ctx->session = libssh2_session_init_ex(NULL, NULL, NULL, ctx); /* abstract: for kbd_answer */
    if (!ctx->session)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting an SSH session");
    libssh2_session_set_blocking(ctx->session, 1);
    libssh2_session_set_timeout(ctx->session, ctx->connect_timeout_ms);
    if ((rc = etlc__ssh_prefer_host_key_types(ctx, err)) != 0)
        return rc;
    if (libssh2_session_handshake(ctx->session, ctx->sock) != 0) {
        if (ctx->pin_probe > 0) /* most likely: the server has no key of the type asked for */
            return etlc__ssh_pin_next(ctx, NULL, NULL) ? ETLC_CONNECT : etlc__ssh_pin_refuse(ctx, err);
        rc = etlc__ssh_fail(ctx, ETLC_CONNECT, err, "SSH handshake with %s:%d failed", ctx->host,
                            ctx->port);
        if (err)
            err->retryable = true;
        return rc;
    }
    const char *banner = libssh2_session_banner_get(ctx->session);
    snprintf(ctx->server_banner, sizeof ctx->server_banner, "%s", banner ? banner : "SSH-2.0");
    if ((rc = etlc__ssh_check_host_key(ctx, err)) != 0)
        return rc;
    if ((rc = etlc__ssh_authenticate(ctx, err)) != 0)
        return rc;
    libssh2_session_set_timeout(ctx->session, ctx->stall_timeout_ms);
    return open_sftp(ctx, err);
}

int etlc__ssh_ensure(ssh_ctx *ctx, etlc_error *err)
{
    if (ctx->sftp && !ctx->broken)
        return 0;
    if (ctx->broken)
        etlc__ssh_disconnect(ctx);
    pthread_once(&init_once, init_libssh2);
    if (init_rc != 0)
        return etlc_error_set(err, ETLC_INTERNAL, "libssh2 cannot be initialised (%d)", init_rc);
    if (ctx->pin_probe == 0)
        ctx->offered[0] = '\0';
    for (int attempt = 0;; attempt++) {
        if (err)
            etlc_error_clear(err);
        int rc = open_once(ctx, err);
        if (rc == 0)
            return 0;
        etlc__ssh_disconnect(ctx);
        if (ctx->probe_again) { /* a pin: ask for the next key type (bounded by ssh_pin.c) */
            ctx->probe_again = false;
            attempt--;
            continue;
        }
        if (!err || !err->retryable || attempt >= ctx->retry_max)
            return rc;
        long ms = etlc__backoff_ms(ctx->retry_base_ms, ctx->retry_cap_ms, (unsigned)attempt + 1);
        etlc_log(ETLC_LOG_INFO, "ssh", "%s; retrying in %ld ms (attempt %d of %d)", err->message, ms,
                 attempt + 2, ctx->retry_max + 1);
        etlc__sleep_ms(ms);
    }
}
