/* The MariaDB/MySQL connector's options: the one table that drives
 * validation, env variables (MYSQL_*), docs and `etlconn options mysql`. */
#include "my_internal.h"

static const etlc_option my_options[] = {
    {.name = "host", .type = ETLC_OPT_STRING, .default_value = "localhost",
     .description = "Server host name or IP address (always TCP; use socket for a unix socket)"},
    {.name = "port", .type = ETLC_OPT_INT, .default_value = "3306",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 1, .max = 65535,
     .description = "Server TCP port"},
    {.name = "socket", .type = ETLC_OPT_PATH,
     .description = "Unix socket file to connect through instead of TCP host:port"},
    {.name = "database", .type = ETLC_OPT_STRING,
     .description = "Default database (schema); unset = none, queries then name db.table"},
    {.name = "username", .type = ETLC_OPT_STRING,
     .description = "User to log in as"},
    {.name = "password", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET,
     .description = "Password for username"},
    {.name = "url", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET,
     .description = "mysql://user:password@host:port/database (or mariadb://) instead of the separate keys; "
                    "keys set explicitly override its parts"},
    {.name = "ssl_mode", .type = ETLC_OPT_ENUM, .default_value = "preferred",
     .choices = "disabled|preferred|required|verify_ca|verify_identity",
     .description = "TLS policy: preferred uses TLS when the server offers it; required fails without it; "
                    "verify_* also check the certificate against ssl_ca"},
    {.name = "ssl_ca", .type = ETLC_OPT_PATH,
     .description = "CA certificate file for verify_ca / verify_identity"},
    {.name = "connect_timeout", .type = ETLC_OPT_DURATION, .default_value = "10s",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 3600000,
     .description = "How long to wait for a connection (rounded up to whole seconds; 0 = library default)"},
    {.name = "read_timeout", .type = ETLC_OPT_DURATION, .default_value = "0",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 86400000,
     .description = "Longest wait for data from the server (whole seconds; 0 = no limit)"},
    {.name = "query_timeout", .type = ETLC_OPT_DURATION, .default_value = "0",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 86400000,
     .description = "Server-side limit per statement (MariaDB max_statement_time, MySQL max_execution_time; "
                    "0 = none); exceeding it is a TIMEOUT error"},
    {.name = "charset", .type = ETLC_OPT_ENUM, .default_value = "utf8mb4", .choices = "utf8mb4|utf8mb3|utf8",
     .description = "Connection character set (UTF-8 only: text columns land as UTF-8)"},
    {.name = "pool_min", .type = ETLC_OPT_INT, .default_value = "1",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 64,
     .description = "Connections kept open while idle (one is always opened at connect to check the credentials)"},
    {.name = "pool_max", .type = ETLC_OPT_INT, .default_value = "4",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 1, .max = 64,
     .description = "Most connections open at once"},
    {.name = "pool_idle_timeout", .type = ETLC_OPT_DURATION, .default_value = "5m",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 86400000,
     .description = "Close connections above pool_min after they sat idle this long"},
    {.name = "fetch_mode", .type = ETLC_OPT_ENUM, .default_value = "auto", .choices = "auto|text|prepared",
     .description = "text: plain query, streamed (mysql_use_result); prepared: server-side prepared statement, "
                    "streamed; auto: prepared when the query has parameters"},
    {.name = "zero_date", .type = ETLC_OPT_ENUM, .default_value = "error", .choices = "error|null",
     .description = "What a zero date ('0000-00-00', or a zero month/day) becomes: an error naming column and row, or NULL"},
    {.name = "unsigned_bigint", .type = ETLC_OPT_ENUM, .default_value = "int64", .choices = "int64|decimal",
     .description = "BIGINT UNSIGNED as int64 (a value above 9223372036854775807 is an error naming column and row) "
                    "or as decimal(20,0) text"},
    {.name = "tinyint1_as_bool", .type = ETLC_OPT_BOOL, .default_value = "true",
     .description = "Read TINYINT(1) / BOOLEAN columns as bool (a value other than 0/1 is then an error)"},
};

const etlc_option_table etlc__my_options = {
    .protocol = "mysql",
    .env_prefix = "MYSQL",
    .options = my_options,
    .count = sizeof my_options / sizeof my_options[0],
};
