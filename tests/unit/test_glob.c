/* etlc_glob_match: the glob dialect of every bytes connector, as a table. */
#include "testutil.h"

#include <stdio.h>

typedef struct glob_case {
    const char *pattern;
    const char *name;
    bool match;
} glob_case;

static const glob_case cases[] = {
    /* literals and '*' (never across '/') */
    {"a.csv", "a.csv", true},
    {"a.csv", "b.csv", false},
    {"*.csv", "a.csv", true},
    {"*.csv", ".hidden.csv", true},
    {"*.csv", "dir/a.csv", false},
    {"*", "", true},
    {"*", "a/b", false},
    {"a*b", "ab", true},
    {"a*b", "axxb", true},
    {"a*b", "a/b", false},
    {"a**b", "axb", true},      /* '**' inside a segment is one '*' */
    {"a**b", "a/x/b", false},
    {"*.csv", "a.csv.gz", false},
    {"data-*-*.csv", "data-2026-11.csv", true},
    /* '?' */
    {"?.csv", "a.csv", true},
    {"?.csv", "ab.csv", false},
    {"a?b", "a/b", false},
    {"?", "", false},
    /* classes */
    {"[abc].txt", "b.txt", true},
    {"[abc].txt", "d.txt", false},
    {"[a-c]x", "bx", true},
    {"[a-c]x", "dx", false},
    {"[!a-c]x", "dx", true},
    {"[^a-c]x", "ax", false},
    {"[]]x", "]x", true},
    {"[!]]x", "ax", true},
    {"[0-9][0-9]", "42", true},
    {"[0-9][0-9]", "4a", false},
    {"a[/]b", "a/b", false},    /* a class never matches '/' */
    {"[ab", "[ab", true},       /* unclosed class: literal '[' */
    {"[ab", "a", false},
    /* escapes */
    {"\\*.csv", "*.csv", true},
    {"\\*.csv", "a.csv", false},
    {"a\\?", "a?", true},
    /* '**' as a whole segment: zero or more segments */
    {"**", "a", true},
    {"**", "a/b/c.csv", true},
    {"**/*.csv", "x.csv", true},
    {"**/*.csv", "a/x.csv", true},
    {"**/*.csv", "a/b/c/x.csv", true},
    {"**/*.csv", "a/b/c/x.txt", false},
    {"a/**", "a/b", true},
    {"a/**", "a/b/c", true},
    {"a/**", "b/c", false},
    {"a/**/z.csv", "a/z.csv", true},
    {"a/**/z.csv", "a/b/c/z.csv", true},
    {"a/**/z.csv", "a/b/c/y.csv", false},
    {"a/**/z.csv", "ab/z.csv", false},
    {"**/b/*.csv", "b/x.csv", true},
    {"**/b/*.csv", "a/b/x.csv", true},
    {"**/b/*.csv", "a/bb/x.csv", false},
    {"**/**/x", "a/b/x", true},
    /* odd bytes are plain bytes */
    {"* *.csv", "my file.csv", true},
    {"caf\xc3\xa9/*.csv", "caf\xc3\xa9/a.csv", true},
    {"*/*.csv", "caf\xc3\xa9/a.csv", true},
    /* segments line up */
    {"a/*", "a/b", true},
    {"a/*", "a/b/c", false},
    {"*/b", "a/b", true},
    {"a/b", "a/b/", false},
};

static void table(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool got = etlc_glob_match(cases[i].pattern, cases[i].name);
        if (got != cases[i].match) {
            printf("glob '%s' vs '%s': got %d, want %d\n", cases[i].pattern, cases[i].name, got,
                   cases[i].match);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

static void null_never_matches(void **state)
{
    (void)state;
    assert_false(etlc_glob_match(NULL, "a"));
    assert_false(etlc_glob_match("a", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(table), cmocka_unit_test(null_never_matches)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
