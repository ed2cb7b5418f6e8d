/* The S3 lake's conditional replacement of small objects: the version is
 * the ETag, a write carries If-Match (or If-None-Match: * for an object
 * that was absent), so a stale writer gets HTTP 412 -> ETLC_BUSY. */
#include <stdlib.h>
#include <string.h>

#include "sinks/lake_s3.h"

int etlc__lake_s3_read_versioned(etlc_lake *lake, const char *relpath, size_t max_bytes, etlc__buf *body,
                                 char **version, etlc_error *err)
{
    char *key = etlc__lake_s3_key(lake, relpath);
    if (!key)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading '%s'", relpath);
    int rc = etlc__s3_get_small(etlc__lake_s3_client(lake), key, max_bytes, body, version, err);
    free(key);
    return rc;
}

int etlc__lake_s3_put_if(etlc_lake *lake, const char *relpath, const void *data, size_t len,
                         const char *version, char **new_version, etlc_error *err)
{
    char *key = etlc__lake_s3_key(lake, relpath);
    if (!key)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory writing '%s'", relpath);
    etlc__s3_client *c = etlc__lake_s3_client(lake);
    bool lost = false;
    int rc = etlc__s3_put_if(c, key, data, len, "application/json", version, new_version, &lost, err);
    if (rc == 0 && !*new_version) { /* a server that does not answer the ETag: ask for it */
        etlc__buf body = {0};
        rc = etlc__s3_get_small(c, key, len + 1, &body, new_version, err);
        etlc__buf_free(&body);
        if (rc == 0 && !*new_version)
            rc = etlc_error_set(err, ETLC_IO, "s3 lake '%s': the server gives no ETag for '%s'",
                                etlc_lake_root(lake), relpath);
    }
    free(key);
    return rc;
}
