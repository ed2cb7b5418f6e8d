/* The SQL Server connector's options: the one table behind validation,
 * env variables (MSSQL_*), docs and `etlconn options mssql`. */
#include "mssql_internal.h"

static const etlc_option mssql_options[] = {
    {.name = "host", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_REQUIRED,
     .description = "Server host name or IP address (IPv6 literals allowed, with or without [brackets])"},
    {.name = "port", .type = ETLC_OPT_INT, .default_value = "1433",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 1, .max = 65535,
     .description = "TCP port; when `instance` is set and port is left at its default, the SQL Browser finds the port"},
    {.name = "instance", .type = ETLC_OPT_STRING,
     .description = "Named instance (host\\instance), resolved through the SQL Server Browser service"},
    {.name = "database", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_REQUIRED,
     .description = "Database to use after login"},
    {.name = "username", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_REQUIRED,
     .description = "SQL Server login name (SQL authentication)"},
    {.name = "password", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_REQUIRED | ETLC_OPT_SECRET,
     .description = "Password of the login"},
    {.name = "tds_version", .type = ETLC_OPT_ENUM, .default_value = "7.4", .choices = "7.0|7.1|7.2|7.3|7.4|auto",
     .description = "TDS protocol version (7.4 = SQL Server 2012+; auto lets FreeTDS negotiate)"},
    {.name = "encryption", .type = ETLC_OPT_ENUM, .default_value = "request", .choices = "off|request|require|strict",
     .description = "TLS: request = encrypt when the server supports it (only this level can be set per connection through db-lib; see the docs)"},
    {.name = "trust_server_certificate", .type = ETLC_OPT_BOOL, .default_value = "false",
     .description = "Accept the server's certificate without verification (not settable through db-lib; see the docs)"},
    {.name = "login_timeout", .type = ETLC_OPT_DURATION, .default_value = "15s",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 1000, .max = 3600000,
     .description = "How long connecting and logging in may take (whole seconds, rounded up)"},
    {.name = "query_timeout", .type = ETLC_OPT_DURATION, .default_value = "0s",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 86400000,
     .description = "How long to wait for each server response while a query runs; 0 = no limit"},
    {.name = "application_name", .type = ETLC_OPT_STRING, .default_value = "etlconn",
     .description = "Application name reported to the server (sys.dm_exec_sessions.program_name)"},
    {.name = "packet_size", .type = ETLC_OPT_INT, .default_value = "4096",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 512, .max = 32767,
     .description = "TDS packet size in bytes requested at login"},
};

const etlc_option_table etlc__mssql_options = {
    .protocol = "mssql",
    .env_prefix = "MSSQL",
    .options = mssql_options,
    .count = sizeof mssql_options / sizeof mssql_options[0],
};
