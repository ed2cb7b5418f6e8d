/* SQL Server (db-lib) -> etlconn record types. Every conversion here works
 * on db-lib's in-memory representation alone (no DBPROCESS), so the unit
 * tests drive it with values FreeTDS itself builds through dbconvert(). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mssql_internal.h"

etlc_type etlc__mssql_column_type(int dbtype, int precision, int scale, int *out_precision, int *out_scale)
{
    *out_precision = 0;
    *out_scale = 0;
    switch (dbtype) {
    case SYBINT1: case SYBINT2: case SYBINT4: case SYBINT8: case SYBINTN:
        return ETLC_TYPE_INT64;
    case SYBBIT: case SYBBITN:
        return ETLC_TYPE_BOOL;
    case SYBDECIMAL: case SYBNUMERIC:
        if (precision > 0 && precision <= 38 && scale >= 0 && scale <= precision) {
            *out_precision = precision;
            *out_scale = scale;
        }
        return ETLC_TYPE_DECIMAL;
    case SYBMONEY: case SYBMONEYN:
        *out_precision = 19;
        *out_scale = 4;
        return ETLC_TYPE_DECIMAL;
    case SYBMONEY4:
        *out_precision = 10;
        *out_scale = 4;
        return ETLC_TYPE_DECIMAL;
    case SYBFLT8: case SYBREAL: case SYBFLTN:
        return ETLC_TYPE_DOUBLE;
    case SYBBINARY: case SYBVARBINARY: case SYBIMAGE:
        return ETLC_TYPE_BYTES;
    case SYBMSDATE:
        return ETLC_TYPE_DATE;
    case SYBDATETIME: case SYBDATETIME4: case SYBDATETIMN: case SYBMSDATETIME2: case SYBMSDATETIMEOFFSET:
        return ETLC_TYPE_TIMESTAMP;
    default: /* char, varchar, nchar, nvarchar, text, ntext, xml, uniqueidentifier, time, sql_variant */
        return ETLC_TYPE_TEXT;
    }
}

static int bad_value(etlc_error *err, const etlc_column *c, int dbtype, uint64_t row, const char *why)
{
    return etlc_error_set(err, ETLC_DATA_TYPE, "column '%s' (SQL Server type %d) row %llu: %s", c->def.name, dbtype,
                          (unsigned long long)row + 1, why);
}

static int append_int(etlc_batch *b, size_t col, const BYTE *p, DBINT len, int dbtype, uint64_t row,
                      etlc_error *err)
{
    switch (len) { /* INTN carries its width in the length */
    case 1: return etlc_batch_append_int64(b, col, (int64_t)p[0], err); /* tinyint is unsigned */
    case 2: { int16_t v; memcpy(&v, p, 2); return etlc_batch_append_int64(b, col, v, err); }
    case 4: { int32_t v; memcpy(&v, p, 4); return etlc_batch_append_int64(b, col, v, err); }
    case 8: { int64_t v; memcpy(&v, p, 8); return etlc_batch_append_int64(b, col, v, err); }
    default: return bad_value(err, &b->cols[col], dbtype, row, "integer of unexpected width");
    }
}

static int append_float(etlc_batch *b, size_t col, const BYTE *p, DBINT len, int dbtype, uint64_t row,
                        etlc_error *err)
{
    if (len == 4) {
        float f;
        memcpy(&f, p, 4);
        return etlc_batch_append_double(b, col, (double)f, err);
    }
    if (len == 8) {
        double d;
        memcpy(&d, p, 8);
        return etlc_batch_append_double(b, col, d, err);
    }
    return bad_value(err, &b->cols[col], dbtype, row, "float of unexpected width");
}

/* money is a scaled int64 (1/10000 units): print it exactly with 4 decimals. */
static int append_money(etlc_batch *b, size_t col, const BYTE *p, DBINT len, int dbtype, uint64_t row,
                        etlc_error *err)
{
    int64_t units;
    if (len == 8) {
        DBMONEY m;
        memcpy(&m, p, sizeof m);
        units = (int64_t)(((uint64_t)(uint32_t)m.mnyhigh << 32) | (uint64_t)m.mnylow);
    } else if (len == 4) {
        DBMONEY4 m;
        memcpy(&m, p, sizeof m);
        units = m.mny4;
    } else {
        return bad_value(err, &b->cols[col], dbtype, row, "money of unexpected width");
    }
    uint64_t mag = units < 0 ? (uint64_t)0 - (uint64_t)units : (uint64_t)units;
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%s%" PRIu64 ".%04" PRIu64, units < 0 ? "-" : "", mag / 10000, mag % 10000);
    return etlc_batch_append_var(b, col, ETLC_TYPE_DECIMAL, buf, (size_t)n, err);
}

