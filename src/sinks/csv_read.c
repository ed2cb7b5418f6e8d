/* CSV lake files -> record batches (the reader beside csv.c).
 *
 * RFC 4180 as csv.c writes it: a header row, then one record per line; a
 * quoted field may hold commas, doubled quotes and line breaks (kept as
 * written, CRLF included). An empty unquoted field is NULL, "" is the empty
 * string. Column types come from the item's "columns" metadata when given
 * (the header must then name the same columns); without it every column is
 * text, since a cell does not say whether "1" is a number or a string. */
#include <stdlib.h>
#include <string.h>

#include "sinks/column_names.h"
#include "sinks/format_reader_impl.h"

typedef struct csv_read {
    etlc__buf rec;     /* one record (may span lines) */
    etlc__buf fields;  /* decoded field bytes, concatenated */
    size_t *fs, *fl;   /* field start and length in `fields` */
    bool *fq;          /* field was quoted */
    size_t fcap, nf;
} csv_read;

static int grow_fields(etlc__format_reader *r, csv_read *c, etlc_error *err)
{
    size_t cap = c->fcap ? c->fcap * 2 : 16;
    size_t *fs = realloc(c->fs, cap * sizeof *fs);
    if (fs)
        c->fs = fs;
    size_t *fl = fs ? realloc(c->fl, cap * sizeof *fl) : NULL;
    if (fl)
        c->fl = fl;
    bool *fq = fl ? realloc(c->fq, cap * sizeof *fq) : NULL;
    if (!fq)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name);
    c->fq = fq;
    c->fcap = cap;
    return 0;
}

/* A quoted field starting after its opening quote at rec[*i]; reads more
 * lines while the quote is open. */
static int quoted_field(etlc__format_reader *r, csv_read *c, size_t *i, etlc_error *err)
{
    int bad = 0;
    for (;;) {
        if (*i >= c->rec.len) { /* the field goes on past this line's end */
            size_t eol_len, n;
            const char *eol = etlc__text_line_end(r, &eol_len), *line;
            if (etlc__buf_append(&c->rec, eol, eol_len))
                return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name);
            int rc = etlc__text_line(r, &line, &n, err);
            if (rc)
                return rc;
            if (!line)
                return etlc__text_error(r, err, ETLC_DATA, "unterminated quoted field");
            if (etlc__buf_append(&c->rec, line, n))
                return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name);
            continue;
        }
        char ch = c->rec.data[(*i)++];
        if (ch == '"') {
            if (*i < c->rec.len && c->rec.data[*i] == '"') {
                bad = bad || etlc__buf_putc(&c->fields, '"');
                (*i)++;
                continue;
            }
            break;
        }
        bad = bad || etlc__buf_putc(&c->fields, ch);
    }
    if (bad)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name);
    if (*i < c->rec.len && c->rec.data[*i] != ',')
        return etlc__text_error(r, err, ETLC_DATA, "text after a closing quote");
    return 0;
}

/* The next record's fields into c->fields / fs / fl / fq; *eof at the end. */
static int csv_record(etlc__format_reader *r, csv_read *c, bool *eof, etlc_error *err)
{
    const char *line;
    size_t n;
    int rc;
    if ((rc = etlc__text_record_line(r, &line, &n, err)))
        return rc;
    if (!line) {
        *eof = true;
        return 0;
    }
    etlc__buf_reset(&c->rec);
    etlc__buf_reset(&c->fields);
    if (etlc__buf_append(&c->rec, line, n) || etlc__buf_puts(&c->fields, ""))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name);
    size_t nf = 0, i = 0;
    for (;;) {
        if (nf == c->fcap && (rc = grow_fields(r, c, err)))
            return rc;
        c->fs[nf] = c->fields.len;
        c->fq[nf] = i < c->rec.len && c->rec.data[i] == '"';
        if (c->fq[nf]) {
            i++;
            if ((rc = quoted_field(r, c, &i, err)))
                return rc;
        } else {
            const char *s = c->rec.data + i, *comma = memchr(s, ',', c->rec.len - i);
            size_t flen = comma ? (size_t)(comma - s) : c->rec.len - i;
            if (etlc__buf_append(&c->fields, s, flen))
                return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name);
            i += flen;
        }
        c->fl[nf] = c->fields.len - c->fs[nf];
        nf++;
        if (i < c->rec.len && c->rec.data[i] == ',') {
            i++;
            continue;
        }
        break;
    }
    c->nf = nf;
    return 0;
}

