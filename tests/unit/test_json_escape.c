/* etlc__buf_json_string copies unescaped runs in bulk; its output must stay
 * byte for byte what the byte-at-a-time version wrote (JSONL files are
 * hashed and compared across releases). The reference below is that
 * earlier version, kept verbatim; both run over hand-picked edge cases and
 * many random strings mixing ASCII, controls, quotes, valid and invalid
 * UTF-8, into buffers that start empty and ones that already hold data. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

static size_t ref_utf8_valid_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    size_t n;
    unsigned min;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (n > avail)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

static int ref_json_string(etlc__buf *b, const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    if (etlc__buf_reserve(b, len + 2) != 0 || etlc__buf_putc(b, '"') != 0)
        return -1;
    size_t run = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = s[i];
        const char *esc = NULL;
        char ubuf[8];
        size_t step = 1;
        if (c == '"') esc = "\\\"";
        else if (c == '\\') esc = "\\\\";
        else if (c == '\n') esc = "\\n";
        else if (c == '\r') esc = "\\r";
        else if (c == '\t') esc = "\\t";
        else if (c < 0x20 || c == 0x7F) {
            snprintf(ubuf, sizeof ubuf, "\\u%04x", c);
            esc = ubuf;
        } else if (c >= 0x80) {
            step = ref_utf8_valid_len(s + i, len - i);
            if (step == 0) {
                esc = "\xEF\xBF\xBD";
                step = 1;
            }
        }
        if (esc) {
            if (etlc__buf_append(b, s + run, i - run) != 0 || etlc__buf_puts(b, esc) != 0)
                return -1;
            i += step;
            run = i;
        } else {
            i += step;
        }
    }
    if (etlc__buf_append(b, s + run, len - run) != 0)
        return -1;
    return etlc__buf_putc(b, '"');
}

static void check_same(const char *s, size_t len, const char *prefix)
{
    etlc__buf want = {0}, got = {0};
    assert_int_equal(etlc__buf_puts(&want, prefix), 0);
    assert_int_equal(etlc__buf_puts(&got, prefix), 0);
    assert_int_equal(ref_json_string(&want, s, len), 0);
    assert_int_equal(etlc__buf_json_string(&got, s, len), 0);
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len);
    assert_int_equal(got.data[got.len], '\0'); /* the buffer stays NUL-terminated */
    etlc__buf_free(&want);
    etlc__buf_free(&got);
}

static void edge_cases(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "", "plain", "\"", "\\", "\n\r\t\b\f", "\x01\x1f\x7f", "a\"b\\c\nd",
        "Zo\xC3\xAB", "\xE2\x82\xAC euro", "\xF0\x9F\x98\x80!", /* 2, 3, 4-byte UTF-8 */
        "\xC3", "\xE2\x82", "\xF0\x9F\x98", /* truncated at the end */
        "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", /* overlong, surrogate, > U+10FFFF */
        "\x80", "\xFF\xFE", "ok\xC3(", "\xC3\xAB\xC3", "\"\"\"\"", "\x7f\x80\x7f",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        check_same(cases[i], strlen(cases[i]), "");
        check_same(cases[i], strlen(cases[i]), "{\"k\":");
    }
    check_same("a\0b", 3, ""); /* an embedded NUL is a control: \u0000 */
}

/* Bytes chosen so escapes, valid sequences and broken ones all come up often. */
static void random_strings(void **state)
{
    (void)state;
    static const unsigned char pool[] = {'a', 'z', ' ', '"', '\\', '\n', '\t', 0x00, 0x1F, 0x7F,
                                         0x80, 0xBF, 0xC3, 0xAB, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98,
                                         0xED, 0xA0, 0xFF, 'x'};
    unsigned seed = 12345;
    unsigned char s[300];
    for (int iter = 0; iter < 20000; iter++) {
        seed = seed * 1103515245u + 12345u;
        size_t len = (seed >> 16) % sizeof s;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 16;
            /* Mostly plain letters, so long runs occur as in real text. */
            s[i] = r % 4 ? (unsigned char)('a' + r % 26) : pool[(r / 4) % sizeof pool];
        }
        check_same((const char *)s, len, iter % 2 ? "" : "x");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(edge_cases),
        cmocka_unit_test(random_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
