/* The ftp connector's options: the one table that drives validation, env
 * variables (FTP_*), docs and `etlconn options ftp`. TLS, limits, retries
 * and proxy come from the shared net fragments; include/exclude/age and
 * after-landing from the bytes fragment. */
#include "core/bytes_options.h"
#include "ftp_internal.h"

static const etlc_option ftp_options[] = {
    {.name = "url", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET,
     .description = "ftp://user:password@host:port/dir (or ftps:// for implicit TLS) instead of "
                    "host/port/username/password/root; keys set on their own win"},
    {.name = "host", .type = ETLC_OPT_STRING,
     .description = "Server host name or address (required unless url is set)"},
    {.name = "port", .type = ETLC_OPT_INT, .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX,
     .min = 1, .max = 65535,
     .description = "Server port (default 21; 990 with tls=implicit)"},
    {.name = "username", .type = ETLC_OPT_STRING,
     .description = "Login name (unset: anonymous)"},
    {.name = "password", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET,
     .description = "Login password"},
    {.name = "root", .type = ETLC_OPT_STRING,
     .description = "Base directory on the server; names and lake paths are relative to it "
                    "(unset: the login directory; a leading '/' makes it absolute)"},
    {.name = "tls", .type = ETLC_OPT_ENUM, .default_value = "none",
     .choices = "none|explicit|implicit",
     .description = "FTPS: explicit (AUTH TLS on the plain port, control and data protected) or "
                    "implicit (TLS from the first byte, port 990)"},
    {.name = "mode", .flags = ETLC_OPT_TUNING, .type = ETLC_OPT_ENUM, .default_value = "passive",
     .choices = "passive|active",
     .description = "Data connections: passive (EPSV, falling back to PASV) or active (EPRT/PORT)"},
    {.name = "ftp_skip_pasv_ip", .flags = ETLC_OPT_TUNING, .type = ETLC_OPT_BOOL, .default_value = "true",
     .description = "Ignore the address in a PASV reply and use the control connection's "
                    "(servers behind NAT announce private or wrong addresses)"},
    {.name = "active_port", .flags = ETLC_OPT_TUNING, .type = ETLC_OPT_STRING, .default_value = "-",
     .description = "Active mode: the address[:port[-port]] the server connects back to "
                    "('-' = this end of the control connection)"},
    {.name = "listing", .flags = ETLC_OPT_TUNING, .type = ETLC_OPT_ENUM, .default_value = "auto",
     .choices = "auto|mlsd|nlst",
     .description = "How directories are listed: MLSD (type, size, time in one reply), NLST with "
                    "SIZE and MDTM per file, or auto (MLSD when the server has it)"},
    {.name = "chunk_size", .type = ETLC_OPT_INT, .default_value = "262144",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING, .min = 1024, .max = 10485760,
     .description = "libcurl's receive buffer: the most bytes handed to the lake at a time"},
    {.name = "source", .type = ETLC_OPT_STRING,
     .description = "Source name in lake paths and results (default: the host)"},
};

static const etlc_option_table *const ftp_fragments[] = {
    &etlc__bytes_fragment, &etlc__net_fragment_tls, &etlc__net_fragment_limits,
    &etlc__net_fragment_retry, &etlc__net_fragment_proxy, NULL,
};

const etlc_option_table etlc__ftp_options = {
    .protocol = "ftp",
    .env_prefix = "FTP",
    .options = ftp_options,
    .count = sizeof ftp_options / sizeof ftp_options[0],
    .fragments = ftp_fragments,
};
