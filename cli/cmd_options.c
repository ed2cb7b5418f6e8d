/* etlconn options PROTOCOL [--json | --markdown | --example json|yaml] */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(void)
{
    printf("Usage: etlconn options PROTOCOL [--json | --markdown | --example json|yaml]\n\n"
           "Show the options a protocol accepts: name, type, default, range or choices,\n"
           "whether required or secret, and the environment variable that sets it.\n\n"
           "  --json            a JSON array on stdout\n"
           "  --markdown        a Markdown table (the docs pages are made from it)\n"
           "  --example FORMAT  an example config file (json or yaml) to start from\n");
}

int cmd_options(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"markdown", no_argument, NULL, 'm'},
        {"example", required_argument, NULL, 'x'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    int mode = 0;
    const char *example = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'j': mode = 'j'; break;
        case 'm': mode = 'm'; break;
        case 'x': mode = 'x'; example = optarg; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_usage_error("options", "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("options", "name exactly one PROTOCOL");
    etlc_error err = {0};
    const etlc_connector_ops *ops;
    if (etlc_registry_find(argv[optind], &ops, &err) != ETLC_OK)
        return cli_fail(&err);
    char *out = NULL;
    int rc;
    if (mode == 'j')
        rc = etlc_options_to_json(ops->options, &out, &err);
    else if (mode == 'x') {
        if (strcmp(example, "json") != 0 && strcmp(example, "yaml") != 0)
            return cli_usage_error("options", "--example takes json or yaml, not '%s'", example);
        rc = etlc_options_example(ops->options, example, &out, &err);
    } else
        rc = etlc_options_to_markdown(ops->options, &out, &err);
    if (rc != ETLC_OK)
        return cli_fail(&err);
    fputs(out, stdout);
    if ((mode == 0 || mode == 'm') && etlc_option_count(ops->options) > 0) {
        char upper[128];
        size_t n = 0;
        for (const char *p = etlc_option_at(ops->options, 0)->name; *p && n < sizeof upper - 1; p++)
            upper[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        upper[n] = '\0';
        printf("\nEnvironment variables: %s_<KEY>, e.g. %s_%s.\n", ops->options->env_prefix,
               ops->options->env_prefix, upper);
    }
    free(out);
    return EXIT_OK;
}
