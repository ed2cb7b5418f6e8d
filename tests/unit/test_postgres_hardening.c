/* PostgreSQL messages under hostile input, without a server (issue 15):
 * libpq's message is redacted whole before it is cut (class 2: a canary in
 * a socket path libpq quotes, moved across the old 700/800-byte cuts), and
 * a url whose password holds an unencoded reserved character says to
 * percent-encode it or use the `password` key (class 16). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/pq_common/pq_common.h"

#define CANARY "Pg7CutCanary9Secret"

static bool holds(const char *s, const char *piece, size_t n)
{
    for (; *s; s++)
        if (strncmp(s, piece, n) == 0)
            return true;
    return false;
}

static void assert_no_piece(const char *msg, size_t at)
{
    for (size_t i = 0; i + 4 <= strlen(CANARY); i++)
        if (holds(msg, CANARY + i, 4))
            fail_msg("canary at %zu: '%.4s' survived in: %s", at, CANARY + i, msg);
}

/* libpq quotes an over-long Unix socket path whole in its error. */
static void libpq_messages_redacted_before_cut(void **state)
{
    (void)state;
    etlc_redact_register_secret(CANARY);
    size_t seen_long = 0;
    for (size_t pad = 560; pad < 860; pad++) {
        char *host = malloc(pad + sizeof CANARY + 8);
        host[0] = '/';
        memset(host + 1, 'd', pad - 1);
        strcpy(host + pad, CANARY "/x");
        const char *keys[] = {"host", "dbname", "connect_timeout", NULL};
        const char *values[] = {host, "x", "1", NULL};
        PGconn *conn = PQconnectdbParams(keys, values, 0);
        assert_non_null(conn);
        assert_int_equal(PQstatus(conn), CONNECTION_BAD);
        if (strstr(PQerrorMessage(conn), CANARY))
            seen_long++;
        etlc_error err = {0};
        etlc__pg_connect_error(&err, conn, "postgres: connect");
        assert_no_piece(err.message, pad);
        etlc__pg_result_error(&err, conn, NULL, "postgres: query");
        assert_no_piece(err.message, pad);
        PQfinish(conn);
        free(host);
    }
    assert_true(seen_long > 0); /* libpq did quote the path: the test reached the cut */
}

static void url_reserved_character_in_password(void **state)
{
    (void)state;
    static const char *const urls[] = {
        "postgresql://ann:Zk5q#Xv9J@db.example:5432/shop",
        "postgresql://ann:Zk5q/Xv9J@db.example/shop",
        "postgresql://ann:Zk5q?Xv9J@db.example/shop",
        "postgres://ann:Zk5q@Xv9J@db.example/shop",
        "postgresql://ann:Zk5q%zXv9J@db.example/shop",
    };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        etlc_kv kv[] = {{"url", urls[i]}};
        etlc_config_sources src = {.env_prefix = "", .overrides = kv, .overrides_len = 1};
        etlc_config *cfg = NULL;
        etlc_error err = {0};
        assert_int_equal(etlc_load_connection_config("postgres", &src, &cfg, &err), ETLC_OK);
        const char **keys = NULL;
        char **values = NULL;
        int expand = 0;
        assert_int_equal(etlc__pg_conninfo(cfg, &keys, &values, &expand, &err), ETLC_CONFIG_RANGE);
        assert_non_null(strstr(err.message, "PostgreSQL url"));
        assert_non_null(strstr(err.message, "'password' key"));
        assert_false(holds(err.message, "Zk5", 3));
        assert_false(holds(err.message, "Xv9", 3));
        etlc_config_free(cfg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(libpq_messages_redacted_before_cut),
        cmocka_unit_test(url_reserved_character_in_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
