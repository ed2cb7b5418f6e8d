/* The PostgreSQL connector's options: the one table that drives validation,
 * env variables (PG_*), docs and `etlconn options postgres`. */
#include "pg_internal.h"

static const etlc_option pg_options[] = {
    ETLC__PG_CONNECTION_OPTIONS("etlconn"),
    {.name = "statement_timeout", .type = ETLC_OPT_DURATION, .default_value = "0",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 86400000,
     .description = "Server-side limit for each statement (0 = no limit); exceeding it is a TIMEOUT error"},
    {.name = "pool_min", .type = ETLC_OPT_INT, .default_value = "1",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 64,
     .description = "Connections kept open while idle (one is always opened at connect to check the credentials)"},
    {.name = "pool_max", .type = ETLC_OPT_INT, .default_value = "4",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 1, .max = 64,
     .description = "Most connections open at once"},
    {.name = "pool_idle_timeout", .type = ETLC_OPT_DURATION, .default_value = "5m",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 86400000,
     .description = "Close connections above pool_min after they sat idle this long"},
    {.name = "scan_partitions", .type = ETLC_OPT_INT, .default_value = "1",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING, .min = 1, .max = 16,
     .description = "Read a plain `SELECT cols FROM table` as this many heap-block (ctid) ranges on parallel "
                    "sessions in one snapshot (PostgreSQL 14+; at most pool_max; rows then come in no "
                    "particular order); 1 = one stream. Other queries always read one stream"},
    {.name = "fetch_mode", .type = ETLC_OPT_ENUM, .default_value = "auto", .choices = "auto|copy|rows",
     .description = "copy: COPY (query) TO STDOUT binary; rows: row-by-row results; auto: copy unless the query has parameters"},
};

const etlc_option_table etlc__pg_options = {
    .protocol = "postgres",
    .env_prefix = "PG",
    .options = pg_options,
    .count = sizeof pg_options / sizeof pg_options[0],
};
