/* Allocation failures in the data contract: etlc_result_new, add_item,
 * add_error, to_json (pretty and compact), from_json and validate, failing
 * allocation 1, 2, ... in turn: ETLC_NO_MEMORY (or the end), nothing leaked.
 *
 * The library's fault injector (core/fault.h) makes the allocations fail:
 * built with -DETLCONN_FAULT_INJECTION=ON only, and run under ASan too,
 * where a scenario of more than 400 allocations is stepped through with a
 * stride (about 200 runs; NOMEM_STRIDE=1 runs them all: nomem_alloc.h). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nomem_alloc.h"
#include "nomem_loop.h"

static int build_result(etlc_result **out, etlc_error *err)
{
    etlc_result *r = NULL;
    int rc = etlc_result_new("sqlite", "sample", "SELECT * FROM \"t\" -- é\n", &r, err);
    for (int i = 0; rc == 0 && i < 3; i++) {
        etlc_item it = {.name = "part-00000.jsonl", .path = "lake/sqlite/sample/part-00000.jsonl",
                        .format = "jsonl", .content_type = "application/x-ndjson", .record_count = 10 + i,
                        .byte_count = 1000 + i, .fetched_at_us = etlc_now_us()};
        memset(it.sha256, 'a' + i, 64);
        it.sha256[64] = '\0';
        if (etlc_meta_set(&it.metadata, "columns", "id:int64,name:text") != 0 ||
            etlc_meta_set(&it.metadata, "part", i ? "1" : "0") != 0 ||
            etlc_meta_set(&it.metadata, "part", "2") != 0) /* replace */
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory setting item metadata");
        if (rc == 0)
            rc = etlc_result_add_item(r, &it, err);
        etlc_meta_clear(&it.metadata);
    }
    if (rc == 0)
        rc = etlc_result_add_error(r, ETLC_QUERY, "no such table: \"x\"\n\tnear line 1", err);
    if (rc == 0 && etlc_meta_set(&r->metadata, "run_id", "r-1") != 0)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory setting result metadata");
    if (rc == 0)
        etlc_result_finish(r);
    if (rc) {
        etlc_result_free(r);
        r = NULL;
    }
    *out = r;
    return rc;
}

static int do_build_and_json(void *ctx, etlc_error *err)
{
    (void)ctx;
    etlc_result *r = NULL, *back = NULL;
    char *pretty = NULL, *compact = NULL, *again = NULL;
    int rc = build_result(&r, err);
    if (rc == 0)
        rc = etlc_result_validate(r, err);
    if (rc == 0)
        rc = etlc_result_to_json(r, true, &pretty, err);
    if (rc == 0)
        rc = etlc_result_to_json(r, false, &compact, err);
    if (rc == 0) {
        rc = etlc_result_from_json(pretty, &back, err);
    }
    if (rc == 0)
        rc = etlc_result_validate(back, err);
    if (rc == 0)
        rc = etlc_result_to_json(back, false, &again, err);
    if (rc == 0 && strcmp(again, compact) != 0) /* jansson once dropped a byte here */
        rc = etlc_error_set(err, ETLC_INTERNAL, "round trip changed the JSON");
    free(pretty);
    free(compact);
    free(again);
    etlc_result_free(r);
    etlc_result_free(back);
    return rc;
}

/* A result that breaks the contract: validate names the violation, and
 * building that message must survive a failed allocation too. */
static int do_validate_invalid(void *ctx, etlc_error *err)
{
    (void)ctx;
    etlc_result *r = NULL;
    int rc = build_result(&r, err);
    if (rc == 0) {
        r->record_count++;
        rc = etlc_result_validate(r, err);
        rc = rc == ETLC_DATA_CONTRACT ? 0 : (rc ? rc : ETLC_INTERNAL);
    }
    etlc_result_free(r);
    return rc;
}

static int do_from_json_bad(void *ctx, etlc_error *err)
{
    (void)ctx;
    static const char *bad[] = {
        "{\"protocol\": \"x\", \"items\": [{\"name\": 3}]}",
        "{\"protocol\": \"x\", \"status\": \"nope\"}",
        "[1, 2",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        etlc_result *r = NULL;
        int rc = etlc_result_from_json(bad[i], &r, err);
        etlc_result_free(r);
        if (rc == ETLC_NO_MEMORY)
            return rc;
        if (rc == 0)
            return etlc_error_set(err, ETLC_INTERNAL, "bad JSON %zu accepted", i);
    }
    return 0;
}

static void nomem_build_and_json(void **state)
{
    (void)state;
    nomem_each_allocation_fails("result build/json/round trip", do_build_and_json, NULL, NULL);
}

static void nomem_validate_invalid(void **state)
{
    (void)state;
    nomem_each_allocation_fails("result validate (invalid)", do_validate_invalid, NULL, NULL);
}

static void nomem_from_json_bad(void **state)
{
    (void)state;
    nomem_each_allocation_fails("result from_json (bad input)", do_from_json_bad, NULL, NULL);
}

int main(int argc, char **argv)
{
    (void)argc;
    nomem_main_setup(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nomem_build_and_json),
        cmocka_unit_test(nomem_validate_invalid),
        cmocka_unit_test(nomem_from_json_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
