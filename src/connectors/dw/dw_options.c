/* The dw destination's options (env prefix DW_): the same connection keys
 * as the postgres connector, so its conninfo builder serves both, plus the
 * target schema. */
#include "dw_internal.h"

static const etlc_option dw_options[] = {
    {.name = "host", .type = ETLC_OPT_STRING, .default_value = "localhost",
     .description = "Warehouse server host name or IP address"},
    {.name = "port", .type = ETLC_OPT_INT, .default_value = "5432",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 1, .max = 65535,
     .description = "Server TCP port"},
    {.name = "database", .type = ETLC_OPT_STRING,
     .description = "Database name (required unless url names one)"},
    {.name = "username", .type = ETLC_OPT_STRING,
     .description = "Role to log in as (libpq's default, the OS user, when unset)"},
    {.name = "password", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET,
     .description = "Password for username"},
    {.name = "url", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET,
     .description = "postgresql://user:password@host:port/database?sslmode=... instead of the separate keys; "
                    "keys set explicitly override its parts"},
    {.name = "schema", .type = ETLC_OPT_STRING, .default_value = "public",
     .description = "Schema that holds the target tables and the load journal"},
    {.name = "sslmode", .type = ETLC_OPT_ENUM, .default_value = "prefer",
     .choices = "disable|allow|prefer|require|verify-ca|verify-full",
     .description = "TLS policy (libpq sslmode)"},
    {.name = "sslrootcert", .type = ETLC_OPT_PATH,
     .description = "CA certificate file for verify-ca / verify-full"},
    {.name = "application_name", .type = ETLC_OPT_STRING, .default_value = "etlconn-load",
     .description = "Name shown in pg_stat_activity"},
    {.name = "connect_timeout", .type = ETLC_OPT_DURATION, .default_value = "10s",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 3600000,
     .description = "How long to wait for a connection (rounded up to whole seconds; 0 = wait forever)"},
    {.name = "statement_timeout", .type = ETLC_OPT_DURATION, .default_value = "0",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 86400000,
     .description = "Server-side limit for each statement of a load (0 = no limit)"},
};

const etlc_option_table etlc__dw_options = {
    .protocol = "dw",
    .env_prefix = "DW",
    .options = dw_options,
    .count = sizeof dw_options / sizeof dw_options[0],
};
