/* JSONL and CSV lake files -> record batches.
 *
 * Column types come from the IngestionResult item's "columns" metadata
 * ("name:type,...", written by the sinks) when the file is loaded through
 * a result file. Without it: JSONL types are inferred by a first pass over
 * the whole file (bool, int64 only when every value is a JSON integer,
 * double for a mix of integers and reals, json for objects/arrays, text
 * for anything else); CSV columns are text (a CSV cell does not say whether
 * "1" is a number or a string). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dw_internal.h"

struct dw_text {
    FILE *fp;
    dw_format fmt;
    const char *path;
    etlc_column_def *defs;
    size_t ncols;
    etlc_batch *batch;
    size_t batch_rows;
    char *line;
    size_t line_cap;
    uint64_t lineno;
    etlc__buf rec;     /* CSV: one record (may span lines) */
    etlc__buf val;     /* one decoded value */
    size_t *fs, *fl;   /* CSV field spans into val-independent storage */
    bool *fq;
    etlc__buf fields;  /* CSV: decoded field bytes, concatenated */
    size_t fcap;
    uint8_t *seen;     /* JSONL: which columns the current line set */
};

/* ---- small decoders --------------------------------------------------------- */

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

static int base64_decode(etlc__buf *out, const char *s, size_t len)
{
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '=')
            break;
        int v = b64val((unsigned char)s[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (etlc__buf_putc(out, (char)((acc >> bits) & 0xff)))
                return -2;
        }
    }
    return 0;
}

static void put_utf8(etlc__buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) { u[0] = (char)cp; n = 1; }
    else if (cp < 0x800) { u[0] = (char)(0xc0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3f)); n = 2; }
    else if (cp < 0x10000) { u[0] = (char)(0xe0 | cp >> 12); u[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[2] = (char)(0x80 | (cp & 0x3f)); n = 3; }
    else { u[0] = (char)(0xf0 | cp >> 18); u[1] = (char)(0x80 | ((cp >> 12) & 0x3f)); u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); u[3] = (char)(0x80 | (cp & 0x3f)); n = 4; }
    etlc__buf_append(b, u, n);
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

/* A JSON string literal (with quotes) -> its bytes in out. */
static int json_unescape(etlc__buf *out, const char *s, size_t len)
{
    etlc__buf_reset(out);
    if (len < 2 || s[0] != '"' || s[len - 1] != '"')
        return -1;
    const char *p = s + 1, *end = s + len - 1;
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        if (!bs)
            return etlc__buf_append(out, p, (size_t)(end - p));
        if (etlc__buf_append(out, p, (size_t)(bs - p)))
            return -2;
        p = bs + 1;
        if (p >= end)
            return -1;
        char c = *p++;
        switch (c) {
        case '"': case '\\': case '/': etlc__buf_putc(out, c); break;
        case 'b': etlc__buf_putc(out, '\b'); break;
        case 'f': etlc__buf_putc(out, '\f'); break;
        case 'n': etlc__buf_putc(out, '\n'); break;
        case 'r': etlc__buf_putc(out, '\r'); break;
        case 't': etlc__buf_putc(out, '\t'); break;
        case 'u': {
            uint32_t cp, lo;
            if (end - p < 4 || !hex4(p, &cp))
                return -1;
            p += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' && hex4(p + 2, &lo) &&
                lo >= 0xdc00 && lo < 0xe000) {
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                p += 6;
            } else if (cp >= 0xd800 && cp < 0xe000) {
                cp = 0xfffd;
            }
            put_utf8(out, cp);
            break;
        }
        default: return -1;
        }
    }
    if (!out->data)
        return etlc__buf_puts(out, "");
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

typedef int (*pair_fn)(dw_text *t, const char *key, size_t klen, const char *v, size_t vlen, etlc_error *err);

static int scan_object(dw_text *t, const char *line, size_t len, pair_fn fn, etlc_error *err)
{
    const char *p = skip_ws(line, line + len), *end = line + len;
    if (p >= end || *p != '{')
        return etlc_error_set(err, ETLC_DATA, "\"%s\" line %llu: not a JSON object", t->path,
                              (unsigned long long)t->lineno);
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
        int rc = fn(t, k, (size_t)(ke - k), p, (size_t)(ve - p), err);
        if (rc)
            return rc;
        p = skip_ws(ve, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}')
            return 0;
        break;
    }
    return etlc_error_set(err, ETLC_DATA, "\"%s\" line %llu: malformed JSON near byte %zu", t->path,
                          (unsigned long long)t->lineno, (size_t)(p - line));
}

