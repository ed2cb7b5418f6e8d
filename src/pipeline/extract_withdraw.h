/* Taking back files an extraction committed before it failed (private). */
#ifndef ETLCONN_EXTRACT_WITHDRAW_H
#define ETLCONN_EXTRACT_WITHDRAW_H

#include <stddef.h>

#include "etlconn/lake.h"
#include "etlconn/result.h"

/* Remove from the lake, and from r, the items r->items[first...] (their
 * counts leave the totals). A file that cannot be removed stays listed and
 * is logged: the re-run lands the same name over it. */
void etlc__ext_withdraw_items(etlc_lake *lake, etlc_result *r, size_t first);

#endif
