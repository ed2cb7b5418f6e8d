/* A database server for a C integration test: tests/services/<name> started
 * in a directory of its own under the build tree, its env file read back.
 * Lines whose name starts with the connector's env prefix (PG_, MYSQL_) are
 * exported with setenv, so the connector's env layer finds them; every
 * other NAME=VALUE line goes to the test's `extra` callback (admin password,
 * socket, ...). Static: one copy per test program. */
#ifndef ETLCONN_TEST_SERVICE_PEER_H
#define ETLCONN_TEST_SERVICE_PEER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void (*service_peer_line_fn)(const char *name, const char *value);

static char service_peer_name[64];
static char service_peer_dir[4096];

static int service_peer_run(const char *cmd)
{
    char line[9000];
    snprintf(line, sizeof line, "'%s/tests/services/%s' %s '%s' >/dev/null", ETLCONN_SOURCE_DIR,
             service_peer_name, cmd, service_peer_dir);
    return system(line);
}

/* 0 when the server runs and its env file was read; -1 otherwise. */
static int service_peer_start(const char *name, const char *tag, const char *env_prefix,
                              service_peer_line_fn extra)
{
    snprintf(service_peer_name, sizeof service_peer_name, "%s", name);
    snprintf(service_peer_dir, sizeof service_peer_dir, "%s/services/%s-%s-%ld", ETLCONN_BINARY_DIR, name,
             tag, (long)getpid());
    if (service_peer_run("start") != 0) {
        fprintf(stderr, "tests/services/%s start failed\n", name);
        return -1;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/env", service_peer_dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    size_t plen = strlen(env_prefix);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *eq = strchr(line, '=');
        if (!eq)
            continue;
        *eq = '\0';
        if (strncmp(line, env_prefix, plen) == 0)
            setenv(line, eq + 1, 1);
        else if (extra)
            extra(line, eq + 1);
    }
    fclose(f);
    return 0;
}

static void service_peer_stop(void) { service_peer_run("stop"); }

#endif
