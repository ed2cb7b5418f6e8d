/* etlc_batch_to_arrow (the Arrow C Data export) and
 * etlc_connector_fetch_batches (records handed over without landing). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static etlc_batch *all_types_batch(void)
{
    etlc_column_def defs[] = {
        {"i", ETLC_TYPE_INT64, 0, 0},      {"b", ETLC_TYPE_BOOL, 0, 0},
        {"d", ETLC_TYPE_DOUBLE, 0, 0},     {"t", ETLC_TYPE_TEXT, 0, 0},
        {"x", ETLC_TYPE_BYTES, 0, 0},      {"dt", ETLC_TYPE_DATE, 0, 0},
        {"ts", ETLC_TYPE_TIMESTAMP, 0, 0}, {"n", ETLC_TYPE_DECIMAL, 20, 3},
        {"j", ETLC_TYPE_JSON, 0, 0},       {"t", ETLC_TYPE_TEXT, 0, 0},
        {"u", ETLC_TYPE_DECIMAL, 0, 0},    {"z", ETLC_TYPE_NULL, 0, 0}};
    etlc_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_batch_new(defs, 12, 16, &b, &err), 0);
    /* row 1: values; row 2: NULL everywhere */
    assert_int_equal(etlc_batch_append_int64(b, 0, INT64_MIN, &err), 0);
    assert_int_equal(etlc_batch_append_bool(b, 1, true, &err), 0);
    assert_int_equal(etlc_batch_append_double(b, 2, 1.5, &err), 0);
    assert_int_equal(etlc_batch_append_var(b, 3, ETLC_TYPE_TEXT, "h\xc3\xa9", 3, &err), 0);
    assert_int_equal(etlc_batch_append_var(b, 4, ETLC_TYPE_BYTES, "\0\1", 2, &err), 0);
    assert_int_equal(etlc_batch_append_date(b, 5, -1, &err), 0);
    assert_int_equal(etlc_batch_append_timestamp(b, 6, 1234567, &err), 0);
    assert_int_equal(etlc_batch_append_var(b, 7, ETLC_TYPE_DECIMAL, "-12345678901234567.5", 20, &err), 0);
    assert_int_equal(etlc_batch_append_var(b, 8, ETLC_TYPE_JSON, "{}", 2, &err), 0);
    assert_int_equal(etlc_batch_append_var(b, 9, ETLC_TYPE_TEXT, "y", 1, &err), 0);
    assert_int_equal(etlc_batch_append_var(b, 10, ETLC_TYPE_DECIMAL, "1.25", 4, &err), 0);
    assert_int_equal(etlc_batch_append_null(b, 11, &err), 0);
    assert_int_equal(etlc_batch_end_row(b, &err), 0);
    for (size_t c = 0; c < 12; c++)
        assert_int_equal(etlc_batch_append_null(b, c, &err), 0);
    assert_int_equal(etlc_batch_end_row(b, &err), 0);
    return b;
}

static void test_schema_and_buffers(void **state)
{
    (void)state;
    etlc_batch *b = all_types_batch();
    struct ArrowSchema s;
    struct ArrowArray a;
    etlc_error err = {0};
    assert_int_equal(etlc_batch_to_arrow(b, &s, &a, &err), 0);
    etlc_batch_free(b); /* the export holds copies */
    assert_string_equal(s.format, "+s");
    assert_int_equal(s.n_children, 12);
    const char *formats[] = {"l", "b", "g", "u", "z", "tdD", "tsu:UTC", "d:20,3", "u", "u", "u", "n"};
    for (int i = 0; i < 12; i++)
        assert_string_equal(s.children[i]->format, formats[i]);
    assert_string_equal(s.children[9]->name, "t_2"); /* names settled as when landing */
    assert_non_null(s.children[8]->metadata);
    assert_memory_equal(s.children[8]->metadata + 8, "ARROW:extension:name", 20);
    assert_int_equal(a.length, 2);
    assert_int_equal(a.n_children, 12);
    assert_int_equal(((const int64_t *)a.children[0]->buffers[1])[0], INT64_MIN);
    assert_int_equal(a.children[0]->null_count, 1);
    assert_int_equal(((const uint8_t *)a.children[0]->buffers[0])[0], 0x1); /* row 1 valid, row 2 not */
    assert_int_equal(((const uint8_t *)a.children[1]->buffers[1])[0] & 1, 1);
    const int32_t *off = a.children[3]->buffers[1];
    assert_int_equal(off[0], 0);
    assert_int_equal(off[1], 3);
    assert_int_equal(off[2], 3);
    assert_memory_equal(a.children[3]->buffers[2], "h\xc3\xa9", 3);
    assert_int_equal(((const int32_t *)a.children[5]->buffers[1])[0], -1);
    __extension__ __int128 dec;
    memcpy(&dec, (const uint8_t *)a.children[7]->buffers[1], 16);
    assert_true(dec == -(__extension__ (__int128)12345678901234567 * 1000 + 500));
    assert_int_equal(a.children[11]->n_buffers, 0);
    assert_int_equal(a.children[11]->null_count, 2);
    a.release(&a);
    s.release(&s);
    assert_null(a.release);
    assert_null(s.release);
}

