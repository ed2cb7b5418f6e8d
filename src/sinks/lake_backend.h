/* etlconn — the lake's storage backends (private).
 *
 * struct etlc_lake holds a backend vtable so another store (S3) can be
 * added without touching the public API. The generic layer (lake.c) checks
 * paths, counts bytes and computes SHA-256; a backend only moves bytes. */
#ifndef ETLCONN_LAKE_BACKEND_H
#define ETLCONN_LAKE_BACKEND_H

#include <openssl/evp.h>

#include "core/internal.h"

typedef struct etlc_lake_backend {
    const char *name;        /* "local" */
    size_t file_state_size;  /* bytes of per-file state the generic layer allocates (zeroed) */
    /* Start a file at root/relpath (relpath already checked); nothing visible yet. */
    int (*create)(etlc_lake *lake, const char *relpath, void *fstate, etlc_error *err);
    /* Append all of data. */
    int (*write)(void *fstate, const void *data, size_t len, etlc_error *err);
    /* Optional: make the bytes durable but not yet visible, releasing
     * resources such as the descriptor; commit still follows. */
    int (*seal)(void *fstate, etlc_error *err);
    /* Make the file visible under its final name; fills *final_path
     * (malloc'd). On failure nothing is left behind. Releases fstate's
     * resources either way. */
    int (*commit)(void *fstate, char **final_path, etlc_error *err);
    /* Drop the file; nothing is left behind. Safe after a failed create. */
    void (*abort)(void *fstate);
    /* Remove an already committed file (used to undo a multi-file commit). */
    int (*remove_committed)(etlc_lake *lake, const char *final_path, etlc_error *err);
    void (*close)(etlc_lake *lake);
} etlc_lake_backend;

struct etlc_lake {
    const etlc_lake_backend *backend;
    char *root;    /* local directory, or a URI for object stores */
    void *state;   /* backend's own */
};

struct etlc_lake_file {
    etlc_lake *lake;
    EVP_MD_CTX *sha;
    uint64_t size;
    bool sealed;
    void *state;   /* backend's per-file state, file_state_size bytes */
};

/* Internal lake operations used by the sink. */
/* Finish writing f (durable, still invisible, descriptor released). */
int etlc__lake_file_seal(etlc_lake_file *f, etlc_error *err);
/* Undo a commit: remove the committed file at final_path. */
int etlc__lake_remove_committed(etlc_lake *lake, const char *final_path, etlc_error *err);

extern const etlc_lake_backend etlc__lake_backend_local;

#endif
