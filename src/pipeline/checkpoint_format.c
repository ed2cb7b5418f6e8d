/* The checkpoint's JSON envelope (docs/checkpoint.md), and the extract
 * state file it succeeds (docs/extract.md), which it still reads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_load.h"
#include "pipeline/checkpoint_internal.h"

/* Keys of the old extract state that belong to the envelope now; the rest
 * of it (cursor, table/query, watermark, keys, last_run) is the position. */
static const char *const legacy_envelope_keys[] = {"etlconn_extract_state", "definition", "protocol", "source",
                                                   "runs"};

static int mismatch(const etlc__checkpoint *cp, const char *what, const char *stored, const char *ours,
                    etlc_error *err)
{
    return etlc_error_set(err, ETLC_CONFIG,
                          "checkpoint '%s' belongs to another extraction (%s %s, this one is %s: "
                          "table/query, watermark, keys or slice differ); give another --state",
                          cp->location, what, stored ? stored : "missing", ours);
}

/* The count of committed runs, checked: a hand-edited file must not make
 * the next run's count overflow (runs + 1) or go negative. */
static int read_runs(etlc__checkpoint *cp, json_t *doc, etlc_error *err)
{
    json_t *r = json_object_get(doc, "runs");
    if (!r) {
        cp->runs = 0;
        return 0;
    }
    if (!json_is_integer(r) || json_integer_value(r) < 0 || json_integer_value(r) == INT64_MAX)
        return etlc_error_set(err, ETLC_CONFIG,
                              "checkpoint '%s': 'runs' must be a whole number from 0 to %lld", cp->location,
                              (long long)INT64_MAX - 1);
    cp->runs = json_integer_value(r);
    return 0;
}

static int take_legacy(etlc__checkpoint *cp, json_t *doc, etlc_error *err)
{
    if (strcmp(cp->kind, "sql") != 0)
        return etlc_error_set(err, ETLC_CONFIG, "'%s' is an extract state file, not a '%s' checkpoint",
                              cp->location, cp->kind);
    json_t *pos = json_deep_copy(doc);
    if (!pos)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading checkpoint '%s'", cp->location);
    for (size_t i = 0; i < ETLC__ARRAY_LEN(legacy_envelope_keys); i++)
        json_object_del(pos, legacy_envelope_keys[i]);
    cp->position = pos;
    cp->legacy = true;
    return read_runs(cp, doc, err);
}

static int take_current(etlc__checkpoint *cp, json_t *doc, etlc_error *err)
{
    json_int_t version = json_integer_value(json_object_get(doc, "etlconn_checkpoint"));
    if (version != ETLC__CHECKPOINT_VERSION)
        return etlc_error_set(err, ETLC_CONFIG,
                              "checkpoint '%s' has format version %lld; this etlconn reads version %d",
                              cp->location, (long long)version, ETLC__CHECKPOINT_VERSION);
    const char *kind = json_string_value(json_object_get(doc, "kind"));
    if (!kind || strcmp(kind, cp->kind) != 0)
        return etlc_error_set(err, ETLC_CONFIG, "checkpoint '%s' is of kind '%s', not '%s'", cp->location,
                              kind ? kind : "missing", cp->kind);
    json_t *pos = json_object_get(doc, "position");
    json_t *pend = json_object_get(doc, "pending");
    cp->position = json_is_null(pos) ? NULL : json_incref(pos);
    cp->pending = json_is_null(pend) ? NULL : json_incref(pend);
    int rc = read_runs(cp, doc, err);
    if (rc)
        return rc;
    const char *created = json_string_value(json_object_get(doc, "created_at"));
    if (created)
        snprintf(cp->created_at, sizeof cp->created_at, "%s", created);
    return 0;
}

int etlc__checkpoint_parse(etlc__checkpoint *cp, const char *text, size_t len, etlc_error *err)
{
    json_error_t je;
    bool oom = false;
    json_t *doc = etlc__json_loadb(text, len, 0, &je, &oom);
    if (oom)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading checkpoint '%s'", cp->location);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return etlc_error_set(err, ETLC_CONFIG, "checkpoint '%s' is not a JSON object (line %d: %s)",
                              cp->location, je.line, je.text);
    }
    int rc;
    bool legacy = json_object_get(doc, "etlconn_extract_state") != NULL;
    const char *def = json_string_value(json_object_get(doc, "definition"));
    if (!legacy && !json_object_get(doc, "etlconn_checkpoint"))
        rc = etlc_error_set(err, ETLC_CONFIG, "'%s' is neither a checkpoint nor an extract state file",
                            cp->location);
    else if (!def || strcmp(def, cp->definition) != 0)
        rc = mismatch(cp, "definition", def, cp->definition, err);
    else
        rc = legacy ? take_legacy(cp, doc, err) : take_current(cp, doc, err);
    json_decref(doc);
    return rc;
}

/* The envelope around `position` and `pending` (either may be NULL). */
static json_t *envelope(const etlc__checkpoint *cp, json_t *position, json_t *pending, int64_t runs)
{
    char now[40];
    etlc_format_timestamp(etlc_now_us(), now, sizeof now);
    json_t *o = json_object();
    if (!o)
        return NULL;
    int bad = json_object_set_new(o, "etlconn_checkpoint", json_integer(ETLC__CHECKPOINT_VERSION));
    bad |= json_object_set_new(o, "kind", json_string(cp->kind));
    bad |= json_object_set_new(o, "definition", json_string(cp->definition));
    bad |= json_object_set_new(o, "protocol", cp->protocol ? json_string(cp->protocol) : json_null());
    bad |= json_object_set_new(o, "source", cp->source ? json_string(cp->source) : json_null());
    bad |= json_object_set_new(o, "runs", json_integer(runs));
    bad |= json_object_set_new(o, "created_at", json_string(cp->created_at[0] ? cp->created_at : now));
    bad |= json_object_set_new(o, "updated_at", json_string(now));
    bad |= json_object_set_new(o, "updated_by", json_string(cp->holder));
    bad |= json_object_set(o, "position", position ? position : json_null());
    bad |= json_object_set(o, "pending", pending ? pending : json_null());
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *etlc__checkpoint_render(const etlc__checkpoint *cp, json_t *position, json_t *pending, int64_t runs)
{
    unsigned long failed = etlc__json_failed_allocations();
    json_t *o = envelope(cp, position, pending, runs);
    char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    /* jansson may drop a key on a failed allocation: no silently short checkpoint */
    if (text && etlc__json_failed_allocations() != failed) {
        free(text);
        text = NULL;
    }
    return text;
}
