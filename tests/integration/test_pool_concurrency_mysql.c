/* The MariaDB/MySQL connector serves fetches from several threads at once
 * (ETLC_CONNECTOR_CONCURRENT): four threads take the SAME cached mysql
 * connector (pool_max=4) and each lands a query that sleeps 1 s in the
 * server (pool_overlap.h). Also run under ThreadSanitizer (make tsan). The
 * server is started here through tests/services/mariadb; a server that does
 * not start fails the program. */
#include "testutil.h"
#include "service_peer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool_overlap.h"


static int start_server(void **state)
{
    (void)state;
    if (service_peer_start("mariadb", "pool", "MYSQL_", NULL) != 0)
        return -1;
    return getenv("MYSQL_PORT") ? 0 : -1;
}

static int stop_server(void **state)
{
    (void)state;
    etlc_close_all_connections();
    service_peer_stop();
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
