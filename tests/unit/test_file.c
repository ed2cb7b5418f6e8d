/* The file connector without the CLI: its bytes capability directly (the
 * listing, reads that notice a file changing underneath, names that try
 * to leave the root), and the content types the bytes driver gives. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/connector_internal.h"
#include "pipeline/content_type.h"

static etlc_connector *open_file(const char *root)
{
    etlc_kv dict[] = {{"root", root}, {"chunk_size", "4096"}};
    etlc_config_sources src = {.env_prefix = "", .dict = dict, .dict_len = 2};
    etlc_connector *c = NULL;
    etlc_error err = {0};
    etlc_get_options go = {.no_reuse = true};
    assert_int_equal(etlc_get_connection("file", &src, &go, &c, &err), 0);
    return c;
}

typedef struct names {
    char text[1024];
    etlc_resource last;
    char last_name[256], last_etag[64];
} names;

static int collect(void *ud, const etlc_resource *res, etlc_error *err)
{
    names *ns = ud;
    (void)err;
    snprintf(ns->text + strlen(ns->text), sizeof ns->text - strlen(ns->text), "%s|", res->name);
    assert_true(res->mtime_us > 0);
    assert_non_null(res->etag);
    ns->last = *res;
    snprintf(ns->last_name, sizeof ns->last_name, "%s", res->name);
    snprintf(ns->last_etag, sizeof ns->last_etag, "%s", res->etag);
    ns->last.name = ns->last_name;
    ns->last.etag = ns->last_etag;
    return 0;
}

static char *make_tree(void)
{
    char *root = tu_tempdir("file-conn");
    char path[4400];
    const char *files[] = {"b.csv", "a.txt", "a/z.csv", "a/b/y.csv", "a.csv", "grow.csv"};
    snprintf(path, sizeof path, "%s/a/b", root);
    assert_int_equal(etlc__mkdirs(path, 0755), 0);
    for (size_t i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "%s/%s", root, files[i]);
        assert_int_equal(tu_write_file(path, "x\n"), 0);
    }
    return root;
}

static void lists_in_byte_order_with_the_glob(void **state)
{
    (void)state;
    char *root = make_tree();
    etlc_connector *c = open_file(root);
    assert_null(c->ops->fetch); /* bytes only */
    etlc_error err = {0};
    names ns = {0};
    etlc_list_request req = {.pattern = "**/*.csv", .recursive = true};
    assert_int_equal(c->ops->bytes->list(c->ctx, &req, collect, &ns, &err), 0);
    assert_string_equal(ns.text, "a.csv|a/b/y.csv|a/z.csv|b.csv|grow.csv|");
    memset(&ns, 0, sizeof ns);
    req = (etlc_list_request){.pattern = "*.csv", .recursive = false};
    assert_int_equal(c->ops->bytes->list(c->ctx, &req, collect, &ns, &err), 0);
    assert_string_equal(ns.text, "a.csv|b.csv|grow.csv|");
    etlc_connector_release(c);
    tu_rmtree(root);
    free(root);
}

/* A consumer that appends to the file it is being fed from. */
typedef struct grower {
    const char *path;
    size_t seen;
} grower;

static int grow_on_bytes(void *ud, const void *data, size_t len, etlc_error *err)
{
    grower *g = ud;
    (void)data, (void)err;
    if (g->seen == 0) {
        FILE *f = fopen(g->path, "a");
        fputs("more bytes written while the file is read\n", f);
        fclose(f);
    }
    g->seen += len;
    return 0;
}

static int count_bytes(void *ud, const void *data, size_t len, etlc_error *err)
{
    (void)data, (void)err;
    *(size_t *)ud += len;
    return 0;
}

