/* One interface over the three lake formats: columns, then batches. */
#include <stdlib.h>

#include "dw_internal.h"

struct dw_source {
    etlc_parquet_reader *pq;
    dw_text *text;
};

int etlc__dw_source_open(const dw_input *in, size_t batch_rows, dw_source **out, etlc_error *err)
{
    *out = NULL;
    dw_source *s = calloc(1, sizeof *s);
    if (!s)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening \"%s\"", in->path);
    int rc = in->format == DW_PARQUET ? etlc_parquet_reader_open(in->path, &s->pq, err)
                                      : etlc__dw_text_open(in, batch_rows, &s->text, err);
    if (rc) {
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

size_t etlc__dw_source_columns(dw_source *s, const etlc_column_def **defs)
{
    return s->pq ? etlc_parquet_reader_columns(s->pq, defs) : etlc__dw_text_columns(s->text, defs);
}

int etlc__dw_source_next(dw_source *s, const etlc_batch **batch, etlc_error *err)
{
    return s->pq ? etlc_parquet_reader_next(s->pq, batch, err) : etlc__dw_text_next(s->text, batch, err);
}

void etlc__dw_source_free(dw_source *s)
{
    if (!s)
        return;
    etlc_parquet_reader_free(s->pq);
    etlc__dw_text_free(s->text);
    free(s);
}
