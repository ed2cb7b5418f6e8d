/* etlconn extract [PROTOCOL] -c FILE --table T | --query Q [--watermark COL --key COL] ... */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(void)
{
    printf("Usage: etlconn extract [PROTOCOL] [-c FILE] [--set KEY=VALUE]... (--table T | --query Q) [OPTIONS]\n\n"
           "Extract a table or query from a SQL database into the lake, incrementally:\n"
           "one consistent snapshot per run, rows after the saved cursor up to the upper\n"
           "bound max(watermark) - lag, paged with ORDER BY (watermark, key) so rows that\n"
           "share a watermark value are neither lost nor duplicated. Files become visible\n"
           "whole; the state advances only after them. Prints the IngestionResult JSON.\n\n"
           "  -c, --config FILE        JSON or YAML config file (may name 'protocol:')\n"
           "  --env-prefix P, --set KEY=VALUE   as for 'etlconn fetch'\n"
           "  --table T                table to extract (\"schema.table\" allowed; quoted)\n"
           "  --query Q                or a SELECT, used as a subquery\n"
           "  --watermark COL          column that grows with each change (omit: full snapshot each run)\n"
           "  --key COL[,COL...]       unique NOT NULL tie-breaker column(s) (repeatable; needed with --watermark)\n"
           "  --state FILE             keep the checkpoint in this local file instead of the lake\n"
           "                           (default LAKE/_checkpoints/PROTOCOL/SOURCE/<hash>.json, in S3\n"
           "                           too; docs/checkpoint.md)\n"
           "  --wait DURATION          when another run holds the checkpoint, wait for it up to\n"
           "                           DURATION (30s, 5m); default: fail at once (exit 1)\n"
           "  --batch-size N           rows per page and batch (default 10000)\n"
           "  --initial VALUE          first run only: start at watermark >= VALUE\n"
           "  --lag DURATION_OR_VALUE  leave the newest part for the next run, for late commits:\n"
           "                           a duration (90s, 5m, 2h, 1d) for time watermarks, a number otherwise\n"
           "  --partitions N           read N ranges of --partition-on in parallel sessions\n"
           "  --partition-on COL       integer column to split on\n"
           "  --partition I/N          read only slice I of N (0-based; rows where COL mod N = I), for\n"
           "                           many processes or machines; each slice keeps its own state\n"
           CLI_LAND_HELP
           "                           (default %s)\n"
           "  --compact                print the result JSON on one line\n\n"
           "One run at a time per checkpoint: a second run on the same extraction fails\n"
           "at once naming the run that holds it (or waits, --wait), and never lands a copy.\n\n"
           "Exit status: 0 success, 1 extraction failed or the checkpoint is held (the\n"
           "position is unchanged; a re-run lands the same file names), 2 usage or\n"
           "configuration error,\n"
           CLI_EXIT_CANCELLED_HELP
           "See docs/extract.md for the guarantees and the lag window.\n", ETLC_EXTRACT_DEFAULT_TEMPLATE);
}

/* --key a,b --key c: split on commas into one list. */
static int add_keys(const char *arg, char ***keys, size_t *nkeys)
{
    const char *p = arg;
    for (;;) {
        size_t n = strcspn(p, ",");
        if (n == 0)
            return cli_usage_error("extract", "--key '%s' has an empty column name", arg);
        char **grown = realloc(*keys, (*nkeys + 1) * sizeof *grown);
        if (!grown)
            return cli_usage_error("extract", "out of memory");
        *keys = grown;
        (*keys)[(*nkeys)++] = strndup(p, n);
        if (!p[n])
            return EXIT_OK;
        p += n + 1;
    }
}

/* "I/N", digits only (sscanf's %u would take "-1" and overflow silently). */
static bool parse_slice(const char *s, unsigned *i, unsigned *n)
{
    *i = *n = 0;
    size_t a = strspn(s, "0123456789");
    if (a == 0 || a > 6 || s[a] != '/')
        return false;
    size_t b = strspn(s + a + 1, "0123456789");
    if (b == 0 || b > 6 || s[a + 1 + b] != '\0')
        return false;
    unsigned long vi = strtoul(s, NULL, 10), vn = strtoul(s + a + 1, NULL, 10);
    if (vn == 0 || vn > 100000 || vi >= vn)
        return false;
    *i = (unsigned)vi;
    *n = (unsigned)vn;
    return true;
}

