/* Cancellation tokens: one atomic flag. Requesting must be safe inside a
 * signal handler, so it is a single lock-free store and nothing else. */
#include <stdatomic.h>
#include <stdlib.h>

#include "core/internal.h"

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "cancel tokens need a lock-free atomic int (signal safety)");

struct etlc_cancel {
    atomic_int requested;
};

static etlc_cancel process_token; /* zero: not requested */

int etlc_cancel_new(etlc_cancel **out, etlc_error *err)
{
    if (!out)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "etlc_cancel_new needs an out pointer");
    *out = calloc(1, sizeof **out);
    if (!*out)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating a cancel token");
    atomic_init(&(*out)->requested, 0);
    return 0;
}

void etlc_cancel_free(etlc_cancel *cancel)
{
    if (cancel != &process_token)
        free(cancel);
}

void etlc_cancel_request(etlc_cancel *cancel)
{
    if (cancel)
        atomic_store_explicit(&cancel->requested, 1, memory_order_release);
}

bool etlc_cancel_requested(const etlc_cancel *cancel)
{
    /* C11 atomic_load takes a non-const pointer; the read changes nothing. */
    return cancel && atomic_load_explicit((atomic_int *)&cancel->requested, memory_order_acquire) != 0;
}

etlc_cancel *etlc_cancel_process(void) { return &process_token; }

int etlc__cancel_check(const etlc_cancel *cancel, etlc_error *err)
{
    if (!etlc_cancel_requested(cancel))
        return 0;
    return etlc_error_set(err, ETLC_CANCELLED, "cancelled on request; nothing of this run is kept");
}
