/* The shared bytes options, read once per run and applied by the driver
 * after `list`, so every protocol filters and cleans up the same way. */
#include <stdlib.h>
#include <string.h>

#include "etlconn/lake.h"
#include "pipeline/bytes_settings.h"

static bool has_fragment(const etlc_config *cfg)
{
    return etlc_option_find(etlc_config_table(cfg), "after_landing") != NULL;
}

static int read_after(const etlc_connector *c, etlc__bytes_settings *s, etlc_error *err)
{
    const etlc_config *cfg = c->cfg;
    const char *after = etlc_config_get_string(cfg, "after_landing");
    const char *proto = c->ops->name;
    if (!after || strcmp(after, "keep") == 0)
        return 0;
    bool del = strcmp(after, "delete") == 0;
    s->after = del ? ETLC__AFTER_DELETE : ETLC__AFTER_MOVE;
    if (del ? !c->ops->bytes->remove : !c->ops->bytes->move)
        return etlc_error_set(err, ETLC_CONFIG, "after_landing: '%s' is not supported by the %s "
                              "connector (it cannot %s files at the source); use 'keep'",
                              after, proto, del ? "delete" : "move");
    if (del)
        return 0;
    const char *to = etlc_config_get_string(cfg, "move_to");
    if (!to || !*to)
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "move_to: required by the %s "
                              "connector when after_landing is 'move'", proto);
    size_t n = strlen(to);
    while (n > 1 && to[n - 1] == '/')
        n--;
    s->move_to = etlc__strndup(to, n);
    if (!s->move_to)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading move_to");
    etlc_error pe = {0};
    if (etlc_lake_check_relpath(s->move_to, &pe) != 0)
        return etlc_error_set(err, ETLC_CONFIG, "move_to: '%s' (%s connector) must be a directory "
                              "relative to the root, without '.' or '..' segments", to, proto);
    return 0;
}

int etlc__bytes_settings_read(const etlc_connector *c, etlc__bytes_settings *s, etlc_error *err)
{
    memset(s, 0, sizeof *s);
    s->resume = true;
    s->now_us = etlc_now_us();
    const etlc_config *cfg = c->cfg;
    if (!cfg || !has_fragment(cfg))
        return 0;
    s->ninclude = etlc_config_get_list(cfg, "include", &s->include);
    s->nexclude = etlc_config_get_list(cfg, "exclude", &s->exclude);
    s->min_age_ms = etlc_config_get_duration_ms(cfg, "min_age");
    s->max_age_ms = etlc_config_has(cfg, "max_age") ? etlc_config_get_duration_ms(cfg, "max_age") : 0;
    s->resume = etlc_config_get_bool(cfg, "resume");
    int rc = read_after(c, s, err);
    if (rc != 0)
        etlc__bytes_settings_free(s);
    return rc;
}

void etlc__bytes_settings_free(etlc__bytes_settings *s)
{
    free(s->move_to);
    s->move_to = NULL;
}

static bool any_match(const char *const *patterns, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (etlc_glob_match(patterns[i], name))
            return true;
    return false;
}

bool etlc__bytes_wanted(const etlc__bytes_settings *s, const etlc_resource *res)
{
    if (s->ninclude && !any_match(s->include, s->ninclude, res->name))
        return false;
    if (any_match(s->exclude, s->nexclude, res->name))
        return false;
    if (s->move_to) {
        size_t n = strlen(s->move_to);
        if (strncmp(res->name, s->move_to, n) == 0 && res->name[n] == '/')
            return false;
    }
    if (res->mtime_us == 0)
        return true;
    int64_t age_ms = (s->now_us - res->mtime_us) / 1000;
    if (s->min_age_ms > 0 && age_ms < s->min_age_ms)
        return false;
    return !(s->max_age_ms > 0 && age_ms > s->max_age_ms);
}

char *etlc__bytes_move_target(const etlc__bytes_settings *s, const char *name)
{
    etlc__buf b = {0};
    if (etlc__buf_printf(&b, "%s/%s", s->move_to, name) != 0) {
        etlc__buf_free(&b);
        return NULL;
    }
    return etlc__buf_take(&b);
}
