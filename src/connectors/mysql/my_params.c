/* Config (+ url) -> the parameters of mysql_real_connect.
 *
 * With a url, its parts beat the options' defaults, and options set by some
 * layer (file, env, dict, override) beat the url. The password is only ever
 * copied into my_params, registered with the redactor, and never formatted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "my_internal.h"

/* Percent-decode [s, s+n) into a new string. */
static char *decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned hi, lo;
        if (s[i] == '%' && i + 2 < n && sscanf(s + i + 1, "%1x%1x", &hi, &lo) == 2) {
            out[j++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[j++] = s[i];
        }
    }
    out[j] = '\0';
    return out;
}

int etlc__my_url_parse(const char *url, char **user, char **password, char **host, unsigned *port,
                       char **database, etlc_error *err)
{
    *user = *password = *host = *database = NULL;
    *port = 0;
    const char *s;
    if (strncmp(url, "mysql://", 8) == 0)
        s = url + 8;
    else if (strncmp(url, "mariadb://", 10) == 0)
        s = url + 10;
    else
        return etlc_error_set(err, ETLC_CONFIG_RANGE,
                              "MySQL url must start with mysql:// or mariadb:// (value redacted)");
    int urc = etlc__url_check_userinfo(url, "MySQL", true, err);
    if (urc)
        return urc;
    const char *end = s + strcspn(s, "/?#");
    const char *at = NULL;
    for (const char *p = s; p < end; p++)
        if (*p == '@')
            at = p; /* the last '@' ends the credentials */
    int rc = 0;
    if (at) {
        const char *colon = memchr(s, ':', (size_t)(at - s));
        *user = decode(s, (size_t)((colon ? colon : at) - s));
        if (colon)
            *password = decode(colon + 1, (size_t)(at - colon - 1));
        if (!*user || (colon && !*password))
            rc = ETLC_NO_MEMORY;
        s = at + 1;
    }
    const char *hend = end, *portp = NULL;
    if (rc == 0 && *s == '[') { /* [IPv6] */
        const char *close = memchr(s, ']', (size_t)(end - s));
        if (!close)
            rc = etlc_error_set(err, ETLC_CONFIG_RANGE, "MySQL url: unclosed '[' in the host (value redacted)");
        else {
            *host = etlc__strndup(s + 1, (size_t)(close - s - 1));
            portp = close[1] == ':' ? close + 2 : NULL;
        }
    } else if (rc == 0) {
        const char *colon = memchr(s, ':', (size_t)(end - s));
        if (colon) {
            hend = colon;
            portp = colon + 1;
        }
        if (hend > s)
            *host = decode(s, (size_t)(hend - s));
    }
    if (rc == 0 && portp) {
        char *stop;
        long v = strtol(portp, &stop, 10);
        if (stop == portp || stop != end || v < 1 || v > 65535)
            rc = etlc_error_set(err, ETLC_CONFIG_RANGE, "MySQL url: the port is not a number from 1 to 65535 (value redacted)");
        else
            *port = (unsigned)v;
    }
    if (rc == 0 && *end == '/') {
        const char *d = end + 1;
        size_t n = strcspn(d, "?#");
        if (n > 0 && !(*database = decode(d, n)))
            rc = ETLC_NO_MEMORY;
    }
    if (rc == 0 && strchr(end, '?'))
        rc = etlc_error_set(err, ETLC_CONFIG_RANGE,
                            "MySQL url: query parameters are not supported; set ssl_mode etc. as separate keys");
    if (rc == ETLC_NO_MEMORY)
        etlc_error_set(err, rc, "out of memory parsing the MySQL url");
    if (rc != 0) {
        free(*user);
        etlc__free_secret(*password);
        free(*host);
        free(*database);
        *user = *password = *host = *database = NULL;
    }
    return rc;
}

/* Set by a layer above the defaults? */
static bool explicit_key(const etlc_config *cfg, const char *key)
{
    etlc_layer layer = ETLC_LAYER_DEFAULT;
    const char *origin;
    return etlc_config_provenance(cfg, key, &layer, &origin) && layer != ETLC_LAYER_DEFAULT;
}