static void a_file_changing_while_read_is_reported(void **state)
{
    (void)state;
    char *root = make_tree();
    etlc_connector *c = open_file(root);
    etlc_error err = {0};
    names ns = {0};
    etlc_list_request req = {.pattern = "grow.csv"};
    assert_int_equal(c->ops->bytes->list(c->ctx, &req, collect, &ns, &err), 0);
    assert_string_equal(ns.text, "grow.csv|");
    char path[4400];
    snprintf(path, sizeof path, "%s/grow.csv", root);
    grower g = {.path = path};
    etlc_byte_consumer bc = {.on_bytes = grow_on_bytes, .userdata = &g};
    assert_int_equal(c->ops->bytes->open(c->ctx, &ns.last, bc, &err), ETLC_IO);
    assert_non_null(strstr(err.message, "changed while it was read"));
    assert_true(err.retryable);
    /* Read again with the stale listing: changed before reading even began. */
    size_t n = 0;
    bc = (etlc_byte_consumer){.on_bytes = count_bytes, .userdata = &n};
    assert_int_equal(c->ops->bytes->open(c->ctx, &ns.last, bc, &err), ETLC_IO);
    assert_non_null(strstr(err.message, "between listing and reading"));
    assert_int_equal(n, 0);
    etlc_connector_release(c);
    tu_rmtree(root);
    free(root);
}

static void names_outside_the_root_are_refused(void **state)
{
    (void)state;
    char *root = make_tree();
    etlc_connector *c = open_file(root);
    const char *bad[] = {"../etc/passwd", "/etc/passwd", "a/../../x", "a//b.csv", ""};
    for (size_t i = 0; i < 5; i++) {
        etlc_error err = {0};
        size_t n = 0;
        etlc_resource res = {.name = bad[i], .size = -1};
        etlc_byte_consumer bc = {.on_bytes = count_bytes, .userdata = &n};
        assert_int_equal(c->ops->bytes->open(c->ctx, &res, bc, &err), ETLC_IO_PATH);
        assert_int_equal(n, 0);
    }
    etlc_connector_release(c);
    tu_rmtree(root);
    free(root);
}

/* A cancelled bytes fetch lands no file and leaves its listing unchanged:
 * the next run lands every file. */
static void a_cancelled_fetch_lands_nothing(void **state)
{
    (void)state;
    char *root = make_tree();
    char *lake = tu_tempdir("file-cancel-lake");
    char data_dir[4400];
    snprintf(data_dir, sizeof data_dir, "%s/file", lake);
    etlc_connector *c = open_file(root);
    etlc_error err = {0};
    etlc_cancel *stop = NULL;
    assert_int_equal(etlc_cancel_new(&stop, &err), 0);
    etlc_cancel_request(stop);
    etlc_fetch_request req = {.query = "**"};
    etlc_land_options land = {.lake_root = lake, .cancel = stop};
    etlc_result *r = NULL;
    assert_int_equal(etlc_connector_fetch(c, &req, &land, &r, &err), ETLC_CANCELLED);
    assert_int_equal(r->item_count, 0);
    assert_int_equal(r->status, ETLC_STATUS_FAILED);
    etlc_result_free(r);
    assert_int_equal(tu_count_files(data_dir), 0);

    land.cancel = NULL;
    assert_int_equal(etlc_connector_fetch(c, &req, &land, &r, &err), 0);
    assert_int_equal(r->item_count, 6);
    etlc_result_free(r);
    assert_int_equal(tu_count_files(data_dir), 6);
    etlc_cancel_free(stop);
    etlc_connector_release(c);
    tu_rmtree(lake);
    tu_rmtree(root);
    free(lake);
    free(root);
}

/* Parameters have no place in a bytes fetch: refused, not dropped. */
static void parameters_are_refused(void **state)
{
    (void)state;
    char *root = make_tree();
    char *lake = tu_tempdir("file-param-lake");
    etlc_connector *c = open_file(root);
    etlc_error err = {0};
    etlc_param p = {.type = ETLC_TYPE_TEXT, .data = "id=5", .len = 4};
    etlc_fetch_request req = {.query = "**", .params = &p, .nparams = 1};
    etlc_land_options land = {.lake_root = lake};
    etlc_result *r = NULL;
    assert_int_equal(etlc_connector_fetch(c, &req, &land, &r, &err), ETLC_INVALID_ARGUMENT);
    assert_null(r);
    assert_non_null(strstr(err.message, "takes no parameters (1 given)"));
    assert_int_equal(tu_count_files(lake), 0);
    etlc_connector_release(c);
    tu_rmtree(lake);
    tu_rmtree(root);
    free(lake);
    free(root);
}

