/* The S3 test peer for the C integration tests: the run's shared SeaweedFS
 * (tests/services/seaweedfs, a CTest fixture) and a bucket of the test's own;
 * its settings come from its env file. Included by each test program
 * (static: one copy each). */
#ifndef ETLCONN_TEST_S3_PEER_H
#define ETLCONN_TEST_S3_PEER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char service_dir[900];
static char endpoint[256], region[64], bucket[128], access_key[128], secret_key[256], filer[256];
static char run_prefix[64]; /* unique per run so reruns never see old objects */

/* ---- service ------------------------------------------------------------- */

static void copy_value(char *dst, size_t dstsz, const char *line, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(line, name, n) == 0 && line[n] == '=') {
        snprintf(dst, dstsz, "%s", line + n + 1);
        dst[strcspn(dst, "\r\n")] = '\0';
    }
}

static int read_service_env(void)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/env", service_dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        copy_value(endpoint, sizeof endpoint, line, "ETLC_TEST_S3_ENDPOINT");
        copy_value(region, sizeof region, line, "ETLC_TEST_S3_REGION");
        copy_value(bucket, sizeof bucket, line, "ETLC_TEST_S3_BUCKET");
        copy_value(access_key, sizeof access_key, line, "ETLC_TEST_S3_ACCESS_KEY_ID");
        copy_value(secret_key, sizeof secret_key, line, "ETLC_TEST_S3_SECRET_ACCESS_KEY");
        copy_value(filer, sizeof filer, line, "ETLC_TEST_S3_FILER");
    }
    fclose(f);
    return (*endpoint && *bucket && *access_key && *secret_key && *filer) ? 0 : -1;
}

/* The run's shared SeaweedFS (the test says "shared-service: seaweedfs"):
 * its settings, and `bucket` = the test's own bucket `name`, made here. 0 when
 * both worked; -1 with a message on stderr. The server is never stopped. */
static int shared_s3_start(const char *name)
{
    const char *dir = getenv("ETLCONN_SERVICES_DIR");
    snprintf(service_dir, sizeof service_dir, "%s/seaweedfs", dir ? dir : ETLCONN_BINARY_DIR "/services/shared");
    if (read_service_env() != 0) {
        fprintf(stderr, "FAIL: %s/env is missing: the fixture service.seaweedfs.start did not run or "
                        "failed (run the test through ctest)\n", service_dir);
        return -1;
    }
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "bash '%s/tests/services/seaweedfs' bucket '%s' '%s'", ETLCONN_SOURCE_DIR,
             service_dir, name);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "FAIL: cannot create the bucket %s\n", name);
        return -1;
    }
    snprintf(bucket, sizeof bucket, "%s", name);
    return 0;
}

/* A lake in the test bucket under run_prefix/sub, path-style; fails the
 * test if it cannot be opened. A test that needs other settings defines
 * S3_PEER_OWN_OPEN_LAKE and its own. */
#ifndef S3_PEER_OWN_OPEN_LAKE
static etlc_lake *open_lake(const char *sub)
{
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s/%s", run_prefix, sub);
    etlc_lake_s3_options o = {
        .endpoint = endpoint, .region = region, .bucket = bucket, .prefix = prefix,
        .path_style = true, .access_key_id = access_key, .secret_access_key = secret_key,
    };
    etlc_error err = {0};
    etlc_lake *lake = NULL;
    if (etlc_lake_open_s3(&o, &lake, &err))
        fail_msg("etlc_lake_open_s3: %s", err.message);
    return lake;
}
#endif

#endif
