/* The options every bytes-capability connector (file, ftp, ssh, webdav)
 * shares: which listed files are taken, and what happens at the source
 * after a file is landed. The bytes driver (src/pipeline/fetch_bytes.c)
 * reads them from the connector's config and applies them, so each
 * protocol behaves the same way. */
#include "core/bytes_options.h"

static const etlc_option bytes_options[] = {
    {.name = "include", .type = ETLC_OPT_LIST,
     .description = "Glob patterns a file's relative path must match one of (unset: every file); '**' spans directories"},
    {.name = "exclude", .type = ETLC_OPT_LIST,
     .description = "Glob patterns of relative paths to leave out (checked after include)"},
    {.name = "min_age", .type = ETLC_OPT_DURATION, .default_value = "0s",
     .flags = ETLC_OPT_HAS_MIN, .min = 0,
     .description = "Leave out files modified more recently than this (still being written)"},
    {.name = "max_age", .type = ETLC_OPT_DURATION, .flags = ETLC_OPT_HAS_MIN, .min = 0,
     .description = "Leave out files modified longer ago than this (unset: no limit)"},
    {.name = "resume", .flags = ETLC_OPT_TUNING, .type = ETLC_OPT_BOOL, .default_value = "true",
     .description = "Continue an interrupted download from the part already held, where the protocol can"},
    {.name = "after_landing", .flags = ETLC_OPT_TUNING, .type = ETLC_OPT_ENUM, .default_value = "keep",
     .choices = "keep|delete|move",
     .description = "What to do with a source file once it is committed in the lake"},
    {.name = "move_to", .flags = ETLC_OPT_TUNING, .type = ETLC_OPT_STRING,
     .description = "Directory (relative to the root) files are moved into when after_landing is move"},
};

const etlc_option_table etlc__bytes_fragment = {
    .options = bytes_options,
    .count = sizeof bytes_options / sizeof bytes_options[0],
};
