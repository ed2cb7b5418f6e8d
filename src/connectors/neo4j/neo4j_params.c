/* Query parameters -> the RUN parameter map. Cypher parameters are named
 * ($name); the fetch request's are an ordered list, so:
 *   - a text parameter "NAME=VALUE" (NAME a Cypher identifier) becomes
 *     $NAME; VALUE is read as JSON when it is valid JSON (42, 1.5, true,
 *     null, "text", [1,2], {"a":1}), else taken as the string it is;
 *   - any other parameter (a text without NAME=, or one typed int:, float:,
 *     null:) becomes $p1, $p2, ... by its position (1-based), as typed.
 * See docs/connectors/neo4j.md. */
#include <jansson.h>
#include <string.h>

#include "core/json_load.h"
#include "neo4j_internal.h"

static int oom(etlc_error *err)
{
    return etlc_error_set(err, ETLC_NO_MEMORY, "neo4j: out of memory packing parameters");
}

static int pack_json_value(etlc__buf *b, json_t *j, int depth, etlc_error *err)
{
    if (depth > N4J_MAX_DEPTH)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "neo4j: parameter nested too deeply");
    int r = 0, rc;
    switch (json_typeof(j)) {
    case JSON_NULL: r = etlc__n4j_pack_null(b); break;
    case JSON_TRUE: r = etlc__n4j_pack_bool(b, true); break;
    case JSON_FALSE: r = etlc__n4j_pack_bool(b, false); break;
    case JSON_INTEGER: r = etlc__n4j_pack_int(b, (int64_t)json_integer_value(j)); break;
    case JSON_REAL: r = etlc__n4j_pack_float(b, json_real_value(j)); break;
    case JSON_STRING: r = etlc__n4j_pack_string(b, json_string_value(j), json_string_length(j)); break;
    case JSON_ARRAY:
        if (etlc__n4j_pack_header(b, N4J_LIST, json_array_size(j)) != 0)
            return oom(err);
        for (size_t i = 0; i < json_array_size(j); i++)
            if ((rc = pack_json_value(b, json_array_get(j, i), depth + 1, err)) != ETLC_OK)
                return rc;
        break;
    case JSON_OBJECT: {
        if (etlc__n4j_pack_header(b, N4J_MAP, json_object_size(j)) != 0)
            return oom(err);
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v) {
            if (etlc__n4j_pack_string(b, k, strlen(k)) != 0)
                return oom(err);
            if ((rc = pack_json_value(b, v, depth + 1, err)) != ETLC_OK)
                return rc;
        }
        break;
    }
    }
    return r == 0 ? ETLC_OK : oom(err);
}

int etlc__n4j_pack_json(etlc__buf *b, const char *json, size_t len, etlc_error *err)
{
    bool nomem = false;
    json_error_t jerr;
    json_t *j = etlc__json_loadb(json, len, JSON_DECODE_ANY, &jerr, &nomem);
    if (!j)
        return nomem ? oom(err) : etlc_error_set(err, ETLC_INVALID_ARGUMENT, "not JSON");
    int rc = pack_json_value(b, j, 0, err);
    json_decref(j);
    return rc;
}

/* Length of the NAME in "NAME=VALUE", 0 when the text has no such prefix. */
static size_t name_len(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && (s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                       (i > 0 && s[i] >= '0' && s[i] <= '9')))
        i++;
    return i > 0 && i < len && s[i] == '=' ? i : 0;
}

static int pack_text_value(etlc__buf *b, const char *v, size_t len, etlc_error *err)
{
    size_t mark = b->len;
    etlc_error jerr = {0};
    int rc = etlc__n4j_pack_json(b, v, len, &jerr);
    if (rc == ETLC_OK)
        return ETLC_OK;
    if (rc == ETLC_NO_MEMORY)
        return oom(err);
    b->len = mark; /* not JSON: the string as given */
    return etlc__n4j_pack_string(b, v, len) == 0 ? ETLC_OK : oom(err);
}

static int pack_one(etlc__buf *b, const etlc_param *p, size_t index, etlc_error *err)
{
    const char *text = p->data;
    size_t nl = p->type == ETLC_TYPE_TEXT && text ? name_len(text, p->len) : 0;
    int r;
    if (nl > 0) {
        if (etlc__n4j_pack_string(b, text, nl) != 0)
            return oom(err);
        return pack_text_value(b, text + nl + 1, p->len - nl - 1, err);
    }
    char name[32];
    int n = snprintf(name, sizeof name, "p%zu", index + 1);
    if (etlc__n4j_pack_string(b, name, (size_t)n) != 0)
        return oom(err);
    switch (p->type) {
    case ETLC_TYPE_NULL: r = etlc__n4j_pack_null(b); break;
    case ETLC_TYPE_BOOL: r = etlc__n4j_pack_bool(b, p->i64 != 0); break;
    case ETLC_TYPE_INT64: r = etlc__n4j_pack_int(b, p->i64); break;
    case ETLC_TYPE_DOUBLE: r = etlc__n4j_pack_float(b, p->f64); break;
    case ETLC_TYPE_TEXT: r = etlc__n4j_pack_string(b, text ? text : "", text ? p->len : 0); break;
    case ETLC_TYPE_BYTES: r = etlc__n4j_pack_bytes(b, p->data, p->len); break;
    default:
        return etlc_error_set(err, ETLC_UNSUPPORTED, "neo4j: parameter %zu has type %s, which cannot be sent",
                              index + 1, etlc_type_name(p->type));
    }
    return r == 0 ? ETLC_OK : oom(err);
}

int etlc__n4j_pack_params(etlc__buf *b, const etlc_param *params, size_t n, etlc_error *err)
{
    if (etlc__n4j_pack_header(b, N4J_MAP, n) != 0)
        return oom(err);
    for (size_t i = 0; i < n; i++) {
        int rc = pack_one(b, &params[i], i, err);
        if (rc != ETLC_OK)
            return rc;
    }
    return ETLC_OK;
}