/* ---- columns ------------------------------------------------------------------- */

static int add_column(dw_text *t, const char *name, size_t nlen, etlc_type type, etlc_error *err)
{
    etlc_column_def *d = realloc(t->defs, (t->ncols + 1) * sizeof *d);
    if (!d)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", t->path);
    t->defs = d;
    memset(&d[t->ncols], 0, sizeof *d);
    if (!(d[t->ncols].name = etlc__strndup(name, nlen)))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", t->path);
    d[t->ncols].type = type;
    t->ncols++;
    return 0;
}

static ssize_t find_column(const dw_text *t, const char *name, size_t nlen, size_t hint)
{
    if (hint < t->ncols && strlen(t->defs[hint].name) == nlen && memcmp(t->defs[hint].name, name, nlen) == 0)
        return (ssize_t)hint;
    for (size_t i = 0; i < t->ncols; i++)
        if (strlen(t->defs[i].name) == nlen && memcmp(t->defs[i].name, name, nlen) == 0)
            return (ssize_t)i;
    return -1;
}

/* "a:int64,b:text" -> columns. */
static int columns_from_meta(dw_text *t, const char *meta, etlc_error *err)
{
    const char *p = meta;
    while (*p) {
        const char *comma = strchr(p, ','), *e = comma ? comma : p + strlen(p);
        const char *colon = NULL;
        for (const char *q = e; q > p; q--)
            if (q[-1] == ':') { colon = q - 1; break; }
        if (!colon)
            return etlc_error_set(err, ETLC_DATA, "\"%s\": item metadata columns '%s' is not name:type,...", t->path, meta);
        char tn[32];
        snprintf(tn, sizeof tn, "%.*s", (int)(e - colon - 1), colon + 1);
        int ty = etlc_type_parse(tn);
        if (ty < 0)
            return etlc_error_set(err, ETLC_DATA, "\"%s\": item metadata names unknown type '%s'", t->path, tn);
        int rc = add_column(t, p, (size_t)(colon - p), (etlc_type)ty, err);
        if (rc)
            return rc;
        p = comma ? comma + 1 : e;
    }
    return 0;
}

/* ---- reading lines / records --------------------------------------------------- */

static ssize_t next_line(dw_text *t)
{
    ssize_t n = getline(&t->line, &t->line_cap, t->fp);
    if (n > 0) {
        t->lineno++;
        while (n > 0 && (t->line[n - 1] == '\n' || t->line[n - 1] == '\r'))
            t->line[--n] = '\0';
    }
    return n;
}

/* CSV: next record's fields into t->fields / fs / fl / fq. -1 at EOF. */
static int csv_record(dw_text *t, size_t *nfields, etlc_error *err)
{
    ssize_t n;
    do {
        if ((n = next_line(t)) < 0)
            return -1;
    } while (n == 0);
    etlc__buf_reset(&t->rec);
    etlc__buf_append(&t->rec, t->line, (size_t)n);
    etlc__buf_reset(&t->fields);
    size_t nf = 0;
    size_t i = 0;
    for (;;) {
        if (nf == t->fcap) {
            size_t cap = t->fcap ? t->fcap * 2 : 16;
            size_t *fs = realloc(t->fs, cap * sizeof *fs), *fl = fs ? realloc(t->fl, cap * sizeof *fl) : NULL;
            if (fs) t->fs = fs;
            if (fl) t->fl = fl;
            bool *fq = fl ? realloc(t->fq, cap * sizeof *fq) : NULL;
            if (!fq)
                return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", t->path);
            t->fq = fq;
            t->fcap = cap;
        }
        t->fs[nf] = t->fields.len;
        t->fq[nf] = false;
        if (i < t->rec.len && t->rec.data[i] == '"') {
            t->fq[nf] = true;
            i++;
            for (;;) {
                if (i >= t->rec.len) { /* the quoted field continues on the next line */
                    if ((n = next_line(t)) < 0)
                        return etlc_error_set(err, ETLC_DATA, "\"%s\" line %llu: unterminated quoted field", t->path,
                                              (unsigned long long)t->lineno);
                    etlc__buf_putc(&t->rec, '\n');
                    etlc__buf_append(&t->rec, t->line, (size_t)n);
                    continue; /* the '\n' just added to rec is read next, as field content */
                }
                char c = t->rec.data[i++];
                if (c == '"') {
                    if (i < t->rec.len && t->rec.data[i] == '"') {
                        etlc__buf_putc(&t->fields, '"');
                        i++;
                        continue;
                    }
                    break;
                }
                etlc__buf_putc(&t->fields, c);
            }
            if (i < t->rec.len && t->rec.data[i] != ',')
                return etlc_error_set(err, ETLC_DATA, "\"%s\" line %llu: text after a closing quote", t->path,
                                      (unsigned long long)t->lineno);
        } else {
            const char *s = t->rec.data + i, *c = memchr(s, ',', t->rec.len - i);
            size_t flen = c ? (size_t)(c - s) : t->rec.len - i;
            etlc__buf_append(&t->fields, s, flen);
            i += flen;
        }
        t->fl[nf] = t->fields.len - t->fs[nf];
        nf++;
        if (i < t->rec.len && t->rec.data[i] == ',') {
            i++;
            continue;
        }
        break;
    }
    if (!t->fields.data)
        etlc__buf_puts(&t->fields, "");
    *nfields = nf;
    return 0;
}

