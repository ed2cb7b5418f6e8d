/* Builders: the FreeTDS server string and the LOGINREC. The password is
 * handed only to dbsetlname(DBSETPWD); no string built here contains it. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mssql_internal.h"

static bool has_space_or_ctl(const char *s)
{
    for (; *s; s++)
        if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
            return true;
    return false;
}

int etlc__mssql_server_string(const char *host, int64_t port, bool port_explicit, const char *instance,
                              char **out, etlc_error *err)
{
    *out = NULL;
    if (!host || !*host)
        return etlc_error_set(err, ETLC_CONFIG_MISSING_KEY, "mssql: host is empty (set host or MSSQL_HOST)");
    if (has_space_or_ctl(host) || strchr(host, '\\') || strchr(host, '/'))
        return etlc_error_set(err, ETLC_CONFIG, "mssql: host '%s' is not a host name or IP address", host);
    if (instance && *instance && (has_space_or_ctl(instance) || strpbrk(instance, "\\:/[]")))
        return etlc_error_set(err, ETLC_CONFIG, "mssql: instance '%s' is not a valid instance name", instance);
    size_t hlen = strlen(host);
    bool bracketed = host[0] == '[' && host[hlen - 1] == ']';
    const char *colon = strchr(host, ':');
    bool v6 = !bracketed && colon && strchr(colon + 1, ':');
    if (colon && !bracketed && !v6)
        return etlc_error_set(err, ETLC_CONFIG,
                              "mssql: host '%s' contains a port; put the host in `host` and the port in `port`", host);
    if (bracketed && (hlen < 3 || !strchr(host, ':')))
        return etlc_error_set(err, ETLC_CONFIG, "mssql: host '%s' has brackets but is not an IPv6 address", host);
    if (port < 1 || port > 65535)
        return etlc_error_set(err, ETLC_CONFIG_RANGE, "mssql: port %lld is not between 1 and 65535", (long long)port);
    etlc__buf b = {0};
    int rc = 0;
    if (v6)
        rc |= etlc__buf_printf(&b, "[%s]", host);
    else
        rc |= etlc__buf_puts(&b, host);
    if (instance && *instance && !port_explicit)
        rc |= etlc__buf_printf(&b, "\\%s", instance);
    else
        rc |= etlc__buf_printf(&b, ":%lld", (long long)port);
    if (rc != 0) {
        etlc__buf_free(&b);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory building the SQL Server address");
    }
    *out = etlc__buf_take(&b);
    return ETLC_OK;
}

int etlc__mssql_tds_version(const char *text)
{
    static const struct { const char *name; int version; } versions[] = {
        {"7.0", DBVERSION_70}, {"7.1", DBVERSION_71}, {"7.2", DBVERSION_72},
        {"7.3", DBVERSION_73}, {"7.4", DBVERSION_74}, {"auto", 0},
    };
    for (size_t i = 0; text && i < ETLC__ARRAY_LEN(versions); i++)
        if (strcmp(text, versions[i].name) == 0)
            return versions[i].version;
    return -1;
}

int etlc__mssql_seconds(int64_t ms)
{
    if (ms <= 0)
        return 0;
    int64_t s = (ms + 999) / 1000;
    return s > 86400 ? 86400 : (int)s;
}

int etlc__mssql_check_config(const etlc_config *cfg, etlc_error *err)
{
    /* FreeTDS's db-lib has no per-login TLS setting (DBSETENCRYPT is not
     * implemented there): only its default, "request", is honoured per
     * connection. Refuse the others instead of silently ignoring them. */
    const char *enc = etlc_config_get_string(cfg, "encryption");
    if (enc && strcmp(enc, "request") != 0)
        return etlc_error_set(err, ETLC_UNSUPPORTED,
                              "mssql: encryption=%s cannot be set per connection through FreeTDS db-lib; "
                              "set 'encryption = %s' for this server in freetds.conf (FREETDSCONF) and leave "
                              "etlconn's encryption at 'request'", enc, enc);
    if (etlc_config_get_bool(cfg, "trust_server_certificate"))
        return etlc_error_set(err, ETLC_UNSUPPORTED,
                              "mssql: trust_server_certificate=true cannot be set per connection through FreeTDS "
                              "db-lib; FreeTDS verifies the certificate only when freetds.conf names a 'ca file' "
                              "for the server, so leave it unset there instead");
    if (etlc__mssql_tds_version(etlc_config_get_string(cfg, "tds_version")) < 0)
        return etlc_error_set(err, ETLC_CONFIG_RANGE, "mssql: tds_version '%s' is not one of 7.0|7.1|7.2|7.3|7.4|auto",
                              etlc_config_get_string(cfg, "tds_version"));
    return ETLC_OK;
}

int etlc__mssql_login_new(const etlc_config *cfg, LOGINREC **out, etlc_error *err)
{
    *out = NULL;
    LOGINREC *login = dblogin();
    if (!login)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory creating a FreeTDS login record");
    const char *app = etlc_config_get_string(cfg, "application_name");
    int version = etlc__mssql_tds_version(etlc_config_get_string(cfg, "tds_version"));
    bool ok = DBSETLUSER(login, etlc_config_get_string(cfg, "username")) == SUCCEED &&
              DBSETLPWD(login, etlc_config_get_string(cfg, "password")) == SUCCEED &&
              DBSETLDBNAME(login, etlc_config_get_string(cfg, "database")) == SUCCEED &&
              DBSETLAPP(login, app ? app : "etlconn") == SUCCEED &&
              /* text arrives converted to UTF-8 whatever the column's collation */
              DBSETLCHARSET(login, "UTF-8") == SUCCEED &&
              DBSETLPACKET(login, (int)etlc_config_get_int(cfg, "packet_size")) == SUCCEED &&
              (version <= 0 || DBSETLVERSION(login, (BYTE)version) == SUCCEED);
    if (!ok) {
        dbloginfree(login);
        return etlc_error_set(err, ETLC_NO_MEMORY, "cannot fill the FreeTDS login record (out of memory)");
    }
    *out = login;
    return ETLC_OK;
}
