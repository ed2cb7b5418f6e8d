/* A MySQL/MariaDB url whose password holds an unencoded reserved character
 * (issue 15, class 16): the message says to percent-encode it or to use the
 * separate `password` key, where it used to say "the port is not a number";
 * it never quotes a piece of the password. Encoded, the password works. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "connectors/mysql/my_internal.h"

static bool holds(const char *s, const char *piece, size_t n)
{
    for (; *s; s++)
        if (strncmp(s, piece, n) == 0)
            return true;
    return false;
}

static void reserved_characters_must_be_encoded(void **state)
{
    (void)state;
    static const char *const urls[] = {
        "mariadb://ann:Zk5q#Xv9J@db.example:3306/shop", /* the example */
        "mysql://ann:Zk5q#1@db.example/shop",
        "mysql://ann:Zk5q/Xv9J@db.example/shop",
        "mysql://ann:Zk5q?Xv9J@db.example/shop",
        "mysql://ann:#Zk5qXv9J@db.example/shop",
        "mysql://ann:Zk5q%zXv9J@db.example/shop",
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        char *user, *pw, *host, *db;
        unsigned port;
        etlc_error err = {0};
        int rc = etlc__my_url_parse(urls[i], &user, &pw, &host, &port, &db, &err);
        if (rc != ETLC_CONFIG_RANGE)
            fail_msg("%s: rc %d %s", urls[i], rc, err.message);
        assert_null(strstr(err.message, "port is not a number"));
        assert_non_null(strstr(err.message, "'password' key"));
        assert_false(holds(err.message, "Zk5", 3));
        assert_false(holds(err.message, "Xv9", 3));
    }
    char *user, *pw, *host, *db;
    unsigned port;
    etlc_error err = {0};
    assert_int_equal(etlc__my_url_parse("mariadb://ann:Zk5q%23Xv9J@db.example:3306/shop", &user, &pw, &host,
                                        &port, &db, &err), 0);
    assert_string_equal(pw, "Zk5q#Xv9J");
    assert_int_equal(port, 3306);
    free(user);
    free(pw);
    free(host);
    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reserved_characters_must_be_encoded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
