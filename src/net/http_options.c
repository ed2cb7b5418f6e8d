/* The shared option fragments of network connectors (TLS, proxy, transfer
 * limits, retries, pool) and the settings they give an HTTP session. */
#include <string.h>

#include "net/http.h"

#define DUR(n, def, lo, hi, desc)                                                             \
    {.name = n, .type = ETLC_OPT_DURATION, .default_value = def, .min = lo, .max = hi,        \
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING, .description = desc}
#define INT(n, def, lo, hi, desc)                                                             \
    {.name = n, .type = ETLC_OPT_INT, .default_value = def, .min = lo, .max = hi,             \
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING, .description = desc}
#define FRAGMENT(var, opts)                                                                    \
    const etlc_option_table var = {.options = opts, .count = sizeof opts / sizeof opts[0]}

static const etlc_option tls_options[] = {
    {.name = "tls_verify", .type = ETLC_OPT_BOOL, .flags = ETLC_OPT_TUNING, .default_value = "true",
     .description = "Verify the server's TLS certificate and host name (turn off only for testing)"},
    {.name = "ca_file", .type = ETLC_OPT_PATH, .flags = ETLC_OPT_TUNING,
     .description = "PEM file of CA certificates to trust instead of the system's"},
    {.name = "client_cert", .type = ETLC_OPT_PATH, .flags = ETLC_OPT_TUNING,
     .description = "PEM client certificate for mutual TLS"},
    {.name = "client_key", .type = ETLC_OPT_PATH, .flags = ETLC_OPT_TUNING,
     .description = "PEM private key of client_cert (when not inside client_cert)"},
    {.name = "client_key_password", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET | ETLC_OPT_TUNING,
     .description = "Password of an encrypted client_key"},
};
FRAGMENT(etlc__net_fragment_tls, tls_options);

static const etlc_option proxy_options[] = {
    {.name = "proxy", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_TUNING,
     .description = "Proxy URL (http://host:port); unset = the http_proxy/https_proxy variables, "
                    "empty = no proxy"},
    {.name = "no_proxy", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_TUNING,
     .description = "Comma-separated hosts or domains reached without the proxy ('*' = all)"},
};
FRAGMENT(etlc__net_fragment_proxy, proxy_options);

static const etlc_option limit_options[] = {
    DUR("connect_timeout", "10s", 0, 3600000, "Limit for connecting (TCP and TLS), per attempt"),
    DUR("timeout", "0", 0, 86400000, "Limit for a whole request, per attempt (0 = none)"),
    INT("low_speed_limit", "1", 0, 1e12,
        "Bytes per second below which a transfer counts as stalled (0 = never)"),
    DUR("low_speed_time", "60s", 0, 86400000,
        "Cut a transfer stalled this long (0 = never)"),
    INT("max_redirects", "5", 0, 50, "Redirects followed per request (0 = none)"),
};
FRAGMENT(etlc__net_fragment_limits, limit_options);

static const etlc_option retry_options[] = {
    INT("retry_max", "3", 0, 20,
        "Retries after a failed attempt (429, 502, 503, 504, refused, reset, timed out) when the "
        "request can be replayed"),
    DUR("retry_base_delay", "200ms", 1, 3600000,
        "First backoff ceiling; doubles per retry, each delay drawn uniformly below it (full jitter)"),
    DUR("retry_max_delay", "10s", 1, 3600000, "Largest backoff ceiling"),
    DUR("retry_after_max", "60s", 0, 86400000,
        "Longest Retry-After honoured; a server asking for more ends the retries"),
};
FRAGMENT(etlc__net_fragment_retry, retry_options);

static const etlc_option pool_options[] = {
    INT("pool_max", "4", 1, 64, "Most sessions open at once"),
    DUR("pool_idle_timeout", "5m", 0, 86400000, "Close sessions that sat idle this long"),
};
FRAGMENT(etlc__net_fragment_pool, pool_options);

const etlc_option_table *const etlc__http_fragments[] = {
    &etlc__net_fragment_tls, &etlc__net_fragment_proxy, &etlc__net_fragment_limits,
    &etlc__net_fragment_retry, NULL,
};

void etlc__http_settings_default(etlc__http_settings *s)
{
    memset(s, 0, sizeof *s);
    s->connect_timeout_ms = 10000;
    s->low_speed_limit = 1;
    s->low_speed_time_ms = 60000;
    s->tls_verify = true;
    s->max_redirects = 5;
    s->retry_max = 3;
    s->retry_base_ms = 200;
    s->retry_cap_ms = 10000;
    s->retry_after_max_ms = 60000;
}

static bool has_key(const etlc_config *cfg, const char *key)
{
    return etlc_option_find(etlc_config_table(cfg), key) != NULL && etlc_config_has(cfg, key);
}

static void get_ms(const etlc_config *cfg, const char *key, long *dst)
{
    if (has_key(cfg, key))
        *dst = (long)etlc_config_get_duration_ms(cfg, key);
}

static void get_str(const etlc_config *cfg, const char *key, const char **dst)
{
    if (etlc_option_find(etlc_config_table(cfg), key) != NULL)
        *dst = etlc_config_get_string(cfg, key); /* NULL when unset */
}

int etlc__http_settings_from_config(const etlc_config *cfg, etlc__http_settings *s,
                                    etlc_error *err)
{
    if (!cfg || !s)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "http settings need a config");
    etlc__http_settings_default(s);
    if (has_key(cfg, "tls_verify"))
        s->tls_verify = etlc_config_get_bool(cfg, "tls_verify");
    get_str(cfg, "ca_file", &s->ca_file);
    get_str(cfg, "client_cert", &s->client_cert);
    get_str(cfg, "client_key", &s->client_key);
    get_str(cfg, "client_key_password", &s->client_key_password);
    get_str(cfg, "proxy", &s->proxy);
    get_str(cfg, "no_proxy", &s->no_proxy);
    get_ms(cfg, "connect_timeout", &s->connect_timeout_ms);
    get_ms(cfg, "timeout", &s->timeout_ms);
    if (has_key(cfg, "low_speed_limit"))
        s->low_speed_limit = (long)etlc_config_get_int(cfg, "low_speed_limit");
    get_ms(cfg, "low_speed_time", &s->low_speed_time_ms);
    if (has_key(cfg, "max_redirects"))
        s->max_redirects = (long)etlc_config_get_int(cfg, "max_redirects");
    if (has_key(cfg, "retry_max"))
        s->retry_max = (int)etlc_config_get_int(cfg, "retry_max");
    get_ms(cfg, "retry_base_delay", &s->retry_base_ms);
    get_ms(cfg, "retry_max_delay", &s->retry_cap_ms);
    get_ms(cfg, "retry_after_max", &s->retry_after_max_ms);
    if (s->client_key_password && !*s->client_key_password)
        s->client_key_password = NULL;
    return 0;
}
