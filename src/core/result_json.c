/* The data contract as JSON (shape: docs/data-contract.md). Writing then
 * reading gives back exactly the same result. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/internal.h"
#include "core/json_load.h"

#define CONTRACT_VERSION 1

/* ---- writing ------------------------------------------------------------- */

/* Set obj[key] = val, taking val's reference; false if any step failed. */
static bool put(json_t *obj, const char *key, json_t *val)
{
    return val && json_object_set_new(obj, key, val) == 0;
}

static json_t *str_or_null(const char *s) { return s ? json_string(s) : json_null(); }

static json_t *time_or_null(int64_t us)
{
    if (us == 0)
        return json_null();
    char buf[40];
    etlc_format_timestamp(us, buf, sizeof buf);
    return json_string(buf);
}

static json_t *meta_to_json(const etlc_meta *m)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < m->count; i++)
        if (!put(o, m->entries[i].key, json_string(m->entries[i].value))) {
            json_decref(o);
            return NULL;
        }
    return o;
}

static json_t *item_to_json(const etlc_item *it)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    bool ok = put(o, "name", str_or_null(it->name)) && put(o, "path", str_or_null(it->path)) &&
              put(o, "format", str_or_null(it->format)) &&
              put(o, "content_type", str_or_null(it->content_type)) &&
              put(o, "record_count", json_integer(it->record_count)) &&
              put(o, "byte_count", json_integer(it->byte_count)) &&
              put(o, "sha256", json_string(it->sha256)) &&
              put(o, "fetched_at", time_or_null(it->fetched_at_us)) &&
              put(o, "metadata", meta_to_json(&it->metadata));
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *result_to_json_value(const etlc_result *r)
{
    json_t *o = json_object(), *items = json_array(), *errors = json_array();
    bool ok = o && items && errors;
    for (size_t i = 0; ok && i < r->item_count; i++) {
        json_t *it = item_to_json(&r->items[i]);
        ok = it && json_array_append_new(items, it) == 0;
    }
    for (size_t i = 0; ok && i < r->error_count; i++) {
        json_t *e = json_object();
        ok = e && put(e, "code", str_or_null(r->errors[i].code)) &&
             put(e, "message", str_or_null(r->errors[i].message));
        if (!ok)
            json_decref(e);
        else /* takes e's reference even when it fails */
            ok = json_array_append_new(errors, e) == 0;
    }
    ok = ok && put(o, "contract_version", json_integer(CONTRACT_VERSION)) &&
         put(o, "protocol", str_or_null(r->protocol)) && put(o, "source", str_or_null(r->source)) &&
         put(o, "query", str_or_null(r->query)) &&
         put(o, "status", json_string(etlc_status_name(r->status))) &&
         put(o, "started_at", time_or_null(r->started_at_us)) &&
         put(o, "finished_at", time_or_null(r->finished_at_us)) &&
         put(o, "record_count", json_integer(r->record_count)) &&
         put(o, "byte_count", json_integer(r->byte_count));
    if (ok) {
        /* put() takes the reference even when it fails. */
        bool items_ok = put(o, "items", items);
        bool errors_ok = put(o, "errors", errors);
        items = errors = NULL;
        ok = items_ok && errors_ok;
    }
    ok = ok && put(o, "metadata", meta_to_json(&r->metadata));
    json_decref(items);
    json_decref(errors);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int etlc_result_to_json(const etlc_result *r, bool pretty, char **json, etlc_error *err)
{
    *json = NULL;
    unsigned long failed_before = etlc__json_failed_allocations();
    json_t *v = result_to_json_value(r);
    char *text = v ? json_dumps(v, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER)
                   : NULL;
    json_decref(v);
    /* jansson 2.14 can lose a failed allocation while dumping and hand back
     * malformed text: any failure during the dump means out of memory. */
    if (!text || etlc__json_failed_allocations() != failed_before) {
        free(text);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing the result as JSON");
    }
    /* Hand back memory the caller can release with free(). */
    *json = etlc__strdup(text);
    free(text);
    if (!*json)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing the result as JSON");
    return 0;
}

/* ---- reading ------------------------------------------------------------- */

/* Each reader names the field it failed on as `where` + key. */

static int get_string(json_t *obj, const char *where, const char *key, bool nullable, char **out,
                      etlc_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (nullable)
            return 0;
        return etlc_error_set(err, ETLC_DATA_CONTRACT, "result JSON: %s'%s' is missing", where,
                              key);
    }
    if (!json_is_string(v))
        return etlc_error_set(err, ETLC_DATA_CONTRACT, "result JSON: %s'%s' must be a string",
                              where, key);
    *out = etlc__strndup(json_string_value(v), json_string_length(v));
    if (!*out)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading %s'%s'", where, key);
    return 0;
}

