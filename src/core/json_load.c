/* jansson parsing that tells allocation failures from bad input.
 *
 * jansson 2.14 loses some failed allocations: the lexer then drops a byte
 * of a string (the value is silently wrong) or reports a syntax error, and
 * a dump can come out malformed. So jansson allocates through wrappers that
 * count failures per thread, and a parse during which one failed is out of
 * memory whatever jansson says.
 *
 * Worse, when the byte the lexer loses is a string's closing quote, it then
 * copies the string into a buffer sized for it until it meets a quote: past
 * the end of its token, and past the end of the buffer (heap corruption).
 * That copy needs one more allocation, so once an allocation fails inside a
 * parse, every later one of that parse fails too and jansson gives up
 * before copying. */
#include <pthread.h>
#include <stdlib.h>

#include "core/json_load.h"

static _Thread_local unsigned long failed_allocations;
static _Thread_local bool parsing, parse_failed; /* inside etlc__json_loadb on this thread */
static bool counting; /* our wrappers are installed (not an embedder's own) */
static pthread_once_t install_once = PTHREAD_ONCE_INIT;

static void *counting_malloc(size_t n)
{
    void *p = parsing && parse_failed ? NULL : malloc(n);
    if (!p) {
        failed_allocations++;
        parse_failed = parsing;
    }
    return p;
}

static void counting_free(void *p) { free(p); }

static void install(void)
{
    json_malloc_t m;
    json_free_t f;
    json_get_alloc_funcs(&m, &f);
    if (m == malloc && f == free) { /* the defaults: blocks from either pair mix */
        json_set_alloc_funcs(counting_malloc, counting_free);
        counting = true;
    }
}

unsigned long etlc__json_failed_allocations(void)
{
    pthread_once(&install_once, install);
    return failed_allocations; /* 0 forever when not counting, but for noted failures */
}

void etlc__json_note_failed_allocation(void) { failed_allocations++; }

json_t *etlc__json_loadb(const char *text, size_t len, size_t flags, json_error_t *jerr,
                         bool *out_of_memory)
{
    json_error_t local;
    if (!jerr)
        jerr = &local;
    unsigned long before = etlc__json_failed_allocations();
    parsing = true;
    parse_failed = false;
    json_t *root = json_loadb(text, len, flags, jerr);
    parsing = parse_failed = false;
    *out_of_memory = etlc__json_failed_allocations() != before ||
                     (!root && (json_error_code(jerr) == json_error_out_of_memory || !jerr->text[0]));
    if (*out_of_memory) {
        json_decref(root);
        return NULL;
    }
    if (root || counting)
        return root;
    /* Not counting (an embedder's allocator): a syntax error that does not
     * come back on a second parse was an allocation failure. */
    json_error_t again_err;
    json_t *again = json_loadb(text, len, flags, &again_err);
    if (again || json_error_code(&again_err) == json_error_out_of_memory || !again_err.text[0]) {
        json_decref(again);
        *out_of_memory = true;
    }
    return NULL;
}