int cmd_extract(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_CONN_OPTS,
        CLI_LAND_OPTS,
        {"table", required_argument, NULL, 'T'},
        {"query", required_argument, NULL, 'Q'},
        {"watermark", required_argument, NULL, 'W'},
        {"key", required_argument, NULL, 'K'},
        {"state", required_argument, NULL, 'S'},
        {"wait", required_argument, NULL, 'w'},
        {"batch-size", required_argument, NULL, 'b'},
        {"initial", required_argument, NULL, 'I'},
        {"lag", required_argument, NULL, 'g'},
        {"partitions", required_argument, NULL, 'P'},
        {"partition-on", required_argument, NULL, 'O'},
        {"partition", required_argument, NULL, 'X'},
        {"compact", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    cli_conn conn = {0};
    etlc_extract_options x = {0};
    char **keys = NULL;
    size_t nkeys = 0;
    long long v;
    bool compact = false;
    int opt, rc = EXIT_OK;
    while (rc == EXIT_OK && (opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        if (cli_conn_option(&conn, opt, optarg) || cli_land_option("extract", &x.land, opt, optarg, &rc))
            continue;
        switch (opt) {
        case 'T': x.table = optarg; break;
        case 'Q': x.query = optarg; break;
        case 'W': x.watermark = optarg; break;
        case 'K': rc = add_keys(optarg, &keys, &nkeys); break;
        case 'S': x.state_path = optarg; break;
        case 'w':
            if ((rc = cli_parse_duration_ms("extract", "--wait", optarg, &v)) == EXIT_OK)
                x.wait_ms = v;
            break;
        case 'I': x.initial = optarg; break;
        case 'g': x.lag = optarg; break;
        case 'O': x.partition_on = optarg; break;
        case 'C': compact = true; break;
        case 'b':
            if ((rc = cli_parse_count("extract", "--batch-size", optarg, 1, 100000000, &v)) == EXIT_OK)
                x.batch_size = (size_t)v;
            break;
        case 'P':
            if ((rc = cli_parse_count("extract", "--partitions", optarg, 1, 64, &v)) == EXIT_OK)
                x.partitions = (unsigned)v;
            break;
        case 'X': {
            unsigned i, n;
            if (!parse_slice(optarg, &i, &n))
                rc = cli_usage_error("extract", "--partition '%s' must be I/N with 0 <= I < N <= 100000 (e.g. 0/4)",
                                     optarg);
            x.slice_index = i;
            x.slice_count = n;
            break;
        }
        case 'h': help(); goto out;
        default: rc = cli_usage_error("extract", "unknown option");
        }
    }
    if (rc != EXIT_OK)
        goto out;
    if (argc - optind == 1)
        conn.protocol = argv[optind++];
    if (argc - optind != 0 || (!conn.protocol && !conn.file)) {
        rc = cli_usage_error("extract", "give PROTOCOL or -c FILE (and no other positional arguments)");
        goto out;
    }
    if (!x.table == !x.query) {
        rc = cli_usage_error("extract", "give exactly one of --table and --query");
        goto out;
    }
    if ((rc = cli_land_check("extract", &x.land)) != EXIT_OK)
        goto out;
    x.keys = (const char *const *)keys;
    x.nkeys = nkeys;
    x.land.cancel = cli_cancel_install(); /* from here on: a signal during connect counts too */
    etlc_config *cfg = NULL;
    if ((rc = cli_conn_load(&conn, false, &cfg)) != EXIT_OK)
        goto out;
    etlc_error err = {0};
    etlc_connector *c = NULL;
    etlc_result *result = NULL;
    int code = cli_source_open(cfg, &c, &err);
    if (code == ETLC_OK) {
        x.land.progress = cli_progress_cb;
        code = etlc_extract(c, &x, &result, &err);
        cli_progress_done();
    }
    if (result)
        cli_print_result(result, compact);
    rc = code == ETLC_OK ? EXIT_OK : cli_fail(&err);
    etlc_result_free(result);
    etlc_connector_release(c);
    etlc_config_free(cfg);
out:
    for (size_t i = 0; i < nkeys; i++)
        free(keys[i]);
    free(keys);
    cli_conn_free(&conn);
    return rc;
}
