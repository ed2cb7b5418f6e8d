/* etlconn — what the shared library exports, and how a header says so.
 *
 * The rule: libetlconn is compiled with -fvisibility=hidden, so nothing is
 * exported unless a public header declares it. Every public header
 * (every header in include/etlconn/) wraps its declarations in
 *
 *     ETLC_BEGIN_DECLS
 *     ... declarations ...
 *     ETLC_END_DECLS
 *
 * which gives them C linkage under C++ and default visibility, so every
 * function and variable declared in a public header is exported and
 * nothing else is. Internal helpers (etlc__*, a driver's own names) are
 * declared in headers under src/ and stay hidden; they never appear in
 * include/etlconn/. A single declaration outside a BEGIN/END block can be
 * exported with ETLC_EXTERN in front of it.
 *
 * tests/integration/test_exported_symbols.sh checks the result: it fails on
 * any exported etlc__* or pq_* symbol and on any name not starting with
 * etlc_ / etlconn_ (docs/api.md). */
#ifndef ETLCONN_EXPORT_H
#define ETLCONN_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define ETLC_EXTERN __attribute__((visibility("default")))
#define ETLC_VISIBILITY_PUSH_DEFAULT _Pragma("GCC visibility push(default)")
#define ETLC_VISIBILITY_POP _Pragma("GCC visibility pop")
#else
#define ETLC_EXTERN
#define ETLC_VISIBILITY_PUSH_DEFAULT
#define ETLC_VISIBILITY_POP
#endif

#ifdef __cplusplus
#define ETLC_BEGIN_DECLS extern "C" { ETLC_VISIBILITY_PUSH_DEFAULT
#define ETLC_END_DECLS ETLC_VISIBILITY_POP }
#else
#define ETLC_BEGIN_DECLS ETLC_VISIBILITY_PUSH_DEFAULT
#define ETLC_END_DECLS ETLC_VISIBILITY_POP
#endif

#endif
