/* The local-directory lake backend: temp file in the target directory,
 * fsync, rename, fsync the directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "sinks/lake_backend.h"

typedef struct local_file {
    int fd;             /* -1 once closed */
    char *tmp_path;
    char *final_path;
    bool keep_on_abort; /* an adopted file (a resumable part): abort leaves it */
} local_file;

int etlc__lake_errno_error(etlc_error *err, int e, const char *what, const char *path)
{
    int rc = etlc_error_set(err, etlc_code_from_errno(e), "%s '%s': %s", what, path, strerror(e));
    if (err) {
        err->native_code = e;
        err->retryable = e == EINTR || e == EAGAIN;
    }
    return rc;
}

void etlc__lake_random_hex(char out[17])
{
    unsigned char r[8];
    if (RAND_bytes(r, sizeof r) != 1) {
        /* No entropy source: still unique enough with pid and O_EXCL retries. */
        static unsigned counter;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t v = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (++counter * 2654435761u);
        memcpy(r, &v, sizeof r);
    }
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 8; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[16] = '\0';
}

static void local_release(local_file *lf)
{
    if (lf->fd >= 0)
        close(lf->fd);
    lf->fd = -1;
    free(lf->tmp_path);
    free(lf->final_path);
    lf->tmp_path = lf->final_path = NULL;
}

static int local_create(etlc_lake *lake, const char *relpath, void *fstate, etlc_error *err)
{
    local_file *lf = fstate;
    lf->fd = -1;
    etlc__buf final = {0}, dir = {0}, tmp = {0};
    int rc = 0;
    if (etlc__buf_printf(&final, "%s/%s", lake->root, relpath) != 0)
        goto nomem;
    const char *slash = strrchr(final.data, '/'); /* exists: root '/' relpath */
    if (etlc__buf_append(&dir, final.data, (size_t)(slash - final.data)) != 0)
        goto nomem;
    int e = etlc__mkdirs(dir.data, 0755);
    if (e) {
        rc = etlc__lake_errno_error(err, e, "cannot create lake directory", dir.data);
        goto done;
    }
    for (int attempt = 0; attempt < 8; attempt++) {
        char rnd[17];
        etlc__lake_random_hex(rnd);
        etlc__buf_reset(&tmp);
        if (etlc__buf_printf(&tmp, "%s/.%s.tmp-%ld-%s", dir.data, slash + 1, (long)getpid(), rnd) != 0)
            goto nomem;
        lf->fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (lf->fd >= 0 || errno != EEXIST)
            break;
    }
    if (lf->fd < 0) {
        rc = etlc__lake_errno_error(err, errno, "cannot create temporary lake file", tmp.data);
        goto done;
    }
    lf->tmp_path = etlc__buf_take(&tmp);
    lf->final_path = etlc__buf_take(&final);
    goto done;
nomem:
    rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating lake file '%s'", relpath);
done:
    etlc__buf_free(&final);
    etlc__buf_free(&dir);
    etlc__buf_free(&tmp);
    return rc;
}

