/* libFuzzer target: the soap connector's streaming response reader
 * (soap_response.c) on arbitrary bytes, with the rows of spyne's GetOrders
 * (GetOrdersResponse/GetOrdersResult/Order: int, decimal, dateTime,
 * boolean, string columns). The input is parsed twice, whole and split in
 * two chunks at a point taken from its first byte: both must agree on the
 * result code and on the rows handed over, every batch must have the five
 * columns with as many values as rows, and the fault probe of the error
 * path (etlc__soap_fault_of) must not crash either. See README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/soap/soap_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct tally {
    uint64_t rows;
    size_t finals;
} tally;

static int on_batch(void *ud, etlc_batch *b, bool final, etlc_error *err)
{
    tally *t = ud;
    (void)err;
    if (b->ncols != 5)
        abort();
    for (size_t c = 0; c < b->ncols; c++)
        if (b->cols[c].count != b->nrows)
            abort();
    t->rows += b->nrows;
    t->finals += final;
    etlc_batch_reset(b);
    return 0;
}

static int parse(const soap_rowspec *rs, const uint8_t *data, size_t size, size_t split,
                 tally *t)
{
    soap_reader *r = NULL;
    etlc_error err = {0};
    if (etlc__soap_reader_new(rs, 3, on_batch, t, &r, &err) != 0)
        return -1;
    int rc = etlc__soap_reader_push(r, (const char *)data, split, &err);
    if (rc == 0)
        rc = etlc__soap_reader_push(r, (const char *)data + split, size - split, &err);
    if (rc == 0)
        rc = etlc__soap_reader_finish(r, &err);
    if (rc == 0 && t->finals != 1)
        abort(); /* a success hands over exactly one final batch */
    etlc__soap_reader_free(r);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const soap_field cols[] = {
        {.name = (const xmlChar *)"id", .type = ETLC_TYPE_INT64, .xsd_type = "int"},
        {.name = (const xmlChar *)"amount", .type = ETLC_TYPE_DOUBLE, .xsd_type = "decimal"},
        {.name = (const xmlChar *)"placed", .type = ETLC_TYPE_TIMESTAMP, .xsd_type = "dateTime"},
        {.name = (const xmlChar *)"paid", .type = ETLC_TYPE_BOOL, .xsd_type = "boolean"},
        {.name = (const xmlChar *)"note", .type = ETLC_TYPE_TEXT, .xsd_type = "string"},
    };
    soap_rowspec rs = {.path = {(const xmlChar *)"GetOrdersResponse",
                                (const xmlChar *)"GetOrdersResult", (const xmlChar *)"Order"},
                       .depth = 3, .cols = (soap_field *)cols, .ncols = 5, .repeated = true};
    tally whole = {0}, halves = {0};
    size_t split = size ? (size_t)data[0] * size / 256 : 0;
    int a = parse(&rs, data, size, size, &whole);
    int b = parse(&rs, data, size, split, &halves);
    if (a != b || (a == 0 && whole.rows != halves.rows)) {
        fprintf(stderr, "whole: rc %d rows %llu; split at %zu: rc %d rows %llu\n", a,
                (unsigned long long)whole.rows, split, b, (unsigned long long)halves.rows);
        abort();
    }
    etlc_error err = {0};
    etlc__soap_fault_of((const char *)data, size, &err);
    return 0;
}
