/* The protocol registry: lookup by name/alias/case, not-built-in and unknown
 * names with useful errors, run-time registration checks. */
#include "testutil.h"

#include "core/registry_builtin.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const etlc_option dummy_options[] = {
    {"path", ETLC_OPT_STRING, NULL, 0, 0, NULL, 0, "a path"},
};
static const etlc_option_table dummy_table = {"regtest", "REGTEST", dummy_options, 1, NULL};

static int dummy_connect(void *ctx, const etlc_config *cfg, etlc_error *err)
{
    (void)ctx; (void)cfg; (void)err;
    return 0;
}
static int dummy_fetch(void *ctx, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                       etlc_error *err)
{
    (void)ctx; (void)req; (void)consumer; (void)err;
    return 0;
}
static void dummy_close(void *ctx) { (void)ctx; }

static const char *const regtest_aliases[] = {"rt", "reg-test", NULL};
static const etlc_connector_ops regtest_ops = {
    .abi_version = ETLC_ABI_VERSION, .name = "regtest", .aliases = regtest_aliases,
    .description = "registry test connector", .options = &dummy_table,
    .connect = dummy_connect, .fetch = dummy_fetch, .close = dummy_close};

static void registers_and_finds_by_name_alias_and_case(void **state)
{
    (void)state;
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&regtest_ops, &err), 0);
    const etlc_connector_ops *ops = NULL;
    assert_int_equal(etlc_registry_find("regtest", &ops, &err), 0);
    assert_ptr_equal(ops, &regtest_ops);
    assert_int_equal(etlc_registry_find("RegTest", &ops, &err), 0);
    assert_ptr_equal(ops, &regtest_ops);
    assert_int_equal(etlc_registry_find("RT", &ops, &err), 0);
    assert_ptr_equal(ops, &regtest_ops);
    assert_int_equal(etlc_registry_find("reg-test", &ops, &err), 0);
    assert_ptr_equal(ops, &regtest_ops);
    /* Registering the very same ops again is harmless (a plugin loaded twice). */
    assert_int_equal(etlc_registry_add(&regtest_ops, &err), 0);

    const etlc_protocol_info *list = NULL;
    size_t n = etlc_registry_list(&list);
    size_t seen = 0;
    bool past_builtin = false, past_not_built = false;
    for (size_t i = 0; i < n; i++) {
        /* Order: built-ins, then not-built-in names, then run-time ones. */
        if (!list[i].built_in)
            past_builtin = true;
        if (list[i].plugin)
            past_not_built = true;
        if (past_builtin && !list[i].plugin)
            assert_false(list[i].built_in);
        if (past_not_built)
            assert_true(list[i].plugin);
        if (strcmp(list[i].name, "regtest") == 0) {
            seen++;
            assert_true(list[i].plugin);
            assert_ptr_equal(list[i].ops, &regtest_ops);
        }
        assert_true(list[i].built_in == (list[i].ops != NULL));
    }
    assert_int_equal(seen, 1);
}

static void not_built_in_names_the_rebuild(void **state)
{
    (void)state;
    const etlc_protocol_info *list = NULL;
    size_t n = etlc_registry_list(&list);
    const char *off = NULL;
    for (size_t i = 0; i < n && !off; i++)
        if (!list[i].built_in)
            off = list[i].name;
    if (!off) { /* every known protocol is built in: make minimal checks this path */
        for (size_t i = 0; i < n; i++)
            assert_non_null(list[i].ops);
        return;
    }
    etlc_error err = {0};
    const etlc_connector_ops *ops = (const etlc_connector_ops *)&err;
    assert_int_equal(etlc_registry_find(off, &ops, &err), ETLC_NOT_BUILT_IN);
    assert_null(ops);
    assert_int_equal(err.code, ETLC_NOT_BUILT_IN);
    assert_non_null(strstr(err.message, off));
    assert_true(strstr(err.message, "not built in") != NULL);
}

static void unknown_protocol_lists_and_suggests(void **state)
{
    (void)state;
    etlc_error err = {0};
    const etlc_connector_ops *ops = NULL;
    assert_int_equal(etlc_registry_find("regtset", &ops, &err), ETLC_UNKNOWN_PROTOCOL);
    assert_null(ops);
    assert_non_null(strstr(err.message, "'regtset'"));
    assert_non_null(strstr(err.message, "did you mean 'regtest'?"));
    assert_non_null(strstr(err.message, "available:"));
    assert_non_null(strstr(err.message, "regtest"));
    /* Nothing close: no suggestion, still the list. */
    assert_int_equal(etlc_registry_find("zzzzzzzzzzzz", &ops, &err), ETLC_UNKNOWN_PROTOCOL);
    assert_null(strstr(err.message, "did you mean"));
    assert_non_null(strstr(err.message, "regtest"));
    assert_int_equal(etlc_registry_find("", &ops, &err), ETLC_INVALID_ARGUMENT);
    assert_int_equal(etlc_registry_find(NULL, &ops, &err), ETLC_INVALID_ARGUMENT);
}

