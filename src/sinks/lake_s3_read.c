/* The S3 lake's reading and managing side: listing (ListObjectsV2),
 * ranged reads, delete, and leases.
 *
 * A lease is a small JSON object {holder, token, acquired_at, expires_at}.
 * It is created with If-None-Match: * and taken over, once expired, with
 * If-Match: <the ETag we read>, so of two runs racing only one write
 * succeeds. Because some servers ignore these conditions, the winner reads
 * the lease back and holds it only if the token there is its own.
 * Renewal rewrites expires_at (If-Match); release deletes the object if it
 * is still ours (If-Match). Expiry compares wall clocks: hosts sharing a
 * lease need clocks in step to well within the ttl. */
#include <stdlib.h>
#include <string.h>

#include "sinks/lake_backend.h"
#include "sinks/lake_s3.h"

#define LEASE_MAX_BYTES (64u * 1024u)

/* ---- listing ------------------------------------------------------------- */

typedef struct list_ctx {
    size_t prefix_len;      /* the lake's key prefix, cut off to get relpaths */
    etlc_lake_list_fn fn;
    void *userdata;
} list_ctx;

static int on_object(void *ud, const char *key, uint64_t size, int64_t mtime_us, const char *etag,
                     etlc_error *err)
{
    list_ctx *lc = ud;
    size_t klen = strlen(key);
    /* Folder markers ("a/b/") are not files. */
    if (klen <= lc->prefix_len || key[klen - 1] == '/')
        return 0;
    etlc_lake_entry e = {key + lc->prefix_len, size, mtime_us, etag};
    return lc->fn(lc->userdata, &e, err);
}

static int s3_list(etlc_lake *lake, const char *prefix, etlc_lake_list_fn fn, void *userdata,
                   etlc_error *err)
{
    char *key_prefix = etlc__lake_s3_key(lake, prefix);
    if (!key_prefix)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing %s", etlc_lake_root(lake));
    list_ctx lc = {strlen(etlc__lake_s3_prefix(lake)), fn, userdata};
    int rc = etlc__s3_list_objects(etlc__lake_s3_client(lake), key_prefix, 0, on_object, &lc, err);
    free(key_prefix);
    return rc;
}

/* ---- reading --------------------------------------------------------------- */

typedef struct s3_reader {
    etlc__s3_client *client;
    char *key;
    uint64_t size;
} s3_reader;

static int s3_reader_open(etlc_lake *lake, const char *relpath, void **rstate, uint64_t *size,
                          etlc_error *err)
{
    s3_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->key = etlc__lake_s3_key(lake, relpath))) {
        free(r);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening '%s'", relpath);
    }
    r->client = etlc__lake_s3_client(lake);
    int rc = etlc__s3_head_object(r->client, r->key, &r->size, err);
    if (rc) {
        free(r->key);
        free(r);
        return rc;
    }
    *size = r->size;
    *rstate = r;
    return 0;
}

static int s3_reader_pread(void *rstate, uint64_t offset, void *buf, size_t len, size_t *got,
                           etlc_error *err)
{
    s3_reader *r = rstate;
    *got = 0;
    if (offset >= r->size)
        return 0;
    if (len > r->size - offset)
        len = (size_t)(r->size - offset);
    return etlc__s3_get_range(r->client, r->key, offset, len, buf, got, err);
}

static void s3_reader_close(void *rstate)
{
    s3_reader *r = rstate;
    free(r->key);
    free(r);
}

static int s3_remove(etlc_lake *lake, const char *relpath, etlc_error *err)
{
    char *key = etlc__lake_s3_key(lake, relpath);
    if (!key)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory deleting '%s'", relpath);
    int rc = etlc__s3_delete_object(etlc__lake_s3_client(lake), key, err);
    if (rc == ETLC_IO_NOT_FOUND) { /* S3 answers 204 for absent keys; some servers 404 */
        etlc_error_clear(err);
        rc = 0;
    }
    free(key);
    return rc;
}

/* ---- leases ------------------------------------------------------------------ */

typedef struct s3_lease {
    etlc__s3_client *client;
    char *key;
    char *relpath;
    char *holder;
    char token[17];
    char *etag;            /* of our lease as last written */
    int64_t ttl_ms;
    int64_t acquired_us;
} s3_lease;

static void lease_free(s3_lease *l)
{
    if (!l)
        return;
    free(l->key);
    free(l->relpath);
    free(l->holder);
    free(l->etag);
    free(l);
}

/* The lease as stored now: body, ETag, token, expiry. IO_NOT_FOUND if none. */
typedef struct lease_seen {
    etlc__buf body;
    char *etag;
    char *token;
    int64_t expires_us;
} lease_seen;

static void seen_free(lease_seen *s)
{
    etlc__buf_free(&s->body);
    free(s->etag);
    free(s->token);
    memset(s, 0, sizeof *s);
}

static int lease_read(s3_lease *l, lease_seen *s, etlc_error *err)
{
    seen_free(s);
    int rc = etlc__s3_get_small(l->client, l->key, LEASE_MAX_BYTES, &s->body, &s->etag, err);
    /* Not a lease counts as expired; out of memory must not (a live lease
     * would be taken over). */
    if (rc == 0 && etlc__lake_hold_parse(s->body.data, s->body.len, NULL, &s->token, NULL, &s->expires_us) == -2)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading lease '%s'", l->relpath);
    return rc;
}

