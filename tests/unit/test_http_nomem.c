/* Allocation failures in the http connector's own work, no server needed:
 * a page's JSON -> its typed batch over two pages (schema fixed, then
 * checked), the watermark, URLs built and joined, a Link header read and an
 * API key stripped from a link. Failing allocation 1, 2, ... in turn: every
 * run gives ETLC_NO_MEMORY (or succeeds past the last one) and leaks
 * nothing (nomem_loop.h). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/json_load.h"
#include "connectors/http/rest_internal.h"
#include "nomem_alloc.h"
#include "nomem_loop.h"

static const char *const pages[] = {
    "{\"data\": [{\"id\": 1, \"v\": 1.5, \"o\": {\"k\": [1, 2]}, \"s\": \"a\", \"n\": null},"
    " {\"id\": 2, \"v\": 2, \"o\": [], \"s\": \"bb\", \"b\": true}]}",
    "{\"data\": [{\"id\": 3, \"n\": \"now text\", \"s\": \"ccc\"}]}",
};

static int one_page(etlc__json_columns *s, const char *text, int64_t k, json_t **max, etlc_error *err)
{
    bool oom = false;
    json_t *doc = etlc__json_loadb(text, strlen(text), 0, NULL, &oom);
    if (!doc)
        return etlc_error_set(err, oom ? ETLC_NO_MEMORY : ETLC_DATA, "page %lld", (long long)k);
    json_t *recs = etlc__rest_pointer(doc, "/data");
    etlc_batch *b = NULL;
    int rc = etlc__rest_batch(s, recs, k, &b, err);
    size_t i;
    json_t *rec;
    json_array_foreach(recs, i, rec)
        etlc__rest_watermark(max, rec, "id");
    etlc_batch_free(b);
    json_decref(doc);
    return rc;
}

static int do_pages(void *ctx, etlc_error *err)
{
    (void)ctx;
    etlc__json_columns s = {0};
    json_t *max = NULL;
    int rc = 0;
    for (int64_t k = 0; rc == 0 && k < 2; k++)
        rc = one_page(&s, pages[k], k, &max, err);
    char *mark = rc == 0 ? json_dumps(max, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (rc == 0 && !mark)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "watermark");
    if (rc == 0 && strcmp(mark, "3") != 0)
        rc = etlc_error_set(err, ETLC_INTERNAL, "watermark %s", mark);
    free(mark);
    json_decref(max);
    etlc__json_columns_free(&s);
    return rc;
}

/* The same pages read without a DOM (rest_scan.c, rest_batch_scan.c), with
 * a next URL beside the records, escapes and a record with duplicate keys
 * (taken back and read through jansson). */
static const char *const scanned[] = {
    "{\"data\": [{\"id\": 1, \"s\": \"a\\u00e9\", \"o\": {\"k\": [1]}, \"n\": null},"
    " {\"id\": 2, \"s\": \"b\", \"s\": \"dup\"}], \"next\": \"/p\\/2\"}",
    "{\"next\": \"/p/3\", \"data\": [{\"id\": 3, \"n\": \"t\\n\", \"s\": \"c\"}]}",
};

static int one_scanned_page(etlc__json_columns *s, etlc__jscan *sc, const char *text, int64_t k,
                            json_t **max, etlc_error *err)
{
    rest_ctx ctx = {.records_path = "/data", .paging = REST_PAGE_NEXT_URL, .next_url_path = "/next"};
    etlc__jval span;
    json_t *env = NULL;
    etlc_batch *b = NULL;
    size_t n = 0;
    int rc = etlc__rest_scan_page(&ctx, sc, text, strlen(text), &span, &env, err);
    if (rc < 0) /* the pages are valid: only a failed allocation makes the scanner give up */
        return etlc_error_set(err, ETLC_NO_MEMORY, "page %lld left to jansson", (long long)k);
    if (rc == 0 && !json_is_string(json_object_get(env, "next")))
        rc = etlc_error_set(err, ETLC_INTERNAL, "no next URL in page %lld", (long long)k);
    if (rc == 0)
        rc = etlc__rest_batch_text(s, sc, &span, k, "id", max, &n, &b, err);
    if (rc == 0 && (b->nrows != (k ? 1u : 2u) || n != b->nrows))
        rc = etlc_error_set(err, ETLC_INTERNAL, "page %lld: %zu rows", (long long)k, b->nrows);
    etlc_batch_free(b);
    json_decref(env);
    return rc;
}

static int do_scanned_pages(void *ctx, etlc_error *err)
{
    (void)ctx;
    etlc__json_columns s = {0};
    etlc__jscan sc = {0};
    json_t *max = NULL;
    int rc = 0;
    for (int64_t k = 0; rc == 0 && k < 2; k++)
        rc = one_scanned_page(&s, &sc, scanned[k], k, &max, err);
    if (rc == 0 && json_integer_value(max) != 3)
        rc = etlc_error_set(err, ETLC_INTERNAL, "watermark not 3");
    json_decref(max);
    etlc__json_columns_free(&s);
    etlc__jscan_free(&sc);
    return rc;
}

static int do_urls(void *unused, etlc_error *err)
{
    (void)unused;
    rest_ctx c = {.base_url = (char *)"https://api.example.com/v1"};
    bool oom = false;
    c.origin = etlc__rest_origin(c.base_url, &oom);
    if (!c.origin)
        return etlc_error_set(err, ETLC_NO_MEMORY, "origin");
    etlc_kv q[] = {{"a", "1 2"}, {"key", "k-secret"}};
    char *u = NULL, *next = NULL, *bare = NULL, *link = NULL;
    int rc = etlc__rest_url(&c, "/items?x=1", q, 2, &u, err);
    if (rc == 0 && !(link = etlc__rest_link_next("<a?p=1>; rel=\"prev\", <b?p=3&key=k>; rel=\"next\"")))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "link");
    if (rc == 0)
        rc = etlc__rest_resolve(&c, u, link, &next, err);
    if (rc == 0 && !(bare = etlc__rest_strip_param(next, "key")))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "strip");
    if (rc == 0 && strcmp(bare, "https://api.example.com/v1/b?p=3") != 0)
        rc = etlc_error_set(err, ETLC_INTERNAL, "got %s", bare);
    free(u);
    free(next);
    free(bare);
    free(link);
    free(c.origin);
    return rc;
}

static void pages_each_allocation(void **state)
{
    (void)state;
    nomem_each_allocation_fails("http records: two pages, schema, watermark", do_pages, NULL, NULL);
}

static void scanned_pages_each_allocation(void **state)
{
    (void)state;
    nomem_each_allocation_fails("http records without a DOM: two pages, next URL, watermark",
                                do_scanned_pages, NULL, NULL);
}

static void urls_each_allocation(void **state)
{
    (void)state;
    nomem_each_allocation_fails("http urls: join, Link, resolve, strip", do_urls, NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pages_each_allocation),
        cmocka_unit_test(scanned_pages_each_allocation),
        cmocka_unit_test(urls_each_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
