/* A sink turns record batches into lake files of one format.
 *
 * Files are opened lazily (a fetch that fails before its first row leaves
 * nothing behind), roll to a new part after max_records_per_file, and stay
 * temporary until etlc_sink_finish commits them all; abort removes them. */
#include <stdlib.h>
#include <string.h>

#include "sinks/column_names.h"
#include "sinks/lake_backend.h"
#include "sinks/sink_formats.h"

/* CMake defines ETLCONN_WITH_PARQUET when src/sinks/parquet is built. A
 * strong reference (not a weak one) so static links pull the writer in. */
#ifdef ETLCONN_WITH_PARQUET
extern const etlc_sink_format etlc__sink_format_parquet;
#define PARQUET_FORMAT &etlc__sink_format_parquet
#else
#define PARQUET_FORMAT NULL
#endif

static const etlc_sink_format *find_format(const char *name)
{
    const etlc_sink_format *formats[] = {&etlc__sink_format_jsonl, &etlc__sink_format_csv,
                                         PARQUET_FORMAT};
    for (size_t i = 0; i < ETLC__ARRAY_LEN(formats); i++)
        if (formats[i] && etlc__strcasecmp(formats[i]->name, name) == 0)
            return formats[i];
    return NULL;
}

/* Record-shaped data lands as Parquet when it is built, else JSON lines. */
#ifdef ETLCONN_WITH_PARQUET
#define DEFAULT_FORMAT "parquet"
#else
#define DEFAULT_FORMAT "jsonl"
#endif

const char *etlc_sink_default_format(void) { return DEFAULT_FORMAT; }

bool etlc_sink_format_supported(const char *format)
{
    return find_format(format ? format : DEFAULT_FORMAT) != NULL;
}

typedef struct sink_part {
    etlc_lake_file *file; /* sealed: durable, still temporary */
    char *relpath;
    char *columns;        /* "name:type,..." */
    int64_t records;
} sink_part;

struct etlc_sink {
    etlc_lake *lake;
    const etlc_sink_format *fmt;
    etlc_sink_options opts;   /* strings below are the sink's own copies */
    char *owned[8];
    /* The part being written, if any. */
    etlc_lake_file *cur;
    void *cur_state;
    char *cur_relpath;
    char *cur_columns;
    int64_t cur_records;
    /* Parts finished (sealed) and waiting for commit. */
    sink_part *parts;
    size_t nparts;
    /* Last schema seen, for the header of an empty result. */
    etlc_column_def *schema;
    size_t schema_ncols;
    bool failed;
    bool renamed_warned;      /* the name rule's warning is given once */
};

/* ---- helpers ------------------------------------------------------------- */

static void schema_free(etlc_sink *s)
{
    for (size_t i = 0; i < s->schema_ncols; i++)
        free(s->schema[i].name);
    free(s->schema);
    s->schema = NULL;
    s->schema_ncols = 0;
}

/* Keep a copy of the batch's column names and types when they change. */
static int remember_schema(etlc_sink *s, const etlc_batch *batch)
{
    bool same = s->schema && s->schema_ncols == batch->ncols;
    for (size_t i = 0; same && i < batch->ncols; i++)
        same = s->schema[i].type == batch->cols[i].def.type &&
               strcmp(s->schema[i].name, batch->cols[i].def.name) == 0;
    if (same)
        return 0;
    schema_free(s);
    if (batch->ncols == 0) {
        s->schema = calloc(1, sizeof *s->schema);
        return s->schema ? 0 : -1;
    }
    s->schema = calloc(batch->ncols, sizeof *s->schema);
    if (!s->schema)
        return -1;
    s->schema_ncols = batch->ncols;
    for (size_t i = 0; i < batch->ncols; i++) {
        s->schema[i] = batch->cols[i].def;
        s->schema[i].name = etlc__strdup(batch->cols[i].def.name);
        if (!s->schema[i].name)
            return -1;
    }
    return 0;
}

