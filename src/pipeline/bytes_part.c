/* The resumable spool (see bytes_part.h): part files and their sidecars. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "core/json_load.h"
#include "etlconn/lake.h"
#include "pipeline/bytes_part.h"

#define REPLAY_CHUNK ((size_t)1 << 20)

static int spool_base(etlc__buf *b, const char *lake_root)
{
    if (strncmp(lake_root, "s3://", 5) != 0)
        return etlc__buf_printf(b, "%s/_partial", lake_root);
    char h[65];
    if (etlc__sha256_hex(lake_root, strlen(lake_root), h) != 0)
        return -1;
    h[16] = '\0';
    const char *env = getenv("ETLCONN_PARTIAL_DIR");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (env && *env)
        return etlc__buf_printf(b, "%s/%s", env, h);
    if (xdg && *xdg)
        return etlc__buf_printf(b, "%s/etlconn/partial/%s", xdg, h);
    return etlc__buf_printf(b, "%s/.cache/etlconn/partial/%s", home && *home ? home : "/tmp", h);
}

int etlc__part_spool_init(etlc__part_spool *sp, const char *lake_root, const char *protocol,
                          const char *source, const char *definition, etlc_error *err)
{
    memset(sp, 0, sizeof *sp);
    etlc__buf tail = {0}, dir = {0};
    if (etlc__buf_printf(&tail, "%s/%s/%s", protocol, source, definition) != 0 ||
        spool_base(&dir, lake_root) != 0 || etlc__buf_printf(&dir, "/%s", tail.data) != 0) {
        etlc__buf_free(&tail);
        etlc__buf_free(&dir);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming the partial-download spool");
    }
    int rc = etlc_lake_check_relpath(tail.data, err);
    etlc__buf_free(&tail);
    if (rc != 0) {
        etlc__buf_free(&dir);
        return rc;
    }
    sp->dir = etlc__buf_take(&dir);
    return 0;
}

void etlc__part_spool_free(etlc__part_spool *sp)
{
    free(sp->dir);
    sp->dir = NULL;
}

/* ---- sidecars ------------------------------------------------------------ */

static bool same_version(json_t *m, const etlc_resource *res)
{
    const char *name = json_string_value(json_object_get(m, "name"));
    const char *etag = json_string_value(json_object_get(m, "etag"));
    return name && strcmp(name, res->name) == 0 &&
           json_integer_value(json_object_get(m, "size")) == res->size &&
           json_integer_value(json_object_get(m, "mtime_us")) == res->mtime_us &&
           ((!etag && !res->etag) || (etag && res->etag && strcmp(etag, res->etag) == 0));
}

static json_t *sidecar_load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char text[8192];
    size_t n = fread(text, 1, sizeof text, f);
    fclose(f);
    if (n == sizeof text)
        return NULL; /* not one of ours */
    bool oom = false;
    json_t *m = etlc__json_loadb(text, n, 0, NULL, &oom);
    if (m && !json_is_object(m)) {
        json_decref(m);
        m = NULL;
    }
    return m;
}

/* Write atomically (temporary name + rename) so a kill leaves the old
 * sidecar or the new one. */
static int sidecar_write(const etlc__part *p, const etlc_resource *res, etlc_error *err)
{
    json_t *m = json_pack("{s:s,s:I,s:I,s:s?}", "name", res->name, "size", (json_int_t)res->size,
                          "mtime_us", (json_int_t)res->mtime_us, "etag", res->etag);
    char *text = m ? json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(m);
    etlc__buf tmp = {0};
    if (!text || etlc__buf_printf(&tmp, "%s.tmp", p->meta) != 0) {
        free(text);
        etlc__buf_free(&tmp);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory describing a partial download");
    }
    FILE *f = fopen(tmp.data, "wb");
    bool ok = f && fputs(text, f) >= 0;
    ok = (f && fclose(f) == 0) && ok;
    int e = errno;
    ok = ok && rename(tmp.data, p->meta) == 0;
    if (!ok)
        e = errno, unlink(tmp.data);
    int rc = ok ? 0 : etlc_error_set(err, e == ENOSPC ? ETLC_IO_NO_SPACE : ETLC_IO,
                                     "cannot write '%s': %s", p->meta, strerror(e));
    free(text);
    etlc__buf_free(&tmp);
    return rc;
}

