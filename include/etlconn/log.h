/* etlconn — logging and redaction.
 *
 * Every log line, error message and config dump passes through
 * etlc_redact() before it leaves the library.
 *
 * Threads: every function here is thread-safe (level and format are
 * atomics; the sink and the secret list have their own locks). */
#ifndef ETLCONN_LOG_H
#define ETLCONN_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "export.h"

ETLC_BEGIN_DECLS

typedef enum etlc_log_level {
    ETLC_LOG_TRACE = 0,
    ETLC_LOG_DEBUG = 1,
    ETLC_LOG_INFO = 2,
    ETLC_LOG_WARN = 3,
    ETLC_LOG_ERROR = 4,
    ETLC_LOG_OFF = 5
} etlc_log_level;

typedef enum etlc_log_format { ETLC_LOG_TEXT = 0, ETLC_LOG_JSON = 1 } etlc_log_format;

/* Receives each line already redacted. `component` is e.g. "sqlite", "config".
 * Called with no library lock held; may be called from any thread. */
typedef void (*etlc_log_fn)(etlc_log_level level, const char *component, const char *message,
                            void *userdata);

void etlc_log_set_level(etlc_log_level level);
etlc_log_level etlc_log_get_level(void);
void etlc_log_set_format(etlc_log_format format);
/* NULL restores the default sink (stderr). */
void etlc_log_set_callback(etlc_log_fn fn, void *userdata);
/* Reads ETLCONN_LOG_LEVEL (trace|debug|info|warn|error|off) and
 * ETLCONN_LOG_FORMAT (text|json). Returns 0, or -1 naming nothing if a
 * value is bad (the bad value is ignored and a warning logged). */
int etlc_log_init_from_env(void);
/* Parse "info" etc.; returns -1 if unknown. */
int etlc_log_level_parse(const char *s);
const char *etlc_log_level_name(etlc_log_level level);

void etlc_log(etlc_log_level level, const char *component, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- redaction ---------------------------------------------------------- */

#define ETLC_REDACTED "***"

/* Copy `in` into `out` (size `outsz`, always NUL-terminated, truncated if
 * needed) with secrets replaced by ETLC_REDACTED:
 *   - every value registered with etlc_redact_register_secret();
 *   - the password in scheme://user:password@host URLs;
 *   - password=, passwd=, pwd=, secret=, token=, api_key=, apikey=,
 *     access_key=, secret_key=, client_secret= pairs (key=value, key: value,
 *     "key": "value"), case-insensitive;
 *   - Authorization / Proxy-Authorization header values, Bearer/Basic tokens.
 * Returns the length written. */
size_t etlc_redact(const char *in, char *out, size_t outsz);

/* Same, returning a malloc'd string (NULL only when out of memory). */
char *etlc_redact_dup(const char *in);

/* Remember a secret value so it is masked wherever it appears later.
 * Values shorter than 3 bytes are not registered (they would mask noise).
 * Thread-safe; the library keeps a copy that is zeroed at exit. */
void etlc_redact_register_secret(const char *value);

ETLC_END_DECLS
#endif
