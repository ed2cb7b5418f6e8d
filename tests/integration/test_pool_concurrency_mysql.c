/* The MariaDB/MySQL connector serves fetches from several threads at once
 * (ETLC_CONNECTOR_CONCURRENT): four threads take the SAME cached mysql
 * connector (pool_max=4) and each lands a query that sleeps 1 s in the
 * server (pool_overlap.h). Also run under ThreadSanitizer (make tsan).
 * shared-service: mariadb (the run's one server; this test works in a
 * database of its own). A server that is not there fails the program. */
#include "testutil.h"
#include "shared_mysql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool_overlap.h"


static int start_server(void **state)
{
    (void)state;
    if (shared_mysql_create("pool_concurrency") != 0)
        return -1;
    return getenv("MYSQL_PORT") ? 0 : -1;
}

static int stop_server(void **state)
{
    (void)state;
    etlc_close_all_connections();
    shared_mysql_drop();
    return 0;
}

/* The select list is evaluated left to right: NOW(6) is the statement's
 * start, SYSDATE(6) the moment after the sleep. */
static void test_four_fetches_overlap(void **state)
{
    (void)state;
    run_overlap("mysql", "SELECT %d AS thread, UNIX_TIMESTAMP(NOW(6)) AS began, SLEEP(1) AS slept, "
                         "UNIX_TIMESTAMP(SYSDATE(6)) AS ended");
    assert_int_equal(etlc_cache_size(), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_four_fetches_overlap),
    };
    return cmocka_run_group_tests(tests, start_server, stop_server);
}
