/* The DOM-free JSON scanner (core/json_scan.h) and the columns built from
 * its output (json_columns_scan.c): what it accepts is what jansson
 * accepts, values decode the same, and the columns and cells equal the
 * DOM path's (jansson as the oracle, ../fuzz/json_scan_oracle.h). */
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/json_scan_oracle.h"

static bool accepts(const char *text) { return etlc__jscan_check_object(text, strlen(text)) == 0; }

/* The one member of {"k": value}: its scanned value (strings copied out). */
static etlc__jval one(const char *text, char *str, size_t cap)
{
    etlc__jscan s = {0};
    etlc__jscan_init(&s, text, strlen(text));
    assert_int_equal(etlc__jscan_object_begin(&s), 0);
    const char *key;
    size_t klen;
    etlc__jval v;
    assert_int_equal(etlc__jscan_member(&s, &key, &klen, &v), 1);
    if (v.kind == ETLC__JSTRING) {
        assert_true(v.len < cap);
        memcpy(str, v.s, v.len);
        str[v.len] = '\0';
    }
    assert_int_equal(etlc__jscan_member(&s, &key, &klen, &v), 0);
    assert_int_equal(etlc__jscan_end(&s), 0);
    etlc__jscan_free(&s);
    return v;
}

static void strings_escapes_and_surrogates(void **state)
{
    (void)state;
    char s[64];
    etlc__jval v = one("{\"k\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"}", s, sizeof s);
    assert_int_equal(v.kind, ETLC__JSTRING);
    assert_string_equal(s, "a\"b\\c/d\b\f\n\r\t");
    one("{\"k\":\"\\u00e9\\u20AC\\ud83d\\ude00 x\"}", s, sizeof s);
    assert_string_equal(s, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 x");
    one("{\"k\":\"caf\xc3\xa9\"}", s, sizeof s); /* raw UTF-8, no escape */
    assert_string_equal(s, "caf\xc3\xa9");
    assert_false(accepts("{\"k\":\"\\ud83d\"}"));        /* lone high surrogate */
    assert_false(accepts("{\"k\":\"\\ude00\"}"));        /* lone low surrogate */
    assert_false(accepts("{\"k\":\"\\ud83d\\u0041\"}")); /* high + not low */
    assert_false(accepts("{\"k\":\"\\u0000\"}"));        /* jansson: no NUL */
    assert_false(accepts("{\"\\u0000\":1}"));
    assert_false(accepts("{\"k\":\"\\x\"}"));
    assert_false(accepts("{\"k\":\"\\u12G4\"}"));
    assert_false(accepts("{\"k\":\"a\tb\"}"));           /* raw control character */
    assert_false(accepts("{\"k\":\"\xc3\"}"));           /* truncated UTF-8 */
    assert_false(accepts("{\"k\":\"\xc0\xaf\"}"));       /* overlong */
    assert_false(accepts("{\"k\":\"\xed\xa0\x80\"}"));   /* encoded surrogate */
    assert_false(accepts("{\"k\":\"\xf4\x90\x80\x80\"}")); /* past U+10FFFF */
    assert_false(accepts("{\"k\":\"abc}"));
}

static void numbers_as_jansson_reads_them(void **state)
{
    (void)state;
    char s[8];
    etlc__jval v = one("{\"k\":9223372036854775807}", s, sizeof s);
    assert_int_equal(v.kind, ETLC__JINT);
    assert_true(v.i == INT64_MAX);
    v = one("{\"k\":-9223372036854775808}", s, sizeof s);
    assert_true(v.kind == ETLC__JINT && v.i == INT64_MIN);
    assert_false(accepts("{\"k\":9223372036854775808}"));  /* jansson: "too big integer" */
    assert_false(accepts("{\"k\":-9223372036854775809}"));
    v = one("{\"k\":-0}", s, sizeof s);
    assert_true(v.kind == ETLC__JINT && v.i == 0);
    v = one("{\"k\":-0.0}", s, sizeof s);
    assert_true(v.kind == ETLC__JREAL && v.d == 0 && signbit(v.d));
    v = one("{\"k\":1E2}", s, sizeof s);
    assert_true(v.kind == ETLC__JREAL && v.d == 100.0);
    v = one("{\"k\":123.21}", s, sizeof s);
    assert_true(v.d == strtod("123.21", NULL));
    v = one("{\"k\":0.1000000000000000055511151231257827}", s, sizeof s); /* strtod's path */
    assert_true(v.d == 0.1);
    v = one("{\"k\":1e-400}", s, sizeof s); /* underflow is 0, as jansson */
    assert_true(v.kind == ETLC__JREAL && v.d == 0);
    assert_false(accepts("{\"k\":1e400}"));  /* jansson: "real number overflow" */
    assert_false(accepts("{\"k\":01}"));
    assert_false(accepts("{\"k\":1.}"));
    assert_false(accepts("{\"k\":.5}"));
    assert_false(accepts("{\"k\":-}"));
    assert_false(accepts("{\"k\":1e}"));
    assert_false(accepts("{\"k\":+1}"));
}

static void structure_literals_depth_and_trailing_bytes(void **state)
{
    (void)state;
    assert_true(accepts(" \t\r\n{ } \n"));
    assert_true(accepts("{\"a\":[1,{\"b\":[]},\"x\",null,true,false],\"c\":{}}"));
    assert_false(accepts("{\"a\":1,}"));
    assert_false(accepts("{\"a\":[1,]}"));
    assert_false(accepts("{\"a\" 1}"));
    assert_false(accepts("{\"a\":truex}"));
    assert_false(accepts("{\"a\":nul}"));
    assert_false(accepts("{\"a\":1} x"));
    assert_false(accepts("{\"a\":1}{}"));
    assert_false(accepts("[{\"a\":1}]")); /* not an object */
    assert_false(accepts(""));
    assert_false(accepts("{\"a\":1"));
    /* jansson loses one NUL right after a number or literal, nowhere else */
    static const struct { const char *t; size_t n; bool ok; } nul[] = {
        {"{\"a\":1\0}", 8, true}, {"{\"a\":[true\0,2]}", 15, true}, {"{\"a\":1\0\0}", 9, false},
        {"{\"a\":\"x\"\0}", 10, false}, {"{\"a\":1 \0}", 9, false}, {"{\"a\":1}\0", 8, false}};
    for (size_t i = 0; i < sizeof nul / sizeof *nul; i++) {
        assert_int_equal(etlc__jscan_check_object(nul[i].t, nul[i].n) == 0, nul[i].ok);
        assert_int_equal(jscan_oracle(nul[i].t, nul[i].n), 0);
    }
    /* jansson counts every value: the top object is 1, at most 2048 */
    size_t deep = JSON_PARSER_MAX_DEPTH;
    char *t = malloc(2 * deep + 16);
    for (int extra = -1; extra <= 1; extra++) {
        size_t n = deep - 1 + (size_t)(extra + 1) - 1, k = 0; /* arrays inside the object */
        k += (size_t)sprintf(t, "{\"a\":");
        for (size_t i = 0; i < n; i++)
            t[k++] = '[';
        for (size_t i = 0; i < n; i++)
            t[k++] = ']';
        t[k++] = '}';
        t[k] = '\0';
        assert_int_equal(accepts(t), extra <= 0);
        assert_int_equal(jscan_oracle(t, k), 0);
    }
    free(t);
}

/* A micro-batch of lines through both paths (the oracle aborts on a difference). */
static void columns_equal_the_dom_path(void **state)
{
    (void)state;
    static const char *const batches[] = {
        "{\"id\":1,\"p\":1.5,\"s\":\"a\",\"n\":null}\n{\"id\":2,\"p\":2,\"s\":\"b\\n\",\"n\":true}",
        "{\"a\":1}\n{\"a\":1.25}\n{\"a\":-3}",              /* int64 widens to double */
        "{\"a\":1}\n{\"a\":\"x\"}\n{\"a\":[1, 2.50, {\"z\" : null}]}\n{\"a\":1e300}",
        "{\"a\":null}\n{\"b\":{\"c\":\"\\u00e9\"}}\n{}\n{\"b\":null,\"a\":\"late\"}",
        "{\"a\":1,\"a\":\"dup\"}\n{\"a\":2,\"b\":3}",       /* duplicate keys: jansson's last value */
        "{\"a\":1,\"b\":2,\"a\":{\"x\":1}}\n{\"b\":true}",
        "{\"k\\u0041\":1,\"kA\":2}\n{\"kA\":\"x\"}",        /* escaped key equal to another */
        "not json\n[1]\n{\"x\":1}\n\"s\"\n{\"x\":01}",
        "{\"\":1,\"e\":\"\"}\n{\"\":2.5}",
    };
    for (size_t i = 0; i < sizeof batches / sizeof *batches; i++)
        assert_int_equal(jscan_oracle(batches[i], strlen(batches[i])), 0);
}

static void a_bad_object_leaves_the_columns_as_they_were(void **state)
{
    (void)state;
    etlc__json_columns cols = {0};
    etlc__jscan sc = {0};
    etlc_error err = {0};
    const char *good = "{\"a\":1,\"b\":\"x\"}", *bad = "{\"a\":1.5,\"c\":2,\"b\":}",
               *dup = "{\"a\":\"s\",\"d\":1,\"d\":2}";
    assert_int_equal(etlc__json_columns_infer_text(&cols, &sc, good, strlen(good), &err), 0);
    assert_int_equal(etlc__json_columns_infer_text(&cols, &sc, bad, strlen(bad), &err),
                     ETLC__JSCAN_BAD);
    assert_int_equal(etlc__json_columns_infer_text(&cols, &sc, dup, strlen(dup), &err),
                     ETLC__JSCAN_BAD);
    assert_int_equal(cols.ncols, 2);
    assert_int_equal(cols.cols[0].type, ETLC_TYPE_INT64);
    assert_int_equal(cols.cols[1].type, ETLC_TYPE_TEXT);
    etlc__json_columns_free(&cols);
    etlc__jscan_free(&sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strings_escapes_and_surrogates),
        cmocka_unit_test(numbers_as_jansson_reads_them),
        cmocka_unit_test(structure_literals_depth_and_trailing_bytes),
        cmocka_unit_test(columns_equal_the_dom_path),
        cmocka_unit_test(a_bad_object_leaves_the_columns_as_they_were),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
