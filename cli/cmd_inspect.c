/* etlconn inspect FILE.parquet [--json] — schema, row groups, statistics. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "pipeline/json_text.h"

static void help(void)
{
    printf("Usage: etlconn inspect FILE.parquet [--json]\n\n"
           "Read a Parquet file's footer (only the footer, not the data) and show its\n"
           "schema, row count, row groups and per-column statistics.\n\n"
           "  --json   the whole footer summary as JSON on stdout\n\n"
           "Exit status: 0 success, 1 the file cannot be read or is not valid Parquet.\n");
}

/* A JSON scalar as short text for the table. */
static void scalar_text(json_t *v, char *buf, size_t sz)
{
    if (!v || json_is_null(v))
        snprintf(buf, sz, "-");
    else if (json_is_string(v))
        snprintf(buf, sz, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, sz, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) {
        double d = json_real_value(v);
        for (int prec = 15; prec <= 17; prec++) { /* shortest text that reads back */
            snprintf(buf, sz, "%.*g", prec, d);
            if (strtod(buf, NULL) == d)
                break;
        }
    }
    else if (json_is_boolean(v))
        snprintf(buf, sz, "%s", json_is_true(v) ? "true" : "false");
    else
        snprintf(buf, sz, "?");
    for (char *p = buf; *p; p++) /* keep the table on one line per column */
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    if (strlen(buf) > 32)
        strcpy(buf + 29, "...");
}

static void print_text(const char *path, json_t *root)
{
    printf("%s\n  rows: %lld, row groups: %lld, created by: %s\n", path,
           (long long)json_integer_value(json_object_get(root, "num_rows")),
           (long long)json_integer_value(json_object_get(root, "num_row_groups")),
           json_string_value(json_object_get(root, "created_by")) ? json_string_value(json_object_get(root, "created_by")) : "?");
    printf("  schema:\n");
    size_t i;
    json_t *col;
    json_array_foreach(json_object_get(root, "schema"), i, col) {
        const char *lt = json_string_value(json_object_get(col, "logical_type"));
        const char *ct = json_string_value(json_object_get(col, "converted_type"));
        const char *unit = json_string_value(json_object_get(col, "unit"));
        printf("    %-24s %-20s %s", json_string_value(json_object_get(col, "name")),
               json_string_value(json_object_get(col, "physical_type")), lt ? lt : ct ? ct : "");
        if (json_object_get(col, "precision"))
            printf("(%lld,%lld)", (long long)json_integer_value(json_object_get(col, "precision")),
                   (long long)json_integer_value(json_object_get(col, "scale")));
        else if (unit)
            printf("(%s, %s)", unit, json_is_true(json_object_get(col, "utc")) ? "UTC" : "local");
        else if (json_object_get(col, "bit_width"))
            printf("(%lld, %s)", (long long)json_integer_value(json_object_get(col, "bit_width")),
                   json_is_true(json_object_get(col, "signed")) ? "signed" : "unsigned");
        putchar('\n');
    }
    json_t *rg;
    size_t g;
    json_array_foreach(json_object_get(root, "row_groups"), g, rg) {
        printf("  row group %zu: %lld rows, %lld bytes compressed (%lld uncompressed)\n", g,
               (long long)json_integer_value(json_object_get(rg, "num_rows")),
               (long long)json_integer_value(json_object_get(rg, "total_compressed_size")),
               (long long)json_integer_value(json_object_get(rg, "total_byte_size")));
        printf("    %-24s %-7s %8s  %-32s %-32s\n", "column", "codec", "nulls", "min", "max");
        json_array_foreach(json_object_get(rg, "columns"), i, col) {
            json_t *st = json_object_get(col, "statistics");
            char mn[40], mx[40], nulls[24];
            scalar_text(json_object_get(st, "min"), mn, sizeof mn);
            scalar_text(json_object_get(st, "max"), mx, sizeof mx);
            scalar_text(json_object_get(st, "null_count"), nulls, sizeof nulls);
            printf("    %-24s %-7s %8s  %-32s %-32s\n", json_string_value(json_object_get(col, "path")),
                   json_string_value(json_object_get(col, "codec")), nulls, mn, mx);
        }
    }
}

int cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    bool json = false;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (opt == 'j') json = true;
        else if (opt == 'h') { help(); return EXIT_OK; }
        else return cli_usage_error("inspect", "unknown option");
    }
    if (optind != argc - 1)
        return cli_usage_error("inspect", "name exactly one Parquet FILE");
    const char *path = argv[optind];
    etlc_error err = {0};
    char *out = NULL;
    if (etlc_parquet_inspect_file(path, &out, &err) != ETLC_OK) {
        cli_fail(&err);
        return EXIT_FAILURE_; /* a bad file is a failure, not a usage error */
    }
    int rc = EXIT_OK;
    if (json) {
        printf("%s\n", out);
    } else {
        bool oom;
        json_t *root = etlc__json_text_parse(out, &oom);
        if (root)
            print_text(path, root);
        else {
            fprintf(stderr, "etlconn: %s rendering the footer of %s\n", oom ? "out of memory" : "internal error", path);
            rc = EXIT_FAILURE_;
        }
        json_decref(root);
    }
    free(out);
    return rc;
}
