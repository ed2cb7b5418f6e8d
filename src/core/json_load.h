/* jansson parsing that tells allocation failures from bad input (private). */
#ifndef ETLCONN_JSON_LOAD_H
#define ETLCONN_JSON_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* json_loadb, but *out_of_memory says the parse hit an allocation failure
 * (then NULL, even where jansson returned a silently damaged value) rather
 * than bad text. jerr may be NULL. */
json_t *etlc__json_loadb(const char *text, size_t len, size_t flags, json_error_t *jerr,
                         bool *out_of_memory);

/* Allocation failures jansson has seen on this thread so far (a counter to
 * compare around a call such as json_dumps). */
unsigned long etlc__json_failed_allocations(void);
/* Count a failure of our own while building a JSON value, so callers
 * comparing the counter see it as they see jansson's. */
void etlc__json_note_failed_allocation(void);

#endif
