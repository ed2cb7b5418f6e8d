/* JSON Lines lake files -> record batches (the reader beside jsonl.c).
 *
 * Column types come from the IngestionResult item's "columns" metadata
 * ("name:type,...", written by the sinks) when the caller has it. Without
 * it types are inferred by a first pass over the whole file (bool, int64
 * only when every value is a JSON integer, double for a mix of integers and
 * reals, json for objects/arrays, text for anything else); the second pass
 * reads. A key missing from a line is NULL. */
#include <stdlib.h>
#include <string.h>

#include "sinks/format_reader_impl.h"

typedef struct jsonl_read {
    uint8_t *seen;     /* which columns the current line set (inference: kinds seen) */
    size_t pair;       /* index of the pair in the line, the likely column */
} jsonl_read;
/* ---- JSON strings -------------------------------------------------------------- */

static int put_utf8(etlc__buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) { u[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (char)(0xc0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
    else if (cp < 0x10000) { u[0] = (char)(0xe0 | cp >> 12); u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[2] = (char)(0x80 | (cp & 0x3f)); n = 3; }
    else { u[0] = (char)(0xf0 | cp >> 18); u[1] = (char)(0x80 | ((cp >> 12) & 0x3f)); u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[3] = (char)(0x80 | (cp & 0x3f)); n = 4; }
    return etlc__buf_append(b, u, n);
}

static bool hex4(const char *p, uint32_t *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return false;
        *v = *v << 4 | (uint32_t)d;
    }
    return true;
}

/* The byte a one-letter escape stands for, or -1. */
static int unescape_char(char c)
{
    switch (c) {
    case '"': case '\\': case '/': return c;
    case 'b': return '\b';
    case 'f': return '\f';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    default: return -1;
    }
}

/* A JSON string literal (with quotes) -> its bytes in out: 0, -1 malformed,
 * -2 out of memory. */
static int json_unescape(etlc__buf *out, const char *s, size_t len)
{
    etlc__buf_reset(out);
    if (len < 2 || s[0] != '"' || s[len - 1] != '"')
        return -1;
    const char *p = s + 1, *end = s + len - 1;
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        if (!bs)
            return etlc__buf_append(out, p, (size_t)(end - p)) ? -2 : 0;
        if (etlc__buf_append(out, p, (size_t)(bs - p)))
            return -2;
        p = bs + 1;
        if (p >= end)
            return -1;
        char c = *p++;
        int plain = unescape_char(c);
        if (plain >= 0) {
            if (etlc__buf_putc(out, (char)plain))
                return -2;
            continue;
        }
        if (c != 'u')
            return -1;
        uint32_t cp, lo;
        if (end - p < 4 || !hex4(p, &cp))
            return -1;
        p += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' && hex4(p + 2, &lo) &&
            lo >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            p += 6;
        } else if (cp >= 0xd800 && cp < 0xe000) {
            cp = 0xfffd; /* a lone surrogate */
        }
        if (put_utf8(out, cp))
            return -2;
    }
    if (!out->data)
        return etlc__buf_puts(out, "") ? -2 : 0;
    return 0;
}

/* ---- JSON scanning ------------------------------------------------------------ */

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

static const char *skip_string(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

static const char *skip_value(const char *p, const char *end)
{
    if (p >= end)
        return NULL;
    if (*p == '"')
        return skip_string(p, end);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < end) {
            if (*p == '"') {
                if (!(p = skip_string(p, end)))
                    return NULL;
                continue;
            }
            if (*p == '{' || *p == '[')
                depth++;
            else if (*p == '}' || *p == ']') {
                if (--depth == 0)
                    return p + 1;
            }
            p++;
        }
        return NULL;
    }
    const char *q = p;
    while (q < end && *q != ',' && *q != '}' && *q != ']' && *q != ' ' && *q != '\t' && *q != '\r' && *q != '\n')
        q++;
    return q > p ? q : NULL;
}

