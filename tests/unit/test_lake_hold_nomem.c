/* Allocation failures while reading who holds a lake hold
 * (etlc__lake_hold_parse, etlc__lake_busy_error: a local lock file's text
 * or an S3 lease object's body). Failing allocation 1, 2, ... in turn, a
 * live lease is never taken for "not a hold" (-1): an S3 lease read so
 * would count as expired and be taken over while its holder runs. Every
 * failed parse says out of memory (-2), and the BUSY message turns into
 * NO_MEMORY rather than "holder still being written" (a failure while
 * redacting the message itself keeps BUSY, its text withheld).
 *
 * The library's fault injector (core/fault.h) makes the allocations fail:
 * built with -DETLCONN_FAULT_INJECTION=ON only, and run under ASan too. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nomem_alloc.h"
#include "sinks/lake_backend.h"

/* A lease whose holder text crosses jansson's token buffer growth points. */
static char *lease_text(int64_t expires_us)
{
    char holder[300];
    memset(holder, 'h', sizeof holder - 1);
    holder[sizeof holder - 1] = '\0';
    char *text = etlc__lake_hold_json(holder, "0123456789abcdef", etlc__lake_now_us(), expires_us);
    assert_non_null(text);
    return text;
}

static void nomem_lease_parse(void **state)
{
    (void)state;
    int64_t expires = etlc__lake_now_us() + 600 * 1000000LL;
    char *text = lease_text(expires);
    long n, failed = 0;
    for (n = 1; n < 10000; n++) {
        char *holder = NULL, *token = NULL;
        int64_t acquired = 0, exp = 0;
        long before = nomem_heap_in_use();
        nomem_arm(n);
        int rc = etlc__lake_hold_parse(text, strlen(text), &holder, &token, &acquired, &exp);
        nomem_disarm();
        bool hit = etlc__fault_alloc_failures() > 0;
        if (rc == 0) {
            assert_non_null(holder);
            assert_string_equal(token, "0123456789abcdef");
            assert_true(exp / 1000000 == expires / 1000000);
            assert_true(acquired > 0);
        } else if (rc != -2 || !hit) {
            fail_msg("failing allocation %ld: the lease parsed as %d (not a hold), not -2", n, rc);
        }
        free(holder);
        free(token);
        if (nomem_heap_in_use() != before)
            fail_msg("failing allocation %ld leaked %ld byte(s)", n, nomem_heap_in_use() - before);
        if (!hit)
            break; /* past the last allocation */
        failed += rc == -2;
    }
    print_message("lease parse: %ld allocations failed in turn, %ld said out of memory\n", n - 1, failed);
    assert_true(n > 5 && failed > 5);
    free(text);
}

static void nomem_busy_message(void **state)
{
    (void)state;
    char *text = lease_text(0);
    long n, oom = 0;
    for (n = 1; n < 10000; n++) {
        etlc_error err = {0};
        nomem_arm(n);
        int rc = etlc__lake_busy_error(&err, "x.lock", text, strlen(text));
        nomem_disarm();
        bool hit = etlc__fault_alloc_failures() > 0;
        /* Out of memory while redacting the message keeps the code. */
        bool withheld = hit && strstr(err.message, "message withheld");
        if (rc == ETLC_NO_MEMORY && hit)
            oom++;
        else if (rc != ETLC_BUSY || !(withheld || strstr(err.message, "is held by hhhh")))
            fail_msg("failing allocation %ld: %s: %s", n, etlc_code_name(rc), err.message);
        if (!hit)
            break;
    }
    print_message("busy message: %ld allocations failed in turn\n", n - 1);
    assert_true(n > 5 && oom > 5);
    free(text);
}

int main(int argc, char **argv)
{
    (void)argc;
    nomem_main_setup(argv);
    const struct CMUnitTest tests[] = {cmocka_unit_test(nomem_lease_parse), cmocka_unit_test(nomem_busy_message)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
