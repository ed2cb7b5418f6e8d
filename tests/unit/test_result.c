/* The data contract: building, validating and the exact JSON round trip. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static const char SHA_A[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
static const char SHA_B[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

static etlc_result *sample_result(void)
{
    etlc_result *r = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_result_new("sqlite", "sample.db", "SELECT * FROM t WHERE x = 'é'", &r, &err), 0);
    r->started_at_us = 1764201600000001LL;
    etlc_item it = {0};
    it.name = "part-00000.jsonl";
    it.path = "lake/sqlite/sample/dt=2026-11-27/abc-part-00000.jsonl";
    it.format = "jsonl";
    it.content_type = "application/x-ndjson";
    it.record_count = 3;
    it.byte_count = 120;
    memcpy(it.sha256, SHA_A, 65);
    it.fetched_at_us = 1764201600123457LL;
    assert_int_equal(etlc_meta_set(&it.metadata, "columns", "id:int64,name:text"), 0);
    assert_int_equal(etlc_meta_set(&it.metadata, "zeta \"quoted\"", "ünï\ncode"), 0);
    assert_int_equal(etlc_result_add_item(r, &it, &err), 0);
    etlc_meta_clear(&it.metadata);

    etlc_item raw = {0};
    raw.name = "report.csv";
    raw.path = "lake/ftp/host/report.csv";
    raw.format = "bytes";
    raw.content_type = "text/csv";
    raw.record_count = -1;
    raw.byte_count = 9007199254740993LL; /* beyond double precision */
    memcpy(raw.sha256, SHA_B, 65);
    raw.fetched_at_us = 1;
    assert_int_equal(etlc_meta_set(&raw.metadata, "remote_path", "out/report.csv"), 0);
    assert_int_equal(etlc_meta_set(&raw.metadata, "remote_mtime", "2026-11-27T08:00:00.000000Z"), 0);
    assert_int_equal(etlc_result_add_item(r, &raw, &err), 0);
    etlc_meta_clear(&raw.metadata);
    assert_int_equal(etlc_result_add_error(r, ETLC_QUERY, "second table failed", &err), 0);
    assert_int_equal(etlc_meta_set(&r->metadata, "run_id", "r-1"), 0);
    etlc_result_finish(r);
    return r;
}

static void builds_totals_and_status(void **state)
{
    (void)state;
    etlc_result *r = sample_result();
    assert_int_equal(r->item_count, 2);
    assert_int_equal(r->record_count, 3);              /* -1 of the byte item not counted */
    assert_true(r->byte_count == 120 + 9007199254740993LL);
    assert_int_equal(r->status, ETLC_STATUS_PARTIAL);   /* errors and items */
    assert_string_equal(r->errors[0].code, "QUERY");
    assert_true(r->finished_at_us >= r->started_at_us);
    /* add_item deep-copied: the caller's strings are not referenced. */
    assert_string_equal(etlc_meta_get(&r->items[0].metadata, "columns"), "id:int64,name:text");
    assert_null(etlc_meta_get(&r->items[0].metadata, "nope"));
    etlc_error err = {0};
    assert_int_equal(etlc_result_validate(r, &err), 0);
    etlc_result_free(r);

    etlc_result *f = NULL;
    assert_int_equal(etlc_result_new("x", NULL, NULL, &f, &err), 0);
    etlc_result_finish(f);
    assert_int_equal(f->status, ETLC_STATUS_SUCCESS);
    etlc_result_add_error(f, ETLC_CONNECT, "postgresql://u:hunter2pw@h/db refused", &err);
    etlc_result_finish(f);
    assert_int_equal(f->status, ETLC_STATUS_FAILED);
    assert_null(strstr(f->errors[0].message, "hunter2pw"));
    etlc_result_free(f);
    etlc_result_free(NULL);
    assert_int_equal(etlc_status_parse("partial"), ETLC_STATUS_PARTIAL);
    assert_int_equal(etlc_status_parse("ok"), -1);
}

