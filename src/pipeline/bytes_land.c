/* Landing one listed resource as one lake file (see bytes_driver.h):
 * straight from the connector into the lake file, or through the
 * resumable spool when resume is on and the connector can read from an
 * offset. Either way the file is committed only whole and of the listed
 * size; the lake file's SHA-256 covers every byte (a resumed part is
 * hashed from its first byte as it is copied in). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/bytes_driver.h"
#include "pipeline/bytes_writer.h"
#include "pipeline/content_type.h"
#include "sinks/lake_backend.h"

typedef struct byte_tap {
    const etlc__run *run;
    etlc_lake_file *file;   /* the lake file, or NULL when feeding a part */
    etlc__part *part;
    etlc__bytes_writer *writer; /* set while a large file is written on the writer thread */
    bool resumable;             /* the lake file is an adopted part: a failure keeps its bytes */
    unsigned char head[ETLC__SNIFF_BYTES];
    size_t nhead;
} byte_tap;

static int tap_bytes(void *ud, const void *data, size_t len, etlc_error *err)
{
    byte_tap *t = ud;
    int rc = etlc__run_cancelled(t->run, err); /* between chunks: the file is aborted, nothing of it lands */
    if (rc != 0)
        return rc;
    if (t->part)
        return etlc__part_append(t->part, data, len, err);
    if (t->nhead < sizeof t->head) {
        size_t take = sizeof t->head - t->nhead < len ? sizeof t->head - t->nhead : len;
        memcpy(t->head + t->nhead, data, take);
        t->nhead += take;
    }
    return t->writer ? etlc__bytes_writer_put(t->writer, data, len, err)
                     : etlc_lake_file_write(t->file, data, len, err);
}

static int add_item(etlc__cap_land *l, const etlc__listed *e, const char *final_path, uint64_t bytes,
                    const char sha[65], const byte_tap *t, etlc_error *err)
{
    const char *base = strrchr(final_path, '/');
    char mtime[40] = "";
    if (e->mtime_us)
        etlc_format_timestamp(e->mtime_us, mtime, sizeof mtime);
    etlc_item it = {.name = (char *)(base ? base + 1 : final_path), .path = (char *)final_path,
                    .format = (char *)"bytes",
                    .content_type = e->content_type ? e->content_type
                                    : (char *)etlc__content_type(e->name, t->head, t->nhead),
                    .record_count = -1, .byte_count = (int64_t)bytes,
                    .fetched_at_us = etlc_now_us()};
    memcpy(it.sha256, sha, 65);
    int bad = etlc_meta_set(&it.metadata, "remote_path", e->name);
    if (!bad && mtime[0])
        bad = etlc_meta_set(&it.metadata, "remote_mtime", mtime);
    if (!bad && e->etag)
        bad = etlc_meta_set(&it.metadata, "etag", e->etag);
    int rc = bad ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory describing '%s'", e->name)
                 : etlc_result_add_item(l->result, &it, err);
    etlc_meta_clear(&it.metadata);
    return rc;
}

/* The size read is not the listed one: the resource changed (retryable). */
static int size_mismatch(etlc_error *err, const etlc__listed *e, uint64_t got)
{
    int rc = etlc_error_set(err, ETLC_IO, "'%s': read %llu bytes but it was listed with %lld; "
                            "nothing of it was landed", e->name, (unsigned long long)got,
                            (long long)e->size);
    if (err)
        err->retryable = true;
    return rc;
}

/* Files this large into a local lake are written and hashed on a second
 * thread (bytes_writer.h) while the connector receives the next bytes;
 * smaller ones are over before a thread would pay off. Only a local lake:
 * its writes are plain write(2)s, where an object store's upload shares
 * the network layer with the connector. */
#define WRITER_MIN_BYTES ((int64_t)1 << 20)

static bool wants_writer(const etlc__bytes_job *j, const etlc__listed *e, const byte_tap *tap)
{
    return tap->file && e->size >= WRITER_MIN_BYTES && strcmp(j->l->lake->backend->name, "local") == 0;
}

