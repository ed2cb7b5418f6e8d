/* What the JSONL and CSV readers share: lines read through a buffer from
 * a local file or a lake file, UTF-8 checks, columns, and text -> typed
 * values (the inverse of value_text.c). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/format_reader_impl.h"

/* Bytes fetched per read: ranged GETs on S3 want big pieces, local files don't care. */
#define TEXT_CHUNK_LOCAL ((size_t)64 * 1024)
#define TEXT_CHUNK_LAKE ((size_t)1024 * 1024)

int etlc__text_error(etlc__format_reader *r, etlc_error *err, int code, const char *fmt, ...)
{
    /* Whole, then redacted and cut by etlc_error_set (never cut first). */
    va_list ap;
    va_start(ap, fmt);
    char *what = etlc__vformat_redacted(fmt, ap);
    va_end(ap);
    etlc_error_set(err, what ? code : ETLC_NO_MEMORY, "\"%s\" line %llu: %s", r->name,
                   (unsigned long long)r->lineno, what ? what : "out of memory");
    free(what);
    return what ? code : ETLC_NO_MEMORY;
}

/* ---- lines ------------------------------------------------------------------ */

/* Offset of the first byte that is not well-formed UTF-8 (no overlongs,
 * surrogates or code points past U+10FFFF), or len. */
static size_t utf8_valid_prefix(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        if (n == 0 || len - i < n)
            return i;
        uint8_t lo = 0x80, hi = 0xbf; /* the second byte's range */
        if (c == 0xe0) lo = 0xa0;
        else if (c == 0xed) hi = 0x9f;
        else if (c == 0xf0) lo = 0x90;
        else if (c == 0xf4) hi = 0x8f;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k < n; k++)
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
        i += n;
    }
    return len;
}

static int fill_chunk(etlc__format_reader *r, etlc_error *err)
{
    if (!r->chunk) {
        r->chunk_cap = r->in.lake ? TEXT_CHUNK_LAKE : TEXT_CHUNK_LOCAL;
        if (!(r->chunk = malloc(r->chunk_cap)))
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name);
    }
    size_t got = 0;
    int rc = etlc__byte_input_pread(&r->in, r->next_off, r->chunk, r->chunk_cap, &got, err);
    if (rc)
        return etlc_error_prefix(err, "reading \"%s\"", r->name);
    r->chunk_len = got;
    r->chunk_pos = 0;
    r->next_off += got;
    return 0;
}

int etlc__text_line(etlc__format_reader *r, const char **line, size_t *len, etlc_error *err)
{
    *line = NULL;
    *len = 0;
    etlc__buf_reset(&r->line);
    bool any = false;
    for (;;) {
        if (r->chunk_pos == r->chunk_len) {
            int rc = fill_chunk(r, err);
            if (rc)
                return rc;
            if (r->chunk_len == 0)
                break; /* end of file */
        }
        const uint8_t *p = r->chunk + r->chunk_pos;
        size_t avail = r->chunk_len - r->chunk_pos;
        const uint8_t *nl = memchr(p, '\n', avail);
        size_t take = nl ? (size_t)(nl - p) + 1 : avail;
        if (etlc__buf_append(&r->line, p, take))
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name);
        any = true;
        r->chunk_pos += take;
        if (nl)
            break;
    }
    if (!any)
        return 0;
    r->lineno++;
    size_t n = r->line.len;
    while (n > 0 && (r->line.data[n - 1] == '\n' || r->line.data[n - 1] == '\r'))
        n--;
    size_t ok = utf8_valid_prefix((const uint8_t *)r->line.data, n);
    if (ok < n)
        return etlc__text_error(r, err, ETLC_DATA, "invalid UTF-8 at byte %zu (0x%02x)", ok + 1,
                                (unsigned)(uint8_t)r->line.data[ok]);
    r->line_len = n;
    *line = r->line.data;
    *len = n;
    return 0;
}

int etlc__text_record_line(etlc__format_reader *r, const char **line, size_t *len, etlc_error *err)
{
    int rc;
    do {
        if ((rc = etlc__text_line(r, line, len, err)) != 0)
            return rc;
    } while (*line && *len == 0);
    return 0;
}

const char *etlc__text_line_end(const etlc__format_reader *r, size_t *len)
{
    *len = r->line.len - r->line_len;
    return r->line.data ? r->line.data + r->line_len : "";
}

void etlc__text_rewind(etlc__format_reader *r)
{
    r->next_off = 0;
    r->chunk_len = r->chunk_pos = 0;
    r->lineno = 0;
}

/* ---- columns ------------------------------------------------------------------ */

int etlc__text_add_column(etlc__format_reader *r, const char *name, size_t nlen, etlc_type type,
                          etlc_error *err)
{
    etlc_column_def *d = realloc(r->defs, (r->ncols + 1) * sizeof *d);
    if (!d)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name);
    r->defs = d;
    memset(&d[r->ncols], 0, sizeof *d);
    if (!(d[r->ncols].name = etlc__strndup(name, nlen)))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name);
    d[r->ncols].type = type;
    r->ncols++;
    return 0;
}

ssize_t etlc__text_find_column(const etlc__format_reader *r, const char *name, size_t nlen, size_t hint)
{
    if (hint < r->ncols && strlen(r->defs[hint].name) == nlen && memcmp(r->defs[hint].name, name, nlen) == 0)
        return (ssize_t)hint;
    for (size_t i = 0; i < r->ncols; i++)
        if (strlen(r->defs[i].name) == nlen && memcmp(r->defs[i].name, name, nlen) == 0)
            return (ssize_t)i;
    return -1;
}

