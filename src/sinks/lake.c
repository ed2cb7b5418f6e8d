/* The lake's generic layer: path checks, byte counting and SHA-256 over
 * whatever backend stores the bytes. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sinks/lake_backend.h"

void etlc_lake_free(etlc_lake *lake)
{
    if (!lake)
        return;
    if (lake->backend && lake->backend->close)
        lake->backend->close(lake);
    free(lake->root);
    free(lake);
}

const char *etlc_lake_root(const etlc_lake *lake) { return lake->root; }

static void file_free(etlc_lake_file *f)
{
    EVP_MD_CTX_free(f->sha);
    free(f->state);
    free(f);
}

int etlc_lake_file_create(etlc_lake *lake, const char *relpath, etlc_lake_file **out,
                          etlc_error *err)
{
    *out = NULL;
    int rc = etlc_lake_check_relpath(relpath, err);
    if (rc)
        return rc;
    etlc_lake_file *f = calloc(1, sizeof *f);
    if (!f)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting lake file '%s'", relpath);
    f->lake = lake;
    f->state = calloc(1, lake->backend->file_state_size);
    f->sha = EVP_MD_CTX_new();
    if (!f->state || !f->sha || EVP_DigestInit_ex(f->sha, EVP_sha256(), NULL) != 1) {
        file_free(f);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory starting lake file '%s'", relpath);
    }
    rc = lake->backend->create(lake, relpath, f->state, err);
    if (rc) {
        file_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

/* Hash the adopted file's bytes so far, so the digest covers the whole file. */
static int hash_existing(etlc_lake_file *f, const char *path, uint64_t size, etlc_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t cap = (size_t)1 << 20;
    char *buf = fd >= 0 ? malloc(cap) : NULL;
    int rc = fd < 0 ? etlc_error_set(err, ETLC_IO, "cannot read '%s' to hash it", path)
             : !buf ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory hashing '%s'", path) : 0;
    uint64_t done = 0;
    while (rc == 0 && done < size) {
        ssize_t n = read(fd, buf, size - done < cap ? (size_t)(size - done) : cap);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = etlc_error_set(err, ETLC_IO, "cannot read '%s' to hash it: %s", path,
                                n < 0 ? strerror(errno) : "shorter than it was");
        else if (EVP_DigestUpdate(f->sha, buf, (size_t)n) != 1)
            rc = etlc_error_set(err, ETLC_INTERNAL, "SHA-256 update failed");
        else
            done += (uint64_t)n;
    }
    free(buf);
    if (fd >= 0)
        close(fd);
    f->size = done;
    return rc;
}

int etlc__lake_file_adopt(etlc_lake *lake, const char *relpath, const char *path,
                          etlc_lake_file **out, etlc_error *err)
{
    *out = NULL;
    if (strcmp(lake->backend->name, "local") != 0)
        return etlc_error_set(err, ETLC_UNSUPPORTED, "only a local lake adopts a local file");
    int rc = etlc_lake_check_relpath(relpath, err);
    if (rc)
        return rc;
    etlc_lake_file *f = calloc(1, sizeof *f);
    if (!f)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory adopting lake file '%s'", relpath);
    f->lake = lake;
    f->state = calloc(1, lake->backend->file_state_size);
    f->sha = EVP_MD_CTX_new();
    if (!f->state || !f->sha || EVP_DigestInit_ex(f->sha, EVP_sha256(), NULL) != 1) {
        file_free(f);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory adopting lake file '%s'", relpath);
    }
    uint64_t size = 0;
    rc = etlc__lake_local_adopt(lake, relpath, path, f->state, &size, err);
    if (rc) {
        file_free(f);
        return rc;
    }
    rc = hash_existing(f, path, size, err);
    if (rc) {
        etlc_lake_file_abort(f); /* leaves the file */
        return rc;
    }
    *out = f;
    return 0;
}

int etlc_lake_file_write(etlc_lake_file *f, const void *data, size_t len, etlc_error *err)
{
    if (f->sealed)
        return etlc_error_set(err, ETLC_INTERNAL, "write to a lake file that is already sealed");
    if (len == 0)
        return 0;
    int rc = f->lake->backend->write(f->state, data, len, err);
    if (rc)
        return rc;
    /* Hash only what the backend accepted, so the digest matches the file. */
    if (EVP_DigestUpdate(f->sha, data, len) != 1)
        return etlc_error_set(err, ETLC_INTERNAL, "SHA-256 update failed");
    f->size += len;
    return 0;
}

uint64_t etlc_lake_file_size(const etlc_lake_file *f) { return f->size; }

int etlc__lake_file_seal(etlc_lake_file *f, etlc_error *err)
{
    if (f->sealed)
        return 0;
    if (f->lake->backend->seal) {
        int rc = f->lake->backend->seal(f->state, err);
        if (rc)
            return rc;
    }
    f->sealed = true;
    return 0;
}

/* Commit through `commit`, the backend's plain or its batched one. */
static int commit_via(etlc_lake_file *f, int (*commit)(void *, char **, etlc_error *),
                      uint64_t *byte_count, char sha256[65], char **final_path, etlc_error *err)
{
    *final_path = NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_DigestFinal_ex(f->sha, md, &mdlen) != 1 || mdlen != 32) {
        f->lake->backend->abort(f->state);
        file_free(f);
        return etlc_error_set(err, ETLC_INTERNAL, "SHA-256 finalisation failed");
    }
    int rc = commit(f->state, final_path, err);
    if (rc == 0) {
        static const char hex[] = "0123456789abcdef";
        for (unsigned i = 0; i < 32; i++) {
            sha256[2 * i] = hex[md[i] >> 4];
            sha256[2 * i + 1] = hex[md[i] & 15];
        }
        sha256[64] = '\0';
        *byte_count = f->size;
    }
    file_free(f);
    return rc;
}

int etlc_lake_file_commit(etlc_lake_file *f, uint64_t *byte_count, char sha256[65],
                          char **final_path, etlc_error *err)
{
    return commit_via(f, f->lake->backend->commit, byte_count, sha256, final_path, err);
}

int etlc__lake_file_commit_batched(etlc_lake_file *f, etlc__dir_batch *b, uint64_t *byte_count,
                                   char sha256[65], char **final_path, etlc_error *err)
{
    if (!b || !f->lake->backend->commit_nodirsync)
        return etlc_lake_file_commit(f, byte_count, sha256, final_path, err);
    int rc = etlc__dir_batch_reserve(b, err); /* before the rename: no failure after it */
    if (rc != 0) {
        etlc_lake_file_abort(f);
        *final_path = NULL;
        return rc;
    }
    rc = commit_via(f, f->lake->backend->commit_nodirsync, byte_count, sha256, final_path, err);
    if (rc == 0)
        etlc__dir_batch_note(b, *final_path);
    return rc;
}

void etlc_lake_file_abort(etlc_lake_file *f)
{
    if (!f)
        return;
    f->lake->backend->abort(f->state);
    file_free(f);
}

int etlc__lake_remove_committed(etlc_lake *lake, const char *final_path, etlc_error *err)
{
    return lake->backend->remove_committed(lake, final_path, err);
}
