/* The MySQL connector without a server: url parsing, the error-number
 * map, column typing from field metadata and text-value conversion. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "connectors/mysql/my_internal.h"

static void url_parts_are_split_and_decoded(void **state)
{
    (void)state;
    char *user, *pw, *host, *db;
    unsigned port;
    etlc_error err = {0};
    assert_int_equal(etlc__my_url_parse("mysql://ann:p%40ss%3Aw@db.example:3307/shop", &user, &pw, &host, &port, &db, &err), 0);
    assert_string_equal(user, "ann");
    assert_string_equal(pw, "p@ss:w");
    assert_string_equal(host, "db.example");
    assert_int_equal(port, 3307);
    assert_string_equal(db, "shop");
    free(user); free(pw); free(host); free(db);

    assert_int_equal(etlc__my_url_parse("mariadb://[::1]/", &user, &pw, &host, &port, &db, &err), 0);
    assert_null(user);
    assert_null(pw);
    assert_string_equal(host, "::1");
    assert_int_equal(port, 0);
    assert_null(db);
    free(host);

    /* an '@' inside the password: the last one ends the credentials */
    assert_int_equal(etlc__my_url_parse("mysql://u:a@b@h", &user, &pw, &host, &port, &db, &err), 0);
    assert_string_equal(pw, "a@b");
    assert_string_equal(host, "h");
    free(user); free(pw); free(host);

    assert_int_equal(etlc__my_url_parse("postgres://u:Secret-1@h/db", &user, &pw, &host, &port, &db, &err), ETLC_CONFIG_RANGE);
    assert_null(strstr(err.message, "Secret-1"));
    assert_int_equal(etlc__my_url_parse("mysql://u:Secret-2@h:99999/db", &user, &pw, &host, &port, &db, &err), ETLC_CONFIG_RANGE);
    assert_null(strstr(err.message, "Secret-2"));
    assert_null(user);
    assert_int_equal(etlc__my_url_parse("mysql://h/db?ssl_mode=required", &user, &pw, &host, &port, &db, &err), ETLC_CONFIG_RANGE);
    assert_non_null(strstr(err.message, "separate keys"));
}

static void error_numbers_map_to_codes(void **state)
{
    (void)state;
    static const struct { unsigned e; int code; bool retry; } map[] = {
        {1045, ETLC_AUTH, false}, {1044, ETLC_AUTH_DENIED, false}, {1049, ETLC_CONNECT_NOT_FOUND, false},
        {2002, ETLC_CONNECT_REFUSED, true}, {2003, ETLC_CONNECT_REFUSED, true}, {2013, ETLC_CONNECT, true},
        {2006, ETLC_CONNECT, true}, {1064, ETLC_QUERY, false}, {1146, ETLC_QUERY, false},
        {1205, ETLC_BUSY, true}, {1213, ETLC_BUSY, true}, {3024, ETLC_TIMEOUT, false}, {1969, ETLC_TIMEOUT, false},
        {1317, ETLC_CANCELLED, false}, {4025, ETLC_QUERY, false},
    };
    for (size_t i = 0; i < ETLC__ARRAY_LEN(map); i++) {
        bool retry = !map[i].retry;
        assert_int_equal(etlc__my_errno_code(map[i].e, "x", &retry), map[i].code);
        assert_int_equal(retry, map[i].retry);
    }
    bool retry;
    assert_int_equal(etlc__my_errno_code(2003, "Can't connect to server on 'h' (110)", &retry), ETLC_CONNECT_TIMEOUT);
}

static MYSQL_FIELD field(enum enum_field_types t, unsigned long length, unsigned decimals, unsigned flags, unsigned cs)
{
    MYSQL_FIELD f;
    memset(&f, 0, sizeof f);
    f.name = "c";
    f.type = t;
    f.length = length;
    f.decimals = decimals;
    f.flags = flags;
    f.charsetnr = cs;
    return f;
}

