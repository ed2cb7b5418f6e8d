/* The mongodb connector's private declarations. */
#ifndef ETLCONN_MONGO_INTERNAL_H
#define ETLCONN_MONGO_INTERNAL_H

#include <mongoc/mongoc.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/internal.h"

typedef struct mongo_ctx {
    mongoc_client_t *client;  /* one client (one connection): one thread at a time */
    char *database;           /* owned */
    int64_t batch_size;       /* documents per page when the request names none */
    char source[128];
} mongo_ctx;

extern const etlc_option_table etlc__mongo_options;

/* A libmongoc error as an etlc code and redacted message ("mongodb: <what>: ..."):
 * authentication -> ETLC_AUTH, no server / a dropped connection -> ETLC_CONNECT or
 * ETLC_IO (retryable), a server error -> ETLC_QUERY. */
int etlc__mongo_error(const bson_error_t *be, const char *what, etlc_error *err);

/* ---- what a fetch asks for (mongo_query.c) ---- */
typedef struct mongo_query {
    bson_t *filter;           /* {} when none */
    bson_t *projection;       /* NULL when none */
    bson_t *sort;             /* NULL when none */
    bson_t *pipeline;         /* an aggregation: a BSON array; NULL for find */
    int64_t limit;            /* 0 = none */
    char *watermark;          /* the watermark field (dotted path); NULL = not incremental */
} mongo_query;

/* Read the request's key=value parameters (filter, projection, sort, limit,
 * pipeline, watermark) into q; unknown keys and bad JSON name themselves. */
int etlc__mongo_query_parse(const etlc_records_request *req, mongo_query *q, etlc_error *err);
void etlc__mongo_query_free(mongo_query *q);

/* Where a read starts: `got` documents of this run already landed, and in
 * incremental reads the (watermark, _id) of the last one (NULL before the
 * first). */
typedef struct mongo_resume {
    int64_t got;
    bson_t *after;            /* {"w": value, "id": value}; NULL = from the start */
} mongo_resume;

/* The cursor for q resumed at r (mongo_query.c). */
int etlc__mongo_open_cursor(mongo_ctx *ctx, const char *collection, const mongo_query *q,
                            const mongo_resume *r, int64_t batch, mongoc_cursor_t **out,
                            etlc_error *err);

/* ---- documents -> batches (mongo_batch.c) ---- */
typedef struct mongo_schema {
    etlc_column_def *cols;    /* names owned */
    size_t ncols;
    bool fixed;               /* set by the first page with documents */
} mongo_schema;

void etlc__mongo_schema_free(mongo_schema *s);
/* Fix the columns from the first page's documents (every top-level field in
 * order of first appearance, typed by docs/connectors/mongodb.md's table). */
int etlc__mongo_schema_infer(mongo_schema *s, bson_t *const *docs, size_t n, etlc_error *err);
/* Append one document as a row; a field the schema lacks or a value of
 * another type is ETLC_DATA_SCHEMA naming the field, page and row. */
int etlc__mongo_append_doc(etlc_batch *b, const bson_t *doc, int64_t page, size_t row,
                           etlc_error *err);
/* A BSON value as relaxed extended JSON text (malloc'd). */
char *etlc__mongo_value_json(const bson_iter_t *it);

/* ---- the records capability (mongo_pages.c) ---- */
int etlc__mongo_fetch_pages(void *ctx, const etlc_records_request *req, etlc_page_consumer pages,
                            etlc_error *err);

#endif