/* ---- one part -------------------------------------------------------------- */

static int part_names(etlc__part_spool *sp, const char *name, etlc__part *p, etlc_error *err)
{
    char h[65];
    etlc__buf a = {0}, b = {0};
    if (etlc__sha256_hex(name, strlen(name), h) != 0 ||
        etlc__buf_printf(&a, "%s/%s.part", sp->dir, h) != 0 ||
        etlc__buf_printf(&b, "%s/%s.json", sp->dir, h) != 0) {
        etlc__buf_free(&a);
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming a partial download");
    }
    p->path = etlc__buf_take(&a);
    p->meta = etlc__buf_take(&b);
    return 0;
}

/* Bytes of the part that may be kept for `res`; 0 to start again. */
static int64_t resumable(const etlc__part *p, const etlc_resource *res)
{
    json_t *m = sidecar_load(p->meta);
    bool same = m && same_version(m, res);
    json_decref(m);
    struct stat st;
    if (!same || stat(p->path, &st) != 0 || (int64_t)st.st_size > res->size)
        return 0;
    return (int64_t)st.st_size;
}

int etlc__part_open(etlc__part_spool *sp, const etlc_resource *res, bool resume, etlc__part *p,
                    etlc_error *err)
{
    memset(p, 0, sizeof *p);
    p->fd = -1;
    int e = etlc__mkdirs(sp->dir, 0755);
    if (e != 0)
        return etlc_error_set(err, e == ENOMEM ? ETLC_NO_MEMORY : ETLC_IO,
                              "cannot create the partial-download spool '%s': %s", sp->dir, strerror(e));
    int rc = part_names(sp, res->name, p, err);
    if (rc != 0)
        return rc;
    p->have = resume ? resumable(p, res) : 0;
    if (p->have == 0) {
        unlink(p->path);
        rc = sidecar_write(p, res, err);
    }
    if (rc == 0) {
        p->fd = open(p->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (p->have ? 0 : O_TRUNC), 0644);
        if (p->fd < 0)
            rc = etlc_error_set(err, errno == ENOSPC ? ETLC_IO_NO_SPACE : ETLC_IO,
                                "cannot open the partial download '%s': %s", p->path, strerror(errno));
    }
    if (rc != 0)
        etlc__part_close(p);
    return rc;
}

