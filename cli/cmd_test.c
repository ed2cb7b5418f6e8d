/* etlconn test PROTOCOL | -c FILE [--set KEY=VALUE]... [--json] */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static void help(void)
{
    printf("Usage: etlconn test [PROTOCOL] [-c FILE] [--env-prefix P] [--set KEY=VALUE]... [--json]\n\n"
           "Connect and run the protocol's health check. Prints healthy/unhealthy,\n"
           "latency and server version.\n\n"
           "  -c, --config FILE     JSON or YAML config file (may name 'protocol:')\n"
           "  --env-prefix P        read P_<KEY> instead of the protocol's default prefix\n"
           "  --set KEY=VALUE       explicit override (repeatable)\n"
           "  --json                JSON on stdout\n\n"
           "Exit status: 0 healthy, 1 unhealthy or cannot connect, 2 configuration error.\n");
}

static void print_health(const char *protocol, const etlc_health *h, const etlc_error *err, bool json)
{
    if (json) {
        json_t *o = json_pack("{s:s, s:b, s:f, s:s, s:s}", "protocol", protocol, "healthy", h->healthy,
                              "latency_ms", h->latency_ms, "server_version", h->server_version,
                              "detail", h->detail);
        if (o && err && err->code)
            json_object_set_new(o, "error", json_pack("{s:s, s:s}", "code", etlc_code_name(err->code),
                                                      "message", err->message));
        if (!o || json_dumpf(o, stdout, JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6)) != 0)
            fputs("{\"error\":{\"code\":\"NO_MEMORY\"}}", stdout);
        putchar('\n');
        json_decref(o);
    } else {
        printf("%s: %s", protocol, h->healthy ? "healthy" : "unhealthy");
        if (h->server_version[0])
            printf(", %s", h->server_version);
        if (h->healthy || h->latency_ms > 0)
            printf(", %.2f ms", h->latency_ms);
        if (h->detail[0])
            printf(" — %s", h->detail);
        putchar('\n');
    }
}

int cmd_test(int argc, char **argv)
{
    cli_conn conn = {0};
    bool json = false;
    int rc = cli_parse_conn_args(argc, argv, "test", help, &conn, &json);
    if (rc != -1) {
        cli_conn_free(&conn);
        return rc;
    }
    etlc_config *cfg = NULL;
    rc = cli_conn_load(&conn, false, &cfg);
    if (rc != EXIT_OK) {
        cli_conn_free(&conn);
        return rc;
    }
    etlc_error err = {0};
    const char *protocol = etlc_config_table(cfg)->protocol;
    etlc_health h = {0};
    etlc_connector *c = NULL;
    if (cli_connector_open(cfg, &c, &err) == ETLC_OK)
        etlc_connector_test(c, &h, &err);
    if (!h.healthy && !err.code)
        etlc_error_set(&err, ETLC_UNHEALTHY, "%s", h.detail[0] ? h.detail : "health check failed");
    if (err.code && !h.detail[0])
        snprintf(h.detail, sizeof h.detail, "%s", err.message);
    print_health(protocol, &h, &err, json);
    rc = h.healthy ? EXIT_OK : (cli_exit_for(err.code) == EXIT_USAGE ? EXIT_USAGE : EXIT_FAILURE_);
    if (!h.healthy && !json)
        fprintf(stderr, "etlconn: error [%s]: %s\n", etlc_code_name(err.code), err.message);
    etlc_connector_release(c);
    etlc_config_free(cfg);
    cli_conn_free(&conn);
    return rc;
}
