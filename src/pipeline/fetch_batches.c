/* etlc_connector_fetch_batches: a record-shaped fetch handed to the
 * caller batch by batch, nothing landed (the Python package's Arrow
 * results, embedders with their own sink). */
#include <stdlib.h>

#include "core/connector_internal.h"
#include "pipeline/capabilities.h"
#include "pipeline/fetch_scan.h"

typedef struct batch_tap {
    etlc_batch_consumer inner;
    const etlc_cancel *cancel;
} batch_tap;

/* Before each batch: a requested cancel ends the fetch, the batch unseen. */
static int tap_batch(void *ud, const etlc_batch *batch, etlc_error *err)
{
    batch_tap *t = ud;
    int rc = etlc__cancel_check(t->cancel, err);
    return rc != 0 ? rc : t->inner.on_batch(t->inner.userdata, batch, err);
}

static int tap_page(void *ud, const etlc_records_page *page, etlc_error *err)
{
    return tap_batch(ud, page->batch, err);
}

/* The records capability: every page from the first, in order. */
static int fetch_pages(etlc_connector *c, const etlc_fetch_request *req, batch_tap *tap,
                       etlc_error *err)
{
    etlc_kv *kv = calloc(req->nparams + 1, sizeof *kv);
    char **store = calloc(req->nparams + 1, sizeof *store);
    int rc = kv && store ? etlc__fetch_kv_params(req, kv, store, err)
                         : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting the request");
    if (rc == 0) {
        etlc_records_request rr = {.resource = req->query, .params = kv, .nparams = req->nparams,
                                   .batch_rows = req->batch_rows};
        etlc_page_consumer pc = {.on_page = tap_page, .userdata = tap};
        etlc__connector_enter(c);
        rc = c->ops->records->fetch_pages(c->ctx, &rr, pc, err);
        etlc__connector_leave(c);
    }
    for (size_t i = 0; store && i < req->nparams; i++)
        free(store[i]);
    free(store);
    free(kv);
    return rc;
}

int etlc_connector_fetch_batches(etlc_connector *c, const etlc_fetch_request *req,
                                 etlc_batch_consumer consumer, etlc_error *err)
{
    if (!c || !req || !consumer.on_batch)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "etlc_connector_fetch_batches needs a connector, a request and a consumer");
    const etlc_connector_ops *ops = c->ops;
    batch_tap tap = {.inner = consumer, .cancel = req->cancel};
    etlc_fetch_request effective = *req;
    /* 0 stays 0 for a paged source: its own page option decides
     * (mongodb batch_size, cassandra page_size), as when landing. */
    if (!effective.batch_rows && ops->fetch)
        effective.batch_rows = 10000;
    etlc_batch_consumer bc = {.on_batch = tap_batch, .userdata = &tap};
    int rc;
    if (ops->fetch) {
        etlc__connector_enter(c); /* no lock for a connector whose pool serves threads in parallel */
        rc = etlc__fetch_rows(c, &effective, bc, err); /* or a scan (scan_partitions): several threads */
        etlc__connector_leave(c);
    } else if (ops->records && (!ops->bytes || !ops->records->wanted || ops->records->wanted(c->ctx))) {
        rc = fetch_pages(c, &effective, &tap, err);
    } else {
        return etlc_error_set(err, ETLC_UNSUPPORTED,
                              "'%s' does not fetch records (it is file-shaped, a stream or a "
                              "destination): fetch it into the lake instead", ops->name);
    }
    if (rc == 0)
        rc = etlc__cancel_check(req->cancel, err);
    return rc;
}
