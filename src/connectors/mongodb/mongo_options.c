/* The mongodb connector's options: the one table behind validation, env
 * variables (MONGODB_*), docs and `etlconn options mongodb`. */
#include "mongo_internal.h"

#define STR(n, desc) {.name = n, .type = ETLC_OPT_STRING, .description = desc}
#define SECRET(n, desc) {.name = n, .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET, .description = desc}
#define MS(n, def, desc) {.name = n, .type = ETLC_OPT_DURATION, .default_value = def, \
    .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING, .min = 0, .max = 86400000, \
    .description = desc}

static const etlc_option mongo_own[] = {
    SECRET("uri", "mongodb://user:password@host:port/database?options instead of the separate "
                  "keys; keys set explicitly override its parts"),
    {.name = "host", .type = ETLC_OPT_STRING, .default_value = "localhost",
     .description = "Server host name or IP address (when no uri)"},
    {.name = "port", .type = ETLC_OPT_INT, .default_value = "27017",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 1, .max = 65535,
     .description = "Server TCP port (when no uri)"},
    STR("database", "Database the collections are read from (required unless uri names one)"),
    STR("username", "User to authenticate as (none: no authentication)"),
    SECRET("password", "Password for username"),
    STR("auth_source", "Database holding the user's credentials (default: database, or admin)"),
    STR("auth_mechanism", "SCRAM-SHA-1, SCRAM-SHA-256, PLAIN, MONGODB-X509... (default: the "
                          "server's choice)"),
    {.name = "tls", .type = ETLC_OPT_BOOL, .default_value = "false",
     .description = "Connect over TLS"},
    {.name = "tls_ca_file", .type = ETLC_OPT_PATH,
     .description = "CA certificates (PEM) the server's certificate is checked against"},
    {.name = "tls_certificate_key_file", .type = ETLC_OPT_PATH,
     .description = "Client certificate and private key (PEM), for mutual TLS or MONGODB-X509"},
    SECRET("tls_certificate_key_password", "Password of the client private key"),
    {.name = "tls_allow_invalid_certificates", .type = ETLC_OPT_BOOL, .default_value = "false",
     .description = "Accept any server certificate (testing only)"},
    {.name = "tls_allow_invalid_hostnames", .type = ETLC_OPT_BOOL, .default_value = "false",
     .description = "Accept a server certificate for another host name (testing only)"},
    MS("connect_timeout", "10s", "How long to wait for a connection"),
    MS("server_selection_timeout", "10s", "How long to wait for a usable server"),
    MS("socket_timeout", "5m", "How long to wait for a reply to one request (0 = forever)"),
    {.name = "batch_size", .type = ETLC_OPT_INT, .default_value = "10000",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING, .min = 1, .max = 1000000,
     .description = "Documents per page and per server batch when the "
                    "request names none (batch_rows 0 in the C API, the CLI without "
                    "--batch-size)"},
    STR("app_name", "Client name the server logs (default etlconn)"),
    STR("source", "Source name in lake paths and results (default: the database name)"),
};

const etlc_option_table etlc__mongo_options = {
    .protocol = "mongodb",
    .env_prefix = "MONGODB",
    .options = mongo_own,
    .count = sizeof mongo_own / sizeof mongo_own[0],
};
