/* Allocation failures while parsing JSON (etlc__json_loadb, which reads
 * extraction states, pending records and results): every string length
 * across jansson's buffer growth points (16, 32, 64, 128 bytes saved per
 * token), failing allocation 1, 2, ... of each parse in turn. Every failed
 * parse says out of memory and returns nothing.
 *
 * jansson 2.14's lexer ignores a failed save into its token buffer; when
 * the byte lost is a string's closing quote it then copies the string past
 * the end of its buffer, looking for the quote (the heap corruption seen
 * once in test_extract_nomem). Before the fix this test crashed.
 *
 * The library's fault injector (core/fault.h) makes the allocations fail:
 * built with -DETLCONN_FAULT_INJECTION=ON only, and run under ASan too. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_load.h"
#include "nomem_alloc.h"

/* {"k": "<len x's>", "m": ["<len y's>", 12345678901234, "\u00e9<len z's>"]} */
static size_t build_text(char *out, size_t cap, size_t len)
{
    char s[200];
    memset(s, 'x', len);
    s[len] = '\0';
    return (size_t)snprintf(out, cap, "{\"k\": \"%s\", \"m\": [\"%.*s\", 12345678901234, \"\\u00e9%s\"]}", s,
                            (int)(len / 2), s, s);
}

static void each_length_each_allocation(void **state)
{
    (void)state;
    long parses = 0, failed = 0;
    for (size_t len = 1; len <= 140; len++) {
        char text[1024];
        size_t n = build_text(text, sizeof text, len);
        bool oom = false;
        json_t *j = etlc__json_loadb(text, n, 0, NULL, &oom);
        assert_non_null(j);
        assert_false(oom);
        assert_int_equal(strlen(json_string_value(json_object_get(j, "k"))), len);
        json_decref(j);
        for (long k = 1; k < 1000; k++) {
            long before = nomem_heap_in_use();
            nomem_arm(k);
            j = etlc__json_loadb(text, n, 0, NULL, &oom);
            nomem_disarm();
            parses++;
            if (etlc__fault_alloc_failures() == 0) { /* past the last allocation */
                assert_non_null(j);
                assert_false(oom);
                json_decref(j);
                break;
            }
            failed++;
            if (j || !oom)
                fail_msg("length %zu, failing allocation %ld: %s", len, k,
                         j ? "a value came back" : "not reported as out of memory");
            long leaked = nomem_heap_in_use() - before;
            if (leaked)
                fail_msg("length %zu, failing allocation %ld: %ld byte(s) leaked", len, k, leaked);
        }
    }
    print_message("%ld parses, %ld with a failed allocation\n", parses, failed);
    assert_true(failed > 140);
}

/* The other direction, as the state and result writers use it: a dump
 * that lost an allocation is caught by the failure counter. */
static void dump_each_allocation(void **state)
{
    (void)state;
    long dumps = 0, failed = 0;
    for (size_t len = 1; len <= 140; len++) {
        char text[1024];
        size_t n = build_text(text, sizeof text, len);
        bool oom = false;
        json_t *j = etlc__json_loadb(text, n, 0, NULL, &oom);
        assert_non_null(j);
        char *want = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
        assert_non_null(want);
        for (long k = 1; k < 1000; k++) {
            unsigned long before = etlc__json_failed_allocations();
            nomem_arm(k);
            char *got = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
            nomem_disarm();
            dumps++;
            if (etlc__fault_alloc_failures() == 0) {
                assert_string_equal(got, want);
                free(got);
                break;
            }
            failed++;
            if (etlc__json_failed_allocations() == before)
                fail_msg("length %zu, failing allocation %ld of a dump went unnoticed", len, k);
            free(got);
        }
        free(want);
        json_decref(j);
    }
    print_message("%ld dumps, %ld with a failed allocation\n", dumps, failed);
    assert_true(failed > 140);
}

int main(int argc, char **argv)
{
    (void)argc;
    nomem_main_setup(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_length_each_allocation),
        cmocka_unit_test(dump_each_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
