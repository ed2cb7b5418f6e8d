/* The checkpoint module on an S3 lake (a real SeaweedFS on loopback,
 * shared-service: seaweedfs, a bucket of this test's own; never skipped):
 * every write is conditional on the version this run read or last wrote, so
 * a checkpoint changed behind the run's back (by a run that took over an
 * expired lease) is ETLC_BUSY and stays as the other writer left it; the
 * lease of the hold is renewed and reported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#include "core/internal.h"
#include "pipeline/checkpoint.h"

#include "s3_peer.h" /* endpoint, ..., bucket, shared_s3_start */

#define DEF "0123456789abcdef"
#define OTHER "{\"etlconn_checkpoint\":1,\"kind\":\"sql\",\"definition\":\"" DEF "\",\"runs\":7," \
              "\"position\":{\"by\":\"the other writer\"},\"pending\":null}"

static etlc__checkpoint *open_cp(etlc_lake *lake)
{
    etlc__checkpoint_place where = {.lake = lake, .relpath = "_checkpoints/t/" DEF ".json"};
    etlc__checkpoint_options o = {.kind = "sql", .definition = DEF, .holder = "run one", .lease_ttl_ms = 60000};
    etlc__checkpoint *cp = NULL;
    etlc_error err = {0};
    if (etlc__checkpoint_open(&where, &o, &cp, &err))
        fail_msg("checkpoint open: %s", err.message);
    return cp;
}

static char *stored(etlc_lake *lake)
{
    char *text = NULL;
    size_t len = 0;
    etlc_error err = {0};
    if (etlc_lake_read(lake, "_checkpoints/t/" DEF ".json", 0, &text, &len, &err))
        fail_msg("read back: %s", err.message);
    return text;
}

/* Behind the run's back: another writer (another lake handle, as another
 * process would) replaces the checkpoint. */
static void overwrite_behind(const char *sub)
{
    etlc_lake *other = open_lake(sub);
    etlc_error err = {0};
    if (etlc_lake_put(other, "_checkpoints/t/" DEF ".json", OTHER, strlen(OTHER), &err))
        fail_msg("overwrite: %s", err.message);
    etlc_lake_free(other);
}

/* Unchanged: intent and commits follow each other, each conditional on the
 * version the previous one wrote; a reopen reads them. The hold is a lease. */
static void test_writes_in_order_succeed(void **state)
{
    (void)state;
    etlc_lake *lake = open_lake("order");
    etlc__checkpoint *cp = open_cp(lake);
    assert_int_equal(etlc__checkpoint_lease_ms(cp), 60000);
    etlc_error err = {0};
    json_t *intent = json_pack("{s:s}", "run_id", "r1"), *pos = json_pack("{s:i}", "n", 1);
    assert_int_equal(etlc__checkpoint_intent(cp, intent, &err), 0);
    assert_int_equal(etlc__checkpoint_renew(cp, &err), 0);
    assert_int_equal(etlc__checkpoint_commit(cp, pos, &err), 0);
    json_decref(pos);
    pos = json_pack("{s:i}", "n", 2);
    assert_int_equal(etlc__checkpoint_commit(cp, pos, &err), 0);
    json_decref(pos);
    json_decref(intent);
    etlc__checkpoint_close(cp);
    cp = open_cp(lake);
    assert_int_equal(etlc__checkpoint_runs(cp), 2);
    assert_int_equal(json_integer_value(json_object_get(etlc__checkpoint_position(cp), "n")), 2);
    /* and a reopened run writes over what it read */
    pos = json_pack("{s:i}", "n", 3);
    assert_int_equal(etlc__checkpoint_commit(cp, pos, &err), 0);
    json_decref(pos);
    etlc__checkpoint_close(cp);
    etlc_lake_free(lake);
}

/* Changed between open and commit: BUSY, and the other writer's position stays. */
static void test_changed_checkpoint_is_busy(void **state)
{
    (void)state;
    etlc_lake *lake = open_lake("changed");
    etlc__checkpoint *cp = open_cp(lake);
    etlc_error err = {0};
    json_t *pos = json_pack("{s:i}", "n", 1);
    assert_int_equal(etlc__checkpoint_commit(cp, pos, &err), 0); /* it exists now */
    etlc__checkpoint_close(cp);

    cp = open_cp(lake);
    overwrite_behind("changed");
    json_t *pos2 = json_pack("{s:i}", "n", 2);
    assert_int_equal(etlc__checkpoint_commit(cp, pos2, &err), ETLC_BUSY);
    assert_non_null(strstr(err.message, "was changed by another run"));
    assert_non_null(strstr(err.message, DEF ".json"));
    assert_int_equal(json_integer_value(json_object_get(etlc__checkpoint_position(cp), "n")), 1);
    char *text = stored(lake);
    assert_non_null(strstr(text, "the other writer"));
    assert_null(strstr(text, "\"n\""));
    free(text);
    /* the intent too */
    assert_int_equal(etlc__checkpoint_intent(cp, pos2, &err), ETLC_BUSY);
    text = stored(lake);
    assert_non_null(strstr(text, "the other writer"));
    free(text);
    json_decref(pos);
    json_decref(pos2);
    etlc__checkpoint_close(cp);
    etlc_lake_free(lake);
}

/* Absent at open (a first run), created by another before the first write:
 * the If-None-Match write is refused too. */
static void test_created_behind_is_busy(void **state)
{
    (void)state;
    etlc_lake *lake = open_lake("created");
    etlc__checkpoint *cp = open_cp(lake);
    assert_null(etlc__checkpoint_position(cp));
    overwrite_behind("created");
    etlc_error err = {0};
    json_t *intent = json_pack("{s:s}", "run_id", "r1");
    assert_int_equal(etlc__checkpoint_intent(cp, intent, &err), ETLC_BUSY);
    assert_int_equal(etlc__checkpoint_commit(cp, intent, &err), ETLC_BUSY);
    char *text = stored(lake);
    assert_non_null(strstr(text, "the other writer"));
    free(text);
    json_decref(intent);
    etlc__checkpoint_close(cp);
    etlc_lake_free(lake);
}

int main(void)
{
    snprintf(run_prefix, sizeof run_prefix, "run-%ld-%d", (long)time(NULL), (int)getpid());
    if (shared_s3_start("etlc-checkpoint-s3") != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writes_in_order_succeed),
        cmocka_unit_test(test_changed_checkpoint_is_busy),
        cmocka_unit_test(test_created_behind_is_busy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
