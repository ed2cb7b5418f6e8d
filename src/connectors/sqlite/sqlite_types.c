/* SQLite -> etlconn record types. SQLite stores values dynamically; the
 * declared column type decides the record type, and each stored value is
 * converted to it faithfully (NULL stays NULL, integers stay 64-bit) or
 * rejected with the column and row named — never silently nulled. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_internal.h"

static bool has(const char *upper, const char *word) { return strstr(upper, word) != NULL; }

etlc_type etlc__sqlite_decltype(const char *decl, int *precision, int *scale)
{
    *precision = 0;
    *scale = 0;
    if (!decl || !*decl)
        return ETLC_TYPE_NULL;
    char up[64];
    size_t n = 0;
    for (; decl[n] && n < sizeof up - 1; n++)
        up[n] = (char)toupper((unsigned char)decl[n]);
    up[n] = '\0';
    if (has(up, "BOOL"))
        return ETLC_TYPE_BOOL;
    if (has(up, "INT")) /* SQLite's own rule for INTEGER affinity */
        return ETLC_TYPE_INT64;
    if (has(up, "JSON"))
        return ETLC_TYPE_JSON;
    if (has(up, "TIMESTAMP") || has(up, "DATETIME"))
        return ETLC_TYPE_TIMESTAMP;
    if (strcmp(up, "DATE") == 0)
        return ETLC_TYPE_DATE;
    if (has(up, "CHAR") || has(up, "CLOB") || has(up, "TEXT") || has(up, "UUID"))
        return ETLC_TYPE_TEXT;
    if (has(up, "BLOB") || has(up, "BINARY"))
        return ETLC_TYPE_BYTES;
    if (has(up, "REAL") || has(up, "FLOA") || has(up, "DOUB"))
        return ETLC_TYPE_DOUBLE;
    if (has(up, "DECIMAL") || has(up, "NUMERIC") || has(up, "MONEY")) {
        const char *paren = strchr(up, '(');
        if (paren) {
            int p = 0, s = 0;
            if (sscanf(paren, "(%d , %d)", &p, &s) >= 1 && p > 0 && p <= 76 && s >= 0 && s <= p) {
                *precision = p;
                *scale = s;
            }
        }
        return ETLC_TYPE_DECIMAL;
    }
    return ETLC_TYPE_NULL;
}

static const char *storage_name(int t)
{
    switch (t) {
    case SQLITE_INTEGER: return "integer";
    case SQLITE_FLOAT: return "real";
    case SQLITE_TEXT: return "text";
    case SQLITE_BLOB: return "blob";
    default: return "null";
    }
}

static int mismatch(etlc_error *err, const etlc_column *c, int storage, uint64_t row, const char *hint)
{
    return etlc_error_set(err, ETLC_DATA_TYPE,
                          "column '%s' (%s) row %llu holds a %s value that cannot be converted%s%s",
                          c->def.name, etlc_type_name(c->def.type), (unsigned long long)row + 1,
                          storage_name(storage), hint ? ": " : "", hint ? hint : "");
}

/* Exact decimal text: optional sign, digits, optional fraction. */
static bool decimal_text(const unsigned char *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    for (; i < n && isdigit(s[i]); i++)
        digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && isdigit(s[i]); i++)
            digits++;
    return digits > 0 && i == n;
}

static int append_decimal(etlc_batch *b, size_t col, sqlite3_stmt *stmt, int storage, uint64_t row,
                          etlc_error *err)
{
    const etlc_column *c = &b->cols[col];
    char buf[64];
    int n;
    if (storage == SQLITE_INTEGER) {
        n = snprintf(buf, sizeof buf, "%lld", (long long)sqlite3_column_int64(stmt, (int)col));
        if (c->def.scale > 0)
            n += snprintf(buf + n, sizeof buf - (size_t)n, ".%0*d", c->def.scale, 0);
    } else if (storage == SQLITE_FLOAT) {
        double v = sqlite3_column_double(stmt, (int)col);
        if (!isfinite(v))
            return mismatch(err, c, storage, row, "not a finite number");
        /* NUMERIC affinity stored the text as a double; its declared scale
         * gives back the digits that were written. */
        n = c->def.scale > 0 ? snprintf(buf, sizeof buf, "%.*f", c->def.scale, v)
                             : snprintf(buf, sizeof buf, "%.17g", v);
    } else if (storage == SQLITE_TEXT) {
        const unsigned char *t = sqlite3_column_text(stmt, (int)col);
        size_t len = (size_t)sqlite3_column_bytes(stmt, (int)col);
        if (!decimal_text(t, len))
            return mismatch(err, c, storage, row, "text is not a decimal number");
        return etlc_batch_append_var(b, col, ETLC_TYPE_DECIMAL, t, len, err);
    } else {
        return mismatch(err, c, storage, row, NULL);
    }
    return etlc_batch_append_var(b, col, ETLC_TYPE_DECIMAL, buf, (size_t)n, err);
}

/* Julian day number (SQLite's REAL date form) -> microseconds since epoch. */
static int64_t julian_to_micros(double jd) { return (int64_t)llround((jd - 2440587.5) * 86400e6); }

