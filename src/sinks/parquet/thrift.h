/* Thrift compact protocol: just enough to write and read Parquet metadata. */
#ifndef ETLC_PQ_THRIFT_H
#define ETLC_PQ_THRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"

enum {
    TC_STOP = 0,
    TC_TRUE = 1,
    TC_FALSE = 2,
    TC_BYTE = 3,
    TC_I16 = 4,
    TC_I32 = 5,
    TC_I64 = 6,
    TC_DOUBLE = 7,
    TC_BINARY = 8,
    TC_LIST = 9,
    TC_SET = 10,
    TC_MAP = 11,
    TC_STRUCT = 12
};

#define TC_MAX_DEPTH 32

/* Writer: appends to `out`; any allocation failure sets `failed`. */
typedef struct tc_writer {
    etlc__buf *out;
    int16_t last_id[TC_MAX_DEPTH];
    int depth;
    bool failed;
} tc_writer;

void tcw_init(tc_writer *w, etlc__buf *out);
void tcw_i32(tc_writer *w, int16_t id, int32_t v);
void tcw_i64(tc_writer *w, int16_t id, int64_t v);
void tcw_bool(tc_writer *w, int16_t id, bool v);
void tcw_binary(tc_writer *w, int16_t id, const void *p, size_t len);
void tcw_string(tc_writer *w, int16_t id, const char *s);
/* A struct field: begin, its fields, end. */
void tcw_struct_begin(tc_writer *w, int16_t id);
void tcw_struct_end(tc_writer *w);
/* A list field header; then `size` elements written with the elem_* calls. */
void tcw_list_begin(tc_writer *w, int16_t id, uint8_t elem_type, size_t size);
void tcw_elem_i32(tc_writer *w, int32_t v);
void tcw_elem_binary(tc_writer *w, const void *p, size_t len);
void tcw_elem_struct_begin(tc_writer *w);
/* Outermost struct of a message: no field header. */
void tcw_root_begin(tc_writer *w);

/* Reader over a byte range; `failed` is sticky and every call after it
 * returns zeros, so callers check once at the end of a struct. */
typedef struct tc_reader {
    const uint8_t *p;
    const uint8_t *end;
    int depth;
    bool failed;
} tc_reader;

/* Next field of the current struct: 0 at its stop byte (or failure), else 1
 * with *id and *type set. *last carries the previous id. For booleans the
 * value is in the type (TC_TRUE / TC_FALSE). */
int tcr_field(tc_reader *r, int16_t *last, int16_t *id, uint8_t *type);
int64_t tcr_varint_zz(tc_reader *r);
int32_t tcr_i32(tc_reader *r);
int64_t tcr_i64(tc_reader *r);
/* Pointer into the input; *len bytes. */
const uint8_t *tcr_binary(tc_reader *r, size_t *len);
/* List header: element type and size (size checked against bytes left). */
size_t tcr_list(tc_reader *r, uint8_t *elem_type);
/* Enter / leave a nested struct (depth-limited). */
void tcr_struct_enter(tc_reader *r);
void tcr_struct_leave(tc_reader *r);
/* Skip a value of `type` (bools in lists are one byte). */
void tcr_skip(tc_reader *r, uint8_t type);
/* Read a boolean element of a list. */
bool tcr_elem_bool(tc_reader *r);

#endif
