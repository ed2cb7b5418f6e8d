/* PackStream values as JSON text: lists and maps as they are; nodes,
 * relationships and paths as objects with element ids, labels or type and
 * properties; points as {"srid","x","y"[,"z"]}; temporal values as ISO
 * strings; bytes as base64 strings; NaN and infinities as the strings
 * "NaN", "Infinity", "-Infinity" (JSON has no such numbers). */
#include <inttypes.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neo4j_internal.h"
#include "neo4j_temporal.h"

static int oom(etlc_error *err) { return etlc_error_set(err, ETLC_NO_MEMORY, "neo4j: out of memory building JSON"); }

static int bad(etlc_error *err, uint8_t tag, const char *what)
{
    return etlc_error_set(err, ETLC_PROTOCOL, "neo4j: malformed structure '%c' (0x%02X): %s", tag, tag, what);
}

static int put_double(etlc__buf *b, double d)
{
    if (isnan(d))
        return etlc__buf_puts(b, "\"NaN\"");
    if (isinf(d))
        return etlc__buf_puts(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) { /* the shortest text that reads back exactly */
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    if (!strpbrk(tmp, ".eE"))
        strcat(tmp, ".0");
    return etlc__buf_puts(b, tmp);
}

static int put_base64(etlc__buf *b, const uint8_t *p, size_t len)
{
    if (len > (SIZE_MAX / 4) * 3 - 3 || etlc__buf_reserve(b, (len + 2) / 3 * 4 + 3) != 0)
        return -1;
    b->data[b->len++] = '"';
    size_t done = 0;
    while (done < len) { /* EVP_EncodeBlock takes an int length: go in slices */
        size_t n = len - done > 3u << 20 ? 3u << 20 : len - done;
        b->len += (size_t)EVP_EncodeBlock((unsigned char *)b->data + b->len, p + done, (int)n);
        done += n;
    }
    b->data[b->len++] = '"';
    b->data[b->len] = '\0';
    return 0;
}

static int key(etlc__buf *b, bool first, const char *k)
{
    return etlc__buf_printf(b, "%s\"%s\":", first ? "" : ",", k);
}

/* The string field i of struct v, or NULL-kind check failure. */
static const n4j_val *field(const n4j_msg *m, const n4j_val *v, size_t i, n4j_kind kind)
{
    if (i >= v->count)
        return NULL;
    const n4j_val *f = n4j_child(m, v, i);
    return f->kind == kind ? f : NULL;
}

static int put_field(etlc__buf *b, const char *k, const n4j_msg *m, const n4j_val *f, int depth, etlc_error *err)
{
    if (key(b, false, k) != 0)
        return oom(err);
    return f ? etlc__n4j_to_json(b, m, f, depth, err) : (etlc__buf_puts(b, "null") == 0 ? ETLC_OK : oom(err));
}

/* "key":"element id"; Bolt 4.4 has none: the numeric id as text then
 * (null when the id is unknown too). A key starting with ',"' is written
 * as is, else quoted. */
static int put_eid(etlc__buf *b, const char *k, const n4j_msg *m, const n4j_val *eid, const n4j_val *id,
                   etlc_error *err)
{
    int r = k[0] == ',' ? etlc__buf_printf(b, "%s\":", k) : etlc__buf_printf(b, "\"%s\":", k);
    if (r == 0 && eid)
        r = etlc__buf_json_string(b, n4j_str(m, eid), eid->count);
    else if (r == 0 && id)
        r = etlc__buf_printf(b, "\"%" PRId64 "\"", id->u.i);
    else if (r == 0)
        r = etlc__buf_puts(b, "null");
    return r == 0 ? ETLC_OK : oom(err);
}

/* Node: id, labels, properties[, element_id]. */
static int put_node(etlc__buf *b, const n4j_msg *m, const n4j_val *v, int depth, etlc_error *err)
{
    const n4j_val *id = field(m, v, 0, N4J_INT), *labels = field(m, v, 1, N4J_LIST);
    const n4j_val *props = field(m, v, 2, N4J_MAP), *eid = field(m, v, 3, N4J_STRING);
    if (!id || !labels || !props || (v->count > 3 && !eid))
        return bad(err, v->tag, "a node needs id, labels and properties");
    int rc;
    if (etlc__buf_putc(b, '{') != 0)
        return oom(err);
    if ((rc = put_eid(b, "element_id", m, eid, id, err)) || (rc = put_field(b, "id", m, id, depth, err)) ||
        (rc = put_field(b, "labels", m, labels, depth, err)) ||
        (rc = put_field(b, "properties", m, props, depth, err)))
        return rc;
    return etlc__buf_putc(b, '}') == 0 ? ETLC_OK : oom(err);
}

/* Relationship (bound: id, start, end, type, props[, eid, start_eid, end_eid]) or
 * unbound (id, type, props[, eid]) with its ends given by the path. */
static int put_rel(etlc__buf *b, const n4j_msg *m, const n4j_val *v, const n4j_val *start, const n4j_val *end,
                   int depth, etlc_error *err)
{
    bool bound = v->tag == N4J_TAG_REL;
    size_t base = bound ? 3 : 1, ext = bound ? 5 : 3;
    const n4j_val *id = field(m, v, 0, N4J_INT), *type = field(m, v, base, N4J_STRING);
    const n4j_val *props = field(m, v, base + 1, N4J_MAP), *eid = field(m, v, ext, N4J_STRING);
    const n4j_val *sid = bound ? field(m, v, 1, N4J_INT) : NULL, *tid = bound ? field(m, v, 2, N4J_INT) : NULL;
    const n4j_val *seid = bound ? field(m, v, 6, N4J_STRING) : NULL, *teid = bound ? field(m, v, 7, N4J_STRING) : NULL;
    if (!id || !type || !props || (bound && (!sid || !tid)) || (v->count > ext && !eid) ||
        (bound && v->count > ext && (!seid || !teid)))
        return bad(err, v->tag, "a relationship needs id, type and properties");
    if (!bound && start && end) { /* ends from the path's nodes: fields 0 (id) and 3 (element id) */
        sid = field(m, start, 0, N4J_INT), tid = field(m, end, 0, N4J_INT);
        seid = field(m, start, 3, N4J_STRING), teid = field(m, end, 3, N4J_STRING);
    }
    int rc;
    if (etlc__buf_putc(b, '{') != 0)
        return oom(err);
    if ((rc = put_eid(b, "element_id", m, eid, id, err)) || (rc = put_field(b, "id", m, id, depth, err)) ||
        (rc = put_field(b, "type", m, type, depth, err)) || (rc = put_eid(b, ",\"start_element_id", m, seid, sid, err)) ||
        (rc = put_eid(b, ",\"end_element_id", m, teid, tid, err)) ||
        (rc = put_field(b, "start_id", m, sid, depth, err)) || (rc = put_field(b, "end_id", m, tid, depth, err)) ||
        (rc = put_field(b, "properties", m, props, depth, err)))
        return rc;
    return etlc__buf_putc(b, '}') == 0 ? ETLC_OK : oom(err);
}

/* Path: distinct nodes, distinct unbound relationships, and indices
 * [rel, node, rel, node, ...]: rel is 1-based, negative when walked backwards. */
static int put_path(etlc__buf *b, const n4j_msg *m, const n4j_val *v, int depth, etlc_error *err)
{
    const n4j_val *nodes = field(m, v, 0, N4J_LIST), *rels = field(m, v, 1, N4J_LIST), *idx = field(m, v, 2, N4J_LIST);
    if (!nodes || !rels || !idx || nodes->count == 0 || idx->count % 2)
        return bad(err, v->tag, "a path needs nodes, relationships and an even index list");
    for (size_t i = 0; i < nodes->count; i++)
        if (n4j_child(m, nodes, i)->kind != N4J_STRUCT || n4j_child(m, nodes, i)->tag != N4J_TAG_NODE)
            return bad(err, v->tag, "a path's node is not a node");
    for (size_t i = 0; i < idx->count; i++) {
        const n4j_val *x = n4j_child(m, idx, i);
        int64_t lim = i % 2 ? (int64_t)nodes->count - 1 : (int64_t)rels->count;
        if (x->kind != N4J_INT || (i % 2 ? (x->u.i < 0 || x->u.i > lim) : (x->u.i == 0 || x->u.i < -lim || x->u.i > lim)))
            return bad(err, v->tag, "a path index is out of range");
        if (i % 2 == 0) {
            const n4j_val *r = n4j_child(m, rels, (size_t)(llabs(x->u.i) - 1));
            if (r->kind != N4J_STRUCT || r->tag != N4J_TAG_UNBOUND_REL)
                return bad(err, v->tag, "a path's relationship is not an unbound relationship");
        }
    }
    int rc;
    if (etlc__buf_puts(b, "{\"nodes\":[") != 0)
        return oom(err);
    const n4j_val *prev = n4j_child(m, nodes, 0);
    if ((rc = put_node(b, m, prev, depth, err)) != ETLC_OK)
        return rc;
    for (size_t i = 0; i < idx->count; i += 2) {
        const n4j_val *next = n4j_child(m, nodes, (size_t)n4j_child(m, idx, i + 1)->u.i);
        if (etlc__buf_putc(b, ',') != 0)
            return oom(err);
        if ((rc = put_node(b, m, next, depth, err)) != ETLC_OK)
            return rc;
    }
    if (etlc__buf_puts(b, "],\"relationships\":[") != 0)
        return oom(err);
    for (size_t i = 0; i < idx->count; i += 2) {
        int64_t ri = n4j_child(m, idx, i)->u.i;
        const n4j_val *next = n4j_child(m, nodes, (size_t)n4j_child(m, idx, i + 1)->u.i);
        const n4j_val *r = n4j_child(m, rels, (size_t)(llabs(ri) - 1));
        if ((i && etlc__buf_putc(b, ',') != 0))
            return oom(err);
        if ((rc = put_rel(b, m, r, ri > 0 ? prev : next, ri > 0 ? next : prev, depth, err)) != ETLC_OK)
            return rc;
        prev = next;
    }
    return etlc__buf_puts(b, "]}") == 0 ? ETLC_OK : oom(err);
}

static int put_point(etlc__buf *b, const n4j_msg *m, const n4j_val *v, etlc_error *err)
{
    size_t n = v->tag == N4J_TAG_POINT3D ? 4 : 3;
    const n4j_val *srid = field(m, v, 0, N4J_INT);
    if (!srid || v->count != n)
        return bad(err, v->tag, "a point needs srid and coordinates");
    static const char *const names[] = {"x", "y", "z"};
    if (etlc__buf_printf(b, "{\"srid\":%" PRId64, srid->u.i) != 0)
        return oom(err);
    for (size_t i = 1; i < n; i++) {
        const n4j_val *c = field(m, v, i, N4J_FLOAT);
        if (!c)
            return bad(err, v->tag, "a point coordinate is not a float");
        if (key(b, false, names[i - 1]) != 0 || put_double(b, c->u.f) != 0)
            return oom(err);
    }
    return etlc__buf_putc(b, '}') == 0 ? ETLC_OK : oom(err);
}

static int put_struct(etlc__buf *b, const n4j_msg *m, const n4j_val *v, int depth, etlc_error *err)
{
    switch (v->tag) {
    case N4J_TAG_NODE: return put_node(b, m, v, depth, err);
    case N4J_TAG_REL: case N4J_TAG_UNBOUND_REL: return put_rel(b, m, v, NULL, NULL, depth, err);
    case N4J_TAG_PATH: return put_path(b, m, v, depth, err);
    case N4J_TAG_POINT2D: case N4J_TAG_POINT3D: return put_point(b, m, v, err);
    default: break;
    }
    etlc__buf text = {0};
    int rc = etlc__n4j_temporal_text(&text, m, v, err);
    if (rc == ETLC_OK && etlc__buf_json_string(b, text.data ? text.data : "", text.len) != 0)
        rc = oom(err);
    etlc__buf_free(&text);
    return rc;
}

int etlc__n4j_to_json(etlc__buf *b, const n4j_msg *m, const n4j_val *v, int depth, etlc_error *err)
{
    if (depth > N4J_MAX_DEPTH)
        return etlc_error_set(err, ETLC_DATA, "neo4j: value nested too deeply for JSON");
    int r = 0, rc;
    switch (v->kind) {
    case N4J_NULL: r = etlc__buf_puts(b, "null"); break;
    case N4J_BOOL: r = etlc__buf_puts(b, v->u.i ? "true" : "false"); break;
    case N4J_INT: r = etlc__buf_printf(b, "%" PRId64, v->u.i); break;
    case N4J_FLOAT: r = put_double(b, v->u.f); break;
    case N4J_STRING: r = etlc__buf_json_string(b, n4j_str(m, v), v->count); break;
    case N4J_BYTES: r = put_base64(b, (const uint8_t *)n4j_str(m, v), v->count); break;
    case N4J_LIST:
    case N4J_MAP:
        if (etlc__buf_putc(b, v->kind == N4J_LIST ? '[' : '{') != 0)
            return oom(err);
        for (size_t i = 0; i < v->count; i++) {
            if (i && etlc__buf_putc(b, ',') != 0)
                return oom(err);
            if (v->kind == N4J_MAP) {
                const n4j_val *k = n4j_child(m, v, 2 * i);
                if (etlc__buf_json_string(b, n4j_str(m, k), k->count) != 0 || etlc__buf_putc(b, ':') != 0)
                    return oom(err);
            }
            if ((rc = etlc__n4j_to_json(b, m, n4j_child(m, v, v->kind == N4J_MAP ? 2 * i + 1 : i), depth + 1, err)))
                return rc;
        }
        r = etlc__buf_putc(b, v->kind == N4J_LIST ? ']' : '}');
        break;
    case N4J_STRUCT: return put_struct(b, m, v, depth + 1, err);
    }
    return r == 0 ? ETLC_OK : oom(err);
}