static int append_time(etlc_batch *b, size_t col, sqlite3_stmt *stmt, int storage, uint64_t row,
                       etlc_error *err)
{
    const etlc_column *c = &b->cols[col];
    bool is_date = c->def.type == ETLC_TYPE_DATE;
    int64_t micros;
    if (storage == SQLITE_TEXT) {
        const char *t = (const char *)sqlite3_column_text(stmt, (int)col);
        size_t len = (size_t)sqlite3_column_bytes(stmt, (int)col);
        if (is_date) {
            int32_t days;
            if (etlc_parse_date(t, len, &days) == 0)
                return etlc_batch_append_date(b, col, days, err);
        }
        if (etlc_parse_timestamp(t, len, &micros) != 0)
            return mismatch(err, c, storage, row, is_date ? "expected YYYY-MM-DD" : "expected an ISO-8601 date and time");
    } else if (storage == SQLITE_INTEGER) {
        micros = sqlite3_column_int64(stmt, (int)col) * 1000000; /* unix seconds */
    } else if (storage == SQLITE_FLOAT) {
        micros = julian_to_micros(sqlite3_column_double(stmt, (int)col));
    } else {
        return mismatch(err, c, storage, row, NULL);
    }
    if (is_date) {
        int64_t days = micros >= 0 ? micros / 86400000000LL : -((-micros + 86400000000LL - 1) / 86400000000LL);
        return etlc_batch_append_date(b, col, (int32_t)days, err);
    }
    return etlc_batch_append_timestamp(b, col, micros, err);
}

static int append_bool(etlc_batch *b, size_t col, sqlite3_stmt *stmt, int storage, uint64_t row,
                       etlc_error *err)
{
    const etlc_column *c = &b->cols[col];
    if (storage == SQLITE_INTEGER) {
        int64_t v = sqlite3_column_int64(stmt, (int)col);
        if (v == 0 || v == 1)
            return etlc_batch_append_bool(b, col, v == 1, err);
        return mismatch(err, c, storage, row, "a boolean must be 0 or 1");
    }
    if (storage == SQLITE_TEXT) {
        const char *t = (const char *)sqlite3_column_text(stmt, (int)col);
        if (etlc__strcasecmp(t, "true") == 0 || strcmp(t, "1") == 0)
            return etlc_batch_append_bool(b, col, true, err);
        if (etlc__strcasecmp(t, "false") == 0 || strcmp(t, "0") == 0)
            return etlc_batch_append_bool(b, col, false, err);
    }
    return mismatch(err, c, storage, row, "a boolean must be 0, 1, 'true' or 'false'");
}

int etlc__sqlite_append_value(etlc_batch *b, size_t col, sqlite3_stmt *stmt, uint64_t row,
                              etlc_error *err)
{
    int storage = sqlite3_column_type(stmt, (int)col);
    if (storage == SQLITE_NULL)
        return etlc_batch_append_null(b, col, err);
    etlc_column *c = &b->cols[col];
    etlc_type type = c->def.type;
    if (type == ETLC_TYPE_NULL) /* undeclared: the first value decides */
        type = storage == SQLITE_INTEGER ? ETLC_TYPE_INT64
             : storage == SQLITE_FLOAT   ? ETLC_TYPE_DOUBLE
             : storage == SQLITE_TEXT    ? ETLC_TYPE_TEXT
                                         : ETLC_TYPE_BYTES;
    switch (type) {
    case ETLC_TYPE_INT64:
        if (storage == SQLITE_INTEGER)
            return etlc_batch_append_int64(b, col, sqlite3_column_int64(stmt, (int)col), err);
        return mismatch(err, c, storage, row, c->def.type == ETLC_TYPE_NULL
                        ? "the expression mixes types across rows; CAST it to one type" : NULL);
    case ETLC_TYPE_DOUBLE:
        if (storage == SQLITE_INTEGER || storage == SQLITE_FLOAT)
            return etlc_batch_append_double(b, col, sqlite3_column_double(stmt, (int)col), err);
        return mismatch(err, c, storage, row, NULL);
    case ETLC_TYPE_BOOL:
        return append_bool(b, col, stmt, storage, row, err);
    case ETLC_TYPE_DECIMAL:
        return append_decimal(b, col, stmt, storage, row, err);
    case ETLC_TYPE_DATE:
    case ETLC_TYPE_TIMESTAMP:
        return append_time(b, col, stmt, storage, row, err);
    case ETLC_TYPE_TEXT:
    case ETLC_TYPE_JSON:
        if (storage == SQLITE_BLOB)
            return mismatch(err, c, storage, row, "binary data in a text column");
        /* integers and reals take SQLite's own text form */
        return etlc_batch_append_var(b, col, type, sqlite3_column_text(stmt, (int)col),
                                     (size_t)sqlite3_column_bytes(stmt, (int)col), err);
    case ETLC_TYPE_BYTES: {
        const void *p = sqlite3_column_blob(stmt, (int)col);
        return etlc_batch_append_var(b, col, type, p, (size_t)sqlite3_column_bytes(stmt, (int)col), err);
    }
    default:
        return mismatch(err, c, storage, row, NULL);
    }
}
