/* The webdav connector's options: the one table that drives validation,
 * env variables (WEBDAV_*), docs and `etlconn options webdav`. The bytes
 * fragment (include, exclude, ages, resume, after_landing) and the net
 * fragments (TLS, proxy, limits, retries) come after its own. */
#include "core/bytes_options.h"
#include "webdav_internal.h"

static const etlc_option webdav_options[] = {
    {.name = "url", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_REQUIRED,
     .description = "Base collection URL (http:// or https://); resource names and lake paths are "
                    "relative to it. Credentials go in username/password, never in the URL"},
    {.name = "username", .type = ETLC_OPT_STRING,
     .description = "User name for HTTP authentication (unset: none)"},
    {.name = "password", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET,
     .description = "Password for HTTP authentication"},
    {.name = "auth", .type = ETLC_OPT_ENUM, .default_value = "basic", .choices = "basic|digest|any",
     .description = "HTTP authentication scheme: basic (sent at once; use https), digest, or any "
                    "(the safest the server offers, one extra round trip)"},
    {.name = "depth_infinity", .flags = ETLC_OPT_TUNING, .type = ETLC_OPT_BOOL, .default_value = "true",
     .description = "List a tree with one PROPFIND Depth: infinity; a server that refuses it is "
                    "walked one collection at a time (Depth: 1)"},
    {.name = "max_listing_size", .type = ETLC_OPT_INT, .default_value = "67108864",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX | ETLC_OPT_TUNING, .min = 4096, .max = 1073741824,
     .description = "Largest PROPFIND reply read, in bytes (a bigger Depth: infinity reply falls "
                    "back to walking)"},
    {.name = "source", .type = ETLC_OPT_STRING,
     .description = "Source name in lake paths and results (default: the URL's host)"},
};

static const etlc_option_table *const webdav_fragments[] = {
    &etlc__bytes_fragment,   &etlc__net_fragment_tls,   &etlc__net_fragment_proxy,
    &etlc__net_fragment_limits, &etlc__net_fragment_retry, NULL,
};

const etlc_option_table etlc__webdav_options = {
    .protocol = "webdav",
    .env_prefix = "WEBDAV",
    .options = webdav_options,
    .count = sizeof webdav_options / sizeof webdav_options[0],
    .fragments = webdav_fragments,
};
