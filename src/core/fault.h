/* Test-only control of the allocation-failure injector (core/alloc.h).
 * Linked only when the library is built with ETLCONN_FAULT_INJECTION=ON;
 * tests that include this header are built only then. Every counter is a
 * C11 atomic, so allocations made by several threads (extraction
 * partitions, libcurl's resolver) are counted and failed safely; which
 * thread's allocation is "the Nth" is then up to the scheduler. */
#ifndef ETLCONN_CORE_FAULT_H
#define ETLCONN_CORE_FAULT_H

#include <stdbool.h>

/* Who made an allocation the injector failed. */
typedef enum etlc__fault_origin {
    ETLC__FAULT_NONE = 0,    /* nothing failed since the last reset */
    ETLC__FAULT_ETLCONN = 1, /* etlconn's own code (jansson's blocks too: json_load.c) */
    ETLC__FAULT_ZSTD,        /* zstd contexts (ZSTD_customMem) */
    ETLC__FAULT_OPENSSL,     /* CRYPTO_set_mem_functions */
    ETLC__FAULT_CURL,        /* curl_global_init_mem */
    ETLC__FAULT_SQLITE,      /* sqlite3_config(SQLITE_CONFIG_MALLOC), when the connector is built */
    ETLC__FAULT_ZLIB,        /* z_stream.zalloc of the Parquet gzip codec */
} etlc__fault_origin;

/* Disarm and zero every counter. */
void etlc__fault_reset(void);
/* Make the nth routed allocation from now fail (1 = the next one); n <= 0
 * disarms. Only that one fails; _from fails it and every later one. */
void etlc__fault_alloc_fail_at(long n);
void etlc__fault_alloc_fail_from(long n);
/* Routed allocations seen since the last reset (failed ones included). */
long etlc__fault_alloc_count(void);
/* Allocations failed since the last reset, and who made the first. */
long etlc__fault_alloc_failures(void);
etlc__fault_origin etlc__fault_alloc_failed_origin(void);
/* A library's allocations are routed through the injector (checked at
 * start-up: OpenSSL accepts its functions only before its first block). */
bool etlc__fault_routes(etlc__fault_origin lib);
/* Library code routing an allocator through the injector says so. */
void etlc__fault_note_routed(etlc__fault_origin lib);
const char *etlc__fault_origin_name(etlc__fault_origin o);

#endif
