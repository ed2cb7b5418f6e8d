/* The protocol registry: built-in connectors (generated table), known names
 * compiled out of this build, and connectors added at run time (plugins,
 * embedders). One mutex guards it; entries are never removed, so the ops
 * pointers handed out stay valid for the life of the process. */
#include <ctype.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/registry_builtin.h"

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

/* The list handed out by etlc_registry_list. Borrowed pointers into it must
 * stay valid while plugins are added, so a grown array never frees the old
 * one until exit: the old arrays are kept on `retired`. */
static etlc_protocol_info *entries;
static size_t entry_count, entry_cap;
static bool entries_ready;

typedef struct retired_array {
    struct retired_array *next;
    etlc_protocol_info *array;
} retired_array;
static retired_array *retired;

static void adapted_free_all(void);

static void registry_free_at_exit(void)
{
    pthread_mutex_lock(&registry_lock);
    while (retired) {
        retired_array *r = retired;
        retired = r->next;
        free(r->array);
        free(r);
    }
    free(entries);
    entries = NULL;
    entry_count = entry_cap = 0;
    entries_ready = false;
    adapted_free_all();
    pthread_mutex_unlock(&registry_lock);
}

/* Caller holds registry_lock. */
static int entries_push(const etlc_protocol_info *info)
{
    if (entry_count == entry_cap) {
        size_t cap = entry_cap ? entry_cap * 2 : 32;
        etlc_protocol_info *grown = calloc(cap, sizeof *grown);
        retired_array *old = entries ? malloc(sizeof *old) : NULL;
        if (!grown || (entries && !old)) {
            free(grown);
            free(old);
            return ETLC_NO_MEMORY;
        }
        if (entries) {
            memcpy(grown, entries, entry_count * sizeof *grown);
            old->array = entries;
            old->next = retired;
            retired = old;
        }
        entries = grown;
        entry_cap = cap;
    }
    entries[entry_count++] = *info;
    return 0;
}

/* Caller holds registry_lock. Fills the table with the built-in and
 * not-built-in protocols the first time. */
static int entries_init(void)
{
    if (entries_ready)
        return 0;
    static bool atexit_done;
    if (!atexit_done) {
        atexit(registry_free_at_exit);
        atexit_done = true;
    }
    for (size_t i = 0; etlc__builtin_connectors[i]; i++) {
        const etlc_connector_ops *ops = etlc__builtin_connectors[i];
        etlc_protocol_info info = {ops->name, ops->aliases, ops->description, true, false, ops};
        if (entries_push(&info) != 0)
            goto oom;
    }
    const char *const *lists[2] = {etlc__disabled_connectors, etlc__absent_connectors};
    for (size_t l = 0; l < 2; l++) {
        for (size_t i = 0; lists[l][i]; i++) {
            etlc_protocol_info info = {lists[l][i], NULL,
                                       l == 0 ? "compiled out of this build"
                                              : "not included in this version",
                                       false, false, NULL};
            if (entries_push(&info) != 0)
                goto oom;
        }
    }
    entries_ready = true;
    return 0;
oom:
    entry_count = 0;
    return ETLC_NO_MEMORY;
}

static bool ops_answers_to(const etlc_connector_ops *ops, const char *name)
{
    if (etlc__strcasecmp(ops->name, name) == 0)
        return true;
    for (size_t i = 0; ops->aliases && ops->aliases[i]; i++)
        if (etlc__strcasecmp(ops->aliases[i], name) == 0)
            return true;
    return false;
}

/* The list's spelling of `name`, or NULL. */
static const char *in_list(const char *const *list, const char *name)
{
    for (size_t i = 0; list[i]; i++)
        if (etlc__strcasecmp(list[i], name) == 0)
            return list[i];
    return NULL;
}

static void upper_copy(const char *s, char *out, size_t outsz)
{
    size_t i = 0;
    for (; s[i] && i + 1 < outsz; i++)
        out[i] = (char)toupper((unsigned char)s[i]);
    out[i] = '\0';
}

/* Consider `candidate` as a "did you mean" for `name`. */
static void consider(const char *name, const char *candidate, const char **best, unsigned *best_d)
{
    unsigned d = etlc__edit_distance(name, candidate);
    if (d < *best_d) {
        *best_d = d;
        *best = candidate;
    }
}

