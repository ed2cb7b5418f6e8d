/* The local lake's reading and managing side: recursive listing in byte
 * order, positional reads, delete, and flock(2) holds. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sinks/lake_backend.h"

/* A temporary file of an uncommitted write: ".<name>.tmp-<pid>-<hex>"
 * (lake_local.c). */
static bool is_temp_name(const char *name)
{
    return name[0] == '.' && strstr(name, ".tmp-") != NULL;
}

typedef struct found {
    char *relpath;
    uint64_t size;
    int64_t mtime_us;
} found;

typedef struct walk {
    const char *root;
    const char *prefix;
    size_t prefix_len;
    found *items;
    size_t n, cap;
    etlc_error *err;
} walk;

static int add_found(walk *w, const char *relpath, const struct stat *st)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        found *p = realloc(w->items, cap * sizeof *p);
        if (!p)
            return etlc_error_set(w->err, ETLC_NO_MEMORY, "out of memory listing lake '%s'", w->root);
        w->items = p;
        w->cap = cap;
    }
    char *copy = etlc__strdup(relpath);
    if (!copy)
        return etlc_error_set(w->err, ETLC_NO_MEMORY, "out of memory listing lake '%s'", w->root);
    w->items[w->n++] = (found){copy, (uint64_t)st->st_size,
                               (int64_t)st->st_mtim.tv_sec * 1000000 + st->st_mtim.tv_nsec / 1000};
    return 0;
}

/* Could anything under directory `rel` (no trailing '/') match the prefix? */
static bool dir_may_match(const walk *w, const char *rel, size_t rel_len)
{
    size_t n = rel_len < w->prefix_len ? rel_len : w->prefix_len;
    if (memcmp(rel, w->prefix, n) != 0)
        return false;
    return rel_len >= w->prefix_len || w->prefix[rel_len] == '/';
}

static int walk_dir(walk *w, etlc__buf *rel);

static int walk_entry(walk *w, etlc__buf *rel, int dirfd, const char *name)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return errno == ENOENT ? 0 : etlc__lake_errno_error(w->err, errno, "cannot stat lake file", name);
    size_t keep = rel->len;
    if ((keep && etlc__buf_putc(rel, '/') != 0) || etlc__buf_puts(rel, name) != 0)
        return etlc_error_set(w->err, ETLC_NO_MEMORY, "out of memory listing lake '%s'", w->root);
    int rc = 0;
    if (S_ISDIR(st.st_mode)) {
        if (dir_may_match(w, rel->data, rel->len))
            rc = walk_dir(w, rel);
    } else if (S_ISREG(st.st_mode) && strncmp(rel->data, w->prefix, w->prefix_len) == 0) {
        rc = add_found(w, rel->data, &st);
    }
    rel->len = keep;
    rel->data[keep] = '\0';
    return rc;
}

static int walk_dir(walk *w, etlc__buf *rel)
{
    etlc__buf path = {0};
    if (etlc__buf_printf(&path, "%s%s%s", w->root, rel->len ? "/" : "", rel->len ? rel->data : "") != 0)
        return etlc_error_set(w->err, ETLC_NO_MEMORY, "out of memory listing lake '%s'", w->root);
    DIR *d = opendir(path.data);
    if (!d) {
        int e = errno;
        int rc = e == ENOENT ? 0 : etlc__lake_errno_error(w->err, e, "cannot list lake directory", path.data);
        etlc__buf_free(&path);
        return rc;
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (errno = 0, de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 || is_temp_name(de->d_name))
            continue;
        rc = walk_entry(w, rel, dirfd(d), de->d_name);
    }
    if (rc == 0 && errno != 0)
        rc = etlc__lake_errno_error(w->err, errno, "cannot list lake directory", path.data);
    closedir(d);
    etlc__buf_free(&path);
    return rc;
}

static int cmp_found(const void *a, const void *b)
{
    return strcmp(((const found *)a)->relpath, ((const found *)b)->relpath);
}

