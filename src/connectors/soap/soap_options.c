/* The soap connector's options: the one table that drives validation, env
 * variables (SOAP_*), docs and `etlconn options soap`. The net fragments
 * (TLS, proxy, limits, retries) come after its own. */
#include "soap_internal.h"

static const etlc_option soap_options[] = {
    {.name = "wsdl_url", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_REQUIRED,
     .description = "The service's WSDL: an http:// or https:// URL (e.g. .../service?wsdl) or a "
                    "file path; its wsdl:import and xsd:import/include are followed"},
    {.name = "endpoint", .type = ETLC_OPT_STRING,
     .description = "Endpoint URL requests go to (default: the chosen port's soap:address)"},
    {.name = "service", .type = ETLC_OPT_STRING,
     .description = "wsdl:service to use by name (default: the first)"},
    {.name = "port", .type = ETLC_OPT_STRING,
     .description = "wsdl:port to use by name (default: the first SOAP port of the service)"},
    {.name = "username", .type = ETLC_OPT_STRING,
     .description = "User name for HTTP basic auth (and the WS-Security UsernameToken)"},
    {.name = "password", .type = ETLC_OPT_STRING, .flags = ETLC_OPT_SECRET,
     .description = "Password for HTTP basic auth (and the WS-Security UsernameToken)"},
    {.name = "ws_security", .type = ETLC_OPT_ENUM, .default_value = "none",
     .choices = "none|username_token",
     .description = "Add a WS-Security UsernameToken header (password sent as PasswordText: "
                    "use https)"},
    {.name = "soap_version", .type = ETLC_OPT_ENUM, .default_value = "auto",
     .choices = "auto|1.1|1.2",
     .description = "SOAP envelope version (auto: the binding's)"},
    {.name = "row_element", .type = ETLC_OPT_STRING,
     .description = "Local name of the response element whose occurrences are the rows "
                    "(default: the first repeated complex element of the response's schema)"},
    {.name = "output", .type = ETLC_OPT_ENUM, .default_value = "records",
     .choices = "records|bytes",
     .description = "records: response rows typed from the XSD (Parquet by default); bytes: the "
                    "response XML lands as it is"},
    {.name = "max_response_size", .type = ETLC_OPT_INT, .default_value = "1073741824",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 4096, .max = INT64_C(68719476736),
     .description = "Largest response read, in bytes (also each WSDL/schema document, "
                    "capped at 64 MiB)"},
    {.name = "wsdl_max_depth", .type = ETLC_OPT_INT, .default_value = "8",
     .flags = ETLC_OPT_HAS_MIN | ETLC_OPT_HAS_MAX, .min = 0, .max = 32,
     .description = "How many levels of wsdl:import / xsd:import / xsd:include are followed"},
    {.name = "source", .type = ETLC_OPT_STRING,
     .description = "Source name in lake paths and results (default: the host of endpoint, else "
                    "of wsdl_url; \"soap\" for a WSDL file)"},
};

const etlc_option_table etlc__soap_options = {
    .protocol = "soap",
    .env_prefix = "SOAP",
    .options = soap_options,
    .count = sizeof soap_options / sizeof soap_options[0],
    .fragments = etlc__http_fragments,
};
