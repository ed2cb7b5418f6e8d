/* --parse: a landed CSV or JSONL file read back (src/sinks format readers)
 * and written as records through the run's sink, under the record path
 * SQL sources use; a landed Parquet file read end to end to prove it is
 * readable. Memory stays bounded by one batch. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/bytes_driver.h"
#include "sinks/format_reader.h"

/* Tag the items the sink added with the file they came from. */
static void tag_items(etlc_result *r, size_t from, const char *name)
{
    for (size_t i = from; i < r->item_count; i++)
        (void)etlc_meta_set(&r->items[i].metadata, "remote_path", name); /* best effort */
}

static int write_records(etlc__bytes_job *j, const etlc__listed *e, etlc__format_reader *rd,
                         etlc_error *err)
{
    etlc__cap_land *l = j->l;
    char hash[17];
    if (etlc__cap_hash16(e->name, hash) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming the records of '%s'", e->name);
    etlc_sink_options so;
    etlc__run_sink_options(l->run, hash, NULL, &so);
    so.query = e->name;
    etlc_sink *sink = NULL;
    int rc = etlc__run_sink_open(l->run, &so, &sink, err);
    const etlc_batch *batch = NULL;
    while (rc == 0 && (rc = etlc__format_reader_next(rd, &batch, err)) == 0 && batch) {
        rc = etlc_sink_write(sink, batch, err);
        if (rc == 0)
            etlc__run_progress(l->run, batch->nrows);
    }
    if (rc != 0) {
        etlc_sink_abort(sink);
        return rc;
    }
    size_t from = l->result->item_count;
    rc = etlc__run_sink_commit(l->run, sink, err);
    if (rc == 0)
        tag_items(l->result, from, e->name);
    return rc;
}

int etlc__bytes_parse(etlc__bytes_job *j, const etlc__listed *e, const char *relpath, etlc_error *err)
{
    const char *format = j->l->land->parse;
    etlc__format_reader_options ro = {.format = format, .display_name = e->name};
    etlc__format_reader *rd = NULL;
    int rc = etlc__format_reader_open_lake(j->l->lake, relpath, &ro, &rd, err);
    if (rc == 0 && strcmp(format, "parquet") == 0) {
        const etlc_batch *batch = NULL;
        while ((rc = etlc__format_reader_next(rd, &batch, err)) == 0 && batch)
            ;
    } else if (rc == 0) {
        rc = write_records(j, e, rd, err);
    }
    etlc__format_reader_free(rd);
    if (rc != 0)
        etlc_error_prefix(err, "--parse %s of '%s'", format, e->name);
    return rc;
}

bool etlc__bytes_parse_keeps_raw(const etlc__bytes_job *j)
{
    const etlc_land_options *land = j->l->land;
    return !land || !land->parse || land->keep_raw || strcmp(land->parse, "parquet") == 0;
}