typedef int (*pair_fn)(etlc__format_reader *r, const char *key, size_t klen, const char *v, size_t vlen, etlc_error *err);

static int scan_object(etlc__format_reader *r, const char *line, size_t len, pair_fn fn, etlc_error *err)
{
    const char *p = skip_ws(line, line + len), *end = line + len;
    jsonl_read *j = r->fmt;
    j->pair = 0;
    if (p >= end || *p != '{')
        return etlc__text_error(r, err, ETLC_DATA, "not a JSON object");
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}')
        return 0;
    for (;;) {
        const char *k = p, *ke = p < end && *p == '"' ? skip_string(p, end) : NULL;
        if (!ke)
            break;
        p = skip_ws(ke, end);
        if (p >= end || *p != ':')
            break;
        p = skip_ws(p + 1, end);
        const char *ve = skip_value(p, end);
        if (!ve)
            break;
        int rc = fn(r, k, (size_t)(ke - k), p, (size_t)(ve - p), err);
        if (rc)
            return rc;
        j->pair++;
        p = skip_ws(ve, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}')
            return 0;
        break;
    }
    return etlc__text_error(r, err, ETLC_DATA, "malformed JSON near byte %zu", (size_t)(p - line));
}

/* ---- values ---------------------------------------------------------------------- */

static int jsonl_value(etlc__format_reader *r, size_t col, const char *v, size_t len, etlc_error *err)
{
    if (len == 4 && memcmp(v, "null", 4) == 0)
        return etlc_batch_append_null(r->batch, col, err);
    etlc_type ty = r->defs[col].type;
    if (ty == ETLC_TYPE_JSON)
        return etlc_batch_append_var(r->batch, col, ty, v, len, err);
    if (v[0] == '"') {
        int rc = json_unescape(&r->val, v, len);
        if (rc)
            return rc == -2 ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name)
                            : etlc__text_conv_error(r, col, v, len, err);
        return etlc__text_append(r, col, r->val.data, r->val.len, err);
    }
    if (ty == ETLC_TYPE_DOUBLE && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')))
        return etlc__text_append(r, col, v, len, err);
    if (ty == ETLC_TYPE_TEXT || ty == ETLC_TYPE_DECIMAL || ty == ETLC_TYPE_BOOL || ty == ETLC_TYPE_INT64)
        return etlc__text_append(r, col, v, len, err);
    return etlc__text_conv_error(r, col, v, len, err);
}

/* The key of a pair -> its column, or an error. */
static int pair_column(etlc__format_reader *r, const char *k, size_t klen, ssize_t *col, etlc_error *err)
{
    int rc = json_unescape(&r->val, k, klen);
    if (rc)
        return rc == -2 ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name)
                        : etlc__text_error(r, err, ETLC_DATA, "malformed key");
    *col = etlc__text_find_column(r, r->val.data, r->val.len, ((jsonl_read *)r->fmt)->pair);
    return 0;
}

static int jsonl_pair(etlc__format_reader *r, const char *k, size_t klen, const char *v, size_t vlen,
                      etlc_error *err)
{
    jsonl_read *j = r->fmt;
    ssize_t col;
    int rc = pair_column(r, k, klen, &col, err);
    if (rc)
        return rc;
    if (col < 0)
        return etlc__text_error(r, err, ETLC_DATA_SCHEMA, "column \"%.*s\" is not in the file's columns",
                                (int)r->val.len, r->val.data);
    if (j->seen[col])
        return etlc__text_error(r, err, ETLC_DATA, "column \"%s\" appears twice", r->defs[col].name);
    j->seen[col] = 1;
    return jsonl_value(r, (size_t)col, v, vlen, err);
}

/* ---- inference: kinds seen per column ---------------------------------------------- */

enum { K_BOOL = 1, K_INT = 2, K_REAL = 4, K_STR = 8, K_NEST = 16 };

