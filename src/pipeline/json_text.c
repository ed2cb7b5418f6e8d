/* Parsing JSON text for the command line through core/json_load.c. */
#include <string.h>

#include "core/json_load.h"
#include "pipeline/json_text.h"

json_t *etlc__json_text_parse(const char *text, bool *out_of_memory)
{
    *out_of_memory = false;
    return text ? etlc__json_loadb(text, strlen(text), 0, NULL, out_of_memory) : NULL;
}
