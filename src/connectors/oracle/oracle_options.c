/* The Oracle connector's options: the one table behind validation, env
 * variables (ORACLE_*), docs and `etlconn options oracle`. */
#include "oracle_internal.h"

static const etlc_option oracle_options[] = {
    {.name = "host", .type = ETLC_OPT_STRING,
     .description = "Listener host name or IP address (or give `dsn` instead)"},
    {.name = "port", .type = ETLC_OPT_INT, .default_value = "1521",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 1, .max = 65535,
     .description = "Listener port"},
    {.name = "service_name", .type = ETLC_OPT_STRING,
     .description = "Database service name (set this or `sid`)"},
    {.name = "sid", .type = ETLC_OPT_STRING,
     .description = "Database SID, for databases registered without a service name (set this or `service_name`)"},
    {.name = "username", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_REQUIRED,
     .description = "Database user"},
    {.name = "password", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_REQUIRED | ETLC_OPT_SECRET,
     .description = "Password of the user"},
    {.name = "dsn", .type = ETLC_OPT_STRING,
     .description = "Instead of host/port/service_name: an EZConnect string host:port/service_name, a tnsnames alias or a descriptor"},
    {.name = "client_lib", .type = ETLC_OPT_PATH,
     .description = "Path of libclntsh.so (or its directory) from Oracle Instant Client; default: the dynamic loader's search path"},
    {.name = "prefetch_rows", .type = ETLC_OPT_INT, .default_value = "1000",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 1000000,
     .description = "Rows OCI fetches per round trip"},
    {.name = "connect_timeout", .type = ETLC_OPT_DURATION, .default_value = "15s",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 1000, .max = 3600000,
     .description = "How long reaching the listener may take (whole seconds; applies when etlconn builds the address, not to `dsn`)"},
    {.name = "lob_max_bytes", .type = ETLC_OPT_INT, .default_value = "4194304",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 1024, .max = 1073741824,
     .description = "Largest CLOB/BLOB/LONG value fetched; a larger value fails the fetch naming the column"},
};

const etlc_option_table etlc__oracle_options = {
    .protocol = "oracle",
    .env_prefix = "ORACLE",
    .options = oracle_options,
    .count = sizeof oracle_options / sizeof oracle_options[0],
};