static char *columns_string(const etlc_column_def *defs, size_t n, size_t stride)
{
    etlc__buf b = {0};
    for (size_t i = 0; i < n; i++) {
        const etlc_column_def *d = (const etlc_column_def *)((const char *)defs + i * stride);
        if ((i && etlc__buf_putc(&b, ',') != 0) || etlc__column_name_encode(&b, d->name) != 0 ||
            etlc__buf_printf(&b, ":%s", etlc_type_name(d->type)) != 0) {
            etlc__buf_free(&b);
            return NULL;
        }
    }
    if (!b.data && etlc__buf_puts(&b, "") != 0)
        return NULL;
    return etlc__buf_take(&b);
}

static size_t slot_width(etlc_type t)
{
    switch (t) {
    case ETLC_TYPE_BOOL: return 1;
    case ETLC_TYPE_DATE: return 4;
    case ETLC_TYPE_INT64:
    case ETLC_TYPE_TIMESTAMP: return 8;
    case ETLC_TYPE_DOUBLE: return sizeof(double);
    default: return 0;
    }
}

/* A batch viewing rows [first, first+n) of `src` without copying: column
 * pointers are shifted; var data stays shared since offsets index it. */
static int make_view(const etlc_batch *src, size_t first, size_t n, etlc_batch *view)
{
    *view = *src;
    view->cols = calloc(src->ncols ? src->ncols : 1, sizeof *view->cols);
    if (!view->cols)
        return -1;
    for (size_t i = 0; i < src->ncols; i++) {
        etlc_column *c = &view->cols[i];
        *c = src->cols[i];
        c->nulls = src->cols[i].nulls + first;
        size_t w = slot_width(c->def.type);
        if (etlc__column_scaled(&src->cols[i])) /* scaled decimals: 16 bytes a row */
            c->fixed.b = src->cols[i].fixed.b + first * sizeof(etlc__i128);
        else if (w && src->cols[i].fixed.b)
            c->fixed.b = src->cols[i].fixed.b + first * w;
        if (src->cols[i].offsets)
            c->offsets = src->cols[i].offsets + first;
        c->count = n;
        c->null_count = 0;
        for (size_t r = 0; r < n; r++)
            c->null_count += c->nulls[r] != 0;
    }
    view->nrows = n;
    view->capacity = n;
    return 0;
}

/* ---- parts --------------------------------------------------------------- */

static int render_part_path(etlc_sink *s, unsigned part, char **out, etlc_error *err)
{
    etlc_path_vars v = s->opts.vars;
    v.part = part;
    v.ext = s->fmt->ext;
    v.format = s->fmt->name;
    return etlc_lake_render_path(s->opts.path_template, &v, out, err);
}

static void release_cur(etlc_sink *s)
{
    if (s->cur_state) {
        s->fmt->release(s->cur_state);
        free(s->cur_state);
    }
    s->cur_state = NULL;
    free(s->cur_relpath);
    free(s->cur_columns);
    s->cur_relpath = s->cur_columns = NULL;
    s->cur_records = 0;
}

static int open_part(etlc_sink *s, etlc_error *err)
{
    char *relpath = NULL;
    int rc = render_part_path(s, (unsigned)s->nparts, &relpath, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < s->nparts; i++)
        if (strcmp(s->parts[i].relpath, relpath) == 0) {
            rc = etlc_error_set(err, ETLC_CONFIG,
                                "path template '%s' gives every part the same path '%s'; add "
                                "{part} to it when max_records_per_file splits the output",
                                s->opts.path_template, relpath);
            free(relpath);
            return rc;
        }
    s->cur_state = calloc(1, s->fmt->state_size ? s->fmt->state_size : 1);
    if (!s->cur_state) {
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting '%s'", relpath);
        free(relpath);
        return rc;
    }
    s->cur_relpath = relpath;
    rc = etlc_lake_file_create(s->lake, relpath, &s->cur, err);
    if (rc == 0)
        rc = s->fmt->begin(s->cur_state, &s->opts, s->cur, err);
    if (rc) {
        etlc_lake_file_abort(s->cur);
        s->cur = NULL;
        release_cur(s);
    }
    return rc;
}

