/* One interface over the lake formats' readers: open a local file or a
 * lake file, apply the item's column hints, hand out batches. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sinks/column_names.h"
#include "sinks/format_reader_impl.h"

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

const char *etlc__format_of_name(const char *name)
{
    if (!name)
        return NULL;
    if (ends_with(name, ".parquet"))
        return "parquet";
    if (ends_with(name, ".jsonl") || ends_with(name, ".ndjson"))
        return "jsonl";
    if (ends_with(name, ".csv"))
        return "csv";
    return NULL;
}

static const etlc__format_reader_ops *ops_for(const char *format)
{
    if (strcasecmp(format, "jsonl") == 0)
        return &etlc__format_reader_jsonl;
    if (strcasecmp(format, "csv") == 0)
        return &etlc__format_reader_csv;
#ifdef ETLCONN_WITH_PARQUET
    if (strcasecmp(format, "parquet") == 0)
        return &etlc__format_reader_parquet;
#endif
    return NULL;
}

int etlc__byte_input_pread(etlc__byte_input *in, uint64_t off, void *buf, size_t len, size_t *got,
                           etlc_error *err)
{
    if (in->lake)
        return etlc_lake_reader_pread(in->lake, off, buf, len, got, err);
    *got = 0;
    while (*got < len) {
        ssize_t n = pread(in->fd, (uint8_t *)buf + *got, len - *got, (off_t)(off + *got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return etlc_error_set(err, etlc_code_from_errno(errno), "read failed at byte %llu: %s",
                                  (unsigned long long)(off + *got), strerror(errno));
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    return 0;
}

/* "a:int64,b:text" -> columns; names are percent-decoded (column_names.h). */
static int hint_columns(etlc__format_reader *r, const char *meta, etlc_error *err)
{
    const char *p = meta;
    while (*p) {
        const char *comma = strchr(p, ','), *e = comma ? comma : p + strlen(p);
        const char *colon = NULL;
        for (const char *q = e; q > p; q--)
            if (q[-1] == ':') {
                colon = q - 1;
                break;
            }
        if (!colon)
            return etlc_error_set(err, ETLC_DATA, "\"%s\": item metadata columns '%s' is not name:type,...", r->name,
                                  meta);
        char tn[32];
        snprintf(tn, sizeof tn, "%.*s", (int)(e - colon - 1), colon + 1);
        int ty = etlc_type_parse(tn);
        if (ty < 0)
            return etlc_error_set(err, ETLC_DATA, "\"%s\": item metadata names unknown type '%s'", r->name, tn);
        char *name = etlc__column_name_decode(p, (size_t)(colon - p));
        int rc = name ? etlc__text_add_column(r, name, strlen(name), (etlc_type)ty, err)
                      : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", r->name);
        free(name);
        if (rc)
            return rc;
        p = comma ? comma + 1 : e;
    }
    r->hinted = true;
    return 0;
}

void etlc__format_reader_free(etlc__format_reader *r)
{
    if (!r)
        return;
    if (r->ops && r->ops->release)
        r->ops->release(r);
    if (r->in.fd >= 0)
        close(r->in.fd);
    etlc_lake_reader_close(r->in.lake);
    for (size_t i = 0; i < r->ncols; i++)
        free(r->defs[i].name);
    free(r->defs);
    etlc_batch_free(r->batch);
    free(r->chunk);
    etlc__buf_free(&r->line);
    etlc__buf_free(&r->val);
    free(r->name);
    free(r);
}

/* A reader without its input yet: format, name, options. */
static int reader_new(const char *file, const char *display, const etlc__format_reader_options *opts,
                      etlc__format_reader **out, etlc_error *err)
{
    *out = NULL;
    const char *format = opts && opts->format ? opts->format : etlc__format_of_name(file);
    if (!format)
        return etlc_error_set(err, ETLC_UNSUPPORTED, "\"%s\": not a .parquet, .jsonl or .csv file", display);
    const etlc__format_reader_ops *ops = ops_for(format);
    if (!ops)
        return etlc_error_set(err, strcasecmp(format, "parquet") == 0 ? ETLC_NOT_BUILT_IN : ETLC_UNSUPPORTED,
                              "\"%s\": no reader for format '%s'", display, format);
    etlc__format_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->name = etlc__strdup(opts && opts->display_name ? opts->display_name : display))) {
        free(r);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening \"%s\"", display);
    }
    r->ops = ops;
    r->in.fd = -1;
    r->batch_rows = opts && opts->batch_rows ? opts->batch_rows : ETLC_FORMAT_READER_DEFAULT_ROWS;
    r->flatten = opts && opts->flatten;
    *out = r;
    return 0;
}

/* The input is open: hints, then the format's start. Frees r on failure. */
static int reader_start(etlc__format_reader *r, const etlc__format_reader_options *opts,
                        etlc__format_reader **out, etlc_error *err)
{
    int rc = 0;
    if (opts && opts->columns && *opts->columns && strcmp(r->ops->format, "parquet") != 0)
        rc = hint_columns(r, opts->columns, err);
    if (rc == 0)
        rc = r->ops->start(r, err);
    if (rc) {
        etlc__format_reader_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

int etlc__format_reader_open_path(const char *path, const etlc__format_reader_options *opts,
                                  etlc__format_reader **out, etlc_error *err)
{
    etlc__format_reader *r;
    int rc = reader_new(path, path, opts, &r, err);
    if (rc)
        return rc;
    struct stat st;
    r->in.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->in.fd < 0 || fstat(r->in.fd, &st) != 0) {
        int e = errno;
        etlc__format_reader_free(r);
        return etlc_error_set(err, etlc_code_from_errno(e), "cannot open \"%s\": %s", path, strerror(e));
    }
    r->in.size = (uint64_t)st.st_size;
    return reader_start(r, opts, out, err);
}

int etlc__format_reader_open_lake(etlc_lake *lake, const char *relpath,
                                  const etlc__format_reader_options *opts,
                                  etlc__format_reader **out, etlc_error *err)
{
    *out = NULL;
    etlc__buf uri = {0};
    const char *root = etlc_lake_root(lake);
    if (etlc__buf_printf(&uri, "%s%s%s", root, root[0] && root[strlen(root) - 1] != '/' ? "/" : "", relpath))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening \"%s\"", relpath);
    etlc__format_reader *r;
    int rc = reader_new(relpath, uri.data, opts, &r, err);
    etlc__buf_free(&uri);
    if (rc)
        return rc;
    if ((rc = etlc_lake_reader_open(lake, relpath, &r->in.lake, &r->in.size, err))) {
        etlc__format_reader_free(r);
        return rc;
    }
    return reader_start(r, opts, out, err);
}

const char *etlc__format_reader_format(const etlc__format_reader *r) { return r->ops->format; }

size_t etlc__format_reader_columns(const etlc__format_reader *r, const etlc_column_def **defs)
{
    *defs = r->defs;
    return r->ncols;
}

int etlc__format_reader_hint(const etlc__format_reader *r, size_t col)
{
    return r->ops->hint && col < r->ncols ? r->ops->hint(r, col) : ETLC_HINT_NONE;
}

void etlc__format_reader_set_max_page_bytes(etlc__format_reader *r, size_t max_bytes)
{
    if (r->ops->set_max_page)
        r->ops->set_max_page(r, max_bytes);
}

int etlc__format_reader_next(etlc__format_reader *r, const etlc_batch **batch, etlc_error *err)
{
    return r->ops->next(r, batch, err);
}
