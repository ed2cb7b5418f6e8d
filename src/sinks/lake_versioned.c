/* The lake's conditional replacement of small files (checkpoints): a
 * write lands only if the file is still the version read, so a run that
 * lost its hold cannot overwrite what the run that took over wrote. */
#include <stdlib.h>
#include <string.h>

#include "sinks/lake_backend.h"

int etlc__lake_read_versioned(etlc_lake *lake, const char *relpath, size_t max_bytes, char **data,
                              size_t *len, char **version, etlc_error *err)
{
    *version = NULL;
    const etlc_lake_manage_ops *ops = lake->backend->manage;
    if (!ops || !ops->read_versioned)
        return etlc_lake_read(lake, relpath, max_bytes, data, len, err);
    *data = NULL;
    *len = 0;
    int rc = etlc_lake_check_relpath(relpath, err);
    if (rc)
        return rc;
    etlc__buf body = {0};
    rc = ops->read_versioned(lake, relpath, max_bytes ? max_bytes : (size_t)64 * 1024 * 1024, &body, version, err);
    if (rc == 0 && etlc__buf_puts(&body, "") != 0) /* NUL-terminated, like etlc_lake_read */
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading lake file '%s'", relpath);
    if (rc) {
        etlc__buf_free(&body);
        free(*version);
        *version = NULL;
        return rc;
    }
    *len = body.len;
    *data = etlc__buf_take(&body);
    return 0;
}

int etlc__lake_put_if(etlc_lake *lake, const char *relpath, const void *data, size_t len,
                      const char *version, char **new_version, etlc_error *err)
{
    *new_version = NULL;
    const etlc_lake_manage_ops *ops = lake->backend->manage;
    if (!ops || !ops->put_if)
        return etlc_lake_put(lake, relpath, data, len, err);
    int rc = etlc_lake_check_relpath(relpath, err);
    return rc ? rc : ops->put_if(lake, relpath, data, len, version, new_version, err);
}
