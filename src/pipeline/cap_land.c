/* The shared part of the capability drivers (see cap_land.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/cap_land.h"

int etlc__cap_hash16(const char *text, char out[17])
{
    char hex[65];
    if (etlc__sha256_hex(text, strlen(text), hex) != 0)
        return ETLC_NO_MEMORY;
    memcpy(out, hex, 16);
    out[16] = '\0';
    return 0;
}

int etlc__cap_land_begin(etlc_connector *c, const char *what, const char *query,
                         const etlc_land_options *land, etlc__cap_land *l, etlc_error *err)
{
    memset(l, 0, sizeof *l);
    l->c = c;
    l->land = land;
    int rc = etlc__run_begin(c, what, query, land, &l->run, err);
    if (rc != 0)
        return rc;
    l->source = etlc__run_source(l->run);
    l->result = etlc__run_result(l->run);
    return 0;
}

int etlc__cap_checkpoint_open(etlc__cap_land *l, const char *kind, const char *definition_text,
                              etlc_error *err)
{
    int rc = etlc__run_lake(l->run, &l->lake, err);
    if (rc != 0)
        return rc;
    etlc__buf text = {0};
    char def[17];
    if (etlc__buf_printf(&text, "%s\n%s\n%s\n%s", kind, l->c->ops->name, l->source,
                         definition_text ? definition_text : "") != 0 ||
        etlc__cap_hash16(text.data, def) != 0) {
        etlc__buf_free(&text);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming the checkpoint");
    }
    etlc__buf_free(&text);
    memcpy(l->definition, def, sizeof def);
    etlc__checkpoint_place where = {0};
    etlc__checkpoint_options opts = {.kind = kind, .definition = def};
    rc = etlc__run_checkpoint_open(l->run, &where, &opts, err);
    l->cp = etlc__run_checkpoint(l->run);
    return rc;
}

int etlc__cap_commit(etlc__cap_land *l, json_t *position, etlc_error *err)
{
    int rc = etlc__run_checkpoint_commit(l->run, position, err);
    if (rc == 0)
        etlc__run_keep_items(l->run);
    return rc;
}

/* Why `name` cannot be a path below {protocol}/{source}/, or NULL. */
static const char *hostile(const char *name)
{
    if (!*name)
        return "it is empty";
    if (name[0] == '/')
        return "it is absolute";
    for (const unsigned char *s = (const unsigned char *)name; *s; s++)
        if (*s < 0x20 || *s == 0x7f)
            return "it has a control byte";
    for (const char *seg = name;;) {
        size_t n = strcspn(seg, "/");
        if (n == 0)
            return "it has an empty segment";
        if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return "it has a '.' or '..' segment";
        if (!seg[n])
            return NULL;
        seg += n + 1;
    }
}

int etlc__cap_relpath(const etlc__cap_land *l, const char *name, char **out, etlc_error *err)
{
    const char *why = hostile(name);
    if (why) {
        etlc__buf shown = {0}; /* the name with control bytes as \xNN, for the message */
        int bad = 0;
        for (const unsigned char *s = (const unsigned char *)name; !bad && *s; s++)
            bad = *s < 0x20 || *s == 0x7f ? etlc__buf_printf(&shown, "\\x%02x", *s)
                                           : etlc__buf_putc(&shown, (char)*s);
        int rc = etlc_error_set(err, ETLC_IO_PATH, "remote name '%s' refused: %s; nothing of it "
                                "was landed", bad || !shown.data ? "" : shown.data, why);
        etlc__buf_free(&shown);
        return rc;
    }
    etlc__buf b = {0};
    int bad = etlc__buf_printf(&b, "%s/%s/", l->c->ops->name, l->source);
    for (const char *s = name; !bad && *s; s++)
        bad = *s == '\\' ? etlc__buf_printf(&b, "%%5C") : etlc__buf_putc(&b, *s);
    if (bad) {
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory naming a lake file");
    }
    int rc = etlc_lake_check_relpath(b.data, err);
    if (rc != 0) {
        etlc__buf_free(&b);
        return rc;
    }
    *out = etlc__buf_take(&b);
    return 0;
}

int etlc__cap_note_error(etlc__cap_land *l, const etlc_error *e)
{
    etlc_log(ETLC_LOG_WARN, l->c->ops->name, "%s", e->message);
    return etlc_result_add_error(l->result, e->code ? e->code : ETLC_INTERNAL, e->message, NULL);
}

int etlc__cap_land_end(etlc__cap_land *l, int rc, etlc_error *e, bool noted, etlc_result **result,
                       etlc_error *err)
{
    if (!noted || rc == 0)
        return etlc__run_end(l->run, rc, e, result, err);
    etlc_error ignored = {0};
    etlc__run_end(l->run, 0, &ignored, result, NULL);
    if (err)
        *err = *e;
    return rc;
}
