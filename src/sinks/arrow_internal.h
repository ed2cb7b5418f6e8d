/* The Arrow C Data export's two halves (arrow_schema.c, arrow_array.c). */
#ifndef ETLCONN_SINKS_ARROW_INTERNAL_H
#define ETLCONN_SINKS_ARROW_INTERNAL_H

#include <stdbool.h>

#include "core/internal.h"
#include "etlconn/arrow.h"

/* decimal128 when the precision is known and fits, else exact text (utf8),
 * as the Parquet writer decides. */
static inline bool etlc__arrow_decimal128(const etlc_column_def *d)
{
    return d->type == ETLC_TYPE_DECIMAL && d->precision > 0 && d->precision <= 38 &&
           d->scale >= 0 && d->scale <= d->precision;
}

/* The schema of `batch` (struct of one field per column). 0 or an etlc code
 * (schema left released). */
int etlc__arrow_schema(const etlc_batch *batch, struct ArrowSchema *schema, etlc_error *err);
/* The struct array of `batch`. 0 or an etlc code (array left released). */
int etlc__arrow_array(const etlc_batch *batch, struct ArrowArray *array, etlc_error *err);

#endif