static void test_decimal_too_wide(void **state)
{
    (void)state;
    etlc_column_def def = {"n", ETLC_TYPE_DECIMAL, 4, 2};
    etlc_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_batch_new(&def, 1, 4, &b, &err), 0);
    assert_int_equal(etlc_batch_append_var(b, 0, ETLC_TYPE_DECIMAL, "123.45", 6, &err), 0);
    assert_int_equal(etlc_batch_end_row(b, &err), 0);
    struct ArrowSchema s;
    struct ArrowArray a;
    assert_int_equal(etlc_batch_to_arrow(b, &s, &a, &err), ETLC_DATA_TYPE);
    assert_non_null(strstr(err.message, "decimal128(4,2)"));
    assert_null(s.release);
    assert_null(a.release);
    etlc_batch_free(b);
}

/* An in-process source: two batches of rows 0..2, 3..4 (no server involved). */
static int two_connect(void *ctx, const etlc_config *cfg, etlc_error *err)
{
    (void)ctx; (void)cfg; (void)err;
    return 0;
}
static int two_fetch(void *ctx, const etlc_fetch_request *req, etlc_batch_consumer consumer,
                     etlc_error *err)
{
    (void)ctx;
    etlc_column_def def = {"v", ETLC_TYPE_INT64, 0, 0};
    etlc_batch *b = NULL;
    int rc = etlc_batch_new(&def, 1, 3, &b, err);
    for (int64_t v = 0; rc == 0 && v < 5; v++) {
        rc = etlc_batch_append_int64(b, 0, v, err);
        if (rc == 0)
            rc = etlc_batch_end_row(b, err);
        if (rc == 0)
            rc = etlc_batch_flush(b, consumer, false, err);
    }
    if (rc == 0)
        rc = etlc_batch_flush(b, consumer, true, err);
    etlc_batch_free(b);
    (void)req;
    return rc;
}
static void two_close(void *ctx) { (void)ctx; }
static const etlc_option_table two_table = {"twobatch", "TWOBATCH", NULL, 0, NULL};
static const etlc_connector_ops two_ops = {
    .abi_version = ETLC_ABI_VERSION, .name = "twobatch", .options = &two_table,
    .connect = two_connect, .fetch = two_fetch, .close = two_close};

/* A records-capability source: two pages, the first page's value is the
 * "start" parameter it was given. */