/* ---- values ---------------------------------------------------------------------- */

static int conv_error(dw_text *t, size_t col, const char *v, size_t len, etlc_error *err)
{
    return etlc_error_set(err, ETLC_DATA_TYPE, "\"%s\" line %llu column \"%s\": '%.*s' is not a %s value", t->path,
                          (unsigned long long)t->lineno, t->defs[col].name, (int)(len > 60 ? 60 : len), v,
                          etlc_type_name(t->defs[col].type));
}

/* Append a value given as text (CSV cell, or an unescaped JSON string). */
static int append_text(dw_text *t, size_t col, const char *v, size_t len, etlc_error *err)
{
    etlc_batch *b = t->batch;
    char tmp[64];
    char *end;
    switch (t->defs[col].type) {
    case ETLC_TYPE_BOOL:
        if (len == 4 && memcmp(v, "true", 4) == 0) return etlc_batch_append_bool(b, col, true, err);
        if (len == 5 && memcmp(v, "false", 5) == 0) return etlc_batch_append_bool(b, col, false, err);
        return conv_error(t, col, v, len, err);
    case ETLC_TYPE_INT64: {
        if (len == 0 || len >= sizeof tmp)
            return conv_error(t, col, v, len, err);
        memcpy(tmp, v, len);
        tmp[len] = '\0';
        errno = 0;
        long long x = strtoll(tmp, &end, 10);
        if (errno || *end)
            return conv_error(t, col, v, len, err);
        return etlc_batch_append_int64(b, col, x, err);
    }
    case ETLC_TYPE_DOUBLE: {
        if (len == 0 || len >= sizeof tmp)
            return conv_error(t, col, v, len, err);
        memcpy(tmp, v, len);
        tmp[len] = '\0';
        double x = strtod(tmp, &end);
        if (*end)
            return conv_error(t, col, v, len, err);
        return etlc_batch_append_double(b, col, x, err);
    }
    case ETLC_TYPE_DATE: {
        int32_t d;
        if (etlc_parse_date(v, len, &d))
            return conv_error(t, col, v, len, err);
        return etlc_batch_append_date(b, col, d, err);
    }
    case ETLC_TYPE_TIMESTAMP: {
        int64_t us;
        if (etlc_parse_timestamp(v, len, &us))
            return conv_error(t, col, v, len, err);
        return etlc_batch_append_timestamp(b, col, us, err);
    }
    case ETLC_TYPE_BYTES: {
        etlc__buf raw = {0};
        int rc = base64_decode(&raw, v, len);
        if (rc == -1) {
            etlc__buf_free(&raw);
            return conv_error(t, col, v, len, err);
        }
        rc = rc ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory")
                : etlc_batch_append_var(b, col, ETLC_TYPE_BYTES, raw.data ? raw.data : "", raw.len, err);
        etlc__buf_free(&raw);
        return rc;
    }
    case ETLC_TYPE_NULL:
        return conv_error(t, col, v, len, err);
    default:
        return etlc_batch_append_var(b, col, t->defs[col].type, v, len, err);
    }
}