/* Fetch `query` into a fresh lake: the code, and the item count when it landed. */
static int fetch_count(etlc_connector *c, const char *query, size_t *items, etlc_error *err)
{
    char *lake = tu_tempdir("file-one-lake");
    etlc_fetch_request req = {.query = query};
    etlc_land_options land = {.lake_root = lake};
    etlc_result *r = NULL;
    int rc = etlc_connector_fetch(c, &req, &land, &r, err);
    *items = r ? r->item_count : 0;
    etlc_result_free(r);
    tu_rmtree(lake);
    free(lake);
    return rc;
}

/* A glob may match nothing; the name of one file that is not there is an
 * error naming it, not an empty success. */
static void a_missing_file_by_name_is_not_found(void **state)
{
    (void)state;
    char *root = make_tree();
    etlc_connector *c = open_file(root);
    etlc_error err = {0};
    size_t n = 0;
    assert_int_equal(fetch_count(c, "a/z.csv", &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(fetch_count(c, "a/*.nope", &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(fetch_count(c, "a/missing.csv", &n, &err), ETLC_IO_NOT_FOUND);
    assert_non_null(strstr(err.message, "no file 'a/missing.csv'"));
    /* an escaped glob byte is literal: still one name */
    assert_int_equal(fetch_count(c, "a/\\*.csv", &n, &err), ETLC_IO_NOT_FOUND);
    /* a directory by name: the message says how to take its files */
    assert_int_equal(fetch_count(c, "a/b", &n, &err), ETLC_IO_NOT_FOUND);
    assert_non_null(strstr(err.message, "'a/b/**'"));
    etlc_connector_release(c);
    tu_rmtree(root);
    free(root);
}

static void content_types_by_extension_and_magic(void **state)
{
    (void)state;
    const unsigned char gz[] = {0x1f, 0x8b, 8, 0}, pq[] = "PAR1xxxx", zip[] = "PK\x03\x04zz",
                        text[] = "id,name\n", bin[] = {0, 1, 2, 3};
    assert_string_equal(etlc__content_type("a/b.csv", text, 8), "text/csv");
    assert_string_equal(etlc__content_type("b.CSV", text, 8), "text/csv");
    assert_string_equal(etlc__content_type("b.csv", gz, 4), "application/gzip"); /* really gzip */
    assert_string_equal(etlc__content_type("b.csv.gz", gz, 4), "application/gzip");
    assert_string_equal(etlc__content_type("noext", pq, 8), "application/vnd.apache.parquet");
    assert_string_equal(etlc__content_type("sheet.xlsx", zip, 6),
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    assert_string_equal(etlc__content_type("data", zip, 6), "application/zip");
    assert_string_equal(etlc__content_type("README", text, 8), "text/plain");
    assert_string_equal(etlc__content_type("blob", bin, 4), "application/octet-stream");
    assert_string_equal(etlc__content_type("empty.json", NULL, 0), "application/json");
    assert_string_equal(etlc__content_type("empty", NULL, 0), "application/octet-stream");
    assert_string_equal(etlc__content_type(".hidden", text, 8), "text/plain");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lists_in_byte_order_with_the_glob),
        cmocka_unit_test(a_file_changing_while_read_is_reported),
        cmocka_unit_test(names_outside_the_root_are_refused),
        cmocka_unit_test(content_types_by_extension_and_magic),
        cmocka_unit_test(a_cancelled_fetch_lands_nothing),
        cmocka_unit_test(parameters_are_refused),
        cmocka_unit_test(a_missing_file_by_name_is_not_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
