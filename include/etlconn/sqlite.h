/* etlconn — SQLite direct builders (the façade's get_sqlite_engine family).
 *
 * Threads: as etlc_get_connection (thread-safe). A SQLite connector may be
 * shared, but runs one fetch at a time (it has one database handle; the
 * core makes other threads wait); each extraction snapshot opens its own. */
#ifndef ETLCONN_SQLITE_H
#define ETLCONN_SQLITE_H

#include "connector.h"
#include "export.h"

ETLC_BEGIN_DECLS

/* get_sqlite_engine(database_path, ...): a cached SQLite connector for
 * database_path (":memory:" allowed) with the other options from the
 * environment (SQLITE_*) and defaults. Release with etlc_connector_release. */
int etlc_get_sqlite_engine(const char *database_path, bool read_only, etlc_connector **out,
                           etlc_error *err);
/* test_sqlite_connection(database_path): open and health-check. */
int etlc_test_sqlite_connection(const char *database_path, etlc_health *health, etlc_error *err);

ETLC_END_DECLS
#endif
