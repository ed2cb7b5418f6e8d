/* etlconn — cancellation tokens.
 *
 * A token asks a running fetch, extract or load to stop. The work checks it
 * between batches (and the PostgreSQL connector also interrupts a query the
 * server is still running); a stopped run fails with ETLC_CANCELLED, its
 * sinks are aborted so nothing partial becomes visible, and an extraction's
 * state is left as it was. A token, once requested, stays requested: use a
 * new one for the next run.
 *
 * Threads: a token may be requested and read from any thread at once;
 * etlc_cancel_request is async-signal-safe (one lock-free atomic store), so
 * a SIGINT handler may call it. Free a token only when no run uses it. */
#ifndef ETLCONN_CANCEL_H
#define ETLCONN_CANCEL_H

#include <stdbool.h>

#include "error.h"
#include "export.h"

ETLC_BEGIN_DECLS

typedef struct etlc_cancel etlc_cancel;

/* A new token, not requested. */
int etlc_cancel_new(etlc_cancel **out, etlc_error *err);
/* NULL ok. */
void etlc_cancel_free(etlc_cancel *cancel);
/* Ask every run using the token to stop. Async-signal-safe. NULL ok. */
void etlc_cancel_request(etlc_cancel *cancel);
/* Whether the token was requested (false for NULL). */
bool etlc_cancel_requested(const etlc_cancel *cancel);
/* One token for the whole process, in static storage (never freed): for a
 * command-line tool whose signal handler requests it. */
etlc_cancel *etlc_cancel_process(void);

ETLC_END_DECLS

#endif
