/* A page of records read without a DOM: the records array found at
 * records_path by the scanner (core/json_scan.h), which checks the whole
 * page as jansson would; the rest of the page, small, parsed by jansson
 * for the next-URL, cursor and total pointers. Anything unusual is left to
 * the DOM path (rest_pages.c), which says what is wrong. */
#include <stdlib.h>
#include <string.h>

#include "core/json_load.h"
#include "rest_internal.h"

/* Does pointer p lead to or into pointer a (token by token)? */
static bool under(const char *a, const char *p)
{
    size_t n = strlen(a);
    return p && strncmp(p, a, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* The pointers this paging reads from the page (up to 1). */
static const char *page_pointer(const rest_ctx *ctx)
{
    switch (ctx->paging) {
    case REST_PAGE_NEXT_URL: return ctx->next_url_path ? ctx->next_url_path : "";
    case REST_PAGE_CURSOR: return ctx->cursor_path ? ctx->cursor_path : "";
    case REST_PAGE_OFFSET: case REST_PAGE_PAGE: return ctx->total_path;
    default: return NULL;
    }
}

/* Walk the object or array `cur` for token tok: the last member of that
 * name (jansson keeps the last of duplicate keys) or the element at that
 * index. 1 found, 0 not, < 0 bad text. tok NULL: only walk. */
static int walk(etlc__jscan *sc, const etlc__jval *cur, const char *tok, size_t tlen,
                etlc__jval *found)
{
    etlc__jscan_init(sc, cur->raw, cur->raw_len);
    bool obj = cur->kind == ETLC__JOBJECT;
    int rc = obj ? etlc__jscan_object_begin(sc) : etlc__jscan_array_begin(sc), hit = 0;
    char *end = NULL;
    unsigned long idx = tok && !obj ? strtoul(tok, &end, 10) : 0;
    bool by_index = tok && !obj && tlen && !*end;
    const char *key;
    size_t klen, i = 0;
    etlc__jval v;
    while (rc == 0) {
        rc = obj ? etlc__jscan_member(sc, &key, &klen, &v) : etlc__jscan_element(sc, &v);
        if (rc != 1)
            break;
        rc = 0;
        if (tok && (obj ? klen == tlen && memcmp(key, tok, tlen) == 0 : by_index && i == idx)) {
            *found = v;
            hit = 1;
        }
        i++;
    }
    return rc < 0 ? rc : hit;
}

/* The value at pointer ptr of the page: 0 found, 1 not, < 0 bad text. */
static int scan_pointer(etlc__jscan *sc, const char *text, size_t len, const char *ptr,
                        etlc__jval *out)
{
    const char *p = text;
    while (p < text + len && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    if (p == text + len || (*p != '{' && *p != '['))
        return 1; /* a scalar page, or no JSON: the DOM path says so */
    etlc__jval cur = {.kind = *p == '{' ? ETLC__JOBJECT : ETLC__JARRAY, .raw = text, .raw_len = len};
    /* the top level walked whole, the end checked: the page is valid JSON */
    char tok[1024];
    size_t n = *ptr == '/' ? strcspn(ptr + 1, "/") : 0;
    long tlen = *ptr == '/' ? etlc__rest_pointer_token(ptr + 1, n, tok, sizeof tok) : 0;
    if (tlen < 0)
        return 1;
    etlc__jval found;
    int rc = walk(sc, &cur, *ptr == '/' ? tok : NULL, (size_t)tlen, &found);
    if (rc >= 0 && etlc__jscan_end(sc) != 0)
        return ETLC__JSCAN_BAD;
    if (!*ptr) {
        *out = cur;
        return rc < 0 ? rc : 0;
    }
    if (*ptr != '/' || rc != 1)
        return rc < 0 ? rc : 1;
    for (ptr += 1 + n; *ptr == '/'; ptr += 1 + n) {
        cur = found;
        if (cur.kind != ETLC__JOBJECT && cur.kind != ETLC__JARRAY)
            return 1;
        n = strcspn(ptr + 1, "/");
        if ((tlen = etlc__rest_pointer_token(ptr + 1, n, tok, sizeof tok)) < 0 ||
            (rc = walk(sc, &cur, tok, (size_t)tlen, &found)) != 1)
            return rc < 0 ? rc : 1;
    }
    *out = found;
    return 0;
}

int etlc__rest_scan_page(const rest_ctx *ctx, etlc__jscan *sc, const char *text, size_t len,
                         etlc__jval *records, json_t **env, etlc_error *err)
{
    *env = NULL;
    const char *rp = ctx->records_path, *pp = page_pointer(ctx);
    if (pp && (under(rp, pp) || under(pp, rp)))
        return -1; /* the pointer reads the records (or all around them): keep the DOM */
    if (!text || scan_pointer(sc, text, len, rp, records) != 0 || records->kind != ETLC__JARRAY)
        return -1;
    if (!pp)
        return 0;
    size_t before = (size_t)(records->raw - text), after = len - before - records->raw_len;
    char *rest = malloc(before + 2 + after);
    if (!rest)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a page");
    memcpy(rest, text, before);
    memcpy(rest + before, "[]", 2);
    memcpy(rest + before + 2, records->raw + records->raw_len, after);
    bool oom = false;
    *env = etlc__json_loadb(rest, before + 2 + after, JSON_DECODE_ANY, NULL, &oom);
    free(rest);
    if (!*env)
        return oom ? etlc_error_set(err, ETLC_NO_MEMORY, "out of memory parsing a page") : -1;
    return 0;
}
