/* MariaDB/MySQL -> etlconn record types. The column's metadata decides the
 * record type; each value is converted exactly or rejected with the column
 * and row named. Text-protocol values (strings) and binary-protocol values
 * (prepared statements) end up identical. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "my_internal.h"

#define BINARY_CHARSET 63

static bool format_is_json(const MYSQL_FIELD *f)
{
    /* MariaDB's JSON is LONGTEXT; the extended metadata names the format. */
    MARIADB_CONST_STRING attr = {0};
    return mariadb_field_attr(&attr, f, MARIADB_FIELD_ATTR_FORMAT_NAME) == 0 && attr.length == 4 &&
           memcmp(attr.str, "json", 4) == 0;
}

void etlc__my_column_init(my_column *col, const MYSQL_FIELD *f, const my_type_options *opt)
{
    memset(col, 0, sizeof *col);
    bool is_unsigned = (f->flags & UNSIGNED_FLAG) != 0;
    bool binary = f->charsetnr == BINARY_CHARSET;
    col->kind = MY_K_TEXT;
    col->type = ETLC_TYPE_TEXT;
    switch (f->type) {
    case MYSQL_TYPE_TINY:
        if (opt->tinyint1_as_bool && f->length == 1) {
            col->kind = MY_K_BOOL;
            col->type = ETLC_TYPE_BOOL;
            break;
        }
        /* fall through */
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_YEAR:
        col->kind = MY_K_INT;
        col->type = ETLC_TYPE_INT64;
        break;
    case MYSQL_TYPE_LONGLONG:
        col->kind = !is_unsigned ? MY_K_INT : opt->unsigned_as_decimal ? MY_K_UINT64_DEC : MY_K_UINT64;
        col->type = col->kind == MY_K_UINT64_DEC ? ETLC_TYPE_DECIMAL : ETLC_TYPE_INT64;
        if (col->kind == MY_K_UINT64_DEC)
            col->precision = 20;
        break;
    case MYSQL_TYPE_BIT:
        col->kind = f->length == 1 ? MY_K_BIT1 : MY_K_BITS;
        col->type = f->length == 1 ? ETLC_TYPE_BOOL : ETLC_TYPE_INT64;
        break;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL: {
        col->kind = MY_K_DECIMAL;
        col->type = ETLC_TYPE_DECIMAL;
        /* display length = digits + a '.' when scale > 0 + a '-' when signed */
        long p = (long)f->length - (f->decimals > 0 ? 1 : 0) - (is_unsigned ? 0 : 1);
        col->scale = (int)f->decimals;
        col->precision = p >= col->scale && p > 0 && p <= 65 ? (int)p : 0;
        break;
    }
    case MYSQL_TYPE_FLOAT:
        col->kind = MY_K_FLOAT;
        col->type = ETLC_TYPE_DOUBLE;
        col->widen_float = opt->exact_internal_floats && f->name && strncmp(f->name, "etlc_", 5) == 0;
        break;
    case MYSQL_TYPE_DOUBLE:
        col->kind = MY_K_DOUBLE;
        col->type = ETLC_TYPE_DOUBLE;
        break;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
        col->kind = MY_K_DATE;
        col->type = ETLC_TYPE_DATE;
        break;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_DATETIME2:
    case MYSQL_TYPE_TIMESTAMP:
    case MYSQL_TYPE_TIMESTAMP2:
        col->kind = MY_K_DATETIME;
        col->type = ETLC_TYPE_TIMESTAMP;
        break;
    case MYSQL_TYPE_TIME:
    case MYSQL_TYPE_TIME2:
        col->kind = MY_K_TIME;
        col->decimals = f->decimals <= 6 ? f->decimals : 6;
        break;
    case MYSQL_TYPE_JSON:
        col->kind = MY_K_JSON;
        col->type = ETLC_TYPE_JSON;
        break;
    case MYSQL_TYPE_NULL: /* SELECT NULL: typed by a later value, if any */
        col->type = ETLC_TYPE_NULL;
        break;
    case MYSQL_TYPE_GEOMETRY:
        col->kind = MY_K_BYTES;
        col->type = ETLC_TYPE_BYTES;
        break;
    default: /* CHAR, VARCHAR, TEXT, BLOB, BINARY, ENUM, SET */
        if (!binary && format_is_json(f)) {
            col->kind = MY_K_JSON;
            col->type = ETLC_TYPE_JSON;
        } else if (binary && !(f->flags & (ENUM_FLAG | SET_FLAG))) {
            col->kind = MY_K_BYTES;
            col->type = ETLC_TYPE_BYTES;
        }
        break;
    }
}

