/* http pages read without a DOM (rest_scan.c, rest_batch_scan.c) against
 * the DOM path (rest_batch.c) as the oracle: the same batches, errors,
 * messages and watermark, page after page; and which pages the scanner
 * leaves to jansson. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "../fuzz/json_scan_oracle.h"
#include "connectors/http/rest_internal.h"

typedef struct outcome {
    int rc;
    char message[512];
    char *mark;
} outcome;

/* Pages through both paths; each page's outcome must agree. */
static void both_paths(const char *const *pages, size_t n, const char *field)
{
    rest_ctx ctx = {.records_path = "/data", .paging = REST_PAGE_NEXT_URL, .next_url_path = "/next"};
    etlc__json_columns s1 = {0}, s2 = {0};
    etlc__jscan sc = {0};
    json_t *max1 = NULL, *max2 = NULL;
    for (size_t k = 0; k < n; k++) {
        etlc_error e1 = {0}, e2 = {0};
        etlc_batch *b1 = NULL, *b2 = NULL;
        json_t *doc = json_loads(pages[k], 0, NULL), *env = NULL;
        assert_non_null(doc);
        json_t *recs = etlc__rest_pointer(doc, "/data");
        int r1 = etlc__rest_batch(&s1, recs, (int64_t)k, &b1, &e1);
        for (size_t i = 0; r1 == 0 && field && i < json_array_size(recs); i++)
            etlc__rest_watermark(&max1, json_array_get(recs, i), field);
        etlc__jval span;
        size_t nrec = 0;
        assert_int_equal(etlc__rest_scan_page(&ctx, &sc, pages[k], strlen(pages[k]), &span, &env,
                                              &e2), 0);
        json_t *n1 = json_object_get(doc, "next"), *n2 = json_object_get(env, "next");
        assert_true((!n1 && !n2) || json_equal(n1, n2));
        assert_int_equal(json_array_size(json_object_get(env, "data")), 0);
        int r2 = etlc__rest_batch_text(&s2, &sc, &span, (int64_t)k, field, &max2, &nrec, &b2, &e2);
        assert_int_equal(r1, r2);
        assert_string_equal(e1.message, e2.message);
        if (r1 == 0) {
            assert_int_equal(nrec, json_array_size(recs));
            assert_int_equal(b1->capacity, b2->capacity);
            oracle_same_cells(b1, b2, pages[k], strlen(pages[k]));
        }
        char *m1 = max1 ? json_dumps(max1, JSON_ENCODE_ANY) : NULL;
        char *m2 = max2 ? json_dumps(max2, JSON_ENCODE_ANY) : NULL;
        assert_true((!m1 && !m2) || (m1 && m2 && strcmp(m1, m2) == 0));
        free(m1);
        free(m2);
        etlc_batch_free(b1);
        etlc_batch_free(b2);
        json_decref(doc);
        json_decref(env);
    }
    json_decref(max1);
    json_decref(max2);
    etlc__json_columns_free(&s1);
    etlc__json_columns_free(&s2);
    etlc__jscan_free(&sc);
}

static void pages_equal_the_dom_path(void **state)
{
    (void)state;
    const char *const good[] = {
        "{\"data\":[{\"id\":1,\"t\":\"a\",\"n\":null,\"p\":1.5},{\"id\":2,\"t\":\"b\\u00e9\",\"p\":2}],"
        "\"next\":\"/x?p=2\"}",
        "{\"next\":\"/x?p=3\",\"data\":[{\"n\":\"late\",\"id\":3,\"p\":7,\"t\":\"c\"},{}]}",
        "{\"data\":[{\"id\":9,\"id\":\"dup\",\"p\":0.25}],\"next\":\"\"}", /* jansson: the last */
        "{\"data\":[],\"next\":\"end\"}",
    };
    both_paths(good, 4, "id");
    const char *const strings[] = {
        "{\"data\":[{\"u\":\"2024-01-02\",\"v\":{\"a\":[1,2]}},{\"u\":\"2024-03\",\"v\":[true]}]}",
        "{\"data\":[{\"u\":\"2024-02\",\"v\":null},{\"u\":\"2023\",\"v\":{}}]}",
    };
    both_paths(strings, 2, "u");
}

