/* I/O failure interposition shared by the lake I/O failure tests (included
 * by one test file each, like nomem_alloc.h): write(), fsync() and rename()
 * on paths below `watched` are counted, and the `fail_at`th such call fails
 * (write with ENOSPC, fsync and rename with EIO). The test binary's
 * definitions win over libc's for the statically linked library; the
 * sanitizer runtimes intercept these calls too, but ours still win and reach
 * theirs through RTLD_NEXT, so the tests run under ASan as well. Needs
 * _GNU_SOURCE before the first include. */
#ifndef ETLCONN_TEST_LAKE_IOFAIL_INTERPOSE_H
#define ETLCONN_TEST_LAKE_IOFAIL_INTERPOSE_H

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char watched[PATH_MAX]; /* "" = count nothing */
static long fail_at;           /* 0 = off */
static long seen;              /* watched calls since reset */
static const char *failed_op;  /* what failed last ("write", ...) */
static bool failed_on_dir;     /* the failed call was an fsync of a directory */

static bool path_watched(const char *path)
{
    size_t n = strlen(watched);
    return n && path && strncmp(path, watched, n) == 0;
}

static bool fd_watched(int fd)
{
    if (!watched[0] || fd < 0)
        return false;
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n <= 0)
        return false;
    target[n] = '\0';
    return path_watched(target);
}

static bool should_fail(bool is_watched, const char *op)
{
    if (!is_watched || fail_at <= 0 || ++seen != fail_at)
        return false;
    failed_op = op;
    return true;
}

ssize_t write(int fd, const void *buf, size_t len)
{
    static ssize_t (*real)(int, const void *, size_t);
    if (!real)
        real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    if (should_fail(fd_watched(fd), "write")) {
        errno = ENOSPC;
        return -1;
    }
    return real(fd, buf, len);
}

int fsync(int fd)
{
    static int (*real)(int);
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    if (should_fail(fd_watched(fd), "fsync")) {
        struct stat st;
        failed_on_dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
        errno = EIO;
        return -1;
    }
    return real(fd);
}

int rename(const char *from, const char *to)
{
    static int (*real)(const char *, const char *);
    if (!real)
        real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    if (should_fail(path_watched(from) || path_watched(to), "rename")) {
        errno = EIO;
        return -1;
    }
    return real(from, to);
}

#endif
