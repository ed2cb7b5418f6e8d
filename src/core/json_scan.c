/* A validating JSON scanner without a DOM: the structure (objects, arrays,
 * nesting); json_scan_lex.c reads the tokens. See json_scan.h. */
#include <jansson.h>
#include <string.h>

#include "core/json_scan.h"
#include "core/json_scan_lex.h"

#define MAX_DEPTH JSON_PARSER_MAX_DEPTH /* jansson counts every value, the top one 1 */

void etlc__jscan_init(etlc__jscan *s, const void *text, size_t len)
{
    etlc__buf key = s->key, str = s->str; /* kept: a scanner is reused without mallocs */
    *s = (etlc__jscan){.p = text, .end = (const unsigned char *)text + len, .key = key, .str = str};
    if (!text)
        s->p = s->end = (const unsigned char *)"";
}

void etlc__jscan_free(etlc__jscan *s)
{
    etlc__buf_free(&s->key);
    etlc__buf_free(&s->str);
}

static inline void ws(etlc__jscan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

/* A scalar at s->p (whitespace skipped): string, number or literal. */
static int scalar(etlc__jscan *s, etlc__buf *strbuf, etlc__jval *v)
{
    unsigned c = *s->p;
    if (c == '"') {
        v->kind = ETLC__JSTRING;
        return etlc__jlex_string(s, strbuf, strbuf ? &v->s : NULL, &v->len);
    }
    int rc = c == '-' || (c >= '0' && c <= '9') ? etlc__jlex_number(s, v)
                                                : etlc__jlex_literal(s, v);
    /* jansson's quirk: the byte after a number or literal is put back, and
     * a NUL put back is lost, so one NUL right there is skipped. */
    if (rc == 0 && s->p < s->end && *s->p == '\0')
        s->p++;
    return rc;
}

/* An object's key and its colon, whitespace around them skipped. */
static int key_colon(etlc__jscan *s)
{
    ws(s);
    if (s->p >= s->end || *s->p != '"' || etlc__jlex_string(s, NULL, NULL, NULL) != 0)
        return ETLC__JSCAN_BAD;
    ws(s);
    if (s->p >= s->end || *s->p != ':')
        return ETLC__JSCAN_BAD;
    s->p++;
    ws(s);
    return s->p < s->end ? 0 : ETLC__JSCAN_BAD;
}

/* After a value inside the open containers: ',' and the next key, or
 * closers. 1: another value follows; 0: all closed; < 0 bad. */
static int after_value(etlc__jscan *s, unsigned char *open, int *n)
{
    while (*n > 0) {
        ws(s);
        if (s->p >= s->end)
            return ETLC__JSCAN_BAD;
        if (*s->p == open[*n - 1]) {
            s->p++;
            (*n)--;
            continue;
        }
        if (*s->p != ',')
            return ETLC__JSCAN_BAD;
        s->p++;
        if (open[*n - 1] == '}')
            return key_colon(s) == 0 ? 1 : ETLC__JSCAN_BAD;
        ws(s);
        return s->p < s->end ? 1 : ETLC__JSCAN_BAD;
    }
    return 0;
}

/* Check and pass the object or array at s->p, itself at value depth `depth`. */
static int skip_container(etlc__jscan *s, int depth)
{
    unsigned char open[MAX_DEPTH + 1]; /* the closer each open container waits for */
    int n = 0, rc;
    for (;;) {
        if (depth + n > MAX_DEPTH)
            return ETLC__JSCAN_BAD;
        if (*s->p == '{' || *s->p == '[') {
            open[n++] = *s->p == '{' ? '}' : ']';
            s->p++;
            ws(s);
            if (s->p < s->end && *s->p == open[n - 1]) {
                s->p++;
                n--;
            } else if (open[n - 1] == '}' ? key_colon(s) != 0 : s->p >= s->end) {
                return ETLC__JSCAN_BAD;
            } else {
                continue; /* the container's first value */
            }
        } else {
            etlc__jval v;
            if ((rc = scalar(s, NULL, &v)) != 0)
                return rc;
        }
        if ((rc = after_value(s, open, &n)) <= 0)
            return rc;
    }
}

/* The value at s->p, at value depth `depth`. */
static int read_value(etlc__jscan *s, int depth, etlc__jval *v)
{
    ws(s);
    if (s->p >= s->end || depth > MAX_DEPTH)
        return ETLC__JSCAN_BAD;
    const unsigned char *start = s->p;
    int rc;
    if (*s->p == '{' || *s->p == '[') {
        v->kind = *s->p == '{' ? ETLC__JOBJECT : ETLC__JARRAY;
        rc = skip_container(s, depth);
    } else {
        rc = scalar(s, &s->str, v);
    }
    v->raw = (const char *)start;
    v->raw_len = (size_t)(s->p - start);
    if (v->raw_len && start[v->raw_len - 1] == '\0')
        v->raw_len--; /* the NUL scalar() skipped */
    return rc;
}

static int begin(etlc__jscan *s, unsigned char opener, bool in_array)
{
    ws(s);
    if (s->p >= s->end || *s->p != opener)
        return ETLC__JSCAN_BAD;
    s->p++;
    s->depth = 1;
    s->first = true;
    s->in_array = in_array;
    return 0;
}

int etlc__jscan_object_begin(etlc__jscan *s) { return begin(s, '{', false); }
int etlc__jscan_array_begin(etlc__jscan *s) { return begin(s, '[', true); }

/* Before the next member or element: 1 one follows, 0 at the closer. */
static int next_item(etlc__jscan *s, unsigned char closer)
{
    ws(s);
    if (s->p >= s->end)
        return ETLC__JSCAN_BAD;
    if (*s->p == closer) {
        s->p++;
        return 0;
    }
    if (!s->first) {
        if (*s->p != ',')
            return ETLC__JSCAN_BAD;
        s->p++;
        ws(s);
    }
    s->first = false;
    return 1;
}

int etlc__jscan_member(etlc__jscan *s, const char **key, size_t *klen, etlc__jval *v)
{
    int rc = next_item(s, '}');
    if (rc <= 0)
        return rc;
    if (s->p >= s->end || *s->p != '"')
        return ETLC__JSCAN_BAD;
    if ((rc = etlc__jlex_string(s, &s->key, key, klen)) != 0)
        return rc;
    ws(s);
    if (s->p >= s->end || *s->p != ':')
        return ETLC__JSCAN_BAD;
    s->p++;
    rc = read_value(s, s->depth + 1, v);
    return rc ? rc : 1;
}

int etlc__jscan_element(etlc__jscan *s, etlc__jval *v)
{
    int rc = next_item(s, ']');
    if (rc <= 0)
        return rc;
    rc = read_value(s, s->depth + 1, v);
    return rc ? rc : 1;
}

int etlc__jscan_value(etlc__jscan *s, etlc__jval *v)
{
    int rc = read_value(s, 1, v);
    return rc ? rc : etlc__jscan_end(s);
}

int etlc__jscan_end(etlc__jscan *s)
{
    ws(s);
    return s->p == s->end ? 0 : ETLC__JSCAN_BAD;
}

int etlc__jscan_check_object(const void *text, size_t len)
{
    etlc__jscan s = {0};
    etlc__jscan_init(&s, text, len);
    int rc = etlc__jscan_object_begin(&s);
    const char *key;
    size_t klen;
    etlc__jval v;
    while (rc == 0 && (rc = etlc__jscan_member(&s, &key, &klen, &v)) == 1)
        rc = 0;
    if (rc == 0)
        rc = etlc__jscan_end(&s);
    etlc__jscan_free(&s);
    return rc;
}