static int get_int(json_t *obj, const char *where, const char *key, int64_t *out, etlc_error *err)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v))
        return etlc_error_set(err, ETLC_DATA_CONTRACT, "result JSON: %s'%s' must be an integer",
                              where, key);
    *out = (int64_t)json_integer_value(v);
    return 0;
}

static int get_time(json_t *obj, const char *where, const char *key, int64_t *out, etlc_error *err)
{
    json_t *v = json_object_get(obj, key);
    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) ||
        etlc_parse_timestamp(json_string_value(v), json_string_length(v), out) != 0)
        return etlc_error_set(err, ETLC_DATA_CONTRACT,
                              "result JSON: %s'%s' must be an RFC 3339 timestamp string", where,
                              key);
    return 0;
}

static int get_meta(json_t *obj, const char *where, etlc_meta *m, etlc_error *err)
{
    json_t *v = json_object_get(obj, "metadata");
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_object(v))
        return etlc_error_set(err, ETLC_DATA_CONTRACT, "result JSON: %s'metadata' must be an object",
                              where);
    const char *k;
    json_t *val;
    json_object_foreach(v, k, val) {
        if (!json_is_string(val))
            return etlc_error_set(err, ETLC_DATA_CONTRACT,
                                  "result JSON: %smetadata '%s' must be a string", where, k);
        if (etlc_meta_set(m, k, json_string_value(val)) != 0)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading metadata");
    }
    return 0;
}

static int item_from_json(json_t *o, size_t index, etlc_item *it, etlc_error *err)
{
    char where[48];
    snprintf(where, sizeof where, "items[%zu].", index);
    if (!json_is_object(o))
        return etlc_error_set(err, ETLC_DATA_CONTRACT, "result JSON: items[%zu] must be an object",
                              index);
    int rc;
    char *sha = NULL;
    if ((rc = get_string(o, where, "name", false, &it->name, err)) ||
        (rc = get_string(o, where, "path", false, &it->path, err)) ||
        (rc = get_string(o, where, "format", false, &it->format, err)) ||
        (rc = get_string(o, where, "content_type", true, &it->content_type, err)) ||
        (rc = get_int(o, where, "record_count", &it->record_count, err)) ||
        (rc = get_int(o, where, "byte_count", &it->byte_count, err)) ||
        (rc = get_string(o, where, "sha256", false, &sha, err)) ||
        (rc = get_time(o, where, "fetched_at", &it->fetched_at_us, err)) ||
        (rc = get_meta(o, where, &it->metadata, err))) {
        free(sha); /* read before the field that failed */
        return rc;
    }
    size_t n = strlen(sha);
    if (n > 64) {
        free(sha);
        return etlc_error_set(err, ETLC_DATA_CONTRACT,
                              "result JSON: %s'sha256' is %zu characters, expected 64", where, n);
    }
    memcpy(it->sha256, sha, n + 1);
    free(sha);
    return 0;
}

