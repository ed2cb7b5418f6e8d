/* The stream driver: poll -> land the batch as one file (and its dead
 * letters beside it) -> store the positions in the checkpoint (kind
 * "stream") -> commit the positions to the source.
 *
 * The file is named by the batch's (partition, first position) only, never
 * by date or run, so a replay from the old positions (a crash after the
 * landing, before the commit) rewrites the same file instead of adding a
 * second copy. commit is called only once that file is visible and the
 * checkpoint holds the positions (so a source that redelivers after a
 * crash there is skipped past them), never after a failure. Position:
 * {"partitions": {"<partition>": next, ...}, "state": <the connector's>}.
 * A source that keeps positions per consumer group
 * (ETLC_STREAM_SOURCE_POSITIONS) gets no checkpoint: the names alone make
 * a replay idempotent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/cap_land.h"
#include "core/json_load.h"
#include "pipeline/capabilities.h"

typedef struct consumer_state {
    etlc__cap_land *l;
    const etlc__consume_options *opts;
    const etlc_land_options *land;
    char reshash[17];
    void *sub;
    json_t *partitions; /* partition -> next */
    json_t *state;      /* the connector's last state (borrowed into the position) */
    bool checkpointed;  /* false: the source keeps the positions */
    int64_t batches;
} consumer_state;

static void on_assigned(void *ud, const char *const *parts, size_t n)
{
    consumer_state *cs = ud;
    for (size_t i = 0; i < n; i++)
        etlc_log(ETLC_LOG_INFO, cs->l->c->ops->name, "partition '%s' assigned", parts[i]);
}

static void on_revoked(void *ud, const char *const *parts, size_t n)
{
    consumer_state *cs = ud;
    /* Every batch is landed and committed before the next poll, so a
     * revoked partition has nothing pending here. */
    for (size_t i = 0; i < n; i++)
        etlc_log(ETLC_LOG_INFO, cs->l->c->ops->name, "partition '%s' revoked", parts[i]);
}

/* The batch's file name: "<partition>/<first, 20 digits>", plus a hash of
 * every (partition, first) when the batch spans several partitions. A '/'
 * in the partition makes directories ("orders/partition=3"); bytes other
 * than [A-Za-z0-9._=-], empty segments and a segment's leading '.' become
 * '_', so a partition name never climbs out of or hides in the lake. */
static int batch_template(const consumer_state *cs, const etlc_stream_batch *sb, bool dead,
                          etlc__buf *t)
{
    const etlc_stream_position *p0 = &sb->positions[0];
    int bad = etlc__buf_puts(t, dead ? "{protocol}/{source}/{query_hash}/_dead_letter/"
                                     : "{protocol}/{source}/{query_hash}/");
    for (const char *s = p0->partition; !bad && *s; s++) {
        char ch = *s;
        bool seg_start = s == p0->partition || s[-1] == '/';
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '_' || ch == '=' || ch == '-' || (ch == '.' && !seg_start) ||
                  (ch == '/' && !seg_start && s[1] != '\0');
        bad = etlc__buf_putc(t, ok ? ch : '_');
    }
    bad = bad || etlc__buf_printf(t, "/%020lld", (long long)p0->first);
    if (!bad && sb->npositions > 1) {
        etlc__buf all = {0};
        char h[17];
        for (size_t i = 0; !bad && i < sb->npositions; i++)
            bad = etlc__buf_printf(&all, "%s\n%lld\n", sb->positions[i].partition,
                                   (long long)sb->positions[i].first);
        bad = bad || etlc__cap_hash16(all.data, h) || etlc__buf_printf(t, "-%s", h);
        etlc__buf_free(&all);
    }
    (void)cs;
    return bad || etlc__buf_puts(t, "-{part}.{ext}") ? ETLC_NO_MEMORY : 0;
}

/* Land `batch` (the records, or with `dead` the dead letters) under the
 * batch's name. */
static int land_batch(consumer_state *cs, const etlc_stream_batch *sb, const etlc_batch *batch,
                      bool dead, etlc_error *err)
{
    etlc__buf t = {0};
    if (batch_template(cs, sb, dead, &t) != 0) {
        etlc__buf_free(&t);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming a stream file");
    }
    etlc_sink_options so = cs->land ? cs->land->sink : (etlc_sink_options){0};
    so.path_template = t.data;
    so.max_records_per_file = 0;
    so.vars.protocol = cs->l->c->ops->name;
    so.vars.source = cs->l->source;
    so.vars.query_hash = cs->reshash;
    so.query = cs->opts->resource;
    etlc_sink *sink = NULL;
    int rc = etlc__run_sink_open(cs->l->run, &so, &sink, err);
    if (rc == 0 && (rc = etlc_sink_write(sink, batch, err)) != 0)
        etlc_sink_abort(sink);
    else if (rc == 0)
        rc = etlc__run_sink_commit(cs->l->run, sink, err);
    etlc__buf_free(&t);
    return rc;
}

