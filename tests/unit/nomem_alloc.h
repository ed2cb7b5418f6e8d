/* Allocation-failure injection for the *_nomem tests: include once, in the
 * test's only source file. malloc/calloc/realloc/free are replaced through
 * glibc's interposition (so these tests are not built under sanitizers,
 * whose runtimes own the allocator): nomem_fail_at = N makes the Nth
 * allocation fail; nomem_live counts allocations not yet freed. */
#ifndef ETLCONN_NOMEM_ALLOC_H
#define ETLCONN_NOMEM_ALLOC_H

#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

static long nomem_fail_at;  /* 0 = off; else fail the nomem_fail_at-th allocation */
static long nomem_seen;     /* allocations seen since the counter was reset */
static long nomem_live;     /* allocations not yet freed */
/* The injected failure hit an allocation a library made (libcurl, OpenSSL,
 * libyaml...) rather than the test binary's own (etlconn is linked in). */
static bool nomem_failed_in_library;

static bool nomem_should_fail(void *caller)
{
    if (nomem_fail_at > 0 && ++nomem_seen == nomem_fail_at) {
        Dl_info mine, theirs;
        nomem_failed_in_library = dladdr((void *)nomem_should_fail, &mine) && dladdr(caller, &theirs) &&
                                  mine.dli_fname && theirs.dli_fname &&
                                  strcmp(mine.dli_fname, theirs.dli_fname) != 0;
        errno = ENOMEM; /* as the real allocator does */
        return true;
    }
    return false;
}

void *malloc(size_t size)
{
    if (nomem_should_fail(__builtin_return_address(0)))
        return NULL;
    void *p = __libc_malloc(size);
    if (p)
        nomem_live++;
    return p;
}

void *calloc(size_t n, size_t size)
{
    if (nomem_should_fail(__builtin_return_address(0)))
        return NULL;
    void *p = __libc_calloc(n, size);
    if (p)
        nomem_live++;
    return p;
}

void *realloc(void *old, size_t size)
{
    if (nomem_should_fail(__builtin_return_address(0)))
        return NULL;
    void *p = __libc_realloc(old, size);
    if (p && !old)
        nomem_live++;
    return p;
}

void free(void *p)
{
    if (p)
        nomem_live--;
    __libc_free(p);
}

#endif
