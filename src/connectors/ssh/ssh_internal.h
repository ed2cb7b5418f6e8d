/* The ssh connector's private declarations. One SSH session with one SFTP
 * channel per connector, opened at connect and opened again by the next
 * call after the connection was lost. */
#ifndef ETLCONN_SSH_INTERNAL_H
#define ETLCONN_SSH_INTERNAL_H

#include <libssh2.h>
#include <libssh2_sftp.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/internal.h"

typedef struct ssh_ctx {
    /* settings, borrowed from the config (it lives as long as the connector) */
    const char *host;
    int port;
    const char *username;
    const char *password;        /* secret; NULL = none */
    const char *private_key;
    const char *passphrase;      /* secret; NULL = none */
    bool use_agent;
    char *known_hosts;           /* malloc'd; NULL when only the pin is checked */
    bool known_hosts_explicit;
    const char *const *algorithms; /* host_key_algorithms, borrowed; may be empty */
    size_t nalgorithms;
    const char *pin;             /* host_key_sha256 without "SHA256:"/padding; NULL = none */
    char *root;                  /* as configured, without a trailing '/' */
    bool follow_symlinks;
    size_t chunk_size;
    long connect_timeout_ms;
    long stall_timeout_ms;       /* a blocking libssh2 call waits at most this long */
    int retry_max;
    long retry_base_ms, retry_cap_ms;
    char source[128];
    /* the live session */
    int sock;                    /* valid when has_sock */
    bool has_sock;
    LIBSSH2_SESSION *session;
    LIBSSH2_SFTP *sftp;
    bool broken;                 /* the connection was lost: handles may still be closed
                                    (libssh2 frees them then), the next ensure reconnects */
    char server_banner[128];
    char *root_abs;              /* root resolved on the server (realpath) */
    char *pin_buf;               /* owns `pin` */
    int pin_probe;               /* ssh_pin.c: 0 = libssh2's order, k = the k-th key type */
    bool probe_again;
    char offered[512];           /* host keys offered while probing, for the refusal */
} ssh_ctx;

extern const etlc_option_table etlc__ssh_options;

/* ssh_session.c: open (TCP, handshake, host key, auth, SFTP) unless open. */
int etlc__ssh_ensure(ssh_ctx *ctx, etlc_error *err);
void etlc__ssh_disconnect(ssh_ctx *ctx);
/* Fill err from the session's last error after a failed libssh2 call; a
 * lost connection marks the session broken (the next etlc__ssh_ensure
 * reconnects; open handles must still be closed, which frees them) and is
 * retryable. `fmt` names the operation and path. */
int etlc__ssh_fail(ssh_ctx *ctx, int code, etlc_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The last libssh2 call failed because the connection is gone. */
bool etlc__ssh_lost(ssh_ctx *ctx);

/* ssh_hostkey.c: strict host key checking, after the handshake. */
int etlc__ssh_check_host_key(ssh_ctx *ctx, etlc_error *err);
/* Before the handshake: host_key_algorithms, or else the key types
 * known_hosts holds for this host ahead of libssh2's own order. */
int etlc__ssh_prefer_host_key_types(ssh_ctx *ctx, etlc_error *err);
/* "SHA256:<base64 without padding>" of a key blob, as OpenSSH prints it. */
void etlc__ssh_fingerprint(const unsigned char *blob, size_t len, char out[64]);

/* ssh_pin.c: a pin alone, on a server with several host keys. */
bool etlc__ssh_pin_probing(const ssh_ctx *ctx);
const char *etlc__ssh_pin_family(const ssh_ctx *ctx);   /* NULL: libssh2's order */
/* After a mismatch (type, fp) or a failed handshake (NULLs) while probing:
 * true (and probe_again set) when another key type is left to ask for. */
bool etlc__ssh_pin_next(ssh_ctx *ctx, const char *type, const char *fp);
int etlc__ssh_pin_refuse(ssh_ctx *ctx, etlc_error *err);

/* ssh_auth.c */
int etlc__ssh_authenticate(ssh_ctx *ctx, etlc_error *err);

/* ssh_list.c, ssh_read.c, ssh_change.c: the bytes capability */
int etlc__ssh_list(void *ctx, const etlc_list_request *req, etlc_resource_fn fn, void *userdata,
                   etlc_error *err);
int etlc__ssh_open(void *ctx, const etlc_resource *res, etlc_byte_consumer bytes, etlc_error *err);
int etlc__ssh_open_at(void *ctx, const etlc_resource *res, int64_t offset,
                      etlc_byte_consumer bytes, etlc_error *err);
int etlc__ssh_remove(void *ctx, const etlc_resource *res, etlc_error *err);
int etlc__ssh_move(void *ctx, const etlc_resource *res, const char *to, etlc_error *err);
/* "root/name" (malloc'd) after checking name stays inside root; NULL + err. */
char *etlc__ssh_join(const ssh_ctx *ctx, const char *name, etlc_error *err);
/* Seconds since the epoch as UTC microseconds (SFTP v3 mtimes are seconds). */
int64_t etlc__ssh_mtime_us(const LIBSSH2_SFTP_ATTRIBUTES *a);

#endif
