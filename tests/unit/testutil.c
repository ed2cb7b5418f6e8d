#define _GNU_SOURCE
#include "testutil.h"
#include "core/connector_internal.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

char *tu_tempdir(const char *tag)
{
    char base[4096];
    snprintf(base, sizeof base, "%s/test-scratch", ETLCONN_BINARY_DIR);
    mkdir(base, 0755);
    char *path = malloc(4200);
    snprintf(path, 4200, "%s/%s-%ld-XXXXXX", base, tag, (long)getpid());
    if (!mkdtemp(path)) {
        free(path);
        return NULL;
    }
    return path;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; (void)flag; (void)ftw;
    return remove(p);
}

void tu_rmtree(const char *path)
{
    if (path)
        nftw(path, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

int tu_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    fputs(text, f);
    return fclose(f);
}

char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = '\0';
    if (len)
        *len = got;
    return buf;
}

static size_t file_count;
static int count_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)p; (void)sb; (void)ftw;
    if (flag == FTW_F)
        file_count++;
    return 0;
}

size_t tu_count_files(const char *dir)
{
    file_count = 0;
    nftw(dir, count_cb, 16, FTW_PHYS);
    return file_count;
}

static pthread_mutex_t logs_lock = PTHREAD_MUTEX_INITIALIZER;
static char *logs;
static size_t logs_len;

static void capture(etlc_log_level level, const char *component, const char *msg, void *ud)
{
    (void)ud;
    pthread_mutex_lock(&logs_lock);
    size_t add = strlen(component) + strlen(msg) + 32;
    logs = realloc(logs, logs_len + add);
    logs_len += (size_t)snprintf(logs + logs_len, add, "%s [%s] %s\n", etlc_log_level_name(level), component, msg);
    pthread_mutex_unlock(&logs_lock);
}

void tu_capture_logs(void)
{
    etlc_log_set_level(ETLC_LOG_TRACE);
    etlc_log_set_callback(capture, NULL);
}

const char *tu_logs(void) { return logs ? logs : ""; }

void tu_clear_logs(void)
{
    pthread_mutex_lock(&logs_lock);
    free(logs);
    logs = NULL;
    logs_len = 0;
    pthread_mutex_unlock(&logs_lock);
}

long tu_child_peak_rss(const char *mode, long rows)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ASAN_OPTIONS=quarantine_size_mb=0:detect_leaks=0 /proc/%ld/exe --rss-child %s %ld",
             (long)getpid(), mode, rows);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    long v = -1;
    if (fscanf(p, "%ld", &v) != 1)
        v = -1;
    return pclose(p) == 0 ? v : -1;
}

static int count_rows(void *ud, const etlc_batch *b, etlc_error *err)
{
    (void)err;
    *(uint64_t *)ud += b->nrows;
    return 0;
}

long tu_fetch_peak_rss(etlc_connector *c, const char *query, long rows)
{
    etlc_fetch_request req = {.query = query, .batch_rows = 10000};
    etlc_error err = {0};
    uint64_t got = 0;
    /* Straight to the ops: no sink, so only the connector's memory counts. */
    if (c->ops->fetch(c->ctx, &req, (etlc_batch_consumer){count_rows, &got}, &err) != 0 ||
        got != (uint64_t)rows) {
        fprintf(stderr, "child fetch: %s (got %llu)\n", err.message, (unsigned long long)got);
        return -1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

void tu_assert_rss_flat(const char *const *modes, size_t nmodes)
{
    for (size_t m = 0; m < nmodes; m++) {
        long small = tu_child_peak_rss(modes[m], 100000);
        long large = tu_child_peak_rss(modes[m], 1000000);
        printf("# %s: peak RSS %ld KiB at 100k rows, %ld KiB at 1M rows\n", modes[m], small, large);
        assert_true(small > 0 && large > 0);
        assert_true(large - small < 16 * 1024); /* 10x the rows, < 16 MiB more */
    }
}
