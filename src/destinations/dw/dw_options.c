/* The dw destination's options (env prefix DW_): the same connection keys
 * as the postgres connector, so its conninfo builder serves both, plus the
 * target schema and the Parquet page bound. */
#include "dw_internal.h"

static const etlc_option dw_options[] = {
    ETLC__PG_CONNECTION_OPTIONS("etlconn-load"),
    {.name = "schema", .type = ETLC_OPT_STRING, .default_value = "public",
     .description = "Schema that holds the target tables and the load journal"},
    {.name = "statement_timeout", .type = ETLC_OPT_DURATION, .default_value = "0",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 86400000,
     .description = "Server-side limit for each statement of a load (0 = no limit)"},
    {.name = "max_page_bytes", .type = ETLC_OPT_INT, .default_value = "1073741824",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 1048576, .max = 2147483647,
     .description = "Largest decoded Parquet page (or dictionary) a load reads; the memory bound "
                    "of one column's page (docs/parquet.md)"},
    {.name = "flatten", .type = ETLC_OPT_BOOL, .default_value = "false",
     .description = "Parquet: load each field of a top-level struct as its own column "
                    "(\"parent.field\") instead of one jsonb column (load --flatten)"},
};

const etlc_option_table etlc__dw_options = {
    .protocol = "dw",
    .env_prefix = "DW",
    .options = dw_options,
    .count = sizeof dw_options / sizeof dw_options[0],
};
