/* etlconn protocols [--json] */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static void help(void)
{
    printf("Usage: etlconn protocols [--json]\n\n"
           "List every protocol etlconn knows: built in, compiled out, or loaded as a\n"
           "plugin from ETLCONN_PLUGIN_PATH.\n\n"
           "  --json   a JSON array on stdout\n");
}

static json_t *protocol_json(const etlc_protocol_info *p)
{
    json_t *aliases = json_array();
    for (size_t a = 0; aliases && p->aliases && p->aliases[a]; a++)
        json_array_append_new(aliases, json_string(p->aliases[a]));
    json_t *o = json_pack("{s:s, s:o, s:b, s:b}", "name", p->name, "aliases", aliases, "built_in",
                          p->built_in, "plugin", p->plugin);
    if (o && p->ops)
        json_object_set_new(o, "kind", json_string(etlc_connector_ops_kind(p->ops)));
    if (o)
        json_object_set_new(o, "description", json_string(p->description ? p->description : ""));
    return o;
}

static int print_json(const etlc_protocol_info *list, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < n; i++)
        if (json_array_append_new(arr, protocol_json(&list[i])) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    int rc = arr && json_dumpf(arr, stdout, JSON_PRESERVE_ORDER | JSON_INDENT(1)) == 0 ? EXIT_OK : EXIT_FAILURE_;
    putchar('\n');
    json_decref(arr);
    if (rc != EXIT_OK)
        fprintf(stderr, "etlconn: out of memory listing protocols\n");
    return rc;
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
    if (json)
        return print_json(list, n);
    for (size_t i = 0; i < n; i++) {
        const etlc_protocol_info *p = &list[i];
        const char *state = p->plugin ? "plugin" : p->built_in ? "built in" : "not built in";
        printf("%-12s %-13s %-12s %s", p->name, state, p->ops ? etlc_connector_ops_kind(p->ops) : "-",
               p->description ? p->description : "");
        if (p->aliases && p->aliases[0]) {
            fputs(" (aliases:", stdout);
            for (size_t a = 0; p->aliases[a]; a++)
                printf(" %s", p->aliases[a]);
            putchar(')');
        }
        putchar('\n');
    }
    return EXIT_OK;
}