static void columns_are_typed_from_metadata(void **state)
{
    (void)state;
    my_type_options opt = {.tinyint1_as_bool = true};
    my_column c;
    MYSQL_FIELD f = field(MYSQL_TYPE_NEWDECIMAL, 14, 3, 0, 63); /* DECIMAL(12,3) */
    etlc__my_column_init(&c, &f, &opt);
    assert_int_equal(c.type, ETLC_TYPE_DECIMAL);
    assert_int_equal(c.precision, 12);
    assert_int_equal(c.scale, 3);
    f = field(MYSQL_TYPE_NEWDECIMAL, 10, 0, UNSIGNED_FLAG, 63); /* DECIMAL(10,0) UNSIGNED */
    etlc__my_column_init(&c, &f, &opt);
    assert_int_equal(c.precision, 10);
    f = field(MYSQL_TYPE_TINY, 1, 0, 0, 63);
    etlc__my_column_init(&c, &f, &opt);
    assert_int_equal(c.type, ETLC_TYPE_BOOL);
    opt.tinyint1_as_bool = false;
    etlc__my_column_init(&c, &f, &opt);
    assert_int_equal(c.type, ETLC_TYPE_INT64);
    f = field(MYSQL_TYPE_LONGLONG, 20, 0, UNSIGNED_FLAG, 63);
    etlc__my_column_init(&c, &f, &opt);
    assert_int_equal(c.kind, MY_K_UINT64);
    opt.unsigned_as_decimal = true;
    etlc__my_column_init(&c, &f, &opt);
    assert_int_equal(c.type, ETLC_TYPE_DECIMAL);
    assert_int_equal(c.precision, 20);
    f = field(MYSQL_TYPE_BLOB, 65535, 0, BINARY_FLAG, 63);
    etlc__my_column_init(&c, &f, &opt);
    assert_int_equal(c.type, ETLC_TYPE_BYTES);
    f = field(MYSQL_TYPE_BLOB, 65535, 0, 0, 45); /* TEXT, utf8mb4 */
    etlc__my_column_init(&c, &f, &opt);
    assert_int_equal(c.type, ETLC_TYPE_TEXT);
    f = field(MYSQL_TYPE_STRING, 4, 0, ENUM_FLAG, 63);
    etlc__my_column_init(&c, &f, &opt);
    assert_int_equal(c.type, ETLC_TYPE_TEXT);
    f = field(MYSQL_TYPE_BIT, 1, 0, UNSIGNED_FLAG, 63);
    etlc__my_column_init(&c, &f, &opt);
    assert_int_equal(c.type, ETLC_TYPE_BOOL);
    f = field(MYSQL_TYPE_TIMESTAMP, 26, 6, 0, 63);
    etlc__my_column_init(&c, &f, &opt);
    assert_int_equal(c.type, ETLC_TYPE_TIMESTAMP);
    f = field(MYSQL_TYPE_JSON, 0, 0, 0, 45);
    etlc__my_column_init(&c, &f, &opt);
    assert_int_equal(c.type, ETLC_TYPE_JSON);
}

static void text_values_convert_or_name_column_and_row(void **state)
{
    (void)state;
    my_type_options opt = {.tinyint1_as_bool = true};
    etlc_column_def defs[] = {{.name = "u", .type = ETLC_TYPE_INT64}, {.name = "d", .type = ETLC_TYPE_TIMESTAMP}};
    etlc_batch *b = NULL;
    etlc_error err = {0};
    assert_int_equal(etlc_batch_new(defs, 2, 10, &b, &err), 0);
    my_column cu = {.kind = MY_K_UINT64, .type = ETLC_TYPE_INT64};
    my_column cd = {.kind = MY_K_DATETIME, .type = ETLC_TYPE_TIMESTAMP};
    assert_int_equal(etlc__my_append_text(b, 0, &cu, "9223372036854775807", 19, 0, &opt, &err), 0);
    assert_int_equal(etlc__my_append_text(b, 1, &cd, "1969-12-31 23:59:59.5", 21, 0, &opt, &err), 0);
    assert_int_equal(etlc_batch_end_row(b, &err), 0);
    assert_int_equal(b->cols[0].fixed.i64[0], INT64_MAX);
    assert_int_equal(b->cols[1].fixed.i64[0], -500000);
    assert_int_equal(etlc__my_append_text(b, 0, &cu, "18446744073709551615", 20, 41, &opt, &err), ETLC_DATA_TYPE);
    assert_non_null(strstr(err.message, "column 'u' row 42"));
    assert_non_null(strstr(err.message, "18446744073709551615"));
    assert_int_equal(etlc__my_append_text(b, 1, &cd, "0000-00-00 00:00:00", 19, 6, &opt, &err), ETLC_DATA_TYPE);
    assert_non_null(strstr(err.message, "column 'd' row 7"));
    etlc_batch_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(url_parts_are_split_and_decoded),
        cmocka_unit_test(error_numbers_map_to_codes),
        cmocka_unit_test(columns_are_typed_from_metadata),
        cmocka_unit_test(text_values_convert_or_name_column_and_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