static void assert_results_equal(const etlc_result *a, const etlc_result *b)
{
    assert_string_equal(a->protocol, b->protocol);
    assert_string_equal(a->source, b->source);
    if (a->query || b->query)
        assert_string_equal(a->query, b->query);
    assert_int_equal(a->status, b->status);
    assert_true(a->started_at_us == b->started_at_us);
    assert_true(a->finished_at_us == b->finished_at_us);
    assert_true(a->record_count == b->record_count);
    assert_true(a->byte_count == b->byte_count);
    assert_int_equal(a->item_count, b->item_count);
    for (size_t i = 0; i < a->item_count; i++) {
        const etlc_item *x = &a->items[i], *y = &b->items[i];
        assert_string_equal(x->name, y->name);
        assert_string_equal(x->path, y->path);
        assert_string_equal(x->format, y->format);
        if (x->content_type || y->content_type)
            assert_string_equal(x->content_type, y->content_type);
        assert_true(x->record_count == y->record_count);
        assert_true(x->byte_count == y->byte_count);
        assert_string_equal(x->sha256, y->sha256);
        assert_true(x->fetched_at_us == y->fetched_at_us);
        assert_int_equal(x->metadata.count, y->metadata.count);
        for (size_t k = 0; k < x->metadata.count; k++) {
            assert_string_equal(x->metadata.entries[k].key, y->metadata.entries[k].key);
            assert_string_equal(x->metadata.entries[k].value, y->metadata.entries[k].value);
        }
    }
    assert_int_equal(a->error_count, b->error_count);
    for (size_t i = 0; i < a->error_count; i++) {
        assert_string_equal(a->errors[i].code, b->errors[i].code);
        assert_string_equal(a->errors[i].message, b->errors[i].message);
    }
    assert_int_equal(a->metadata.count, b->metadata.count);
}

static void json_round_trip_is_exact(void **state)
{
    (void)state;
    etlc_result *r = sample_result();
    r->items[1].fetched_at_us = -123456789; /* before 1970, odd microseconds */
    etlc_error err = {0};
    for (int pretty = 0; pretty < 2; pretty++) {
        char *json = NULL;
        assert_int_equal(etlc_result_to_json(r, pretty, &json, &err), 0);
        assert_non_null(strstr(json, "\"started_at\""));
        assert_non_null(strstr(json, "1969-12-31T23:57:56.543211Z"));
        assert_true(strstr(json, "\"record_count\": -1") || strstr(json, "\"record_count\":-1"));
        assert_non_null(strstr(json, "9007199254740993"));
        etlc_result *back = NULL;
        assert_int_equal(etlc_result_from_json(json, &back, &err), 0);
        assert_results_equal(r, back);
        assert_non_null(back->query);
        char *again = NULL;
        assert_int_equal(etlc_result_to_json(back, pretty, &again, &err), 0);
        assert_string_equal(json, again);
        free(json);
        free(again);
        etlc_result_free(back);
    }
    /* NULL query and source stay NULL. */
    etlc_result *n = NULL;
    assert_int_equal(etlc_result_new("rest", NULL, NULL, &n, &err), 0);
    etlc_result_finish(n);
    char *json = NULL;
    assert_int_equal(etlc_result_to_json(n, false, &json, &err), 0);
    etlc_result *back = NULL;
    assert_int_equal(etlc_result_from_json(json, &back, &err), 0);
    assert_null(back->query);
    assert_null(back->source);
    assert_int_equal(back->item_count, 0);
    free(json);
    etlc_result_free(back);
    etlc_result_free(n);
    etlc_result_free(r);
}