static int result_from_value(json_t *root, etlc_result *r, etlc_error *err)
{
    if (!json_is_object(root))
        return etlc_error_set(err, ETLC_DATA_CONTRACT, "result JSON: top level must be an object");
    json_t *ver = json_object_get(root, "contract_version");
    if (ver && !(json_is_integer(ver) && json_integer_value(ver) == CONTRACT_VERSION))
        return etlc_error_set(err, ETLC_DATA_CONTRACT,
                              "result JSON: contract_version must be %d", CONTRACT_VERSION);
    int rc;
    char *status = NULL;
    if ((rc = get_string(root, "", "protocol", false, &r->protocol, err)) ||
        (rc = get_string(root, "", "source", true, &r->source, err)) ||
        (rc = get_string(root, "", "query", true, &r->query, err)) ||
        (rc = get_string(root, "", "status", false, &status, err)))
        return rc;
    int st = etlc_status_parse(status);
    if (st < 0) {
        rc = etlc_error_set(err, ETLC_DATA_CONTRACT,
                            "result JSON: status '%s' is not success, partial or failed", status);
        free(status);
        return rc;
    }
    free(status);
    r->status = (etlc_status)st;
    if ((rc = get_time(root, "", "started_at", &r->started_at_us, err)) ||
        (rc = get_time(root, "", "finished_at", &r->finished_at_us, err)) ||
        (rc = get_int(root, "", "record_count", &r->record_count, err)) ||
        (rc = get_int(root, "", "byte_count", &r->byte_count, err)) ||
        (rc = get_meta(root, "", &r->metadata, err)))
        return rc;

    json_t *items = json_object_get(root, "items");
    if (!json_is_array(items))
        return etlc_error_set(err, ETLC_DATA_CONTRACT, "result JSON: 'items' must be an array");
    size_t n = json_array_size(items);
    if (n) {
        r->items = calloc(n, sizeof *r->items);
        if (!r->items)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading %zu items", n);
    }
    for (size_t i = 0; i < n; i++) {
        r->item_count = i + 1; /* so a failure frees what was read */
        if ((rc = item_from_json(json_array_get(items, i), i, &r->items[i], err)))
            return rc;
    }

    json_t *errors = json_object_get(root, "errors");
    if (errors && !json_is_null(errors)) {
        if (!json_is_array(errors))
            return etlc_error_set(err, ETLC_DATA_CONTRACT, "result JSON: 'errors' must be an array");
        n = json_array_size(errors);
        if (n) {
            r->errors = calloc(n, sizeof *r->errors);
            if (!r->errors)
                return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading %zu errors", n);
        }
        for (size_t i = 0; i < n; i++) {
            r->error_count = i + 1;
            json_t *e = json_array_get(errors, i);
            char where[48];
            snprintf(where, sizeof where, "errors[%zu].", i);
            if (!json_is_object(e))
                return etlc_error_set(err, ETLC_DATA_CONTRACT,
                                      "result JSON: errors[%zu] must be an object", i);
            if ((rc = get_string(e, where, "code", false, &r->errors[i].code, err)) ||
                (rc = get_string(e, where, "message", false, &r->errors[i].message, err)))
                return rc;
        }
    }
    return 0;
}

int etlc_result_from_json(const char *json, etlc_result **out, etlc_error *err)
{
    *out = NULL;
    if (!json)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "result JSON text is missing");
    json_error_t jerr;
    bool out_of_memory;
    json_t *root = etlc__json_loadb(json, strlen(json), JSON_REJECT_DUPLICATES, &jerr, &out_of_memory);
    if (out_of_memory)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the result JSON");
    if (!root)
        return etlc_error_set(err, ETLC_DATA_CONTRACT, "result JSON: %s at line %d column %d",
                              jerr.text, jerr.line, jerr.column);
    etlc_result *r = calloc(1, sizeof *r);
    if (!r) {
        json_decref(root);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading the result JSON");
    }
    int rc = result_from_value(root, r, err);
    json_decref(root);
    if (rc) {
        etlc_result_free(r);
        return rc;
    }
    *out = r;
    return 0;
}