static int bad_value(etlc_error *err, etlc_batch *b, size_t colno, uint64_t row, const char *what, const char *hint)
{
    return etlc_error_set(err, ETLC_DATA_TYPE, "column '%s' row %llu: %s%s%s", b->cols[colno].def.name,
                          (unsigned long long)row + 1, what, hint ? "; " : "", hint ? hint : "");
}

static int unsigned_too_big(etlc_batch *b, size_t colno, uint64_t v, uint64_t row, etlc_error *err)
{
    char what[128];
    snprintf(what, sizeof what, "BIGINT UNSIGNED value %" PRIu64 " is above the int64 maximum 9223372036854775807", v);
    return bad_value(err, b, colno, row, what, "set unsigned_bigint=decimal to land such columns as exact decimals");
}

int etlc__my_append_int(etlc_batch *b, size_t colno, const my_column *col, int64_t v, bool is_unsigned,
                        uint64_t row, etlc_error *err)
{
    switch (col->kind) {
    case MY_K_BOOL:
        if (v == 0 || v == 1)
            return etlc_batch_append_bool(b, colno, v == 1, err);
        char what[96];
        snprintf(what, sizeof what, "TINYINT(1) value %" PRId64 " is not a boolean (0 or 1)", v);
        return bad_value(err, b, colno, row, what, "set tinyint1_as_bool=false to read it as an integer");
    case MY_K_UINT64:
        if (is_unsigned && (uint64_t)v > (uint64_t)INT64_MAX)
            return unsigned_too_big(b, colno, (uint64_t)v, row, err);
        return etlc_batch_append_int64(b, colno, v, err);
    case MY_K_UINT64_DEC: {
        char buf[32];
        int n = is_unsigned ? snprintf(buf, sizeof buf, "%" PRIu64, (uint64_t)v)
                            : snprintf(buf, sizeof buf, "%" PRId64, v);
        return etlc_batch_append_var(b, colno, ETLC_TYPE_DECIMAL, buf, (size_t)n, err);
    }
    default:
        return etlc_batch_append_int64(b, colno, v, err);
    }
}

/* The shortest decimal text that reads back as the same float, as a double:
 * what the server prints for FLOAT in the text protocol. */
int etlc__my_append_float(etlc_batch *b, size_t colno, float v, etlc_error *err)
{
    char buf[48];
    for (int digits = 6; digits <= 9; digits++) {
        snprintf(buf, sizeof buf, "%.*g", digits, (double)v);
        if (strtof(buf, NULL) == v)
            break;
    }
    return etlc_batch_append_double(b, colno, strtod(buf, NULL), err);
}

static bool zero_date_text(const char *s, size_t len)
{
    /* "YYYY-MM-DD...": a zero month or day ('0000-00-00', '2024-00-10') */
    return len >= 10 && ((s[5] == '0' && s[6] == '0') || (s[8] == '0' && s[9] == '0'));
}

static int zero_date(etlc_batch *b, size_t colno, uint64_t row, const my_type_options *opt, const char *shown,
                     etlc_error *err)
{
    if (opt->zero_date_null)
        return etlc_batch_append_null(b, colno, err);
    char what[96];
    snprintf(what, sizeof what, "zero date '%.40s' has no calendar value", shown);
    return bad_value(err, b, colno, row, what, "set zero_date=null to land it as NULL");
}

