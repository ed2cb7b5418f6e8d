/* Error codes (from the X-macro list) and the caller-owned error object. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

static const int all_codes[] = {
#define ETLC__CODE_NUM(name, num, msg) num,
    ETLC_CODE_MAP(ETLC__CODE_NUM)
#undef ETLC__CODE_NUM
};

const char *etlc_code_name(int code)
{
    switch (code) {
#define ETLC__CODE_NAME(name, num, msg) \
    case num: return #name;
        ETLC_CODE_MAP(ETLC__CODE_NAME)
#undef ETLC__CODE_NAME
    }
    return "UNKNOWN_CODE";
}

const char *etlc_code_str(int code)
{
    switch (code) {
#define ETLC__CODE_STR(name, num, msg) \
    case num: return msg;
        ETLC_CODE_MAP(ETLC__CODE_STR)
#undef ETLC__CODE_STR
    }
    return "unknown error code";
}

size_t etlc_code_all(const int **codes)
{
    *codes = all_codes;
    return ETLC__ARRAY_LEN(all_codes);
}

void etlc_error_clear(etlc_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

/* Redact the whole text first, then cut it to the message buffer: a cut
 * made before redaction could leave part of a secret that straddles it. */
static void message_store(etlc_error *err, char *red)
{
    if (!red) {
        snprintf(err->message, sizeof err->message, "%s",
                 "(message withheld: out of memory while redacting)");
        return;
    }
    size_t n = strlen(red);
    if (n >= sizeof err->message)
        n = sizeof err->message - 1;
    memcpy(err->message, red, n);
    err->message[n] = '\0';
    free(red);
}

int etlc_error_set(etlc_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    va_list ap;
    va_start(ap, fmt);
    char *red = etlc__vformat_redacted(fmt, ap);
    va_end(ap);
    err->code = code;
    err->native_code = 0;
    err->native_state[0] = '\0';
    err->retryable = false;
    message_store(err, red);
    return code;
}

int etlc_error_prefix(etlc_error *err, const char *fmt, ...)
{
    if (!err)
        return ETLC_INTERNAL;
    va_list ap;
    va_start(ap, fmt);
    char *prefix = etlc__vformat_redacted(fmt, ap);
    va_end(ap);
    /* The message is already redacted; the prefix is redacted whole above. */
    etlc__buf raw = {0};
    int rc = prefix ? etlc__buf_printf(&raw, "%s: %s", prefix, err->message) : -1;
    free(prefix);
    message_store(err, rc == 0 ? etlc_redact_dup(raw.data) : NULL);
    etlc__buf_free(&raw);
    return err->code;
}

int etlc_code_from_errno(int errnum)
{
    switch (errnum) {
    case 0: return ETLC_OK;
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
        return ETLC_IO_NO_SPACE;
    case ENOENT:
    case ENOTDIR: return ETLC_IO_NOT_FOUND;
    case EACCES:
    case EPERM:
    case EROFS: return ETLC_IO_PERMISSION;
    case ENOMEM: return ETLC_NO_MEMORY;
    case ECONNREFUSED: return ETLC_CONNECT_REFUSED;
    case ETIMEDOUT: return ETLC_CONNECT_TIMEOUT;
    case EINVAL: return ETLC_INVALID_ARGUMENT;
    default: return ETLC_IO;
    }
}