/* Caller holds registry_lock. */
static int unknown_protocol_error(const char *name, etlc_error *err)
{
    etlc__buf avail = {0}, off = {0};
    const char *best = NULL;
    unsigned best_d = 255;
    int rc = 0;
    for (size_t i = 0; i < entry_count && rc == 0; i++) {
        const etlc_protocol_info *e = &entries[i];
        consider(name, e->name, &best, &best_d);
        for (size_t a = 0; e->aliases && e->aliases[a]; a++)
            consider(name, e->aliases[a], &best, &best_d);
        etlc__buf *b = e->ops ? &avail : &off;
        if (b->len)
            rc |= etlc__buf_puts(b, ", ");
        rc |= etlc__buf_puts(b, e->name);
        if (e->plugin)
            rc |= etlc__buf_puts(b, " (plugin)");
    }
    if (rc != 0) {
        etlc__buf_free(&avail);
        etlc__buf_free(&off);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing protocols");
    }
    /* A suggestion only when it is plausibly a typo of the name. */
    size_t len = strlen(name);
    unsigned limit = len <= 3 ? 1 : (len <= 6 ? 2 : 3);
    char hint[160] = "";
    if (best && best_d <= limit)
        snprintf(hint, sizeof hint, "; did you mean '%s'?", best);
    etlc_error_set(err, ETLC_UNKNOWN_PROTOCOL,
                   "unknown protocol '%s'%s available: %s%s%s", name, hint[0] ? hint : ";",
                   avail.len ? avail.data : "(none)", off.len ? "; known but not built in: " : "",
                   off.len ? off.data : "");
    etlc__buf_free(&avail);
    etlc__buf_free(&off);
    return ETLC_UNKNOWN_PROTOCOL;
}

int etlc_registry_find(const char *protocol, const etlc_connector_ops **ops, etlc_error *err)
{
    if (ops)
        *ops = NULL;
    if (!protocol || !*protocol || !ops)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "no protocol name given");

    /* Plugins from ETLCONN_PLUGIN_PATH (once per process); their failures are
     * logged there and must not hide the built-in protocols. */
    etlc_error plugin_err = {0};
    (void)etlc_plugins_load_env(&plugin_err);

    pthread_mutex_lock(&registry_lock);
    int rc = entries_init();
    if (rc != 0) {
        pthread_mutex_unlock(&registry_lock);
        return etlc_error_set(err, rc, "out of memory building the protocol registry");
    }
    for (size_t i = 0; i < entry_count; i++) {
        if (entries[i].ops && ops_answers_to(entries[i].ops, protocol)) {
            *ops = entries[i].ops;
            pthread_mutex_unlock(&registry_lock);
            return 0;
        }
    }
    for (size_t i = 0; etlc__known_aliases[i]; i += 2) /* a compiled-out connector's alias */
        if (etlc__strcasecmp(etlc__known_aliases[i], protocol) == 0)
            protocol = etlc__known_aliases[i + 1];
    const char *known = in_list(etlc__disabled_connectors, protocol);
    if (known) {
        pthread_mutex_unlock(&registry_lock);
        char upper[64];
        upper_copy(known, upper, sizeof upper);
        return etlc_error_set(err, ETLC_NOT_BUILT_IN,
                              "protocol '%s' is not built in to this etlconn: rebuild with "
                              "-DETLCONN_WITH_%s=ON",
                              known, upper);
    }
    known = in_list(etlc__absent_connectors, protocol);
    if (known) {
        pthread_mutex_unlock(&registry_lock);
        return etlc_error_set(err, ETLC_NOT_BUILT_IN,
                              "protocol '%s' is known but not built in to this version of etlconn",
                              known);
    }
    rc = unknown_protocol_error(protocol, err);
    pthread_mutex_unlock(&registry_lock);
    return rc;
}

size_t etlc_registry_list(const etlc_protocol_info **list)
{
    etlc_error plugin_err = {0};
    (void)etlc_plugins_load_env(&plugin_err);
    pthread_mutex_lock(&registry_lock);
    size_t n = 0;
    const etlc_protocol_info *out = NULL;
    if (entries_init() == 0) {
        n = entry_count;
        out = entries;
    }
    pthread_mutex_unlock(&registry_lock);
    if (list)
        *list = out;
    return n;
}

static int check_capabilities(const etlc_connector_ops *ops, etlc_error *err)
{
    const char *bad = NULL;
    if (ops->records && !ops->records->fetch_pages)
        bad = "records.fetch_pages";
    else if (ops->bytes && (!ops->bytes->list || !ops->bytes->open))
        bad = "bytes.list and bytes.open";
    else if (ops->stream && (!ops->stream->subscribe || !ops->stream->poll ||
                             !ops->stream->commit || !ops->stream->unsubscribe))
        bad = "stream.subscribe, poll, commit and unsubscribe";
    if (bad)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "connector '%s' declares a capability without its required members "
                              "(%s must be set)",
                              ops->name, bad);
    bool source = ops->fetch || ops->records || ops->bytes || ops->stream;
    if (!source && !ops->load)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "connector '%s' has nothing to read with: set fetch or one of the "
                              "records, bytes or stream capabilities (or load for a destination)",
                              ops->name);
    if (source && ops->load)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "connector '%s' sets both a source capability (fetch, records, "
                              "bytes, stream) and load: a source reads, a destination has load",
                              ops->name);
    if (ops->load && !ops->load->load)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "connector '%s' declares a capability without its required members "
                              "(load.load must be set)",
                              ops->name);
    return 0;
}

/* `ops` is the full current shape here (an older table was copied first). */
static int check_ops_shape(const etlc_connector_ops *ops, etlc_error *err)
{
    if (!ops->name || !*ops->name)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "connector ops have no name");
    if (!ops->options || !ops->connect || !ops->close)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "connector '%s' lacks a required member (options, connect and close "
                              "must be set)",
                              ops->name);
    return check_capabilities(ops, err);
}

