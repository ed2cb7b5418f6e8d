/* The records capability through a paged test connector registered at run
 * time: pages land one file each, and a run interrupted after page k
 * resumes at page k from the checkpoint (no page lost, none twice); the
 * watermark a page hands out comes back to every later run, complete or not. */
#include "testutil.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/capabilities.h"

static const etlc_option paged_options[] = {
    {"pages", ETLC_OPT_INT, "5", 1, 1000, NULL, ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, "pages served"},
    {"rows_per_page", ETLC_OPT_INT, "3", 1, 1000, NULL, ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, "rows per page"},
    {"fail_at_page", ETLC_OPT_INT, NULL, 0, 0, NULL, ETLC_OPT_HAS_MIN, "fail instead of serving this page"},
};
static const etlc_option_table paged_table = {"pagedtest", "PAGEDTEST", paged_options, 3, NULL};

typedef struct paged_ctx {
    int64_t pages, rows, fail_at;
} paged_ctx;

/* What the last fetch_pages was asked for, and what it served. */
static char seen_cursor[64];
static char seen_watermark[64];
static int seen_pages;
static char seen_params[128];

static int paged_connect(void *vctx, const etlc_config *cfg, etlc_error *err)
{
    paged_ctx *ctx = vctx;
    (void)err;
    ctx->pages = etlc_config_get_int(cfg, "pages");
    ctx->rows = etlc_config_get_int(cfg, "rows_per_page");
    ctx->fail_at = etlc_config_has(cfg, "fail_at_page") ? etlc_config_get_int(cfg, "fail_at_page") : -1;
    return 0;
}

static void paged_close(void *ctx) { (void)ctx; }

static int serve(paged_ctx *ctx, int64_t k, etlc_batch *b, etlc_page_consumer pages, etlc_error *err)
{
    etlc_batch_reset(b);
    for (int64_t r = 0; r < ctx->rows; r++) {
        int rc = etlc_batch_append_int64(b, 0, k * ctx->rows + r, err);
        rc = rc ? rc : etlc_batch_append_int64(b, 1, k, err);
        rc = rc ? rc : etlc_batch_end_row(b, err);
        if (rc)
            return rc;
    }
    char next[32], mark[32];
    snprintf(next, sizeof next, "p=%lld", (long long)(k + 1));
    snprintf(mark, sizeof mark, "w%lld", (long long)k);
    etlc_records_page page = {.batch = b, .next_cursor = k + 1 < ctx->pages ? next : NULL,
                              .watermark = k % 2 == 0 ? mark : NULL}; /* NULL keeps the last */
    seen_pages++;
    return pages.on_page(pages.userdata, &page, err);
}

static int paged_fetch_pages(void *vctx, const etlc_records_request *req, etlc_page_consumer pages,
                             etlc_error *err)
{
    paged_ctx *ctx = vctx;
    snprintf(seen_cursor, sizeof seen_cursor, "%s", req->cursor ? req->cursor : "(first)");
    snprintf(seen_watermark, sizeof seen_watermark, "%s", req->watermark ? req->watermark : "(none)");
    seen_params[0] = '\0';
    for (size_t i = 0; i < req->nparams; i++)
        snprintf(seen_params + strlen(seen_params), sizeof seen_params - strlen(seen_params),
                 "%s=%s;", req->params[i].key, req->params[i].value);
    seen_pages = 0;
    int64_t k = req->cursor ? atoll(req->cursor + 2) : 0;
    static const etlc_column_def defs[] = {{(char *)"id", ETLC_TYPE_INT64, 0, 0},
                                           {(char *)"page", ETLC_TYPE_INT64, 0, 0}};
    etlc_batch *b = NULL;
    int rc = etlc_batch_new(defs, 2, (size_t)ctx->rows, &b, err);
    for (; rc == 0 && k < ctx->pages; k++) {
        if (k == ctx->fail_at) {
            rc = etlc_error_set(err, ETLC_PROTOCOL, "pagedtest: simulated failure at page %lld",
                                (long long)k);
            break;
        }
        rc = serve(ctx, k, b, pages, err);
    }
    etlc_batch_free(b);
    return rc;
}

static const etlc_records_ops paged_records = {.fetch_pages = paged_fetch_pages};
static const etlc_connector_ops paged_ops = {
    .abi_version = ETLC_ABI_VERSION, .name = "pagedtest", .description = "paged records test",
    .options = &paged_table, .context_size = sizeof(paged_ctx), .connect = paged_connect,
    .close = paged_close, .records = &paged_records};

/* Rows per file (the driver rolls pages into files): 3 = a page per file. */
static size_t roll_rows = 3;

