/* The footer (FileMetaData) as parsed by inspect.c, shared with the reader.
 * Pointers borrow from the footer bytes; free with pq_footer_free. */
#ifndef ETLC_PQ_FOOTER_PARSE_H
#define ETLC_PQ_FOOTER_PARSE_H

#include "sinks/parquet/pq.h"
#include "sinks/parquet/thrift.h"

typedef struct ins_schema {
    const uint8_t *name;
    size_t name_len;
    int type, type_length, repetition, num_children, converted, scale, precision;
    int logical;              /* LogicalType union field id, 0 = none */
    int ts_unit;              /* TIMESTAMP / TIME: 1 millis, 2 micros, 3 nanos */
    bool ts_utc;              /* TIMESTAMP / TIME: isAdjustedToUTC */
    int int_bits;             /* INTEGER: bit width (8..64) */
    bool int_signed;          /* INTEGER: isSigned */
    int lt_scale, lt_precision;
} ins_schema;

typedef struct ins_stats {
    bool has_min, has_max, has_nulls;
    const uint8_t *min, *max;
    size_t minlen, maxlen;
    int64_t null_count;
} ins_stats;

typedef struct ins_col {
    size_t path_off, path_len; /* into ins.paths */
    int type, codec;
    uint32_t encodings;
    int64_t num_values, unc, comp, data_off, dict_off;
    bool has_dict, has_meta;
    ins_stats stats;
} ins_col;

typedef struct ins_rg {
    int64_t num_rows, total_byte_size, total_compressed;
    size_t first_col, ncols;
} ins_rg;

typedef struct ins {
    int32_t version;
    int64_t num_rows;
    const uint8_t *created_by;
    size_t created_by_len;
    ins_schema *schema;
    size_t nschema;
    ins_rg *rgs;
    size_t nrgs;
    ins_col *cols;
    size_t ncols, cols_cap;
    etlc__buf paths;
    const uint8_t **kv;   /* key, value pairs: 2 pointers each */
    size_t *kvlen;
    size_t nkv;
    bool nomem;
} ins;

/* Parse FileMetaData from r into in (zeroed by the caller). Check r->failed
 * and in->nomem afterwards. */
void pq_footer_parse(tc_reader *r, ins *in);
void pq_footer_free(ins *in);

#endif
