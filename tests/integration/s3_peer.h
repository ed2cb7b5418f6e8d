/* The S3 test peer for the C integration tests: start/stop SeaweedFS
 * through tests/services/seaweedfs and read the settings it prints (its
 * env file). Included by each test program (static: one copy each). */
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

static int run_service(const char *action)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s/services' && bash '%s/tests/services/seaweedfs' %s '%s' >'%s.out' 2>&1",
             ETLCONN_BINARY_DIR, ETLCONN_SOURCE_DIR, action, service_dir, service_dir);
    int st = system(cmd);
    return (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
}

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