int etlc__part_append(etlc__part *p, const void *data, size_t len, etlc_error *err)
{
    const char *s = data;
    while (len > 0) {
        ssize_t n = write(p->fd, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return etlc_error_set(err, errno == ENOSPC ? ETLC_IO_NO_SPACE : ETLC_IO,
                                  "cannot write the partial download '%s': %s", p->path, strerror(errno));
        s += n;
        len -= (size_t)n;
        p->have += n;
    }
    return 0;
}

int etlc__part_replay(etlc__part *p, etlc_byte_consumer out, etlc_error *err)
{
    int fd = open(p->path, O_RDONLY | O_CLOEXEC);
    char *buf = fd >= 0 ? malloc(REPLAY_CHUNK) : NULL;
    int rc = fd < 0 ? etlc_error_set(err, ETLC_IO, "cannot read the partial download '%s': %s",
                                     p->path, strerror(errno))
             : !buf ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading '%s'", p->path)
                    : 0;
    while (rc == 0) {
        ssize_t n = read(fd, buf, REPLAY_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = etlc_error_set(err, ETLC_IO, "cannot read '%s': %s", p->path, strerror(errno));
        if (n <= 0)
            break;
        rc = out.on_bytes(out.userdata, buf, (size_t)n, err);
    }
    free(buf);
    if (fd >= 0)
        close(fd);
    return rc;
}

void etlc__part_close_fd(etlc__part *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

void etlc__part_close(etlc__part *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    free(p->path);
    free(p->meta);
    p->path = p->meta = NULL;
}

void etlc__part_discard(etlc__part *p)
{
    if (p->path)
        unlink(p->path);
    if (p->meta)
        unlink(p->meta);
    etlc__part_close(p);
}

/* ---- sweeping what a killed or earlier run left ------------------------------ */

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);
    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* The sidecar `file` (a "<hash>.json" in the spool): drop it and its part
 * unless `keep` wants its resource. */
static void sweep_one(etlc__part_spool *sp, const char *file, etlc__part_keep_fn keep, void *ud)
{
    etlc__buf meta = {0}, part = {0};
    size_t stem = strlen(file) - strlen(".json");
    if (etlc__buf_printf(&meta, "%s/%s", sp->dir, file) != 0 ||
        etlc__buf_printf(&part, "%s/%.*s.part", sp->dir, (int)stem, file) != 0)
        goto out;
    json_t *m = sidecar_load(meta.data);
    etlc_resource res = {.name = json_string_value(json_object_get(m, "name")),
                         .size = json_integer_value(json_object_get(m, "size")),
                         .mtime_us = json_integer_value(json_object_get(m, "mtime_us")),
                         .etag = json_string_value(json_object_get(m, "etag"))};
    if (!res.name || !keep(ud, &res)) {
        etlc_log(ETLC_LOG_INFO, "fetch", "removing the partial download of '%s' (%s)",
                 res.name ? res.name : file, res.name ? "vanished, changed or landed" : "unreadable");
        unlink(part.data);
        unlink(meta.data);
    }
    json_decref(m);
out:
    etlc__buf_free(&meta);
    etlc__buf_free(&part);
}

/* A part without its sidecar, or a sidecar's temporary file. */
static void sweep_orphan(etlc__part_spool *sp, const char *file)
{
    etlc__buf path = {0}, meta = {0};
    struct stat st;
    /* a sidecar's temporary; a commit's hard link to the version it replaced */
    bool orphan = ends_with(file, ".json.tmp") || ends_with(file, ".old");
    if (etlc__buf_printf(&path, "%s/%s", sp->dir, file) == 0 && !orphan && ends_with(file, ".part") &&
        etlc__buf_printf(&meta, "%s/%.*s.json", sp->dir, (int)(strlen(file) - 5), file) == 0)
        orphan = stat(meta.data, &st) != 0 && errno == ENOENT;
    if (orphan && path.data)
        unlink(path.data);
    etlc__buf_free(&path);
    etlc__buf_free(&meta);
}

void etlc__part_spool_sweep(etlc__part_spool *sp, etlc__part_keep_fn keep, void *userdata)
{
    DIR *d = opendir(sp->dir);
    if (!d)
        return; /* no spool yet */
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        if (ends_with(e->d_name, ".json"))
            sweep_one(sp, e->d_name, keep, userdata);
        else
            sweep_orphan(sp, e->d_name);
    }
    closedir(d);
}

/* The other definitions' spools beside this one (another glob, other
 * settings): another run may hold them, so only files untouched for
 * `max_age_s` are removed there, then the directories left empty. */
void etlc__part_spool_sweep_stale(etlc__part_spool *sp, int64_t max_age_s)
{
    char *parent = sp->dir ? etlc__strdup(sp->dir) : NULL;
    char *slash = parent ? strrchr(parent, '/') : NULL;
    DIR *d = slash ? (*slash = '\0', opendir(parent)) : NULL;
    etlc__buf sub = {0}, file = {0};
    time_t now = time(NULL);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        etlc__buf_reset(&sub);
        if (e->d_name[0] == '.' || strcmp(e->d_name, slash + 1) == 0 ||
            etlc__buf_printf(&sub, "%s/%s", parent, e->d_name) != 0)
            continue;
        DIR *s = opendir(sub.data);
        for (struct dirent *f; s && (f = readdir(s)) != NULL;) {
            struct stat st;
            etlc__buf_reset(&file);
            if (f->d_name[0] != '.' && etlc__buf_printf(&file, "%s/%s", sub.data, f->d_name) == 0 &&
                stat(file.data, &st) == 0 && S_ISREG(st.st_mode) && now - st.st_mtime > max_age_s)
                unlink(file.data);
        }
        if (s)
            closedir(s);
        rmdir(sub.data); /* only when empty */
    }
    if (d)
        closedir(d);
    etlc__buf_free(&sub);
    etlc__buf_free(&file);
    free(parent);
}
