/* etlconn — what the text sink formats share (private). */
#ifndef ETLCONN_SINK_FORMATS_H
#define ETLCONN_SINK_FORMATS_H

#include "core/internal.h"

extern const etlc_sink_format etlc__sink_format_jsonl;
extern const etlc_sink_format etlc__sink_format_csv;

/* Shortest "%.{15,16,17}g" text that reads back to the same double.
 * Finite values only. */
int etlc__buf_double(etlc__buf *b, double v);
int etlc__buf_int64(etlc__buf *b, int64_t v);
/* RFC 4648 base64 with padding. */
int etlc__buf_base64(etlc__buf *b, const uint8_t *data, size_t len);
/* The plain text form of a non-NULL value, as documented in
 * docs/data-contract.md (NaN/Infinity/-Infinity for non-finite doubles,
 * base64 for bytes, ISO-8601 for dates and timestamps). 0 or -1 (ENOMEM). */
int etlc__value_text(etlc__buf *b, const etlc_column *c, size_t row);

/* True when the sink's format reads DECIMAL columns as scaled integers
 * (etlc__column_scaled): Parquet. A fetch into it may ask for them
 * (etlc_fetch_request.decimals_scaled). */
bool etlc__sink_reads_scaled_decimals(const etlc_sink *s);

#endif