/* End the current part (footer, durable) and queue it for commit. */
static int close_part(etlc_sink *s, etlc_error *err)
{
    sink_part *parts = realloc(s->parts, (s->nparts + 1) * sizeof *parts);
    if (!parts)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory closing '%s'", s->cur_relpath);
    s->parts = parts;
    int rc = s->fmt->end(s->cur_state, s->cur, err);
    if (rc == 0)
        rc = etlc__lake_file_seal(s->cur, err);
    if (rc)
        return rc; /* the caller aborts; cur is still owned by the sink */
    if (!s->cur_columns)
        s->cur_columns = columns_string(s->schema, s->schema_ncols, sizeof *s->schema);
    if (!s->cur_columns)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory closing '%s'", s->cur_relpath);
    sink_part *p = &s->parts[s->nparts++];
    p->file = s->cur;
    p->relpath = s->cur_relpath;
    p->columns = s->cur_columns;
    p->records = s->cur_records;
    s->cur = NULL;
    s->cur_relpath = s->cur_columns = NULL;
    release_cur(s);
    return 0;
}

static int write_rows(etlc_sink *s, const etlc_batch *batch, etlc_error *err)
{
    int rc = 0;
    if (!s->cur && (rc = open_part(s, err)) != 0)
        return rc;
    rc = s->fmt->write(s->cur_state, batch, s->cur, err);
    if (rc)
        return rc;
    s->cur_records += (int64_t)batch->nrows;
    /* The part's columns are those of its latest batch (NULL columns get
     * their type once a value arrives). */
    char *cols = columns_string(batch->ncols ? &batch->cols[0].def : NULL, batch->ncols,
                                sizeof batch->cols[0]);
    if (!cols)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory describing columns");
    free(s->cur_columns);
    s->cur_columns = cols;
    return 0;
}

/* ---- public API ---------------------------------------------------------- */

int etlc_sink_open(etlc_lake *lake, const etlc_sink_options *opts, etlc_sink **out, etlc_error *err)
{
    *out = NULL;
    etlc_sink_options defaults = {0};
    if (!opts)
        opts = &defaults;
    const char *fname = opts->format ? opts->format : DEFAULT_FORMAT;
    const etlc_sink_format *fmt = find_format(fname);
    if (!fmt) {
        if (etlc__strcasecmp(fname, "parquet") == 0)
            return etlc_error_set(err, ETLC_UNSUPPORTED,
                                  "sink format 'parquet' is not built in to this etlconn "
                                  "(jsonl and csv are)");
        return etlc_error_set(err, ETLC_CONFIG_RANGE,
                              "sink format '%s' is not one of jsonl, csv, parquet", fname);
    }
    if (opts->max_records_per_file < 0)
        return etlc_error_set(err, ETLC_CONFIG_RANGE, "max_records_per_file is %lld; it must be >= 0",
                              (long long)opts->max_records_per_file);
    etlc_sink *s = calloc(1, sizeof *s);
    if (!s)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening a %s sink", fname);
    s->lake = lake;
    s->fmt = fmt;
    s->opts = *opts;
    s->opts.format = fmt->name;
    char today[40];
    if (!opts->vars.date) { /* fixed once so every part of a fetch shares it */
        etlc_format_date((int32_t)(etlc_now_us() / 86400000000LL), today, sizeof today);
        s->opts.vars.date = today;
    }
    const char **copy[] = {&s->opts.path_template, &s->opts.vars.protocol, &s->opts.vars.source,
                           &s->opts.vars.date,     &s->opts.vars.run_id,   &s->opts.vars.query_hash,
                           &s->opts.compression};
    for (size_t i = 0; i < ETLC__ARRAY_LEN(copy); i++) {
        if (!*copy[i])
            continue;
        s->owned[i] = etlc__strdup(*copy[i]);
        if (!s->owned[i]) {
            etlc_sink_abort(s);
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening a %s sink", fname);
        }
        *copy[i] = s->owned[i];
    }
    if (!s->opts.path_template)
        s->opts.path_template = ETLC_LAKE_DEFAULT_TEMPLATE;
    /* Render part 0 now so a bad template fails before any fetch work. */
    char *probe = NULL;
    int rc = render_part_path(s, 0, &probe, err);
    free(probe);
    if (rc) {
        etlc_sink_abort(s);
        return rc;
    }
    *out = s;
    return 0;
}

