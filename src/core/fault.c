/* The allocation-failure injector (ETLCONN_FAULT_INJECTION builds only):
 * the etlc__fi_* allocators core/alloc.h maps the library's calls to, the
 * ones handed to OpenSSL and libcurl at start-up, and the test-only
 * controls of core/fault.h. Empty in a normal build. */
typedef int etlc__fault_translation_unit_not_empty;

#ifdef ETLCONN_FAULT_INJECTION
#undef malloc
#undef calloc
#undef realloc
#undef strdup
#undef strndup
#undef posix_memalign
#undef aligned_alloc

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "core/fault.h"

static atomic_long seen;       /* routed allocations since the last reset */
static atomic_long fail_at;    /* fail when seen reaches this; 0 = disarmed */
static atomic_bool fail_after; /* and every allocation after it */
static atomic_long failures;
static atomic_int first_origin;
static atomic_uint routed; /* bit per etlc__fault_origin */

int etlc__fi_should_fail(int origin)
{
    long at = atomic_load_explicit(&fail_at, memory_order_relaxed);
    long k = atomic_fetch_add_explicit(&seen, 1, memory_order_relaxed) + 1;
    if (at <= 0 || k < at || (k > at && !atomic_load_explicit(&fail_after, memory_order_relaxed)))
        return 0;
    int none = ETLC__FAULT_NONE;
    atomic_compare_exchange_strong(&first_origin, &none, origin);
    atomic_fetch_add(&failures, 1);
    errno = ENOMEM; /* as the real allocator does */
    return 1;
}

void *etlc__fi_lib_malloc(int origin, size_t n) { return etlc__fi_should_fail(origin) ? NULL : malloc(n); }

void *etlc__fi_lib_calloc(int origin, size_t count, size_t size)
{
    return etlc__fi_should_fail(origin) ? NULL : calloc(count, size);
}

void *etlc__fi_lib_realloc(int origin, void *p, size_t n)
{
    return etlc__fi_should_fail(origin) ? NULL : realloc(p, n);
}

char *etlc__fi_lib_strdup(int origin, const char *s)
{
    return etlc__fi_should_fail(origin) ? NULL : strdup(s);
}

void *etlc__fi_malloc(size_t n) { return etlc__fi_lib_malloc(ETLC__FI_OWN, n); }
void *etlc__fi_calloc(size_t count, size_t size) { return etlc__fi_lib_calloc(ETLC__FI_OWN, count, size); }
void *etlc__fi_realloc(void *p, size_t n) { return etlc__fi_lib_realloc(ETLC__FI_OWN, p, n); }
char *etlc__fi_strdup(const char *s) { return etlc__fi_lib_strdup(ETLC__FI_OWN, s); }

char *etlc__fi_strndup(const char *s, size_t n)
{
    return etlc__fi_should_fail(ETLC__FI_OWN) ? NULL : strndup(s, n);
}

int etlc__fi_posix_memalign(void **out, size_t align, size_t n)
{
    return etlc__fi_should_fail(ETLC__FI_OWN) ? ENOMEM : posix_memalign(out, align, n);
}

void *etlc__fi_aligned_alloc(size_t align, size_t n)
{
    return etlc__fi_should_fail(ETLC__FI_OWN) ? NULL : aligned_alloc(align, n);
}

/* ---- test controls -------------------------------------------------------- */

void etlc__fault_reset(void)
{
    atomic_store(&fail_at, 0);
    atomic_store(&fail_after, false);
    atomic_store(&seen, 0);
    atomic_store(&failures, 0);
    atomic_store(&first_origin, ETLC__FAULT_NONE);
}

static void arm(long n, bool after)
{
    atomic_store(&fail_after, after);
    atomic_store(&fail_at, n > 0 ? atomic_load(&seen) + n : 0);
}

void etlc__fault_alloc_fail_at(long n) { arm(n, false); }
void etlc__fault_alloc_fail_from(long n) { arm(n, true); }
long etlc__fault_alloc_count(void) { return atomic_load(&seen); }
long etlc__fault_alloc_failures(void) { return atomic_load(&failures); }
etlc__fault_origin etlc__fault_alloc_failed_origin(void) { return (etlc__fault_origin)atomic_load(&first_origin); }
bool etlc__fault_routes(etlc__fault_origin lib) { return lib > 0 && (atomic_load(&routed) & (1u << lib)); }

void etlc__fault_note_routed(etlc__fault_origin lib) { atomic_fetch_or(&routed, 1u << lib); }

const char *etlc__fault_origin_name(etlc__fault_origin o)
{
    static const char *const names[] = {"none", "etlconn", "zstd", "OpenSSL", "libcurl", "SQLite", "zlib"};
    return (unsigned)o < sizeof names / sizeof *names ? names[o] : "?";
}

/* ---- libraries with a global allocator: routed before their first use ---- */

static void *ossl_malloc(size_t n, const char *file, int line)
{
    (void)file, (void)line;
    return etlc__fi_lib_malloc(ETLC__FAULT_OPENSSL, n);
}

static void *ossl_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file, (void)line;
    return etlc__fi_lib_realloc(ETLC__FAULT_OPENSSL, p, n);
}

static void ossl_free(void *p, const char *file, int line)
{
    (void)file, (void)line;
    free(p);
}

static void *curl_malloc(size_t n) { return etlc__fi_lib_malloc(ETLC__FAULT_CURL, n); }
static void *curl_calloc(size_t c, size_t n) { return etlc__fi_lib_calloc(ETLC__FAULT_CURL, c, n); }
static void *curl_realloc(void *p, size_t n) { return etlc__fi_lib_realloc(ETLC__FAULT_CURL, p, n); }
static char *curl_strdup(const char *s) { return etlc__fi_lib_strdup(ETLC__FAULT_CURL, s); }
static void curl_free_cb(void *p) { free(p); }

/* Before main: OpenSSL accepts new functions only before its first
 * allocation, and curl_global_init_mem only as the first global init (the
 * S3 client's later curl_global_init then just counts a reference). */
__attribute__((constructor)) static void route_libraries(void)
{
    if (CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free))
        etlc__fault_note_routed(ETLC__FAULT_OPENSSL);
    if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, curl_malloc, curl_free_cb, curl_realloc, curl_strdup,
                             curl_calloc) == CURLE_OK)
        etlc__fault_note_routed(ETLC__FAULT_CURL);
    etlc__fault_note_routed(ETLC__FAULT_ZSTD); /* per context: sinks/parquet/compress.c */
    etlc__fault_note_routed(ETLC__FAULT_ZLIB); /* per stream: sinks/parquet/compress.c */
}

#endif /* ETLCONN_FAULT_INJECTION */
