/* The amqp connector's options: the one table that drives validation, env
 * variables (AMQP_*), docs and `etlconn options amqp`. */
#include "amqp_internal.h"

static const etlc_option amqp_options[] = {
    {.name = "url", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET,
     .description = "amqp://user:password@host:port/vhost (amqps:// for TLS) instead of "
                    "host/port/vhost/username/password; keys set on their own win"},
    {.name = "host", .type = ETLC_OPT_STRING,
     .description = "Broker host name or address (required unless url is set)"},
    {.name = "port", .type = ETLC_OPT_INT, .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX,
     .min = 1, .max = 65535, .description = "Broker port (default 5672; 5671 with tls)"},
    {.name = "vhost", .type = ETLC_OPT_STRING, .description = "Virtual host (default /)"},
    {.name = "username", .type = ETLC_OPT_STRING, .description = "Login name (default guest)"},
    {.name = "password", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET,
     .description = "Login password (default guest)"},
    {.name = "queue", .type = ETLC_OPT_STRING,
     .description = "Queue to consume (the default of `etlconn consume --queue`); it must exist"},
    {.name = "prefetch", .type = ETLC_OPT_INT, .default_value = "0",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 65535,
     .description = "basic.qos prefetch count; raised to the batch size (--max-messages) since "
                    "nothing is acked before a batch lands; 0: the batch size"},
    {.name = "value_format", .type = ETLC_OPT_ENUM, .default_value = "json",
     .choices = "raw|text|json",
     .description = "The message body as bytes (raw), UTF-8 text, or a JSON object's fields as "
                    "columns (json; anything else goes to the dead letters)"},
    {.name = "tls", .type = ETLC_OPT_BOOL, .default_value = "false",
     .description = "AMQP over TLS (amqps; an amqps:// url sets it)"},
    {.name = "tls_verify", .type = ETLC_OPT_BOOL, .default_value = "true",
     .description = "Check the broker's certificate and host name"},
    {.name = "tls_ca_file", .type = ETLC_OPT_PATH,
     .description = "CA bundle (PEM) for the broker's certificate"},
    {.name = "heartbeat", .type = ETLC_OPT_DURATION, .default_value = "60s",
     .flags = ETLC_OPT_TUNING | ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 3600000,
     .description = "AMQP heartbeat interval (0: none); a batch must land within about twice it"},
    {.name = "connect_timeout", .type = ETLC_OPT_DURATION, .default_value = "10s",
     .flags = ETLC_OPT_TUNING | ETLC_OPT_HAS_MIN, .min = 1,
     .description = "TCP connect, login and each broker reply"},
    {.name = "reconnect_timeout", .type = ETLC_OPT_DURATION, .default_value = "30s",
     .flags = ETLC_OPT_TUNING | ETLC_OPT_HAS_MIN, .min = 0,
     .description = "How long a consumer keeps reconnecting after it lost the broker (0: fail "
                    "at once)"},
    {.name = "source", .type = ETLC_OPT_STRING,
     .description = "Source name in lake paths, results and the checkpoint (default: the host); "
                    "give each consumer of one queue its own"},
};

const etlc_option_table etlc__amqp_options = {
    .protocol = "amqp",
    .env_prefix = "AMQP",
    .options = amqp_options,
    .count = sizeof amqp_options / sizeof amqp_options[0],
    .fragments = NULL,
};