static etlc_result *run_once(const char *lake, const char *fail_at, int expect_rc)
{
    etlc_kv dict[] = {{"pages", "5"}, {"fail_at_page", fail_at}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = fail_at ? 2 : 1};
    etlc_config *cfg = NULL;
    etlc_connector *c = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_config_load(&paged_table, &src, &cfg, &err), 0);
    assert_int_equal(etlc_connector_open(&paged_ops, cfg, &c, &err), 0);
    etlc_param p = {.type = ETLC_TYPE_TEXT, .data = "filter=all", .len = 10};
    etlc_fetch_request req = {.query = "/v1/items", .params = &p, .nparams = 1};
    etlc_land_options land = {.lake_root = lake, .sink.format = "jsonl",
                              .sink.max_records_per_file = roll_rows};
    etlc_result *r = NULL;
    assert_int_equal(etlc_connector_fetch(c, &req, &land, &r, &err), expect_rc);
    assert_non_null(r);
    assert_int_equal(etlc_result_validate(r, &err), 0);
    etlc_connector_release(c);
    etlc_config_free(cfg);
    return r;
}

/* ids found across every landed page file of run `run` (counts per id). */
static void count_ids(const char *lake, int run, int counts[15], int *files)
{
    char dir[4400];
    DIR *d = NULL;
    struct dirent *e;
    char base[4300];
    snprintf(base, sizeof base, "%s/pagedtest/pagedtest", lake);
    DIR *q = opendir(base);
    assert_non_null(q);
    while ((e = readdir(q)) != NULL) /* the one {query_hash} directory */
        if (e->d_name[0] != '.')
            snprintf(dir, sizeof dir, "%s/%s/run-%06d", base, e->d_name, run);
    closedir(q);
    d = opendir(dir);
    assert_non_null(d);
    *files = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4700];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len = 0;
        char *text = tu_read_file(path, &len);
        assert_non_null(text);
        for (char *s = strstr(text, "\"id\":"); s; s = strstr(s + 1, "\"id\":"))
            counts[atoi(s + 5)]++;
        free(text);
        (*files)++;
    }
    closedir(d);
}

/* Pages roll into files of roll_rows rows; a failure loses only the file
 * being filled (never visible), and the next run resumes after the last
 * committed file: every record once. */
static void pages_roll_into_files(void **state)
{
    (void)state;
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&paged_ops, &err), 0);
    for (int mode = 0; mode < 2; mode++) {
        char *lake = tu_tempdir("cap-records-roll");
        roll_rows = mode == 0 ? 6 : 0; /* two pages a file; the default (1M rows) */
        etlc_result *r = run_once(lake, "3", ETLC_PROTOCOL);
        assert_int_equal(r->item_count, mode == 0 ? 1 : 0); /* pages 0-1; nothing */
        etlc_result_free(r);
        r = run_once(lake, NULL, 0);
        assert_string_equal(seen_cursor, mode == 0 ? "p=2" : "(first)");
        assert_int_equal(r->item_count, mode == 0 ? 2 : 1);
        assert_int_equal(r->record_count, mode == 0 ? 9 : 15);
        assert_non_null(strstr(r->items[0].path, mode == 0 ? "/run-000001/page-000002-00000.jsonl"
                                                           : "/run-000001/page-000000-00000.jsonl"));
        etlc_result_free(r);
        int counts[15] = {0}, files = 0;
        count_ids(lake, 1, counts, &files);
        assert_int_equal(files, mode == 0 ? 3 : 1);
        for (int i = 0; i < 15; i++)
            assert_int_equal(counts[i], 1);
        tu_rmtree(lake);
        free(lake);
    }
    roll_rows = 3;
}

static void interrupted_run_resumes_at_the_failed_page(void **state)
{
    (void)state;
    char *lake = tu_tempdir("cap-records");
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&paged_ops, &err), 0);

    /* Run 1 stops at page 3: pages 0-2 are landed and checkpointed. */
    etlc_result *r = run_once(lake, "3", ETLC_PROTOCOL);
    assert_string_equal(seen_cursor, "(first)");
    assert_string_equal(seen_watermark, "(none)");
    assert_string_equal(seen_params, "filter=all;");
    assert_int_equal(r->item_count, 3);
    assert_int_equal(r->status, ETLC_STATUS_PARTIAL);
    assert_non_null(strstr(r->items[2].path, "/run-000001/page-000002-00000.jsonl"));
    etlc_result_free(r);

    /* Run 2 asks for page 3 by the stored cursor and lands 3 and 4. */
    r = run_once(lake, NULL, 0);
    assert_string_equal(seen_cursor, "p=3");
    assert_string_equal(seen_watermark, "w2"); /* page 2's, kept past the failure */
    assert_int_equal(seen_pages, 2);
    assert_int_equal(r->item_count, 2);
    assert_int_equal(r->record_count, 6);
    assert_non_null(strstr(r->items[0].path, "/run-000001/page-000003-00000.jsonl"));
    etlc_result_free(r);
    int counts[15] = {0}, files = 0;
    count_ids(lake, 1, counts, &files);
    assert_int_equal(files, 5);
    for (int i = 0; i < 15; i++)
        assert_int_equal(counts[i], 1); /* every record once: none lost, none twice */

    /* The read was complete: the next run reads from the first page again, as run 2. */
    r = run_once(lake, NULL, 0);
    assert_string_equal(seen_cursor, "(first)");
    assert_string_equal(seen_watermark, "w4"); /* carried over the complete run */
    assert_int_equal(r->item_count, 5);
    assert_non_null(strstr(r->items[0].path, "/run-000002/page-000000-00000.jsonl"));
    etlc_result_free(r);

    /* #15 class 9: a hand-edited run number the next run (+ 1) would
     * overflow is refused, and the checkpoint is left as it was. */
    char cmd[4400], cp[4400] = "";
    snprintf(cmd, sizeof cmd, "find '%s/_checkpoints' -name '*.json'", lake);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    assert_non_null(fgets(cp, sizeof cp, f));
    pclose(f);
    cp[strcspn(cp, "\n")] = '\0';
    json_t *doc = json_load_file(cp, 0, NULL);
    assert_non_null(doc);
    static const char *const bad[] = {"9223372036854775807", "0", "-3", "\"2\""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        json_object_set_new(json_object_get(doc, "position"), "run", json_loads(bad[i], JSON_DECODE_ANY, NULL));
        assert_int_equal(json_dump_file(doc, cp, JSON_INDENT(2)), 0);
        char *before = tu_read_file(cp, NULL);
        r = run_once(lake, NULL, ETLC_CONFIG);
        assert_non_null(strstr(r->errors[0].message, "'run' must be a whole number"));
        etlc_result_free(r);
        char *after = tu_read_file(cp, NULL);
        assert_string_equal(before, after);
        free(before);
        free(after);
    }
    json_decref(doc);
    tu_rmtree(lake);
    free(lake);
}

