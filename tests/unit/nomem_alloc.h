/* Allocation-failure injection for the *_nomem tests, through the
 * library's own injector (src/core/fault.h, docs/testing.md): only a build
 * with -DETLCONN_FAULT_INJECTION=ON has it, and tests/CMakeLists.txt builds
 * these tests only then. Nothing is interposed here, so they run under
 * AddressSanitizer too.
 *
 * Leaks are found by the heap bytes in use before and after a run: the
 * sanitizer's count under ASan, glibc's mallinfo2 otherwise (with glibc's
 * per-thread cache off, whose blocks mallinfo2 counts as in use: ctest sets
 * GLIBC_TUNABLES, and nomem_main_setup re-executes the test with it). */
#ifndef ETLCONN_NOMEM_ALLOC_H
#define ETLCONN_NOMEM_ALLOC_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fault.h"

#ifndef ETLCONN_FAULT_INJECTION
#error "the *_nomem tests need a library built with -DETLCONN_FAULT_INJECTION=ON"
#endif

#if defined(__SANITIZE_ADDRESS__)
#define NOMEM_SANITIZED 1
size_t __sanitizer_get_current_allocated_bytes(void); /* <sanitizer/allocator_interface.h>, not shipped here */
__attribute__((unused)) static long nomem_heap_in_use(void) { return (long)__sanitizer_get_current_allocated_bytes(); }
#else
#include <malloc.h>
#define NOMEM_SANITIZED 0
__attribute__((unused)) static long nomem_heap_in_use(void)
{
    struct mallinfo2 m = mallinfo2();
    return (long)(m.uordblks + m.hblkhd);
}
#endif

#define NOMEM_TUNABLES "glibc.malloc.tcache_count=0"

/* Call first in main: without glibc's thread cache, or mallinfo2 misreads. */
__attribute__((unused)) static void nomem_main_setup(char **argv)
{
    if (NOMEM_SANITIZED)
        return;
    const char *t = getenv("GLIBC_TUNABLES");
    if (t && strstr(t, NOMEM_TUNABLES))
        return;
    setenv("GLIBC_TUNABLES", NOMEM_TUNABLES, 1);
    execv("/proc/self/exe", argv);
    perror("re-executing with " NOMEM_TUNABLES);
    exit(1);
}

/* Fail the nth routed allocation from now, counting from zero. */
__attribute__((unused)) static void nomem_arm(long n)
{
    etlc__fault_reset();
    etlc__fault_alloc_fail_at(n);
}

/* Disarm, keeping the counters for nomem_seen and nomem_failed_in_library. */
__attribute__((unused)) static void nomem_disarm(void) { etlc__fault_alloc_fail_at(0); }
__attribute__((unused)) static long nomem_seen(void) { return etlc__fault_alloc_count(); }

/* The injected failure hit an allocation a library made (zstd, OpenSSL,
 * libcurl, SQLite) rather than etlconn's own (jansson's count as ours: our
 * code must notice them). */
__attribute__((unused)) static bool nomem_failed_in_library(void)
{
    etlc__fault_origin o = etlc__fault_alloc_failed_origin();
    return o != ETLC__FAULT_NONE && o != ETLC__FAULT_ETLCONN;
}

/* Under sanitizers every run costs several times more: the loops may step
 * through the allocations `stride` at a time there (NOMEM_STRIDE=1 to do
 * them all). 1 in plain builds. */
__attribute__((unused)) static long nomem_stride(long under_sanitizers)
{
    const char *s = getenv("NOMEM_STRIDE");
    if (s && atol(s) > 0)
        return atol(s);
    return NOMEM_SANITIZED ? under_sanitizers : 1;
}

#endif
