/* etlconn load -c DW_FILE --table T [--mode append|replace|merge --key COL...] LAKE_URI...
 * Goes through the registry and the destination's load capability, so it
 * builds without any destination and then answers NOT_BUILT_IN. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "pipeline/json_text.h"

static void help(void)
{
    printf("Usage: etlconn load [dw] [-c FILE] [--set KEY=VALUE]... --table T [OPTIONS] LAKE...\n\n"
           "Load lake files into a PostgreSQL warehouse table with binary COPY, in one\n"
           "transaction: all of it is committed or none of it. LAKE is a .parquet, .jsonl\n"
           "or .csv file, a directory (searched recursively), an IngestionResult .json\n"
           "file (as printed by 'etlconn fetch') whose items are loaded with their column\n"
           "types, or s3://bucket/prefix/ (every such file under it; endpoint and keys\n"
           "from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, ... as for --lake). Prints a JSON\n"
           "summary on stdout.\n\n"
           "  -c, --config FILE     dw config file (JSON or YAML; env DW_<KEY> also applies)\n"
           "  --env-prefix P        read P_<KEY> instead of DW_<KEY>\n"
           "  --set KEY=VALUE       explicit override (repeatable)\n"
           "  -t, --table T         target table in the configured schema (created when missing)\n"
           "  -m, --mode MODE       append (default): add rows; files already in the load\n"
           "                          journal for this table are skipped\n"
           "                        replace: build a new table from the files and swap it in\n"
           "                        merge: upsert on --key columns (last row per key wins)\n"
           "  -k, --key COL         merge key column (repeatable)\n"
           "  --force               load files the journal has for this table again\n"
           "                          (a deliberate reload; a table dropped or recreated\n"
           "                          since is loaded again without it)\n"
           "  --batch-size N        rows per batch read from a file (default 10000)\n"
           "  --flatten             Parquet: each field of a top-level struct becomes a column\n"
           "                        (\"parent.field\") instead of one jsonb column\n"
           "  --compact             print the JSON on one line\n\n"
           "Exit status: 0 loaded (or nothing new to load), 1 the load failed and nothing\n"
           "was changed, 2 usage or configuration error,\n" CLI_EXIT_CANCELLED_HELP);
}

static void progress(void *ud, uint64_t rows, uint64_t bytes)
{
    (void)ud;
    cli_progress_rows(rows, bytes / 1e6);
}

/* The destination's JSON result, re-indented or made compact (as it came
 * when that runs out of memory). */
static void print_json(const char *json, bool compact)
{
    bool oom;
    json_t *v = etlc__json_text_parse(json, &oom);
    char *out = v ? json_dumps(v, compact ? JSON_COMPACT | JSON_PRESERVE_ORDER
                                          : JSON_INDENT(2) | JSON_PRESERVE_ORDER)
                  : NULL;
    fputs(out ? out : json, stdout);
    putchar('\n');
    free(out);
    json_decref(v);
}

static bool known_mode(const char *m)
{
    return strcmp(m, "append") == 0 || strcmp(m, "replace") == 0 || strcmp(m, "merge") == 0;
}

/* Open the configured destination and run the load. */
static int run_load(etlc_config *cfg, const etlc_load_request *req, bool compact, etlc_error *err)
{
    const etlc_connector_ops *ops = NULL;
    etlc_connector *c = NULL;
    char *json = NULL;
    int code = etlc_registry_find(etlc_config_table(cfg)->protocol, &ops, err);
    if (code == ETLC_OK && !ops->load)
        code = etlc_error_set(err, ETLC_CONFIG,
                              "load needs a destination config (such as protocol: dw), not %s, "
                              "which is a source", ops->name);
    if (code == ETLC_OK)
        code = etlc_connector_open(ops, cfg, &c, err);
    if (code == ETLC_OK) {
        code = etlc_connector_load(c, req, &json, err);
        cli_progress_done();
    }
    if (json)
        print_json(json, compact);
    free(json);
    etlc_connector_release(c);
    return code;
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
        {"force", no_argument, NULL, 'F'},
        {"flatten", no_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},
        {0, 0, 0, 0}};
    cli_conn conn = {0};
    etlc_load_request lr = {.progress = progress};
    const char **keys = NULL;
    bool compact = false;
    int opt, rc = EXIT_OK;
    while (rc == EXIT_OK && (opt = getopt_long(argc, argv, "c:t:m:k:h", opts, NULL)) != -1) {
        if (cli_conn_option(&conn, opt, optarg))
            continue;
        switch (opt) {
        case 't': lr.target = optarg; break;
        case 'm':
            if (!known_mode(optarg))
                rc = cli_usage_error("load", "--mode '%s' is not one of append|replace|merge", optarg);
            else
                lr.mode = optarg;
            break;
        case 'k': {
            const char **k = realloc(keys, (lr.nkeys + 1) * sizeof *k);
            if (!k) {
                rc = cli_usage_error("load", "out of memory");
                break;
            }
            keys = k;
            keys[lr.nkeys++] = optarg;
            break;
        }
        case 'b': {
            long long v;
            if ((rc = cli_parse_count("load", "--batch-size", optarg, 1, 100000000, &v)) == EXIT_OK)
                lr.batch_rows = (size_t)v;
            break;
        }
        case 'C': compact = true; break;
        case 'F': lr.force = true; break;
        case 'L': cli_conn_option(&conn, 's', "flatten=true"); break; /* the dw option */
        case 'h': help(); goto out;
        default: rc = cli_usage_error("load", "unknown option");
        }
    }
    if (rc != EXIT_OK)
        goto out;
    lr.keys = keys;
    if (optind < argc && strcmp(argv[optind], "dw") == 0 && !conn.file)
        optind++;
    bool merge = lr.mode && strcmp(lr.mode, "merge") == 0;
    if (!lr.target)
        rc = cli_usage_error("load", "--table is required");
    else if (optind >= argc)
        rc = cli_usage_error("load", "give at least one PATH to load");
    else if (merge && lr.nkeys == 0)
        rc = cli_usage_error("load", "--mode merge needs --key COL (repeatable)");
    else if (!merge && lr.nkeys)
        rc = cli_usage_error("load", "--key only applies to --mode merge");
    if (rc != EXIT_OK)
        goto out;
    lr.sources = (const char *const *)(argv + optind);
    lr.nsources = (size_t)(argc - optind);
    conn.protocol = conn.file ? NULL : "dw";
    lr.cancel = cli_cancel_install(); /* from here on: a signal during connect counts too */
    etlc_config *cfg = NULL;
    if ((rc = cli_conn_load(&conn, false, &cfg)) != EXIT_OK)
        goto out;
    etlc_error err = {0};
    int code = run_load(cfg, &lr, compact, &err);
    rc = code == ETLC_OK ? EXIT_OK : cli_fail(&err);
    etlc_config_free(cfg);
out:
    free(keys);
    cli_conn_free(&conn);
    return rc;
}
