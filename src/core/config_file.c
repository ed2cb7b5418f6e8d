/* Config files: JSON (jansson) or YAML (libyaml), chosen by extension,
 * read into flat top-level entries that remember the line of their key. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <yaml.h>

#include "core/config_internal.h"
#include "core/json_load.h"

#define CONFIG_FILE_MAX (16u * 1024u * 1024u)

static int read_whole(const char *path, char **text, size_t *len, etlc_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return etlc_error_set(err, errno == ENOMEM ? ETLC_NO_MEMORY : ETLC_CONFIG_FILE,
                              "cannot open config file '%s': %s", path, strerror(errno));
    etlc__buf b = {0};
    char chunk[8192];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b.len + n > CONFIG_FILE_MAX) {
            rc = etlc_error_set(err, ETLC_CONFIG_FILE, "config file '%s' is larger than %u bytes",
                                path, CONFIG_FILE_MAX);
            break;
        }
        if (etlc__buf_append(&b, chunk, n)) {
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading '%s'", path);
            break;
        }
    }
    if (rc == 0 && ferror(f))
        rc = etlc_error_set(err, errno == ENOMEM ? ETLC_NO_MEMORY : ETLC_CONFIG_FILE,
                            "cannot read config file '%s': %s", path, strerror(errno));
    fclose(f);
    if (rc == 0 && !b.data && etlc__buf_puts(&b, ""))
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading '%s'", path);
    if (rc) {
        etlc__buf_free(&b);
        return rc;
    }
    *len = b.len;
    *text = etlc__buf_take(&b);
    return 0;
}

static etlc__raw_entry *raw_add(etlc__raw_file *f, const char *key, size_t keylen, unsigned line)
{
    if (f->count == f->cap) { /* doubling keeps many keys linear */
        size_t cap = f->cap ? f->cap * 2 : 16;
        etlc__raw_entry *p = realloc(f->entries, cap * sizeof *p);
        if (!p)
            return NULL;
        f->entries = p;
        f->cap = cap;
    }
    etlc__raw_entry *e = &f->entries[f->count];
    memset(e, 0, sizeof *e);
    e->key = etlc__strndup(key, keylen);
    if (!e->key)
        return NULL;
    e->line = line;
    f->count++;
    return e;
}

static int raw_add_item(etlc__raw_entry *e, const char *s, size_t n)
{
    char **p = realloc(e->items, (e->n_items + 1) * sizeof *p);
    if (!p)
        return -1;
    e->items = p;
    p[e->n_items] = etlc__strndup(s, n);
    if (!p[e->n_items])
        return -1;
    e->n_items++;
    return 0;
}

void etlc__raw_file_free(etlc__raw_file *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->count; i++) {
        etlc__raw_entry *e = &f->entries[i];
        free(e->key);
        etlc__free_secret(e->text);
        for (size_t j = 0; j < e->n_items; j++)
            etlc__free_secret(e->items[j]);
        free(e->items);
    }
    free(f->entries);
    f->entries = NULL;
    f->count = f->cap = 0;
}

/* ---- JSON ----------------------------------------------------------------- */

/* Text of a JSON scalar; NULL for null/array/object or no memory. */
static char *json_scalar_text(json_t *v)
{
    char buf[64];
    switch (json_typeof(v)) {
    case JSON_STRING: return etlc__strndup(json_string_value(v), json_string_length(v));
    case JSON_INTEGER: snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
    case JSON_REAL:
        /* Shortest text that reads back as the same double. */
        snprintf(buf, sizeof buf, "%.15g", json_real_value(v));
        if (strtod(buf, NULL) != json_real_value(v))
            snprintf(buf, sizeof buf, "%.17g", json_real_value(v));
        break;
    case JSON_TRUE: return etlc__strdup("true");
    case JSON_FALSE: return etlc__strdup("false");
    default: return NULL;
    }
    return etlc__strdup(buf);
}

static bool json_is_scalar(json_t *v)
{
    return json_is_string(v) || json_is_number(v) || json_is_boolean(v);
}

/* A top-level key of a JSON text: where it starts, its line, its name
 * (NULL when it cannot be decoded). */
typedef struct json_key_at {
    size_t off;
    unsigned line;
    char *name;
} json_key_at;

typedef struct json_keys {
    json_key_at *v;
    size_t n, cap;
} json_keys;

static void json_keys_free(json_keys *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->v[i].name);
    free(k->v);
}

