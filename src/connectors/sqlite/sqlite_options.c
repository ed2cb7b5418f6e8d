/* The SQLite connector's options: the one table that drives validation,
 * env variables (SQLITE_*), docs and `etlconn options sqlite`. */
#include "sqlite_internal.h"

static const etlc_option sqlite_options[] = {
    {.name = "database_path", .type = ETLC_OPT_PATH, .flags = ETLC_OPT_REQUIRED,
     .description = "Path of the SQLite database file, or :memory: for a private in-memory database"},
    {.name = "read_only", .type = ETLC_OPT_BOOL, .default_value = "true",
     .description = "Open the database read-only (extraction never writes to the source)"},
    {.name = "busy_timeout", .type = ETLC_OPT_DURATION, .default_value = "5s",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 3600000,
     .description = "How long to wait for a lock held by another connection before failing"},
    {.name = "create_if_missing", .type = ETLC_OPT_BOOL, .default_value = "false",
     .description = "Create the database file when it does not exist (otherwise a missing file is an error)"},
};

const etlc_option_table etlc__sqlite_options = {
    .protocol = "sqlite",
    .env_prefix = "SQLITE",
    .options = sqlite_options,
    .count = sizeof sqlite_options / sizeof sqlite_options[0],
};
