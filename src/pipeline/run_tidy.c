/* After a run that landed files: temporary files that killed runs (fetch,
 * extract, consume, download; kill -9 leaves no chance to clean up) left in
 * the directories this run landed in (sinks/lake_local_tidy.c). Object
 * stores show nothing partial and are left alone. */
#include <stdlib.h>
#include <string.h>

#include "pipeline/run_internal.h"
#include "sinks/lake_backend.h"

void etlc__run_tidy(const etlc_result *r, const char *who)
{
    for (size_t i = 0; r && i < r->item_count; i++) {
        const char *path = r->items[i].path;
        if (!path || strstr(path, "://"))
            continue;
        bool seen = false; /* each directory once */
        const char *slash = strrchr(path, '/');
        size_t dlen = slash ? (size_t)(slash - path) : 0;
        for (size_t j = 0; j < i && !seen; j++) {
            const char *q = r->items[j].path, *qs = q ? strrchr(q, '/') : NULL;
            seen = qs && (size_t)(qs - q) == dlen && strncmp(q, path, dlen) == 0;
        }
        char *dir = seen ? NULL : slash ? etlc__strndup(path, dlen) : etlc__strdup(".");
        if (dir)
            etlc__remove_dead_temps(dir, who);
        free(dir);
    }
}
