/* Column names: the settling rule and the metadata encoding (column_names.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/column_names.h"

static const char BOM[] = "\xEF\xBB\xBF";

void etlc__column_names_free(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

static bool taken(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] && strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* A name not yet in out[0..n) nor among the raw names: base, else base_k. */
static char *unique(char *const *out, size_t n, const char *const *raw, size_t nraw, const char *base, size_t self)
{
    etlc__buf b = {0};
    for (unsigned long k = 1;; k++) {
        etlc__buf_reset(&b);
        if ((k == 1 ? etlc__buf_puts(&b, base) : etlc__buf_printf(&b, "%s_%lu", base, k)) != 0) {
            etlc__buf_free(&b);
            return NULL;
        }
        bool clash = taken(out, n, b.data);
        for (size_t j = 0; !clash && k > 1 && j < nraw; j++)
            clash = j != self && strcmp(raw[j], b.data) == 0; /* keep later names as they were given */
        if (!clash)
            return etlc__buf_take(&b);
    }
}

static int note_change(etlc__buf *note, size_t i, const char *from, const char *to)
{
    return etlc__buf_printf(note, "%s%zu '%s' -> '%s'", note->len ? ", " : "column ", i + 1, from, to);
}

/* The common case, checked without allocating: every name already stands. */
static bool all_settled(const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!names[i] || !names[i][0] || strncmp(names[i], BOM, 3) == 0)
            return false;
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return false;
    }
    return true;
}

int etlc__column_names_settle(const char *const *names, size_t n, char ***out, char **note)
{
    *out = NULL;
    *note = NULL;
    if (all_settled(names, n))
        return 0;
    char **res = calloc(n ? n : 1, sizeof *res);
    etlc__buf msg = {0};
    bool changed = false;
    int rc = res ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *name = names[i] ? names[i] : "";
        if (strncmp(name, BOM, 3) == 0)
            name += 3;
        char positional[32];
        snprintf(positional, sizeof positional, "column_%zu", i + 1);
        res[i] = unique(res, i, names, n, *name ? name : positional, i);
        rc = res[i] ? 0 : -1;
        if (rc == 0 && strcmp(res[i], names[i] ? names[i] : "") != 0) {
            changed = true;
            rc = note_change(&msg, i, names[i] ? names[i] : "", res[i]);
        }
    }
    if (rc == 0 && changed) {
        *out = res;
        *note = etlc__buf_take(&msg);
        if (!*note) {
            *out = NULL;
            rc = -1;
        }
    }
    if (rc || !changed)
        etlc__column_names_free(res, n);
    etlc__buf_free(&msg);
    return rc;
}

int etlc__column_name_encode(etlc__buf *b, const char *name)
{
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        int rc = *p == '%' || *p == ',' || *p == ':' || *p < 0x20 || *p == 0x7f ? etlc__buf_printf(b, "%%%02X", *p)
                                                                                : etlc__buf_putc(b, (char)*p);
        if (rc)
            return rc;
    }
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *etlc__column_name_decode(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < len && (hi = hexval(s[i + 1])) >= 0 && (lo = hexval(s[i + 2])) >= 0) {
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = s[i]; /* old metadata: a bare '%' stands for itself */
        }
    }
    out[o] = '\0';
    return out;
}
