/* etlconn consume PROTOCOL | -c FILE [RESOURCE] [--max-messages N] ... [--follow] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(void)
{
    printf("Usage: etlconn consume [PROTOCOL] [-c FILE] [--set KEY=VALUE]... [RESOURCE] [OPTIONS]\n\n"
           "Consume a stream (kafka, amqp, nats) in micro-batches: each batch lands as one\n"
           "Parquet file named by its partition and first position, and only then are its\n"
           "positions checkpointed and acknowledged to the broker (docs/streams.md). Prints\n"
           "the IngestionResult JSON (the files landed) on stdout.\n\n"
           "  RESOURCE, --topic T, --queue Q, --subject S\n"
           "                           what to consume (default: the config's topic, queue\n"
           "                           or subject)\n"
           "  -c, --config FILE        JSON or YAML config file (may name 'protocol:')\n"
           "  --env-prefix P           read P_<KEY> instead of the protocol's default prefix\n"
           "  --set KEY=VALUE          explicit override (repeatable)\n"
           "  --value-format raw|text|json  how message values become columns (the\n"
           "                           connector's value_format; json by default)\n"
           "  --max-messages N         messages per micro-batch (default 10000)\n"
           "  --max-bytes N[k|M|G]     payload bytes per micro-batch (default 64M)\n"
           "  --max-seconds S          how long a micro-batch gathers (default 5; 500ms, 2m)\n"
           "  --batches N              stop after N files (default 1 without --follow\n"
           "                           or --until-idle)\n"
           "  --until-idle             go on until a micro-batch window brings nothing\n"
           "  --follow                 go on until SIGINT or SIGTERM, then stop cleanly\n"
           CLI_LAND_HELP
           "  --compact                print the result JSON on one line\n\n"
           "Exit status: 0 success (with --follow also when stopped by SIGINT/SIGTERM: the\n"
           "batch in progress is abandoned unacknowledged and comes again next time),\n"
           "1 consume failed (what was landed and acknowledged before stays), 2 usage or\n"
           "configuration error, " CLI_EXIT_CANCELLED_HELP);
}

/* "1048576", "64k", "64M", "1G". */
static int parse_bytes(const char *arg, long long *out)
{
    char *end;
    long long v = strtoll(arg, &end, 10);
    long long mul = 1;
    if (end != arg && *end) {
        mul = *end == 'k' || *end == 'K' ? 1LL << 10 : *end == 'M' ? 1LL << 20 : *end == 'G' ? 1LL << 30 : 0;
        end += mul != 0;
    }
    if (end == arg || *end || v <= 0 || mul == 0 || v > (1LL << 40) / mul)
        return cli_usage_error("consume", "--max-bytes '%s': give a size such as 1048576, 64k, 64M", arg);
    *out = v * mul;
    return EXIT_OK;
}

static void progress(void *userdata, uint64_t records, uint64_t batches)
{
    (void)userdata;
    if (g_cli.progress)
        fprintf(stderr, "\r%llu files, ", (unsigned long long)batches);
    cli_progress_rows(records, -1);
}

typedef struct consume_args {
    etlc_consume_request req;
    bool follow, compact, batches_set;
    const char *value_format;
} consume_args;

static int parse_one(consume_args *a, int opt, const char *arg)
{
    long long n;
    int rc = EXIT_OK;
    switch (opt) {
    case 'T': a->req.resource = arg; break;
    case 'v': a->value_format = arg; break;
    case 'n': rc = cli_parse_count("consume", "--max-messages", arg, 1, 100000000, &n);
              a->req.max_messages = (size_t)n; break;
    case 'B': rc = parse_bytes(arg, &n); a->req.max_bytes = (size_t)n; break;
    case 'S': rc = cli_parse_duration_ms("consume", "--max-seconds", arg, &n); a->req.max_ms = n; break;
    case 'N': rc = cli_parse_count("consume", "--batches", arg, 1, INT64_MAX, &n);
              a->req.max_batches = n; a->batches_set = true; break;
    case 'I': a->req.until_idle = true; break;
    case 'F': a->follow = true; break;
    case 'C': a->compact = true; break;
    default: rc = cli_usage_error("consume", "unknown option");
    }
    return rc;
}

static int run(cli_conn *conn, consume_args *a, etlc_land_options *land)
{
    etlc_config *cfg = NULL;
    int rc = cli_conn_load(conn, false, &cfg);
    if (rc != EXIT_OK)
        return rc;
    etlc_error err = {0};
    etlc_connector *c = NULL;
    etlc_result *result = NULL;
    int code = cli_source_open(cfg, &c, &err);
    if (code == ETLC_OK) {
        land->progress = progress;
        code = etlc_connector_consume(c, &a->req, land, &result, &err);
        cli_progress_done();
    }
    if (result)
        cli_print_result(result, a->compact);
    if (code == ETLC_CANCELLED && a->follow && cli_cancelled())
        rc = EXIT_OK; /* the way a follow ends: nothing is acknowledged ahead of its data */
    else
        rc = code == ETLC_OK ? EXIT_OK : cli_fail(&err);
    etlc_result_free(result);
    etlc_connector_release(c);
    etlc_config_free(cfg);
    return rc;
}

int cmd_consume(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_CONN_OPTS,
        CLI_LAND_OPTS,
        {"topic", required_argument, NULL, 'T'},
        {"queue", required_argument, NULL, 'T'},
        {"subject", required_argument, NULL, 'T'},
        {"value-format", required_argument, NULL, 'v'},
        {"max-messages", required_argument, NULL, 'n'},
        {"max-bytes", required_argument, NULL, 'B'},
        {"max-seconds", required_argument, NULL, 'S'},
        {"batches", required_argument, NULL, 'N'},
        {"until-idle", no_argument, NULL, 'I'},
        {"follow", no_argument, NULL, 'F'},
        {"compact", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    cli_conn conn = {0};
    etlc_land_options land = {0};
    consume_args a = {0};
    int opt, rc = EXIT_OK;
    while (rc == EXIT_OK && (opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        if (cli_conn_option(&conn, opt, optarg) || cli_land_option("consume", &land, opt, optarg, &rc))
            continue;
        if (opt == 'h') {
            help();
            goto out;
        }
        rc = parse_one(&a, opt, optarg);
    }
    if (rc != EXIT_OK)
        goto out;
    int positional = argc - optind;
    /* PROTOCOL RESOURCE, PROTOCOL (no -c), or RESOURCE (with -c) */
    if (positional == 2 || (positional == 1 && !conn.file))
        conn.protocol = argv[optind++], positional--;
    if (positional == 1 && !a.req.resource)
        a.req.resource = argv[optind++], positional--;
    if (positional != 0 || (!conn.file && !conn.protocol)) {
        rc = cli_usage_error("consume", "give PROTOCOL or -c FILE, then at most one RESOURCE");
        goto out;
    }
    if (a.follow && (a.req.until_idle || a.batches_set)) {
        rc = cli_usage_error("consume", "--follow runs until a signal: drop --until-idle and --batches");
        goto out;
    }
    if (!a.follow && !a.req.until_idle && !a.batches_set)
        a.req.max_batches = 1; /* one micro-batch by default */
    if (a.value_format) {
        char set[64];
        snprintf(set, sizeof set, "value_format=%s", a.value_format);
        cli_conn_option(&conn, 's', set);
    }
    if ((rc = cli_land_check("consume", &land)) != EXIT_OK)
        goto out;
    land.cancel = cli_cancel_install();
    rc = run(&conn, &a, &land);
out:
    cli_conn_free(&conn);
    return rc;
}
