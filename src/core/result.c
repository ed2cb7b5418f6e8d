/* The data contract in memory: IngestionResult, IngestedItem, metadata,
 * and the checks that a result is self-consistent. */
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

/* ---- metadata ------------------------------------------------------------ */

int etlc_meta_set(etlc_meta *m, const char *key, const char *value)
{
    if (!key || !value)
        return ETLC_INVALID_ARGUMENT;
    char *v = etlc__strdup(value);
    if (!v)
        return ETLC_NO_MEMORY;
    for (size_t i = 0; i < m->count; i++) {
        if (strcmp(m->entries[i].key, key) == 0) {
            free(m->entries[i].value);
            m->entries[i].value = v;
            return 0;
        }
    }
    char *k = etlc__strdup(key);
    if (!k) {
        free(v);
        return ETLC_NO_MEMORY;
    }
    if (m->count == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 4;
        etlc_meta_entry *e = realloc(m->entries, cap * sizeof *e);
        if (!e) {
            free(k);
            free(v);
            return ETLC_NO_MEMORY;
        }
        m->entries = e;
        m->cap = cap;
    }
    m->entries[m->count].key = k;
    m->entries[m->count].value = v;
    m->count++;
    return 0;
}

const char *etlc_meta_get(const etlc_meta *m, const char *key)
{
    for (size_t i = 0; i < m->count; i++)
        if (strcmp(m->entries[i].key, key) == 0)
            return m->entries[i].value;
    return NULL;
}

void etlc_meta_clear(etlc_meta *m)
{
    for (size_t i = 0; i < m->count; i++) {
        free(m->entries[i].key);
        free(m->entries[i].value);
    }
    free(m->entries);
    memset(m, 0, sizeof *m);
}

static int meta_copy(etlc_meta *dst, const etlc_meta *src)
{
    for (size_t i = 0; i < src->count; i++) {
        int rc = etlc_meta_set(dst, src->entries[i].key, src->entries[i].value);
        if (rc) {
            etlc_meta_clear(dst);
            return rc;
        }
    }
    return 0;
}

/* ---- status -------------------------------------------------------------- */

static const char *const status_names[] = {"success", "partial", "failed"};

const char *etlc_status_name(etlc_status s)
{
    return (unsigned)s < ETLC__ARRAY_LEN(status_names) ? status_names[s] : "unknown";
}

int etlc_status_parse(const char *s)
{
    for (size_t i = 0; s && i < ETLC__ARRAY_LEN(status_names); i++)
        if (strcmp(s, status_names[i]) == 0)
            return (int)i;
    return -1;
}

/* ---- result -------------------------------------------------------------- */

int etlc_result_new(const char *protocol, const char *source, const char *query, etlc_result **out,
                    etlc_error *err)
{
    *out = NULL;
    etlc_result *r = calloc(1, sizeof *r);
    if (!r)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating an ingestion result");
    r->protocol = etlc__strdup(protocol);
    r->source = etlc__strdup(source);
    /* Kept redacted, like the Parquet footer and the logs: a password
     * written into the query never reaches the result JSON. */
    r->query = query ? etlc_redact_dup(query) : NULL;
    if ((protocol && !r->protocol) || (source && !r->source) || (query && !r->query)) {
        etlc_result_free(r);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating an ingestion result");
    }
    r->status = ETLC_STATUS_SUCCESS;
    r->started_at_us = etlc_now_us();
    *out = r;
    return 0;
}

void etlc_item_clear(etlc_item *item)
{
    if (!item)
        return;
    free(item->name);
    free(item->path);
    free(item->format);
    free(item->content_type);
    etlc_meta_clear(&item->metadata);
    memset(item, 0, sizeof *item);
}

void etlc_result_free(etlc_result *r)
{
    if (!r)
        return;
    free(r->protocol);
    free(r->source);
    free(r->query);
    for (size_t i = 0; i < r->item_count; i++)
        etlc_item_clear(&r->items[i]);
    free(r->items);
    for (size_t i = 0; i < r->error_count; i++) {
        free(r->errors[i].code);
        free(r->errors[i].message);
    }
    free(r->errors);
    etlc_meta_clear(&r->metadata);
    free(r);
}

