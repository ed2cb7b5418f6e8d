/* etlconn — options tables and layered configuration.
 *
 * Each connector declares one options table. Layers merge in this order,
 * later wins: defaults -> file (JSON or YAML, by extension) -> environment
 * <PREFIX>_<KEY> -> config dict -> explicit overrides. Every value remembers
 * its layer and origin (file:line, env var name, ...).
 *
 * Threads: loading is done by one thread; a loaded etlc_config is never
 * changed afterwards (every getter only reads), so it may be shared by any
 * number of threads until it is freed. Options tables are static data. */
#ifndef ETLCONN_CONFIG_H
#define ETLCONN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "export.h"

ETLC_BEGIN_DECLS

typedef enum etlc_opt_type {
    ETLC_OPT_STRING = 0,
    ETLC_OPT_INT,      /* int64; min/max apply */
    ETLC_OPT_BOOL,     /* true/false, yes/no, on/off, 1/0 */
    ETLC_OPT_FLOAT,    /* double; min/max apply */
    ETLC_OPT_DURATION, /* "250ms", "30s", "5m", "2h", "1d"; bare number = seconds; stored in ms; min/max in ms */
    ETLC_OPT_ENUM,     /* one of `choices` ("a|b|c") */
    ETLC_OPT_LIST,     /* comma-separated in env/strings, an array in JSON/YAML */
    ETLC_OPT_PATH      /* a file-system path; "~/" expanded */
} etlc_opt_type;

#define ETLC_OPT_REQUIRED 0x1u /* must be set by some layer (defaults do not count) */
#define ETLC_OPT_SECRET 0x2u   /* redacted everywhere; registered with the redactor */
#define ETLC_OPT_HAS_MIN 0x4u
#define ETLC_OPT_HAS_MAX 0x8u
/* How to reach or read the source, not what is read (timeouts, retries,
 * TLS, chunk sizes, resume): left out of a checkpoint's identity, so
 * changing it does not start the incremental state over. */
#define ETLC_OPT_TUNING 0x10u

typedef struct etlc_option {
    const char *name;          /* lower_snake_case */
    etlc_opt_type type;
    const char *default_value; /* text form, NULL for no default */
    double min, max;           /* honoured when the HAS_MIN / HAS_MAX flags are set */
    const char *choices;       /* ENUM: "disable|require|verify-full" */
    unsigned flags;            /* ETLC_OPT_* */
    const char *description;   /* one line */
} etlc_option;

typedef struct etlc_option_table {
    const char *protocol;      /* canonical protocol name */
    const char *env_prefix;    /* default environment prefix, e.g. "SQLITE" */
    const etlc_option *options;
    size_t count;
    /* Shared option fragments (TLS, proxy, timeouts, retries, pool...) this
     * table includes after its own options: a NULL-terminated list, or NULL.
     * A fragment is itself a table whose protocol, env_prefix and fragments
     * are ignored (one level); its keys take this table's env prefix.
     * Validation, dumps, redaction, `etlconn options` and the docs see the
     * fragments' options as the table's own, in etlc_option_at order. */
    const struct etlc_option_table *const *fragments;
} etlc_option_table;

const char *etlc_opt_type_name(etlc_opt_type type);
/* Number of options of the table, its fragments' included. */
size_t etlc_option_count(const etlc_option_table *table);
/* The index-th option: the table's own first, then each fragment's in list
 * order. NULL when index >= etlc_option_count(table). */
const etlc_option *etlc_option_at(const etlc_option_table *table, size_t index);
/* Find an option by name (fragments included); NULL if the table has none. */
const etlc_option *etlc_option_find(const etlc_option_table *table, const char *name);

typedef enum etlc_layer {
    ETLC_LAYER_DEFAULT = 0,
    ETLC_LAYER_FILE,
    ETLC_LAYER_ENV,
    ETLC_LAYER_DICT,
    ETLC_LAYER_OVERRIDE
} etlc_layer;

/* "default", "file", "env", "dict", "override". */
const char *etlc_layer_name(etlc_layer layer);

typedef struct etlc_kv {
    const char *key;
    const char *value;
} etlc_kv;

/* Where the layers come from. All fields optional (zero-init = defaults only
 * plus the table's env prefix). */
typedef struct etlc_config_sources {
    const char *file;          /* .json, .yaml or .yml; NULL for none */
    const char *env_prefix;    /* NULL = the table's prefix; "" = do not read the environment */
    const etlc_kv *dict;       /* config dict layer */
    size_t dict_len;
    const etlc_kv *overrides;  /* explicit overrides, highest precedence */
    size_t overrides_len;
    bool allow_missing_required; /* for `config show`: report, do not fail */
} etlc_config_sources;

