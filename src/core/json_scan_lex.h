/* The JSON scanner's token readers (json_scan.c uses them; private). Each
 * starts at s->p on the token's first byte and leaves s->p past it. */
#ifndef ETLCONN_CORE_JSON_SCAN_LEX_H
#define ETLCONN_CORE_JSON_SCAN_LEX_H

#include "core/json_scan.h"

/* A string at '"': decoded into out when it has escapes (out NULL: only
 * checked); *str and *len (may be NULL) then say where the text is. */
int etlc__jlex_string(etlc__jscan *s, etlc__buf *out, const char **str, size_t *len);
int etlc__jlex_number(etlc__jscan *s, etlc__jval *v);
int etlc__jlex_literal(etlc__jscan *s, etlc__jval *v);

#endif
