/* etlconn — private pieces shared by the config_*.c files. */
#ifndef ETLCONN_CONFIG_INTERNAL_H
#define ETLCONN_CONFIG_INTERNAL_H

#include "core/internal.h"

/* ---- one parsed value (config_value.c) ---------------------------------- */

typedef struct etlc__value {
    char *text;      /* display text: trimmed, "~/" expanded, lists joined with "," */
    int64_t i;       /* INT, DURATION (ms) */
    double f;        /* FLOAT */
    bool b;          /* BOOL */
    char **items;    /* LIST */
    size_t n_items;
} etlc__value;

/* Parse and validate one value for `opt`. The input is either a text
 * (is_list false) or items from a JSON/YAML array (is_list true).
 * Returns 0, ETLC_CONFIG_TYPE or ETLC_CONFIG_RANGE (with `why` saying what
 * was expected, never quoting the value) or ETLC_NO_MEMORY. */
int etlc__value_parse(const etlc_option *opt, const char *text, const char *const *items,
                      size_t n_items, bool is_list, etlc__value *out, char *why, size_t whysz);
/* Free a value; `secret` zeroes the memory first. */
void etlc__value_clear(etlc__value *v, bool secret);
/* Canonical text for fingerprints ("30s" and "30000ms" agree). 0 or -1 (ENOMEM). */
int etlc__value_canonical(const etlc_option *opt, const etlc__value *v, etlc__buf *b);

/* "<PREFIX>_<UPPER_KEY>" (malloc'd), NULL when out of memory. */
char *etlc__option_env_name(const char *prefix, const char *key);
/* Index of `name` among the table's options, fragments included
 * (etlc_option_at order); SIZE_MAX when absent. */
size_t etlc__option_index(const etlc_option_table *table, const char *name);

/* ---- raw top-level entries of a config file (config_file.c) -------------- */

typedef enum etlc__raw_kind {
    ETLC__RAW_NULL = 0, /* null: not set in this layer */
    ETLC__RAW_SCALAR,
    ETLC__RAW_LIST,     /* array / sequence of scalars */
    ETLC__RAW_NESTED    /* mapping, or array holding non-scalars */
} etlc__raw_kind;

typedef struct etlc__raw_entry {
    char *key;
    etlc__raw_kind kind;
    char *text;       /* SCALAR */
    char **items;     /* LIST */
    size_t n_items;
    unsigned line;    /* 1-based line of the key, 0 if unknown */
} etlc__raw_entry;

typedef struct etlc__raw_file {
    etlc__raw_entry *entries;
    size_t count, cap;
} etlc__raw_file;

/* Read a .json / .yaml / .yml file into its top-level entries. */
int etlc__config_file_read(const char *path, etlc__raw_file *out, etlc_error *err);
/* Free (values zeroed: any of them may be a secret). */
void etlc__raw_file_free(etlc__raw_file *f);

/* ---- the loaded configuration -------------------------------------------- */

typedef struct etlc__slot {
    bool is_set;
    etlc_layer layer;
    char *origin;
    etlc__value value;
} etlc__slot;

struct etlc_config {
    const etlc_option_table *table;
    etlc__slot *slots;      /* one per table option, table order */
    etlc__slot protocol;    /* the `protocol` key; table->protocol when no layer sets it */
    char *missing;          /* ", "-joined missing required keys, or NULL */
};

/* Slot for `key` (including "protocol"), NULL if the table has no such key. */
const etlc__slot *etlc__config_slot(const etlc_config *cfg, const char *key,
                                    const etlc_option **opt);

#endif