static int item_copy(etlc_item *dst, const etlc_item *src)
{
    memset(dst, 0, sizeof *dst);
    dst->name = etlc__strdup(src->name);
    dst->path = etlc__strdup(src->path);
    dst->format = etlc__strdup(src->format);
    dst->content_type = etlc__strdup(src->content_type);
    if ((src->name && !dst->name) || (src->path && !dst->path) || (src->format && !dst->format) ||
        (src->content_type && !dst->content_type) ||
        meta_copy(&dst->metadata, &src->metadata) != 0) {
        etlc_item_clear(dst);
        return ETLC_NO_MEMORY;
    }
    dst->record_count = src->record_count;
    dst->byte_count = src->byte_count;
    memcpy(dst->sha256, src->sha256, sizeof dst->sha256);
    dst->sha256[64] = '\0';
    dst->fetched_at_us = src->fetched_at_us;
    return 0;
}

int etlc_result_add_item(etlc_result *r, const etlc_item *item, etlc_error *err)
{
    etlc_item *items = realloc(r->items, (r->item_count + 1) * sizeof *items);
    if (!items)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory adding item '%s' to the result",
                              item->name ? item->name : "");
    r->items = items;
    if (item_copy(&r->items[r->item_count], item) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory copying item '%s'",
                              item->name ? item->name : "");
    r->item_count++;
    if (item->record_count > 0)
        r->record_count += item->record_count;
    if (item->byte_count > 0)
        r->byte_count += item->byte_count;
    return 0;
}

int etlc_result_add_error(etlc_result *r, int code, const char *message, etlc_error *err)
{
    etlc_result_error *errs = realloc(r->errors, (r->error_count + 1) * sizeof *errs);
    if (!errs)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory recording an error");
    r->errors = errs;
    char *c = etlc__strdup(etlc_code_name(code));
    char *m = etlc_redact_dup(message ? message : etlc_code_str(code));
    if (!c || !m) {
        free(c);
        free(m);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory recording an error");
    }
    r->errors[r->error_count].code = c;
    r->errors[r->error_count].message = m;
    r->error_count++;
    return 0;
}

static etlc_status status_for(const etlc_result *r)
{
    if (r->error_count == 0)
        return ETLC_STATUS_SUCCESS;
    return r->item_count ? ETLC_STATUS_PARTIAL : ETLC_STATUS_FAILED;
}

void etlc_result_finish(etlc_result *r)
{
    r->finished_at_us = etlc_now_us();
    if (r->finished_at_us < r->started_at_us) /* wall clock stepped back */
        r->finished_at_us = r->started_at_us;
    r->status = status_for(r);
}

/* ---- validation ---------------------------------------------------------- */

static bool is_sha256_hex(const char *s)
{
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[64] == '\0';
}

static bool present(const char *s) { return s && *s; }

/* The rules for items landed as is ("bytes"): see docs/data-contract.md. */
static int validate_bytes_item(size_t i, const etlc_item *it, etlc_error *err)
{
    if (it->record_count != -1)
        return etlc_error_set(err, ETLC_DATA_CONTRACT,
                              "items[%zu] '%s': a bytes item has record_count -1, not %lld", i,
                              it->name, (long long)it->record_count);
    if (!present(it->content_type))
        return etlc_error_set(err, ETLC_DATA_CONTRACT,
                              "items[%zu] '%s': a bytes item needs a content_type", i, it->name);
    if (!present(etlc_meta_get(&it->metadata, "remote_path")))
        return etlc_error_set(err, ETLC_DATA_CONTRACT,
                              "items[%zu] '%s': a bytes item needs metadata 'remote_path'", i,
                              it->name);
    const char *mtime = etlc_meta_get(&it->metadata, "remote_mtime");
    int64_t us;
    if (mtime && etlc_parse_timestamp(mtime, strlen(mtime), &us) != 0)
        return etlc_error_set(err, ETLC_DATA_CONTRACT,
                              "items[%zu] '%s': metadata 'remote_mtime' '%s' is not an RFC 3339 "
                              "timestamp", i, it->name, mtime);
    return 0;
}

