/* Logging: levels, text or JSON lines on stderr, or a callback sink. Every
 * line is redacted before it leaves. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/internal.h"

static atomic_int log_level = ETLC_LOG_WARN;
static atomic_int log_format = ETLC_LOG_TEXT;
static pthread_mutex_t sink_lock = PTHREAD_MUTEX_INITIALIZER;
static etlc_log_fn sink_fn;
static void *sink_userdata;

static const char *const level_names[] = {"trace", "debug", "info", "warn", "error", "off"};

void etlc_log_set_level(etlc_log_level level) { atomic_store(&log_level, (int)level); }
etlc_log_level etlc_log_get_level(void) { return (etlc_log_level)atomic_load(&log_level); }
void etlc_log_set_format(etlc_log_format format) { atomic_store(&log_format, (int)format); }

void etlc_log_set_callback(etlc_log_fn fn, void *userdata)
{
    pthread_mutex_lock(&sink_lock);
    sink_fn = fn;
    sink_userdata = userdata;
    pthread_mutex_unlock(&sink_lock);
}

const char *etlc_log_level_name(etlc_log_level level)
{
    return (unsigned)level <= ETLC_LOG_OFF ? level_names[level] : "unknown";
}

int etlc_log_level_parse(const char *s)
{
    if (!s)
        return -1;
    for (int i = 0; i <= ETLC_LOG_OFF; i++)
        if (etlc__strcasecmp(s, level_names[i]) == 0)
            return i;
    if (etlc__strcasecmp(s, "warning") == 0)
        return ETLC_LOG_WARN;
    return -1;
}

int etlc_log_init_from_env(void)
{
    int rc = 0;
    const char *lv = getenv("ETLCONN_LOG_LEVEL");
    if (lv && *lv) {
        int l = etlc_log_level_parse(lv);
        if (l < 0) {
            etlc_log(ETLC_LOG_WARN, "log", "ETLCONN_LOG_LEVEL='%s' is not one of trace|debug|info|warn|error|off; ignored", lv);
            rc = -1;
        } else {
            etlc_log_set_level((etlc_log_level)l);
        }
    }
    const char *fmt = getenv("ETLCONN_LOG_FORMAT");
    if (fmt && *fmt) {
        if (etlc__strcasecmp(fmt, "json") == 0)
            etlc_log_set_format(ETLC_LOG_JSON);
        else if (etlc__strcasecmp(fmt, "text") == 0)
            etlc_log_set_format(ETLC_LOG_TEXT);
        else {
            etlc_log(ETLC_LOG_WARN, "log", "ETLCONN_LOG_FORMAT='%s' is not one of text|json; ignored", fmt);
            rc = -1;
        }
    }
    return rc;
}

char *etlc__vformat_redacted(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0)
        return NULL;
    char *raw = malloc((size_t)n + 1);
    if (!raw)
        return NULL;
    vsnprintf(raw, (size_t)n + 1, fmt, ap);
    char *red = etlc_redact_dup(raw);
    memset(raw, 0, (size_t)n);
    free(raw);
    return red;
}

void etlc__format_redacted_into(char *dst, size_t dstsz, const char *fmt, ...)
{
    if (!dst || dstsz == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *red = etlc__vformat_redacted(fmt, ap);
    va_end(ap);
    snprintf(dst, dstsz, "%s", red ? red : "(message withheld: out of memory while redacting)");
    free(red);
}

char *etlc__redacted_excerpt(const char *s, size_t len, size_t max)
{
    char *whole = etlc__strndup(s ? s : "", s ? len : 0);
    char *red = whole ? etlc_redact_dup(whole) : NULL;
    etlc__free_secret(whole);
    if (red && strlen(red) > max)
        red[max] = '\0';
    return red;
}

static void write_stderr_line(etlc_log_level level, const char *component, const char *msg)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[40];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    etlc__buf line = {0};
    int rc;
    if (atomic_load(&log_format) == ETLC_LOG_JSON) {
        rc = etlc__buf_printf(&line, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":", when,
                              etlc_log_level_name(level));
        rc = rc || etlc__buf_json_string(&line, component, strlen(component));
        rc = rc || etlc__buf_puts(&line, ",\"msg\":");
        rc = rc || etlc__buf_json_string(&line, msg, strlen(msg));
        rc = rc || etlc__buf_puts(&line, "}\n");
    } else {
        rc = etlc__buf_printf(&line, "%s %-5s [%s] %s\n", when, etlc_log_level_name(level), component, msg);
    }
    if (rc == 0) {
        /* One write per line keeps lines whole across threads. */
        flockfile(stderr);
        fwrite(line.data, 1, line.len, stderr);
        funlockfile(stderr);
    }
    etlc__buf_free(&line);
}

void etlc_log(etlc_log_level level, const char *component, const char *fmt, ...)
{
    if ((int)level < atomic_load(&log_level) || level >= ETLC_LOG_OFF)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = etlc__vformat_redacted(fmt, ap);
    va_end(ap);
    if (!msg)
        return;
    if (!component)
        component = "etlconn";
    pthread_mutex_lock(&sink_lock);
    etlc_log_fn fn = sink_fn;
    void *ud = sink_userdata;
    pthread_mutex_unlock(&sink_lock);
    if (fn)
        fn(level, component, msg, ud);
    else
        write_stderr_line(level, component, msg);
    free(msg);
}
