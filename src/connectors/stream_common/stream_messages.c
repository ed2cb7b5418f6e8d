/* Messages -> one micro-batch of records and its dead letters
 * (stream_messages.h). raw and text build the record batch as messages
 * arrive; json keeps the values' bytes and the envelopes until finish,
 * because a micro-batch's columns are known only once all of it is in:
 * each value is scanned twice (core/json_scan.h), to infer the columns as
 * it comes and to append at finish, without a DOM. Only values the scanner
 * leaves to jansson (not an object, duplicate keys) take the DOM path. */
#include <stdlib.h>
#include <string.h>

#include "connectors/stream_common/stream_messages.h"
#include "core/json_columns.h"
#include "core/json_load.h"
#include "sinks/sink_formats.h"

/* A batch's row limit: the poll's limits bound it; buffers grow as rows come. */
#define MAX_ROWS ((size_t)1 << 32)

/* One message kept for json mode: its resource, key and value in the
 * batch's arena (offsets: the arena moves as it grows). */
typedef struct kept_msg {
    etlc__msg m;              /* pointers set at finish */
    size_t resource_off, key_off, value_off;
    json_t *value;            /* the DOM, when the scanner left the value to jansson */
    char *headers_json;       /* NULL: "[]" */
} kept_msg;

struct etlc__msg_batch {
    etlc__value_format format;
    const etlc__msg_names *names;
    const char *who;
    size_t count, bytes;
    etlc_batch *records;      /* raw/text: filled as messages come; json: built at finish */
    etlc_batch *dead;
    kept_msg *kept;           /* json: the records to build */
    size_t nkept, capkept;
    etlc__buf arena;          /* json: the kept messages' bytes */
    etlc__jscan scan;
    etlc__json_columns cols;
};

int etlc__value_format_parse(const char *text, etlc__value_format *out, etlc_error *err)
{
    static const char *const names[] = {"raw", "text", "json"};
    for (int i = 0; i < 3; i++)
        if (text && strcmp(text, names[i]) == 0) {
            *out = (etlc__value_format)i;
            return 0;
        }
    return etlc_error_set(err, ETLC_CONFIG_RANGE,
                          "value_format '%s' is not one of raw, text, json", text ? text : "");
}

/* ---- envelope columns ---------------------------------------------------- */

enum { ENV_KEY, ENV_HEADERS, ENV_RESOURCE, ENV_PARTITION, ENV_POSITION, ENV_TIMESTAMP, ENV_COUNT };

static const etlc_type env_types[ENV_COUNT] = {ETLC_TYPE_BYTES, ETLC_TYPE_JSON, ETLC_TYPE_TEXT,
                                               ETLC_TYPE_INT64, ETLC_TYPE_INT64,
                                               ETLC_TYPE_TIMESTAMP};

static const char *env_name(const etlc__msg_names *n, int i)
{
    switch (i) {
    case ENV_KEY: return "key";
    case ENV_HEADERS: return "headers";
    case ENV_RESOURCE: return n->resource;
    case ENV_PARTITION: return n->partition;
    case ENV_POSITION: return n->position;
    default: return "timestamp";
    }
}

/* Append the envelope's column defs (prefixed when `prefix`) to defs. */
static int env_defs(const etlc__msg_names *n, bool prefix, etlc_column_def *defs, size_t *ndefs)
{
    for (int i = 0; i < ENV_COUNT; i++) {
        const char *name = env_name(n, i);
        if (!name)
            continue;
        size_t len = strlen(name) + 2;
        char *full = malloc(len);
        if (!full)
            return -1;
        snprintf(full, len, "%s%s", prefix ? "_" : "", name);
        defs[(*ndefs)++] = (etlc_column_def){.name = full, .type = env_types[i]};
    }
    return 0;
}

static int append_env(etlc_batch *b, size_t *col, const etlc__msg_names *n, const etlc__msg *m,
                      const char *headers_json, etlc_error *err)
{
    int rc = m->key ? etlc_batch_append_var(b, (*col)++, ETLC_TYPE_BYTES, m->key, m->key_len, err)
                    : etlc_batch_append_null(b, (*col)++, err);
    rc = rc ? rc : etlc_batch_append_var(b, (*col)++, ETLC_TYPE_JSON, headers_json,
                                         strlen(headers_json), err);
    rc = rc ? rc : etlc_batch_append_var(b, (*col)++, ETLC_TYPE_TEXT, m->resource,
                                         strlen(m->resource), err);
    if (rc == 0 && n->partition)
        rc = etlc_batch_append_int64(b, (*col)++, m->partition, err);
    rc = rc ? rc : etlc_batch_append_int64(b, (*col)++, m->position, err);
    if (rc == 0)
        rc = m->timestamp_us == ETLC__NO_TIMESTAMP
                 ? etlc_batch_append_null(b, (*col)++, err)
                 : etlc_batch_append_timestamp(b, (*col)++, m->timestamp_us, err);
    return rc;
}

