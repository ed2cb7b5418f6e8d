/* libFuzzer target: the DOM-free JSON path (core/json_scan.h) against
 * jansson: the same objects accepted and rejected, the same columns and
 * values (json_scan_oracle.h says how). See README.md. */
#include <stdint.h>

#include "json_scan_oracle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return jscan_oracle((const char *)data, size);
}
