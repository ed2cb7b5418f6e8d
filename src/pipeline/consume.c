/* etlc_connector_consume: the public face of the stream driver
 * (consume_stream.c). Maps the request's limits onto the driver's options
 * and turns the land options' cancel token into a cancel of a waiting poll
 * (a watcher thread, since requesting a token must stay signal-safe). */
#include <stdlib.h>
#include <string.h>

#include "core/connector_internal.h"
#include "pipeline/capabilities.h"

#define DEFAULT_MAX_BYTES ((size_t)64 << 20)
#define DEFAULT_MAX_MS 5000

static void cancel_action(void *userdata) { etlc__consume_cancel(userdata); }

/* The request's resource, else the config's topic, queue or subject. */
static const char *resource_of(const etlc_connector *c, const etlc_consume_request *req)
{
    if (req->resource && *req->resource)
        return req->resource;
    static const char *const keys[] = {"topic", "queue", "subject"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *v = etlc_config_has(c->cfg, keys[i]) ? etlc_config_get_string(c->cfg, keys[i])
                                                         : NULL;
        if (v && *v)
            return v;
    }
    return NULL;
}

int etlc_connector_consume(etlc_connector *c, const etlc_consume_request *req,
                           const etlc_land_options *land, etlc_result **result, etlc_error *err)
{
    if (result)
        *result = NULL;
    if (!c || !req || !result)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "consume needs a connector, a request and a result pointer");
    if (!c->ops->stream)
        return etlc_error_set(err, ETLC_UNSUPPORTED,
                              "connector '%s' is not a stream: use etlconn fetch", c->ops->name);
    /* checked now: the first sink opens only when a batch has come */
    if (land && land->sink.format && !etlc_sink_format_supported(land->sink.format))
        return etlc_error_set(err, ETLC_CONFIG_RANGE, "format '%s' is not one of jsonl, csv, parquet "
                              "(or not built in)", land->sink.format);
    const char *resource = resource_of(c, req);
    if (!resource)
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY,
                              "%s: nothing to consume: give a topic, queue or subject", c->ops->name);
    etlc__consume_control ctl;
    etlc__consume_control_init(&ctl);
    etlc__consume_options o = {
        .resource = resource,
        .max_records = req->max_messages ? req->max_messages : 10000,
        .max_bytes = req->max_bytes ? req->max_bytes : DEFAULT_MAX_BYTES,
        .poll_timeout_ms = req->max_ms > 0 ? req->max_ms : DEFAULT_MAX_MS,
        .max_batches = req->max_batches,
        .max_idle_polls = req->until_idle ? 1 : 0,
        .control = &ctl,
    };
    etlc__cancel_watch *watch = NULL;
    int rc = 0;
    if (land && land->cancel &&
        etlc__cancel_watch_start(land->cancel, cancel_action, &ctl, &watch) != 0)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory watching the cancel token");
    if (rc == 0)
        rc = etlc__consume_stream(c, &o, land, result, err);
    etlc__cancel_watch_stop(watch);
    etlc__consume_control_destroy(&ctl);
    return rc;
}
