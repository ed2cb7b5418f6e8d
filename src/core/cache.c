/* The connection cache: the one object shared between threads.
 *
 * A mutex-guarded map from key (protocol + normalized non-secret config +
 * secrets hash [+ thread]) to a connector. Connector code (connect, alive,
 * close) never runs while the map's lock is held: a new connector is built
 * outside it, and if another thread cached one for the same key meanwhile,
 * the first one stays and the loser is closed. Each connector counts its
 * holders; one that leaves the map while held is closed at its last release. */
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/connector_internal.h"

typedef struct cache_entry {
    char *key;
    etlc_connector *conn;
} cache_entry;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static cache_entry *cache_entries;
static size_t cache_count, cache_cap;

/* Per-thread identity for per-thread sessions. Unlike pthread_t values,
 * these numbers are never reused by a later thread. */
static atomic_ullong next_thread_number = 1;
static _Thread_local unsigned long long this_thread_number;

static unsigned long long thread_number(void)
{
    if (!this_thread_number)
        this_thread_number = atomic_fetch_add(&next_thread_number, 1);
    return this_thread_number;
}

static int cache_key(const etlc_connector_ops *ops, const etlc_config *cfg, char **key,
                     etlc_error *err)
{
    char *normalized = NULL;
    char secrets[65];
    int rc = etlc_config_fingerprint(cfg, &normalized, secrets);
    if (rc != 0)
        return etlc_error_set(err, rc, "%s: cannot compute the connection's cache key", ops->name);
    etlc__buf b = {0};
    rc = etlc__buf_printf(&b, "%s\n%s\n#secrets=%s", ops->name, normalized ? normalized : "",
                          secrets);
    if (rc == 0 && (ops->flags & ETLC_CONNECTOR_PER_THREAD))
        rc = etlc__buf_printf(&b, "\n#thread=%llu", thread_number());
    free(normalized);
    if (rc != 0) {
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building a cache key");
    }
    *key = etlc__buf_take(&b);
    return 0;
}

/* Caller holds cache_lock. */
static size_t find_index(const char *key)
{
    for (size_t i = 0; i < cache_count; i++)
        if (strcmp(cache_entries[i].key, key) == 0)
            return i;
    return SIZE_MAX;
}

/* Caller holds cache_lock. */
static void remove_at(size_t i)
{
    cache_entries[i].conn->in_cache = false;
    free(cache_entries[i].key);
    cache_entries[i] = cache_entries[--cache_count];
}

/* Caller holds cache_lock. Room for one more entry? */
static bool reserve_slot(void)
{
    if (cache_count < cache_cap)
        return true;
    size_t cap = cache_cap ? cache_cap * 2 : 8;
    cache_entry *grown = realloc(cache_entries, cap * sizeof *grown);
    if (!grown)
        return false;
    cache_entries = grown;
    cache_cap = cap;
    return true;
}

/* Caller holds cache_lock. Drop one hold; true when the caller must now
 * close the connector (no holders and no longer reachable). */
static bool unhold(etlc_connector *c)
{
    c->refs--;
    return c->refs == 0 && !c->in_cache;
}

void etlc__cache_release(etlc_connector *c)
{
    pthread_mutex_lock(&cache_lock);
    bool close_now = unhold(c);
    pthread_mutex_unlock(&cache_lock);
    if (close_now)
        etlc__connector_destroy(c);
}

/* A cached connector for key, held for the caller, or NULL. A dead one is
 * evicted on the way. */
static etlc_connector *take_cached(const char *key)
{
    pthread_mutex_lock(&cache_lock);
    size_t i = find_index(key);
    etlc_connector *c = i == SIZE_MAX ? NULL : cache_entries[i].conn;
    if (c)
        c->refs++;
    pthread_mutex_unlock(&cache_lock);
    if (!c || etlc__connector_alive(c))
        return c;

    etlc_log(ETLC_LOG_INFO, "cache", "cached %s connection is no longer alive; reconnecting",
             c->ops->name);
    pthread_mutex_lock(&cache_lock);
    if (c->in_cache) { /* unless another thread evicted it already */
        i = find_index(key);
        if (i != SIZE_MAX && cache_entries[i].conn == c)
            remove_at(i);
    }
    bool close_now = unhold(c);
    pthread_mutex_unlock(&cache_lock);
    if (close_now)
        etlc__connector_destroy(c);
    return NULL;
}

int etlc__cache_get(const etlc_connector_ops *ops, etlc_config *cfg, bool no_reuse,
                    etlc_connector **out, etlc_error *err)
{
    *out = NULL;
    if (no_reuse)
        return etlc__connector_open_owned(ops, cfg, out, err);

    char *key = NULL;
    int rc = cache_key(ops, cfg, &key, err);
    if (rc != 0) {
        etlc_config_free(cfg);
        return rc;
    }
    etlc_connector *c = take_cached(key);
    if (c) {
        etlc_config_free(cfg);
        free(key);
        *out = c;
        return 0;
    }

    etlc_connector *fresh = NULL;
    rc = etlc__connector_open_owned(ops, cfg, &fresh, err); /* outside the lock */
    if (rc != 0) {
        free(key);
        return rc;
    }

    etlc_connector *loser = NULL;
    pthread_mutex_lock(&cache_lock);
    size_t i = find_index(key);
    if (i != SIZE_MAX) {
        /* Another thread cached one meanwhile: share it, drop ours. */
        c = cache_entries[i].conn;
        c->refs++;
        loser = fresh;
    } else if (reserve_slot()) {
        fresh->cached = true;
        fresh->in_cache = true;
        fresh->refs = 1;
        cache_entries[cache_count].key = key;
        cache_entries[cache_count].conn = fresh;
        cache_count++;
        key = NULL;
        c = fresh;
    } else {
        loser = fresh; /* no memory to grow the map */
    }
    pthread_mutex_unlock(&cache_lock);
    free(key);
    etlc__connector_destroy(loser);
    if (!c)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory caching a %s connection",
                              ops->name);
    *out = c;
    return 0;
}

void etlc_close_all_connections(void)
{
    pthread_mutex_lock(&cache_lock);
    cache_entry *entries = cache_entries;
    size_t count = cache_count;
    cache_entries = NULL;
    cache_count = cache_cap = 0;
    /* Detach everything under the lock; close the unheld ones after it. */
    size_t closable = 0;
    for (size_t i = 0; i < count; i++) {
        etlc_connector *c = entries[i].conn;
        c->in_cache = false;
        free(entries[i].key);
        entries[i].key = NULL;
        entries[closable].conn = c->refs == 0 ? c : NULL;
        if (entries[closable].conn)
            closable++;
    }
    pthread_mutex_unlock(&cache_lock);
    for (size_t i = 0; i < closable; i++)
        etlc__connector_destroy(entries[i].conn);
    free(entries);
}

size_t etlc_cache_size(void)
{
    pthread_mutex_lock(&cache_lock);
    size_t n = cache_count;
    pthread_mutex_unlock(&cache_lock);
    return n;
}
