/* A fetch's parameters -> a libmongoc cursor. find with filter,
 * projection, sort and limit, or aggregate with a pipeline; incremental
 * reads (watermark=<field>) sort by (field, _id) and start after the last
 * (field, _id) landed: the tie-safe compound cursor of SQL extraction
 * (docs/extract.md), so documents sharing a watermark value are neither
 * lost nor read twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mongo_internal.h"

void etlc__mongo_query_free(mongo_query *q)
{
    if (q->filter)
        bson_destroy(q->filter);
    if (q->projection)
        bson_destroy(q->projection);
    if (q->sort)
        bson_destroy(q->sort);
    if (q->pipeline)
        bson_destroy(q->pipeline);
    free(q->watermark);
    *q = (mongo_query){0};
}

/* JSON (extended JSON allowed: {"$date": ...}, {"$oid": ...}) -> a document. */
static int json_doc(const char *key, const char *text, bson_t **out, etlc_error *err)
{
    bson_error_t be;
    if (*out)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "mongodb: parameter '%s' given twice", key);
    *out = bson_new_from_json((const uint8_t *)text, -1, &be);
    if (!*out)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "mongodb: parameter '%s' is not a JSON "
                              "object: %s", key, be.message);
    return 0;
}

/* A pipeline is a JSON array of stages, kept as {"pipeline": [...]}. */
static int pipeline_doc(const char *text, mongo_query *q, etlc_error *err)
{
    size_t n = strlen(text);
    char *wrapped = malloc(n + 16);
    if (!wrapped)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    snprintf(wrapped, n + 16, "{\"pipeline\":%s}", text);
    int rc = json_doc("pipeline", wrapped, &q->pipeline, err);
    free(wrapped);
    bson_iter_t it;
    if (rc == 0 && !(bson_iter_init_find(&it, q->pipeline, "pipeline") && BSON_ITER_HOLDS_ARRAY(&it)))
        rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT, "mongodb: parameter 'pipeline' must be a "
                            "JSON array of stages ([{\"$match\": {...}}, ...])");
    return rc;
}

static int one_param(const char *k, const char *v, mongo_query *q, etlc_error *err)
{
    if (strcmp(k, "filter") == 0)
        return json_doc(k, v, &q->filter, err);
    if (strcmp(k, "projection") == 0)
        return json_doc(k, v, &q->projection, err);
    if (strcmp(k, "sort") == 0)
        return json_doc(k, v, &q->sort, err);
    if (strcmp(k, "pipeline") == 0)
        return q->pipeline ? etlc_error_set(err, ETLC_INVALID_ARGUMENT, "mongodb: parameter "
                                            "'pipeline' given twice") : pipeline_doc(v, q, err);
    if (strcmp(k, "limit") == 0) {
        char *end;
        long long n = strtoll(v, &end, 10);
        if (!*v || *end || n < 0)
            return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "mongodb: parameter 'limit' must be a "
                                  "whole number from 0, not '%s'", v);
        q->limit = n;
        return 0;
    }
    if (strcmp(k, "watermark") == 0) {
        free(q->watermark);
        q->watermark = etlc__strdup(v);
        if (!q->watermark || !*v)
            return q->watermark ? etlc_error_set(err, ETLC_INVALID_ARGUMENT, "mongodb: parameter "
                                                 "'watermark' names no field")
                                : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
        return 0;
    }
    return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "mongodb: unknown parameter '%s' (known: "
                          "filter, projection, sort, limit, pipeline, watermark)", k);
}

int etlc__mongo_query_parse(const etlc_records_request *req, mongo_query *q, etlc_error *err)
{
    *q = (mongo_query){0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < req->nparams; i++)
        rc = one_param(req->params[i].key, req->params[i].value, q, err);
    if (rc == 0 && q->pipeline && (q->filter || q->projection || q->sort || q->limit))
        rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT, "mongodb: a pipeline takes no filter, "
                            "projection, sort or limit parameter: put $match, $project, $sort, "
                            "$limit stages in it");
    if (rc == 0 && q->watermark && (q->pipeline || q->sort))
        rc = etlc_error_set(err, ETLC_INVALID_ARGUMENT, "mongodb: an incremental fetch (watermark=%s) "
                            "sorts by (%s, _id) itself: it takes no sort and no pipeline",
                            q->watermark, q->watermark);
    if (rc == 0 && !q->filter && !(q->filter = bson_new()))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    return rc;
}

/* {$and: [filter, {w: {$ne: null}}, {$or: [{w: {$gt: W}}, {w: W, _id: {$gt: ID}}]}]}
 * (just _id > ID when the watermark is _id). Documents without the field
 * are never read incrementally: they have no place in the order. */
