/* The "parquet" sink format: the Parquet writer feeding a lake file. */
#include <string.h>

#include "sinks/parquet/pq.h"

typedef struct parquet_state {
    etlc_parquet_writer *w;
    etlc_lake_file *file; /* where the writer's bytes go during the current call */
} parquet_state;

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
    st->file = file;
    return etlc_parquet_writer_open(to_lake, st, &o, &st->w, err);
}

static int parquet_write(void *state, const etlc_batch *batch, etlc_lake_file *file,
                         etlc_error *err)
{
    parquet_state *st = state;
    st->file = file;
    return etlc_parquet_writer_write(st->w, batch, err);
}

static int parquet_end(void *state, etlc_lake_file *file, etlc_error *err)
{
    parquet_state *st = state;
    st->file = file;
    return etlc_parquet_writer_close(st->w, NULL, err);
}

static void parquet_release(void *state)
{
    parquet_state *st = state;
    etlc_parquet_writer_free(st->w);
    st->w = NULL;
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
