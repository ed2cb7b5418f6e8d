/* The http connector's options: the one table behind validation, env
 * variables (HTTP_*), docs and `etlconn options http`. */
#include "rest_internal.h"

#define STR(n, desc) {.name = n, .type = ETLC_OPT_STRING, .description = desc}
#define SECRET(n, desc) {.name = n, .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET, .description = desc}

static const etlc_option rest_own[] = {
    {.name = "base_url", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_REQUIRED,
     .description = "http(s) URL every resource path is joined to (https://api.example.com/v1)"},
    {.name = "method", .type = ETLC_OPT_ENUM, .default_value = "GET", .choices = "GET|POST",
     .description = "Request method of fetches"},
    {.name = "headers", .type = ETLC_OPT_LIST,
     .description = "Extra request headers, each \"Name: value\""},
    {.name = "params", .type = ETLC_OPT_LIST,
     .description = "Query parameters sent with every fetch, each \"key=value\""},
    STR("json_body", "JSON text sent as the body of POST fetches (Content-Type: application/json)"),
    {.name = "auth", .type = ETLC_OPT_ENUM, .default_value = "none",
     .choices = "none|basic|bearer|api_key|oauth2",
     .description = "How requests authenticate"},
    STR("username", "User name for auth=basic"),
    SECRET("password", "Password for auth=basic"),
    SECRET("token", "Bearer token for auth=bearer"),
    SECRET("api_key", "API key for auth=api_key"),
    {.name = "api_key_name", .type = ETLC_OPT_STRING, .default_value = "X-API-Key",
     .description = "Header or query parameter name carrying the API key"},
    {.name = "api_key_in", .type = ETLC_OPT_ENUM, .default_value = "header", .choices = "header|query",
     .description = "Where the API key goes"},
    STR("token_url", "OAuth2 token endpoint (client credentials grant) for auth=oauth2"),
    STR("client_id", "OAuth2 client id"),
    SECRET("client_secret", "OAuth2 client secret"),
    STR("scope", "OAuth2 scope asked for (space-separated)"),
    {.name = "rate_limit", .type = ETLC_OPT_FLOAT, .default_value = "0", .min = 0, .max = 100000,
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX,
     .description = "Requests per second at most, per connector (0 = no limit)"},
    STR("records_path", "JSON Pointer to the array of records in each page (\"\" = the body "
                        "itself); unset: the raw body lands as a bytes item"),
    {.name = "pagination", .type = ETLC_OPT_ENUM, .default_value = "none",
     .choices = "none|link|next_url|cursor|offset|page",
     .description = "How the next page is found (Link header, URL or cursor in the body, "
                    "offset/limit, page numbers)"},
    STR("next_url_path", "pagination=next_url: JSON Pointer to the next page's URL"),
    STR("cursor_path", "pagination=cursor: JSON Pointer to the next cursor token"),
    {.name = "cursor_param", .type = ETLC_OPT_STRING, .default_value = "cursor",
     .description = "pagination=cursor: query parameter carrying the cursor token"},
    {.name = "offset_param", .type = ETLC_OPT_STRING, .default_value = "offset",
     .description = "pagination=offset: query parameter of the first record's offset"},
    {.name = "limit_param", .type = ETLC_OPT_STRING, .default_value = "limit",
     .description = "pagination=offset|page: query parameter of the page size"},
    {.name = "limit", .type = ETLC_OPT_INT, .default_value = "100", .min = 1, .max = 1000000,
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX,
     .description = "pagination=offset|page: records asked for per page"},
    {.name = "page_param", .type = ETLC_OPT_STRING, .default_value = "page",
     .description = "pagination=page: query parameter of the page number"},
    {.name = "page_start", .type = ETLC_OPT_INT, .default_value = "1", .min = 0, .max = 1,
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .description = "pagination=page: number of the first page"},
    STR("total_path", "pagination=offset|page: JSON Pointer to the total record count (stop there)"),
    STR("total_header", "pagination=offset|page: reply header holding the total record count "
                        "(X-Total-Count)"),
    {.name = "max_pages", .type = ETLC_OPT_INT, .default_value = "1000", .min = 1, .max = 100000000,
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX,
     .description = "Pages one run reads at most; more is an error (the next run resumes)"},
    STR("cursor_field", "Incremental: field of the records whose largest value is kept in the "
                        "checkpoint"),
    STR("since_param", "Incremental: query parameter given that largest value on the next run"),
    {.name = "allow_other_origins", .type = ETLC_OPT_BOOL, .default_value = "false",
     .description = "Follow next-page links to another scheme, host or port than base_url's"},
    STR("health_path", "Path (or URL) the health check GETs (default: base_url)"),
    {.name = "max_body_size", .type = ETLC_OPT_INT, .default_value = "268435456", .min = 1024,
     .max = 4294967296.0, .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX,
     .description = "Largest JSON page held in memory, in bytes (raw bodies stream)"},
    STR("source", "Source name in lake paths and results (default: base_url's host)"),
};

const etlc_option_table etlc__rest_options = {
    .protocol = "http",
    .env_prefix = "HTTP",
    .options = rest_own,
    .count = sizeof rest_own / sizeof rest_own[0],
    .fragments = etlc__http_fragments,
};