static int remember(consumer_state *cs, const etlc_stream_batch *sb, etlc_error *err)
{
    for (size_t i = 0; i < sb->npositions; i++)
        if (json_object_set_new(cs->partitions, sb->positions[i].partition,
                                json_integer(sb->positions[i].next)) != 0)
            return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping positions");
    if (sb->state) {
        bool oom = false; /* etlc__json_loadb needs somewhere to say it */
        json_t *state = etlc__json_loadb(sb->state, strlen(sb->state), 0, NULL, &oom);
        if (!state)
            return oom ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping the stream state")
                       : etlc_error_set(err, ETLC_INTERNAL, "%s: the stream state is not JSON",
                                        cs->l->c->ops->name);
        json_decref(cs->state);
        cs->state = state;
    }
    json_t *pos = json_pack("{s:O,s:O?}", "partitions", cs->partitions, "state", cs->state);
    int rc = pos ? etlc__cap_commit(cs->l, pos, err)
                 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping positions");
    json_decref(pos);
    return rc;
}

static bool has_rows(const etlc_batch *b) { return b && b->nrows > 0; }

/* Land (records, then dead letters), then checkpoint, then commit to the source. */
static int handle_batch(consumer_state *cs, const etlc_stream_batch *sb, etlc_error *err)
{
    etlc_connector *c = cs->l->c;
    if (sb->npositions == 0)
        return etlc_error_set(err, ETLC_PROTOCOL, "%s: a polled batch came without positions",
                              c->ops->name);
    int rc = 0;
    if (cs->checkpointed) { /* the intent names the batch about to land (durable before it lands) */
        json_t *intent = json_pack("{s:s,s:I,s:I}", "partition", sb->positions[0].partition,
                                   "first", (json_int_t)sb->positions[0].first, "next",
                                   (json_int_t)sb->positions[0].next);
        rc = intent ? etlc__checkpoint_intent(cs->l->cp, intent, err)
                    : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing the intent");
        json_decref(intent);
    }
    if (rc == 0 && has_rows(sb->batch))
        rc = land_batch(cs, sb, sb->batch, false, err);
    if (rc == 0 && has_rows(sb->dead_letters))
        rc = land_batch(cs, sb, sb->dead_letters, true, err);
    /* Visible now: they stay even if what follows fails (a replay from the
     * old positions rewrites the same names). */
    if (rc == 0)
        etlc__run_keep_items(cs->l->run);
    if (rc == 0 && cs->checkpointed)
        rc = remember(cs, sb, err);
    if (rc == 0)
        rc = c->ops->stream->commit(c->ctx, cs->sub, sb->positions, sb->npositions, err);
    if (rc == 0) {
        etlc__run_progress(cs->l->run, sb->batch ? sb->batch->nrows : 0);
        cs->batches++;
    }
    return rc;
}

/* ---- cancellation ---------------------------------------------------------- */

void etlc__consume_control_init(etlc__consume_control *ctl)
{
    memset(ctl, 0, sizeof *ctl);
    pthread_mutex_init(&ctl->lock, NULL);
}

void etlc__consume_control_destroy(etlc__consume_control *ctl) { pthread_mutex_destroy(&ctl->lock); }

void etlc__consume_cancel(etlc__consume_control *ctl)
{
    pthread_mutex_lock(&ctl->lock);
    ctl->cancelled = true;
    if (ctl->sub && ctl->c->ops->stream->cancel) /* wakes a waiting poll */
        ctl->c->ops->stream->cancel(ctl->c->ctx, ctl->sub);
    pthread_mutex_unlock(&ctl->lock);
}

static bool cancelled(const consumer_state *cs)
{
    etlc__consume_control *ctl = cs->opts->control;
    if (!ctl)
        return false;
    pthread_mutex_lock(&ctl->lock);
    bool yes = ctl->cancelled;
    pthread_mutex_unlock(&ctl->lock);
    return yes;
}

/* Publish (sub != NULL) or withdraw the subscription for etlc__consume_cancel. */
static void expose(consumer_state *cs, void *sub)
{
    etlc__consume_control *ctl = cs->opts->control;
    if (!ctl)
        return;
    pthread_mutex_lock(&ctl->lock);
    ctl->c = cs->l->c;
    ctl->sub = sub;
    if (sub && ctl->cancelled && ctl->c->ops->stream->cancel)
        ctl->c->ops->stream->cancel(ctl->c->ctx, sub);
    pthread_mutex_unlock(&ctl->lock);
}

