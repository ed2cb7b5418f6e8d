/* Arrow C Data export: the schema (one field per column of a batch). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/arrow_internal.h"
#include "sinks/column_names.h"

/* One field's strings in one block: private_data, freed by release. */
typedef struct field_block {
    char format[32];
    char *name;
    char *metadata;
} field_block;

static void field_release(struct ArrowSchema *s)
{
    field_block *fb = s->private_data;
    if (fb) {
        free(fb->name);
        free(fb->metadata);
        free(fb);
    }
    s->release = NULL;
}

static void struct_release(struct ArrowSchema *s)
{
    for (int64_t i = 0; i < s->n_children; i++) {
        if (s->children[i]->release)
            s->children[i]->release(s->children[i]);
        free(s->children[i]);
    }
    free(s->children);
    s->release = NULL;
}

/* Arrow's metadata encoding: int32 count, then int32-length-prefixed key and value. */
static char *json_extension_metadata(void)
{
    static const char key[] = "ARROW:extension:name", val[] = "arrow.json";
    int32_t n = 1, kl = (int32_t)strlen(key), vl = (int32_t)strlen(val);
    char *m = malloc(12 + (size_t)kl + (size_t)vl);
    if (!m)
        return NULL;
    memcpy(m, &n, 4);
    memcpy(m + 4, &kl, 4);
    memcpy(m + 8, key, (size_t)kl);
    memcpy(m + 8 + kl, &vl, 4);
    memcpy(m + 12 + kl, val, (size_t)vl);
    return m;
}

static void field_format(const etlc_column_def *d, char *buf, size_t bufsz)
{
    const char *f = "u";
    switch (d->type) {
    case ETLC_TYPE_NULL: f = "n"; break;
    case ETLC_TYPE_BOOL: f = "b"; break;
    case ETLC_TYPE_INT64: f = "l"; break;
    case ETLC_TYPE_DOUBLE: f = "g"; break;
    case ETLC_TYPE_BYTES: f = "z"; break;
    case ETLC_TYPE_DATE: f = "tdD"; break;
    case ETLC_TYPE_TIMESTAMP: f = "tsu:UTC"; break;
    case ETLC_TYPE_DECIMAL:
        if (etlc__arrow_decimal128(d)) {
            snprintf(buf, bufsz, "d:%d,%d", d->precision, d->scale);
            return;
        }
        break;
    default: break; /* text, json, decimal as text */
    }
    snprintf(buf, bufsz, "%s", f);
}

static int field_fill(struct ArrowSchema *s, const etlc_column_def *d, const char *name)
{
    field_block *fb = calloc(1, sizeof *fb);
    if (!fb)
        return -1;
    field_format(d, fb->format, sizeof fb->format);
    fb->name = etlc__strdup(name);
    if (d->type == ETLC_TYPE_JSON)
        fb->metadata = json_extension_metadata();
    *s = (struct ArrowSchema){.format = fb->format, .name = fb->name, .metadata = fb->metadata,
                              .flags = ARROW_FLAG_NULLABLE, .release = field_release,
                              .private_data = fb};
    if (!fb->name || (d->type == ETLC_TYPE_JSON && !fb->metadata)) {
        field_release(s);
        return -1;
    }
    return 0;
}

int etlc__arrow_schema(const etlc_batch *batch, struct ArrowSchema *schema, etlc_error *err)
{
    *schema = (struct ArrowSchema){.format = "+s", .name = "", .release = struct_release};
    const char **names = calloc(batch->ncols + 1, sizeof *names);
    char **settled = NULL, *note = NULL;
    schema->children = calloc(batch->ncols + 1, sizeof *schema->children);
    int rc = names && schema->children ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < batch->ncols; i++)
        names[i] = batch->cols[i].def.name ? batch->cols[i].def.name : "";
    if (rc == 0)
        rc = etlc__column_names_settle(names, batch->ncols, &settled, &note);
    for (size_t i = 0; rc == 0 && i < batch->ncols; i++) {
        struct ArrowSchema *child = calloc(1, sizeof *child);
        if (!child) {
            rc = -1;
            break;
        }
        schema->children[schema->n_children++] = child;
        rc = field_fill(child, &batch->cols[i].def, settled ? settled[i] : names[i]);
    }
    if (settled)
        etlc__column_names_free(settled, batch->ncols);
    free(note);
    free(names);
    if (rc != 0) {
        struct_release(schema);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory exporting an Arrow schema");
    }
    return 0;
}

int etlc_batch_to_arrow(const etlc_batch *batch, struct ArrowSchema *schema,
                        struct ArrowArray *array, etlc_error *err)
{
    if (schema)
        schema->release = NULL;
    if (array)
        array->release = NULL;
    if (!batch || !schema || !array)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT,
                              "etlc_batch_to_arrow needs a batch, a schema and an array");
    int rc = etlc__arrow_schema(batch, schema, err);
    if (rc != 0)
        return rc;
    rc = etlc__arrow_array(batch, array, err);
    if (rc != 0)
        schema->release(schema);
    return rc;
}
