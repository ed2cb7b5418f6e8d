/* The checkpoint module on a local lake: envelope, commit order, the
 * exclusive hold, --state files, and reading the old extract state. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "pipeline/checkpoint.h"

#define DEF "0123456789abcdef"

static etlc_lake *open_lake(char **root)
{
    *root = tu_tempdir("checkpoint");
    etlc_lake *lake = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_lake_open_local(*root, &lake, &err), 0);
    return lake;
}

static etlc__checkpoint *open_cp(const etlc__checkpoint_place *where, const char *holder, int expect)
{
    etlc__checkpoint_options o = {.kind = "sql", .definition = DEF, .holder = holder};
    etlc__checkpoint *cp = NULL;
    etlc_error err = {0};
    int rc = etlc__checkpoint_open(where, &o, &cp, &err);
    if (rc != expect)
        fail_msg("open: %d (%s), expected %d", rc, err.message, expect);
    if (expect == ETLC_BUSY) {
        assert_non_null(strstr(err.message, "run one"));
        assert_non_null(strstr(err.message, "since"));
    }
    return cp;
}

static void test_default_place_and_order(void **state)
{
    (void)state;
    char *root;
    etlc_lake *lake = open_lake(&root);
    etlc__checkpoint_place where = {.lake = lake, .protocol = "sqlite", .source = "app/x.db"};
    etlc__checkpoint *cp = open_cp(&where, "run one", 0);
    assert_null(etlc__checkpoint_position(cp));
    assert_null(etlc__checkpoint_pending(cp));
    assert_int_equal(etlc__checkpoint_runs(cp), 0);
    char want[4300];
    snprintf(want, sizeof want, "%s/_checkpoints/sqlite/app_x.db/" DEF ".json", root);
    assert_string_equal(etlc__checkpoint_location(cp), want);

    /* a second run on the same definition: busy at once, naming the first */
    assert_null(open_cp(&where, "run two", ETLC_BUSY));

    etlc_error err = {0};
    json_t *intent = json_pack("{s:s}", "run_id", "r1");
    assert_int_equal(etlc__checkpoint_intent(cp, intent, &err), 0);
    char *text = tu_read_file(want, NULL);
    assert_non_null(strstr(text, "\"run_id\": \"r1\""));
    assert_non_null(strstr(text, "\"position\": null"));
    free(text);
    json_t *pos = json_pack("{s:i}", "offset", 42);
    assert_int_equal(etlc__checkpoint_commit(cp, pos, &err), 0);
    etlc__checkpoint_close(cp);
    json_decref(intent);
    json_decref(pos);

    /* the next run reads the position back, and no intent */
    cp = open_cp(&where, "run two", 0);
    assert_int_equal(json_integer_value(json_object_get(etlc__checkpoint_position(cp), "offset")), 42);
    assert_null(etlc__checkpoint_pending(cp));
    assert_int_equal(etlc__checkpoint_runs(cp), 1);
    etlc__checkpoint_close(cp);

    /* another definition at the same place is refused, naming both */
    etlc__checkpoint_options other = {.kind = "sql", .definition = "fedcba9876543210"};
    where.relpath = "_checkpoints/sqlite/app_x.db/" DEF ".json";
    assert_int_equal(etlc__checkpoint_open(&where, &other, &cp, &err), ETLC_CONFIG);
    assert_non_null(strstr(err.message, "belongs to another extraction"));
    /* and another kind */
    other.definition = DEF;
    other.kind = "files";
    assert_int_equal(etlc__checkpoint_open(&where, &other, &cp, &err), ETLC_CONFIG);
    assert_non_null(strstr(err.message, "kind 'sql'"));
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

