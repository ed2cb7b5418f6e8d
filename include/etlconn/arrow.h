/* etlconn — record batches exported through the Arrow C Data Interface
 * (https://arrow.apache.org/docs/format/CDataInterface.html), for Arrow
 * libraries (pyarrow's RecordBatch._import_from_c, arrow-rs, nanoarrow)
 * to take without a copy of their own and without per-value objects.
 *
 * Types, as the Parquet writer lays them out:
 *   null -> null ("n"); bool -> bool; int64 -> int64; double -> float64;
 *   text -> utf8; bytes -> binary; date -> date32; timestamp ->
 *   timestamp[us, UTC]; decimal with a known precision <= 38 ->
 *   decimal128(p, s), else utf8 (the exact text); json -> utf8 with field
 *   metadata ARROW:extension:name = "arrow.json" (the canonical JSON
 *   extension type; readers that do not know it see a plain string).
 * Column names are settled as when landing (docs/data-contract.md).
 *
 * Threads: the export reads the batch (one thread, as any batch use); the
 * exported structs are independent of the batch and may be released from
 * any thread. */
#ifndef ETLCONN_ARROW_H
#define ETLCONN_ARROW_H

#include <stdint.h>

#include "error.h"
#include "export.h"
#include "record.h"

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
    const char *format;
    const char *name;
    const char *metadata;
    int64_t flags;
    int64_t n_children;
    struct ArrowSchema **children;
    struct ArrowSchema *dictionary;
    void (*release)(struct ArrowSchema *);
    void *private_data;
};

struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void **buffers;
    struct ArrowArray **children;
    struct ArrowArray *dictionary;
    void (*release)(struct ArrowArray *);
    void *private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

ETLC_BEGIN_DECLS

/* Export `batch` as one struct array (a record batch: one child per
 * column) and its schema. The buffers are copies: the batch may be reset
 * or freed at once. The caller (or the importer it hands them to) calls
 * each struct's release once. On failure both are left released
 * (release == NULL) and err names the column: DATA_TYPE for a decimal
 * text that does not fit decimal128(p, s), DATA for a text/bytes column
 * over 2 GiB in one batch (lower the batch size), NO_MEMORY. */
int etlc_batch_to_arrow(const etlc_batch *batch, struct ArrowSchema *schema,
                        struct ArrowArray *array, etlc_error *err);

ETLC_END_DECLS
#endif
