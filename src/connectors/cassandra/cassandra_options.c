/* The cassandra connector's options: the one table behind validation, env
 * variables (CASSANDRA_*), docs and `etlconn options cassandra`. */
#include "cassandra_internal.h"

static const etlc_option cass_own[] = {
    {.name = "hosts", .type = ETLC_OPT_LIST, .default_value = "127.0.0.1",
     .description = "Contact points tried in order: host or host:port ([v6]:port)"},
    {.name = "port", .type = ETLC_OPT_INT, .default_value = "9042", .min = 1, .max = 65535,
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .description = "CQL native transport port"},
    {.name = "keyspace", .type = ETLC_OPT_STRING,
     .description = "Keyspace the statements run in (USE); unqualified table names resolve there"},
    {.name = "username", .type = ETLC_OPT_STRING,
     .description = "User for PasswordAuthenticator (SASL PLAIN)"},
    {.name = "password", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET,
     .description = "Password for PasswordAuthenticator"},
    {.name = "consistency", .type = ETLC_OPT_ENUM, .default_value = "local_one",
     .choices = "any|one|two|three|quorum|all|local_quorum|each_quorum|serial|local_serial|local_one",
     .description = "Consistency level of every read"},
    {.name = "page_size", .type = ETLC_OPT_INT, .default_value = "5000", .min = 1, .max = 1000000,
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING,
     .description = "Rows per page when the request names none (batch_rows 0 in the C API, the CLI "
                    "without --batch-size); one lake file per page, the paging state checkpointed"},
    {.name = "token_ranges", .type = ETLC_OPT_INT, .default_value = "1", .min = 1, .max = 64,
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING,
     .description = "Parallel full-table scan: a statement ending in token(pk) > ? AND token(pk) <= ? "
                    "is read as N Murmur3 token ranges over N sessions at once"},
    {.name = "compression", .type = ETLC_OPT_ENUM, .default_value = "auto", .choices = "auto|lz4|none",
     .flags = ETLC_OPT_TUNING,
     .description = "Frame compression: auto = LZ4 when the server offers it, lz4 = required, none"},
    {.name = "protocol_version", .type = ETLC_OPT_ENUM, .default_value = "auto", .choices = "auto|4|5",
     .description = "CQL native protocol: auto = v5 (checksummed segments), v4 when the server "
                    "refuses v5; 4 or 5 = only that one"},
    {.name = "tls", .type = ETLC_OPT_BOOL, .default_value = "false",
     .description = "Connect over TLS (client_encryption_options on the server)"},
    {.name = "tls_verify", .type = ETLC_OPT_BOOL, .default_value = "true",
     .description = "Verify the server certificate and host name"},
    {.name = "tls_ca_file", .type = ETLC_OPT_PATH,
     .description = "PEM CA bundle for tls_verify (default: the system's)"},
    {.name = "tls_cert_file", .type = ETLC_OPT_PATH, .description = "PEM client certificate (mutual TLS)"},
    {.name = "tls_key_file", .type = ETLC_OPT_PATH,
     .description = "PEM client private key (default: tls_cert_file)"},
    {.name = "connect_timeout", .type = ETLC_OPT_DURATION, .default_value = "10s", .min = 1,
     .flags = ETLC_OPT_HAS_MIN, .description = "TCP connect timeout per address"},
    {.name = "request_timeout", .type = ETLC_OPT_DURATION, .default_value = "60s", .min = 1,
     .flags = ETLC_OPT_HAS_MIN, .description = "Longest wait for any read or write on the socket"},
    {.name = "max_frame_size", .type = ETLC_OPT_INT, .default_value = "268435456", .min = 1024,
     .max = 268435456, .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING,
     .description = "Largest response frame accepted (bytes), checked before it is allocated"},
    {.name = "source", .type = ETLC_OPT_STRING,
     .description = "Source name in lake paths and results (default: the keyspace, else cassandra)"},
};

const etlc_option_table etlc__cassandra_options = {
    .protocol = "cassandra",
    .env_prefix = "CASSANDRA",
    .options = cass_own,
    .count = sizeof cass_own / sizeof cass_own[0],
};