static int json_keys_add(json_keys *k, const char *text, size_t start, size_t end, bool escaped,
                         unsigned line)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 64;
        json_key_at *p = realloc(k->v, cap * sizeof *p);
        if (!p)
            return -1;
        k->v = p;
        k->cap = cap;
    }
    char *name = NULL;
    if (!escaped) {
        if (!(name = etlc__strndup(text + start, end - start)))
            return -1;
    } else {
        bool oom;
        json_t *s = etlc__json_loadb(text + start - 1, end - start + 2, JSON_DECODE_ANY, NULL, &oom);
        if (oom)
            return -1;
        if (s && json_is_string(s) && !(name = etlc__strdup(json_string_value(s)))) {
            json_decref(s);
            return -1;
        }
        json_decref(s);
    }
    k->v[k->n++] = (json_key_at){start - 1, line, name};
    return 0;
}

/* jansson keeps no per-key positions: find every top-level key (a string
 * followed by ':' at depth 1) in one pass over the text, so many keys stay
 * linear. Tolerates malformed text (it also locates parse errors). */
static int json_scan_keys(const char *text, size_t len, json_keys *out)
{
    unsigned line = 1;
    long depth = 0;
    bool expect_key = false; /* at depth 1: after '{' or ',' a key comes, after ':' a value */
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\n') {
            line++;
        } else if (c == '{' || c == '[') {
            depth++;
            expect_key = depth == 1 && c == '{';
        } else if (c == '}' || c == ']') {
            depth--;
        } else if (c == ',' && depth == 1) {
            expect_key = true;
        } else if (c == '"') {
            size_t start = i + 1, j = start;
            bool escaped = false;
            while (j < len && text[j] != '"') {
                if (text[j] == '\\') {
                    escaped = true;
                    j++;
                }
                j++;
            }
            if (j >= len)
                return 0;
            size_t k = j + 1;
            while (k < len && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r' || text[k] == '\n'))
                k++;
            /* Only a string where a key belongs counts: a value followed by a
             * stray ':' must never be named as a key (it may be a password). */
            if (depth == 1 && expect_key && k < len && text[k] == ':' &&
                json_keys_add(out, text, start, j, escaped, line))
                return -1;
            if (depth == 1)
                expect_key = false;
            for (size_t m = i; m < j; m++)
                if (text[m] == '\n')
                    line++;
            i = j;
        }
    }
    return 0;
}

/* A parse error without the parser's "near '...'" text, which can quote a
 * value (a password, before any secret is known): line, column, what is
 * wrong, and the top-level key whose value holds the error. */
static int json_parse_error(const char *path, const json_error_t *jerr, const json_keys *keys,
                            etlc_error *err)
{
    char what[JSON_ERROR_TEXT_LENGTH];
    snprintf(what, sizeof what, "%s", jerr->text);
    char *near = strstr(what, " near ");
    if (near)
        *near = '\0';
    const char *key = NULL;
    for (size_t i = 0; i < keys->n && keys->v[i].off < (size_t)jerr->position; i++)
        key = keys->v[i].name;
    bool dup = json_error_code(jerr) == json_error_duplicate_key;
    return etlc_error_set(err, ETLC_CONFIG_PARSE, "%s:%d:%d: invalid JSON: %s%s%s%s", path, jerr->line,
                          jerr->column, what, key ? (dup ? " '" : " in the value of key '") : "",
                          key ? key : "", key ? "' (value not shown)" : "");
}

static int read_json(const char *path, const char *text, size_t len, etlc__raw_file *out,
                     etlc_error *err)
{
    json_error_t jerr;
    bool out_of_memory;
    json_keys keys = {0};
    if (json_scan_keys(text, len, &keys)) {
        json_keys_free(&keys);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading '%s'", path);
    }
    /* jansson can turn a failed allocation into a syntax error or a
     * silently changed value: etlc__json_loadb tells. */
    json_t *root = etlc__json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr, &out_of_memory);
    if (out_of_memory || !root) {
        int rc = out_of_memory ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading '%s'", path)
                               : json_parse_error(path, &jerr, &keys, err);
        json_keys_free(&keys);
        return rc;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        json_keys_free(&keys);
        return etlc_error_set(err, ETLC_CONFIG_PARSE,
                              "%s:1:1: the top level must be an object of keys to values", path);
    }
    int rc = 0;
    const char *key;
    json_t *val;
    size_t nth = 0;
    json_object_foreach(root, key, val) {
        /* jansson keeps the text's key order: the nth key scanned is this one. */
        unsigned line = nth < keys.n && keys.v[nth].name && strcmp(keys.v[nth].name, key) == 0
                            ? keys.v[nth].line : 0;
        nth++;
        etlc__raw_entry *e = raw_add(out, key, strlen(key), line);
        if (!e) {
            rc = ETLC_NO_MEMORY;
            break;
        }
        if (json_is_null(val)) {
            e->kind = ETLC__RAW_NULL;
        } else if (json_is_scalar(val)) {
            e->kind = ETLC__RAW_SCALAR;
            if (!(e->text = json_scalar_text(val)))
                rc = ETLC_NO_MEMORY;
        } else if (json_is_array(val)) {
            e->kind = ETLC__RAW_LIST;
            size_t idx;
            json_t *item;
            json_array_foreach(val, idx, item) {
                if (!json_is_scalar(item)) {
                    e->kind = ETLC__RAW_NESTED;
                    break;
                }
                char *s = json_scalar_text(item);
                int bad = !s || raw_add_item(e, s, strlen(s));
                etlc__free_secret(s);
                if (bad) {
                    rc = ETLC_NO_MEMORY;
                    break;
                }
            }
        } else {
            e->kind = ETLC__RAW_NESTED;
        }
        if (rc)
            break;
    }
    json_decref(root);
    json_keys_free(&keys);
    if (rc)
        return etlc_error_set(err, rc, "out of memory reading '%s'", path);
    return 0;
}