/* Requests the cancel once the second page's rows are written (before its commit). */
static void cancel_at_six_rows(void *ud, uint64_t rows, uint64_t batches)
{
    (void)batches;
    if (rows >= 6)
        etlc_cancel_request(ud);
}

/* A cancel lands no further page: the pages committed before it stay with
 * their position, and the next run resumes at the first page not kept. */
static void cancel_stops_between_pages(void **state)
{
    (void)state;
    char *lake = tu_tempdir("cap-records-cancel");
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&paged_ops, &err), 0);
    etlc_kv dict[] = {{"pages", "5"}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 1};
    etlc_config *cfg = NULL;
    etlc_connector *c = NULL;
    assert_int_equal(etlc_config_load(&paged_table, &src, &cfg, &err), 0);
    assert_int_equal(etlc_connector_open(&paged_ops, cfg, &c, &err), 0);
    etlc_cancel *stop = NULL;
    assert_int_equal(etlc_cancel_new(&stop, &err), 0);
    etlc_fetch_request req = {.query = "/v1/items"};
    etlc_land_options land = {.lake_root = lake, .sink.format = "jsonl", .sink.max_records_per_file = 3,
                              .progress = cancel_at_six_rows,
                              .progress_userdata = stop, .cancel = stop};
    etlc_result *r = NULL;
    assert_int_equal(etlc_connector_fetch(c, &req, &land, &r, &err), ETLC_CANCELLED);
    assert_int_equal(seen_pages, 3); /* page 2 was offered and refused */
    assert_int_equal(r->item_count, 2);
    assert_non_null(strstr(r->items[1].path, "/run-000001/page-000001-00000.jsonl"));
    etlc_result_free(r);
    etlc_cancel_free(stop);

    land.cancel = NULL;
    land.progress = NULL;
    assert_int_equal(etlc_connector_fetch(c, &req, &land, &r, &err), 0);
    assert_string_equal(seen_cursor, "p=2");
    assert_int_equal(r->item_count, 3);
    etlc_result_free(r);
    int counts[15] = {0}, files = 0;
    count_ids(lake, 1, counts, &files);
    assert_int_equal(files, 5);
    for (int i = 0; i < 15; i++)
        assert_int_equal(counts[i], 1);
    etlc_connector_release(c);
    etlc_config_free(cfg);
    tu_rmtree(lake);
    free(lake);
}

static void non_text_parameters_are_refused(void **state)
{
    (void)state;
    char *lake = tu_tempdir("cap-records-param");
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&paged_ops, &err), 0);
    etlc_config *cfg = NULL;
    etlc_connector *c = NULL;
    etlc_config_sources src = {.env_prefix = ""};
    assert_int_equal(etlc_config_load(&paged_table, &src, &cfg, &err), 0);
    assert_int_equal(etlc_connector_open(&paged_ops, cfg, &c, &err), 0);
    etlc_param p = {.type = ETLC_TYPE_TEXT, .data = "novalue", .len = 7};
    etlc_fetch_request req = {.query = "/v1/items", .params = &p, .nparams = 1};
    etlc_land_options land = {.lake_root = lake, .sink.format = "jsonl"};
    etlc_result *r = NULL;
    assert_int_equal(etlc_connector_fetch(c, &req, &land, &r, &err), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "novalue"));
    assert_int_equal(r->item_count, 0);
    assert_int_equal(r->status, ETLC_STATUS_FAILED);
    etlc_result_free(r);
    etlc_connector_release(c);
    etlc_config_free(cfg);
    tu_rmtree(lake);
    free(lake);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(interrupted_run_resumes_at_the_failed_page),
        cmocka_unit_test(pages_roll_into_files),
        cmocka_unit_test(non_text_parameters_are_refused),
        cmocka_unit_test(cancel_stops_between_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