static int read_resource(etlc__bytes_job *j, const etlc__listed *e, int64_t offset, byte_tap *tap,
                         etlc_error *err)
{
    etlc__cap_land *l = j->l;
    if (wants_writer(j, e, tap)) {
        int rc = etlc__bytes_writer_start(tap->file, &tap->writer, err);
        if (rc != 0)
            return rc;
    }
    etlc_resource res = {.name = e->name, .size = e->size, .mtime_us = e->mtime_us, .etag = e->etag,
                         .content_type = e->content_type};
    etlc_byte_consumer bc = {.on_bytes = tap_bytes, .userdata = tap};
    etlc__connector_enter(l->c);
    int rc = offset > 0 ? l->c->ops->bytes->open_at(l->c->ctx, &res, offset, bc, err)
                        : l->c->ops->bytes->open(l->c->ctx, &res, bc, err);
    etlc__connector_leave(l->c);
    /* The file is the caller's again only once the writer has stopped. A
     * failed transfer into a part still writes every byte received, so the
     * next attempt resumes from there; any other file is dropped anyway. */
    etlc_error we = {0};
    int wrc = etlc__bytes_writer_finish(tap->writer, rc != 0 && !tap->resumable, &we);
    tap->writer = NULL;
    if (rc == 0 && wrc != 0) {
        if (err)
            *err = we;
        rc = wrc;
    }
    return rc;
}

/* Download e into its part (from where a previous run stopped), then check
 * the part holds exactly e's size. For a lake that cannot adopt the part. */
static int fill_part(etlc__bytes_job *j, const etlc__listed *e, etlc__part *part, etlc_error *err)
{
    byte_tap feed = {.run = j->l->run, .part = part};
    int rc = part->have < e->size ? read_resource(j, e, part->have, &feed, err) : 0;
    if (rc == 0 && part->have != e->size) {
        rc = size_mismatch(err, e, (uint64_t)part->have);
        etlc__part_discard(part); /* more or fewer bytes than listed: useless for a resume */
    }
    return rc;
}

/* The first bytes of a resumed part, for the content type. */
static void head_of_part(const etlc__part *part, byte_tap *tap)
{
    FILE *f = fopen(part->path, "rb");
    if (f) {
        tap->nhead = fread(tap->head, 1, sizeof tap->head, f);
        fclose(f);
    }
}

static int open_part(etlc__bytes_job *j, const etlc__listed *e, etlc__part *part, etlc_error *err)
{
    etlc_resource res = {.name = e->name, .size = e->size, .mtime_us = e->mtime_us, .etag = e->etag,
                         .content_type = e->content_type};
    int rc = etlc__part_open(&j->spool, &res, true, part, err);
    if (rc == 0 && part->have > 0 && part->have < e->size)
        etlc_log(ETLC_LOG_INFO, j->l->c->ops->name, "resuming '%s' at byte %lld of %lld", e->name,
                 (long long)part->have, (long long)e->size);
    return rc;
}

/* Smaller files are not worth a part and a sidecar: they start again. */
#define RESUME_MIN_BYTES ((int64_t)1 << 20)

/* Fill tap->file with e's bytes, by one of three ways:
 *   no spool, or a file under 1 MiB or of unknown size
 *                   the connector writes into a new lake file;
 *   local lake      the part itself becomes the lake file (adopted: its
 *                   bytes hashed, the rest appended, renamed at commit);
 *   other lakes     the part is completed, then copied into the lake file. */
static int fill_lake_file(etlc__bytes_job *j, const etlc__listed *e, const char *relpath,
                          etlc__part *part, byte_tap *tap, etlc_error *err)
{
    etlc__cap_land *l = j->l;
    if (!j->spool.dir || e->size < RESUME_MIN_BYTES) {
        int rc = etlc_lake_file_create(l->lake, relpath, &tap->file, err);
        return rc ? rc : read_resource(j, e, 0, tap, err);
    }
    int rc = open_part(j, e, part, err);
    if (rc == 0 && strcmp(l->lake->backend->name, "local") != 0) {
        rc = fill_part(j, e, part, err);
        if (rc == 0)
            rc = etlc_lake_file_create(l->lake, relpath, &tap->file, err);
        return rc ? rc : etlc__part_replay(part, (etlc_byte_consumer){.on_bytes = tap_bytes, .userdata = tap}, err);
    }
    etlc__part_close_fd(part); /* the lake file appends through its own */
    if (rc == 0)
        rc = etlc__lake_file_adopt(l->lake, relpath, part->path, &tap->file, err);
    tap->resumable = true;
    if (rc == 0 && part->have > 0)
        head_of_part(part, tap);
    int64_t have = rc == 0 ? (int64_t)etlc_lake_file_size(tap->file) : 0;
    return rc == 0 && have < e->size ? read_resource(j, e, have, tap, err) : rc;
}