static bool incremental_filter(const mongo_query *q, const mongo_resume *r, bson_t *f)
{
    bson_t and, c0, c1, c2, ne, or, o0, o1, gt, gt2;
    bool by_id = strcmp(q->watermark, "_id") == 0;
    bson_iter_t w, id;
    bool ok = BSON_APPEND_ARRAY_BEGIN(f, "$and", &and) && BSON_APPEND_DOCUMENT(&and, "0", q->filter) &&
              BSON_APPEND_DOCUMENT_BEGIN(&and, "1", &c0) && BSON_APPEND_DOCUMENT_BEGIN(&c0, q->watermark, &ne) &&
              BSON_APPEND_NULL(&ne, "$ne") && bson_append_document_end(&c0, &ne) &&
              bson_append_document_end(&and, &c0);
    if (ok && r->after) {
        ok = bson_iter_init_find(&w, r->after, "w") && bson_iter_init_find(&id, r->after, "id");
        if (ok && by_id) {
            ok = BSON_APPEND_DOCUMENT_BEGIN(&and, "2", &c1) && BSON_APPEND_DOCUMENT_BEGIN(&c1, "_id", &gt) &&
                 bson_append_iter(&gt, "$gt", -1, &id) && bson_append_document_end(&c1, &gt) &&
                 bson_append_document_end(&and, &c1);
        } else if (ok) {
            ok = BSON_APPEND_DOCUMENT_BEGIN(&and, "2", &c2) && BSON_APPEND_ARRAY_BEGIN(&c2, "$or", &or) &&
                 BSON_APPEND_DOCUMENT_BEGIN(&or, "0", &o0) &&
                 BSON_APPEND_DOCUMENT_BEGIN(&o0, q->watermark, &gt) && bson_append_iter(&gt, "$gt", -1, &w) &&
                 bson_append_document_end(&o0, &gt) && bson_append_document_end(&or, &o0) &&
                 BSON_APPEND_DOCUMENT_BEGIN(&or, "1", &o1) && bson_append_iter(&o1, q->watermark, -1, &w) &&
                 BSON_APPEND_DOCUMENT_BEGIN(&o1, "_id", &gt2) && bson_append_iter(&gt2, "$gt", -1, &id) &&
                 bson_append_document_end(&o1, &gt2) && bson_append_document_end(&or, &o1) &&
                 bson_append_array_end(&c2, &or) && bson_append_document_end(&and, &c2);
        }
    }
    return ok && bson_append_array_end(f, &and);
}

static int open_find(mongoc_collection_t *coll, const mongo_query *q, const mongo_resume *r,
                     int64_t batch, mongoc_cursor_t **out, etlc_error *err)
{
    bson_t opts = BSON_INITIALIZER, filter = BSON_INITIALIZER, sort;
    bool ok = true;
    if (q->watermark) {
        ok = incremental_filter(q, r, &filter) && BSON_APPEND_DOCUMENT_BEGIN(&opts, "sort", &sort) &&
             BSON_APPEND_INT32(&sort, q->watermark, 1) &&
             (strcmp(q->watermark, "_id") == 0 || BSON_APPEND_INT32(&sort, "_id", 1)) &&
             bson_append_document_end(&opts, &sort);
    } else {
        ok = bson_concat(&filter, q->filter) && (!q->sort || BSON_APPEND_DOCUMENT(&opts, "sort", q->sort)) &&
             (r->got == 0 || BSON_APPEND_INT64(&opts, "skip", r->got));
    }
    if (ok && q->projection)
        ok = BSON_APPEND_DOCUMENT(&opts, "projection", q->projection);
    if (ok && q->limit)
        ok = BSON_APPEND_INT64(&opts, "limit", q->limit - r->got);
    ok = ok && BSON_APPEND_INT32(&opts, "batchSize", (int32_t)batch);
    if (ok)
        *out = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
    bson_destroy(&opts);
    bson_destroy(&filter);
    return ok ? 0 : etlc_error_set(err, ETLC_INVALID_ARGUMENT, "mongodb: the query is too large "
                                   "for a BSON document");
}

/* The user's stages, then {$skip: got} when resuming a stopped run. */
static int open_aggregate(mongoc_collection_t *coll, const mongo_query *q, const mongo_resume *r,
                          int64_t batch, mongoc_cursor_t **out, etlc_error *err)
{
    bson_t pipe = BSON_INITIALIZER, stages, skip, opts = BSON_INITIALIZER;
    bson_iter_t it, st;
    uint32_t n = 0;
    bool ok = bson_iter_init_find(&it, q->pipeline, "pipeline") && bson_iter_recurse(&it, &st) &&
              BSON_APPEND_ARRAY_BEGIN(&pipe, "pipeline", &stages);
    char key[16];
    const char *k;
    while (ok && bson_iter_next(&st)) {
        bson_uint32_to_string(n++, &k, key, sizeof key);
        ok = bson_append_iter(&stages, k, -1, &st);
    }
    if (ok && r->got > 0) {
        bson_uint32_to_string(n, &k, key, sizeof key);
        ok = BSON_APPEND_DOCUMENT_BEGIN(&stages, k, &skip) && BSON_APPEND_INT64(&skip, "$skip", r->got) &&
             bson_append_document_end(&stages, &skip);
    }
    ok = ok && bson_append_array_end(&pipe, &stages) && BSON_APPEND_INT32(&opts, "batchSize", (int32_t)batch);
    if (ok)
        *out = mongoc_collection_aggregate(coll, MONGOC_QUERY_NONE, &pipe, &opts, NULL);
    bson_destroy(&pipe);
    bson_destroy(&opts);
    return ok ? 0 : etlc_error_set(err, ETLC_INVALID_ARGUMENT, "mongodb: the pipeline is too large "
                                   "for a BSON document");
}

int etlc__mongo_open_cursor(mongo_ctx *ctx, const char *collection, const mongo_query *q,
                            const mongo_resume *r, int64_t batch, mongoc_cursor_t **out,
                            etlc_error *err)
{
    *out = NULL;
    if (!collection || !*collection)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "mongodb: name the collection to read "
                              "(etlconn fetch mongodb -c CONFIG COLLECTION --param filter=...)");
    mongoc_collection_t *coll = mongoc_client_get_collection(ctx->client, ctx->database, collection);
    if (!coll)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    int rc = q->pipeline ? open_aggregate(coll, q, r, batch, out, err) : open_find(coll, q, r, batch, out, err);
    mongoc_collection_destroy(coll); /* the cursor keeps what it needs */
    if (rc == 0 && !*out)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening a cursor");
    return rc;
}
