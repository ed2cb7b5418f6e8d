/* Config -> libpq keyword/value arrays for PQconnectdbParams. Shared with the
 * dw destination, whose options table uses the same key names.
 *
 * The password (and a url carrying one) only ever goes into these arrays,
 * never into a conninfo string that could be logged. With url, keys left at
 * their defaults go before it (the url overrides them) and keys set by some
 * layer go after it (they override the url). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/pq_common/pq_common.h"

#define PG_MAX_KEYS 16

typedef struct kv_list {
    const char **keys;
    char **values;
    size_t n;
} kv_list;

static int kv_add(kv_list *l, const char *key, const char *value)
{
    if (l->n + 1 >= PG_MAX_KEYS)
        return ETLC_INTERNAL;
    char *v = etlc__strdup(value);
    if (!v)
        return ETLC_NO_MEMORY;
    l->keys[l->n] = key;
    l->values[l->n] = v;
    l->n++;
    return 0;
}

void etlc__pg_conninfo_free(const char **keys, char **values)
{
    if (values)
        for (size_t i = 0; keys && keys[i]; i++)
            etlc__free_secret(values[i]);
    free(values);
    free(keys);
}

/* Register the password inside scheme://user:password@host (raw and
 * percent-decoded) so it is masked wherever it shows up. */
static void register_url_password(const char *url)
{
    const char *s = strstr(url, "://");
    if (!s)
        return;
    s += 3;
    const char *at = strchr(s, '@');
    const char *slash = strchr(s, '/');
    if (!at || (slash && slash < at))
        return;
    const char *colon = memchr(s, ':', (size_t)(at - s));
    if (!colon)
        return;
    size_t n = (size_t)(at - colon - 1);
    char *raw = etlc__strndup(colon + 1, n), *dec = malloc(n + 1);
    if (raw && dec) {
        size_t j = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned hi, lo;
            if (raw[i] == '%' && i + 2 < n && sscanf(raw + i + 1, "%1x%1x", &hi, &lo) == 2) {
                dec[j++] = (char)(hi * 16 + lo);
                i += 2;
            } else {
                dec[j++] = raw[i];
            }
        }
        dec[j] = '\0';
        etlc_redact_register_secret(raw);
        etlc_redact_register_secret(dec);
    }
    etlc__free_secret(raw);
    etlc__free_secret(dec);
}

/* Does `key` belong in the group being added (before the url, or after it)? */
static bool in_group(const etlc_config *cfg, const char *key, bool have_url, bool after_url)
{
    if (!etlc_config_has(cfg, key))
        return false;
    etlc_layer layer = ETLC_LAYER_DEFAULT;
    const char *origin;
    bool after = have_url && etlc_config_provenance(cfg, key, &layer, &origin) && layer != ETLC_LAYER_DEFAULT;
    return after == after_url;
}

/* Add the user-facing keys either before (after_url false: defaults) or after the url. */
static int add_keys(const etlc_config *cfg, kv_list *l, bool have_url, bool after_url)
{
    static const struct { const char *opt, *kw; } map[] = {
        {"host", "host"}, {"database", "dbname"}, {"username", "user"}, {"password", "password"},
        {"sslmode", "sslmode"}, {"sslrootcert", "sslrootcert"}, {"application_name", "application_name"},
    };
    int rc = 0;
    for (size_t i = 0; i < ETLC__ARRAY_LEN(map) && rc == 0; i++) {
        if (!in_group(cfg, map[i].opt, have_url, after_url))
            continue;
        rc = kv_add(l, map[i].kw, etlc_config_get_string(cfg, map[i].opt));
    }
    char num[32];
    if (rc == 0 && in_group(cfg, "port", have_url, after_url)) {
        snprintf(num, sizeof num, "%lld", (long long)etlc_config_get_int(cfg, "port"));
        rc = kv_add(l, "port", num);
    }
    if (rc == 0 && in_group(cfg, "connect_timeout", have_url, after_url)) {
        int64_t ms = etlc_config_get_duration_ms(cfg, "connect_timeout");
        /* libpq counts whole seconds; round up so 500ms does not mean "forever". */
        snprintf(num, sizeof num, "%lld", (long long)((ms + 999) / 1000));
        rc = kv_add(l, "connect_timeout", num);
    }
    return rc;
}

int etlc__pg_conninfo(const etlc_config *cfg, const char ***keys_out, char ***values_out,
                      int *expand_dbname, etlc_error *err)
{
    const char *url = etlc_config_get_string(cfg, "url");
    bool have_url = url && *url;
    if (have_url && strncmp(url, "postgresql://", 13) != 0 && strncmp(url, "postgres://", 11) != 0)
        return etlc_error_set(err, ETLC_CONFIG_RANGE,
                              "PostgreSQL url must start with postgresql:// or postgres:// (value redacted)");
    if (have_url) {
        int urc = etlc__url_check_userinfo(url, "PostgreSQL", false, err);
        if (urc)
            return urc;
    }
    if (!have_url && !etlc_config_has(cfg, "database"))
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY,
                              "PostgreSQL needs 'database' (env %s_DATABASE, or --set database=...) or a url naming one",
                              etlc_config_table(cfg)->env_prefix);
    const char *pw = etlc_config_get_string(cfg, "password");
    if (pw)
        etlc_redact_register_secret(pw);
    if (have_url) {
        etlc_redact_register_secret(url);
        register_url_password(url);
    }

    kv_list l = {calloc(PG_MAX_KEYS, sizeof *l.keys), calloc(PG_MAX_KEYS, sizeof *l.values), 0};
    int rc = l.keys && l.values ? 0 : ETLC_NO_MEMORY;
    if (rc == 0)
        rc = add_keys(cfg, &l, have_url, false);
    if (rc == 0 && have_url)
        rc = kv_add(&l, "dbname", url);
    if (rc == 0 && have_url)
        rc = add_keys(cfg, &l, have_url, true);
    /* Session settings every decoder relies on: UTC timestamps, ISO dates,
     * UTF-8 text, shortest exact floats; plus the statement timeout. */
    etlc__buf opts = {0};
    if (rc == 0) {
        int64_t st = etlc_config_get_duration_ms(cfg, "statement_timeout");
        rc = etlc__buf_printf(&opts, "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=postgres "
                                     "-c extra_float_digits=3 -c statement_timeout=%lld",
                              (long long)st) ? ETLC_NO_MEMORY : 0;
    }
    if (rc == 0)
        rc = kv_add(&l, "options", opts.data);
    if (rc == 0)
        rc = kv_add(&l, "client_encoding", "UTF8");
    etlc__buf_free(&opts);
    if (rc != 0) {
        etlc__pg_conninfo_free(l.keys, l.values);
        return etlc_error_set(err, rc, "out of memory building the PostgreSQL connection parameters");
    }
    l.keys[l.n] = NULL;
    l.values[l.n] = NULL;
    *keys_out = l.keys;
    *values_out = l.values;
    *expand_dbname = have_url ? 1 : 0;
    return 0;
}
