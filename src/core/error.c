/* Error codes (from the X-macro list) and the caller-owned error object. */
#include <errno.h>
#include <stdio.h>
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

int etlc_error_set(etlc_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return code;
    char raw[ETLC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    err->code = code;
    err->native_code = 0;
    err->native_state[0] = '\0';
    err->retryable = false;
    etlc_redact(raw, err->message, sizeof err->message);
    return code;
}

int etlc_error_prefix(etlc_error *err, const char *fmt, ...)
{
    if (!err)
        return ETLC_INTERNAL;
    char prefix[ETLC_ERROR_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char raw[ETLC_ERROR_MESSAGE_MAX];
    snprintf(raw, sizeof raw, "%s: %s", prefix, err->message);
    etlc_redact(raw, err->message, sizeof err->message);
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
