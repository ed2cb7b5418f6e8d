/* The one instance of tests/services/<name> a CTest fixture started for
 * this run (tests/CMakeLists.txt: a test says "shared-service: <name>" in
 * its source). Reads its env file, $ETLCONN_SERVICES_DIR/<name>/env, of
 * NAME=VALUE lines: each goes to `line` (setenv it, keep it, ...). The test
 * never stops the server and keeps its data apart from other tests'.
 * Static: one copy per test program. */
#ifndef ETLCONN_TEST_SHARED_SERVICE_H
#define ETLCONN_TEST_SHARED_SERVICE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*shared_service_line_fn)(const char *name, const char *value, void *userdata);

/* 0 when the env file was read; -1 (with a message on stderr) otherwise. */
__attribute__((unused)) static int shared_service_env(const char *name, shared_service_line_fn line_fn, void *userdata)
{
    const char *dir = getenv("ETLCONN_SERVICES_DIR");
    char path[4200];
    snprintf(path, sizeof path, "%s/%s/env", dir ? dir : ETLCONN_BINARY_DIR "/services/shared", name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "FAIL: %s is missing: the fixture service.%s.start did not run or failed "
                        "(run the test through ctest)\n", path, name);
        return -1;
    }
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *eq = strchr(line, '=');
        if (!eq || line[0] == '#')
            continue;
        *eq = '\0';
        line_fn(line, eq + 1, userdata);
    }
    fclose(f);
    return 0;
}

#endif