/* A killed run leaves its lake temporary behind: clear the directory of
 * such debris once before landing into it (consecutive files mostly share
 * a directory, so this is about one scan per directory). */
static void sweep_dir(etlc__bytes_job *j, const char *relpath)
{
    const char *slash = strrchr(relpath, '/');
    size_t n = slash ? (size_t)(slash - relpath) : 0;
    if (j->swept_dir && strlen(j->swept_dir) == n && strncmp(j->swept_dir, relpath, n) == 0)
        return;
    free(j->swept_dir);
    j->swept_dir = etlc__strndup(relpath, n);
    etlc__lake_sweep_dead_temporaries(j->l->lake, j->swept_dir ? j->swept_dir : "");
}

/* --parse after the raw commit; the raw file is taken back when it is not
 * to be kept, or when its parse failed (the file then counts as failed). */
static int parse_raw(etlc__bytes_job *j, const etlc__listed *e, const char *relpath,
                     const char *final_path, etlc_error *err)
{
    int rc = etlc__bytes_parse(j, e, relpath, err);
    etlc_error re = {0};
    if ((rc != 0 || !etlc__bytes_parse_keeps_raw(j)) &&
        etlc__lake_remove_committed(j->l->lake, final_path, &re) != 0)
        etlc_log(ETLC_LOG_WARN, j->l->c->ops->name, "cannot remove the raw file: %s", re.message);
    return rc;
}

int etlc__bytes_land_one(etlc__bytes_job *j, const etlc__listed *e, char sha[65], size_t *item,
                         etlc_error *err)
{
    etlc__cap_land *l = j->l;
    char *relpath = NULL;
    etlc__part part = {.fd = -1};
    byte_tap tap = {.run = l->run};
    int rc = etlc__cap_relpath(l, e->name, &relpath, err);
    if (rc == 0) {
        sweep_dir(j, relpath);
        rc = fill_lake_file(j, e, relpath, &part, &tap, err);
    }
    bool wrong_size = rc == 0 && e->size >= 0 && etlc_lake_file_size(tap.file) != (uint64_t)e->size;
    if (wrong_size)
        rc = size_mismatch(err, e, etlc_lake_file_size(tap.file));
    uint64_t bytes = 0;
    char *final_path = NULL;
    if (rc == 0)
        rc = etlc__lake_file_commit_batched(tap.file, &j->dirs, &bytes, sha, &final_path, err);
    else
        etlc_lake_file_abort(tap.file); /* an adopted part stays for the next run... */
    if (wrong_size)
        etlc__part_discard(&part);      /* ...unless it cannot be the listed file */
    if (rc == 0)
        etlc__part_discard(&part); /* committed: the part (renamed or copied) has served */
    if (rc == 0)
        *item = l->result->item_count; /* the first item of this file: raw or records */
    if (rc == 0 && l->land && l->land->parse)
        rc = parse_raw(j, e, relpath, final_path, err);
    if (rc == 0 && etlc__bytes_parse_keeps_raw(j)) {
        rc = add_item(l, e, final_path, bytes, sha, &tap, err);
        etlc_error re = {0};
        if (rc != 0 && etlc__lake_remove_committed(l->lake, final_path, &re) != 0) /* no item: take it back */
            etlc_log(ETLC_LOG_WARN, l->c->ops->name, "cannot take back '%s': %s", final_path, re.message);
    }
    etlc__part_close(&part);
    free(final_path);
    free(relpath);
    return rc;
}
