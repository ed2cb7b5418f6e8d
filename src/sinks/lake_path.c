/* Lake paths: the relative-path guard and the path template renderer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

#define RELPATH_MAX 1024

int etlc_lake_check_relpath(const char *relpath, etlc_error *err)
{
    if (!relpath || !*relpath)
        return etlc_error_set(err, ETLC_IO_PATH, "lake path is empty");
    size_t len = strlen(relpath);
    if (len > RELPATH_MAX) {
        char *shown = etlc__redacted_excerpt(relpath, len, 80); /* redacted, then cut */
        etlc_error_set(err, ETLC_IO_PATH, "lake path is %zu bytes, longer than %d: '%s...'", len,
                       RELPATH_MAX, shown ? shown : "");
        free(shown);
        return ETLC_IO_PATH;
    }
    if (relpath[0] == '/')
        return etlc_error_set(err, ETLC_IO_PATH, "lake path '%s' is absolute; it must be relative "
                              "to the lake root", relpath);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)relpath[i];
        if (c < 0x20 || c == 0x7F)
            return etlc_error_set(err, ETLC_IO_PATH,
                                  "lake path has a control byte 0x%02x at offset %zu", c, i);
        if (c == '\\')
            return etlc_error_set(err, ETLC_IO_PATH, "lake path '%s' has a backslash at offset %zu",
                                  relpath, i);
    }
    const char *seg = relpath;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t n = end ? (size_t)(end - seg) : strlen(seg);
        if (n == 0)
            return etlc_error_set(err, ETLC_IO_PATH, "lake path '%s' has an empty segment", relpath);
        if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return etlc_error_set(err, ETLC_IO_PATH,
                                  "lake path '%s' has a '%.*s' segment; it must stay below the root",
                                  relpath, (int)n, seg);
        if (!end)
            break;
        seg = end + 1;
    }
    return 0;
}

/* Append `v` with bytes outside [A-Za-z0-9._=-] replaced by '_'. A value of
 * only dots would become a "." or ".." segment, so its dots become '_'. */
static int append_safe(etlc__buf *b, const char *v)
{
    bool only_dots = true;
    for (const char *p = v; *p; p++)
        if (*p != '.')
            only_dots = false;
    for (const char *p = v; *p; p++) {
        char c = *p;
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '=' || c == '-' || (c == '.' && !only_dots);
        if (etlc__buf_putc(b, ok ? c : '_') != 0)
            return -1;
    }
    return 0;
}

static const char *const placeholder_names[] = {"protocol", "source", "date", "run_id",
                                                "query_hash", "part", "ext", "format"};

int etlc_lake_render_path(const char *tmpl, const etlc_path_vars *vars, char **out, etlc_error *err)
{
    *out = NULL;
    if (!tmpl)
        tmpl = ETLC_LAKE_DEFAULT_TEMPLATE;
    etlc__buf b = {0};
    char date[40], part[16];
    int rc = 0;
    for (const char *p = tmpl; *p;) {
        if (*p != '{') {
            const char *brace = strchr(p, '{');
            size_t n = brace ? (size_t)(brace - p) : strlen(p);
            if (etlc__buf_append(&b, p, n) != 0)
                goto nomem;
            p += n;
            continue;
        }
        const char *close = strchr(p, '}');
        if (!close) {
            rc = etlc_error_set(err, ETLC_CONFIG, "path template '%s' has an unclosed '{'", tmpl);
            goto fail;
        }
        size_t n = (size_t)(close - p - 1);
        const char *name = p + 1;
        const char *value = NULL;
        bool known = false;
        for (size_t i = 0; i < ETLC__ARRAY_LEN(placeholder_names); i++)
            if (strlen(placeholder_names[i]) == n && memcmp(placeholder_names[i], name, n) == 0)
                known = true;
        if (!known) {
            rc = etlc_error_set(err, ETLC_CONFIG,
                                "path template '%s' has an unknown placeholder {%.*s} (known: "
                                "{protocol} {source} {date} {run_id} {query_hash} {part} {ext} "
                                "{format})",
                                tmpl, (int)n, name);
            goto fail;
        }
#define IS(lit) (n == sizeof(lit) - 1 && memcmp(name, lit, n) == 0)
        if (IS("protocol")) value = vars->protocol;
        else if (IS("source")) value = vars->source;
        else if (IS("run_id")) value = vars->run_id;
        else if (IS("query_hash")) value = vars->query_hash;
        else if (IS("ext")) value = vars->ext;
        else if (IS("format")) value = vars->format;
        else if (IS("part")) {
            snprintf(part, sizeof part, "%05u", vars->part);
            value = part;
        } else if (IS("date")) {
            value = vars->date;
            if (!value) { /* default: today, UTC */
                int64_t us = etlc_now_us();
                etlc_format_date((int32_t)(us / 86400000000LL), date, sizeof date);
                value = date;
            }
        }
#undef IS
        if (!value || !*value) {
            rc = etlc_error_set(err, ETLC_CONFIG,
                                "path template '%s' uses {%.*s} but no value was given for it",
                                tmpl, (int)n, name);
            goto fail;
        }
        if (append_safe(&b, value) != 0)
            goto nomem;
        p = close + 1;
    }
    if (!b.data && etlc__buf_puts(&b, "") != 0)
        goto nomem;
    rc = etlc_lake_check_relpath(b.data, err);
    if (rc) {
        etlc_error_prefix(err, "path template '%s'", tmpl);
        goto fail;
    }
    *out = etlc__buf_take(&b);
    return 0;
nomem:
    rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory rendering path template '%s'", tmpl);
fail:
    etlc__buf_free(&b);
    return rc;
}
