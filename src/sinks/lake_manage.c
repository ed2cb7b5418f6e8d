/* The lake's generic layer for reading and managing committed files:
 * checks paths, then dispatches to the backend. Holds are polled here so
 * every backend waits the same way. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sinks/lake_backend.h"

#define READ_DEFAULT_CAP ((size_t)64 * 1024 * 1024)

struct etlc_lake_reader {
    const etlc_lake_manage_ops *ops;
    void *state;
};

struct etlc_lake_lock {
    const etlc_lake_manage_ops *ops;
    void *state;
    int64_t ttl_ms;   /* 0: never expires */
};

static int unsupported(const etlc_lake *lake, const char *what, etlc_error *err)
{
    return etlc_error_set(err, ETLC_UNSUPPORTED, "the %s lake backend cannot %s",
                          lake->backend->name, what);
}

/* A prefix may end with '/' (a "directory"); the rest must be a relpath. */
static int check_prefix(const char *prefix, etlc_error *err)
{
    size_t n = strlen(prefix);
    while (n > 0 && prefix[n - 1] == '/')
        n--;
    if (n == 0)
        return strlen(prefix) ? etlc_error_set(err, ETLC_IO_PATH, "lake prefix '%s' is absolute",
                                               prefix)
                              : 0;
    char *head = etlc__strndup(prefix, n);
    if (!head)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory checking lake prefix");
    int rc = etlc_lake_check_relpath(head, err);
    free(head);
    return rc;
}

int etlc_lake_list(etlc_lake *lake, const char *prefix, etlc_lake_list_fn fn, void *userdata,
                   etlc_error *err)
{
    if (!prefix)
        prefix = "";
    int rc = check_prefix(prefix, err);
    if (rc)
        return rc;
    if (!lake->backend->manage || !lake->backend->manage->list)
        return unsupported(lake, "list files", err);
    return lake->backend->manage->list(lake, prefix, fn, userdata, err);
}

int etlc_lake_reader_open(etlc_lake *lake, const char *relpath, etlc_lake_reader **out,
                          uint64_t *size, etlc_error *err)
{
    *out = NULL;
    int rc = etlc_lake_check_relpath(relpath, err);
    if (rc)
        return rc;
    if (!lake->backend->manage || !lake->backend->manage->reader_open)
        return unsupported(lake, "read files", err);
    etlc_lake_reader *r = calloc(1, sizeof *r);
    if (!r)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening lake file '%s'", relpath);
    r->ops = lake->backend->manage;
    uint64_t sz = 0;
    rc = lake->backend->manage->reader_open(lake, relpath, &r->state, &sz, err);
    if (rc) {
        free(r);
        return rc;
    }
    if (size)
        *size = sz;
    *out = r;
    return 0;
}

int etlc_lake_reader_pread(etlc_lake_reader *r, uint64_t offset, void *buf, size_t len, size_t *got,
                           etlc_error *err)
{
    *got = 0;
    if (len == 0)
        return 0;
    return r->ops->reader_pread(r->state, offset, buf, len, got, err);
}

void etlc_lake_reader_close(etlc_lake_reader *r)
{
    if (!r)
        return;
    r->ops->reader_close(r->state);
    free(r);
}

int etlc_lake_read(etlc_lake *lake, const char *relpath, size_t max_bytes, char **data, size_t *len,
                   etlc_error *err)
{
    *data = NULL;
    *len = 0;
    if (max_bytes == 0)
        max_bytes = READ_DEFAULT_CAP;
    etlc_lake_reader *r = NULL;
    uint64_t size = 0;
    int rc = etlc_lake_reader_open(lake, relpath, &r, &size, err);
    if (rc)
        return rc;
    if (size > max_bytes) {
        etlc_lake_reader_close(r);
        return etlc_error_set(err, ETLC_IO, "lake file '%s' is %llu bytes, more than the %zu read here",
                              relpath, (unsigned long long)size, max_bytes);
    }
    char *buf = malloc((size_t)size + 1);
    if (!buf) {
        etlc_lake_reader_close(r);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading lake file '%s'", relpath);
    }
    size_t got = 0;
    rc = etlc_lake_reader_pread(r, 0, buf, (size_t)size, &got, err);
    etlc_lake_reader_close(r);
    if (rc == 0 && got != size)
        rc = etlc_error_set(err, ETLC_IO, "lake file '%s' changed while being read", relpath);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return 0;
}

int etlc_lake_put(etlc_lake *lake, const char *relpath, const void *data, size_t len,
                  etlc_error *err)
{
    etlc_lake_file *f = NULL;
    int rc = etlc_lake_file_create(lake, relpath, &f, err);
    if (rc)
        return rc;
    rc = etlc_lake_file_write(f, data, len, err);
    if (rc) {
        etlc_lake_file_abort(f);
        return rc;
    }
    uint64_t bytes = 0;
    char sha[65];
    char *final_path = NULL;
    rc = etlc_lake_file_commit(f, &bytes, sha, &final_path, err);
    free(final_path);
    return rc;
}

int etlc_lake_delete(etlc_lake *lake, const char *relpath, etlc_error *err)
{
    int rc = etlc_lake_check_relpath(relpath, err);
    if (rc)
        return rc;
    if (!lake->backend->manage || !lake->backend->manage->remove)
        return unsupported(lake, "delete files", err);
    return lake->backend->manage->remove(lake, relpath, err);
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

int etlc_lake_lock_acquire(etlc_lake *lake, const char *relpath, const char *holder, int64_t wait_ms,
                           int64_t ttl_ms, etlc_lake_lock **out, etlc_error *err)
{
    *out = NULL;
    int rc = etlc_lake_check_relpath(relpath, err);
    if (rc)
        return rc;
    if (!lake->backend->manage || !lake->backend->manage->lock_try)
        return unsupported(lake, "hold files", err);
    if (ttl_ms <= 0)
        ttl_ms = 10 * 60 * 1000;
    etlc_lake_lock *lk = calloc(1, sizeof *lk);
    if (!lk)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory taking lake hold '%s'", relpath);
    lk->ops = lake->backend->manage;
    lk->ttl_ms = lk->ops->lock_renew ? ttl_ms : 0;
    double deadline = etlc__monotonic_ms() + (double)(wait_ms > 0 ? wait_ms : 0);
    int64_t pause = 20;
    for (;;) {
        rc = lake->backend->manage->lock_try(lake, relpath, holder ? holder : "", ttl_ms, &lk->state, err);
        double left = deadline - etlc__monotonic_ms();
        if (rc != ETLC_BUSY || left <= 0)
            break;
        sleep_ms(pause < (int64_t)left ? pause : (int64_t)left + 1);
        if (pause < 500)
            pause *= 2;
    }
    if (rc) {
        free(lk);
        return rc;
    }
    *out = lk;
    return 0;
}

int etlc_lake_lock_renew(etlc_lake_lock *lock, etlc_error *err)
{
    return lock->ops->lock_renew ? lock->ops->lock_renew(lock->state, err) : 0;
}

int64_t etlc__lake_lock_ttl_ms(const etlc_lake_lock *lock) { return lock ? lock->ttl_ms : 0; }

void etlc_lake_lock_release(etlc_lake_lock *lock)
{
    if (!lock)
        return;
    lock->ops->lock_release(lock->state);
    free(lock);
}
