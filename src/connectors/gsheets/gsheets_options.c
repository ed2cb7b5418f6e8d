/* The gsheets connector's options: the one table behind validation, env
 * variables (GSHEETS_*), docs and `etlconn options gsheets`. */
#include "gsheets_internal.h"

#define STR(n, desc) {.name = n, .type = ETLC_OPT_STRING, .description = desc}
#define SECRET(n, desc) {.name = n, .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET, .description = desc}

static const etlc_option gs_own[] = {
    {.name = "spreadsheet_id", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_REQUIRED,
     .description = "The spreadsheet's id (the long part of its URL after /d/)"},
    {.name = "range", .type = ETLC_OPT_LIST,
     .description = "A1 range(s) read when a fetch names none (Sheet1!A1:F, Sheet1); several "
                    "ranges are read with one values:batchGet, one page (file) per range"},
    STR("credentials_file", "Service-account JSON key file (client_email, private_key, token_uri)"),
    STR("client_email", "Service-account e-mail (instead of credentials_file)"),
    SECRET("private_key", "Service-account PEM private key (instead of credentials_file; "
                          "\\n escapes allowed)"),
    STR("token_uri", "OAuth2 token endpoint of the JWT-bearer grant (default: the key's "
                     "token_uri, else https://oauth2.googleapis.com/token)"),
    SECRET("api_key", "API key (the `key` query parameter), for public sheets without a service "
                      "account"),
    {.name = "scopes", .type = ETLC_OPT_STRING,
     .default_value = "https://www.googleapis.com/auth/spreadsheets.readonly",
     .description = "OAuth2 scopes asked for (space-separated)"},
    {.name = "api_base_url", .type = ETLC_OPT_STRING, .default_value = "https://sheets.googleapis.com",
     .description = "Sheets API root the v4/spreadsheets paths are joined to"},
    {.name = "header_row", .type = ETLC_OPT_BOOL, .default_value = "true",
     .description = "The first row of each range names the columns (false: column_1, column_2...)"},
    STR("source", "Source name in lake paths and results (default: the spreadsheet id)"),
};

const etlc_option_table etlc__gsheets_options = {
    .protocol = "gsheets",
    .env_prefix = "GSHEETS",
    .options = gs_own,
    .count = sizeof gs_own / sizeof gs_own[0],
    .fragments = etlc__http_fragments,
};
