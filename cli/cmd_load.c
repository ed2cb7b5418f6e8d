/* etlconn load -c DW_FILE --table T [--mode append|replace|merge --key COL...] PATH... */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(void)
{
    printf("Usage: etlconn load [dw] [-c FILE] [--set KEY=VALUE]... --table T [OPTIONS] PATH...\n\n"
           "Load lake files into a PostgreSQL warehouse table with binary COPY, in one\n"
           "transaction: all of it is committed or none of it. PATH is a .parquet, .jsonl\n"
           "or .csv file, a directory (searched recursively), or an IngestionResult .json\n"
           "file (as printed by 'etlconn fetch') whose items are loaded with their column\n"
           "types. Prints a JSON summary on stdout.\n\n"
           "  -c, --config FILE     dw config file (JSON or YAML; env DW_<KEY> also applies)\n"
           "  --env-prefix P        read P_<KEY> instead of DW_<KEY>\n"
           "  --set KEY=VALUE       explicit override (repeatable)\n"
           "  -t, --table T         target table in the configured schema (created when missing)\n"
           "  -m, --mode MODE       append (default): add rows; files already in the load\n"
           "                          journal for this table are skipped\n"
           "                        replace: build a new table from the files and swap it in\n"
           "                        merge: upsert on --key columns (last row per key wins)\n"
           "  -k, --key COL         merge key column (repeatable)\n"
           "  --batch-size N        JSONL/CSV rows per batch (default 10000)\n"
           "  --compact             print the JSON on one line\n\n"
           "Exit status: 0 loaded (or nothing new to load), 1 the load failed and nothing\n"
           "was changed, 2 usage or configuration error,\n" CLI_EXIT_CANCELLED_HELP);
}

static void progress(void *ud, uint64_t rows, uint64_t bytes)
{
    (void)ud;
    cli_progress_rows(rows, bytes / 1e6);
}

int cmd_load(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_CONN_OPTS,
        {"table", required_argument, NULL, 't'},
        {"mode", required_argument, NULL, 'm'},
        {"key", required_argument, NULL, 'k'},
        {"batch-size", required_argument, NULL, 'b'},
        {"compact", no_argument, NULL, 'C'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    cli_conn conn = {0};
    etlc_dw_load_options lo = {0};
    const char **keys = NULL;
    bool compact = false;
    int opt, rc = EXIT_OK;
    while (rc == EXIT_OK && (opt = getopt_long(argc, argv, "c:t:m:k:h", opts, NULL)) != -1) {
        if (cli_conn_option(&conn, opt, optarg))
            continue;
        switch (opt) {
        case 't': lo.table = optarg; break;
        case 'm': {
            int m = etlc_dw_mode_parse(optarg);
            if (m < 0)
                rc = cli_usage_error("load", "--mode '%s' is not one of append|replace|merge", optarg);
            else
                lo.mode = (etlc_dw_mode)m;
            break;
        }
        case 'k': {
            const char **k = realloc(keys, (lo.nkeys + 1) * sizeof *k);
            if (!k) {
                rc = cli_usage_error("load", "out of memory");
                break;
            }
            keys = k;
            keys[lo.nkeys++] = optarg;
            break;
        }
        case 'b': {
            long long v;
            if ((rc = cli_parse_count("load", "--batch-size", optarg, 1, 100000000, &v)) == EXIT_OK)
                lo.batch_rows = (size_t)v;
            break;
        }
        case 'C': compact = true; break;
        case 'h': help(); goto out;
        default: rc = cli_usage_error("load", "unknown option");
        }
    }
    if (rc != EXIT_OK)
        goto out;
    lo.keys = keys;
    if (optind < argc && strcmp(argv[optind], "dw") == 0 && !conn.file)
        optind++;
    if (!lo.table) {
        rc = cli_usage_error("load", "--table is required");
        goto out;
    }
    if (optind >= argc) {
        rc = cli_usage_error("load", "give at least one PATH to load");
        goto out;
    }
    if (lo.mode == ETLC_DW_MERGE && lo.nkeys == 0) {
        rc = cli_usage_error("load", "--mode merge needs --key COL (repeatable)");
        goto out;
    }
    if (lo.mode != ETLC_DW_MERGE && lo.nkeys) {
        rc = cli_usage_error("load", "--key only applies to --mode merge");
        goto out;
    }
    conn.protocol = conn.file ? NULL : "dw";
    lo.cancel = cli_cancel_install(); /* from here on: a signal during connect counts too */
    etlc_config *cfg = NULL;
    if ((rc = cli_conn_load(&conn, false, &cfg)) != EXIT_OK)
        goto out;
    etlc_error err = {0};
    const etlc_connector_ops *ops = NULL;
    etlc_connector *c = NULL;
    etlc_dw_load_result *res = NULL;
    int code = etlc_registry_find(etlc_config_table(cfg)->protocol, &ops, &err);
    if (code == ETLC_OK && strcmp(ops->name, "dw") != 0)
        code = etlc_error_set(&err, ETLC_CONFIG, "load needs a dw config (protocol: dw), not %s", ops->name);
    if (code == ETLC_OK)
        code = etlc_connector_open(ops, cfg, &c, &err);
    if (code == ETLC_OK) {
        lo.progress = progress;
        code = etlc_dw_load(c, (const char *const *)(argv + optind), (size_t)(argc - optind), &lo, &res, &err);
        cli_progress_done();
    }
    if (res) {
        char *json = NULL;
        if (etlc_dw_load_result_to_json(res, !compact, &json, &err) == ETLC_OK) {
            fputs(json, stdout);
            putchar('\n');
        }
        free(json);
    }
    rc = code == ETLC_OK ? EXIT_OK : cli_fail(&err);
    etlc_dw_load_result_free(res);
    etlc_connector_release(c);
    etlc_config_free(cfg);
out:
    free(keys);
    cli_conn_free(&conn);
    return rc;
}
