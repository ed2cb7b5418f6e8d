/* etlconn — the data contract: IngestionResult of IngestedItems.
 *
 * Every fetch returns one result listing each item it landed. The JSON shape
 * is documented in docs/data-contract.md and round-trips exactly.
 *
 * Threads: a result is used by one thread at a time; once finished it may
 * be read (not changed) by several. */
#ifndef ETLCONN_RESULT_H
#define ETLCONN_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"

ETLC_BEGIN_DECLS

/* String-to-string metadata, insertion ordered, keys unique. */
typedef struct etlc_meta_entry {
    char *key;
    char *value;
} etlc_meta_entry;

typedef struct etlc_meta {
    size_t count;
    size_t cap;
    etlc_meta_entry *entries;
} etlc_meta;

/* Set (replace or append) key=value; copies both. */
int etlc_meta_set(etlc_meta *m, const char *key, const char *value);
const char *etlc_meta_get(const etlc_meta *m, const char *key);
void etlc_meta_clear(etlc_meta *m);

typedef enum etlc_status {
    ETLC_STATUS_SUCCESS = 0,
    ETLC_STATUS_PARTIAL,
    ETLC_STATUS_FAILED
} etlc_status;

const char *etlc_status_name(etlc_status s); /* "success", "partial", "failed" */
int etlc_status_parse(const char *s);        /* -1 if unknown */

/* IngestedItem: one landed file/object (or inline payload). */
typedef struct etlc_item {
    char *name;          /* file name, e.g. "part-00000.parquet" */
    char *path;          /* lake path or URI, e.g. "lake/sqlite/sample/dt=2026-11-27/....jsonl" */
    char *format;        /* "jsonl", "csv", "parquet", "bytes" */
    char *content_type;  /* "application/x-ndjson", "text/csv", "application/vnd.apache.parquet" */
    int64_t record_count; /* -1 for byte-shaped items */
    int64_t byte_count;
    char sha256[65];     /* lowercase hex */
    etlc_meta metadata;
    int64_t fetched_at_us; /* microseconds since epoch, UTC */
} etlc_item;

typedef struct etlc_result_error {
    char *code;    /* etlc_code_name(), e.g. "QUERY" */
    char *message; /* redacted */
} etlc_result_error;

/* IngestionResult. */
typedef struct etlc_result {
    char *protocol;
    char *source;        /* e.g. the database file name or host/db, never with secrets */
    char *query;         /* query text or resource, NULL if none */
    etlc_status status;
    int64_t started_at_us;
    int64_t finished_at_us;
    size_t item_count;
    etlc_item *items;
    int64_t record_count; /* sum over items (record-shaped) */
    int64_t byte_count;   /* sum over items */
    size_t error_count;
    etlc_result_error *errors;
    etlc_meta metadata;
} etlc_result;

/* New result with protocol/source/query copied (NULLs allowed), status
 * success, started_at = now. */
int etlc_result_new(const char *protocol, const char *source, const char *query, etlc_result **out,
                    etlc_error *err);
void etlc_result_free(etlc_result *r);

/* Append a copy of item (its strings and metadata are deep-copied) and add
 * its counts to the totals. */
int etlc_result_add_item(etlc_result *r, const etlc_item *item, etlc_error *err);
/* Record an error (message redacted); does not change status by itself. */
int etlc_result_add_error(etlc_result *r, int code, const char *message, etlc_error *err);
/* Set finished_at = now and status: FAILED if errors and no items, PARTIAL
 * if errors and items, SUCCESS otherwise. */
void etlc_result_finish(etlc_result *r);

/* Check the contract: required fields present, counts equal the item sums,
 * sha256 is 64 hex chars, finished_at >= started_at, status consistent with
 * errors. Returns 0 or ETLC_DATA_CONTRACT naming the first violation. */
int etlc_result_validate(const etlc_result *r, etlc_error *err);

/* JSON (malloc'd, pretty when `pretty`). Timestamps as RFC 3339 UTC with
 * microseconds. */
int etlc_result_to_json(const etlc_result *r, bool pretty, char **json, etlc_error *err);
int etlc_result_from_json(const char *json, etlc_result **out, etlc_error *err);

void etlc_item_clear(etlc_item *item); /* frees the item's members, not the struct */

/* Current time in microseconds since the epoch (UTC). */
int64_t etlc_now_us(void);

ETLC_END_DECLS
#endif