static int infer_pair(etlc__format_reader *r, const char *k, size_t klen, const char *v, size_t vlen,
                      etlc_error *err)
{
    jsonl_read *j = r->fmt;
    ssize_t col;
    int rc = pair_column(r, k, klen, &col, err);
    if (rc)
        return rc;
    if (col < 0) {
        if ((rc = etlc__text_add_column(r, r->val.data, r->val.len, ETLC_TYPE_NULL, err)))
            return rc;
        uint8_t *s = realloc(j->seen, r->ncols);
        if (!s)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name);
        j->seen = s;
        s[r->ncols - 1] = 0;
        col = (ssize_t)r->ncols - 1;
    }
    uint8_t kind = 0;
    if (vlen == 4 && memcmp(v, "null", 4) == 0) kind = 0;
    else if ((vlen == 4 && memcmp(v, "true", 4) == 0) || (vlen == 5 && memcmp(v, "false", 5) == 0)) kind = K_BOOL;
    else if (v[0] == '"') kind = K_STR;
    else if (v[0] == '{' || v[0] == '[') kind = K_NEST;
    else kind = memchr(v, '.', vlen) || memchr(v, 'e', vlen) || memchr(v, 'E', vlen) ? K_REAL : K_INT;
    j->seen[col] |= kind;
    return 0;
}

static int jsonl_infer(etlc__format_reader *r, etlc_error *err)
{
    jsonl_read *j = r->fmt;
    const char *line;
    size_t n;
    int rc;
    while ((rc = etlc__text_line(r, &line, &n, err)) == 0 && line)
        if (n > 0 && (rc = scan_object(r, line, n, infer_pair, err)))
            break;
    for (size_t i = 0; rc == 0 && i < r->ncols; i++) {
        uint8_t k = j->seen[i];
        r->defs[i].type = k == 0 ? ETLC_TYPE_NULL : k == K_BOOL ? ETLC_TYPE_BOOL : k == K_INT ? ETLC_TYPE_INT64
                        : (k & ~(K_INT | K_REAL)) == 0 ? ETLC_TYPE_DOUBLE : k == K_NEST ? ETLC_TYPE_JSON
                                                                                          : ETLC_TYPE_TEXT;
    }
    etlc__text_rewind(r);
    return rc;
}

/* ---- the reader ------------------------------------------------------------------ */

static int jsonl_start(etlc__format_reader *r, etlc_error *err)
{
    if (!(r->fmt = calloc(1, sizeof(jsonl_read))))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening \"%s\"", r->name);
    jsonl_read *j = r->fmt;
    int rc = r->hinted ? 0 : jsonl_infer(r, err);
    if (rc)
        return rc;
    uint8_t *s = realloc(j->seen, r->ncols + 1);
    if (!s)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening \"%s\"", r->name);
    j->seen = s;
    return etlc__text_batch(r, err);
}

static int jsonl_row(etlc__format_reader *r, bool *eof, etlc_error *err)
{
    jsonl_read *j = r->fmt;
    const char *line;
    size_t n;
    int rc;
    if ((rc = etlc__text_record_line(r, &line, &n, err)))
        return rc;
    if (!line) {
        *eof = true;
        return 0;
    }
    memset(j->seen, 0, r->ncols);
    rc = scan_object(r, line, n, jsonl_pair, err);
    for (size_t i = 0; rc == 0 && i < r->ncols; i++)
        if (!j->seen[i])
            rc = etlc_batch_append_null(r->batch, i, err);
    return rc;
}

static int jsonl_next(etlc__format_reader *r, const etlc_batch **batch, etlc_error *err)
{
    return etlc__text_next(r, jsonl_row, batch, err);
}

static void jsonl_release(etlc__format_reader *r)
{
    jsonl_read *j = r->fmt;
    if (j)
        free(j->seen);
    free(j);
}

const etlc__format_reader_ops etlc__format_reader_jsonl = {
    .format = "jsonl",
    .start = jsonl_start,
    .next = jsonl_next,
    .release = jsonl_release,
};
