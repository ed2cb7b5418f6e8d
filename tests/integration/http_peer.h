/* tests/services/httpbin for a test program (header-only: the test build
 * compiles one source per program): the run's shared plain-HTTP instance
 * (peer_shared), or one of the program's own (peer_start/peer_stop, for
 * TLS settings). The server is a real loopback HTTP peer; if it is not
 * there, the test FAILS (never skipped). */
#ifndef ETLCONN_TEST_HTTP_PEER_H
#define ETLCONN_TEST_HTTP_PEER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "shared_service.h"

static char peer_dir[900];
static char peer_url[256], peer_https_url[256], peer_mtls_url[256], peer_token[128];

static int peer_sh(const char *cmd)
{
    int st = system(cmd);
    return (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
}

static void peer_value(char *dst, size_t dstsz, const char *line, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(line, name, n) == 0 && line[n] == '=') {
        snprintf(dst, dstsz, "%s", line + n + 1);
        dst[strcspn(dst, "\r\n")] = '\0';
    }
}

/* Start the peer under $BUILD/services/httpbin-<tag>; `tls_args` is "" or
 * "--tls CERT KEY [--client-ca CA]". 0 when it runs and its env was read. */
__attribute__((unused)) static int peer_start(const char *tag, const char *tls_args)
{
    snprintf(peer_dir, sizeof peer_dir, "%s/services/httpbin-%s", ETLCONN_BINARY_DIR, tag);
    char cmd[3000];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/services' && python3 '%s/tests/services/httpbin' start '%s' %s "
             ">'%s.out' 2>&1",
             ETLCONN_BINARY_DIR, ETLCONN_SOURCE_DIR, peer_dir, tls_args, peer_dir);
    if (peer_sh(cmd) != 0) {
        fprintf(stderr, "FAIL: tests/services/httpbin start %s failed (see %s.out); this test "
                        "needs its loopback HTTP peer and is not skipped\n", peer_dir, peer_dir);
        return -1;
    }
    char path[1000];
    snprintf(path, sizeof path, "%s/env", peer_dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        peer_value(peer_url, sizeof peer_url, line, "ETLC_TEST_HTTPBIN_URL");
        peer_value(peer_https_url, sizeof peer_https_url, line, "ETLC_TEST_HTTPBIN_HTTPS_URL");
        peer_value(peer_mtls_url, sizeof peer_mtls_url, line, "ETLC_TEST_HTTPBIN_MTLS_URL");
        peer_value(peer_token, sizeof peer_token, line, "ETLC_TEST_HTTPBIN_TOKEN");
    }
    fclose(f);
    return *peer_url && *peer_token ? 0 : -1;
}

/* The run's shared plain-HTTP peer (the test says "shared-service: httpbin";
 * a CTest fixture started it). Tests keep apart through keys of their own
 * (/flaky/KEY, /hits/KEY). 0 when its env was read; never stop it. */
static void peer_shared_line(const char *name, const char *value, void *userdata)
{
    (void)userdata;
    if (strcmp(name, "ETLC_TEST_HTTPBIN_URL") == 0)
        snprintf(peer_url, sizeof peer_url, "%s", value);
    else if (strcmp(name, "ETLC_TEST_HTTPBIN_TOKEN") == 0)
        snprintf(peer_token, sizeof peer_token, "%s", value);
}

__attribute__((unused)) static int peer_shared(void)
{
    if (shared_service_env("httpbin", peer_shared_line, NULL) != 0)
        return -1;
    return *peer_url && *peer_token ? 0 : -1;
}

__attribute__((unused)) static void peer_stop(void)
{
    char cmd[2000];
    snprintf(cmd, sizeof cmd, "python3 '%s/tests/services/httpbin' stop '%s' >/dev/null 2>&1",
             ETLCONN_SOURCE_DIR, peer_dir);
    (void)peer_sh(cmd);
}

#endif
