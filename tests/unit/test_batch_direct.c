/* Direct batch writes (etlc__batch_reserve_capacity + put helpers) give the
 * same batch as the checked appends, mix with them, survive a reset, and
 * refuse an untyped column. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "core/internal.h"

static const etlc_column_def defs[] = {
    {.name = "id", .type = ETLC_TYPE_INT64},
    {.name = "day", .type = ETLC_TYPE_DATE},
    {.name = "price", .type = ETLC_TYPE_DOUBLE},
    {.name = "note", .type = ETLC_TYPE_TEXT},
};

static void direct_writes_match_checked_appends(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc_batch *a = NULL, *b = NULL;
    assert_int_equal(etlc_batch_new(defs, 4, 300, &a, &err), 0);
    assert_int_equal(etlc_batch_new(defs, 4, 300, &b, &err), 0);
    assert_int_equal(etlc__batch_reserve_capacity(b, &err), 0);
    for (int round = 0; round < 2; round++) {
        for (int r = 0; r < 300; r++) {
            char note[32];
            int n = snprintf(note, sizeof note, "row %d of round %d", r, round);
            assert_int_equal(etlc_batch_append_int64(a, 0, r * 1000003LL, &err), 0);
            assert_int_equal(etlc_batch_append_date(a, 1, 19000 + r, &err), 0);
            assert_int_equal(r % 7 ? etlc_batch_append_double(a, 2, r / 4.0, &err)
                                   : etlc_batch_append_null(a, 2, &err), 0);
            assert_int_equal(etlc_batch_append_var(a, 3, ETLC_TYPE_TEXT, note, (size_t)n, &err), 0);
            assert_int_equal(etlc_batch_end_row(a, &err), 0);

            etlc__batch_put_i64(b, 0, r * 1000003LL);
            etlc__batch_put_i32(b, 1, 19000 + r);
            if (r % 7)
                etlc__batch_put_f64(b, 2, r / 4.0);
            else
                assert_int_equal(etlc_batch_append_null(b, 2, &err), 0); /* checked path mixes in */
            assert_int_equal(etlc__batch_put_var(b, 3, note, (size_t)n), 0);
            etlc__batch_end_row_unchecked(b);
        }
        assert_int_equal(a->nrows, b->nrows);
        assert_true(etlc_batch_full(b));
        for (size_t c = 0; c < 4; c++) {
            const etlc_column *ca = &a->cols[c], *cb = &b->cols[c];
            assert_int_equal(ca->null_count, cb->null_count);
            assert_int_equal(ca->count, cb->count);
            assert_memory_equal(ca->nulls, cb->nulls, 300);
        }
        assert_memory_equal(a->cols[0].fixed.i64, b->cols[0].fixed.i64, 300 * sizeof(int64_t));
        assert_memory_equal(a->cols[1].fixed.i32, b->cols[1].fixed.i32, 300 * sizeof(int32_t));
        assert_memory_equal(a->cols[2].fixed.f64, b->cols[2].fixed.f64, 300 * sizeof(double));
        assert_memory_equal(a->cols[3].offsets, b->cols[3].offsets, 301 * sizeof(uint64_t));
        assert_int_equal(a->cols[3].data_len, b->cols[3].data_len);
        assert_memory_equal(a->cols[3].data, b->cols[3].data, a->cols[3].data_len);
        etlc_batch_reset(a);
        etlc_batch_reset(b); /* storage stays reserved */
    }
    etlc_batch_free(a);
    etlc_batch_free(b);
}

static void reserve_refuses_untyped_columns(void **state)
{
    (void)state;
    etlc_error err = {0};
    etlc_column_def d[] = {{.name = "x", .type = ETLC_TYPE_INT64}, {.name = "later", .type = ETLC_TYPE_NULL}};
    etlc_batch *b = NULL;
    assert_int_equal(etlc_batch_new(d, 2, 10, &b, &err), 0);
    assert_int_equal(etlc__batch_reserve_capacity(b, &err), ETLC_INTERNAL);
    assert_non_null(strstr(err.message, "later"));
    etlc_batch_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(direct_writes_match_checked_appends),
        cmocka_unit_test(reserve_refuses_untyped_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
