/* The http connector's pieces that need no server: base_url + path joining
 * and the origin rule, Link headers, JSON Pointers, JSON records -> typed
 * batches under docs/parquet.md's schema rule, and the watermark order. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "connectors/http/rest_internal.h"

static rest_ctx ctx_for(const char *base)
{
    rest_ctx c = {0};
    c.base_url = (char *)base;
    bool oom = false;
    c.origin = etlc__rest_origin(base, &oom);
    assert_non_null(c.origin);
    return c;
}

static void urls_join_and_keep_the_origin(void **state)
{
    (void)state;
    rest_ctx c = ctx_for("https://API.example.com/v1");
    assert_string_equal(c.origin, "https://api.example.com:443");
    etlc_error err = {0};
    char *u = NULL;
    assert_int_equal(etlc__rest_url(&c, "/posts", NULL, 0, &u, &err), 0);
    assert_string_equal(u, "https://API.example.com/v1/posts");
    free(u);
    etlc_kv q[] = {{"b", "x y"}, {"c", "&="}};
    assert_int_equal(etlc__rest_url(&c, "posts/?a=1", q, 2, &u, &err), 0);
    assert_string_equal(u, "https://API.example.com/v1/posts/?a=1&b=x+y&c=%26%3d");
    free(u);
    assert_int_equal(etlc__rest_url(&c, "", NULL, 0, &u, &err), 0);
    assert_string_equal(u, "https://API.example.com/v1");
    free(u);
    assert_int_equal(etlc__rest_url(&c, "https://api.example.com:443/other", NULL, 0, &u, &err), 0);
    free(u);
    assert_int_equal(etlc__rest_url(&c, "http://api.example.com/other", NULL, 0, &u, &err), ETLC_PROTOCOL);
    assert_null(u);
    assert_non_null(strstr(err.message, "allow_other_origins"));
    assert_int_equal(etlc__rest_resolve(&c, "https://api.example.com/v1/posts?p=1", "../feed?p=2",
                                        &u, &err), 0);
    assert_string_equal(u, "https://api.example.com/feed?p=2");
    free(u);
    assert_int_equal(etlc__rest_resolve(&c, "https://api.example.com/v1/x", "https://evil.example/x",
                                        &u, &err), ETLC_PROTOCOL);
    c.allow_other_origins = true;
    assert_int_equal(etlc__rest_resolve(&c, "https://api.example.com/v1/x", "https://evil.example/x",
                                        &u, &err), 0);
    free(u);
    free(c.origin);
}

static void api_key_is_stripped_from_links(void **state)
{
    (void)state;
    char *u = etlc__rest_strip_param("https://a/x?key=s3cr3t&p=2&keyx=1&key#frag", "key");
    assert_string_equal(u, "https://a/x?p=2&keyx=1#frag");
    free(u);
    u = etlc__rest_strip_param("https://a/x?key=s3cr3t", "key");
    assert_string_equal(u, "https://a/x");
    free(u);
    u = etlc__rest_strip_param("https://a/x", "key");
    assert_string_equal(u, "https://a/x");
    free(u);
}

static void link_headers_give_rel_next(void **state)
{
    (void)state;
    char *n = etlc__rest_link_next("<https://a/x?page=1>; rel=\"first\", <https://a/x?page=2>; rel=\"next\"");
    assert_string_equal(n, "https://a/x?page=2");
    free(n);
    n = etlc__rest_link_next("</x?a=1,2>; title=\"a, b\"; rel=\"prev next\"");
    assert_string_equal(n, "/x?a=1,2");
    free(n);
    n = etlc__rest_link_next("<x>; rel=next");
    assert_string_equal(n, "x");
    free(n);
    assert_null(etlc__rest_link_next("<x>; rel=\"last\", <y>; rel=\"nextish\""));
    assert_null(etlc__rest_link_next(""));
}

static void json_pointers(void **state)
{
    (void)state;
    json_t *doc = json_loads("{\"a\": [{\"b\": 1}], \"x/y\": 2, \"m~n\": 3, \"\": 4}", 0, NULL);
    assert_ptr_equal(etlc__rest_pointer(doc, ""), doc);
    assert_int_equal(json_integer_value(etlc__rest_pointer(doc, "/a/0/b")), 1);
    assert_int_equal(json_integer_value(etlc__rest_pointer(doc, "/x~1y")), 2);
    assert_int_equal(json_integer_value(etlc__rest_pointer(doc, "/m~0n")), 3);
    assert_int_equal(json_integer_value(etlc__rest_pointer(doc, "/")), 4);
    assert_null(etlc__rest_pointer(doc, "/a/1"));
    assert_null(etlc__rest_pointer(doc, "/a/b"));
    assert_null(etlc__rest_pointer(doc, "a"));
    json_decref(doc);
}

static etlc_batch *page(etlc__json_columns *s, const char *json, int64_t k, int expect)
{
    json_t *recs = json_loads(json, 0, NULL);
    assert_non_null(recs);
    etlc_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc__rest_batch(s, recs, k, &b, &err), expect);
    if (expect == ETLC_DATA_SCHEMA)
        assert_non_null(strstr(err.message, "page"));
    json_decref(recs);
    return b;
}

static void first_page_fixes_the_columns(void **state)
{
    (void)state;
    etlc__json_columns s = {0};
    etlc_batch *b = page(&s, "[]", 0, 0); /* an empty first page fixes nothing */
    assert_false(s.fixed);
    etlc_batch_free(b);
    b = page(&s, "[{\"id\": 1, \"v\": 1, \"mix\": 1, \"n\": null, \"o\": {\"k\": [1]}, \"t\": true},"
                 " {\"id\": 2, \"v\": 2.5, \"mix\": \"a\", \"s\": \"x\"}]", 1, 0);
    assert_true(s.fixed);
    assert_int_equal(b->ncols, 7);
    const char *names[] = {"id", "v", "mix", "n", "o", "t", "s"};
    etlc_type types[] = {ETLC_TYPE_INT64, ETLC_TYPE_DOUBLE, ETLC_TYPE_JSON, ETLC_TYPE_NULL,
                         ETLC_TYPE_JSON, ETLC_TYPE_BOOL, ETLC_TYPE_TEXT};
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(b->cols[i].def.name, names[i]);
        assert_int_equal(b->cols[i].def.type, types[i]);
    }
    assert_true(b->cols[1].fixed.f64[0] == 1.0 && b->cols[1].fixed.f64[1] == 2.5);
    size_t len;
    const uint8_t *v = etlc_column_var(&b->cols[2], 1, &len);
    assert_memory_equal(v, "\"a\"", 3); /* mixed kinds: exact JSON text */
    v = etlc_column_var(&b->cols[4], 0, &len);
    assert_memory_equal(v, "{\"k\":[1]}", len);
    assert_true(etlc_column_is_null(&b->cols[6], 0)); /* missing key: NULL */
    etlc_batch_free(b);
    /* Page 2: the all-null column takes a type; integers fit the double column. */
    b = page(&s, "[{\"id\": 3, \"v\": 7, \"n\": \"now text\"}]", 2, 0);
    assert_int_equal(s.cols[3].type, ETLC_TYPE_TEXT);
    assert_true(b->cols[1].fixed.f64[0] == 7.0);
    etlc_batch_free(b);
    assert_null(page(&s, "[{\"id\": 4, \"n\": 5}]", 3, ETLC_DATA_SCHEMA));      /* text column, int */
    assert_null(page(&s, "[{\"id\": 1.5}]", 3, ETLC_DATA_SCHEMA));              /* int64 column, real */
    assert_null(page(&s, "[{\"id\": 4, \"extra\": 1}]", 3, ETLC_DATA_SCHEMA));  /* a new key */
    assert_null(page(&s, "[1, 2]", 3, ETLC_DATA));                             /* not objects */
    etlc__json_columns_free(&s);
}

