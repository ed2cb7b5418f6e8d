/* etlconn inspect FILE.parquet — placeholder until the Parquet reader lands. */
#include <getopt.h>
#include <string.h>

#include "cli.h"

int cmd_inspect(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("Usage: etlconn inspect FILE.parquet [--json]\n\n"
               "Show a Parquet file's schema, row groups, row count and statistics.\n");
        return EXIT_OK;
    }
    return cli_usage_error("inspect", "Parquet support is not built in to this etlconn yet");
}
