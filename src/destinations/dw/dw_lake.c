/* Lake URIs -> local files for a load. A load is one transaction over all
 * its files, so s3:// files are downloaded first into a private temporary
 * directory (1 MiB at a time: memory stays bounded, disk holds the files)
 * and removed after. Local paths pass through untouched. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dw_internal.h"
#include "sinks/lake_backend.h"

#define CHUNK ((size_t)1 << 20)

bool etlc__dw_loadable_name(const char *name)
{
    return etlc__format_of_name(name) != NULL;
}

static int push(char ***arr, size_t *n, char *s)
{
    char **p = realloc(*arr, (*n + 1) * sizeof *p);
    if (!p || !s) {
        if (p)
            *arr = p;
        free(s);
        return -1;
    }
    *arr = p;
    p[(*n)++] = s;
    return 0;
}

static char *joined(const char *a, const char *b)
{
    etlc__buf buf = {0};
    if (etlc__buf_printf(&buf, "%s/%s", a, b) != 0) {
        etlc__buf_free(&buf);
        return NULL;
    }
    return etlc__buf_take(&buf);
}

/* Copy one lake file to `path`, CHUNK bytes at a time. */
static int download(etlc_lake *lake, const char *relpath, const char *path, char *chunk,
                    etlc_error *err)
{
    etlc_lake_reader *r = NULL;
    uint64_t size = 0;
    int rc = etlc_lake_reader_open(lake, relpath, &r, &size, err);
    if (rc)
        return rc;
    char *slash = strrchr(path, '/');
    *slash = '\0';
    int e = etlc__mkdirs(path, 0700);
    *slash = '/';
    int fd = e ? -1 : open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        rc = etlc_error_set(err, etlc_code_from_errno(e ? e : errno), "dw load: cannot stage '%s': %s",
                            path, strerror(e ? e : errno));
    for (uint64_t off = 0; rc == 0 && off < size;) {
        size_t got = 0;
        rc = etlc_lake_reader_pread(r, off, chunk, CHUNK, &got, err);
        if (rc == 0 && got == 0)
            rc = etlc_error_set(err, ETLC_IO, "dw load: %s/%s ended early (changed while read?)",
                                etlc_lake_root(lake), relpath);
        for (size_t done = 0; rc == 0 && done < got;) {
            ssize_t w = write(fd, chunk + done, got - done);
            if (w < 0 && errno != EINTR)
                rc = etlc_error_set(err, etlc_code_from_errno(errno), "dw load: cannot stage '%s': %s",
                                    path, strerror(errno));
            else if (w > 0)
                done += (size_t)w;
        }
        off += got;
    }
    if (fd >= 0 && close(fd) != 0 && rc == 0)
        rc = etlc_error_set(err, ETLC_IO, "dw load: cannot stage '%s': %s", path, strerror(errno));
    etlc_lake_reader_close(r);
    return rc;
}

typedef struct stage_ctx {
    etlc_lake *lake;
    dw_staged *st;
    char *chunk;
} stage_ctx;

/* Remember that `local` is the download of `uri` (both owned on success). */
static int add_pair(dw_staged *st, char *local, char *uri)
{
    char **l = realloc(st->local, (st->nlocal + 1) * sizeof *l);
    if (!l)
        return -1;
    st->local = l;
    char **u = realloc(st->uri, (st->nlocal + 1) * sizeof *u);
    if (!u)
        return -1;
    st->uri = u;
    l[st->nlocal] = local;
    u[st->nlocal] = uri;
    st->nlocal++;
    return 0;
}

static int stage_entry(void *ud, const etlc_lake_entry *e, etlc_error *err)
{
    stage_ctx *sc = ud;
    if (!etlc__dw_loadable_name(e->relpath))
        return 0;
    dw_staged *st = sc->st;
    char *local = joined(st->tmpdir, e->relpath);
    char *uri = joined(etlc_lake_root(sc->lake), e->relpath);
    if (!local || !uri || add_pair(st, local, uri) != 0) {
        free(local);
        free(uri);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory staging a load");
    }
    if (push(&st->paths, &st->npaths, etlc__strdup(local)) != 0)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory staging a load");
    return download(sc->lake, e->relpath, local, sc->chunk, err);
}

static void remove_tree(const char *dir);

/* Staging directories "etlconn-load-<pid>-XXXXXX" of loads that were killed
 * (kill -9 leaves no chance to remove them): removed by the next load. */