/* ---- YAML ----------------------------------------------------------------- */

static bool yaml_is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = (const char *)n->data.scalar.value;
    return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
           strcmp(s, "NULL") == 0;
}

static int yaml_fill_entry(yaml_document_t *doc, yaml_node_t *val, etlc__raw_entry *e)
{
    if (yaml_is_null(val)) {
        e->kind = ETLC__RAW_NULL;
    } else if (val->type == YAML_SCALAR_NODE) {
        e->kind = ETLC__RAW_SCALAR;
        e->text = etlc__strndup((const char *)val->data.scalar.value, val->data.scalar.length);
        if (!e->text)
            return ETLC_NO_MEMORY;
    } else if (val->type == YAML_SEQUENCE_NODE) {
        e->kind = ETLC__RAW_LIST;
        for (yaml_node_item_t *it = val->data.sequence.items.start;
             it < val->data.sequence.items.top; it++) {
            yaml_node_t *item = yaml_document_get_node(doc, *it);
            if (!item || item->type != YAML_SCALAR_NODE) {
                e->kind = ETLC__RAW_NESTED;
                break;
            }
            if (raw_add_item(e, (const char *)item->data.scalar.value, item->data.scalar.length))
                return ETLC_NO_MEMORY;
        }
    } else {
        e->kind = ETLC__RAW_NESTED;
    }
    return 0;
}

static int yaml_error(const char *path, const yaml_parser_t *parser, etlc_error *err)
{
    /* libyaml names every syntax problem; some allocation failures set none. */
    if (parser->error == YAML_MEMORY_ERROR || !parser->problem)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading '%s'", path);
    return etlc_error_set(err, ETLC_CONFIG_PARSE, "%s:%zu:%zu: %s%s%s", path,
                          parser->problem_mark.line + 1, parser->problem_mark.column + 1,
                          parser->problem, parser->context ? " " : "",
                          parser->context ? parser->context : "");
}

/* JSON (jansson) stops at this depth; YAML gets the same limit. */
#define CONFIG_MAX_DEPTH 2048

/* One pass over the events: refuse nesting deeper than CONFIG_MAX_DEPTH
 * before the document is built. Syntax errors are left to the loader. */
static int yaml_check_depth(const char *path, const char *text, size_t len, etlc_error *err)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading '%s'", path);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int rc = 0;
    size_t depth = 0;
    for (bool done = false; !done && rc == 0;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            if (parser.error == YAML_MEMORY_ERROR) /* else a syntax error: the loader reports it */
                rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading '%s'", path);
            break;
        }
        if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT) {
            if (++depth > CONFIG_MAX_DEPTH)
                rc = etlc_error_set(err, ETLC_CONFIG_PARSE,
                                    "%s:%zu:%zu: nesting deeper than %d levels (the limit for JSON and YAML)",
                                    path, ev.start_mark.line + 1, ev.start_mark.column + 1, CONFIG_MAX_DEPTH);
        } else if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
            depth--;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return rc;
}