typedef struct etlc_config etlc_config;

/* Keys accepted by every table besides its own options. */
#define ETLC_CONFIG_KEY_PROTOCOL "protocol"

/* Merge the layers for `table`, validate every value, check required keys.
 * Errors name the key, the value (redacted if secret) and the layer/origin:
 *   CONFIG_PARSE        file:line:column and the parser's message
 *   CONFIG_FILE         the path and the OS error
 *   CONFIG_MISSING_KEY  every missing required key, with its env variable
 *   CONFIG_UNKNOWN_KEY  the key, its origin, and "did you mean 'x'?"
 *   CONFIG_TYPE/RANGE   the key, the value, what was expected, the origin
 * The `protocol` key, when present in a layer, must name this table's
 * protocol (or an alias the caller resolved). */
int etlc_config_load(const etlc_option_table *table, const etlc_config_sources *sources,
                     etlc_config **out, etlc_error *err);

/* Read only the `protocol` key of a config file (NULL result if absent).
 * Returns a malloc'd string through *protocol. */
int etlc_config_file_protocol(const char *path, char **protocol, etlc_error *err);

void etlc_config_free(etlc_config *cfg); /* NULL ok; secrets are zeroed */

const etlc_option_table *etlc_config_table(const etlc_config *cfg);

/* Typed getters. The value was validated at load time, so these cannot fail
 * for a key of the right type; an unset key gives NULL / 0 / false. */
bool etlc_config_has(const etlc_config *cfg, const char *key);
const char *etlc_config_get_string(const etlc_config *cfg, const char *key); /* borrowed, valid until free */
int64_t etlc_config_get_int(const etlc_config *cfg, const char *key);
bool etlc_config_get_bool(const etlc_config *cfg, const char *key);
double etlc_config_get_float(const etlc_config *cfg, const char *key);
int64_t etlc_config_get_duration_ms(const etlc_config *cfg, const char *key);
/* Number of list items; *items borrowed, valid until free. */
size_t etlc_config_get_list(const etlc_config *cfg, const char *key, const char *const **items);

/* Provenance of one key. origin is e.g. "conn.yaml:4", "env SQLITE_DATABASE_PATH",
 * "default", "dict", "override --set". Returns false if the key is unset. */
bool etlc_config_provenance(const etlc_config *cfg, const char *key, etlc_layer *layer,
                            const char **origin);

/* Iterate every option of the table in table order (set or not). */
typedef struct etlc_config_entry {
    const etlc_option *option;
    const char *value;  /* NULL if unset; NOT redacted — use etlc_config_to_json for display */
    etlc_layer layer;
    const char *origin;
    bool is_set;
} etlc_config_entry;
size_t etlc_config_count(const etlc_config *cfg);
bool etlc_config_entry_at(const etlc_config *cfg, size_t index, etlc_config_entry *entry);

/* Missing required keys (after allow_missing_required); comma-joined, malloc'd, NULL if none. */
char *etlc_config_missing(const etlc_config *cfg);

/* Canonical "key=value\n" lines of the non-secret set values, sorted by key,
 * and a SHA-256 hex digest of the secret values: the cache key parts. */
int etlc_config_fingerprint(const etlc_config *cfg, char **normalized, char secrets_sha256[65]);

/* Dump as JSON: {"protocol":..., "values":{"key":{"value":..., "layer":..., "origin":..., "secret":bool}}}.
 * Secret values are always ETLC_REDACTED. malloc'd. */
int etlc_config_to_json(const etlc_config *cfg, char **json, etlc_error *err);
/* Human text dump, one "key = value  (layer: origin)" per line, redacted. */
int etlc_config_to_text(const etlc_config *cfg, char **text, etlc_error *err);

/* Render an options table: JSON array, Markdown table, or an example config
 * file (format "json" or "yaml") with defaults and placeholders for required keys. */
int etlc_options_to_json(const etlc_option_table *table, char **out, etlc_error *err);
int etlc_options_to_markdown(const etlc_option_table *table, char **out, etlc_error *err);
int etlc_options_example(const etlc_option_table *table, const char *format, char **out, etlc_error *err);

/* Parse helpers shared with the CLI: "KEY=VALUE" -> key/value (malloc'd). */
int etlc_kv_parse(const char *assignment, char **key, char **value, etlc_error *err);

ETLC_END_DECLS
#endif