static void sweep_dead_stages(const char *base)
{
    DIR *d = opendir(base);
    struct dirent *de;
    static const char prefix[] = "etlconn-load-";
    while (d && (de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, prefix, sizeof prefix - 1) != 0)
            continue;
        char *end;
        long pid = strtol(de->d_name + sizeof prefix - 1, &end, 10);
        if (pid <= 0 || *end != '-' || !etlc__lake_process_gone(pid))
            continue;
        etlc__buf full = {0};
        if (etlc__buf_printf(&full, "%s/%s", base, de->d_name) == 0) {
            remove_tree(full.data);
            etlc_log(ETLC_LOG_INFO, "dw", "removed staging directory '%s' of a killed load (pid %ld)", full.data, pid);
        }
        etlc__buf_free(&full);
    }
    if (d)
        closedir(d);
}

static int make_tmpdir(dw_staged *st, etlc_error *err)
{
    if (st->tmpdir)
        return 0;
    const char *base = getenv("TMPDIR");
    base = base && *base ? base : "/tmp";
    etlc__buf b = {0};
    if (etlc__buf_printf(&b, "%s/etlconn-load-%ld-XXXXXX", base, (long)getpid()) != 0) {
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory staging a load");
    }
    if (!mkdtemp(b.data)) {
        int rc = etlc_error_set(err, etlc_code_from_errno(errno),
                                "dw load: cannot create a staging directory '%s' (TMPDIR): %s",
                                b.data, strerror(errno));
        etlc__buf_free(&b);
        return rc;
    }
    st->tmpdir = etlc__buf_take(&b);
    return 0;
}

static int stage_s3(const char *uri, const struct etlc_lake_s3_options *s3, dw_staged *st,
                    etlc_error *err)
{
    etlc_lake *lake = NULL;
    int rc = make_tmpdir(st, err);
    if (rc == 0)
        rc = etlc_lake_open_uri(uri, s3, &lake, err);
    stage_ctx sc = {lake, st, rc ? NULL : malloc(CHUNK)};
    if (rc == 0 && !sc.chunk)
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory staging a load");
    size_t before = st->npaths;
    if (rc == 0)
        rc = etlc_lake_list(lake, "", stage_entry, &sc, err);
    if (rc == 0 && st->npaths == before)
        rc = etlc_error_set(err, ETLC_IO_NOT_FOUND,
                            "dw load: no .parquet, .jsonl or .csv files under %s", uri);
    if (rc)
        etlc_error_prefix(err, "loading from %s", uri);
    free(sc.chunk);
    etlc_lake_free(lake);
    return rc;
}

int etlc__dw_stage(const char *const *sources, size_t n, const struct etlc_lake_s3_options *s3,
                   dw_staged *st, etlc_error *err)
{
    const char *tmp = getenv("TMPDIR");
    sweep_dead_stages(tmp && *tmp ? tmp : "/tmp");
    memset(st, 0, sizeof *st);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (strncmp(sources[i], "s3://", 5) == 0)
            rc = stage_s3(sources[i], s3, st, err);
        else if (push(&st->paths, &st->npaths, etlc__strdup(sources[i])) != 0)
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory staging a load");
    }
    if (rc)
        etlc__dw_staged_free(st);
    return rc;
}

int etlc__dw_unstage_paths(const dw_staged *st, etlc_dw_load_result *r)
{
    for (size_t i = 0; i < r->file_count; i++) {
        for (size_t j = 0; j < st->nlocal; j++) {
            if (strcmp(r->files[i].path, st->local[j]) != 0)
                continue;
            char *uri = etlc__strdup(st->uri[j]);
            if (!uri)
                return -1;
            free(r->files[i].path);
            r->files[i].path = uri;
            break;
        }
    }
    return 0;
}

static int remove_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb, (void)ftw;
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* Our private staging directory, deepest first, links not followed. */
static void remove_tree(const char *dir)
{
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void etlc__dw_staged_free(dw_staged *st)
{
    for (size_t i = 0; i < st->nlocal; i++) {
        unlink(st->local[i]);
        free(st->local[i]);
        free(st->uri[i]);
    }
    for (size_t i = 0; i < st->npaths; i++)
        free(st->paths[i]);
    if (st->tmpdir) {
        remove_tree(st->tmpdir);
        free(st->tmpdir);
    }
    free(st->paths);
    free(st->local);
    free(st->uri);
    memset(st, 0, sizeof *st);
}
