/* The allocation-failure loop shared by the *_nomem tests: run a scenario
 * failing allocation 1, 2, 3, ... in turn. Every run must give
 * ETLC_NO_MEMORY (or succeed once the failure falls past the last
 * allocation), leave no allocation behind and pass the scenario's own
 * `after` check (no visible lake file, state unchanged...).
 *
 * A failure injected into an allocation a library makes (SQLite, OpenSSL,
 * zstd) must also give NO_MEMORY, or success when the library copes on its
 * own; blocks a library keeps (caches) are not counted as leaks there.
 * NOMEM_VERBOSE=1 prints every library failure that did not give NO_MEMORY
 * or kept blocks.
 *
 * Under sanitizers a scenario with many allocations is stepped through with
 * a stride (about 200 runs; nomem_stride in nomem_alloc.h), every
 * allocation otherwise.
 *
 * Include after nomem_alloc.h and testutil.h, in the test's only source. */
#ifndef ETLCONN_NOMEM_LOOP_H
#define ETLCONN_NOMEM_LOOP_H

#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>

typedef int (*nomem_scenario_fn)(void *ctx, etlc_error *err);
/* Called after every run with the nomem failure off; fails the test itself. */
typedef void (*nomem_after_fn)(void *ctx, int rc, long n);

__attribute__((unused)) static void nomem_each_allocation_fails(const char *what, nomem_scenario_fn fn, nomem_after_fn after,
                                        void *ctx)
{
    etlc_error err = {0};
    long total = 0;
    for (int warm = 0; warm < 2; warm++) { /* one-time library state (OpenSSL, SQLite, redactor), then a count */
        etlc__fault_reset();
        int rc = fn(ctx, &err);
        if (rc != 0)
            fail_msg("%s: warm-up failed: %s: %s", what, etlc_code_name(rc), err.message);
        total = nomem_seen(); /* before `after`, whose checks allocate too */
        if (after)
            after(ctx, rc, 0);
    }
    int rc;
    /* The logger's one-time state (time zone data): failed runs log warnings. */
    etlc_log(ETLC_LOG_WARN, "nomem", "starting to fail allocations in turn: %s", what);
    /* OpenSSL keeps a per-thread error queue once an error happens: create it now. */
    ERR_raise(ERR_LIB_EVP, ERR_R_MALLOC_FAILURE);
    ERR_clear_error();
    long stride = nomem_stride(total > 400 ? total / 200 : 1);
    long n, runs = 0, in_library = 0;
    for (n = 1; n < 100000; n += stride) {
        long before = nomem_heap_in_use();
        etlc_error_clear(&err);
        nomem_arm(n);
        rc = fn(ctx, &err);
        nomem_disarm();
        ERR_clear_error();
        runs++;
        long leaked = nomem_heap_in_use() - before;
        bool past_end = rc == 0 && nomem_seen() < n;
        if (nomem_failed_in_library()) {
            in_library++;
            if (getenv("NOMEM_VERBOSE") && (rc != ETLC_NO_MEMORY || leaked))
                print_message("%s: %s allocation %ld: rc %s, %ld byte(s) kept: %s\n", what,
                              etlc__fault_origin_name(etlc__fault_alloc_failed_origin()), n, etlc_code_name(rc),
                              leaked, err.message);
            /* A library that handles the failure itself may let the run succeed. */
            if (rc != 0 && rc != ETLC_NO_MEMORY)
                fail_msg("%s: failing %s allocation %ld gave %s, not NO_MEMORY: %s", what,
                         etlc__fault_origin_name(etlc__fault_alloc_failed_origin()), n, etlc_code_name(rc),
                         err.message);
        } else {
            if (leaked)
                fail_msg("%s: failing allocation %ld leaked %ld byte(s) (rc %s: %s)", what, n, leaked,
                         etlc_code_name(rc), err.message);
            if (rc != 0 && rc != ETLC_NO_MEMORY)
                fail_msg("%s: failing allocation %ld gave %s, not NO_MEMORY: %s", what, n, etlc_code_name(rc),
                         err.message);
        }
        if (after)
            after(ctx, rc, n);
        if (past_end)
            break;
    }
    print_message("%s: %ld of %ld allocations failed in turn, stride %ld (%ld inside libraries)\n", what, runs - 1,
                  total, stride, in_library);
    assert_true(runs - in_library > 5); /* etlconn itself did allocate */
}

/* Regular files below dir whose name does not start with '.', recursively
 * (temporary lake files are ".name.tmp-..."). */
#include <dirent.h>
#include <sys/stat.h>

__attribute__((unused)) static size_t nomem_visible_files(const char *dir, char *first, size_t firstsz)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            count += nomem_visible_files(path, first, firstsz);
        } else if (e->d_name[0] != '.') {
            if (count == 0 && first && !first[0])
                snprintf(first, firstsz, "%s", path);
            count++;
        }
    }
    closedir(d);
    return count;
}

#endif
