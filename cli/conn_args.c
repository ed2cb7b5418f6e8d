/* Parsing shared by the commands that name a connection. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

bool cli_conn_option(cli_conn *conn, int opt, const char *arg)
{
    switch (opt) {
    case 'c':
        conn->file = arg;
        return true;
    case 'E':
        conn->env_prefix = arg;
        return true;
    case 's': {
        etlc_error err = {0};
        char *k = NULL, *v = NULL;
        if (etlc_kv_parse(arg, &k, &v, &err) != ETLC_OK)
            exit(cli_fail(&err));
        conn->sets = realloc(conn->sets, (conn->nsets + 1) * sizeof *conn->sets);
        conn->set_storage = realloc(conn->set_storage, (conn->nsets + 1) * 2 * sizeof *conn->set_storage);
        if (!conn->sets || !conn->set_storage) {
            fprintf(stderr, "etlconn: out of memory\n");
            exit(EXIT_FAILURE_);
        }
        conn->set_storage[2 * conn->nsets] = k;
        conn->set_storage[2 * conn->nsets + 1] = v;
        conn->sets[conn->nsets].key = k;
        conn->sets[conn->nsets].value = v;
        conn->nsets++;
        return true;
    }
    default:
        return false;
    }
}

void cli_conn_free(cli_conn *conn)
{
    for (size_t i = 0; i < 2 * conn->nsets; i++) {
        if (conn->set_storage[i])
            memset(conn->set_storage[i], 0, strlen(conn->set_storage[i]));
        free(conn->set_storage[i]);
    }
    free(conn->set_storage);
    free(conn->sets);
}

void cli_conn_sources(const cli_conn *conn, etlc_config_sources *src, bool allow_missing)
{
    memset(src, 0, sizeof *src);
    src->file = conn->file;
    src->env_prefix = conn->env_prefix;
    src->overrides = conn->sets;
    src->overrides_len = conn->nsets;
    src->allow_missing_required = allow_missing;
}

int cli_conn_load(const cli_conn *conn, bool allow_missing, etlc_config **cfg)
{
    etlc_config_sources src;
    cli_conn_sources(conn, &src, allow_missing);
    etlc_error err = {0};
    if (etlc_load_connection_config(conn->protocol, &src, cfg, &err) != ETLC_OK)
        return cli_fail(&err);
    return EXIT_OK;
}

int cli_exit_for(int code)
{
    if (code == ETLC_OK)
        return EXIT_OK;
    if (code == ETLC_CANCELLED || cli_cancelled())
        return EXIT_CANCELLED;
    if ((code >= 100 && code < 200) || code == ETLC_UNKNOWN_PROTOCOL || code == ETLC_NOT_BUILT_IN ||
        code == ETLC_INVALID_ARGUMENT || code == ETLC_IO_PATH)
        return EXIT_USAGE;
    return EXIT_FAILURE_;
}

int cli_fail(const etlc_error *err)
{
    cli_progress_done();
    fprintf(stderr, "etlconn: error [%s]: %s\n", etlc_code_name(err->code),
            err->message[0] ? err->message : etlc_code_str(err->code));
    return cli_exit_for(err->code);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    /* Redact the whole message, never a cut of it (a cut could split a secret). */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (msg) {
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    char *red = msg ? etlc_redact_dup(msg) : NULL;
    if (msg)
        memset(msg, 0, (size_t)n);
    free(msg);
    fprintf(stderr, "etlconn %s: %s\nTry 'etlconn %s --help'.\n", cmd,
            red ? red : "(message withheld: out of memory)", cmd);
    free(red);
    return EXIT_USAGE;
}

int cli_parse_conn_args(int argc, char **argv, const char *cmd, void (*help)(void), cli_conn *conn,
                        bool *json)
{
    static const struct option opts[] = {
        CLI_CONN_OPTS, {"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    int opt;
    while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        if (cli_conn_option(conn, opt, optarg))
            continue;
        if (opt == 'j') {
            *json = true;
        } else if (opt == 'h') {
            help();
            return EXIT_OK;
        } else {
            return cli_usage_error(cmd, "unknown option");
        }
    }
    if (optind < argc)
        conn->protocol = argv[optind++];
    if (optind < argc)
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    if (!conn->protocol && !conn->file)
        return cli_usage_error(cmd, "name a PROTOCOL or a config file with -c");
    return -1;
}

int cli_parse_count(const char *cmd, const char *opt, const char *arg, long long min, long long max,
                    long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (errno || *end || end == arg || v < min || v > max)
        return cli_usage_error(cmd, "%s '%s' must be a whole number from %lld to %lld", opt, arg, min, max);
    *out = v;
    return EXIT_OK;
}

int cli_parse_duration_ms(const char *cmd, const char *opt, const char *arg, long long *out)
{
    static const struct {
        const char *unit;
        long long ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"", 1000}};
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (!errno && end != arg && v >= 0)
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strcmp(end, units[i].unit) == 0 && v <= 7LL * 86400000 / units[i].ms) {
                *out = v * units[i].ms;
                return EXIT_OK;
            }
    return cli_usage_error(cmd, "%s '%s' must be a duration such as 500ms, 30s, 5m or 2h (at most a week)", opt,
                           arg);
}