static void abi_mismatch_names_both_versions(void **state)
{
    (void)state;
    etlc_connector_ops old = regtest_ops;
    old.abi_version = ETLC_ABI_VERSION + 41;
    old.name = "oldabi";
    old.aliases = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&old, &err), ETLC_ABI_MISMATCH);
    assert_non_null(strstr(err.message, "oldabi"));
    char theirs[16], ours[16];
    snprintf(theirs, sizeof theirs, "%d", ETLC_ABI_VERSION + 41);
    snprintf(ours, sizeof ours, "version %d", ETLC_ABI_VERSION);
    assert_non_null(strstr(err.message, theirs));
    assert_non_null(strstr(err.message, ours));
    const etlc_connector_ops *ops = NULL;
    assert_int_equal(etlc_registry_find("oldabi", &ops, &err), ETLC_UNKNOWN_PROTOCOL);
}

static void duplicates_and_incomplete_ops_rejected(void **state)
{
    (void)state;
    static const char *const clash_aliases[] = {"RT", NULL};
    etlc_connector_ops dup = regtest_ops; /* same name, different ops */
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&dup, &err), ETLC_PLUGIN);
    assert_non_null(strstr(err.message, "already taken"));

    static etlc_connector_ops alias_clash;
    alias_clash = regtest_ops;
    alias_clash.name = "other";
    alias_clash.aliases = clash_aliases;
    assert_int_equal(etlc_registry_add(&alias_clash, &err), ETLC_PLUGIN);
    assert_non_null(strstr(err.message, "'RT'"));
    assert_non_null(strstr(err.message, "regtest"));

    static etlc_connector_ops no_fetch;
    no_fetch = regtest_ops;
    no_fetch.name = "nofetch";
    no_fetch.aliases = NULL;
    no_fetch.fetch = NULL;
    assert_int_equal(etlc_registry_add(&no_fetch, &err), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "nofetch"));
    assert_int_equal(etlc_registry_add(NULL, &err), ETLC_INVALID_ARGUMENT);
}

/* An ABI 2 plugin's table ends after `sql`. Built here in a heap block of
 * exactly that size (AddressSanitizer reports any read past it) and, in a
 * second case, followed by garbage that must not be taken for capabilities. */
static etlc_connector_ops *abi2_exact;
static etlc_option_table *abi2_table;

static void abi2_tables_are_accepted_without_reading_past_their_end(void **state)
{
    (void)state;
    size_t abi2_size = offsetof(etlc_connector_ops, records);
    abi2_exact = malloc(abi2_size);
    assert_non_null(abi2_exact);
    etlc_connector_ops v2 = regtest_ops;
    v2.abi_version = 2;
    v2.name = "abitwo";
    v2.aliases = NULL;
    /* Its option table has the ABI 2 shape too: no `fragments` at the end. */
    size_t table2_size = offsetof(etlc_option_table, fragments);
    abi2_table = malloc(table2_size);
    assert_non_null(abi2_table);
    memcpy(abi2_table, regtest_ops.options, table2_size);
    v2.options = abi2_table;
    memcpy(abi2_exact, &v2, abi2_size);
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(abi2_exact, &err), 0);
    const etlc_connector_ops *ops = NULL;
    assert_int_equal(etlc_registry_find("abitwo", &ops, &err), 0);
    assert_ptr_not_equal(ops, abi2_exact); /* the registry's own current-shape copy */
    assert_int_equal(ops->abi_version, 2);
    assert_ptr_equal(ops->fetch, dummy_fetch);
    assert_null(ops->records);
    assert_null(ops->bytes);
    assert_null(ops->stream);
    assert_non_null(ops->options);
    assert_ptr_not_equal(ops->options, abi2_table);
    assert_null(ops->options->fragments);
    assert_int_equal(etlc_option_count(ops->options), regtest_ops.options->count);
    /* The same table again is the same registration, not a name clash. */
    assert_int_equal(etlc_registry_add(abi2_exact, &err), 0);

    static unsigned char garbage_tail[sizeof(etlc_connector_ops)];
    memset(garbage_tail, 0xAB, sizeof garbage_tail);
    v2.name = "abitwo-garbage";
    memcpy(garbage_tail, &v2, abi2_size);
    assert_int_equal(etlc_registry_add((const etlc_connector_ops *)(void *)garbage_tail, &err), 0);
    assert_int_equal(etlc_registry_find("abitwo-garbage", &ops, &err), 0);
    assert_null(ops->records);
    assert_null(ops->bytes);
    assert_null(ops->stream);
}

