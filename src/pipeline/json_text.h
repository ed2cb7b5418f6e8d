/* etlconn — JSON text the library produced, parsed again for the command
 * line's output (internal). The CLI may include the pipeline, not core:
 * this is core/json_load.h's parse for it. */
#ifndef ETLCONN_PIPELINE_JSON_TEXT_H
#define ETLCONN_PIPELINE_JSON_TEXT_H

#include <stdbool.h>

#include <jansson.h>

/* json_loads(text, 0), but out of reach of jansson 2.14's overrun after a
 * failed allocation (core/json_load.c): *out_of_memory is set when the
 * parse ran out of memory (then NULL). NULL with it false: not JSON. */
json_t *etlc__json_text_parse(const char *text, bool *out_of_memory);

#endif