static int busy_from(s3_lease *l, const lease_seen *s, etlc_error *err)
{
    return etlc__lake_busy_error(err, l->relpath, s->body.data, s->body.len);
}

/* Write our lease: created if absent (if_match NULL), else replacing the
 * version if_match; then read back and keep it only if it is ours. */
static int lease_write(s3_lease *l, const char *if_match, lease_seen *seen, etlc_error *err)
{
    int64_t now = etlc__lake_now_us();
    char *body = etlc__lake_hold_json(l->holder, l->token, l->acquired_us ? l->acquired_us : now,
                                      now + l->ttl_ms * 1000);
    if (!body)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing lease '%s'", l->relpath);
    bool lost = false;
    char *etag = NULL;
    int rc = etlc__s3_put_if(l->client, l->key, body, strlen(body), "application/json", if_match,
                             &etag, &lost, err);
    free(body);
    free(etag);
    if (rc && !lost)
        return rc;
    /* Read back: who holds it now, and its ETag. */
    etlc_error rerr;
    etlc_error_clear(&rerr);
    int rrc = lease_read(l, seen, &rerr);
    if (rrc == ETLC_IO_NOT_FOUND)
        return etlc_error_set(err, ETLC_BUSY, "'%s' was released while being taken; try again",
                              l->relpath);
    if (rrc) {
        if (err)
            *err = rerr;
        return rrc;
    }
    if (!seen->token || strcmp(seen->token, l->token) != 0)
        return busy_from(l, seen, err);
    free(l->etag);
    l->etag = seen->etag;
    seen->etag = NULL;
    if (!l->acquired_us)
        l->acquired_us = now;
    etlc_error_clear(err);
    return 0;
}

static int lease_try(s3_lease *l, etlc_error *err)
{
    lease_seen seen = {0};
    int rc = lease_read(l, &seen, err);
    if (rc == ETLC_IO_NOT_FOUND) {
        etlc_error_clear(err);
        rc = lease_write(l, NULL, &seen, err);
    } else if (rc == 0 && seen.expires_us > etlc__lake_now_us()) {
        rc = busy_from(l, &seen, err);
    } else if (rc == 0) {
        /* Expired (or unreadable): take it over, but only the version we read. */
        etlc_log(ETLC_LOG_INFO, "lake.s3", "taking over the expired lease '%s'", l->relpath);
        char *etag = seen.etag;
        seen.etag = NULL;
        rc = lease_write(l, etag, &seen, err);
        free(etag);
    }
    seen_free(&seen);
    return rc;
}

static int s3_lock_try(etlc_lake *lake, const char *relpath, const char *holder, int64_t ttl_ms,
                       void **lstate, etlc_error *err)
{
    s3_lease *l = calloc(1, sizeof *l);
    if (!l || !(l->key = etlc__lake_s3_key(lake, relpath)) || !(l->relpath = etlc__strdup(relpath)) ||
        !(l->holder = etlc__strdup(holder))) {
        lease_free(l);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory taking lease '%s'", relpath);
    }
    l->client = etlc__lake_s3_client(lake);
    l->ttl_ms = ttl_ms;
    etlc__lake_random_hex(l->token);
    int rc = lease_try(l, err);
    if (rc) {
        lease_free(l);
        return rc;
    }
    *lstate = l;
    return 0;
}

static int s3_lock_renew(void *lstate, etlc_error *err)
{
    s3_lease *l = lstate;
    lease_seen seen = {0};
    int rc = lease_read(l, &seen, err);
    if (rc == ETLC_IO_NOT_FOUND || (rc == 0 && (!seen.token || strcmp(seen.token, l->token) != 0))) {
        rc = rc == 0 ? busy_from(l, &seen, err) : etlc_error_set(err, ETLC_BUSY, "'%s' was removed",
                                                               l->relpath);
        etlc_error_prefix(err, "lease lost");
    } else if (rc == 0) {
        char *etag = seen.etag;
        seen.etag = NULL;
        rc = lease_write(l, etag, &seen, err);
        free(etag);
    }
    seen_free(&seen);
    return rc;
}

static void s3_lock_release(void *lstate)
{
    s3_lease *l = lstate;
    lease_seen seen = {0};
    etlc_error e;
    etlc_error_clear(&e);
    int rc = lease_read(l, &seen, &e);
    if (rc == 0 && seen.token && strcmp(seen.token, l->token) == 0) {
        bool lost = false;
        rc = etlc__s3_delete_if(l->client, l->key, seen.etag, &lost, &e);
    }
    if (rc && rc != ETLC_IO_NOT_FOUND)
        etlc_log(ETLC_LOG_WARN, "lake.s3", "could not release lease '%s' (it expires by itself): %s",
                 l->relpath, e.message);
    seen_free(&seen);
    lease_free(l);
}

const etlc_lake_manage_ops etlc__lake_s3_manage = {
    .list = s3_list,
    .reader_open = s3_reader_open,
    .reader_pread = s3_reader_pread,
    .reader_close = s3_reader_close,
    .remove = s3_remove,
    .lock_try = s3_lock_try,
    .lock_renew = s3_lock_renew,
    .lock_release = s3_lock_release,
    .read_versioned = etlc__lake_s3_read_versioned,
    .put_if = etlc__lake_s3_put_if,
};
