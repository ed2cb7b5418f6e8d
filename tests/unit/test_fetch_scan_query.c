/* The one query shape a parallel table scan (scan_partitions) may rewrite:
 * `SELECT <* | cols> FROM <rel>` with an optional `;`. Everything richer
 * must be refused, since appending `WHERE ctid ...` could change it. */
#include "testutil.h"

#include <string.h>

#include "pipeline/fetch_scan.h"

static void accepts(const char *q, const char *rel, size_t body_len)
{
    char got[64];
    size_t len = 0;
    assert_true(etlc__scan_plain_query(q, &len, got, sizeof got));
    assert_string_equal(got, rel);
    assert_int_equal(len, body_len);
}

static void refuses(const char *q)
{
    char got[64];
    size_t len = 0;
    if (etlc__scan_plain_query(q, &len, got, sizeof got))
        fail_msg("accepted: %s", q);
}

static void test_plain_reads(void **state)
{
    (void)state;
    accepts("SELECT * FROM t", "t", 15);
    accepts("  select a, b ,c\n from public.t ;  \n", "public.t", 31);
    accepts("SELECT \"A b\", \"x\"\"y\" FROM \"My Schema\".\"T\";", "\"My Schema\".\"T\"", 41);
    accepts("SELECT*FROM t", "t", 13);
    accepts("SELECT id FROM\"t\"", "\"t\"", 17);
}

static void test_everything_else(void **state)
{
    (void)state;
    const char *bad[] = {
        "SELECT * FROM t WHERE id > 1", "SELECT * FROM t ORDER BY id", "SELECT * FROM t LIMIT 5",
        "SELECT * FROM t JOIN u USING (id)", "SELECT * FROM t, u", "SELECT * FROM t t2",
        "SELECT DISTINCT a FROM t", "SELECT count(*) FROM t", "SELECT a + 1 FROM t", "SELECT a AS b FROM t",
        "SELECT * FROM t -- c", "SELECT * FROM t /* c */", "/* c */ SELECT * FROM t",
        "WITH x AS (SELECT 1) SELECT * FROM x", "SELECT * FROM ONLY t", "SELECT * FROM a.b.c",
        "SELECT * FROM t UNION SELECT * FROM u", "SELECT * FROM t;;", "SELECT * FROM t; SELECT 1",
        "SELECT * FROM (SELECT 1) s", "SELECT * FROM f()", "SELECT FROM t", "SELECT * FROM \"t",
        "SELECT * FROM \"\"", "SELECTa FROM t", "SELECT * FROMt", "TABLE t", "SELECT * FROM t GROUP BY a",
        "SELECT * FROM t FOR UPDATE", "SELECT * FROM $1", "", "SELECT * FROM t TABLESAMPLE SYSTEM (1)",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        refuses(bad[i]);
    char tiny[4];
    size_t len;
    assert_false(etlc__scan_plain_query("SELECT * FROM long_name", &len, tiny, sizeof tiny));
    assert_false(etlc__scan_plain_query(NULL, &len, tiny, sizeof tiny));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_reads),
        cmocka_unit_test(test_everything_else),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
