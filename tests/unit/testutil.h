/* Helpers shared by the cmocka unit tests. */
#ifndef ETLCONN_TESTUTIL_H
#define ETLCONN_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "etlconn/etlconn.h"

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

#endif
