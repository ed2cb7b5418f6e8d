/* Messages -> micro-batch records and dead letters (stream_common): the
 * three value formats, the envelope columns, headers, and what becomes a
 * dead letter instead of a record (never dropped). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/stream_common/stream_messages.h"

static const etlc__msg_names names = {"topic", "partition", "offset"};

static long col_of(const etlc_batch *b, const char *name)
{
    for (size_t i = 0; i < b->ncols; i++)
        if (strcmp(b->cols[i].def.name, name) == 0)
            return (long)i;
    return -1;
}

static char *text_at(const etlc_batch *b, const char *name, size_t row)
{
    long c = col_of(b, name);
    assert_true(c >= 0);
    size_t len;
    const uint8_t *p = etlc_column_var(&b->cols[c], row, &len);
    char *s = malloc(len + 1);
    memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

static etlc__msg msg(int64_t pos, const char *value)
{
    return (etlc__msg){.resource = "orders", .partition = 2, .position = pos,
                       .timestamp_us = 1700000000000000LL + pos, .key = "k", .key_len = 1,
                       .value = value, .value_len = value ? strlen(value) : 0};
}

static void raw_keeps_bytes_and_the_envelope(void **state)
{
    (void)state;
    etlc__msg_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc__msg_batch_new(ETLC__VALUE_RAW, &names, "t", &b, &err), 0);
    const char bin[] = {'\xff', '\0', 'x'};
    etlc__msg_header h[] = {{"trace", "abc", 3}, {"bin", bin, 3}, {"none", NULL, 0}};
    etlc__msg m = msg(7, NULL);
    m.value = bin, m.value_len = 3, m.headers = h, m.nheaders = 3;
    assert_int_equal(etlc__msg_batch_add(b, &m, &err), 0);
    m = msg(8, NULL); /* a tombstone */
    m.timestamp_us = ETLC__NO_TIMESTAMP;
    assert_int_equal(etlc__msg_batch_add(b, &m, &err), 0);
    const etlc_batch *rec, *dead;
    assert_int_equal(etlc__msg_batch_finish(b, &rec, &dead, &err), 0);
    assert_null(dead);
    assert_int_equal(rec->nrows, 2);
    assert_int_equal(etlc__msg_batch_count(b), 2);
    assert_int_equal(etlc__msg_batch_bytes(b), 1 + 3 + 1 + 5 + 3 + 3 + 3 + 4);
    long v = col_of(rec, "value");
    assert_int_equal(rec->cols[v].def.type, ETLC_TYPE_BYTES);
    size_t len;
    assert_memory_equal(etlc_column_var(&rec->cols[v], 0, &len), bin, 3);
    assert_true(etlc_column_is_null(&rec->cols[v], 1));
    assert_int_equal(rec->cols[col_of(rec, "offset")].fixed.i64[0], 7);
    assert_int_equal(rec->cols[col_of(rec, "partition")].fixed.i64[1], 2);
    assert_true(etlc_column_is_null(&rec->cols[col_of(rec, "timestamp")], 1));
    char *hj = text_at(rec, "headers", 0);
    assert_string_equal(hj, "[[\"trace\",\"abc\"],[\"bin\",{\"base64\":\"/wB4\"}],[\"none\",null]]");
    free(hj);
    char *t = text_at(rec, "topic", 1);
    assert_string_equal(t, "orders");
    free(t);
    etlc__msg_batch_reset(b);
    assert_int_equal(etlc__msg_batch_count(b), 0);
    assert_int_equal(etlc__msg_batch_finish(b, &rec, &dead, &err), 0);
    assert_null(rec);
    etlc__msg_batch_free(b);
}

static void text_sends_bad_utf8_to_dead_letters(void **state)
{
    (void)state;
    etlc__msg_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc__msg_batch_new(ETLC__VALUE_TEXT, &names, "t", &b, &err), 0);
    etlc__msg ok = msg(1, "h\xc3\xa9llo"), bad = msg(2, "a\xc0\xafz"), sur = msg(3, "\xed\xa0\x80");
    assert_int_equal(etlc__msg_batch_add(b, &ok, &err), 0);
    assert_int_equal(etlc__msg_batch_add(b, &bad, &err), 0);
    assert_int_equal(etlc__msg_batch_add(b, &sur, &err), 0);
    const etlc_batch *rec, *dead;
    assert_int_equal(etlc__msg_batch_finish(b, &rec, &dead, &err), 0);
    assert_int_equal(rec->nrows, 1);
    assert_int_equal(rec->cols[col_of(rec, "value")].def.type, ETLC_TYPE_TEXT);
    assert_int_equal(dead->nrows, 2);
    assert_int_equal(dead->cols[col_of(dead, "offset")].fixed.i64[0], 2);
    char *why = text_at(dead, "error", 0);
    assert_string_equal(why, "not UTF-8 text");
    free(why);
    etlc__msg_batch_free(b);
}