/* The option's value unless the url supplied one and the option was not set explicitly. */
static int pick(const etlc_config *cfg, const char *key, char **from_url, char **out)
{
    const char *v = etlc_config_get_string(cfg, key);
    if (*from_url && !explicit_key(cfg, key)) {
        *out = *from_url;
        *from_url = NULL;
        return 0;
    }
    if (!v) {
        *out = NULL;
        return 0;
    }
    *out = etlc__strdup(v);
    return *out ? 0 : ETLC_NO_MEMORY;
}

static unsigned seconds_up(int64_t ms) { return (unsigned)((ms + 999) / 1000); }

int etlc__my_params_from_config(const etlc_config *cfg, my_params *p, etlc_error *err)
{
    memset(p, 0, sizeof *p);
    const char *url = etlc_config_get_string(cfg, "url");
    char *u_user = NULL, *u_pw = NULL, *u_host = NULL, *u_db = NULL;
    unsigned u_port = 0;
    if (url && *url) {
        etlc_redact_register_secret(url);
        int rc = etlc__my_url_parse(url, &u_user, &u_pw, &u_host, &u_port, &u_db, err);
        if (rc != 0)
            return rc;
        if (u_pw)
            etlc_redact_register_secret(u_pw);
    }
    const char *pw = etlc_config_get_string(cfg, "password");
    if (pw)
        etlc_redact_register_secret(pw);
    int rc = pick(cfg, "host", &u_host, &p->host);
    if (rc == 0)
        rc = pick(cfg, "database", &u_db, &p->database);
    if (rc == 0)
        rc = pick(cfg, "username", &u_user, &p->username);
    if (rc == 0)
        rc = pick(cfg, "password", &u_pw, &p->password);
    if (rc == 0 && etlc_config_has(cfg, "socket"))
        rc = (p->socket = etlc__strdup(etlc_config_get_string(cfg, "socket"))) ? 0 : ETLC_NO_MEMORY;
    if (rc == 0 && etlc_config_has(cfg, "ssl_ca"))
        rc = (p->ssl_ca = etlc__strdup(etlc_config_get_string(cfg, "ssl_ca"))) ? 0 : ETLC_NO_MEMORY;
    if (rc == 0)
        rc = (p->charset = etlc__strdup(etlc_config_get_string(cfg, "charset"))) ? 0 : ETLC_NO_MEMORY;
    free(u_user);
    etlc__free_secret(u_pw);
    free(u_host);
    free(u_db);
    if (rc != 0) {
        etlc__my_params_free(p);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the MySQL connection parameters");
    }
    p->port = u_port && !explicit_key(cfg, "port") ? u_port : (unsigned)etlc_config_get_int(cfg, "port");
    static const char *const modes[] = {"disabled", "preferred", "required", "verify_ca", "verify_identity"};
    const char *mode = etlc_config_get_string(cfg, "ssl_mode");
    p->ssl_mode = MY_SSL_PREFERRED;
    for (size_t i = 0; mode && i < ETLC__ARRAY_LEN(modes); i++)
        if (strcmp(mode, modes[i]) == 0)
            p->ssl_mode = (my_ssl_mode)i;
    if (p->ssl_mode >= MY_SSL_VERIFY_CA && !p->ssl_ca) {
        etlc__my_params_free(p);
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY,
                              "ssl_mode=%s needs ssl_ca (env MYSQL_SSL_CA), the CA certificate to verify the server with",
                              mode);
    }
    p->connect_timeout_s = seconds_up(etlc_config_get_duration_ms(cfg, "connect_timeout"));
    p->read_timeout_s = seconds_up(etlc_config_get_duration_ms(cfg, "read_timeout"));
    p->query_timeout_ms = etlc_config_get_duration_ms(cfg, "query_timeout");
    return 0;
}

void etlc__my_params_free(my_params *p)
{
    free(p->host);
    free(p->socket);
    free(p->database);
    free(p->username);
    etlc__free_secret(p->password);
    free(p->charset);
    free(p->ssl_ca);
    memset(p, 0, sizeof *p);
}