/* decimal/numeric: FreeTDS's own exact text form, normalised to "0.5" / "-0.5". */
static int append_decimal(etlc_batch *b, size_t col, const BYTE *p, DBINT len, int dbtype, uint64_t row,
                          etlc_error *err)
{
    char raw[80], buf[84];
    DBINT n = dbconvert(NULL, dbtype, p, len, SYBCHAR, (BYTE *)raw, (DBINT)sizeof raw - 1);
    if (n < 0 || n >= (DBINT)sizeof raw)
        return bad_value(err, &b->cols[col], dbtype, row, "decimal value cannot be converted to text");
    raw[n] = '\0';
    const char *s = raw;
    while (*s == ' ')
        s++;
    bool neg = *s == '-';
    if (neg || *s == '+')
        s++;
    int m = snprintf(buf, sizeof buf, "%s%s%s", neg ? "-" : "", *s == '.' ? "0" : "", s);
    return etlc_batch_append_var(b, col, ETLC_TYPE_DECIMAL, buf, (size_t)m, err);
}

static int append_datetime(etlc_batch *b, size_t col, const BYTE *p, int dbtype, uint64_t row, etlc_error *err)
{
    DBDATEREC2 d;
    memset(&d, 0, sizeof d);
    if (dbanydatecrack(NULL, &d, dbtype, p) != SUCCEED)
        return bad_value(err, &b->cols[col], dbtype, row, "date/time value cannot be decoded");
    int32_t days = etlc_days_from_civil(d.dateyear, (unsigned)d.datemonth + 1, (unsigned)d.datedmonth);
    if (b->cols[col].def.type == ETLC_TYPE_DATE)
        return etlc_batch_append_date(b, col, days, err);
    if (b->cols[col].def.type == ETLC_TYPE_TEXT) { /* time(n): no time-of-day record type */
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%02d:%02d:%02d.%06d", (int)d.datehour, (int)d.dateminute,
                         (int)d.datesecond, (int)(d.datensecond / 1000));
        return etlc_batch_append_var(b, col, ETLC_TYPE_TEXT, buf, (size_t)n, err);
    }
    int64_t micros = (int64_t)days * 86400000000LL +
                     ((int64_t)d.datehour * 3600 + (int64_t)d.dateminute * 60 + d.datesecond) * 1000000LL +
                     d.datensecond / 1000;
    /* datetimeoffset: FreeTDS cracks it to the local time of its offset;
     * the record holds UTC. The offset is read from FreeTDS's value itself
     * (dbanydatecrack does not report it in every FreeTDS version). */
    if (dbtype == SYBMSDATETIMEOFFSET) {
        etlc__mssql_datetimeall v;
        memcpy(&v, p, sizeof v);
        micros -= (int64_t)v.offset_minutes * 60000000LL;
    }
    return etlc_batch_append_timestamp(b, col, micros, err);
}

/* Anything else db-lib can turn into characters (uniqueidentifier, sql_variant ...). */
static int append_converted_text(etlc_batch *b, size_t col, const BYTE *p, DBINT len, int dbtype, uint64_t row,
                                 etlc_error *err)
{
    if (!dbwillconvert(dbtype, SYBCHAR))
        return bad_value(err, &b->cols[col], dbtype, row, "no conversion to text exists for this type");
    size_t cap = (size_t)len * 4 + 64;
    char *buf = malloc(cap);
    if (!buf)
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory converting column '%s'", b->cols[col].def.name);
    DBINT n = dbconvert(NULL, dbtype, p, len, SYBCHAR, (BYTE *)buf, (DBINT)cap);
    int rc = n < 0 ? bad_value(err, &b->cols[col], dbtype, row, "value cannot be converted to text")
                   : etlc_batch_append_var(b, col, ETLC_TYPE_TEXT, buf, (size_t)n, err);
    free(buf);
    return rc;
}

int etlc__mssql_append_value(etlc_batch *b, size_t col, int dbtype, const BYTE *data, DBINT len, uint64_t row,
                             etlc_error *err)
{
    if (!data)
        return etlc_batch_append_null(b, col, err);
    switch (dbtype) {
    case SYBINT1: case SYBINT2: case SYBINT4: case SYBINT8: case SYBINTN:
        return append_int(b, col, data, len, dbtype, row, err);
    case SYBBIT: case SYBBITN:
        return etlc_batch_append_bool(b, col, data[0] != 0, err);
    case SYBFLT8: case SYBREAL: case SYBFLTN:
        return append_float(b, col, data, len, dbtype, row, err);
    case SYBMONEY: case SYBMONEY4: case SYBMONEYN:
        return append_money(b, col, data, len, dbtype, row, err);
    case SYBDECIMAL: case SYBNUMERIC:
        return append_decimal(b, col, data, len, dbtype, row, err);
    case SYBDATETIME: case SYBDATETIME4: case SYBDATETIMN: case SYBMSDATE: case SYBMSTIME:
    case SYBMSDATETIME2: case SYBMSDATETIMEOFFSET:
        return append_datetime(b, col, data, dbtype, row, err);
    case SYBCHAR: case SYBVARCHAR: case SYBTEXT: case SYBNTEXT: case SYBNVARCHAR: case MSSQL_TYPE_XML:
        /* already UTF-8: the login asked for a UTF-8 client charset */
        return etlc_batch_append_var(b, col, ETLC_TYPE_TEXT, data, (size_t)len, err);
    case SYBBINARY: case SYBVARBINARY: case SYBIMAGE:
        return etlc_batch_append_var(b, col, ETLC_TYPE_BYTES, data, (size_t)len, err);
    default:
        return append_converted_text(b, col, data, len, dbtype, row, err);
    }
}