static int jsonl_value(dw_text *t, size_t col, const char *v, size_t len, etlc_error *err)
{
    if (len == 4 && memcmp(v, "null", 4) == 0)
        return etlc_batch_append_null(t->batch, col, err);
    etlc_type ty = t->defs[col].type;
    if (ty == ETLC_TYPE_JSON)
        return etlc_batch_append_var(t->batch, col, ty, v, len, err);
    if (v[0] == '"') {
        int rc = json_unescape(&t->val, v, len);
        if (rc)
            return rc == -2 ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : conv_error(t, col, v, len, err);
        return append_text(t, col, t->val.data, t->val.len, err);
    }
    if (ty == ETLC_TYPE_DOUBLE && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')))
        return append_text(t, col, v, len, err);
    if (ty == ETLC_TYPE_TEXT || ty == ETLC_TYPE_DECIMAL || ty == ETLC_TYPE_BOOL || ty == ETLC_TYPE_INT64)
        return append_text(t, col, v, len, err);
    return conv_error(t, col, v, len, err);
}

static int jsonl_pair(dw_text *t, const char *k, size_t klen, const char *v, size_t vlen, etlc_error *err)
{
    int rc = json_unescape(&t->val, k, klen);
    if (rc)
        return etlc_error_set(err, ETLC_DATA, "\"%s\" line %llu: malformed key", t->path, (unsigned long long)t->lineno);
    ssize_t col = find_column(t, t->val.data, t->val.len, 0);
    if (col < 0)
        return etlc_error_set(err, ETLC_DATA_SCHEMA, "\"%s\" line %llu: column \"%.*s\" is not in the file's columns",
                              t->path, (unsigned long long)t->lineno, (int)t->val.len, t->val.data);
    if (t->seen[col])
        return etlc_error_set(err, ETLC_DATA, "\"%s\" line %llu: column \"%s\" appears twice", t->path,
                              (unsigned long long)t->lineno, t->defs[col].name);
    t->seen[col] = 1;
    return jsonl_value(t, (size_t)col, v, vlen, err);
}

/* Inference pass: kinds seen per column. */
enum { K_BOOL = 1, K_INT = 2, K_REAL = 4, K_STR = 8, K_NEST = 16 };
static int infer_pair(dw_text *t, const char *k, size_t klen, const char *v, size_t vlen, etlc_error *err)
{
    if (json_unescape(&t->val, k, klen))
        return etlc_error_set(err, ETLC_DATA, "\"%s\" line %llu: malformed key", t->path, (unsigned long long)t->lineno);
    ssize_t col = find_column(t, t->val.data, t->val.len, 0);
    if (col < 0) {
        int rc = add_column(t, t->val.data, t->val.len, ETLC_TYPE_NULL, err);
        if (rc)
            return rc;
        uint8_t *s = realloc(t->seen, t->ncols);
        if (!s)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
        t->seen = s;
        s[t->ncols - 1] = 0;
        col = (ssize_t)t->ncols - 1;
    }
    uint8_t kind = 0;
    if (vlen == 4 && memcmp(v, "null", 4) == 0) kind = 0;
    else if ((vlen == 4 && memcmp(v, "true", 4) == 0) || (vlen == 5 && memcmp(v, "false", 5) == 0)) kind = K_BOOL;
    else if (v[0] == '"') kind = K_STR;
    else if (v[0] == '{' || v[0] == '[') kind = K_NEST;
    else kind = memchr(v, '.', vlen) || memchr(v, 'e', vlen) || memchr(v, 'E', vlen) ? K_REAL : K_INT;
    t->seen[col] |= kind;
    return 0;
}

static int jsonl_infer(dw_text *t, etlc_error *err)
{
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = next_line(t)) >= 0)
        if (n > 0)
            rc = scan_object(t, t->line, (size_t)n, infer_pair, err);
    for (size_t i = 0; rc == 0 && i < t->ncols; i++) {
        uint8_t k = t->seen[i];
        t->defs[i].type = k == 0 ? ETLC_TYPE_NULL : k == K_BOOL ? ETLC_TYPE_BOOL : k == K_INT ? ETLC_TYPE_INT64
                        : (k & ~(K_INT | K_REAL)) == 0 ? ETLC_TYPE_DOUBLE : k == K_NEST ? ETLC_TYPE_JSON
                                                                                          : ETLC_TYPE_TEXT;
    }
    rewind(t->fp);
    t->lineno = 0;
    return rc;
}

/* ---- the reader ------------------------------------------------------------------ */

void etlc__dw_text_free(dw_text *t)
{
    if (!t)
        return;
    if (t->fp)
        fclose(t->fp);
    for (size_t i = 0; i < t->ncols; i++)
        free(t->defs[i].name);
    free(t->defs);
    etlc_batch_free(t->batch);
    free(t->line);
    etlc__buf_free(&t->rec);
    etlc__buf_free(&t->val);
    etlc__buf_free(&t->fields);
    free(t->fs);
    free(t->fl);
    free(t->fq);
    free(t->seen);
    free(t);
}