static int poll_loop(consumer_state *cs, etlc_error *err)
{
    const etlc__consume_options *o = cs->opts;
    etlc_connector *c = cs->l->c;
    int64_t idle = 0;
    for (;;) {
        if (cancelled(cs))
            return etlc_error_set(err, ETLC_CANCELLED, "%s: consume of '%s' cancelled",
                                  c->ops->name, o->resource);
        /* The land options' token, between polls (a waiting poll ends within
         * its poll timeout); landed and committed batches stay. */
        int rc = etlc__run_cancelled(cs->l->run, err);
        if (rc != 0)
            return rc;
        etlc_stream_batch sb = {0};
        etlc_stream_limits lim = {.timeout_ms = o->poll_timeout_ms ? o->poll_timeout_ms : 1000,
                                  .max_records = o->max_records ? o->max_records : 10000,
                                  .max_bytes = o->max_bytes};
        rc = c->ops->stream->poll(c->ctx, cs->sub, &lim, &sb, err);
        if (rc != 0)
            return rc;
        if (!has_rows(sb.batch) && !has_rows(sb.dead_letters)) {
            if (o->max_idle_polls && ++idle >= o->max_idle_polls)
                break;
            continue;
        }
        idle = 0;
        if ((rc = handle_batch(cs, &sb, err)) != 0)
            return rc;
        if (o->max_batches && cs->batches >= o->max_batches)
            break;
    }
    return 0;
}

/* The checkpointed positions as subscribe's `start` (pointing into the JSON). */
static int start_positions(consumer_state *cs, etlc_stream_position **out, size_t *n)
{
    *out = NULL;
    *n = json_object_size(cs->partitions);
    if (*n == 0)
        return 0;
    etlc_stream_position *v = calloc(*n, sizeof *v);
    if (!v)
        return ETLC_NO_MEMORY;
    size_t i = 0;
    const char *key;
    json_t *val;
    json_object_foreach(cs->partitions, key, val) {
        v[i].partition = key;
        v[i].first = v[i].next = json_integer_value(val);
        i++;
    }
    *out = v;
    return 0;
}

/* The checkpoint's positions and state (none for a source that keeps them). */
static int read_checkpoint(consumer_state *cs, etlc_error *err)
{
    cs->checkpointed = !(cs->l->c->ops->stream->flags & ETLC_STREAM_SOURCE_POSITIONS);
    int rc = cs->checkpointed ? etlc__cap_checkpoint_open(cs->l, "stream", cs->opts->resource, err)
                              : 0;
    if (rc != 0)
        return rc;
    json_t *pos = cs->checkpointed ? etlc__checkpoint_position(cs->l->cp) : NULL;
    json_t *parts = pos ? json_object_get(pos, "partitions") : NULL;
    json_t *state = pos ? json_object_get(pos, "state") : NULL;
    cs->partitions = json_is_object(parts) ? json_deep_copy(parts) : json_object();
    cs->state = state && !json_is_null(state) ? json_incref(state) : NULL;
    return cs->partitions ? 0 : etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading positions");
}

static int consume_run(consumer_state *cs, etlc_error *err)
{
    etlc_connector *c = cs->l->c;
    int rc = etlc__cap_hash16(cs->opts->resource, cs->reshash)
                 ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory") : 0;
    if (rc == 0)
        rc = read_checkpoint(cs, err);
    if (rc != 0)
        return rc;
    etlc_stream_position *start = NULL;
    size_t nstart = 0;
    char *state = cs->state ? json_dumps(cs->state, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (start_positions(cs, &start, &nstart) != 0 || (cs->state && !state)) {
        free(state);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading positions");
    }
    etlc_stream_callbacks cb = {.assigned = on_assigned, .revoked = on_revoked, .userdata = cs};
    etlc__connector_enter(c); /* one thread inside the connector for the whole consume (unless concurrent) */
    rc = c->ops->stream->subscribe(c->ctx, cs->opts->resource, start, nstart, state, &cb,
                                   &cs->sub, err);
    free(start);
    free(state);
    if (rc == 0) {
        expose(cs, cs->sub);
        rc = poll_loop(cs, err);
        expose(cs, NULL);
    }
    if (cs->sub)
        c->ops->stream->unsubscribe(c->ctx, cs->sub);
    etlc__connector_leave(c);
    return rc;
}

int etlc__consume_stream(etlc_connector *c, const etlc__consume_options *opts,
                         const etlc_land_options *land, etlc_result **result, etlc_error *err)
{
    if (result)
        *result = NULL;
    if (!c || !opts || !opts->resource || !result)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "consume needs a connector, a resource and a result pointer");
    if (!c->ops->stream)
        return etlc_error_set(err, ETLC_UNSUPPORTED, "connector '%s' has no stream capability",
                              c->ops->name);
    etlc__cap_land l;
    int rc = etlc__cap_land_begin(c, "consume", opts->resource, land, &l, err);
    if (rc != 0)
        return rc;
    consumer_state cs = {.l = &l, .opts = opts, .land = land};
    etlc_error e = {0};
    rc = consume_run(&cs, &e);
    json_decref(cs.partitions);
    json_decref(cs.state);
    return etlc__cap_land_end(&l, rc, &e, false, result, err);
}