static int write_settled(etlc_sink *s, const etlc_batch *batch, etlc_error *err);

/* The name rule (column_names.h): `view` shows the batch under settled
 * names when any changes; *names (to free) holds them. */
static int settle_names(etlc_sink *s, const etlc_batch *batch, etlc_batch *view, char ***names, etlc_error *err)
{
    *names = NULL;
    const char **raw = calloc(batch->ncols ? batch->ncols : 1, sizeof *raw);
    char *note = NULL;
    if (!raw)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory checking column names");
    for (size_t i = 0; i < batch->ncols; i++)
        raw[i] = batch->cols[i].def.name;
    int rc = etlc__column_names_settle(raw, batch->ncols, names, &note);
    free(raw);
    if (rc == 0 && *names && make_view(batch, 0, batch->nrows, view) != 0)
        rc = -1;
    if (rc) {
        etlc__column_names_free(*names, batch->ncols);
        *names = NULL;
        free(note);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory checking column names");
    }
    if (!*names)
        return 0;
    view->capacity = batch->capacity;
    for (size_t i = 0; i < batch->ncols; i++)
        view->cols[i].def.name = (*names)[i];
    if (!s->renamed_warned)
        etlc_log(ETLC_LOG_WARN, "sink", "column names made unique and non-empty for the lake: %s", note);
    s->renamed_warned = true;
    free(note);
    return 0;
}

int etlc_sink_write(etlc_sink *s, const etlc_batch *batch, etlc_error *err)
{
    if (s->failed)
        return etlc_error_set(err, ETLC_INTERNAL, "sink already failed; abort it");
    etlc_batch named;
    char **names = NULL;
    int rc = settle_names(s, batch, &named, &names, err);
    if (rc) {
        s->failed = true;
        return rc;
    }
    rc = write_settled(s, names ? &named : batch, err);
    if (names) {
        free(named.cols);
        etlc__column_names_free(names, batch->ncols);
    }
    return rc;
}

bool etlc__sink_reads_scaled_decimals(const etlc_sink *s)
{
    return s && strcmp(s->fmt->name, "parquet") == 0;
}

static int write_settled(etlc_sink *s, const etlc_batch *batch, etlc_error *err)
{
    /* Scaled decimals carry no text: only the Parquet format reads them. */
    for (size_t i = 0; i < batch->ncols && !etlc__sink_reads_scaled_decimals(s); i++)
        if (etlc__column_scaled(&batch->cols[i])) {
            s->failed = true;
            return etlc_error_set(err, ETLC_INTERNAL, "column '%s' holds scaled decimals, which "
                                  "the %s format cannot write", batch->cols[i].def.name, s->fmt->name);
        }
    if (remember_schema(s, batch) != 0) {
        s->failed = true;
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory remembering the batch schema");
    }
    int64_t max = s->opts.max_records_per_file;
    size_t first = 0;
    while (first < batch->nrows) {
        size_t n = batch->nrows - first;
        if (max > 0 && (int64_t)n > max - s->cur_records)
            n = (size_t)(max - s->cur_records);
        int rc;
        if (first == 0 && n == batch->nrows) {
            rc = write_rows(s, batch, err);
        } else {
            etlc_batch view;
            if (make_view(batch, first, n, &view) != 0) {
                s->failed = true;
                return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory splitting a batch");
            }
            rc = write_rows(s, &view, err);
            free(view.cols);
        }
        if (rc == 0 && max > 0 && s->cur_records >= max)
            rc = close_part(s, err);
        if (rc) {
            s->failed = true;
            return rc;
        }
        first += n;
    }
    return 0;
}

