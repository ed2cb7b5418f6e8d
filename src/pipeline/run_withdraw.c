/* Taking back files a run committed before it failed: the lake then looks
 * as before the run, like its checkpoint (see docs/extract.md). */
#include "pipeline/run_internal.h"
#include "sinks/lake_backend.h"

void etlc__run_withdraw_items(etlc_lake *lake, etlc_result *r, size_t first)
{
    if (!lake || !r)
        return;
    size_t keep = first;
    for (size_t i = first; i < r->item_count; i++) {
        etlc_item *it = &r->items[i];
        etlc_error e = {0};
        if (etlc__lake_remove_committed(lake, it->path, &e) != 0) {
            etlc_log(ETLC_LOG_WARN, "pipeline", "cannot take back '%s' after the failure: %s", it->path,
                     e.message);
            r->items[keep++] = *it;
            continue;
        }
        if (it->record_count > 0)
            r->record_count -= it->record_count;
        if (it->byte_count > 0)
            r->byte_count -= it->byte_count;
        etlc_item_clear(it);
    }
    r->item_count = keep;
}
