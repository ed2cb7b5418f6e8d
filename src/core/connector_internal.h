/* The connector object shared by connector.c, cache.c and facade.c. */
#ifndef ETLCONN_CONNECTOR_INTERNAL_H
#define ETLCONN_CONNECTOR_INTERNAL_H

#include <pthread.h>

#include "core/internal.h"

struct etlc_connector {
    const etlc_connector_ops *ops;
    const etlc_config *cfg;
    etlc_config *owned_cfg;   /* freed with the connector (cache and façade builds) */
    void *ctx;                /* ops->context_size bytes */
    pthread_mutex_t use_lock; /* one thread at a time inside connector code, unless
                                 the connector is ETLC_CONNECTOR_CONCURRENT */
    /* Cache bookkeeping: `cached` is set before the connector is published
     * and never changes; the rest is guarded by the cache's lock. */
    bool cached;
    bool in_cache;            /* still reachable through the cache map */
    size_t refs;              /* holders that have not released it */
};

/* Around calls into connector code (fetch, test, alive, source_name): take
 * use_lock, or nothing for a connector that serialises itself. */
static inline void etlc__connector_enter(etlc_connector *c)
{
    if (!(c->ops->flags & ETLC_CONNECTOR_CONCURRENT))
        pthread_mutex_lock(&c->use_lock);
}

static inline void etlc__connector_leave(etlc_connector *c)
{
    if (!(c->ops->flags & ETLC_CONNECTOR_CONCURRENT))
        pthread_mutex_unlock(&c->use_lock);
}

/* Build and connect; takes ownership of `cfg` (freed on failure too). */
int etlc__connector_open_owned(const etlc_connector_ops *ops, etlc_config *cfg,
                               etlc_connector **out, etlc_error *err);
/* Close the connector and free it (no cache involvement). NULL ok. */
void etlc__connector_destroy(etlc_connector *c);
/* ops->alive under the connector's lock (true when the connector has none). */
bool etlc__connector_alive(etlc_connector *c);
/* Cache side of etlc_connector_release for a cached connector. */
void etlc__cache_release(etlc_connector *c);
/* The cache lookup behind etlc_get_connection; takes ownership of cfg. */
int etlc__cache_get(const etlc_connector_ops *ops, etlc_config *cfg, bool no_reuse,
                    etlc_connector **out, etlc_error *err);

#endif
