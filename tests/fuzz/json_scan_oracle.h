/* jansson as the oracle of the DOM-free JSON path (core/json_scan.h,
 * json_columns_scan.c), shared by tests/fuzz/fuzz_json_scan.c and
 * tests/unit/test_json_scan.c. The input is a micro-batch: one message a
 * line. Each line must be accepted by the scanner exactly when jansson
 * parses it to an object; the columns inferred and every value appended
 * must equal those of the DOM path (jansson + json_columns.c), lines with
 * duplicate keys going through the DOM as the stream connectors do.
 * jscan_oracle() returns 0, or aborts after saying what differs. */
#ifndef ETLCONN_TEST_JSON_SCAN_ORACLE_H
#define ETLCONN_TEST_JSON_SCAN_ORACLE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_columns.h"
#include "core/json_load.h"

#define ORACLE_MAX_LINES 64

typedef struct oracle_line {
    const char *text;
    size_t len;
    json_t *dom;  /* jansson's object, or NULL */
    bool via_dom; /* the scan path gave it to jansson (duplicate keys) */
} oracle_line;

static inline void oracle_fail(const char *what, const char *text, size_t len)
{
    fprintf(stderr, "json_scan differs from jansson: %s\ninput: %.*s\n", what, (int)len, text);
    abort();
}

static inline void oracle_same_cells(const etlc_batch *a, const etlc_batch *b, const char *text, size_t len)
{
    if (a->nrows != b->nrows || a->ncols != b->ncols)
        oracle_fail("row or column count", text, len);
    for (size_t c = 0; c < a->ncols; c++) {
        const etlc_column *x = &a->cols[c], *y = &b->cols[c];
        if (x->def.type != y->def.type || strcmp(x->def.name, y->def.name) != 0)
            oracle_fail("a column's name or type", text, len);
        for (size_t r = 0; r < a->nrows; r++) {
            if (x->nulls[r] != y->nulls[r])
                oracle_fail("a NULL", text, len);
            size_t lx = 0, ly = 0;
            const uint8_t *px = NULL, *py = NULL;
            if (x->offsets) {
                px = etlc_column_var(x, r, &lx);
                py = etlc_column_var(y, r, &ly);
            } else if (x->def.type == ETLC_TYPE_BOOL) {
                px = &x->fixed.b[r], py = &y->fixed.b[r], lx = ly = 1;
            } else if (x->def.type != ETLC_TYPE_NULL) {
                px = (const uint8_t *)&x->fixed.i64[r], py = (const uint8_t *)&y->fixed.i64[r];
                lx = ly = 8; /* int64 and double: the same bits */
            }
            if (lx != ly || (lx && memcmp(px, py, lx) != 0))
                oracle_fail("a value", text, len);
        }
    }
}

/* Both paths over the accepted lines: columns, then the rows. */
static inline void oracle_build(oracle_line *lines, size_t n, const char *text, size_t len)
{
    etlc__json_columns dom = {0}, scan = {0};
    etlc__jscan sc = {0};
    etlc_error err = {0};
    for (size_t i = 0; i < n; i++) {
        if (!lines[i].dom)
            continue;
        if (etlc__json_columns_infer(&dom, lines[i].dom, &err) != 0)
            abort();
        int rc = etlc__json_columns_infer_text(&scan, &sc, lines[i].text, lines[i].len, &err);
        if (rc > 0)
            abort(); /* out of memory: not under test here */
        lines[i].via_dom = rc != 0;
        if (rc != 0 && etlc__json_columns_infer(&scan, lines[i].dom, &err) != 0)
            abort();
    }
    etlc_batch *a = NULL, *b = NULL;
    if (dom.ncols != scan.ncols)
        oracle_fail("the number of columns", text, len);
    if (dom.ncols && (etlc_batch_new(dom.cols, dom.ncols, n, &a, &err) != 0 ||
                      etlc_batch_new(scan.cols, scan.ncols, n, &b, &err) != 0))
        abort();
    for (size_t i = 0; a && i < n; i++) {
        if (!lines[i].dom)
            continue;
        int ra = 0, rb = 0;
        for (size_t c = 0; ra == 0 && c < dom.ncols; c++)
            ra = etlc__json_append(a, c, json_object_get(lines[i].dom, dom.cols[c].name), "t", "w", &err);
        if (lines[i].via_dom)
            for (size_t c = 0; rb == 0 && c < scan.ncols; c++)
                rb = etlc__json_append(b, c, json_object_get(lines[i].dom, scan.cols[c].name), "t",
                                       "w", &err);
        else
            rb = etlc__json_append_text(b, &scan, &sc, lines[i].text, lines[i].len, "t", "w", NULL,
                                        NULL, &err);
        if (ra || rb || etlc_batch_end_row(a, &err) || etlc_batch_end_row(b, &err))
            oracle_fail(err.message, text, len);
    }
    if (a)
        oracle_same_cells(a, b, text, len);
    etlc_batch_free(a);
    etlc_batch_free(b);
    etlc__json_columns_free(&dom);
    etlc__json_columns_free(&scan);
    etlc__jscan_free(&sc);
}

static inline int jscan_oracle(const char *text, size_t len)
{
    oracle_line lines[ORACLE_MAX_LINES];
    size_t n = 0;
    for (const char *p = text, *end = text + len; n < ORACLE_MAX_LINES;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        lines[n] = (oracle_line){.text = p, .len = (size_t)(stop - p)};
        bool oom = false;
        json_t *v = etlc__json_loadb(p, lines[n].len, 0, NULL, &oom);
        if (oom)
            abort();
        bool object = json_is_object(v);
        if (!object)
            json_decref(v);
        lines[n].dom = object ? v : NULL;
        bool scanned = etlc__jscan_check_object(p, lines[n].len) == 0;
        if (scanned != object)
            oracle_fail(object ? "jansson accepts, the scanner rejects"
                               : "the scanner accepts, jansson rejects", p, lines[n].len);
        n++;
        if (!nl)
            break;
        p = nl + 1;
    }
    oracle_build(lines, n, text, len);
    for (size_t i = 0; i < n; i++)
        json_decref(lines[i].dom);
    return 0;
}

#endif