int etlc__dw_text_open(const dw_input *in, size_t batch_rows, dw_text **out, etlc_error *err)
{
    *out = NULL;
    dw_text *t = calloc(1, sizeof *t);
    if (!t)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening \"%s\"", in->path);
    t->path = in->path;
    t->fmt = in->format;
    t->batch_rows = batch_rows ? batch_rows : 10000;
    int rc = 0;
    if (!(t->fp = fopen(in->path, "rb")))
        rc = etlc_error_set(err, etlc_code_from_errno(errno), "cannot open \"%s\": %s", in->path, strerror(errno));
    if (rc == 0 && in->columns && *in->columns)
        rc = columns_from_meta(t, in->columns, err);
    if (rc == 0 && t->fmt == DW_CSV) {
        size_t nf = 0;
        int r = csv_record(t, &nf, err);
        if (r == -1)
            rc = t->ncols ? 0 : etlc_error_set(err, ETLC_DATA, "\"%s\": empty CSV file (no header)", in->path);
        else if (r)
            rc = r;
        for (size_t i = 0; rc == 0 && r == 0 && i < nf; i++) {
            const char *name = t->fields.data + t->fs[i];
            if (!in->columns)
                rc = add_column(t, name, t->fl[i], ETLC_TYPE_TEXT, err);
            else if (i >= t->ncols || strlen(t->defs[i].name) != t->fl[i] || memcmp(t->defs[i].name, name, t->fl[i]))
                rc = etlc_error_set(err, ETLC_DATA_SCHEMA, "\"%s\": CSV header column %zu \"%.*s\" does not match the "
                                    "item's columns metadata", in->path, i + 1, (int)t->fl[i], name);
        }
        if (rc == 0 && r == 0 && nf != t->ncols)
            rc = etlc_error_set(err, ETLC_DATA_SCHEMA, "\"%s\": CSV header has %zu columns, the metadata %zu", in->path,
                                nf, t->ncols);
    }
    if (rc == 0 && t->fmt == DW_JSONL && !in->columns)
        rc = jsonl_infer(t, err);
    if (rc == 0 && !(t->seen = realloc(t->seen, t->ncols + 1)))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening \"%s\"", in->path);
    if (rc == 0)
        rc = etlc_batch_new(t->defs, t->ncols, t->batch_rows, &t->batch, err);
    if (rc) {
        etlc__dw_text_free(t);
        return rc;
    }
    *out = t;
    return 0;
}

size_t etlc__dw_text_columns(dw_text *t, const etlc_column_def **defs)
{
    *defs = t->defs;
    return t->ncols;
}

int etlc__dw_text_next(dw_text *t, const etlc_batch **batch, etlc_error *err)
{
    *batch = NULL;
    etlc_batch_reset(t->batch);
    int rc = 0;
    while (rc == 0 && !etlc_batch_full(t->batch)) {
        if (t->fmt == DW_CSV) {
            size_t nf;
            int r = csv_record(t, &nf, err);
            if (r == -1)
                break;
            if (r)
                return r;
            if (nf != t->ncols)
                return etlc_error_set(err, ETLC_DATA, "\"%s\" line %llu: %zu fields, the header has %zu", t->path,
                                      (unsigned long long)t->lineno, nf, t->ncols);
            for (size_t i = 0; rc == 0 && i < nf; i++) {
                if (!t->fq[i] && t->fl[i] == 0)
                    rc = etlc_batch_append_null(t->batch, i, err);
                else
                    rc = append_text(t, i, t->fields.data + t->fs[i], t->fl[i], err);
            }
        } else {
            ssize_t n = next_line(t);
            if (n < 0)
                break;
            if (n == 0)
                continue;
            memset(t->seen, 0, t->ncols);
            rc = scan_object(t, t->line, (size_t)n, jsonl_pair, err);
            for (size_t i = 0; rc == 0 && i < t->ncols; i++)
                if (!t->seen[i])
                    rc = etlc_batch_append_null(t->batch, i, err);
        }
        if (rc == 0)
            rc = etlc_batch_end_row(t->batch, err);
    }
    if (rc)
        return rc;
    if (ferror(t->fp))
        return etlc_error_set(err, ETLC_IO, "cannot read \"%s\"", t->path);
    if (t->batch->nrows)
        *batch = t->batch;
    return 0;
}
