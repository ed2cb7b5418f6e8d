/* Allocation failures in the checkpoint module, on a local lake: open (hold,
 * read an old extract state at its old default place with its intent file),
 * intent, commit, close — failing allocation 1, 2, ... in turn. Every run
 * gives ETLC_NO_MEMORY (or succeeds past the end), leaks nothing, and a
 * failed run leaves the position as it was (the old state's, carried over
 * into the new place by an intent at most); no hold stays taken.
 *
 * The library's fault injector (core/fault.h) makes the allocations fail:
 * built with -DETLCONN_FAULT_INJECTION=ON only, and run under ASan too,
 * where a scenario of more than 400 allocations is stepped through with a
 * stride (about 200 runs; NOMEM_STRIDE=1 runs them all: nomem_alloc.h). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nomem_alloc.h"
#include "nomem_loop.h"

#include "core/internal.h"
#include "pipeline/checkpoint.h"

#define DEF "0123456789abcdef"
#define OLD_STATE                                                                                            \
    "{\"etlconn_extract_state\": 1, \"definition\": \"" DEF "\", \"table\": \"ev\", \"cursor\": {\"kind\": " \
    "\"after_value\", \"values\": [{\"type\": \"int64\", \"value\": 7}]}, \"runs\": 3}"

typedef struct cp_ctx {
    char *root;
    char new_path[4300];
    bool committed;
    char why[512];            /* the failed run's error, for the failure message */
} cp_ctx;

static int scenario(void *p, etlc_error *err)
{
    cp_ctx *ctx = p;
    etlc_lake *lake = NULL;
    etlc__checkpoint *cp = NULL;
    json_t *intent = NULL, *pos = NULL;
    ctx->committed = false;
    int rc = etlc_lake_open_local(ctx->root, &lake, err);
    etlc__checkpoint_place where = {.lake = lake, .legacy_relpath = "_state/extract-" DEF ".json",
                                    .protocol = "sqlite", .source = "src"};
    etlc__checkpoint_options o = {.kind = "sql", .definition = DEF, .holder = "nomem run"};
    rc = rc ? rc : etlc__checkpoint_open(&where, &o, &cp, err);
    if (rc == 0 && etlc__checkpoint_runs(cp) != 3)
        rc = etlc_error_set(err, ETLC_INTERNAL, "read %lld runs, not 3", (long long)etlc__checkpoint_runs(cp));
    if (rc == 0 && (!(intent = json_pack("{s:s}", "run_id", "r4")) || !(pos = json_pack("{s:i}", "offset", 8))))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory in the test");
    rc = rc ? rc : etlc__checkpoint_intent(cp, intent, err);
    rc = rc ? rc : etlc__checkpoint_commit(cp, pos, err);
    ctx->committed = rc == 0;
    snprintf(ctx->why, sizeof ctx->why, "%s", rc ? err->message : "");
    json_decref(intent);
    json_decref(pos);
    etlc__checkpoint_close(cp);
    etlc_lake_free(lake);
    return rc;
}

static void position_kept_unless_committed(void *p, int rc, long n)
{
    (void)rc;
    cp_ctx *ctx = p;
    json_t *doc = json_load_file(ctx->new_path, 0, NULL);
    json_t *pos = json_object_get(doc, "position");
    const char *table = json_string_value(json_object_get(pos, "table"));
    if (ctx->committed) {
        if (json_integer_value(json_object_get(pos, "offset")) != 8 || json_integer_value(json_object_get(doc, "runs")) != 4)
            fail_msg("a successful run (allocation %ld) did not store its position", n);
    } else if (doc && (json_object_get(pos, "offset") || json_integer_value(json_object_get(doc, "runs")) != 3 ||
                      !table || strcmp(table, "ev") != 0)) {
        /* an intent may have been written: with the old position, carried over */
        fail_msg("failing allocation %ld changed the position, yet failed: %s", n, ctx->why);
    }
    json_decref(doc);
    /* Back to the start: the old state only, and the hold free. */
    unlink(ctx->new_path);
    etlc_lake *lake = NULL;
    etlc_lake_lock *hold = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_lake_open_local(ctx->root, &lake, &err), 0);
    if (etlc_lake_lock_acquire(lake, "_checkpoints/sqlite/src/" DEF ".json.lock", "check", 0, 0, &hold, &err) != 0)
        fail_msg("allocation %ld left the hold taken: %s", n, err.message);
    etlc_lake_lock_release(hold);
    assert_int_equal(etlc_lake_put(lake, "_state/extract-" DEF ".json.pending", "{\"run_id\": \"r3\"}", 16, &err), 0);
    etlc_lake_free(lake);
}

static void nomem_checkpoint(void **state)
{
    (void)state;
    cp_ctx ctx = {.root = tu_tempdir("checkpoint-nomem")};
    snprintf(ctx.new_path, sizeof ctx.new_path, "%s/_checkpoints/sqlite/src/" DEF ".json", ctx.root);
    etlc_lake *lake = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_lake_open_local(ctx.root, &lake, &err), 0);
    assert_int_equal(etlc_lake_put(lake, "_state/extract-" DEF ".json", OLD_STATE, strlen(OLD_STATE), &err), 0);
    assert_int_equal(etlc_lake_put(lake, "_state/extract-" DEF ".json.pending", "{\"run_id\": \"r3\"}", 16, &err), 0);
    etlc_lake_free(lake);
    nomem_each_allocation_fails("checkpoint open/intent/commit", scenario, position_kept_unless_committed, &ctx);
    tu_rmtree(ctx.root);
    free(ctx.root);
}

int main(int argc, char **argv)
{
    (void)argc;
    nomem_main_setup(argv);
    const struct CMUnitTest tests[] = {cmocka_unit_test(nomem_checkpoint)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