/* ---- text checks and headers --------------------------------------------- */

/* Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static bool utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (len == 0 || i + len > n || (len == 2 && c < 0xC2))
            return false;
        for (size_t k = 1; k < len; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
        if (len == 3) {
            unsigned cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu);
            if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))
                return false;
        } else if (len == 4) {
            unsigned cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) |
                          ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
            if (cp < 0x10000 || cp > 0x10FFFF)
                return false;
        }
        i += len;
    }
    return true;
}

/* [[name, value], ...] with a non-UTF-8 value as {"base64": "..."}; the
 * caller writes "[]" for none (no DOM, no malloc per message). */
static char *headers_text(const etlc__msg *m)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < m->nheaders; i++) {
        const etlc__msg_header *h = &m->headers[i];
        json_t *v = NULL;
        if (!h->value)
            v = json_null();
        else if (utf8_valid(h->value, h->len))
            v = json_stringn(h->value, h->len);
        else {
            etlc__buf b64 = {0};
            if (etlc__buf_base64(&b64, h->value, h->len) == 0)
                v = json_pack("{s:s}", "base64", b64.data ? b64.data : "");
            etlc__buf_free(&b64);
        }
        json_t *name = h->name && utf8_valid((const unsigned char *)h->name, strlen(h->name))
                           ? json_string(h->name) : json_string("?");
        if (!v || !name || json_array_append_new(arr, json_pack("[oo]", name, v)) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    char *text = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
    json_decref(arr);
    return text;
}

/* ---- the batch ----------------------------------------------------------- */

static int new_env_batch(const etlc__msg_names *n, bool prefix, const char *value_name,
                         etlc_type value_type, const char *extra, etlc_batch **out, etlc_error *err)
{
    etlc_column_def defs[ENV_COUNT + 2];
    size_t nd = 0;
    if (value_name)
        defs[nd++] = (etlc_column_def){.name = (char *)value_name, .type = value_type};
    size_t first_env = nd;
    int bad = env_defs(n, prefix, defs, &nd);
    if (extra)
        defs[nd++] = (etlc_column_def){.name = (char *)extra, .type = ETLC_TYPE_TEXT};
    int rc = bad ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming stream columns")
                 : etlc_batch_new(defs, nd, MAX_ROWS, out, err);
    for (size_t i = first_env; i < nd - (extra ? 1 : 0); i++)
        free(defs[i].name);
    return rc;
}

int etlc__msg_batch_new(etlc__value_format format, const etlc__msg_names *names, const char *who,
                        etlc__msg_batch **out, etlc_error *err)
{
    *out = NULL;
    etlc__msg_batch *b = calloc(1, sizeof *b);
    if (!b)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory for a stream batch");
    b->format = format;
    b->names = names;
    b->who = who;
    int rc = new_env_batch(names, false, "value", ETLC_TYPE_BYTES, "error", &b->dead, err);
    if (rc == 0 && format != ETLC__VALUE_JSON)
        rc = new_env_batch(names, false, "value",
                           format == ETLC__VALUE_TEXT ? ETLC_TYPE_TEXT : ETLC_TYPE_BYTES, NULL,
                           &b->records, err);
    if (rc != 0) {
        etlc__msg_batch_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

static void drop_kept(etlc__msg_batch *b)
{
    for (size_t i = 0; i < b->nkept; i++) {
        free(b->kept[i].headers_json);
        json_decref(b->kept[i].value);
    }
    b->nkept = 0;
    etlc__buf_reset(&b->arena);
}

void etlc__msg_batch_reset(etlc__msg_batch *b)
{
    b->count = b->bytes = 0;
    drop_kept(b);
    etlc__json_columns_free(&b->cols);
    etlc_batch_reset(b->dead);
    if (b->format == ETLC__VALUE_JSON) {
        etlc_batch_free(b->records);
        b->records = NULL;
    } else {
        etlc_batch_reset(b->records);
    }
}

void etlc__msg_batch_free(etlc__msg_batch *b)
{
    if (!b)
        return;
    etlc__msg_batch_reset(b);
    free(b->kept);
    etlc__buf_free(&b->arena);
    etlc__jscan_free(&b->scan);
    etlc_batch_free(b->records);
    etlc_batch_free(b->dead);
    free(b);
}

size_t etlc__msg_batch_count(const etlc__msg_batch *b) { return b->count; }
size_t etlc__msg_batch_bytes(const etlc__msg_batch *b) { return b->bytes; }

bool etlc__msg_batch_full(const etlc__msg_batch *b, const etlc_stream_limits *lim)
{
    return b->count >= lim->max_records || (lim->max_bytes && b->bytes >= lim->max_bytes);
}

static int add_dead(etlc__msg_batch *b, const etlc__msg *m, const char *headers_json,
                    const char *why, etlc_error *err)
{
    size_t col = 0;
    int rc = m->value ? etlc_batch_append_var(b->dead, col++, ETLC_TYPE_BYTES, m->value,
                                              m->value_len, err)
                      : etlc_batch_append_null(b->dead, col++, err);
    rc = rc ? rc : append_env(b->dead, &col, b->names, m, headers_json, err);
    rc = rc ? rc : etlc_batch_append_var(b->dead, col, ETLC_TYPE_TEXT, why, strlen(why), err);
    return rc ? rc : etlc_batch_end_row(b->dead, err);
}

static int add_record(etlc__msg_batch *b, const etlc__msg *m, const char *headers_json,
                      etlc_error *err)
{
    size_t col = 0;
    int rc = m->value ? etlc_batch_append_var(b->records, col++,
                                              b->format == ETLC__VALUE_TEXT ? ETLC_TYPE_TEXT
                                                                            : ETLC_TYPE_BYTES,
                                              m->value, m->value_len, err)
                      : etlc_batch_append_null(b->records, col++, err);
    rc = rc ? rc : append_env(b->records, &col, b->names, m, headers_json, err);
    return rc ? rc : etlc_batch_end_row(b->records, err);
}

/* Copy m into b->kept (json mode), taking ownership of value and
 * headers_json; the value's bytes too when there is no DOM. */
static int keep(etlc__msg_batch *b, const etlc__msg *m, json_t *value, char *headers_json)
{
    if (b->nkept == b->capkept) {
        size_t cap = b->capkept ? b->capkept * 2 : 256;
        kept_msg *grown = realloc(b->kept, cap * sizeof *grown);
        if (!grown)
            return -1;
        b->kept = grown;
        b->capkept = cap;
    }
    etlc__buf *a = &b->arena;
    size_t rlen = strlen(m->resource) + 1, at = a->len;
    size_t vlen = value ? 0 : m->value_len;
    if (etlc__buf_reserve(a, rlen + m->key_len + vlen) != 0)
        return -1;
    etlc__buf_append(a, m->resource, rlen);
    etlc__buf_append(a, m->key, m->key_len);
    etlc__buf_append(a, m->value, vlen);
    kept_msg *k = &b->kept[b->nkept++];
    *k = (kept_msg){.m = *m, .resource_off = at, .key_off = at + rlen,
                    .value_off = at + rlen + m->key_len, .value = value,
                    .headers_json = headers_json};
    k->m.headers = NULL;
    k->m.nheaders = 0;
    return 0;
}

/* The kept message's pointers into the arena, now that it moves no more. */
static void resolve(const etlc__msg_batch *b, kept_msg *k)
{
    const char *a = b->arena.data;
    k->m.resource = a + k->resource_off;
    k->m.key = k->m.key ? a + k->key_off : NULL;
    k->m.value = k->value ? NULL : a + k->value_off;
}

/* json mode: scan; an object is kept for finish, anything else is a dead
 * letter (jansson's parse says why). */
static int add_json(etlc__msg_batch *b, const etlc__msg *m, char *headers_json, etlc_error *err)
{
    if (m->value) {
        int rc = etlc__json_columns_infer_text(&b->cols, &b->scan, m->value, m->value_len, err);
        if (rc == 0 && keep(b, m, NULL, headers_json) != 0)
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping a message");
        if (rc >= 0) {
            if (rc != 0)
                free(headers_json);
            return rc;
        }
    }
    bool oom = false;
    json_error_t jerr;
    json_t *v = m->value ? etlc__json_loadb(m->value, m->value_len, 0, &jerr, &oom) : json_null();
    if (oom) {
        free(headers_json);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory parsing a message");
    }
    int rc = 0;
    if (v && (json_is_object(v) || json_is_null(v))) {
        if (json_is_null(v)) { /* a tombstone: a record of envelope and NULL fields */
            json_decref(v);
            v = json_object();
        }
        rc = v && etlc__json_columns_infer(&b->cols, v, err) == 0 && keep(b, m, v, headers_json) == 0
                 ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping a message");
        if (rc != 0) {
            json_decref(v);
            free(headers_json);
        }
        return rc;
    }
    char why[200];
    if (v)
        snprintf(why, sizeof why, "not a JSON object (a JSON %s)",
                 json_is_array(v) ? "array" : json_is_string(v) ? "string" : "scalar");
    else
        snprintf(why, sizeof why, "not JSON: %s at line %d column %d", jerr.text, jerr.line,
                 jerr.column);
    json_decref(v);
    rc = add_dead(b, m, headers_json ? headers_json : "[]", why, err);
    free(headers_json);
    return rc;
}

int etlc__msg_batch_add(etlc__msg_batch *b, const etlc__msg *m, etlc_error *err)
{
    char *headers_json = m->nheaders ? headers_text(m) : NULL;
    if (m->nheaders && !headers_json)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading message headers");
    b->count++;
    b->bytes += m->key_len + m->value_len;
    for (size_t i = 0; i < m->nheaders; i++)
        b->bytes += strlen(m->headers[i].name ? m->headers[i].name : "") + m->headers[i].len;
    if (b->format == ETLC__VALUE_JSON)
        return add_json(b, m, headers_json, err);
    int rc;
    const char *hj = headers_json ? headers_json : "[]";
    if (b->format == ETLC__VALUE_TEXT && m->value && !utf8_valid(m->value, m->value_len))
        rc = add_dead(b, m, hj, "not UTF-8 text", err);
    else
        rc = add_record(b, m, hj, err);
    free(headers_json);
    return rc;
}

/* json mode: the value columns inferred over the batch, then the envelope. */
static int build_json(etlc__msg_batch *b, etlc_error *err)
{
    size_t nv = b->cols.ncols;
    etlc_column_def *defs = calloc(nv + ENV_COUNT, sizeof *defs);
    size_t nd = nv;
    int rc = defs ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building a batch");
    if (rc == 0) {
        memcpy(defs, b->cols.cols, nv * sizeof *defs);
        if (env_defs(b->names, true, defs, &nd) != 0)
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming stream columns");
    }
    if (rc == 0)
        rc = etlc_batch_new(defs, nd, b->nkept ? b->nkept : 1, &b->records, err);
    for (size_t i = nv; defs && i < nd; i++)
        free(defs[i].name);
    free(defs);
    for (size_t r = 0; rc == 0 && r < b->nkept; r++) {
        kept_msg *k = &b->kept[r];
        resolve(b, k);
        char where[64];
        snprintf(where, sizeof where, "the message at %lld", (long long)k->m.position);
        if (!k->value)
            rc = etlc__json_append_text(b->records, &b->cols, &b->scan, k->m.value,
                                        k->m.value_len, b->who, where, NULL, NULL, err);
        if (rc < 0) /* inferred from the same bytes: cannot happen */
            rc = etlc_error_set(err, ETLC_INTERNAL, "%s: %s reads differently at finish", b->who,
                                where);
        for (size_t c = 0; rc == 0 && k->value && c < nv; c++)
            rc = etlc__json_append(b->records, c, json_object_get(k->value, b->cols.cols[c].name),
                                   b->who, where, err);
        size_t col = nv;
        rc = rc ? rc : append_env(b->records, &col, b->names, &k->m,
                                  k->headers_json ? k->headers_json : "[]", err);
        rc = rc ? rc : etlc_batch_end_row(b->records, err);
    }
    return rc;
}

int etlc__msg_batch_finish(etlc__msg_batch *b, const etlc_batch **records,
                           const etlc_batch **dead, etlc_error *err)
{
    *records = *dead = NULL;
    if (b->format == ETLC__VALUE_JSON && !b->records && b->nkept > 0) {
        int rc = build_json(b, err);
        if (rc != 0)
            return rc;
    }
    if (b->records && b->records->nrows > 0)
        *records = b->records;
    if (b->dead->nrows > 0)
        *dead = b->dead;
    return 0;
}