static void abi1_is_refused_with_the_accepted_range(void **state)
{
    (void)state;
    etlc_connector_ops v1 = regtest_ops;
    v1.abi_version = 1;
    v1.name = "abione";
    v1.aliases = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&v1, &err), ETLC_ABI_MISMATCH);
    assert_non_null(strstr(err.message, "abione"));
    assert_non_null(strstr(err.message, "version 1,"));
    assert_non_null(strstr(err.message, "accepts 2 to"));
}

static int dummy_list(void *ctx, const etlc_list_request *req, etlc_resource_fn fn, void *ud,
                      etlc_error *err)
{
    (void)ctx; (void)req; (void)fn; (void)ud; (void)err;
    return 0;
}
static int dummy_open(void *ctx, const etlc_resource *res, etlc_byte_consumer bytes,
                      etlc_error *err)
{
    (void)ctx; (void)res; (void)bytes; (void)err;
    return 0;
}

static void capability_without_fetch_is_enough_but_must_be_whole(void **state)
{
    (void)state;
    static const etlc_bytes_ops whole = {.list = dummy_list, .open = dummy_open};
    static const etlc_bytes_ops half = {.list = dummy_list};
    static etlc_connector_ops bytes_only, bytes_half;
    bytes_only = regtest_ops;
    bytes_only.name = "bytesonly";
    bytes_only.aliases = NULL;
    bytes_only.fetch = NULL;
    bytes_only.bytes = &whole;
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&bytes_only, &err), 0);
    bytes_half = bytes_only;
    bytes_half.name = "byteshalf";
    bytes_half.bytes = &half;
    assert_int_equal(etlc_registry_add(&bytes_half, &err), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "byteshalf"));
    assert_non_null(strstr(err.message, "bytes.list and bytes.open"));
    /* A source capability and load together: neither a source nor a destination. */
    static const etlc_load_ops some_load = {0};
    static etlc_connector_ops both;
    both = bytes_only;
    both.name = "bytesandload";
    both.load = &some_load;
    assert_int_equal(etlc_registry_add(&both, &err), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "sets both a source capability"));
    /* An ABI 2 table has only fetch to read with. */
    etlc_connector_ops v2 = bytes_only;
    v2.abi_version = 2;
    v2.name = "abitwo-nofetch";
    assert_int_equal(etlc_registry_add(&v2, &err), ETLC_INVALID_ARGUMENT);
    assert_non_null(strstr(err.message, "nothing to read with"));
}

/* The alias table CMake generates for compiled-out connectors holds every
 * alias of every built-in connector, naming that connector. */
static void builtin_aliases_are_in_the_known_table(void **state)
{
    (void)state;
    for (size_t c = 0; etlc__builtin_connectors[c]; c++) {
        const etlc_connector_ops *ops = etlc__builtin_connectors[c];
        for (size_t a = 0; ops->aliases && ops->aliases[a]; a++) {
            const char *target = NULL;
            for (size_t i = 0; etlc__known_aliases[i]; i += 2)
                if (strcmp(etlc__known_aliases[i], ops->aliases[a]) == 0)
                    target = etlc__known_aliases[i + 1];
            if (!target || strcmp(target, ops->name) != 0)
                fail_msg("alias '%s' of '%s' is missing from ETLCONN_CONNECTOR_ALIASES in CMakeLists.txt "
                         "(or names '%s')", ops->aliases[a], ops->name, target ? target : "nothing");
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registers_and_finds_by_name_alias_and_case),
        cmocka_unit_test(not_built_in_names_the_rebuild),
        cmocka_unit_test(builtin_aliases_are_in_the_known_table),
        cmocka_unit_test(unknown_protocol_lists_and_suggests),
        cmocka_unit_test(abi_mismatch_names_both_versions),
        cmocka_unit_test(duplicates_and_incomplete_ops_rejected),
        cmocka_unit_test(abi2_tables_are_accepted_without_reading_past_their_end),
        cmocka_unit_test(abi1_is_refused_with_the_accepted_range),
        cmocka_unit_test(capability_without_fetch_is_enough_but_must_be_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
