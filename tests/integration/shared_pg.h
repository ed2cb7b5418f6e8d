/* The run's shared PostgreSQL (a test says "shared-service: postgres") for
 * the C tests: its PG_* settings exported with setenv, and a database of the
 * test's own, <name>_<pid>, made by the test user and set as PG_DATABASE;
 * shared_pg_drop removes it. The server itself is never stopped or
 * reconfigured. Static: one copy per test program. */
#ifndef ETLCONN_TEST_SHARED_PG_H
#define ETLCONN_TEST_SHARED_PG_H

#include "shared_service.h"

#include <libpq-fe.h>
#include <unistd.h>

static char shared_pg_db[128];
static char shared_pg_home_db[128]; /* the server's own test database */

static void shared_pg_line(const char *name, const char *value, void *userdata)
{
    (void)userdata;
    if (strncmp(name, "PG_", 3) == 0)
        setenv(name, value, 1);
}

/* One statement as the test user in the server's own test database. */
static int shared_pg_exec(const char *sql)
{
    const char *keys[] = {"host", "port", "dbname", "user", "password", NULL};
    const char *vals[] = {getenv("PG_HOST"), getenv("PG_PORT"), shared_pg_home_db, getenv("PG_USERNAME"),
                          getenv("PG_PASSWORD"), NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 0);
    int rc = -1;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *r = PQexec(c, sql);
        rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
        PQclear(r);
    }
    if (rc != 0)
        fprintf(stderr, "FAIL: %s: %s", sql, PQerrorMessage(c));
    PQfinish(c);
    return rc;
}

/* 0 when the test's own database exists and PG_* point at it; -1 otherwise. */
static int shared_pg_create(const char *name)
{
    if (shared_service_env("postgres", shared_pg_line, NULL) != 0 || !getenv("PG_DATABASE"))
        return -1;
    snprintf(shared_pg_home_db, sizeof shared_pg_home_db, "%s", getenv("PG_DATABASE"));
    snprintf(shared_pg_db, sizeof shared_pg_db, "%s_%ld", name, (long)getpid());
    char sql[256];
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", shared_pg_db);
    if (shared_pg_exec(sql) != 0)
        return -1;
    setenv("PG_DATABASE", shared_pg_db, 1);
    return 0;
}

static void shared_pg_drop(void)
{
    char sql[256];
    if (!shared_pg_db[0])
        return;
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", shared_pg_db);
    shared_pg_exec(sql);
}

#endif