/* Remove the files committed so far by a finish that then failed. */
static void uncommit(etlc_sink *s, etlc_item *items, size_t n)
{
    etlc_error ignored = {0};
    for (size_t i = 0; i < n; i++) {
        etlc__lake_remove_committed(s->lake, items[i].path, &ignored);
        etlc_item_clear(&items[i]);
    }
}

int etlc_sink_finish(etlc_sink *s, etlc_result *result, etlc_error *err)
{
    int rc = 0;
    if (s->failed) {
        rc = etlc_error_set(err, ETLC_INTERNAL, "sink had a failed write; nothing was committed");
        etlc_sink_abort(s);
        return rc;
    }
    if (!s->cur && s->nparts == 0) {
        /* An empty result still lands one file (header-only CSV, empty JSONL). */
        etlc_batch *empty = NULL;
        rc = etlc_batch_new(s->schema, s->schema_ncols, 1, &empty, err);
        if (rc == 0)
            rc = write_rows(s, empty, err);
        etlc_batch_free(empty);
    }
    if (rc == 0 && s->cur)
        rc = close_part(s, err);
    if (rc) {
        etlc_sink_abort(s);
        return rc;
    }

    etlc_item *items = calloc(s->nparts, sizeof *items);
    if (!items) {
        etlc_sink_abort(s);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory finishing the sink");
    }
    size_t done = 0;
    for (; done < s->nparts; done++) {
        sink_part *p = &s->parts[done];
        etlc_item *it = &items[done];
        uint64_t bytes = 0;
        char *final_path = NULL;
        rc = etlc_lake_file_commit(p->file, &bytes, it->sha256, &final_path, err);
        p->file = NULL; /* commit frees it either way */
        if (rc)
            break;
        it->path = final_path;
        const char *slash = strrchr(p->relpath, '/');
        it->name = etlc__strdup(slash ? slash + 1 : p->relpath);
        it->format = etlc__strdup(s->fmt->name);
        it->content_type = etlc__strdup(s->fmt->content_type);
        it->record_count = p->records;
        it->byte_count = (int64_t)bytes;
        it->fetched_at_us = etlc_now_us();
        if (!it->name || !it->format || !it->content_type ||
            etlc_meta_set(&it->metadata, "columns", p->columns) != 0) {
            done++; /* committed: include it in the undo */
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory describing '%s'", final_path);
            break;
        }
    }
    size_t before = result ? result->item_count : 0;
    int64_t rec_before = result ? result->record_count : 0, bytes_before = result ? result->byte_count : 0;
    for (size_t i = 0; rc == 0 && result && i < s->nparts; i++)
        rc = etlc_result_add_item(result, &items[i], err);
    if (rc) {
        /* Nothing new stays visible: undo the commits and the items added. */
        uncommit(s, items, done);
        if (result) {
            for (size_t i = before; i < result->item_count; i++)
                etlc_item_clear(&result->items[i]);
            result->item_count = before;
            result->record_count = rec_before;
            result->byte_count = bytes_before;
        }
    } else {
        for (size_t i = 0; i < s->nparts; i++)
            etlc_item_clear(&items[i]);
    }
    free(items);
    etlc_sink_abort(s); /* frees the sink; committed parts are already NULL */
    return rc;
}

void etlc_sink_abort(etlc_sink *s)
{
    if (!s)
        return;
    if (s->cur)
        etlc_lake_file_abort(s->cur);
    s->cur = NULL;
    release_cur(s);
    for (size_t i = 0; i < s->nparts; i++) {
        etlc_lake_file_abort(s->parts[i].file);
        free(s->parts[i].relpath);
        free(s->parts[i].columns);
    }
    free(s->parts);
    schema_free(s);
    for (size_t i = 0; i < ETLC__ARRAY_LEN(s->owned); i++)
        free(s->owned[i]);
    free(s);
}

static int sink_on_batch(void *userdata, const etlc_batch *batch, etlc_error *err)
{
    return etlc_sink_write(userdata, batch, err);
}

etlc_batch_consumer etlc_sink_consumer(etlc_sink *sink)
{
    etlc_batch_consumer c = {sink_on_batch, sink};
    return c;
}