static void json_read_errors_name_the_field(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc_result *r = NULL;
    assert_int_equal(etlc_result_from_json("{", &r, &err), ETLC_DATA_CONTRACT);
    assert_null(r);
    assert_int_equal(etlc_result_from_json("{\"protocol\":\"x\",\"status\":\"meh\"}", &r, &err),
                     ETLC_DATA_CONTRACT);
    assert_non_null(strstr(err.message, "meh"));
    const char *bad_item =
        "{\"protocol\":\"x\",\"status\":\"success\",\"started_at\":\"2024-01-01T00:00:00Z\","
        "\"finished_at\":null,\"record_count\":0,\"byte_count\":0,"
        "\"items\":[{\"name\":\"a\",\"path\":\"p\",\"format\":\"csv\",\"record_count\":\"1\"}]}";
    assert_int_equal(etlc_result_from_json(bad_item, &r, &err), ETLC_DATA_CONTRACT);
    assert_non_null(strstr(err.message, "items[0].'record_count'"));
    const char *bad_time =
        "{\"protocol\":\"x\",\"status\":\"success\",\"started_at\":\"yesterday\"}";
    assert_int_equal(etlc_result_from_json(bad_time, &r, &err), ETLC_DATA_CONTRACT);
    assert_non_null(strstr(err.message, "started_at"));
    assert_int_equal(etlc_result_from_json("{\"contract_version\":2}", &r, &err), ETLC_DATA_CONTRACT);
}

static void expect_violation(etlc_result *r, const char *needle)
{
    etlc_error err = {0};
    assert_int_equal(etlc_result_validate(r, &err), ETLC_DATA_CONTRACT);
    if (!strstr(err.message, needle))
        fail_msg("validation message '%s' does not mention '%s'", err.message, needle);
}

static void validate_catches_each_violation(void **state)
{
    (void)state;
    etlc_result *r = sample_result();
    etlc_error err = {0};
    assert_int_equal(etlc_result_validate(r, &err), 0);

    r->items[0].sha256[10] = 'G';
    expect_violation(r, "sha256");
    r->items[0].sha256[10] = 'A'; /* uppercase is not allowed either */
    expect_violation(r, "sha256");
    memcpy(r->items[0].sha256, SHA_A, 65);

    r->record_count++;
    expect_violation(r, "record_count");
    r->record_count--;
    r->byte_count--;
    expect_violation(r, "byte_count");
    r->byte_count++;

    int64_t f = r->finished_at_us;
    r->finished_at_us = r->started_at_us - 1;
    expect_violation(r, "finished_at");
    r->finished_at_us = f;

    r->status = ETLC_STATUS_SUCCESS; /* has an error, so must be partial */
    expect_violation(r, "status");
    r->status = ETLC_STATUS_FAILED; /* has items, so not failed */
    expect_violation(r, "status");
    r->status = ETLC_STATUS_PARTIAL;

    char *name = r->items[1].name;
    r->items[1].name = NULL;
    expect_violation(r, "name");
    r->items[1].name = name;

    char *proto = r->protocol;
    r->protocol = NULL;
    expect_violation(r, "protocol");
    r->protocol = proto;

    /* bytes items: record_count -1, a content type, remote_path, an RFC 3339 remote_mtime */
    etlc_item *raw = &r->items[1];
    raw->record_count = 0;
    expect_violation(r, "record_count -1");
    raw->record_count = -1;
    char *ct = raw->content_type;
    raw->content_type = NULL;
    expect_violation(r, "content_type");
    raw->content_type = ct;
    assert_int_equal(etlc_meta_set(&raw->metadata, "remote_mtime", "yesterday"), 0);
    expect_violation(r, "remote_mtime");
    assert_int_equal(etlc_meta_set(&raw->metadata, "remote_mtime", "2026-11-27T08:00:00Z"), 0);
    assert_int_equal(etlc_result_validate(r, &err), 0);
    char *rp = raw->metadata.entries[0].value; /* remote_path, set first */
    raw->metadata.entries[0].value = (char *)"";
    expect_violation(r, "remote_path");
    raw->metadata.entries[0].value = rp;

    assert_int_equal(etlc_result_validate(r, &err), 0);
    etlc_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builds_totals_and_status),
        cmocka_unit_test(json_round_trip_is_exact),
        cmocka_unit_test(json_read_errors_name_the_field),
        cmocka_unit_test(validate_catches_each_violation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