/* Empty or repeated header names, settled as a fetch settles them
 * (column_names.h), so what is read can be loaded. */
static int settle_header(etlc__format_reader *r, etlc_error *err)
{
    const char **raw = calloc(r->ncols ? r->ncols : 1, sizeof *raw);
    char **names = NULL, *note = NULL;
    if (!raw)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name);
    for (size_t i = 0; i < r->ncols; i++)
        raw[i] = r->defs[i].name;
    int rc = etlc__column_names_settle(raw, r->ncols, &names, &note);
    free(raw);
    if (rc)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name);
    if (!names)
        return 0;
    etlc_log(ETLC_LOG_WARN, "csv", "\"%s\": header names made unique and non-empty: %s", r->name, note);
    for (size_t i = 0; i < r->ncols; i++) {
        free(r->defs[i].name);
        r->defs[i].name = names[i];
    }
    free(names);
    free(note);
    return 0;
}

/* The header: the columns, or a check against the hinted ones. */
static int csv_header(etlc__format_reader *r, csv_read *c, etlc_error *err)
{
    bool eof = false;
    int rc = csv_record(r, c, &eof, err);
    if (rc)
        return rc;
    if (eof)
        return r->ncols ? 0 : etlc_error_set(err, ETLC_DATA, "\"%s\": empty CSV file (no header)", r->name);
    for (size_t i = 0; rc == 0 && i < c->nf; i++) {
        const char *name = c->fields.data + c->fs[i];
        size_t len = c->fl[i];
        if (i == 0 && len >= 3 && memcmp(name, "\xEF\xBB\xBF", 3) == 0) { /* a byte-order mark is no name */
            name += 3;
            len -= 3;
        }
        if (!r->hinted)
            rc = etlc__text_add_column(r, name, len, ETLC_TYPE_TEXT, err);
        else if (i >= r->ncols || strlen(r->defs[i].name) != len || memcmp(r->defs[i].name, name, len))
            rc = etlc_error_set(err, ETLC_DATA_SCHEMA, "\"%s\": CSV header column %zu \"%.*s\" does not match the "
                                "item's columns metadata", r->name, i + 1, (int)len, name);
    }
    if (rc == 0 && !r->hinted)
        rc = settle_header(r, err);
    if (rc == 0 && c->nf != r->ncols)
        rc = etlc_error_set(err, ETLC_DATA_SCHEMA, "\"%s\": CSV header has %zu columns, the metadata %zu", r->name,
                            c->nf, r->ncols);
    return rc;
}

static int csv_start(etlc__format_reader *r, etlc_error *err)
{
    if (!(r->fmt = calloc(1, sizeof(csv_read))))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening \"%s\"", r->name);
    int rc = csv_header(r, r->fmt, err);
    return rc ? rc : etlc__text_batch(r, err);
}

static int csv_row(etlc__format_reader *r, bool *eof, etlc_error *err)
{
    csv_read *c = r->fmt;
    int rc = csv_record(r, c, eof, err);
    if (rc || *eof)
        return rc;
    if (c->nf != r->ncols)
        return etlc__text_error(r, err, ETLC_DATA, "%zu fields, the header has %zu", c->nf, r->ncols);
    for (size_t i = 0; rc == 0 && i < c->nf; i++) {
        if (!c->fq[i] && c->fl[i] == 0)
            rc = etlc_batch_append_null(r->batch, i, err);
        else
            rc = etlc__text_append(r, i, c->fields.data + c->fs[i], c->fl[i], err);
    }
    return rc;
}

static int csv_next(etlc__format_reader *r, const etlc_batch **batch, etlc_error *err)
{
    return etlc__text_next(r, csv_row, batch, err);
}

static void csv_release(etlc__format_reader *r)
{
    csv_read *c = r->fmt;
    if (!c)
        return;
    etlc__buf_free(&c->rec);
    etlc__buf_free(&c->fields);
    free(c->fs);
    free(c->fl);
    free(c->fq);
    free(c);
}

const etlc__format_reader_ops etlc__format_reader_csv = {
    .format = "csv",
    .start = csv_start,
    .next = csv_next,
    .release = csv_release,
};