static void test_interrupted_intent_survives(void **state)
{
    (void)state;
    char *root;
    etlc_lake *lake = open_lake(&root);
    etlc__checkpoint_place where = {.lake = lake, .relpath = "cp/x.json"};
    etlc__checkpoint *cp = open_cp(&where, "run one", 0);
    etlc_error err = {0};
    json_t *intent = json_pack("{s:s}", "run_id", "r9");
    assert_int_equal(etlc__checkpoint_intent(cp, intent, &err), 0);
    etlc__checkpoint_close(cp); /* "crash": no commit */
    json_decref(intent);
    cp = open_cp(&where, "run two", 0);
    assert_null(etlc__checkpoint_position(cp));
    assert_string_equal(json_string_value(json_object_get(etlc__checkpoint_pending(cp), "run_id")), "r9");
    assert_int_equal(etlc__checkpoint_runs(cp), 0);
    etlc__checkpoint_close(cp);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

#define OLD_STATE                                                                                            \
    "{\"etlconn_extract_state\": 1, \"definition\": \"" DEF "\", \"protocol\": \"sqlite\", \"source\": "     \
    "\"a.db\", \"table\": \"ev\", \"watermark\": \"wm\", \"keys\": [\"id\"], \"cursor\": {\"kind\": "       \
    "\"after_row\", \"values\": []}, \"runs\": 3, \"last_run\": {\"rows\": 7}}"

static void test_reads_old_extract_state(void **state)
{
    (void)state;
    char *root;
    etlc_lake *lake = open_lake(&root);
    char path[4300], side[4400];
    snprintf(path, sizeof path, "%s/st/old.json", root);
    snprintf(side, sizeof side, "%s.pending", path);
    tu_rmtree(path);
    etlc_error err = {0};
    assert_int_equal(etlc_lake_put(lake, "st/old.json", OLD_STATE, strlen(OLD_STATE), &err), 0);
    assert_int_equal(etlc_lake_put(lake, "st/old.json.pending", "{\"run_id\": \"old\"}", 17, &err), 0);
    /* a --state file in the old format */
    etlc__checkpoint_place local = {.local_path = path};
    etlc__checkpoint *cp = open_cp(&local, "run one", 0);
    json_t *pos = etlc__checkpoint_position(cp);
    assert_string_equal(json_string_value(json_object_get(pos, "table")), "ev");
    assert_non_null(json_object_get(pos, "cursor"));
    assert_null(json_object_get(pos, "definition"));
    assert_int_equal(etlc__checkpoint_runs(cp), 3);
    assert_string_equal(json_string_value(json_object_get(etlc__checkpoint_pending(cp), "run_id")), "old");
    /* its hold is PATH.lock */
    assert_null(open_cp(&local, "run two", ETLC_BUSY));
    assert_int_equal(etlc__checkpoint_commit(cp, pos, &err), 0);
    etlc__checkpoint_close(cp);
    char *text = tu_read_file(path, NULL);
    assert_non_null(strstr(text, "\"etlconn_checkpoint\": 1"));
    assert_non_null(strstr(text, "\"runs\": 4"));
    free(text);
    assert_null(tu_read_file(side, NULL)); /* the old intent file is gone with the commit */

    /* the old default place is read when the lake has no checkpoint yet */
    assert_int_equal(etlc_lake_put(lake, "_state/extract-" DEF ".json", OLD_STATE, strlen(OLD_STATE), &err), 0);
    etlc__checkpoint_place in_lake = {.lake = lake, .legacy_relpath = "_state/extract-" DEF ".json",
                                      .protocol = "sqlite", .source = "a.db"};
    cp = open_cp(&in_lake, "run one", 0);
    assert_int_equal(etlc__checkpoint_runs(cp), 3);
    assert_int_equal(etlc__checkpoint_commit(cp, etlc__checkpoint_position(cp), &err), 0);
    etlc__checkpoint_close(cp);
    cp = open_cp(&in_lake, "run one", 0); /* from now on the new place */
    assert_int_equal(etlc__checkpoint_runs(cp), 4);
    assert_non_null(strstr(etlc__checkpoint_location(cp), "_checkpoints/sqlite/a.db/"));
    etlc__checkpoint_close(cp);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

static void test_garbage_is_refused(void **state)
{
    (void)state;
    char *root;
    etlc_lake *lake = open_lake(&root);
    etlc_error err = {0};
    assert_int_equal(etlc_lake_put(lake, "cp.json", "[1,2]", 5, &err), 0);
    etlc__checkpoint_place where = {.lake = lake, .relpath = "cp.json"};
    etlc__checkpoint_options o = {.kind = "sql", .definition = DEF};
    etlc__checkpoint *cp = NULL;
    assert_int_equal(etlc__checkpoint_open(&where, &o, &cp, &err), ETLC_CONFIG);
    assert_null(cp);
    assert_int_equal(etlc_lake_put(lake, "cp.json", "{\"a\":1}", 7, &err), 0);
    assert_int_equal(etlc__checkpoint_open(&where, &o, &cp, &err), ETLC_CONFIG);
    assert_non_null(strstr(err.message, "neither a checkpoint"));
    /* the failed opens released their hold */
    const char *empty = "{\"etlconn_checkpoint\":1,\"kind\":\"sql\",\"definition\":\"" DEF "\"}";
    assert_int_equal(etlc_lake_put(lake, "cp.json", empty, strlen(empty), &err), 0);
    assert_int_equal(etlc__checkpoint_open(&where, &o, &cp, &err), 0);
    etlc__checkpoint_close(cp);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

/* #15 class 9: a hand-edited run count that the next commit (runs + 1)
 * would overflow, or a negative or non-integer one, is refused on open;
 * the largest that still counts one more run works. */
static void test_runs_count_is_checked(void **state)
{
    (void)state;
    char *root;
    etlc_lake *lake = open_lake(&root);
    etlc_error err = {0};
    static const char *const bad[] = {"9223372036854775807", "-1", "1.5", "\"3\""};
    etlc__checkpoint_place where = {.lake = lake, .relpath = "cp.json"};
    etlc__checkpoint_options o = {.kind = "sql", .definition = DEF};
    etlc__checkpoint *cp = NULL;
    char doc[256];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(doc, sizeof doc, "{\"etlconn_checkpoint\":1,\"kind\":\"sql\",\"definition\":\"" DEF
                 "\",\"runs\":%s}", bad[i]);
        assert_int_equal(etlc_lake_put(lake, "cp.json", doc, strlen(doc), &err), 0);
        assert_int_equal(etlc__checkpoint_open(&where, &o, &cp, &err), ETLC_CONFIG);
        assert_null(cp);
        assert_non_null(strstr(err.message, "'runs'"));
    }
    snprintf(doc, sizeof doc, "{\"etlconn_checkpoint\":1,\"kind\":\"sql\",\"definition\":\"" DEF
             "\",\"runs\":9223372036854775806}");
    assert_int_equal(etlc_lake_put(lake, "cp.json", doc, strlen(doc), &err), 0);
    assert_int_equal(etlc__checkpoint_open(&where, &o, &cp, &err), 0);
    json_t *pos = json_object();
    assert_int_equal(etlc__checkpoint_commit(cp, pos, &err), 0);
    json_decref(pos);
    etlc__checkpoint_close(cp);
    char path[4300];
    snprintf(path, sizeof path, "%s/cp.json", root);
    char *text = tu_read_file(path, NULL);
    assert_non_null(strstr(text, "\"runs\": 9223372036854775807"));
    free(text);
    etlc_lake_free(lake);
    tu_rmtree(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_place_and_order),
        cmocka_unit_test(test_interrupted_intent_survives),
        cmocka_unit_test(test_reads_old_extract_state),
        cmocka_unit_test(test_garbage_is_refused),
        cmocka_unit_test(test_runs_count_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
