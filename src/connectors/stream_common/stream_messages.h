/* etlconn — what the stream connectors (kafka, amqp, nats) share: messages
 * into a micro-batch of records, and those that cannot become records into
 * dead letters (internal; docs/streams.md).
 *
 * Columns, in every value format: key (bytes), headers (JSON array of
 * [name, value] pairs; a value that is not UTF-8 is {"base64": "..."}), the
 * resource (names.resource: "topic", "queue", "subject"), the partition
 * (names.partition, int64; absent when NULL), the position
 * (names.position: "offset", "sequence", ...), timestamp (UTC, NULL when
 * the broker gave none), and the value:
 *  - raw:  value (bytes);
 *  - text: value (text); a value that is not UTF-8 is a dead letter;
 *  - json: the value's fields as typed columns (core/json_columns.h, fixed
 *    per micro-batch: each batch is its own file), envelope columns then
 *    prefixed with '_' (_key, _headers, _topic, ...) so a field cannot
 *    collide with them; a value that is not a JSON object is a dead letter.
 * Dead letters keep everything of the message: the envelope columns, the
 * value (bytes) and `error` (why). A NULL value is a record (a tombstone). */
#ifndef ETLCONN_STREAM_MESSAGES_H
#define ETLCONN_STREAM_MESSAGES_H

#include <stdint.h>

#include "core/internal.h"
#include "etlconn/connector_api.h"

typedef enum etlc__value_format {
    ETLC__VALUE_RAW,
    ETLC__VALUE_TEXT,
    ETLC__VALUE_JSON
} etlc__value_format;

/* "raw", "text" or "json" (the connectors' `value_format` option). */
int etlc__value_format_parse(const char *text, etlc__value_format *out, etlc_error *err);

typedef struct etlc__msg_names {
    const char *resource;   /* "topic" */
    const char *partition;  /* "partition", or NULL: no partition column */
    const char *position;   /* "offset" */
} etlc__msg_names;

typedef struct etlc__msg_header {
    const char *name;
    const void *value;      /* NULL: a header without a value (JSON null) */
    size_t len;
} etlc__msg_header;

#define ETLC__NO_TIMESTAMP INT64_MIN

typedef struct etlc__msg {
    const char *resource;
    int64_t partition;      /* ignored without names.partition */
    int64_t position;
    int64_t timestamp_us;   /* ETLC__NO_TIMESTAMP: none */
    const void *key;        /* NULL: none */
    size_t key_len;
    const void *value;      /* NULL: none (a tombstone) */
    size_t value_len;
    const etlc__msg_header *headers;
    size_t nheaders;
} etlc__msg;

typedef struct etlc__msg_batch etlc__msg_batch;

/* `who` prefixes error messages ("kafka"). names are borrowed for the batch's life. */
int etlc__msg_batch_new(etlc__value_format format, const etlc__msg_names *names, const char *who,
                        etlc__msg_batch **out, etlc_error *err);
void etlc__msg_batch_free(etlc__msg_batch *b); /* NULL ok */
/* Empty it for the next micro-batch (what finish returned is then gone). */
void etlc__msg_batch_reset(etlc__msg_batch *b);
/* Add one message (copied): a record, or a dead letter. Errors only
 * without memory. */
int etlc__msg_batch_add(etlc__msg_batch *b, const etlc__msg *m, etlc_error *err);
/* Messages added since the reset (records + dead letters). */
size_t etlc__msg_batch_count(const etlc__msg_batch *b);
/* Payload bytes added since the reset (key + value + headers): for max_bytes. */
size_t etlc__msg_batch_bytes(const etlc__msg_batch *b);
/* Has the batch reached the poll's max_records or max_bytes? */
bool etlc__msg_batch_full(const etlc__msg_batch *b, const etlc_stream_limits *lim);
/* The micro-batch: *records and *dead (each NULL when empty) are borrowed
 * until the next reset or free. */
int etlc__msg_batch_finish(etlc__msg_batch *b, const etlc_batch **records,
                           const etlc_batch **dead, etlc_error *err);

#endif
