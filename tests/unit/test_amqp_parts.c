/* The amqp connector's pieces that need no broker: the config (url parts
 * fill what the keys leave unset; a bad url never echoes its password),
 * dedupe ids (message_id when set, else routing key + headers + body),
 * the id set, and the headers table's text forms. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "connectors/amqp/amqp_internal.h"

static int load(const etlc_kv *kv, size_t n, amqp_ctx *ctx, etlc_error *err)
{
    etlc_config_sources src = {.env_prefix = "", .dict = kv, .dict_len = n};
    etlc_config *cfg = NULL;
    int rc = etlc_config_load(&etlc__amqp_options, &src, &cfg, err);
    memset(ctx, 0, sizeof *ctx);
    if (rc == 0)
        rc = etlc__amqp_read_config(ctx, cfg, err);
    etlc_config_free(cfg);
    return rc;
}

static void test_url_parts(void **state)
{
    (void)state;
    amqp_ctx ctx;
    etlc_error err = {0};
    etlc_kv kv[] = {{"url", "amqp://u:p%40ss@mq.example:1234/v%2fx"}};
    assert_int_equal(load(kv, 1, &ctx, &err), 0);
    assert_string_equal(ctx.host, "mq.example");
    assert_int_equal(ctx.port, 1234);
    assert_string_equal(ctx.vhost, "v/x");
    assert_string_equal(ctx.username, "u");
    assert_string_equal(ctx.password, "p@ss");
    assert_false(ctx.tls);
    etlc__amqp_free_config(&ctx);

    etlc_kv tls[] = {{"url", "amqps://mq.example/"}, {"host", "other"}};
    assert_int_equal(load(tls, 2, &ctx, &err), 0);
    assert_true(ctx.tls);
    assert_int_equal(ctx.port, 5671);          /* TLS's default port */
    assert_string_equal(ctx.host, "other");    /* a key of its own wins */
    assert_string_equal(ctx.vhost, "/");       /* the empty vhost means the default */
    assert_string_equal(ctx.username, "guest");
    etlc__amqp_free_config(&ctx);

    etlc_kv bad[] = {{"url", "http://u:Sekr1t@h/"}};
    assert_int_equal(load(bad, 1, &ctx, &err), ETLC_CONFIG);
    assert_null(strstr(err.message, "Sekr1t"));
    etlc__amqp_free_config(&ctx);

    etlc_kv none[] = {{"queue", "q"}};
    assert_int_equal(load(none, 1, &ctx, &err), ETLC_CONFIG_MISSING_KEY);
    etlc__amqp_free_config(&ctx);
}

static amqp_envelope_t envelope(const char *body, const char *rk, amqp_table_entry_t *h, int nh,
                                const char *message_id)
{
    amqp_envelope_t e;
    memset(&e, 0, sizeof e);
    e.routing_key = amqp_cstring_bytes(rk);
    e.message.body = amqp_cstring_bytes(body);
    if (nh) {
        e.message.properties._flags |= AMQP_BASIC_HEADERS_FLAG;
        e.message.properties.headers = (amqp_table_t){.num_entries = nh, .entries = h};
    }
    if (message_id) {
        e.message.properties._flags |= AMQP_BASIC_MESSAGE_ID_FLAG;
        e.message.properties.message_id = amqp_cstring_bytes(message_id);
    }
    return e;
}

static void id_of(const amqp_envelope_t *e, char out[AMQP_ID_LEN])
{
    etlc__msg_header *hs = NULL;
    size_t n = 0;
    etlc__buf arena = {0}, scratch = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__amqp_headers(e, &hs, &n, &arena, &err), 0);
    assert_int_equal(etlc__amqp_message_id(e, hs, n, &scratch, out), 0);
    assert_int_equal((int)strlen(out), AMQP_ID_LEN - 1);
    free(hs);
    etlc__buf_free(&arena);
    etlc__buf_free(&scratch);
}

static void test_ids(void **state)
{
    (void)state;
    amqp_table_entry_t h1[] = {{amqp_cstring_bytes("k"), {.kind = AMQP_FIELD_KIND_I32, .value.i32 = 1}}};
    amqp_table_entry_t h2[] = {{amqp_cstring_bytes("k"), {.kind = AMQP_FIELD_KIND_I32, .value.i32 = 2}}};
    char a[AMQP_ID_LEN], b[AMQP_ID_LEN], c[AMQP_ID_LEN], d[AMQP_ID_LEN], e[AMQP_ID_LEN];
    amqp_envelope_t e1 = envelope("{\"x\":1}", "rk", h1, 1, NULL);
    amqp_envelope_t e2 = envelope("{\"x\":1}", "rk", h2, 1, NULL);
    amqp_envelope_t e3 = envelope("{\"x\":1}", "other", h1, 1, NULL);
    id_of(&e1, a);
    id_of(&e1, b);
    assert_string_equal(a, b);  /* deterministic */
    id_of(&e2, c);
    assert_string_not_equal(a, c); /* a header value counts */
    id_of(&e3, c);
    assert_string_not_equal(a, c); /* the routing key counts */
    amqp_envelope_t m1 = envelope("one body", "rk", NULL, 0, "order-7");
    amqp_envelope_t m2 = envelope("another body", "rk2", h1, 1, "order-7");
    id_of(&m1, d);
    id_of(&m2, e);
    assert_string_equal(d, e);  /* message_id alone decides */

    amqp_idset s = {0};
    assert_int_equal(etlc__amqp_idset_add(&s, d), 0);
    assert_int_equal(etlc__amqp_idset_add(&s, a), 0);
    etlc__amqp_idset_sort(&s);
    assert_true(etlc__amqp_idset_has(&s, a));
    assert_true(etlc__amqp_idset_has(&s, d));
    assert_false(etlc__amqp_idset_has(&s, c));
    etlc__amqp_idset_free(&s);
}

static void test_header_forms(void **state)
{
    (void)state;
    amqp_table_entry_t h[] = {
        {amqp_cstring_bytes("s"), {.kind = AMQP_FIELD_KIND_UTF8, .value.bytes = amqp_cstring_bytes("v")}},
        {amqp_cstring_bytes("b"), {.kind = AMQP_FIELD_KIND_BOOLEAN, .value.boolean = 1}},
        {amqp_cstring_bytes("l"), {.kind = AMQP_FIELD_KIND_I64, .value.i64 = -5}},
        {amqp_cstring_bytes("n"), {.kind = AMQP_FIELD_KIND_VOID}},
        {amqp_cstring_bytes("t"), {.kind = AMQP_FIELD_KIND_TABLE, .value.table = {.num_entries = 2}}},
    };
    amqp_envelope_t e = envelope("", "", h, 5, NULL);
    etlc__msg_header *hs = NULL;
    size_t n = 0;
    etlc__buf arena = {0};
    etlc_error err = {0};
    assert_int_equal(etlc__amqp_headers(&e, &hs, &n, &arena, &err), 0);
    assert_int_equal(n, 5);
    const char *want[] = {"v", "true", "-5", NULL, "(table of 2 entries)"};
    for (size_t i = 0; i < n; i++) {
        if (!want[i]) {
            assert_null(hs[i].value);
            continue;
        }
        assert_int_equal(hs[i].len, strlen(want[i]));
        assert_memory_equal(hs[i].value, want[i], hs[i].len);
    }
    assert_string_equal(hs[2].name, "l");
    free(hs);
    etlc__buf_free(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_parts),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_header_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