int etlc__my_append_text(etlc_batch *b, size_t colno, const my_column *col, const char *data, size_t len,
                         uint64_t row, const my_type_options *opt, etlc_error *err)
{
    char tmp[64];
    switch (col->kind) {
    case MY_K_INT:
    case MY_K_UINT64:
    case MY_K_BOOL: {
        if (len == 0 || len >= sizeof tmp)
            return bad_value(err, b, colno, row, "integer text is empty or too long", NULL);
        memcpy(tmp, data, len);
        tmp[len] = '\0';
        char *end;
        errno = 0;
        if (tmp[0] != '-' && col->kind == MY_K_UINT64) {
            uint64_t u = strtoull(tmp, &end, 10);
            if (errno || *end)
                return bad_value(err, b, colno, row, "not an integer", NULL);
            return etlc__my_append_int(b, colno, col, (int64_t)u, true, row, err);
        }
        int64_t v = strtoll(tmp, &end, 10);
        if (errno || *end)
            return bad_value(err, b, colno, row, "not a 64-bit integer", NULL);
        return etlc__my_append_int(b, colno, col, v, false, row, err);
    }
    case MY_K_UINT64_DEC:
    case MY_K_DECIMAL:
        return etlc_batch_append_var(b, colno, ETLC_TYPE_DECIMAL, data, len, err);
    case MY_K_BIT1:
    case MY_K_BITS: {
        /* BIT(n): n bits big-endian in ceil(n/8) bytes */
        uint64_t v = 0;
        if (len > 8)
            return bad_value(err, b, colno, row, "BIT value wider than 64 bits", NULL);
        for (size_t i = 0; i < len; i++)
            v = v << 8 | (unsigned char)data[i];
        if (col->kind == MY_K_BIT1)
            return etlc_batch_append_bool(b, colno, v != 0, err);
        if (v > (uint64_t)INT64_MAX)
            return bad_value(err, b, colno, row, "BIT(64) value is above the int64 maximum", NULL);
        return etlc_batch_append_int64(b, colno, (int64_t)v, err);
    }
    case MY_K_FLOAT:
    case MY_K_DOUBLE: {
        if (len == 0 || len >= sizeof tmp)
            return bad_value(err, b, colno, row, "number text is empty or too long", NULL);
        memcpy(tmp, data, len);
        tmp[len] = '\0';
        char *end;
        double v = strtod(tmp, &end);
        if (*end)
            return bad_value(err, b, colno, row, "not a number", NULL);
        return etlc_batch_append_double(b, colno, v, err);
    }
    case MY_K_DATE: {
        if (zero_date_text(data, len))
            return zero_date(b, colno, row, opt, data, err);
        int32_t days;
        if (etlc_parse_date(data, len, &days) != 0)
            return bad_value(err, b, colno, row, "not a YYYY-MM-DD date", NULL);
        return etlc_batch_append_date(b, colno, days, err);
    }
    case MY_K_DATETIME: {
        if (zero_date_text(data, len)) {
            snprintf(tmp, sizeof tmp, "%.*s", (int)(len < 40 ? len : 40), data);
            return zero_date(b, colno, row, opt, tmp, err);
        }
        int64_t us;
        if (etlc_parse_timestamp(data, len, &us) != 0)
            return bad_value(err, b, colno, row, "not a YYYY-MM-DD HH:MM:SS date and time", NULL);
        return etlc_batch_append_timestamp(b, colno, us, err);
    }
    case MY_K_JSON:
        return etlc_batch_append_var(b, colno, ETLC_TYPE_JSON, data, len, err);
    case MY_K_BYTES:
        return etlc_batch_append_var(b, colno, ETLC_TYPE_BYTES, data, len, err);
    default: /* TEXT, TIME */
        return etlc_batch_append_var(b, colno, ETLC_TYPE_TEXT, data, len, err);
    }
}

int etlc__my_append_time(etlc_batch *b, size_t colno, const my_column *col, const MYSQL_TIME *t, uint64_t row,
                         const my_type_options *opt, etlc_error *err)
{
    char text[64];
    if (col->kind == MY_K_TIME) {
        unsigned long hours = (unsigned long)t->day * 24 + t->hour;
        int n = snprintf(text, sizeof text, "%s%02lu:%02u:%02u", t->neg ? "-" : "", hours, t->minute, t->second);
        if (col->decimals > 0) {
            unsigned long frac = t->second_part;
            for (unsigned i = col->decimals; i < 6; i++)
                frac /= 10;
            snprintf(text + n, sizeof text - (size_t)n, ".%0*lu", (int)col->decimals, frac);
        }
        return etlc_batch_append_var(b, colno, ETLC_TYPE_TEXT, text, strlen(text), err);
    }
    if (t->month == 0 || t->day == 0) {
        if (col->kind == MY_K_DATE)
            snprintf(text, sizeof text, "%04u-%02u-%02u", t->year, t->month, t->day);
        else
            snprintf(text, sizeof text, "%04u-%02u-%02u %02u:%02u:%02u", t->year, t->month, t->day, t->hour,
                     t->minute, t->second);
        return zero_date(b, colno, row, opt, text, err);
    }
    int64_t days = etlc_days_from_civil(t->year, t->month, t->day);
    if (col->kind == MY_K_DATE)
        return etlc_batch_append_date(b, colno, (int32_t)days, err);
    int64_t us = ((days * 24 + t->hour) * 60 + t->minute) * 60 + t->second;
    return etlc_batch_append_timestamp(b, colno, us * 1000000 + (int64_t)t->second_part, err);
}
