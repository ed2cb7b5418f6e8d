/* The SQLite builders when the sqlite connector is compiled out
 * (-DETLCONN_WITH_SQLITE=OFF): they link and answer NOT_BUILT_IN. */
#include <string.h>

#include "etlconn/sqlite.h"

#define SQLITE_OFF "the sqlite connector is not built in to this etlconn: rebuild with -DETLCONN_WITH_SQLITE=ON"

int etlc_get_sqlite_engine(const char *database_path, bool read_only, etlc_connector **out,
                           etlc_error *err)
{
    if (out)
        *out = NULL;
    return etlc_error_set(err, ETLC_NOT_BUILT_IN, "etlc_get_sqlite_engine: " SQLITE_OFF);
}

int etlc_test_sqlite_connection(const char *database_path, etlc_health *health, etlc_error *err)
{
    if (health) {
        memset(health, 0, sizeof *health);
        strcpy(health->detail, "not built in");
    }
    return etlc_error_set(err, ETLC_NOT_BUILT_IN, "etlc_test_sqlite_connection: " SQLITE_OFF);
}