static int local_list(etlc_lake *lake, const char *prefix, etlc_lake_list_fn fn, void *userdata,
                      etlc_error *err)
{
    walk w = {.root = lake->root, .prefix = prefix, .prefix_len = strlen(prefix), .err = err};
    etlc__buf rel = {0};
    if (etlc__buf_reserve(&rel, 256) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory listing lake '%s'", lake->root);
    rel.data[0] = '\0';
    int rc = walk_dir(&w, &rel);
    etlc__buf_free(&rel);
    if (rc == 0 && w.n > 1) /* qsort(NULL, 0, ...) is undefined */
        qsort(w.items, w.n, sizeof *w.items, cmp_found);
    for (size_t i = 0; i < w.n; i++) {
        if (rc == 0) {
            etlc_lake_entry e = {w.items[i].relpath, w.items[i].size, w.items[i].mtime_us, NULL};
            rc = fn(userdata, &e, err);
        }
        free(w.items[i].relpath);
    }
    free(w.items);
    return rc;
}

/* ---- reading --------------------------------------------------------------- */

typedef struct local_reader {
    int fd;
    char *path;
} local_reader;

static char *join(const etlc_lake *lake, const char *relpath)
{
    etlc__buf b = {0};
    if (etlc__buf_printf(&b, "%s/%s", lake->root, relpath) != 0) {
        etlc__buf_free(&b);
        return NULL;
    }
    return etlc__buf_take(&b);
}

static int local_reader_open(etlc_lake *lake, const char *relpath, void **rstate, uint64_t *size,
                             etlc_error *err)
{
    local_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = join(lake, relpath))) {
        free(r);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening lake file '%s'", relpath);
    }
    struct stat st;
    r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
    int e = r->fd < 0 ? errno : fstat(r->fd, &st) != 0 ? errno : S_ISREG(st.st_mode) ? 0 : EISDIR;
    if (e) {
        int rc = etlc__lake_errno_error(err, e, "cannot open lake file", r->path);
        if (r->fd >= 0)
            close(r->fd);
        free(r->path);
        free(r);
        return rc;
    }
    *size = (uint64_t)st.st_size;
    *rstate = r;
    return 0;
}