static int read_yaml(const char *path, const char *text, size_t len, etlc__raw_file *out,
                     etlc_error *err)
{
    int depth_rc = yaml_check_depth(path, text, len, err);
    if (depth_rc)
        return depth_rc;
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading '%s'", path);
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        int rc = yaml_error(path, &parser, err);
        yaml_parser_delete(&parser);
        return rc;
    }
    /* A second document would be silently ignored: refuse it instead. */
    yaml_document_t extra;
    int rc = 0;
    if (!yaml_parser_load(&parser, &extra)) {
        rc = yaml_error(path, &parser, err);
    } else {
        yaml_node_t *extra_root = yaml_document_get_root_node(&extra);
        if (extra_root)
            rc = etlc_error_set(err, ETLC_CONFIG_PARSE,
                                "%s:%zu:%zu: only one YAML document is allowed in a config file",
                                path, extra_root->start_mark.line + 1, extra_root->start_mark.column + 1);
        yaml_document_delete(&extra);
    }
    yaml_parser_delete(&parser);
    if (rc) {
        yaml_document_delete(&doc);
        return rc;
    }

    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && yaml_is_null(root))
        root = NULL; /* an empty document sets nothing */
    if (root && root->type != YAML_MAPPING_NODE) {
        rc = etlc_error_set(err, ETLC_CONFIG_PARSE,
                            "%s:%zu:%zu: the top level must be a mapping of keys to values", path,
                            root->start_mark.line + 1, root->start_mark.column + 1);
        root = NULL;
    }
    json_t *seen = json_object();
    for (yaml_node_pair_t *pair = root ? root->data.mapping.pairs.start : NULL;
         root && pair < root->data.mapping.pairs.top && rc == 0; pair++) {
        yaml_node_t *k = yaml_document_get_node(&doc, pair->key);
        yaml_node_t *v = yaml_document_get_node(&doc, pair->value);
        if (!k || !v || k->type != YAML_SCALAR_NODE) {
            rc = etlc_error_set(err, ETLC_CONFIG_PARSE, "%s:%zu:%zu: keys must be plain names",
                                path, k ? k->start_mark.line + 1 : 0,
                                k ? k->start_mark.column + 1 : 0);
            break;
        }
        const char *key = (const char *)k->data.scalar.value;
        size_t keylen = k->data.scalar.length;
        /* A hash of the keys seen (key -> line) keeps many keys linear. */
        json_t *first = seen ? json_object_getn(seen, key, keylen) : NULL;
        if (first) {
            rc = etlc_error_set(err, ETLC_CONFIG_PARSE,
                                "%s:%zu:%zu: duplicate key '%s' (first at line %u)", path,
                                k->start_mark.line + 1, k->start_mark.column + 1, key,
                                (unsigned)json_integer_value(first));
            break;
        }
        if (!seen || json_object_setn_new_nocheck(seen, key, keylen,
                                                  json_integer((json_int_t)k->start_mark.line + 1))) {
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading '%s'", path);
            break;
        }
        etlc__raw_entry *e = raw_add(out, key, k->data.scalar.length,
                                     (unsigned)k->start_mark.line + 1);
        if (!e || yaml_fill_entry(&doc, v, e))
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading '%s'", path);
    }
    json_decref(seen);
    yaml_document_delete(&doc);
    return rc;
}

/* ---- entry points ----------------------------------------------------------- */

static const char *extension(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    return dot ? dot : "";
}

int etlc__config_file_read(const char *path, etlc__raw_file *out, etlc_error *err)
{
    memset(out, 0, sizeof *out);
    const char *ext = extension(path);
    bool json = etlc__strcasecmp(ext, ".json") == 0;
    bool yaml = etlc__strcasecmp(ext, ".yaml") == 0 || etlc__strcasecmp(ext, ".yml") == 0;
    if (!json && !yaml)
        return etlc_error_set(err, ETLC_CONFIG_FILE,
                              "config file '%s': unsupported extension '%s' (use .json, .yaml or .yml)",
                              path, ext);
    char *text;
    size_t len;
    int rc = read_whole(path, &text, &len, err);
    if (rc)
        return rc;
    rc = json ? read_json(path, text, len, out, err) : read_yaml(path, text, len, out, err);
    etlc__free_secret(text);
    if (rc)
        etlc__raw_file_free(out);
    return rc;
}

int etlc_config_file_protocol(const char *path, char **protocol, etlc_error *err)
{
    if (!path || !protocol)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "config file path and result are required");
    *protocol = NULL;
    etlc__raw_file f;
    int rc = etlc__config_file_read(path, &f, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < f.count && rc == 0; i++) {
        etlc__raw_entry *e = &f.entries[i];
        if (strcmp(e->key, ETLC_CONFIG_KEY_PROTOCOL) != 0 || e->kind == ETLC__RAW_NULL)
            continue;
        if (e->kind != ETLC__RAW_SCALAR)
            rc = etlc_error_set(err, ETLC_CONFIG_TYPE,
                                "key 'protocol' (from %s:%u): expected a protocol name, not a list or mapping",
                                path, e->line);
        else if (!(*protocol = etlc__strdup(e->text)))
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory");
    }
    etlc__raw_file_free(&f);
    return rc;
}
