/* etlconn — error codes and the caller-owned error object.
 *
 * One X-macro list feeds the enum, etlc_code_name() and etlc_code_str().
 * Codes are grouped by hundreds and are append-only: never renumber one.
 *
 * Threads: an etlc_error belongs to its caller (one per thread or call);
 * the code functions read static tables and may be called from any thread. */
#ifndef ETLCONN_ERROR_H
#define ETLCONN_ERROR_H

#include <stdbool.h>
#include <stddef.h>

#include "export.h"

ETLC_BEGIN_DECLS

#define ETLC_CODE_MAP(X)                                                                  \
    X(OK, 0, "success")                                                                   \
    /* 1xx configuration */                                                               \
    X(CONFIG, 100, "invalid configuration")                                               \
    X(CONFIG_MISSING_KEY, 101, "required configuration key missing")                      \
    X(CONFIG_UNKNOWN_KEY, 102, "unknown configuration key")                               \
    X(CONFIG_TYPE, 103, "configuration value has the wrong type")                         \
    X(CONFIG_RANGE, 104, "configuration value out of range or not an allowed choice")     \
    X(CONFIG_PARSE, 105, "configuration file is malformed")                               \
    X(CONFIG_FILE, 106, "configuration file cannot be read")                              \
    /* 2xx connecting */                                                                  \
    X(CONNECT, 200, "cannot connect")                                                     \
    X(CONNECT_TIMEOUT, 201, "connection timed out")                                       \
    X(CONNECT_REFUSED, 202, "connection refused")                                         \
    X(CONNECT_NOT_FOUND, 203, "connection target not found")                              \
    X(UNHEALTHY, 204, "health check failed")                                              \
    /* 3xx authentication */                                                              \
    X(AUTH, 300, "authentication failed")                                                 \
    X(AUTH_DENIED, 301, "permission denied")                                              \
    /* 4xx protocol and queries */                                                        \
    X(PROTOCOL, 400, "protocol error")                                                    \
    X(QUERY, 401, "query failed")                                                         \
    X(BUSY, 402, "resource busy or locked")                                               \
    X(TIMEOUT, 403, "operation timed out")                                                \
    X(CANCELLED, 404, "operation cancelled")                                              \
    /* 5xx input/output */                                                                \
    X(IO, 500, "input/output error")                                                      \
    X(IO_NO_SPACE, 501, "no space left on device")                                        \
    X(IO_NOT_FOUND, 502, "file or object not found")                                      \
    X(IO_PERMISSION, 503, "permission denied on file or object")                          \
    X(IO_PATH, 504, "path rejected (escapes the root or has forbidden bytes)")             \
    /* 6xx data */                                                                        \
    X(DATA, 600, "invalid data")                                                          \
    X(DATA_TYPE, 601, "value does not fit the column type")                               \
    X(DATA_SCHEMA, 602, "schema mismatch")                                                \
    X(DATA_CONTRACT, 603, "ingestion result does not satisfy the data contract")          \
    /* 7xx registry and plugins */                                                        \
    X(UNKNOWN_PROTOCOL, 700, "unknown protocol")                                          \
    X(NOT_BUILT_IN, 701, "protocol not built in to this etlconn")                         \
    X(PLUGIN, 702, "plugin cannot be loaded")                                             \
    X(ABI_MISMATCH, 703, "plugin ABI version does not match")                             \
    /* 9xx programming and resources */                                                   \
    X(INVALID_ARGUMENT, 900, "invalid argument")                                          \
    X(NO_MEMORY, 901, "out of memory")                                                    \
    X(UNSUPPORTED, 902, "operation not supported")                                        \
    X(INTERNAL, 903, "internal error")

typedef enum etlc_code {
#define ETLC__CODE_ENUM(name, num, msg) ETLC_##name = num,
    ETLC_CODE_MAP(ETLC__CODE_ENUM)
#undef ETLC__CODE_ENUM
} etlc_code;

/* "CONFIG_MISSING_KEY" etc.; "UNKNOWN_CODE" for a number not in the list. */
const char *etlc_code_name(int code);
/* One-line human message for the code. Never NULL. */
const char *etlc_code_str(int code);
/* Every known code, in list order, for tests and docs. */
size_t etlc_code_all(const int **codes);

#define ETLC_ERROR_MESSAGE_MAX 1024

/* Caller-owned error. Zero-initialise it (or call etlc_error_clear) once;
 * functions that fail fill it and return the same code. The message is
 * redacted before it is stored, so it is always safe to print. */
typedef struct etlc_error {
    int code;                 /* etlc_code */
    long native_code;         /* driver's own number (sqlite extended code, CURLcode, errno) */
    char native_state[8];     /* driver's textual state such as SQLSTATE, "" if none */
    bool retryable;           /* a retry with the same input may succeed */
    char message[ETLC_ERROR_MESSAGE_MAX];
} etlc_error;

void etlc_error_clear(etlc_error *err);

/* Fill err (if not NULL) with code and a printf-style message, redacted.
 * Returns code so callers can write `return etlc_error_set(err, ...)`. */
int etlc_error_set(etlc_error *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Put "context: " in front of an existing message (redacted). Returns err->code. */
int etlc_error_prefix(etlc_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Map an errno value to the closest etlc code (ENOSPC -> IO_NO_SPACE, ...). */
int etlc_code_from_errno(int errnum);

ETLC_END_DECLS
#endif
