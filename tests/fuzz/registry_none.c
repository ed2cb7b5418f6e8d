/* An empty connector registry, for building fuzz targets from the core
 * sources alone (no connector folders, no libpq/sqlite). */
#include "etlconn/connector_api.h"
#include "core/registry_builtin.h"

const etlc_connector_ops *const etlc__builtin_connectors[] = {NULL};
const char *const etlc__disabled_connectors[] = {NULL};
const char *const etlc__absent_connectors[] = {NULL};
const char *const etlc__known_aliases[] = {NULL};
