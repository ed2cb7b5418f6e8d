/* The checkpoint object's inside, shared by src/pipeline/checkpoint*.c. */
#ifndef ETLCONN_PIPELINE_CHECKPOINT_INTERNAL_H
#define ETLCONN_PIPELINE_CHECKPOINT_INTERNAL_H

#include <pthread.h>

#include "pipeline/checkpoint.h"

#define ETLC__CHECKPOINT_VERSION 1

struct etlc__checkpoint {
    etlc_lake *lake;          /* where it is stored (borrowed, or owned_lake) */
    etlc_lake *owned_lake;    /* the directory of a --state file */
    char *relpath;            /* in `lake` */
    char *legacy_relpath;     /* the old extract state's place, read when relpath is absent */
    char *location;           /* for messages: root/relpath */
    char *kind, *definition, *holder;
    char *protocol, *source;  /* recorded in the envelope; NULL ok */
    etlc_lake_lock *hold;
    json_t *position;         /* NULL on a first run */
    json_t *pending;          /* the intent of an interrupted run, or of this one */
    int64_t runs;
    char created_at[40];
    bool legacy;              /* read from an extract state file */
    char *sidecar;            /* ... whose intent was in this file (relpath + ".pending") */
    char *version;            /* of the stored checkpoint as read or last written; NULL: absent */
    pthread_mutex_t mu;       /* writes and renewals: the keeper renews from its own thread */
};

/* Parse a stored checkpoint (current or old extract state format) into
 * cp: position, pending, runs. ETLC_CONFIG for another definition or
 * kind, or text that is neither. */
int etlc__checkpoint_parse(etlc__checkpoint *cp, const char *text, size_t len, etlc_error *err);
/* The stored text of a checkpoint with this position and pending intent
 * (either NULL); malloc'd, NULL without memory. */
char *etlc__checkpoint_render(const etlc__checkpoint *cp, json_t *position, json_t *pending, int64_t runs);

#endif
