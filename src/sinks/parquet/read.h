/* The Parquet reader's shared state (private to src/sinks/parquet): a
 * column being read, how its Parquet values become etlconn values, and
 * the codec layer. reader.c drives pages; read_types.c maps the schema and
 * converts values; read_decode.c and read_codec.c decode bytes. */
#ifndef ETLC_PQ_READ_H
#define ETLC_PQ_READ_H

#include "sinks/parquet/footer_parse.h"
#include "sinks/parquet/pq.h"

/* One decoded Parquet value. */
typedef struct pqr_value {
    const uint8_t *p; /* byte arrays, FLBA, INT96: into a retained buffer */
    uint32_t len;
    int64_t i;        /* INT32/INT64/BOOLEAN */
    double d;         /* FLOAT/DOUBLE */
} pqr_value;

/* How a Parquet value becomes the column's etlconn value. */
typedef enum pqr_conv {
    PQR_AS_IS = 0,     /* the physical value is the etlconn value */
    PQR_U32,           /* INT32 read as unsigned */
    PQR_U64,           /* INT64 read as unsigned, as DECIMAL(20,0) text */
    PQR_MILLIS,        /* milliseconds -> microseconds (timestamps, TIME) */
    PQR_NANOS,         /* nanoseconds -> microseconds, refused when not exact */
    PQR_INT96,         /* Julian day + nanoseconds of the day -> microseconds */
    PQR_FLOAT16,       /* FLBA(2) IEEE half -> double */
    PQR_DECIMAL,       /* INT32/INT64/FLBA/BYTE_ARRAY unscaled -> decimal text */
    PQR_INTERVAL,      /* FLBA(12) months/days/millis -> the ETLC_HINT_INTERVAL bytes */
    PQR_UUID,          /* FLBA(16) kept as its 16 bytes */
    PQR_BSON           /* BYTE_ARRAY BSON document -> JSON text */
} pqr_conv;

typedef struct pqr_col {
    etlc_column_def def;
    int phys, type_length, scale;
    pqr_conv conv;
    int hint;           /* etlc_type_hint */
    int node;           /* schema node (read_nested.h) */
    int max_def, max_rep; /* levels of a defined value / of the leaf */
    uint8_t *reps;      /* repetition level per page value (max_rep > 0) */
    size_t reps_cap;
    /* the current column chunk (compressed bytes, owned) */
    uint8_t *chunk;
    size_t chunk_cap, clen, cpos;
    int codec;
    size_t rows_left;   /* values of the chunk not yet returned */
    pqr_value *dict;
    size_t ndict, dict_cap;
    uint8_t *dict_page; /* decompressed dictionary page (dict values point into it) */
    size_t dict_page_cap;
    /* the current data page */
    uint8_t *page;      /* decompressed (owned) */
    size_t page_cap;
    size_t page_nv, page_i;  /* values in the page, values returned */
    uint8_t *defs;      /* definition level per page value (defined: max_def) */
    size_t defs_cap;
    uint32_t *idx;      /* dictionary index per defined page value */
    size_t idx_cap, vi;
    bool dict_encoded;
    pqr_value *vals;    /* decoded values (non-PLAIN encodings) */
    size_t vals_cap;
    bool decoded;       /* values come from vals */
    int64_t *ints;      /* scratch: DELTA integers */
    size_t ints_cap;
    uint8_t *arena;     /* BYTE_STREAM_SPLIT / DELTA_BYTE_ARRAY value bytes */
    size_t arena_cap;
    const uint8_t *q, *qend; /* PLAIN cursor */
    size_t bit;         /* PLAIN BOOLEAN bit position */
    char interval[16];  /* scratch of one INTERVAL value */
    etlc__buf bson;     /* scratch: one BSON document as JSON */
} pqr_col;

/* Fixed width of a physical type's PLAIN value (FLBA: its length); 0 for
 * BOOLEAN and BYTE_ARRAY. */
size_t pqr_phys_width(const pqr_col *c);

/* Settle a leaf's etlconn type, hint and conversion. 0, or
 * ETLC_UNSUPPORTED / ETLC_DATA with the feature named in words in why. */
int pqr_map_leaf(const ins_schema *s, pqr_col *c, char *why, size_t whysz);

/* Append one defined value to batch column col. */
int pqr_append(etlc_batch *b, size_t col, pqr_col *c, const pqr_value *v, const char *file,
               etlc_error *err);

/* One defined value as JSON text (nested columns): numbers, strings,
 * ISO dates and times, bytes as "\\x…" hex, non-finite doubles as strings. */
int pqr_value_json(pqr_col *c, const pqr_value *v, etlc__buf *out, const char *file, etlc_error *err);

/* A BSON document as JSON text appended to out: 0, -1 no memory, -2 malformed. */
int pqr_bson_json(const uint8_t *p, size_t len, etlc__buf *out);

/* Decompress a page; `what` prefixes messages ("parquet f: column \"c\""). */
int pqr_decompress(int codec, const uint8_t *src, size_t len, uint8_t *dst, size_t want, const char *what,
                   etlc_error *err);
const char *pqr_codec_name(int codec);

#endif
