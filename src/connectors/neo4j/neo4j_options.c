/* The Neo4j connector's options: the one table behind validation, env
 * variables (NEO4J_*), docs and `etlconn options neo4j`; and the URI form. */
#include <stdlib.h>
#include <string.h>

#include "neo4j_internal.h"

static const etlc_option neo4j_options[] = {
    {.name = "uri", .type = ETLC_OPT_STRING,
     .description = "bolt://host:port (also neo4j://; +s = TLS verified, +ssc = TLS without verification); "
                    "overrides host, port and tls. No credentials in it: use username/password"},
    {.name = "host", .type = ETLC_OPT_STRING, .default_value = "localhost",
     .description = "Server host name or IP address (when uri is not set)"},
    {.name = "port", .type = ETLC_OPT_INT, .default_value = "7687",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 1, .max = 65535, .description = "Bolt port"},
    {.name = "username", .type = ETLC_OPT_STRING, .default_value = "neo4j",
     .description = "User for basic authentication"},
    {.name = "password", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET,
     .description = "Password for basic authentication (unset: no authentication, for servers with auth off)"},
    {.name = "database", .type = ETLC_OPT_STRING,
     .description = "Database to read (unset: the user's home / the server's default database)"},
    {.name = "fetch_size", .type = ETLC_OPT_INT, .default_value = "1000",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING, .min = 1, .max = 1000000,
     .description = "Records asked for per PULL: the server streams this many, then waits"},
    {.name = "tls", .type = ETLC_OPT_BOOL, .default_value = "false", .flags = ETLC_OPT_TUNING,
     .description = "Encrypt the connection with TLS (OpenSSL)"},
    {.name = "tls_verify", .type = ETLC_OPT_BOOL, .default_value = "true", .flags = ETLC_OPT_TUNING,
     .description = "Check the server certificate's chain and host name (false: accept any certificate)"},
    {.name = "tls_ca_file", .type = ETLC_OPT_PATH, .flags = ETLC_OPT_TUNING,
     .description = "PEM file of CA certificates to trust (unset: the system store)"},
    {.name = "bolt_version", .type = ETLC_OPT_ENUM, .default_value = "auto", .choices = "auto|5|4.4",
     .flags = ETLC_OPT_TUNING, .description = "Bolt versions to offer: auto = 5.0-5.8 then 4.4"},
    {.name = "connect_timeout", .type = ETLC_OPT_DURATION, .default_value = "15s",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING, .min = 100, .max = 3600000,
     .description = "How long the TCP connect may take"},
    {.name = "read_timeout", .type = ETLC_OPT_DURATION, .default_value = "5m",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING, .min = 0, .max = 86400000,
     .description = "How long to wait for the server's next bytes; 0 = no limit"},
    {.name = "max_message_size", .type = ETLC_OPT_INT, .default_value = "67108864",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING, .min = 65536, .max = 2147483647,
     .description = "Largest Bolt message (one record) accepted, bytes; larger ones fail the fetch"},
    {.name = "user_agent", .type = ETLC_OPT_STRING, .default_value = "etlconn/0.1", .flags = ETLC_OPT_TUNING,
     .description = "user_agent sent in HELLO (shown in the server's query log)"},
};

const etlc_option_table etlc__neo4j_options = {
    .protocol = "neo4j",
    .env_prefix = "NEO4J",
    .options = neo4j_options,
    .count = sizeof neo4j_options / sizeof neo4j_options[0],
};

static int bad_uri(etlc_error *err, const char *why)
{
    return etlc_error_set(err, ETLC_CONFIG_RANGE, "neo4j: option uri: %s", why);
}

int etlc__n4j_parse_uri(const char *uri, char **host, int *port, int *tls_mode, etlc_error *err)
{
    static const struct { const char *scheme; int tls; } schemes[] = {
        {"bolt://", N4J_URI_PLAIN}, {"bolt+s://", N4J_URI_TLS}, {"bolt+ssc://", N4J_URI_TLS_SELF_SIGNED},
        {"neo4j://", N4J_URI_PLAIN}, {"neo4j+s://", N4J_URI_TLS}, {"neo4j+ssc://", N4J_URI_TLS_SELF_SIGNED}};
    const char *rest = NULL;
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0] && !rest; i++)
        if (strncmp(uri, schemes[i].scheme, strlen(schemes[i].scheme)) == 0) {
            rest = uri + strlen(schemes[i].scheme);
            *tls_mode = schemes[i].tls;
        }
    if (!rest)
        return bad_uri(err, "give bolt://, bolt+s://, bolt+ssc://, neo4j://, neo4j+s:// or neo4j+ssc://");
    size_t auth_len = strcspn(rest, "/?#");
    if (memchr(rest, '@', auth_len))
        return bad_uri(err, "credentials in the URI are not accepted (the URI is not secret): set username and "
                            "password instead");
    const char *h = rest, *hend, *p;
    if (*h == '[') {
        hend = memchr(h, ']', auth_len);
        if (!hend)
            return bad_uri(err, "unclosed '[' in the host");
        h++;
        p = hend + 1;
    } else {
        hend = memchr(h, ':', auth_len);
        if (!hend)
            hend = rest + auth_len;
        p = hend;
    }
    if (hend == h)
        return bad_uri(err, "no host");
    *port = 7687;
    if (p < rest + auth_len) {
        if (*p != ':')
            return bad_uri(err, "unexpected text after the host");
        char *end = NULL;
        long v = strtol(p + 1, &end, 10);
        if (end != rest + auth_len || end == p + 1 || v < 1 || v > 65535)
            return bad_uri(err, "the port must be a number from 1 to 65535");
        *port = (int)v;
    }
    *host = etlc__strndup(h, (size_t)(hend - h));
    return *host ? ETLC_OK : etlc_error_set(err, ETLC_NO_MEMORY, "neo4j: out of memory");
}
