/* etlconn — what the format readers share (private to src/sinks). */
#ifndef ETLCONN_FORMAT_READER_IMPL_H
#define ETLCONN_FORMAT_READER_IMPL_H

#include <sys/types.h>

#include "etlconn/parquet.h"
#include "sinks/format_reader.h"

/* Where a reader's bytes come from: a local file or a lake file (S3 ranged
 * GETs). Both are read with pread, so a reader can rewind for free. */
typedef struct etlc__byte_input {
    int fd;                 /* a local file, or -1 */
    etlc_lake_reader *lake; /* or a lake file; owned */
    uint64_t size;
} etlc__byte_input;

/* Up to len bytes at off; *got < len only at the end of the file. */
int etlc__byte_input_pread(etlc__byte_input *in, uint64_t off, void *buf, size_t len, size_t *got,
                           etlc_error *err);

typedef struct etlc__format_reader_ops {
    const char *format;
    /* Read any header and settle r->defs (hint columns, if given, are there
     * already and r->hinted is set). */
    int (*start)(etlc__format_reader *r, etlc_error *err);
    int (*next)(etlc__format_reader *r, const etlc_batch **batch, etlc_error *err);
    void (*release)(etlc__format_reader *r); /* frees r->fmt */
    int (*hint)(const etlc__format_reader *r, size_t col);      /* NULL: none */
    void (*set_max_page)(etlc__format_reader *r, size_t bytes); /* NULL: no pages */
} etlc__format_reader_ops;

extern const etlc__format_reader_ops etlc__format_reader_jsonl;
extern const etlc__format_reader_ops etlc__format_reader_csv;
extern const etlc__format_reader_ops etlc__format_reader_parquet; /* when built */

struct etlc__format_reader {
    const etlc__format_reader_ops *ops;
    etlc__byte_input in;
    char *name;             /* the file, for messages */
    size_t batch_rows;
    bool flatten;           /* Parquet: top-level struct fields as columns */
    bool hinted;            /* defs came from the item's columns metadata */
    etlc_column_def *defs;  /* owned */
    size_t ncols;
    etlc_batch *batch;      /* text formats: the batch handed out */
    void *fmt;              /* the format's own state */
    /* text formats: lines through a buffer */
    uint8_t *chunk;
    size_t chunk_cap, chunk_len, chunk_pos;
    uint64_t next_off;      /* file offset after the buffered chunk */
    etlc__buf line;         /* the current line, terminator included */
    size_t line_len;        /* its length without the trailing CR/LF */
    uint64_t lineno;
    etlc__buf val;          /* one decoded value */
};

/* ---- text formats (text_read.c) ------------------------------------------ */

/* The next line (its content, borrowed until the next call, without the
 * trailing CR/LF); *line NULL at the end of the file. A line that is not
 * valid UTF-8 is ETLC_DATA naming the file, line and byte. */
int etlc__text_line(etlc__format_reader *r, const char **line, size_t *len, etlc_error *err);
/* The next non-blank line (blank lines between records are skipped);
 * *line NULL at the end of the file. */
int etlc__text_record_line(etlc__format_reader *r, const char **line, size_t *len, etlc_error *err);
/* The bytes that ended the current line ("\n", "\r\n", "" at the end). */
const char *etlc__text_line_end(const etlc__format_reader *r, size_t *len);
/* Back to the first line. */
void etlc__text_rewind(etlc__format_reader *r);

int etlc__text_add_column(etlc__format_reader *r, const char *name, size_t nlen, etlc_type type,
                          etlc_error *err);
/* The column named so, or -1; `hint` is where it is likely to be. */
ssize_t etlc__text_find_column(const etlc__format_reader *r, const char *name, size_t nlen, size_t hint);
/* A value given as text (a CSV cell, an unescaped JSON string), converted
 * to the column's type. */
int etlc__text_append(etlc__format_reader *r, size_t col, const char *v, size_t len, etlc_error *err);
/* "file" line N column "c": 'v' is not a <type> value (ETLC_DATA_TYPE). */
int etlc__text_conv_error(etlc__format_reader *r, size_t col, const char *v, size_t len,
                          etlc_error *err);
/* `code`: "file" line N: <what>. */
int etlc__text_error(etlc__format_reader *r, etlc_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Fill r->batch row by row: read_row appends one row's values and sets
 * *eof instead at the end. Hands out the batch, or NULL when it is empty. */
typedef int (*etlc__text_row_fn)(etlc__format_reader *r, bool *eof, etlc_error *err);
int etlc__text_next(etlc__format_reader *r, etlc__text_row_fn read_row, const etlc_batch **batch,
                    etlc_error *err);
/* Make r->batch for r->defs. */
int etlc__text_batch(etlc__format_reader *r, etlc_error *err);

/* ---- Parquet over a byte input (parquet/reader.c) ------------------------- */
/* `in` is borrowed and must outlive the reader; `name` is for messages. */
int etlc__parquet_reader_open_input(etlc__byte_input *in, const char *name, size_t batch_rows, bool flatten,
                                    etlc_parquet_reader **out, etlc_error *err);

#endif
