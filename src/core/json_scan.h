/* etlconn — a validating JSON scanner without a DOM (internal).
 *
 * Walks one object (or array) over a byte buffer and reports each member's
 * key and value: scalars decoded (int64, double, bool, text), objects and
 * arrays as their raw span, validated and skipped. It accepts exactly what
 * jansson's json_loadb accepts (jansson stays the oracle; the fuzz target
 * tests/fuzz/fuzz_json_scan.c checks it): RFC 8259 with UTF-8 checked, no
 * \u0000, no integer outside int64 ("too big integer"), no real that
 * overflows a double, nesting at most JSON_PARSER_MAX_DEPTH values deep.
 * Strings without escapes point into the input; with escapes they are
 * decoded into a buffer the scanner reuses (valid until the next call). */
#ifndef ETLCONN_CORE_JSON_SCAN_H
#define ETLCONN_CORE_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/internal.h"

typedef enum etlc__jkind {
    ETLC__JNULL,
    ETLC__JBOOL,
    ETLC__JINT,
    ETLC__JREAL,
    ETLC__JSTRING,
    ETLC__JOBJECT,
    ETLC__JARRAY
} etlc__jkind;

typedef struct etlc__jval {
    etlc__jkind kind;
    bool b;                 /* BOOL */
    int64_t i;              /* INT */
    double d;               /* REAL */
    const char *s;          /* STRING: the decoded text (no NUL inside) */
    size_t len;
    const char *raw;        /* every kind: the value's bytes in the input */
    size_t raw_len;
} etlc__jval;

/* Results below 0: the input is not what jansson accepts, or memory ran out. */
enum { ETLC__JSCAN_BAD = -1, ETLC__JSCAN_NOMEM = -2 };

typedef struct etlc__jscan {
    const unsigned char *p, *end;
    int depth;              /* of the container being walked (the top one is 1) */
    bool first;             /* no member/element read yet in it */
    bool in_array;
    etlc__buf key, str;     /* decoded keys and strings that had escapes */
} etlc__jscan;

void etlc__jscan_init(etlc__jscan *s, const void *text, size_t len);
void etlc__jscan_free(etlc__jscan *s);
/* Whitespace, then '{' (or '[' for _array_begin): 0, or BAD for anything else. */
int etlc__jscan_object_begin(etlc__jscan *s);
int etlc__jscan_array_begin(etlc__jscan *s);
/* The next member: 1 with *key (decoded, *klen bytes) and *v, 0 at the
 * closing '}', or < 0. */
int etlc__jscan_member(etlc__jscan *s, const char **key, size_t *klen, etlc__jval *v);
/* The next element of an array: 1 with *v, 0 at the closing ']', or < 0. */
int etlc__jscan_element(etlc__jscan *s, etlc__jval *v);
/* The whole input as one value (of any kind): 0 with *v, or < 0. */
int etlc__jscan_value(etlc__jscan *s, etlc__jval *v);
/* After the top value: 0 if only whitespace is left, else BAD. */
int etlc__jscan_end(etlc__jscan *s);

/* The whole of text is one JSON object that jansson would accept: 0, or < 0. */
int etlc__jscan_check_object(const void *text, size_t len);

#endif