static int check_abi(const etlc_connector_ops *ops, etlc_error *err)
{
    if (!ops)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "no connector ops given");
    if (ops->abi_version < ETLC_ABI_VERSION_MIN || ops->abi_version > ETLC_ABI_VERSION)
        return etlc_error_set(err, ETLC_ABI_MISMATCH,
                              "connector '%s' was built for connector ABI version %d, but this "
                              "etlconn has ABI version %d (and accepts %d to %d): rebuild it "
                              "against this etlconn",
                              ops->name ? ops->name : "(unnamed)", ops->abi_version,
                              ETLC_ABI_VERSION, ETLC_ABI_VERSION_MIN, ETLC_ABI_VERSION);
    return 0;
}

/* ---- ops tables of an older ABI ---------------------------------------------
 * An ABI 2 table ends after `sql`: reading `records` and later members would
 * read past the plugin's object. It is copied into a zeroed table of the
 * current shape (new capabilities NULL) that lives until exit. */
typedef struct adapted_ops {
    struct adapted_ops *next;
    const etlc_connector_ops *original;
    etlc_connector_ops copy;
    etlc_option_table options; /* ABI 2's option table ends before `fragments` */
} adapted_ops;
static adapted_ops *adapted; /* guarded by registry_lock */

static size_t abi_prefix_size(int abi_version)
{
    return abi_version >= 3 ? sizeof(etlc_connector_ops) : offsetof(etlc_connector_ops, records);
}

/* Caller holds registry_lock. The table to register for `ops`: itself when
 * current, else its (possibly earlier made) adapted copy; NULL when out of memory. */
static const etlc_connector_ops *current_shape(const etlc_connector_ops *ops)
{
    if (ops->abi_version == ETLC_ABI_VERSION)
        return ops;
    for (adapted_ops *a = adapted; a; a = a->next)
        if (a->original == ops)
            return &a->copy;
    adapted_ops *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    memcpy(&a->copy, ops, abi_prefix_size(ops->abi_version));
    if (ops->abi_version < 3 && ops->options) {
        memcpy(&a->options, ops->options, offsetof(etlc_option_table, fragments));
        a->copy.options = &a->options; /* fragments: NULL */
    }
    a->original = ops;
    a->next = adapted;
    adapted = a;
    return &a->copy;
}

static void adapted_free_all(void)
{
    while (adapted) {
        adapted_ops *a = adapted;
        adapted = a->next;
        free(a);
    }
}

/* Caller holds registry_lock. The name or alias `name` of a new connector
 * already answered by a registered one? */
static const etlc_connector_ops *taken_by(const char *name)
{
    for (size_t i = 0; i < entry_count; i++)
        if (entries[i].ops && ops_answers_to(entries[i].ops, name))
            return entries[i].ops;
    return NULL;
}

int etlc_registry_add(const etlc_connector_ops *ops, etlc_error *err)
{
    int rc = check_abi(ops, err);
    if (rc != 0)
        return rc;
    pthread_mutex_lock(&registry_lock);
    rc = entries_init();
    if (rc != 0) {
        pthread_mutex_unlock(&registry_lock);
        return etlc_error_set(err, rc, "out of memory building the protocol registry");
    }
    const etlc_connector_ops *given = ops;
    ops = current_shape(given);
    if (!ops) {
        pthread_mutex_unlock(&registry_lock);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory registering connector '%s'",
                              given->name ? given->name : "(unnamed)");
    }
    rc = check_ops_shape(ops, err);
    if (rc != 0) {
        pthread_mutex_unlock(&registry_lock);
        return rc;
    }
    for (size_t i = 0; i < entry_count; i++) {
        if (entries[i].ops == ops) { /* the same registration again (a plugin loaded twice) */
            pthread_mutex_unlock(&registry_lock);
            return 0;
        }
    }
    const char *clash = NULL;
    const etlc_connector_ops *owner = taken_by(ops->name);
    if (owner)
        clash = ops->name;
    for (size_t a = 0; !owner && ops->aliases && ops->aliases[a]; a++) {
        owner = taken_by(ops->aliases[a]);
        if (owner)
            clash = ops->aliases[a];
    }
    if (owner) {
        pthread_mutex_unlock(&registry_lock);
        return etlc_error_set(err, ETLC_PLUGIN,
                              "connector '%s' cannot be registered: the name '%s' is already "
                              "taken by connector '%s'",
                              ops->name, clash, owner->name);
    }
    /* A run-time connector may provide a protocol this build lacks; it then
     * answers to that name, and the not-built-in entry stays listed. */
    etlc_protocol_info info = {ops->name, ops->aliases, ops->description, true, true, ops};
    rc = entries_push(&info);
    pthread_mutex_unlock(&registry_lock);
    if (rc != 0)
        return etlc_error_set(err, rc, "out of memory registering connector '%s'", ops->name);
    etlc_log(ETLC_LOG_DEBUG, "registry", "registered connector '%s'", ops->name);
    return 0;
}
