/* The run's shared MariaDB (a test says "shared-service: mariadb") for the C
 * tests: its MYSQL_* settings exported with setenv, and a database of the
 * test's own, <name>_<pid>, made by the server's admin with every right for
 * the test user and set as MYSQL_DATABASE; shared_mysql_drop removes it. The
 * server itself is never stopped or reconfigured. Static: one copy per test
 * program. */
#ifndef ETLCONN_TEST_SHARED_MYSQL_H
#define ETLCONN_TEST_SHARED_MYSQL_H

#include "shared_service.h"

#include <mysql.h>
#include <unistd.h>

static char shared_mysql_db[128];
static char shared_mysql_admin[64], shared_mysql_admin_pw[128];

static void shared_mysql_line(const char *name, const char *value, void *userdata)
{
    (void)userdata;
    if (strncmp(name, "MYSQL_", 6) == 0)
        setenv(name, value, 1);
    else if (strcmp(name, "ETLC_MYSQL_ADMIN_USERNAME") == 0)
        snprintf(shared_mysql_admin, sizeof shared_mysql_admin, "%s", value);
    else if (strcmp(name, "ETLC_MYSQL_ADMIN_PASSWORD") == 0)
        snprintf(shared_mysql_admin_pw, sizeof shared_mysql_admin_pw, "%s", value);
}

/* Statements (';'-separated) as the admin; 0 when every one succeeded. */
static int shared_mysql_exec(const char *sql)
{
    MYSQL *m = mysql_init(NULL);
    unsigned proto = MYSQL_PROTOCOL_TCP;
    mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &proto);
    int rc = -1;
    if (mysql_real_connect(m, getenv("MYSQL_HOST"), shared_mysql_admin, shared_mysql_admin_pw, NULL,
                           (unsigned)atoi(getenv("MYSQL_PORT")), NULL, CLIENT_MULTI_STATEMENTS) &&
        mysql_query(m, sql) == 0) {
        rc = 0;
        do {
            mysql_free_result(mysql_store_result(m));
        } while (mysql_next_result(m) == 0);
        if (mysql_errno(m))
            rc = -1;
    }
    if (rc != 0)
        fprintf(stderr, "FAIL: %s: %s\n", sql, mysql_error(m));
    mysql_close(m);
    return rc;
}

/* 0 when the test's own database exists and MYSQL_* point at it; -1 otherwise. */
static int shared_mysql_create(const char *name)
{
    if (shared_service_env("mariadb", shared_mysql_line, NULL) != 0 || !getenv("MYSQL_PORT") ||
        !getenv("MYSQL_USERNAME") || !shared_mysql_admin[0])
        return -1;
    snprintf(shared_mysql_db, sizeof shared_mysql_db, "%s_%ld", name, (long)getpid());
    const char *user = getenv("MYSQL_USERNAME");
    char sql[1024];
    snprintf(sql, sizeof sql,
             "CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;"
             "GRANT ALL ON `%s`.* TO '%s'@'127.0.0.1'; GRANT ALL ON `%s`.* TO '%s'@'localhost'",
             shared_mysql_db, shared_mysql_db, user, shared_mysql_db, user);
    if (shared_mysql_exec(sql) != 0)
        return -1;
    setenv("MYSQL_DATABASE", shared_mysql_db, 1);
    return 0;
}

static void shared_mysql_drop(void)
{
    char sql[256];
    if (!shared_mysql_db[0])
        return;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS `%s`", shared_mysql_db);
    shared_mysql_exec(sql);
}

#endif