static void json_types_fields_and_dead_letters(void **state)
{
    (void)state;
    etlc__msg_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc__msg_batch_new(ETLC__VALUE_JSON, &names, "t", &b, &err), 0);
    const char *values[] = {"{\"id\":1,\"amt\":2,\"tag\":\"a\",\"mix\":1}",
                            "{\"id\":2,\"amt\":2.5,\"mix\":\"x\",\"late\":true}",
                            "not json", "[1,2]", NULL};
    for (int i = 0; i < 5; i++) {
        etlc__msg m = msg(10 + i, values[i]);
        assert_int_equal(etlc__msg_batch_add(b, &m, &err), 0);
    }
    const etlc_batch *rec, *dead;
    assert_int_equal(etlc__msg_batch_finish(b, &rec, &dead, &err), 0);
    assert_int_equal(rec->nrows, 3); /* two objects and the tombstone */
    assert_int_equal(rec->cols[col_of(rec, "id")].def.type, ETLC_TYPE_INT64);
    assert_int_equal(rec->cols[col_of(rec, "amt")].def.type, ETLC_TYPE_DOUBLE);
    assert_int_equal(rec->cols[col_of(rec, "mix")].def.type, ETLC_TYPE_JSON);
    assert_int_equal(rec->cols[col_of(rec, "late")].def.type, ETLC_TYPE_BOOL);
    assert_true(etlc_column_is_null(&rec->cols[col_of(rec, "late")], 0)); /* absent: NULL */
    assert_true(etlc_column_is_null(&rec->cols[col_of(rec, "id")], 2));   /* the tombstone */
    assert_true(col_of(rec, "_offset") >= 0 && col_of(rec, "_key") >= 0 && col_of(rec, "offset") < 0);
    assert_int_equal(rec->cols[col_of(rec, "_offset")].fixed.i64[2], 14);
    assert_int_equal(dead->nrows, 2);
    char *why = text_at(dead, "error", 0), *val = text_at(dead, "value", 0);
    assert_non_null(strstr(why, "not JSON"));
    assert_string_equal(val, "not json");
    free(why);
    free(val);
    why = text_at(dead, "error", 1);
    assert_string_equal(why, "not a JSON object (a JSON array)");
    free(why);
    /* The next micro-batch has its own columns. */
    etlc__msg_batch_reset(b);
    etlc__msg m = msg(20, "{\"id\":\"now text\"}");
    assert_int_equal(etlc__msg_batch_add(b, &m, &err), 0);
    assert_int_equal(etlc__msg_batch_finish(b, &rec, &dead, &err), 0);
    assert_null(dead);
    assert_int_equal(rec->cols[col_of(rec, "id")].def.type, ETLC_TYPE_TEXT);
    etlc__msg_batch_free(b);
}

/* json mode without a DOM: values kept in one arena that grows while
 * messages come (so every message's bytes must still be found at finish),
 * escapes decoded, nested values as jansson's compact text, and a value
 * with duplicate keys read as jansson reads it (the last value). */
static void json_scanned_values_survive_the_arena_growing(void **state)
{
    (void)state;
    etlc__msg_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc__msg_batch_new(ETLC__VALUE_JSON, &names, "t", &b, &err), 0);
    enum { N = 3000 };
    char v[160], k[16];
    for (int i = 0; i < N; i++) {
        if (i == 7)
            snprintf(v, sizeof v, "{\"n\":%d,\"s\":\"x\",\"s\":\"dup\"}", i);
        else
            snprintf(v, sizeof v, "{\"n\":%d,\"s\":\"v\\u00e9%d\\n\",\"o\":{ \"a\" : [1, 2.50] }}", i, i);
        snprintf(k, sizeof k, "key%d", i);
        etlc__msg m = msg(i, v);
        m.key = k, m.key_len = strlen(k);
        assert_int_equal(etlc__msg_batch_add(b, &m, &err), 0);
    }
    const etlc_batch *rec, *dead;
    assert_int_equal(etlc__msg_batch_finish(b, &rec, &dead, &err), 0);
    assert_null(dead);
    assert_int_equal(rec->nrows, N);
    assert_int_equal(rec->cols[col_of(rec, "o")].def.type, ETLC_TYPE_JSON);
    for (int i = 0; i < N; i += 499) {
        assert_int_equal(rec->cols[col_of(rec, "n")].fixed.i64[i], i);
        char want[64], *got = text_at(rec, "s", (size_t)i), *key = text_at(rec, "_key", (size_t)i);
        snprintf(want, sizeof want, "v\xc3\xa9%d\n", i);
        assert_string_equal(got, want);
        snprintf(want, sizeof want, "key%d", i);
        assert_string_equal(key, want);
        free(got);
        free(key);
        got = text_at(rec, "o", (size_t)i);
        assert_string_equal(got, "{\"a\":[1,2.5]}");
        free(got);
    }
    char *dup = text_at(rec, "s", 7);
    assert_string_equal(dup, "dup");
    free(dup);
    assert_true(etlc_column_is_null(&rec->cols[col_of(rec, "o")], 7));
    etlc__msg_batch_free(b);
}

static void value_format_names(void **state)
{
    (void)state;
    etlc__value_format f;
    etlc_error err = {0};
    assert_int_equal(etlc__value_format_parse("text", &f, &err), 0);
    assert_int_equal(f, ETLC__VALUE_TEXT);
    assert_int_equal(etlc__value_format_parse("avro", &f, &err), ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "avro"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(raw_keeps_bytes_and_the_envelope),
        cmocka_unit_test(text_sends_bad_utf8_to_dead_letters),
        cmocka_unit_test(json_types_fields_and_dead_letters),
        cmocka_unit_test(json_scanned_values_survive_the_arena_growing),
        cmocka_unit_test(value_format_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
