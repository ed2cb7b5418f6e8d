/* etlconn CLI: shared declarations for the command files. */
#ifndef ETLCONN_CLI_H
#define ETLCONN_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "etlconn/etlconn.h"
#include "etlconn/connector_api.h" /* protocols and options list the ops tables */

/* Exit codes (documented in `etlconn --help` and the README). */
enum {
    EXIT_OK = 0,        /* success */
    EXIT_FAILURE_ = 1,  /* the work failed: unhealthy, fetch failed, I/O */
    EXIT_USAGE = 2,     /* bad usage or configuration */
    EXIT_CANCELLED = 130 /* stopped by SIGINT or SIGTERM (128 + SIGINT, as shells report it) */
};

/* The line every cancellable command's --help ends its exit status with. */
#define CLI_EXIT_CANCELLED_HELP \
    "130 stopped by SIGINT or SIGTERM (nothing partial is kept; a second signal quits at once).\n"

typedef struct cli_globals {
    bool quiet;
    bool progress;      /* stderr is a terminal and not --quiet */
} cli_globals;

extern cli_globals g_cli;

/* A connection named on the command line: PROTOCOL and/or -c FILE,
 * --env-prefix, --set KEY=VALUE... */
typedef struct cli_conn {
    const char *protocol;
    const char *file;
    const char *env_prefix;
    etlc_kv *sets;
    char **set_storage; /* owned key/value strings */
    size_t nsets;
} cli_conn;

/* Handle -c/--config, --env-prefix, --set for `opt` (the getopt_long value);
 * returns true if consumed. Errors exit with EXIT_USAGE. */
bool cli_conn_option(cli_conn *conn, int opt, const char *arg);
void cli_conn_free(cli_conn *conn);
void cli_conn_sources(const cli_conn *conn, etlc_config_sources *src, bool allow_missing);
/* Load and validate the connection's config; prints the error. */
int cli_conn_load(const cli_conn *conn, bool allow_missing, etlc_config **cfg);

/* Parse `CMD [PROTOCOL] [-c FILE] [--env-prefix P] [--set K=V]... [--json]`.
 * Returns -1 when the command should go on (conn and *json filled), else
 * the exit status to return (help was shown, or a usage error printed). */
int cli_parse_conn_args(int argc, char **argv, const char *cmd, void (*help)(void), cli_conn *conn,
                        bool *json);

/* A whole number for option `opt` of command `cmd`, within [min, max]. */
int cli_parse_count(const char *cmd, const char *opt, const char *arg, long long min, long long max,
                    long long *out);
/* A duration ("500ms", "30s", "5m", "2h"; a bare number is seconds) in ms. */
int cli_parse_duration_ms(const char *cmd, const char *opt, const char *arg, long long *out);
/* Find the config's connector and connect it (uncached). */
int cli_connector_open(const etlc_config *cfg, etlc_connector **c, etlc_error *err);
/* The same for fetch and extract: a destination is ETLC_UNSUPPORTED
 * ("dw is a destination: use etlconn load"). */
int cli_source_open(const etlc_config *cfg, etlc_connector **c, etlc_error *err);
/* The IngestionResult as JSON on stdout. */
void cli_print_result(const etlc_result *r, bool compact);

/* Route SIGINT and SIGTERM to the process-wide cancel token (returned, for
 * the run's options); a second signal of the same kind ends the process. */
etlc_cancel *cli_cancel_install(void);
/* Whether a signal asked the run to stop. */
bool cli_cancelled(void);

/* Map an etlc code to the CLI exit status (EXIT_CANCELLED once a signal
 * asked the run to stop). */
int cli_exit_for(int code);
/* Print "etlconn: <message>" (and the code name) on stderr; returns the exit status. */
int cli_fail(const etlc_error *err);
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The common long options every connection command accepts. */
#define CLI_CONN_OPTS                                   \
    {"config", required_argument, NULL, 'c'},           \
    {"set", required_argument, NULL, 's'},              \
    {"env-prefix", required_argument, NULL, 'E'}

/* Long-only options (no short letter). */
enum { CLI_OPT_COMPRESSION_LEVEL = 0x100, CLI_OPT_PARQUET_THREADS };

/* Where fetched records land: the options fetch and extract share. */
#define CLI_LAND_OPTS                                           \
    {"lake", required_argument, NULL, 'l'},                     \
    {"format", required_argument, NULL, 'f'},                   \
    {"compression", required_argument, NULL, 'z'},              \
    {"row-group-bytes", required_argument, NULL, 'r'},          \
    {"compression-level", required_argument, NULL, CLI_OPT_COMPRESSION_LEVEL}, \
    {"parquet-threads", required_argument, NULL, CLI_OPT_PARQUET_THREADS},     \
    {"max-records-per-file", required_argument, NULL, 'm'},     \
    {"path-template", required_argument, NULL, 't'}

#define CLI_LAND_HELP                                                                     \
    "  --lake DIR|s3://BUCKET/PREFIX  lake root (default ./lake); S3 settings from AWS_*\n" \
    "                           (AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, ...)\n"   \
    "  --format FORMAT          parquet (default when built), jsonl or csv\n"              \
    "  --compression CODEC      parquet: zstd (default), snappy, gzip, none\n"             \
    "  --compression-level N    parquet: zstd 1..22 (default 1), gzip 1..9 (default 6)\n"  \
    "  --parquet-threads N      parquet: page compression threads (default: online CPUs;\n" \
    "                           1 = none); the files are the same bytes whatever N\n"     \
    "  --row-group-bytes N      parquet: row group size in bytes\n"                         \
    "  --max-records-per-file N roll to a new file after N records\n"                       \
    "  --path-template T        lake path template\n"

/* Handle one CLI_LAND_OPTS option into `land`; returns true if consumed
 * (*rc then holds EXIT_OK or the usage error's status). */
bool cli_land_option(const char *cmd, etlc_land_options *land, int opt, const char *arg, int *rc);
/* After parsing: EXIT_OK, or a usage error for a format not built in. */
int cli_land_check(const char *cmd, const etlc_land_options *land);

int cmd_protocols(int argc, char **argv);
int cmd_options(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_consume(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_load(int argc, char **argv);

/* Progress line on stderr (only when g_cli.progress): rows, MB (omitted
 * when < 0) and the rate since the first call. */
void cli_progress_rows(uint64_t rows, double mbytes);
/* etlc_progress_fn for fetch and extract. */
void cli_progress_cb(void *userdata, uint64_t records, uint64_t batches);
void cli_progress_done(void);

#endif
