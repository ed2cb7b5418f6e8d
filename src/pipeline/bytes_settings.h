/* etlconn — the bytes driver's reading of the shared bytes option fragment
 * (core/bytes_options.h): which listed resources are taken, whether a
 * download resumes, and what happens at the source after landing
 * (internal). */
#ifndef ETLCONN_PIPELINE_BYTES_SETTINGS_H
#define ETLCONN_PIPELINE_BYTES_SETTINGS_H

#include "core/connector_internal.h"

typedef enum etlc__after_landing {
    ETLC__AFTER_KEEP = 0,
    ETLC__AFTER_DELETE,
    ETLC__AFTER_MOVE,
} etlc__after_landing;

typedef struct etlc__bytes_settings {
    const char *const *include;  /* borrowed from the connector's config */
    size_t ninclude;
    const char *const *exclude;
    size_t nexclude;
    int64_t min_age_ms;          /* 0: none */
    int64_t max_age_ms;          /* 0: none */
    bool resume;
    etlc__after_landing after;
    char *move_to;               /* malloc'd, without trailing '/'; NULL unless after is MOVE */
    int64_t now_us;              /* ages are measured from here (the run's start) */
} etlc__bytes_settings;

/* Read the fragment's keys from c's config (defaults when its table lacks
 * the fragment: a plugin) and check them against what c's bytes ops can do:
 * after_landing delete/move without remove/move, or move without a
 * relative move_to, is ETLC_CONFIG naming the key and the protocol. */
int etlc__bytes_settings_read(const etlc_connector *c, etlc__bytes_settings *s, etlc_error *err);
void etlc__bytes_settings_free(etlc__bytes_settings *s);

/* Listed resource `res` passes include, exclude and the age window, and is
 * not inside move_to (files already moved there are never taken again). An
 * unknown mtime (0) passes the age window. */
bool etlc__bytes_wanted(const etlc__bytes_settings *s, const etlc_resource *res);

/* "move_to/name" (malloc'd) for after_landing move; NULL without memory. */
char *etlc__bytes_move_target(const etlc__bytes_settings *s, const char *name);

#endif
