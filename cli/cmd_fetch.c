/* etlconn fetch PROTOCOL | -c FILE [--set KEY=VALUE]... QUERY [--lake DIR] [--format F] */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(void)
{
    printf("Usage: etlconn fetch [PROTOCOL] [-c FILE] [--set KEY=VALUE]... QUERY [OPTIONS]\n\n"
           "Run QUERY against the connection, stream the rows into files in the lake\n"
           "(each file appears only whole) and print the IngestionResult JSON on stdout.\n"
           "For file-shaped protocols (file) QUERY is a glob ('**/*.csv') and each new or\n"
           "changed file lands as it is (no --param); for paged ones QUERY is the\n"
           "resource and each --param is text KEY=VALUE.\n\n"
           "  -c, --config FILE        JSON or YAML config file (may name 'protocol:')\n"
           "  --env-prefix P           read P_<KEY> instead of the protocol's default prefix\n"
           "  --set KEY=VALUE          explicit override (repeatable)\n"
           "  --param [TYPE:]VALUE     bind a query parameter (repeatable, in order);\n"
           "                           TYPE is text (default), int, float or null\n"
           CLI_LAND_HELP
           "                           (default %s)\n"
           "  --batch-size N           rows per batch (memory is bounded by it; default 10000,\n"
           "                           or a paged source's own option: mongodb batch_size,\n"
           "                           cassandra page_size)\n"
           "  --parse csv|jsonl|parquet  file-shaped protocols: read each landed file as\n"
           "                           FORMAT; csv and jsonl become records in --format\n"
           "                           (Parquet by default) under the record path SQL sources\n"
           "                           use, the raw file removed; parquet is kept as landed\n"
           "                           and checked readable\n"
           "  --keep-raw               with --parse: keep the raw file beside the records\n"
           "  --compact                print the result JSON on one line\n\n"
           "File-shaped protocols take include, exclude, min_age, max_age, resume and\n"
           "after_landing (keep|delete|move, move_to) from the connection's config; an\n"
           "interrupted download resumes from its part (lake/_partial/) on the next run.\n\n"
           "Exit status: 0 success (an after_landing failure is only noted in the item's\n"
           "metadata), 1 fetch failed (nothing partial is left in the lake; files that\n"
           "failed are listed in errors), 2 usage or configuration error (also a remote\n"
           "name refused as a lake path when it is the first failure), " CLI_EXIT_CANCELLED_HELP,
           ETLC_LAKE_DEFAULT_TEMPLATE);
}

static int parse_param(const char *arg, etlc_param *p)
{
    memset(p, 0, sizeof *p);
    const char *colon = strchr(arg, ':');
    const char *val = arg;
    p->type = ETLC_TYPE_TEXT;
    if (colon) {
        size_t n = (size_t)(colon - arg);
        char *end;
        if (n == 3 && strncmp(arg, "int", 3) == 0) {
            errno = 0;
            p->i64 = strtoll(colon + 1, &end, 10);
            if (errno || *end || end == colon + 1)
                return cli_usage_error("fetch", "--param '%s': not a 64-bit integer", arg);
            p->type = ETLC_TYPE_INT64;
            return EXIT_OK;
        }
        if (n == 5 && strncmp(arg, "float", 5) == 0) {
            p->f64 = strtod(colon + 1, &end);
            if (*end || end == colon + 1)
                return cli_usage_error("fetch", "--param '%s': not a number", arg);
            p->type = ETLC_TYPE_DOUBLE;
            return EXIT_OK;
        }
        if (n == 4 && strncmp(arg, "null", 4) == 0) {
            p->type = ETLC_TYPE_NULL;
            return EXIT_OK;
        }
        if (n == 4 && strncmp(arg, "text", 4) == 0)
            val = colon + 1;
    }
    p->data = val;
    p->len = strlen(val);
    return EXIT_OK;
}

int cmd_fetch(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_CONN_OPTS,
        CLI_LAND_OPTS,
        {"param", required_argument, NULL, 'p'},
        {"batch-size", required_argument, NULL, 'b'},
        {"compact", no_argument, NULL, 'C'},
        {"parse", required_argument, NULL, 'P'},
        {"keep-raw", no_argument, NULL, 'K'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    cli_conn conn = {0};
    etlc_param *params = NULL;
    size_t nparams = 0;
    etlc_land_options land = {0};
    long long batch = 0; /* 0: the connector's default (10000, or its page option) */
    bool compact = false;
    int opt, rc = EXIT_OK;
    while (rc == EXIT_OK && (opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        if (cli_conn_option(&conn, opt, optarg) || cli_land_option("fetch", &land, opt, optarg, &rc))
            continue;
        switch (opt) {
        case 'p':
            params = realloc(params, (nparams + 1) * sizeof *params);
            rc = parse_param(optarg, &params[nparams++]);
            break;
        case 'C': compact = true; break;
        case 'P':
            land.parse = optarg;
            if (strcmp(optarg, "csv") != 0 && strcmp(optarg, "jsonl") != 0 && strcmp(optarg, "parquet") != 0)
                rc = cli_usage_error("fetch", "--parse '%s': give csv, jsonl or parquet", optarg);
            break;
        case 'K': land.keep_raw = true; break;
        case 'b': rc = cli_parse_count("fetch", "--batch-size", optarg, 1, INT64_MAX, &batch); break;
        case 'h': help(); goto out;
        default: rc = cli_usage_error("fetch", "unknown option");
        }
    }
    if (rc != EXIT_OK)
        goto out;
    int positional = argc - optind;
    if (positional == 2) {
        conn.protocol = argv[optind++];
    } else if (positional != 1 || !conn.file) {
        rc = cli_usage_error("fetch", conn.file ? "give one QUERY (and optionally PROTOCOL before it)"
                                                : "give PROTOCOL and QUERY, or -c FILE and QUERY");
        goto out;
    }
    const char *query = argv[optind];
    if ((rc = cli_land_check("fetch", &land)) != EXIT_OK)
        goto out;
    if (land.keep_raw && !land.parse) {
        rc = cli_usage_error("fetch", "--keep-raw goes with --parse");
        goto out;
    }
    land.cancel = cli_cancel_install(); /* from here on: a signal during connect counts too */
    etlc_config *cfg = NULL;
    if ((rc = cli_conn_load(&conn, false, &cfg)) != EXIT_OK)
        goto out;
    etlc_error err = {0};
    etlc_connector *c = NULL;
    etlc_result *result = NULL;
    int code = cli_source_open(cfg, &c, &err);
    if (code == ETLC_OK) {
        etlc_fetch_request req = {.query = query, .params = params, .nparams = nparams, .batch_rows = (size_t)batch};
        land.progress = cli_progress_cb;
        code = etlc_connector_fetch(c, &req, &land, &result, &err);
        cli_progress_done();
    }
    if (result)
        cli_print_result(result, compact);
    rc = code == ETLC_OK ? EXIT_OK : cli_fail(&err);
    etlc_result_free(result);
    etlc_connector_release(c);
    etlc_config_free(cfg);
out:
    free(params);
    cli_conn_free(&conn);
    return rc;
}
