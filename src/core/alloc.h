/* Allocation-failure injection, force-included (-include) into every library
 * source when ETLCONN_FAULT_INJECTION is on (test builds only; never in an
 * install). The library's own malloc, calloc, realloc, strdup, strndup,
 * posix_memalign and aligned_alloc calls become etlc__fi_* calls that a test
 * can make fail (core/fault.h); free stays free, so blocks still mix freely
 * with the ones libraries hand us.
 *
 * Function-like macros only: `malloc` not followed by '(' (a function
 * pointer, as in json_load.c) still names the real allocator. No system
 * header is included here, so a source's own _GNU_SOURCE still counts. */
#ifndef ETLCONN_CORE_ALLOC_H
#define ETLCONN_CORE_ALLOC_H

#include <stddef.h>

#define ETLC__FI_MALLOC __attribute__((malloc, warn_unused_result))
ETLC__FI_MALLOC void *etlc__fi_malloc(size_t n);
ETLC__FI_MALLOC void *etlc__fi_calloc(size_t count, size_t size);
void *etlc__fi_realloc(void *p, size_t n);
ETLC__FI_MALLOC char *etlc__fi_strdup(const char *s);
ETLC__FI_MALLOC char *etlc__fi_strndup(const char *s, size_t n);
int etlc__fi_posix_memalign(void **out, size_t align, size_t n);
ETLC__FI_MALLOC void *etlc__fi_aligned_alloc(size_t align, size_t n);

/* For allocators handed to libraries (OpenSSL, libcurl, zstd, SQLite):
 * may fail like ours, but the failure is counted as the library's. */
enum { ETLC__FI_OWN = 1, ETLC__FI_ZSTD, ETLC__FI_OPENSSL, ETLC__FI_CURL, ETLC__FI_SQLITE, ETLC__FI_ZLIB };
int etlc__fi_should_fail(int origin);
void *etlc__fi_lib_malloc(int origin, size_t n);
void *etlc__fi_lib_calloc(int origin, size_t count, size_t size);
void *etlc__fi_lib_realloc(int origin, void *p, size_t n);
char *etlc__fi_lib_strdup(int origin, const char *s);

/* The real ones, still reachable by name (the system headers declare the
 * etlc__fi_* names once the macros below rename their prototypes). */
void *malloc(size_t n);
void *calloc(size_t count, size_t size);
void *realloc(void *p, size_t n);
void free(void *p);

#define malloc(n) etlc__fi_malloc(n)
#define calloc(c, s) etlc__fi_calloc(c, s)
#define realloc(p, n) etlc__fi_realloc(p, n)
#define strdup(s) etlc__fi_strdup(s)
#define strndup(s, n) etlc__fi_strndup(s, n)
#define posix_memalign(o, a, n) etlc__fi_posix_memalign(o, a, n)
#define aligned_alloc(a, n) etlc__fi_aligned_alloc(a, n)

#endif
