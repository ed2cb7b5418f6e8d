/* Connect strings: EZConnect (host:port/service_name) and Oracle Net
 * descriptors, built from the config and checked so that no value can
 * change the descriptor's structure. The password never enters them. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle_internal.h"

/* A host, service name or SID goes into a descriptor verbatim: refuse the
 * characters that would change its structure. */
static int check_token(const char *key, const char *value, etlc_error *err)
{
    if (!*value)
        return etlc_error_set(err, ETLC_CONFIG, "oracle: %s is empty", key);
    for (const char *p = value; *p; p++)
        if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p) || strchr("()=/\\\"'", *p))
            return etlc_error_set(err, ETLC_CONFIG, "oracle: %s '%s' contains '%c', which is not allowed there",
                                  key, value, *p);
    return ETLC_OK;
}

/* Host without brackets, and whether it is an IPv6 literal. */
static int bare_host(const char *host, char *out, size_t outsz, bool *v6, etlc_error *err)
{
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        host++;
        n -= 2;
    }
    if (n == 0 || n >= outsz)
        return etlc_error_set(err, ETLC_CONFIG, "oracle: host '%s' is empty or too long", host);
    memcpy(out, host, n);
    out[n] = '\0';
    *v6 = strchr(out, ':') != NULL;
    if (*v6 && strchr(out, ':') == strrchr(out, ':'))
        return etlc_error_set(err, ETLC_CONFIG,
                              "oracle: host '%s' contains a port; put the host in `host` and the port in `port`", host);
    return check_token("host", out, err);
}

int etlc__oracle_ezconnect(const char *host, int64_t port, const char *service_name, char **out, etlc_error *err)
{
    *out = NULL;
    char h[256];
    bool v6;
    int rc = bare_host(host ? host : "", h, sizeof h, &v6, err);
    if (rc != ETLC_OK)
        return rc;
    if (service_name && *service_name && (rc = check_token("service_name", service_name, err)) != ETLC_OK)
        return rc;
    etlc__buf b = {0};
    int bad = etlc__buf_printf(&b, v6 ? "[%s]:%lld" : "%s:%lld", h, (long long)port);
    if (service_name && *service_name)
        bad |= etlc__buf_printf(&b, "/%s", service_name);
    if (bad) {
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the Oracle address");
    }
    *out = etlc__buf_take(&b);
    return ETLC_OK;
}

int etlc__oracle_descriptor(const char *host, int64_t port, const char *service_name, const char *sid,
                            int timeout_s, char **out, etlc_error *err)
{
    *out = NULL;
    char h[256];
    bool v6;
    int rc = bare_host(host ? host : "", h, sizeof h, &v6, err);
    if (rc != ETLC_OK)
        return rc;
    bool by_sid = sid && *sid;
    const char *target = by_sid ? sid : service_name;
    if ((rc = check_token(by_sid ? "sid" : "service_name", target ? target : "", err)) != ETLC_OK)
        return rc;
    etlc__buf b = {0};
    int bad = etlc__buf_puts(&b, "(DESCRIPTION=");
    if (timeout_s > 0)
        bad |= etlc__buf_printf(&b, "(CONNECT_TIMEOUT=%d)(TRANSPORT_CONNECT_TIMEOUT=%d)", timeout_s, timeout_s);
    bad |= etlc__buf_printf(&b, "(ADDRESS=(PROTOCOL=TCP)(HOST=%s)(PORT=%lld))(CONNECT_DATA=(%s=%s)))", h,
                            (long long)port, by_sid ? "SID" : "SERVICE_NAME", target);
    if (bad) {
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the Oracle address");
    }
    *out = etlc__buf_take(&b);
    return ETLC_OK;
}

