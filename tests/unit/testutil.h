/* Helpers shared by the cmocka unit tests. */
#ifndef ETLCONN_TESTUTIL_H
#define ETLCONN_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "etlconn/etlconn.h"
#include "etlconn/connector_api.h"

/* A fresh empty directory under the build tree's test scratch area (malloc'd). */
char *tu_tempdir(const char *tag);
/* rm -rf */
void tu_rmtree(const char *path);
/* Write a whole file; returns 0. */
int tu_write_file(const char *path, const char *text);
/* Read a whole file (malloc'd, NUL-terminated), NULL if missing. */
char *tu_read_file(const char *path, size_t *len);
/* Number of regular files below dir (recursive). */
size_t tu_count_files(const char *dir);
/* Capture every log line into a buffer; tu_logs() returns it. */
void tu_capture_logs(void);
const char *tu_logs(void);
void tu_clear_logs(void);

/* Bounded-memory checks. A test binary re-executes itself as
 * `EXE --rss-child MODE ROWS` (its main dispatches that to its own child
 * function); tu_child_peak_rss returns the child's printed peak RSS in KiB,
 * or -1. Under ASan the child runs without the free-memory quarantine, which
 * would otherwise grow with the rows. */
long tu_child_peak_rss(const char *mode, long rows);
/* The child side: run `query` on c through the connector's fetch, counting
 * rows only; returns peak RSS (KiB) if exactly `rows` came back, else -1. */
long tu_fetch_peak_rss(etlc_connector *c, const char *query, long rows);
/* For each mode: a child fetching 100k rows and one fetching 1M rows; fails
 * unless both ran and the larger peaked less than 16 MiB above the smaller. */
void tu_assert_rss_flat(const char *const *modes, size_t nmodes);

#endif
