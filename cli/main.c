/* etlconn — the command-line tool. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

cli_globals g_cli;

static void usage(FILE *out)
{
    fprintf(out,
"Usage: etlconn [GLOBAL OPTIONS] COMMAND [ARGS]\n"
"\n"
"Connect ETL jobs to their sources and land what they fetch in a lake.\n"
"\n"
"Commands:\n"
"  protocols            list the protocols this etlconn knows and which are built in\n"
"  options PROTOCOL     show a protocol's options (--json, --markdown, --example json|yaml)\n"
"  config show ...      show the merged configuration, redacted, with each value's origin\n"
"  test ...             health-check a connection\n"
"  fetch ... QUERY      run a query and land the result in the lake; prints the IngestionResult\n"
"  consume ...          consume a stream (kafka, amqp, nats) in micro-batches into the lake\n"
"  extract ...          incremental / partitioned SQL extraction into the lake (--table or --query)\n"
"  inspect FILE         show a Parquet file's schema, row groups and statistics\n"
"  load ... PATH...     load lake files into a PostgreSQL warehouse table (dw)\n"
"\n"
"Global options:\n"
"  --log-level LEVEL    trace|debug|info|warn|error|off (default warn; env ETLCONN_LOG_LEVEL)\n"
"  --log-format FORMAT  text|json (default text; env ETLCONN_LOG_FORMAT); logs go to stderr\n"
"  -q, --quiet          no progress display and only errors in the log\n"
"  -V, --version        print the version\n"
"  -h, --help           this help; 'etlconn COMMAND --help' for a command\n"
"\n"
"A connection is named by PROTOCOL, or by -c FILE (JSON or YAML, may carry\n"
"'protocol:'), plus environment variables <PREFIX>_<KEY> and --set KEY=VALUE.\n"
"Secrets are never printed.\n"
"\n"
"Exit status: 0 success; 1 the work failed (unhealthy, query or I/O error);\n"
"2 bad usage or configuration (unknown key, missing required key, bad value);\n"
"130 fetch, consume, extract or load stopped by SIGINT or SIGTERM (nothing partial kept).\n");
}

static const struct {
    const char *name;
    int (*fn)(int, char **);
} commands[] = {
    {"protocols", cmd_protocols}, {"options", cmd_options}, {"config", cmd_config},
    {"test", cmd_test},           {"fetch", cmd_fetch},     {"inspect", cmd_inspect},
    {"extract", cmd_extract},    {"consume", cmd_consume},
    {"load", cmd_load},
};

int main(int argc, char **argv)
{
    etlc_log_init_from_env();
    static const struct option opts[] = {
        {"log-level", required_argument, NULL, 'L'},
        {"log-format", required_argument, NULL, 'F'},
        {"quiet", no_argument, NULL, 'q'},
        {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0},
    };
    int opt;
    /* '+': stop at the command name; the command parses the rest. */
    while ((opt = getopt_long(argc, argv, "+qVh", opts, NULL)) != -1) {
        switch (opt) {
        case 'L': {
            int lv = etlc_log_level_parse(optarg);
            if (lv < 0) {
                fprintf(stderr, "etlconn: --log-level '%s' is not one of trace|debug|info|warn|error|off\n", optarg);
                return EXIT_USAGE;
            }
            etlc_log_set_level((etlc_log_level)lv);
            break;
        }
        case 'F':
            if (strcmp(optarg, "json") == 0)
                etlc_log_set_format(ETLC_LOG_JSON);
            else if (strcmp(optarg, "text") == 0)
                etlc_log_set_format(ETLC_LOG_TEXT);
            else {
                fprintf(stderr, "etlconn: --log-format '%s' is not one of text|json\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'q':
            g_cli.quiet = true;
            etlc_log_set_level(ETLC_LOG_ERROR);
            break;
        case 'V':
            printf("etlconn %s\n", etlc_version());
            return EXIT_OK;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    g_cli.progress = !g_cli.quiet && isatty(STDERR_FILENO);
    if (optind >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(name, commands[i].name) == 0) {
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            optind = 0; /* 0, not 1: glibc then re-reads the option string (no "+" mode) */
            int rc = commands[i].fn(sub_argc, sub_argv);
            etlc_close_all_connections();
            return rc;
        }
    }
    fprintf(stderr, "etlconn: unknown command '%s'\nTry 'etlconn --help'.\n", name);
    return EXIT_USAGE;
}
