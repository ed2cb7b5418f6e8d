/* etlconn config show PROTOCOL [-c FILE] [--env-prefix P] [--set KEY=VALUE]... [--json] */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(void)
{
    printf("Usage: etlconn config show [PROTOCOL] [-c FILE] [--env-prefix P] [--set KEY=VALUE]... [--json]\n\n"
           "Show the merged configuration of a connection: every option with its value\n"
           "and the layer it came from (default, file:line, env VAR, dict, override).\n"
           "Secret values are shown as ***. Missing required keys are listed, not fatal.\n"
           "Layers, later wins: defaults, file, environment <PREFIX>_<KEY>, dict, --set.\n\n"
           "  -c, --config FILE     JSON or YAML config file (may name 'protocol:')\n"
           "  --env-prefix P        read P_<KEY> instead of the protocol's default prefix\n"
           "  --set KEY=VALUE       explicit override (repeatable)\n"
           "  --json                JSON on stdout\n");
}

int cmd_config(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        help();
        return EXIT_OK;
    }
    if (argc < 2 || strcmp(argv[1], "show") != 0)
        return cli_usage_error("config", "the only subcommand is 'show'");
    argc--;
    argv++;
    cli_conn conn = {0};
    bool json = false;
    int rc = cli_parse_conn_args(argc, argv, "config", help, &conn, &json);
    if (rc != -1) {
        cli_conn_free(&conn);
        return rc;
    }
    etlc_config *cfg = NULL;
    rc = cli_conn_load(&conn, true, &cfg);
    if (rc == EXIT_OK) {
        etlc_error err = {0};
        char *out = NULL;
        int code = json ? etlc_config_to_json(cfg, &out, &err) : etlc_config_to_text(cfg, &out, &err);
        if (code != ETLC_OK)
            rc = cli_fail(&err);
        else {
            fputs(out, stdout);
            if (json && out[0] && out[strlen(out) - 1] != '\n')
                putchar('\n');
            char *missing = etlc_config_missing(cfg);
            if (missing && !json)
                printf("missing required: %s\n", missing);
            free(missing);
        }
        free(out);
    }
    etlc_config_free(cfg);
    cli_conn_free(&conn);
    return rc;
}
