/* The file connector's options: the one table that drives validation, env
 * variables (FILE_*), docs and `etlconn options file`. */
#include <sys/stat.h>

#include "core/bytes_options.h"
#include "file_internal.h"

static const etlc_option file_options[] = {
    {.name = "root", .type = ETLC_OPT_PATH, .flags = ETLC_OPT_REQUIRED,
     .description = "Directory the files are read from; resource names and lake paths are relative to it"},
    {.name = "recursive", .type = ETLC_OPT_BOOL, .default_value = "true",
     .description = "Descend into sub-directories of root"},
    {.name = "follow_symlinks", .type = ETLC_OPT_BOOL, .default_value = "false",
     .description = "Follow symbolic links to files and directories (off: links are skipped)"},
    {.name = "chunk_size", .type = ETLC_OPT_INT, .default_value = "1048576",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING, .min = 4096, .max = 67108864,
     .description = "Bytes read at a time; with the lake's part size it bounds the memory a file needs"},
    {.name = "source", .type = ETLC_OPT_STRING,
     .description = "Source name in lake paths and results (default: the last component of root)"},
};

static const etlc_option_table *const file_fragments[] = {&etlc__bytes_fragment, NULL};

const etlc_option_table etlc__file_options = {
    .protocol = "file",
    .env_prefix = "FILE",
    .options = file_options,
    .count = sizeof file_options / sizeof file_options[0],
    /* include, exclude, min_age, max_age, resume, after_landing, move_to:
     * applied by the bytes driver, the same for every protocol */
    .fragments = file_fragments,
};