int etlc_result_validate(const etlc_result *r, etlc_error *err)
{
    if (!r)
        return etlc_error_set(err, ETLC_DATA_CONTRACT, "result is missing");
    if (!present(r->protocol))
        return etlc_error_set(err, ETLC_DATA_CONTRACT, "result: 'protocol' is missing");
    if ((unsigned)r->status > ETLC_STATUS_FAILED)
        return etlc_error_set(err, ETLC_DATA_CONTRACT, "result: status %d is unknown",
                              (int)r->status);
    if (r->started_at_us <= 0)
        return etlc_error_set(err, ETLC_DATA_CONTRACT, "result: 'started_at' is not set");
    if (r->finished_at_us < r->started_at_us)
        return etlc_error_set(err, ETLC_DATA_CONTRACT,
                              "result: 'finished_at' (%lld us) is before 'started_at' (%lld us)",
                              (long long)r->finished_at_us, (long long)r->started_at_us);
    int64_t records = 0, bytes = 0;
    for (size_t i = 0; i < r->item_count; i++) {
        const etlc_item *it = &r->items[i];
        const char *missing = !present(it->name)     ? "name"
                              : !present(it->path)   ? "path"
                              : !present(it->format) ? "format"
                                                     : NULL;
        if (missing)
            return etlc_error_set(err, ETLC_DATA_CONTRACT, "items[%zu]: '%s' is missing", i,
                                  missing);
        if (!is_sha256_hex(it->sha256))
            return etlc_error_set(err, ETLC_DATA_CONTRACT,
                                  "items[%zu] '%s': sha256 '%.64s' is not 64 lowercase hex digits",
                                  i, it->name, it->sha256);
        if (it->record_count < -1 || it->byte_count < 0)
            return etlc_error_set(err, ETLC_DATA_CONTRACT,
                                  "items[%zu] '%s': negative counts (records %lld, bytes %lld)", i,
                                  it->name, (long long)it->record_count, (long long)it->byte_count);
        if (it->fetched_at_us <= 0)
            return etlc_error_set(err, ETLC_DATA_CONTRACT, "items[%zu] '%s': 'fetched_at' is not set",
                                  i, it->name);
        if (strcmp(it->format, "bytes") == 0) {
            int rc = validate_bytes_item(i, it, err);
            if (rc)
                return rc;
        }
        /* Counts come from outside too (result JSON): a sum past int64 is
         * a contract violation, not a wrap. */
        if ((it->record_count > 0 && __builtin_add_overflow(records, it->record_count, &records)) ||
            __builtin_add_overflow(bytes, it->byte_count, &bytes))
            return etlc_error_set(err, ETLC_DATA_CONTRACT,
                                  "items[%zu] '%s': the counts' sums exceed 64 bits", i, it->name);
    }
    if (records != r->record_count)
        return etlc_error_set(err, ETLC_DATA_CONTRACT,
                              "result: record_count %lld differs from the items' sum %lld",
                              (long long)r->record_count, (long long)records);
    if (bytes != r->byte_count)
        return etlc_error_set(err, ETLC_DATA_CONTRACT,
                              "result: byte_count %lld differs from the items' sum %lld",
                              (long long)r->byte_count, (long long)bytes);
    for (size_t i = 0; i < r->error_count; i++)
        if (!present(r->errors[i].code) || !r->errors[i].message)
            return etlc_error_set(err, ETLC_DATA_CONTRACT, "errors[%zu]: code or message missing",
                                  i);
    etlc_status want = status_for(r);
    if (r->status != want)
        return etlc_error_set(err, ETLC_DATA_CONTRACT,
                              "result: status '%s' is inconsistent with %zu error(s) and %zu "
                              "item(s) (expected '%s')",
                              etlc_status_name(r->status), r->error_count, r->item_count,
                              etlc_status_name(want));
    return 0;
}