static void errors_and_messages_equal_the_dom_path(void **state)
{
    (void)state;
    const char *const extra_key[] = {"{\"data\":[{\"a\":1}]}", "{\"data\":[{\"a\":2,\"b\":3}]}"};
    both_paths(extra_key, 2, NULL);
    const char *const kinds[] = {"{\"data\":[{\"a\":1,\"b\":\"x\"}]}",
                                 "{\"data\":[{\"a\":2,\"b\":\"y\"},{\"b\":5,\"a\":1}]}"};
    both_paths(kinds, 2, NULL);
    const char *const scalar[] = {"{\"data\":[{\"a\":1},7]}"};
    both_paths(scalar, 1, "a");
    const char *const later_scalar[] = {"{\"data\":[{\"a\":1}]}", "{\"data\":[{\"a\":1},\"s\"]}"};
    both_paths(later_scalar, 2, NULL);
    /* a record taken back after it promoted a NULL column: NULL again */
    const char *const unpromote[] = {"{\"data\":[{\"a\":1,\"z\":null}]}",
                                     "{\"data\":[{\"a\":2,\"z\":5,\"z\":\"s\"},{\"a\":3,\"z\":\"t\"}]}"};
    both_paths(unpromote, 2, "a");
    const char *const unpromote_err[] = {"{\"data\":[{\"a\":1,\"z\":null}]}",
                                         "{\"data\":[{\"z\":5,\"b\":1}]}"};
    both_paths(unpromote_err, 2, NULL);
    const char *const widen[] = {"{\"data\":[{\"a\":1.5}]}", "{\"data\":[{\"a\":3}]}"};
    both_paths(widen, 2, "a");
}

static void pages_the_scanner_leaves_to_jansson(void **state)
{
    (void)state;
    etlc__jscan sc = {0};
    etlc_error err = {0};
    etlc__jval span;
    json_t *env = NULL;
    rest_ctx ctx = {.records_path = "/data", .paging = REST_PAGE_LINK};
    const char *bad[] = {"{\"data\":[{}]", "{\"data\":{}}", "\"text\"", "{\"other\":[]}",
                         "{\"data\":[]} x", "{\"data\":[1e400]}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(etlc__rest_scan_page(&ctx, &sc, bad[i], strlen(bad[i]), &span, &env, &err), -1);
    const char *nested = " {\"a\":[0,{\"x~/y\":{\"d\":[1]}}],\"data\":5}";
    ctx.records_path = "/a/1/x~0~1y/d";
    assert_int_equal(etlc__rest_scan_page(&ctx, &sc, nested, strlen(nested), &span, &env, &err), 0);
    assert_int_equal(span.raw_len, 3);
    assert_null(env); /* link paging reads nothing from the body */
    ctx.records_path = "";
    assert_int_equal(etlc__rest_scan_page(&ctx, &sc, "[{\"a\":1}]", 9, &span, &env, &err), 0);
    assert_int_equal(span.raw_len, 9);
    ctx = (rest_ctx){.records_path = "/data", .paging = REST_PAGE_CURSOR, .cursor_path = "/data/0/id"};
    assert_int_equal(etlc__rest_scan_page(&ctx, &sc, "{\"data\":[{\"id\":1}]}", 19, &span, &env, &err), -1);
    ctx.cursor_path = "";
    assert_int_equal(etlc__rest_scan_page(&ctx, &sc, "{\"data\":[{\"id\":1}]}", 19, &span, &env, &err), -1);
    etlc__jscan_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pages_equal_the_dom_path),
        cmocka_unit_test(errors_and_messages_equal_the_dom_path),
        cmocka_unit_test(pages_the_scanner_leaves_to_jansson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