static void watermark_keeps_the_largest(void **state)
{
    (void)state;
    json_t *max = NULL;
    const char *recs[] = {"{\"at\": \"2026-01-02\"}", "{\"at\": \"2026-01-10\"}",
                          "{\"at\": null}", "{\"other\": 1}", "{\"at\": \"2026-01-09\"}"};
    for (size_t i = 0; i < 5; i++) {
        json_t *r = json_loads(recs[i], 0, NULL);
        etlc__rest_watermark(&max, r, "at");
        json_decref(r);
    }
    char *t = etlc__rest_value_text(max);
    assert_string_equal(t, "2026-01-10");
    free(t);
    json_decref(max);
    max = NULL;
    const char *nums[] = {"{\"id\": 9}", "{\"id\": 10}", "{\"id\": 2.5}"};
    for (size_t i = 0; i < 3; i++) {
        json_t *r = json_loads(nums[i], 0, NULL);
        etlc__rest_watermark(&max, r, "id");
        json_decref(r);
    }
    t = etlc__rest_value_text(max);
    assert_string_equal(t, "10"); /* numerically, not as text ("9" > "10") */
    free(t);
    json_decref(max);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(urls_join_and_keep_the_origin),
        cmocka_unit_test(api_key_is_stripped_from_links),
        cmocka_unit_test(link_headers_give_rel_next),
        cmocka_unit_test(json_pointers),
        cmocka_unit_test(first_page_fixes_the_columns),
        cmocka_unit_test(watermark_keeps_the_largest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