int cli_connector_open(const etlc_config *cfg, etlc_connector **c, etlc_error *err)
{
    const etlc_connector_ops *ops = NULL;
    int code = etlc_registry_find(etlc_config_table(cfg)->protocol, &ops, err);
    return code == ETLC_OK ? etlc_connector_open(ops, cfg, c, err) : code;
}

int cli_source_open(const etlc_config *cfg, etlc_connector **c, etlc_error *err)
{
    const etlc_connector_ops *ops = NULL;
    int code = etlc_registry_find(etlc_config_table(cfg)->protocol, &ops, err);
    if (code == ETLC_OK && ops->load) /* sources may read through fetch or a capability */
        return etlc_error_set(err, ETLC_UNSUPPORTED, "%s is a destination: use etlconn load",
                              ops->name);
    return code == ETLC_OK ? etlc_connector_open(ops, cfg, c, err) : code;
}

void cli_print_result(const etlc_result *r, bool compact)
{
    char *json = NULL;
    etlc_error err = {0};
    if (etlc_result_to_json(r, !compact, &json, &err) == ETLC_OK) {
        fputs(json, stdout);
        putchar('\n');
    } else {
        fprintf(stderr, "etlconn: cannot print the result: %s\n", err.message);
    }
    free(json);
}

bool cli_land_option(const char *cmd, etlc_land_options *land, int opt, const char *arg, int *rc)
{
    long long v;
    *rc = EXIT_OK;
    switch (opt) {
    case 'l': land->lake_root = arg; return true;
    case 'f': land->sink.format = arg; return true;
    case 'z': land->sink.compression = arg; return true;
    case 't': land->sink.path_template = arg; return true;
    case 'r':
        if ((*rc = cli_parse_count(cmd, "--row-group-bytes", arg, 1024, INT64_MAX, &v)) == EXIT_OK)
            land->sink.row_group_bytes = v;
        return true;
    case CLI_OPT_COMPRESSION_LEVEL:
        if ((*rc = cli_parse_count(cmd, "--compression-level", arg, 1, 22, &v)) == EXIT_OK)
            land->sink.compression_level = (int)v;
        return true;
    case CLI_OPT_PARQUET_THREADS:
        if ((*rc = cli_parse_count(cmd, "--parquet-threads", arg, 1, 64, &v)) == EXIT_OK)
            land->sink.parquet_threads = (int)v;
        return true;
    case 'm':
        if ((*rc = cli_parse_count(cmd, "--max-records-per-file", arg, 1, INT64_MAX, &v)) == EXIT_OK)
            land->sink.max_records_per_file = v;
        return true;
    default:
        return false;
    }
}

/* --compression-level against --compression, before any work starts. */
static int land_level_check(const char *cmd, const etlc_land_options *land)
{
    if (!land->sink.compression_level || !etlc_sink_format_supported("parquet"))
        return EXIT_OK;
    etlc_parquet_codec codec;
    etlc_error err = {0};
    if (etlc_parquet_codec_parse(land->sink.compression, &codec, &err) != 0)
        return cli_usage_error(cmd, "--compression: %s", err.message);
    if (etlc_parquet_level_check(codec, land->sink.compression_level, &err) != 0)
        return cli_usage_error(cmd, "--compression-level %d --compression %s: %s",
                               land->sink.compression_level, etlc_parquet_codec_name(codec), err.message);
    return EXIT_OK;
}

int cli_land_check(const char *cmd, const etlc_land_options *land)
{
    if (land->sink.format && !etlc_sink_format_supported(land->sink.format))
        return cli_usage_error(cmd, "--format '%s' is not available (jsonl, csv%s)", land->sink.format,
                               etlc_sink_format_supported("parquet") ? ", parquet" : "");
    return land_level_check(cmd, land);
}
