/* etlconn protocols [--json] */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/internal.h"

static void help(void)
{
    printf("Usage: etlconn protocols [--json]\n\n"
           "List every protocol etlconn knows: built in, compiled out, or loaded as a\n"
           "plugin from ETLCONN_PLUGIN_PATH.\n\n"
           "  --json   a JSON array on stdout\n");
}

int cmd_protocols(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    bool json = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (opt == 'j') json = true;
        else if (opt == 'h') { help(); return EXIT_OK; }
        else return cli_usage_error("protocols", "unknown option");
    }
    if (optind < argc)
        return cli_usage_error("protocols", "unexpected argument '%s'", argv[optind]);
    etlc_error err = {0};
    if (etlc_plugins_load_env(&err) != ETLC_OK)
        fprintf(stderr, "etlconn: warning: %s\n", err.message);
    const etlc_protocol_info *list;
    size_t n = etlc_registry_list(&list);
    etlc__buf b = {0};
    if (json) {
        etlc__buf_putc(&b, '[');
        for (size_t i = 0; i < n; i++) {
            const etlc_protocol_info *p = &list[i];
            etlc__buf_puts(&b, i ? ",\n {\"name\":" : "\n {\"name\":");
            etlc__buf_json_string(&b, p->name, strlen(p->name));
            etlc__buf_puts(&b, ",\"aliases\":[");
            for (size_t a = 0; p->aliases && p->aliases[a]; a++) {
                if (a) etlc__buf_putc(&b, ',');
                etlc__buf_json_string(&b, p->aliases[a], strlen(p->aliases[a]));
            }
            etlc__buf_printf(&b, "],\"built_in\":%s,\"plugin\":%s,", p->built_in ? "true" : "false",
                             p->plugin ? "true" : "false");
            if (p->ops)
                etlc__buf_printf(&b, "\"kind\":\"%s\",", etlc_connector_ops_kind(p->ops));
            etlc__buf_puts(&b, "\"description\":");
            const char *d = p->description ? p->description : "";
            etlc__buf_json_string(&b, d, strlen(d));
            etlc__buf_putc(&b, '}');
        }
        etlc__buf_puts(&b, "\n]\n");
    } else {
        for (size_t i = 0; i < n; i++) {
            const etlc_protocol_info *p = &list[i];
            const char *state = p->plugin ? "plugin" : p->built_in ? "built in" : "not built in";
            etlc__buf_printf(&b, "%-12s %-13s %-12s %s", p->name, state,
                             p->ops ? etlc_connector_ops_kind(p->ops) : "-",
                             p->description ? p->description : "");
            if (p->aliases && p->aliases[0]) {
                etlc__buf_puts(&b, " (aliases:");
                for (size_t a = 0; p->aliases[a]; a++)
                    etlc__buf_printf(&b, " %s", p->aliases[a]);
                etlc__buf_putc(&b, ')');
            }
            etlc__buf_putc(&b, '\n');
        }
    }
    fputs(b.data ? b.data : "", stdout);
    etlc__buf_free(&b);
    return EXIT_OK;
}
