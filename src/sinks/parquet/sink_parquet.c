/* The "parquet" sink format: the Parquet writer feeding a lake file. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "sinks/column_names.h"

#include "sinks/parquet/pq.h"

typedef struct parquet_state {
    etlc_parquet_writer *w;
    etlc_lake_file *file; /* where the writer's bytes go during the current call */
    etlc__buf columns;    /* "name:type,..." as of the last batch, for the footer */
} parquet_state;

/* Footer key/values that say where the file came from (never secrets:
 * sources and queries are secret-free by contract, and redacted anyway). */
static int provenance_meta(const etlc_sink_options *opts, etlc_meta *m)
{
    const char *pairs[][2] = {
        {"etlconn.protocol", opts->vars.protocol},
        {"etlconn.source", opts->vars.source},
        {"etlconn.query_hash", opts->vars.query_hash},
        {"etlconn.run_id", opts->vars.run_id},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (pairs[i][1] && etlc_meta_set(m, pairs[i][0], pairs[i][1]) != 0)
            return -1;
    if (opts->query) {
        char *q = etlc_redact_dup(opts->query);
        int rc = q ? etlc_meta_set(m, "etlconn.query", q) : -1;
        free(q);
        return rc;
    }
    return 0;
}

static int to_lake(void *ud, const void *data, size_t len, etlc_error *err)
{
    parquet_state *st = ud;
    return etlc_lake_file_write(st->file, data, len, err);
}

static int parquet_begin(void *state, const etlc_sink_options *opts, etlc_lake_file *file,
                         etlc_error *err)
{
    parquet_state *st = state;
    etlc_parquet_options o;
    memset(&o, 0, sizeof o);
    int rc = etlc_parquet_codec_parse(opts ? opts->compression : NULL, &o.compression, err);
    if (rc)
        return rc;
    if (opts && opts->row_group_bytes < 0)
        return etlc_error_set(err, ETLC_CONFIG_RANGE, "row_group_bytes: %lld must be >= 0",
                              (long long)opts->row_group_bytes);
    o.row_group_bytes = opts ? opts->row_group_bytes : 0;
    if (opts && opts->parquet_threads < 0)
        return etlc_error_set(err, ETLC_CONFIG_RANGE, "parquet_threads: %d must be >= 0 "
                              "(0 = one per online CPU)", opts->parquet_threads);
    o.compression_level = opts ? opts->compression_level : 0;
    o.threads = opts ? opts->parquet_threads : 0;
    if ((rc = etlc_parquet_level_check(o.compression, o.compression_level, err)) != 0)
        return rc;
    etlc_meta meta = {0};
    if (opts && provenance_meta(opts, &meta) != 0) {
        etlc_meta_clear(&meta);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory preparing parquet metadata");
    }
    o.metadata = &meta;
    st->file = file;
    rc = etlc_parquet_writer_open(to_lake, st, &o, &st->w, err);
    etlc_meta_clear(&meta);
    return rc;
}

static int parquet_write(void *state, const etlc_batch *batch, etlc_lake_file *file,
                         etlc_error *err)
{
    parquet_state *st = state;
    st->file = file;
    int rc = etlc_parquet_writer_write(st->w, batch, err);
    if (rc != ETLC_OK)
        return rc;
    etlc__buf_reset(&st->columns);
    for (size_t i = 0; i < batch->ncols; i++) {
        const etlc_column_def *d = &batch->cols[i].def;
        if ((i && etlc__buf_putc(&st->columns, ',') != 0) || etlc__column_name_encode(&st->columns, d->name) != 0 ||
            etlc__buf_printf(&st->columns, ":%s", etlc_type_name(d->type)) != 0)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory describing parquet columns");
    }
    return ETLC_OK;
}

static int parquet_end(void *state, etlc_lake_file *file, etlc_error *err)
{
    parquet_state *st = state;
    st->file = file;
    if (st->columns.data) {
        int rc = etlc_parquet_writer_set_meta(st->w, "etlconn.columns", st->columns.data, err);
        if (rc != ETLC_OK)
            return rc;
    }
    return etlc_parquet_writer_close(st->w, NULL, err);
}

static void parquet_release(void *state)
{
    parquet_state *st = state;
    etlc_parquet_writer_free(st->w);
    st->w = NULL;
    etlc__buf_free(&st->columns);
}

const etlc_sink_format etlc__sink_format_parquet = {
    .name = "parquet",
    .ext = "parquet",
    .content_type = "application/vnd.apache.parquet",
    .state_size = sizeof(parquet_state),
    .begin = parquet_begin,
    .write = parquet_write,
    .end = parquet_end,
    .release = parquet_release,
};
