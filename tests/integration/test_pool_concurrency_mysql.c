/* The MariaDB/MySQL connector serves fetches from several threads at once
 * (ETLC_CONNECTOR_CONCURRENT): four threads take the SAME cached mysql
 * connector (pool_max=4) and each lands a query that sleeps 1 s in the
 * server (pool_overlap.h). Also run under ThreadSanitizer (make tsan). The
 * server is started here through tests/services/mariadb; a server that does
 * not start fails the program. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool_overlap.h"

static char g_svcdir[4096];

static int service(const char *cmd)
{
    char line[9000];
    snprintf(line, sizeof line, "'%s/tests/services/mariadb' %s '%s' >/dev/null", ETLCONN_SOURCE_DIR, cmd, g_svcdir);
    return system(line);
}

static int start_server(void **state)
{
    (void)state;
    snprintf(g_svcdir, sizeof g_svcdir, "%s/services/mariadb-pool-%ld", ETLCONN_BINARY_DIR, (long)getpid());
    if (service("start") != 0) {
        fprintf(stderr, "tests/services/mariadb start failed\n");
        return -1;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/env", g_svcdir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *eq = strchr(line, '=');
        if (!eq || strncmp(line, "MYSQL_", 6) != 0)
            continue;
        *eq = '\0';
        setenv(line, eq + 1, 1); /* MYSQL_HOST, MYSQL_PORT, ...: the connector's env layer */
    }
    fclose(f);
    return getenv("MYSQL_PORT") ? 0 : -1;
}

static int stop_server(void **state)
{
    (void)state;
    etlc_close_all_connections();
    service("stop");
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