int etlc__oracle_parse_ezconnect(const char *dsn, etlc__oracle_ez *out, etlc_error *err)
{
    memset(out, 0, sizeof *out);
    out->port = 1521;
    const char *p = dsn;
    if (strncmp(p, "//", 2) == 0)
        p += 2;
    const char *host_end;
    if (*p == '[') {
        host_end = strchr(p, ']');
        if (!host_end)
            return etlc_error_set(err, ETLC_CONFIG, "oracle: dsn '%s': '[' without ']' around the IPv6 address", dsn);
        p++;
    } else {
        host_end = p + strcspn(p, ":/?");
    }
    size_t hlen = (size_t)(host_end - p);
    if (hlen == 0 || hlen >= sizeof out->host)
        return etlc_error_set(err, ETLC_CONFIG, "oracle: dsn '%s' has no host (expected host:port/service_name)", dsn);
    memcpy(out->host, p, hlen);
    p = host_end + (*host_end == ']');
    if (*p == ':') {
        char *end;
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port < 1 || port > 65535 || (*end && !strchr("/?", *end)))
            return etlc_error_set(err, ETLC_CONFIG, "oracle: dsn '%s' has a bad port (1..65535 expected)", dsn);
        out->port = (int)port;
        p = end;
    }
    if (*p == '/') {
        p++;
        size_t slen = strcspn(p, ":/?");
        if (slen >= sizeof out->service_name)
            return etlc_error_set(err, ETLC_CONFIG, "oracle: dsn '%s': service name too long", dsn);
        memcpy(out->service_name, p, slen);
        p += slen;
        if (*p == ':' || *p == '/') /* :server type and /instance name */
            p += strcspn(p, "?");
    }
    if (*p && *p != '?')
        return etlc_error_set(err, ETLC_CONFIG, "oracle: dsn '%s' is not host[:port][/service_name]", dsn);
    return ETLC_OK;
}

int etlc__oracle_resolve(const etlc_config *cfg, char **connect_string, char **display, char **source,
                         etlc_error *err)
{
    *connect_string = *display = *source = NULL;
    const char *dsn = etlc__config_text(cfg, "dsn"), *host = etlc__config_text(cfg, "host");
    const char *service = etlc__config_text(cfg, "service_name"), *sid = etlc__config_text(cfg, "sid");
    int64_t port = etlc_config_get_int(cfg, "port");
    int rc;
    if (dsn) {
        if (host || service || sid)
            return etlc_error_set(err, ETLC_CONFIG,
                                  "oracle: dsn and host/service_name/sid are alternatives; set only one of them");
        const char *src = dsn;
        etlc__oracle_ez ez;
        if (dsn[0] == '(') {
            src = "descriptor";
        } else if (strpbrk(dsn, ":/[")) { /* EZConnect; a bare word is a tnsnames alias */
            if ((rc = etlc__oracle_parse_ezconnect(dsn, &ez, err)) != ETLC_OK)
                return rc;
            src = ez.service_name[0] ? ez.service_name : ez.host;
        }
        *connect_string = etlc__strdup(dsn);
        *display = etlc__strdup(dsn[0] == '(' ? "(descriptor from dsn)" : dsn);
        *source = etlc__strdup(src);
    } else {
        if (!host)
            return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY,
                                  "oracle: set host (ORACLE_HOST) with service_name or sid, or dsn (ORACLE_DSN)");
        if (service && sid)
            return etlc_error_set(err, ETLC_CONFIG, "oracle: service_name '%s' and sid '%s' are alternatives; set one",
                                  service, sid);
        if (!service && !sid)
            return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY,
                                  "oracle: set service_name (ORACLE_SERVICE_NAME) or sid (ORACLE_SID) for host '%s'",
                                  host);
        int timeout_s = (int)((etlc_config_get_duration_ms(cfg, "connect_timeout") + 999) / 1000);
        if ((rc = etlc__oracle_descriptor(host, port, service, sid, timeout_s, connect_string, err)) != ETLC_OK)
            return rc;
        if (service) {
            rc = etlc__oracle_ezconnect(host, port, service, display, err);
        } else {
            etlc__buf b = {0};
            rc = etlc__buf_printf(&b, "%s:%lld SID %s", host, (long long)port, sid) ? ETLC_NO_MEMORY : ETLC_OK;
            *display = etlc__buf_take(&b);
        }
        if (rc != ETLC_OK) {
            free(*connect_string);
            *connect_string = NULL;
            return rc == ETLC_NO_MEMORY ? etlc_error_set(err, rc, "out of memory building the Oracle address") : rc;
        }
        *source = etlc__strdup(service ? service : sid);
    }
    if (!*connect_string || !*display || !*source) {
        free(*connect_string);
        free(*display);
        free(*source);
        *connect_string = *display = *source = NULL;
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the Oracle address");
    }
    return ETLC_OK;
}