static int pages_fetch(void *ctx, const etlc_records_request *req, etlc_page_consumer pages,
                       etlc_error *err)
{
    (void)ctx;
    if (req->nparams != 1 || strcmp(req->params[0].key, "start") != 0 || req->cursor)
        return etlc_error_set(err, ETLC_INVALID_ARGUMENT, "unexpected records request");
    etlc_column_def def = {"v", ETLC_TYPE_INT64, 0, 0};
    etlc_batch *b = NULL;
    int rc = etlc_batch_new(&def, 1, 4, &b, err);
    for (int page = 0; rc == 0 && page < 2; page++) {
        etlc_batch_reset(b);
        rc = etlc_batch_append_int64(b, 0, page == 0 ? atoll(req->params[0].value) : 1, err);
        if (rc == 0)
            rc = etlc_batch_end_row(b, err);
        etlc_records_page pg = {.batch = b, .next_cursor = page == 0 ? "p2" : NULL};
        if (rc == 0)
            rc = pages.on_page(pages.userdata, &pg, err);
    }
    etlc_batch_free(b);
    return rc;
}
static const etlc_records_ops pages_records = {.fetch_pages = pages_fetch};
static const etlc_option_table pages_table = {"pagesrc", "PAGESRC", NULL, 0, NULL};
static const etlc_connector_ops pages_ops = {
    .abi_version = ETLC_ABI_VERSION, .name = "pagesrc", .options = &pages_table,
    .connect = two_connect, .close = two_close, .records = &pages_records};

typedef struct seen {
    int64_t sum, rows, batches;
    etlc_cancel *cancel_after_first;
} seen;

static int on_batch(void *ud, const etlc_batch *b, etlc_error *err)
{
    (void)err;
    seen *s = ud;
    s->batches++;
    for (size_t r = 0; r < b->nrows; r++, s->rows++)
        s->sum += b->cols[0].fixed.i64[r];
    if (s->cancel_after_first)
        etlc_cancel_request(s->cancel_after_first);
    return 0;
}

static void test_fetch_batches(void **state)
{
    (void)state;
    etlc_error err = {0};
    assert_int_equal(etlc_registry_add(&two_ops, &err), 0);
    etlc_connector *c = NULL;
    etlc_config_sources src = {.env_prefix = ""};
    assert_int_equal(etlc_get_connection("twobatch", &src, &(etlc_get_options){.no_reuse = true}, &c, &err), 0);
    seen s = {0};
    etlc_fetch_request req = {.query = "q", .batch_rows = 3};
    assert_int_equal(etlc_connector_fetch_batches(c, &req, (etlc_batch_consumer){on_batch, &s}, &err), 0);
    assert_int_equal(s.rows, 5);
    assert_int_equal(s.sum, 10);
    assert_int_equal(s.batches, 2);
    /* A cancel requested during the first batch stops the fetch before the second. */
    etlc_cancel *cancel = NULL;
    assert_int_equal(etlc_cancel_new(&cancel, &err), 0);
    seen s2 = {.cancel_after_first = cancel};
    req.cancel = cancel;
    assert_int_equal(etlc_connector_fetch_batches(c, &req, (etlc_batch_consumer){on_batch, &s2}, &err),
                     ETLC_CANCELLED);
    assert_int_equal(s2.batches, 1);
    etlc_cancel_free(cancel);
    assert_int_equal(etlc_connector_fetch_batches(c, &req, (etlc_batch_consumer){NULL, NULL}, &err),
                     ETLC_INVALID_ARGUMENT);
    etlc_connector_release(c);

    /* the records capability: pages from the first, "key=value" params */
    assert_int_equal(etlc_registry_add(&pages_ops, &err), 0);
    assert_int_equal(etlc_get_connection("pagesrc", &src, &(etlc_get_options){.no_reuse = true}, &c, &err), 0);
    seen s3 = {0};
    etlc_param p = {.type = ETLC_TYPE_TEXT, .data = "start=41", .len = 8};
    etlc_fetch_request rreq = {.query = "items", .params = &p, .nparams = 1};
    assert_int_equal(etlc_connector_fetch_batches(c, &rreq, (etlc_batch_consumer){on_batch, &s3}, &err), 0);
    assert_int_equal(s3.batches, 2);
    assert_int_equal(s3.sum, 42);
    p.data = "nokey";
    p.len = 5;
    assert_int_equal(etlc_connector_fetch_batches(c, &rreq, (etlc_batch_consumer){on_batch, &s3}, &err),
                     ETLC_INVALID_ARGUMENT);
    etlc_connector_release(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_and_buffers),
        cmocka_unit_test(test_decimal_too_wide),
        cmocka_unit_test(test_fetch_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