static int local_write(void *fstate, const void *data, size_t len, etlc_error *err)
{
    local_file *lf = fstate;
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(lf->fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return etlc__lake_errno_error(err, errno, "cannot write lake file", lf->final_path);
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* fsync and close the descriptor; the temp file stays. */
static int local_seal(void *fstate, etlc_error *err)
{
    local_file *lf = fstate;
    if (lf->fd < 0)
        return 0;
    int rc = 0;
    if (fsync(lf->fd) != 0)
        rc = etlc__lake_errno_error(err, errno, "cannot fsync lake file", lf->final_path);
    if (close(lf->fd) != 0 && rc == 0)
        rc = etlc__lake_errno_error(err, errno, "cannot close lake file", lf->final_path);
    lf->fd = -1;
    return rc;
}

static void local_abort(void *fstate)
{
    local_file *lf = fstate;
    if (lf->fd >= 0)
        close(lf->fd);
    lf->fd = -1;
    if (lf->tmp_path && !lf->keep_on_abort)
        unlink(lf->tmp_path);
    local_release(lf);
}

int etlc__lake_local_adopt(etlc_lake *lake, const char *relpath, const char *path, void *fstate,
                           uint64_t *size, etlc_error *err)
{
    local_file *lf = fstate;
    lf->fd = -1;
    lf->keep_on_abort = true;
    etlc__buf final = {0};
    if (etlc__buf_printf(&final, "%s/%s", lake->root, relpath) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory adopting lake file '%s'", relpath);
    char *slash = strrchr(final.data, '/');
    *slash = '\0';
    int e = etlc__mkdirs(final.data, 0755);
    *slash = '/';
    int rc = e ? etlc__lake_errno_error(err, e, "cannot create lake directory for", final.data) : 0;
    struct stat st;
    if (rc == 0 && (lf->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)) < 0)
        rc = etlc__lake_errno_error(err, errno, "cannot open the file to adopt", path);
    if (rc == 0 && fstat(lf->fd, &st) != 0)
        rc = etlc__lake_errno_error(err, errno, "cannot stat the file to adopt", path);
    if (rc == 0 && !(lf->tmp_path = etlc__strdup(path)))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory adopting lake file '%s'", relpath);
    if (rc != 0) {
        etlc__buf_free(&final);
        local_release(lf);
        return rc;
    }
    lf->final_path = etlc__buf_take(&final);
    *size = (uint64_t)st.st_size;
    return 0;
}

/* sync_dir false: the caller fsyncs the directory later (etlc__dir_batch). */
static int commit_as(void *fstate, bool sync_dir, char **final_path, etlc_error *err)
{
    local_file *lf = fstate;
    int rc = local_seal(lf, err);
    if (rc) {
        local_abort(lf);
        return rc;
    }
    /* An overwrite (etlc_lake_put of a checkpoint) keeps the old version
     * under a second, temporary name until the new one is durable, so a
     * failure below puts it back instead of leaving nothing. */
    etlc__buf old = {0};
    if (etlc__buf_printf(&old, "%s.old", lf->tmp_path) != 0) {
        local_abort(lf);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory committing lake file");
    }
    unlink(old.data);
    bool have_old = link(lf->final_path, old.data) == 0;
    if (rename(lf->tmp_path, lf->final_path) != 0) {
        rc = etlc__lake_errno_error(err, errno, "cannot rename temporary file to", lf->final_path);
        if (have_old)
            unlink(old.data);
        etlc__buf_free(&old);
        local_abort(lf);
        return rc;
    }
    int e = sync_dir ? etlc__fsync_parent_dir(lf->final_path) : 0;
    if (e) {
        /* Not durable: take it back (the old version back) so the caller
         * can retry the whole file. */
        rc = etlc__lake_errno_error(err, e, "cannot fsync the directory of", lf->final_path);
        if (!(have_old && rename(old.data, lf->final_path) == 0))
            unlink(lf->final_path);
        else
            have_old = false;
        etlc__fsync_parent_dir(lf->final_path);
    }
    if (have_old)
        unlink(old.data);
    etlc__buf_free(&old);
    if (e) {
        local_release(lf);
        return rc;
    }
    *final_path = lf->final_path;
    lf->final_path = NULL;
    local_release(lf);
    return 0;
}

static int local_commit(void *fstate, char **final_path, etlc_error *err)
{
    return commit_as(fstate, true, final_path, err);
}

static int local_commit_nodirsync(void *fstate, char **final_path, etlc_error *err)
{
    return commit_as(fstate, false, final_path, err);
}

static int local_remove_committed(etlc_lake *lake, const char *final_path, etlc_error *err)
{
    (void)lake;
    if (unlink(final_path) != 0 && errno != ENOENT)
        return etlc__lake_errno_error(err, errno, "cannot remove lake file", final_path);
    int e = etlc__fsync_parent_dir(final_path);
    return e ? etlc__lake_errno_error(err, e, "cannot fsync the directory of", final_path) : 0;
}

const etlc_lake_backend etlc__lake_backend_local = {
    .name = "local",
    .file_state_size = sizeof(local_file),
    .create = local_create,
    .write = local_write,
    .seal = local_seal,
    .commit = local_commit,
    .commit_nodirsync = local_commit_nodirsync,
    .abort = local_abort,
    .remove_committed = local_remove_committed,
    .close = NULL,
    .manage = &etlc__lake_local_manage,
};

int etlc_lake_open_local(const char *root, etlc_lake **out, etlc_error *err)
{
    *out = NULL;
    if (!root || !*root)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "lake root directory is empty");
    etlc_lake *lake = calloc(1, sizeof *lake);
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/') /* "lake/" and "lake" are the same root */
        n--;
    if (!lake || !(lake->root = etlc__strndup(root, n))) {
        free(lake);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory opening lake '%s'", root);
    }
    lake->backend = &etlc__lake_backend_local;
    int e = etlc__mkdirs(lake->root, 0755);
    struct stat st;
    if (!e && stat(lake->root, &st) != 0)
        e = errno;
    if (!e && !S_ISDIR(st.st_mode))
        e = ENOTDIR;
    if (e) {
        int rc = etlc__lake_errno_error(err, e, "cannot create lake root", lake->root);
        etlc_lake_free(lake);
        return rc;
    }
    *out = lake;
    return 0;
}
