/* The warehouse API when the dw destination is compiled out
 * (-DETLCONN_WITH_DW=OFF, or postgres off): it links and answers
 * NOT_BUILT_IN. The mode names are plain data and keep working, so a caller
 * parsing options gets to the real answer. */
#include <string.h>

#include "etlconn/dw.h"

#define DW_OFF                                                                           \
    "the dw destination is not built in to this etlconn: rebuild with -DETLCONN_WITH_DW=ON " \
    "(it needs -DETLCONN_WITH_POSTGRES=ON)"

const char *etlc_dw_mode_name(etlc_dw_mode m)
{
    return m == ETLC_DW_REPLACE ? "replace" : m == ETLC_DW_MERGE ? "merge" : "append";
}

int etlc_dw_mode_parse(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "append") == 0)
        return ETLC_DW_APPEND;
    if (strcmp(s, "replace") == 0)
        return ETLC_DW_REPLACE;
    if (strcmp(s, "merge") == 0)
        return ETLC_DW_MERGE;
    return -1;
}

int etlc_dw_load(etlc_connector *dw, const char *const *paths, size_t npaths,
                 const etlc_dw_load_options *opts, etlc_dw_load_result **result, etlc_error *err)
{
    if (result)
        *result = NULL;
    return etlc_error_set(err, ETLC_NOT_BUILT_IN, "etlc_dw_load: " DW_OFF);
}

/* Nothing here ever makes a result, so there is nothing to free. */
void etlc_dw_load_result_free(etlc_dw_load_result *r)
{
    (void)r;
}

int etlc_dw_load_result_to_json(const etlc_dw_load_result *r, bool pretty, char **json,
                                etlc_error *err)
{
    if (json)
        *json = NULL;
    return etlc_error_set(err, ETLC_NOT_BUILT_IN, "etlc_dw_load_result_to_json: " DW_OFF);
}

int etlc_dw_status_get(etlc_connector *dw, etlc_dw_status *status, etlc_error *err)
{
    if (status)
        memset(status, 0, sizeof *status);
    return etlc_error_set(err, ETLC_NOT_BUILT_IN, "etlc_dw_status_get: " DW_OFF);
}
