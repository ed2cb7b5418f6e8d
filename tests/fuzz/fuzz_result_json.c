/* libFuzzer target: etlc_result_from_json must never crash, hang or leak,
 * and whatever it accepts must validate without crashing and round-trip:
 * to_json -> from_json -> to_json gives the same text. See README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etlconn/etlconn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    etlc_error err = {0};
    etlc_result *r = NULL;
    if (etlc_result_from_json(text, &r, &err) != 0) {
        free(text);
        return 0;
    }
    free(text);
    etlc_result_validate(r, &err);
    bool pretty = size % 2;
    char *first = NULL, *second = NULL;
    etlc_result *again = NULL;
    if (etlc_result_to_json(r, pretty, &first, &err) != 0)
        abort(); /* only out of memory could fail, and the fuzzer caps nothing here */
    if (etlc_result_from_json(first, &again, &err) != 0) {
        fprintf(stderr, "written result JSON does not read back: %s\n%s\n", err.message, first);
        abort();
    }
    if (etlc_result_to_json(again, pretty, &second, &err) != 0)
        abort();
    if (strcmp(first, second) != 0) {
        fprintf(stderr, "result JSON round trip differs:\n%s\n%s\n", first, second);
        abort();
    }
    /* validate must agree on both copies */
    etlc_error e1 = {0}, e2 = {0};
    if (etlc_result_validate(r, &e1) != etlc_result_validate(again, &e2))
        abort();
    free(first);
    free(second);
    etlc_result_free(again);
    etlc_result_free(r);
    return 0;
}