int etlc__text_batch(etlc__format_reader *r, etlc_error *err)
{
    return etlc_batch_new(r->defs, r->ncols, r->batch_rows, &r->batch, err);
}

/* ---- values ---------------------------------------------------------------------- */

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

/* 0, -1 not base64, -2 out of memory. */
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

int etlc__text_conv_error(etlc__format_reader *r, size_t col, const char *v, size_t len, etlc_error *err)
{
    /* Show at most 60 characters of the value, cut after redacting it whole. */
    char *red = etlc__redacted_excerpt(v, len, 60);
    if (!red)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name);
    etlc_error_set(err, ETLC_DATA_TYPE, "\"%s\" line %llu column \"%s\": '%s' is not a %s value", r->name,
                   (unsigned long long)r->lineno, r->defs[col].name, red, etlc_type_name(r->defs[col].type));
    free(red);
    return ETLC_DATA_TYPE;
}

/* A double column: a decimal number, or one of the three markers the
 * writers use for non-finite values (value_text.c). Anything else strtod
 * would take is refused: hex, "inf", "nan", and numbers beyond a double's
 * range ("1e400"), which would otherwise turn into Infinity silently. */
static int append_double(etlc__format_reader *r, size_t col, const char *tmp, etlc_error *err)
{
    size_t len = strlen(tmp);
    if (strcmp(tmp, "NaN") == 0)
        return etlc_batch_append_double(r->batch, col, NAN, err);
    if (strcmp(tmp, "Infinity") == 0 || strcmp(tmp, "-Infinity") == 0)
        return etlc_batch_append_double(r->batch, col, tmp[0] == '-' ? -INFINITY : INFINITY, err);
    char *end;
    double x = strtod(tmp, &end);
    if (*end || etlc__decimal_len(tmp) != len)
        return etlc__text_conv_error(r, col, tmp, len, err);
    if (!isfinite(x))
        return etlc_error_set(err, ETLC_DATA_TYPE,
                              "\"%s\" line %llu column \"%s\": the number is beyond the range of a double; "
                              "non-finite values are written as NaN, Infinity or -Infinity",
                              r->name, (unsigned long long)r->lineno, r->defs[col].name);
    return etlc_batch_append_double(r->batch, col, x, err);
}

static int append_number(etlc__format_reader *r, size_t col, const char *v, size_t len, etlc_error *err)
{
    char tmp[64], *end;
    if (len == 0 || len >= sizeof tmp)
        return etlc__text_conv_error(r, col, v, len, err);
    memcpy(tmp, v, len);
    tmp[len] = '\0';
    if (r->defs[col].type == ETLC_TYPE_DOUBLE)
        return append_double(r, col, tmp, err);
    errno = 0;
    long long x = strtoll(tmp, &end, 10);
    if (errno || *end)
        return etlc__text_conv_error(r, col, v, len, err);
    return etlc_batch_append_int64(r->batch, col, x, err);
}

static int append_bytes(etlc__format_reader *r, size_t col, const char *v, size_t len, etlc_error *err)
{
    etlc__buf raw = {0};
    int rc = base64_decode(&raw, v, len);
    if (rc == -1) {
        etlc__buf_free(&raw);
        return etlc__text_conv_error(r, col, v, len, err);
    }
    rc = rc ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name)
            : etlc_batch_append_var(r->batch, col, ETLC_TYPE_BYTES, raw.data ? raw.data : "", raw.len, err);
    etlc__buf_free(&raw);
    return rc;
}

int etlc__text_append(etlc__format_reader *r, size_t col, const char *v, size_t len, etlc_error *err)
{
    etlc_batch *b = r->batch;
    switch (r->defs[col].type) {
    case ETLC_TYPE_BOOL:
        if (len == 4 && memcmp(v, "true", 4) == 0) return etlc_batch_append_bool(b, col, true, err);
        if (len == 5 && memcmp(v, "false", 5) == 0) return etlc_batch_append_bool(b, col, false, err);
        return etlc__text_conv_error(r, col, v, len, err);
    case ETLC_TYPE_INT64:
    case ETLC_TYPE_DOUBLE:
        return append_number(r, col, v, len, err);
    case ETLC_TYPE_DATE: {
        int32_t d;
        if (etlc_parse_date(v, len, &d))
            return etlc__text_conv_error(r, col, v, len, err);
        return etlc_batch_append_date(b, col, d, err);
    }
    case ETLC_TYPE_TIMESTAMP: {
        int64_t us;
        if (etlc_parse_timestamp(v, len, &us))
            return etlc__text_conv_error(r, col, v, len, err);
        return etlc_batch_append_timestamp(b, col, us, err);
    }
    case ETLC_TYPE_BYTES:
        return append_bytes(r, col, v, len, err);
    case ETLC_TYPE_NULL:
        return etlc__text_conv_error(r, col, v, len, err);
    default:
        return etlc_batch_append_var(b, col, r->defs[col].type, v, len, err);
    }
}

/* ---- batches ---------------------------------------------------------------------- */

int etlc__text_next(etlc__format_reader *r, etlc__text_row_fn read_row, const etlc_batch **batch,
                    etlc_error *err)
{
    *batch = NULL;
    etlc_batch_reset(r->batch);
    while (!etlc_batch_full(r->batch)) {
        bool eof = false;
        int rc = read_row(r, &eof, err);
        if (rc)
            return rc;
        if (eof)
            break;
        if ((rc = etlc_batch_end_row(r->batch, err)))
            return rc;
    }
    if (r->batch->nrows)
        *batch = r->batch;
    return 0;
}