static int local_reader_pread(void *rstate, uint64_t offset, void *buf, size_t len, size_t *got,
                              etlc_error *err)
{
    local_reader *r = rstate;
    char *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(r->fd, p + done, len - done, (off_t)(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return etlc__lake_errno_error(err, errno, "cannot read lake file", r->path);
        if (n == 0)
            break; /* end of file */
        done += (size_t)n;
    }
    *got = done;
    return 0;
}

static void local_reader_close(void *rstate)
{
    local_reader *r = rstate;
    close(r->fd);
    free(r->path);
    free(r);
}

static int local_remove(etlc_lake *lake, const char *relpath, etlc_error *err)
{
    char *path = join(lake, relpath);
    if (!path)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory deleting lake file '%s'", relpath);
    int rc = 0;
    if (unlink(path) != 0) {
        if (errno != ENOENT && errno != ENOTDIR)
            rc = etlc__lake_errno_error(err, errno, "cannot remove lake file", path);
    } else {
        int e = etlc__fsync_parent_dir(path);
        if (e)
            rc = etlc__lake_errno_error(err, e, "cannot fsync the directory of", path);
    }
    free(path);
    return rc;
}

/* ---- holds ------------------------------------------------------------------
 * flock(2) belongs to the open file description, so the kernel drops it when
 * the holder dies and a second open in the same process conflicts too. The
 * lock file is never removed (removing it would let two runs lock two
 * different inodes); its text names the current holder (emptied at release;
 * a holder that died leaves its name until the next one writes its own). */

typedef struct local_lock {
    int fd;
} local_lock;

/* The holder text of a held lock file, for the BUSY message. */
static int busy_from_fd(int fd, const char *relpath, etlc_error *err)
{
    char text[2048];
    ssize_t n = 0;
    /* The holder writes its name right after taking the lock: a lock just
     * taken may still read empty or half written, so look again before
     * saying the holder is unknown — for up to about 2 s, pauses growing
     * from 2 to 50 ms (a loaded machine has kept a holder from writing
     * for over 100 ms). */
    long pause_ns = 2 * 1000 * 1000, waited_ns = 0;
    for (;;) {
        n = pread(fd, text, sizeof text - 1, 0);
        if (n > 0 && etlc__lake_hold_parse(text, (size_t)n, NULL, NULL, NULL, NULL) == 0)
            break;
        if (waited_ns >= 2000L * 1000 * 1000)
            break;
        struct timespec pause = {0, pause_ns};
        nanosleep(&pause, NULL);
        waited_ns += pause_ns;
        pause_ns = pause_ns * 2 > 50L * 1000 * 1000 ? 50L * 1000 * 1000 : pause_ns * 2;
    }
    return etlc__lake_busy_error(err, relpath, text, n > 0 ? (size_t)n : 0);
}

static int write_holder(int fd, const char *holder, const char *path, etlc_error *err)
{
    char *text = etlc__lake_hold_json(holder, NULL, etlc__lake_now_us(), 0);
    if (!text)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing lake hold '%s'", path);
    size_t len = strlen(text), done = 0;
    int e = ftruncate(fd, 0) != 0 ? errno : 0;
    while (!e && done < len) {
        ssize_t n = pwrite(fd, text + done, len - done, (off_t)done);
        if (n < 0 && errno != EINTR)
            e = errno;
        else if (n > 0)
            done += (size_t)n;
    }
    free(text);
    return e ? etlc__lake_errno_error(err, e, "cannot write lake hold", path) : 0;
}

static int local_lock_try(etlc_lake *lake, const char *relpath, const char *holder, int64_t ttl_ms,
                          void **lstate, etlc_error *err)
{
    (void)ttl_ms; /* the kernel ends a local hold with its process */
    char *path = join(lake, relpath);
    local_lock *lk = calloc(1, sizeof *lk);
    int rc = 0;
    if (!path || !lk) {
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory taking lake hold '%s'", relpath);
        goto fail;
    }
    lk->fd = -1;
    char *slash = strrchr(path, '/');
    *slash = '\0';
    int e = etlc__mkdirs(path, 0755);
    *slash = '/';
    if (e) {
        rc = etlc__lake_errno_error(err, e, "cannot create the directory of lake hold", path);
        goto fail;
    }
    lk->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lk->fd < 0) {
        rc = etlc__lake_errno_error(err, errno, "cannot open lake hold", path);
        goto fail;
    }
    while ((e = flock(lk->fd, LOCK_EX | LOCK_NB) != 0 ? errno : 0) == EINTR) {
    }
    if (e == EWOULDBLOCK)
        rc = busy_from_fd(lk->fd, relpath, err);
    else if (e)
        rc = etlc__lake_errno_error(err, e, "cannot lock lake hold", path);
    else
        rc = write_holder(lk->fd, holder, path, err);
    if (rc)
        goto fail;
    free(path);
    *lstate = lk;
    return 0;
fail:
    if (lk && lk->fd >= 0)
        close(lk->fd);
    free(lk);
    free(path);
    return rc;
}

static void local_lock_release(void *lstate)
{
    local_lock *lk = lstate;
    /* Empty the name first: the next holder has the lock before it writes
     * its own, and a run refused in that moment must not read ours. */
    if (ftruncate(lk->fd, 0) != 0)
        etlc_log(ETLC_LOG_DEBUG, "lake", "cannot empty a lake hold before releasing it");
    close(lk->fd); /* drops the flock */
    free(lk);
}

const etlc_lake_manage_ops etlc__lake_local_manage = {
    .list = local_list,
    .reader_open = local_reader_open,
    .reader_pread = local_reader_pread,
    .reader_close = local_reader_close,
    .remove = local_remove,
    .lock_try = local_lock_try,
    .lock_renew = NULL,
    .lock_release = local_lock_release,
};
