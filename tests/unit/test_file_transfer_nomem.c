/* Allocation failures through the bytes driver with the file connector:
 * listing, the shared filters, the resumable part (sidecar, adoption into
 * the lake), a small file streamed straight in, --parse csv, the
 * checkpoint and after_landing move. Failing allocation 1, 2, ... in turn:
 * ETLC_NO_MEMORY (or success: an after_landing that cannot allocate is
 * only a warning), nothing leaked, and no data file visible in the lake
 * unless the fetch succeeded. A part may stay in lake/_partial (that is
 * what it is for); the source keeps its files unless the run succeeded.
 * Built with -DETLCONN_FAULT_INJECTION=ON only (nomem_alloc.h). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/internal.h"
#include "nomem_alloc.h"
#include "nomem_loop.h"

typedef struct xfer_ctx {
    char dir[4200], src[4300], lake[4300];
    const char *parse; /* NULL: land as is (2 files); "csv": records of in/a.csv (1 file) */
    bool landed;
} xfer_ctx;

static void make_source(xfer_ctx *ctx)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/in", ctx->src);
    assert_int_equal(etlc__mkdirs(path, 0755), 0);
    snprintf(path, sizeof path, "%s/in/big.bin", ctx->src);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int i = 0; i < (1 << 20) + 4096; i++)
        fputc(i * 7 & 0xff, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/in/a.csv", ctx->src);
    assert_int_equal(tu_write_file(path, "id,name\n1,x\n2,y\n"), 0);
}

static int do_fetch(void *p, etlc_error *err)
{
    xfer_ctx *ctx = p;
    ctx->landed = false;
    etlc_kv dict[] = {{"root", ctx->src}, {"source", "drop"}, {"include", ctx->parse ? "in/*.csv" : "in/**"},
                      {"after_landing", "move"}, {"move_to", "done"}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 5};
    etlc_get_options go = {.no_reuse = true};
    etlc_connector *c = NULL;
    etlc_result *r = NULL;
    int rc = etlc_get_connection("file", &src, &go, &c, err);
    if (rc == 0) {
        etlc_fetch_request req = {.query = "**"};
        etlc_land_options land = {.lake_root = ctx->lake, .parse = ctx->parse, .sink.format = "jsonl"};
        rc = etlc_connector_fetch(c, &req, &land, &r, err);
        ctx->landed = rc == 0;
        if (rc == 0 && r->item_count != (ctx->parse ? 1u : 2u))
            rc = etlc_error_set(err, ETLC_INTERNAL, "expected 2 items, got %zu", r->item_count);
    }
    etlc_result_free(r);
    etlc_connector_release(c);
    return rc;
}

/* Data files a reader could see: below lake/file/, not temporaries. */
static size_t data_files(const char *lake)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/file", lake);
    return nomem_visible_files(path, NULL, 0);
}

static void after_run(void *p, int rc, long n)
{
    xfer_ctx *ctx = p;
    size_t visible = data_files(ctx->lake);
    if (!ctx->landed && visible != 0)
        fail_msg("failing allocation %ld (rc %s) left %zu data file(s) visible", n, etlc_code_name(rc), visible);
    if (ctx->landed && visible != (ctx->parse ? 1u : 2u))
        fail_msg("a successful fetch left %zu data file(s)", visible);
    /* put the source back (a successful run moved it to done/) and start afresh */
    tu_rmtree(ctx->lake);
    tu_rmtree(ctx->src);
    make_source(ctx);
}

static void run_scenario(const char *what, const char *parse)
{
    char *dir = tu_tempdir("xfer-nomem");
    xfer_ctx ctx = {.parse = parse};
    snprintf(ctx.dir, sizeof ctx.dir, "%s", dir);
    snprintf(ctx.src, sizeof ctx.src, "%s/src", dir);
    snprintf(ctx.lake, sizeof ctx.lake, "%s/lake", dir);
    make_source(&ctx);
    nomem_each_allocation_fails(what, do_fetch, after_run, &ctx);
    tu_rmtree(dir);
    free(dir);
}

static void nomem_fetch_bytes(void **state) { (void)state; run_scenario("file fetch (bytes driver)", NULL); }
static void nomem_fetch_parse(void **state) { (void)state; run_scenario("file fetch --parse csv", "csv"); }

int main(int argc, char **argv)
{
    (void)argc;
    nomem_main_setup(argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nomem_fetch_bytes),
        cmocka_unit_test(nomem_fetch_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
