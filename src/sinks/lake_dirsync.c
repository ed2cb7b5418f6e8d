/* Directory fsyncs done once per directory for a group of commits (see
 * etlc__dir_batch in lake_backend.h). */
#include <stdlib.h>
#include <string.h>

#include "sinks/lake_backend.h"

/* Consecutive files mostly share a directory: looking this far back finds
 * it without a quadratic scan of a huge batch (a miss costs one more fsync). */
#define LOOK_BACK 64

static size_t dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) : 0;
}

int etlc__dir_batch_reserve(etlc__dir_batch *b, etlc_error *err)
{
    if (b->n < b->cap)
        return 0;
    size_t cap = b->cap ? b->cap * 2 : 16;
    char **grown = realloc(b->paths, cap * sizeof *grown);
    if (!grown)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory keeping the directories to fsync");
    b->paths = grown;
    b->cap = cap;
    return 0;
}

void etlc__dir_batch_note(etlc__dir_batch *b, const char *final_path)
{
    size_t len = dir_len(final_path);
    for (size_t i = b->n; i > 0 && b->n - i < LOOK_BACK; i--)
        if (dir_len(b->paths[i - 1]) == len && strncmp(b->paths[i - 1], final_path, len) == 0)
            return;
    char *copy = etlc__strdup(final_path);
    if (!copy) { /* no room to remember it: fsync it now (fails late, at the batch's sync) */
        int e = etlc__fsync_parent_dir(final_path);
        if (e && !b->failed)
            b->failed = e;
        return;
    }
    b->paths[b->n++] = copy; /* reserved */
}

int etlc__dir_batch_sync(etlc__dir_batch *b, etlc_error *err)
{
    int rc = 0;
    if (b->failed)
        rc = etlc__lake_errno_error(err, b->failed, "cannot fsync a directory of the lake, under",
                                    b->n ? b->paths[0] : "the lake");
    for (size_t i = 0; i < b->n; i++) {
        int e = etlc__fsync_parent_dir(b->paths[i]);
        if (e && rc == 0)
            rc = etlc__lake_errno_error(err, e, "cannot fsync the directory of", b->paths[i]);
        free(b->paths[i]);
    }
    b->n = 0;
    b->failed = 0;
    return rc;
}

void etlc__dir_batch_free(etlc__dir_batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->paths[i]);
    free(b->paths);
    memset(b, 0, sizeof *b);
}
