/* Oracle -> etlconn record types: how each described column is defined
 * (the OCI type it is fetched as) and how the fetched bytes become a value.
 * Text is fetched as UTF-8: the environment is created with AL32UTF8 for
 * both the database and the national character set. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oracle_internal.h"

#define NUMBER_TEXT_MAX 160 /* 40 digits, sign, point and Oracle's exponent forms */

void etlc__oracle_plan_column(ub2 dtype, int precision, int scale, ub2 data_size, ub2 char_size,
                              int64_t lob_max_bytes, oracle_col *col)
{
    col->dtype = dtype;
    col->precision = col->scale = 0;
    col->desc_type = 0;
    int64_t text_bytes = (char_size ? (int64_t)char_size : (int64_t)data_size) * 4; /* UTF-8: <= 4 bytes a char */
    if (text_bytes <= 0)
        text_bytes = 4000;
    switch (dtype) {
    case SQLT_NUM: case SQLT_INT:
        if (scale == 0 && precision > 0 && precision <= 18) {
            col->type = ETLC_TYPE_INT64;
            col->define_type = SQLT_INT;
            col->buf_size = 8;
        } else {
            col->type = ETLC_TYPE_DECIMAL;
            /* NUMBER without precision (or FLOAT, scale -127) has no fixed scale. */
            if (precision > 0 && precision <= 38 && scale >= 0 && scale <= precision) {
                col->precision = precision;
                col->scale = scale;
            }
            col->define_type = SQLT_STR;
            col->buf_size = NUMBER_TEXT_MAX;
        }
        return;
    case SQLT_IBFLOAT: case SQLT_IBDOUBLE: case SQLT_BFLOAT: case SQLT_BDOUBLE:
        col->type = ETLC_TYPE_DOUBLE;
        col->define_type = SQLT_BDOUBLE;
        col->buf_size = 8;
        return;
    case SQLT_CHR: case SQLT_AFC: case SQLT_AVC: case SQLT_STR:
        col->type = ETLC_TYPE_TEXT;
        col->define_type = SQLT_LVC;
        col->buf_size = (sb4)(4 + text_bytes);
        return;
    case SQLT_CLOB: case SQLT_LNG:
        col->type = ETLC_TYPE_TEXT;
        col->define_type = SQLT_LVC;
        col->buf_size = (sb4)(4 + lob_max_bytes);
        return;
    case SQLT_BIN:
        col->type = ETLC_TYPE_BYTES;
        col->define_type = SQLT_LVB;
        col->buf_size = (sb4)(4 + (data_size ? data_size : 2000));
        return;
    case SQLT_BLOB: case SQLT_LBI:
        col->type = ETLC_TYPE_BYTES;
        col->define_type = SQLT_LVB;
        col->buf_size = (sb4)(4 + lob_max_bytes);
        return;
    case SQLT_DAT:
        col->type = ETLC_TYPE_TIMESTAMP; /* an Oracle DATE has a time of day */
        col->define_type = SQLT_DAT;
        col->buf_size = 7;
        return;
    case SQLT_TIMESTAMP: case SQLT_TIMESTAMP_TZ: case SQLT_TIMESTAMP_LTZ:
        col->type = ETLC_TYPE_TIMESTAMP;
        col->define_type = dtype;
        col->desc_type = dtype == SQLT_TIMESTAMP ? OCI_DTYPE_TIMESTAMP
                       : dtype == SQLT_TIMESTAMP_TZ ? OCI_DTYPE_TIMESTAMP_TZ : OCI_DTYPE_TIMESTAMP_LTZ;
        col->buf_size = (sb4)sizeof(void *);
        return;
    default: /* ROWID, intervals, ...: Oracle's own text form */
        col->type = ETLC_TYPE_TEXT;
        col->define_type = SQLT_STR;
        col->buf_size = 4001;
        return;
    }
}

int etlc__oracle_decode_date(const ub1 d[7], int64_t *micros)
{
    int year = (d[0] - 100) * 100 + (d[1] - 100);
    unsigned month = d[2], day = d[3];
    int hour = d[4] - 1, minute = d[5] - 1, second = d[6] - 1;
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
        second < 0 || second > 59)
        return -1;
    int64_t days = etlc_days_from_civil(year, month, day);
    *micros = (days * 86400 + hour * 3600 + minute * 60 + second) * 1000000LL;
    return 0;
}

int etlc__oracle_number_text(const char *in, size_t len, char *out, size_t outsz)
{
    /* Oracle prints "-.5", "1E+20" or "1.5E-7" for some values; a record
     * decimal is plain: sign, digits, optional point and digits. */
    char digits[NUMBER_TEXT_MAX];
    size_t nd = 0, i = 0;
    bool neg = false;
    int point = -1; /* digits before the point */
    long exp = 0;
    while (i < len && in[i] == ' ')
        i++;
    if (i < len && (in[i] == '-' || in[i] == '+'))
        neg = in[i++] == '-';
    for (; i < len && (isdigit((unsigned char)in[i]) || in[i] == '.'); i++) {
        if (in[i] == '.') {
            if (point >= 0)
                return -1;
            point = (int)nd;
        } else if (nd < sizeof digits) {
            digits[nd++] = in[i];
        } else {
            return -1;
        }
    }
    if (nd == 0)
        return -1;
    if (point < 0)
        point = (int)nd;
    if (i < len && (in[i] == 'E' || in[i] == 'e')) {
        char *end;
        char tmp[16];
        size_t el = len - i - 1 < sizeof tmp - 1 ? len - i - 1 : sizeof tmp - 1;
        memcpy(tmp, in + i + 1, el);
        tmp[el] = '\0';
        exp = strtol(tmp, &end, 10);
        if (end == tmp || *end || exp > 200 || exp < -200)
            return -1;
        i = len;
    }
    while (i < len && in[i] == ' ')
        i++;
    if (i != len)
        return -1;
    long int_digits = point + exp; /* position of the point within `digits` */
    size_t o = 0;
#define PUT(c) do { if (o + 1 >= outsz) return -1; out[o++] = (c); } while (0)
    if (neg)
        PUT('-');
    if (int_digits <= 0) {
        PUT('0');
    } else {
        for (long k = 0; k < int_digits; k++)
            PUT(k < (long)nd ? digits[k] : '0');
    }
    if ((long)nd > int_digits) {
        PUT('.');
        for (long k = int_digits; k < 0; k++)
            PUT('0');
        for (long k = int_digits < 0 ? 0 : int_digits; k < (long)nd; k++)
            PUT(digits[k]);
    }
#undef PUT
    out[o] = '\0';
    /* "-0" is zero */
    if (strcmp(out, "-0") == 0)
        memmove(out, out + 1, 2), o = 1;
    return (int)o;
}

static int bad(etlc_error *err, const oracle_col *c, uint64_t row, const char *why)
{
    return etlc_error_set(err, ETLC_DATA_TYPE, "column '%s' (Oracle type %u) row %llu: %s", c->name, c->dtype,
                          (unsigned long long)row + 1, why);
}

static int append_timestamp(oracle_ctx *ctx, etlc_batch *b, size_t i, oracle_col *c, uint64_t row, etlc_error *err)
{
    sb2 y;
    ub1 mo, d, h, mi, s;
    ub4 ns;
    OCIDateTime *dt = c->desc;
    if (ctx->api.DateTimeGetDate(ctx->env, ctx->errh, dt, &y, &mo, &d) != OCI_SUCCESS ||
        ctx->api.DateTimeGetTime(ctx->env, ctx->errh, dt, &h, &mi, &s, &ns) != OCI_SUCCESS)
        return bad(err, c, row, "timestamp cannot be read");
    int64_t micros = ((int64_t)etlc_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * 1000000LL + ns / 1000;
    if (c->dtype != SQLT_TIMESTAMP) { /* with (local) time zone: to UTC */
        sb1 tzh = 0, tzm = 0;
        if (ctx->api.DateTimeGetTimeZoneOffset(ctx->env, ctx->errh, dt, &tzh, &tzm) != OCI_SUCCESS)
            return bad(err, c, row, "time zone offset cannot be read");
        int offset = tzh * 60 + (tzh < 0 && tzm > 0 ? -tzm : tzm);
        micros -= (int64_t)offset * 60000000LL;
    }
    return etlc_batch_append_timestamp(b, i, micros, err);
}

int etlc__oracle_append(oracle_ctx *ctx, etlc_batch *b, size_t i, oracle_col *c, uint64_t row, etlc_error *err)
{
    if (c->ind == -1)
        return etlc_batch_append_null(b, i, err);
    if (c->ind != 0 || c->rcode == 1406) {
        char why[160];
        snprintf(why, sizeof why, "value is larger than the %lld-byte buffer%s", (long long)c->buf_size,
                 c->define_type == SQLT_LVC || c->define_type == SQLT_LVB ? " (raise lob_max_bytes)" : "");
        return bad(err, c, row, why);
    }
    switch (c->define_type) {
    case SQLT_INT: {
        int64_t v;
        memcpy(&v, c->buf, 8);
        return etlc_batch_append_int64(b, i, v, err);
    }
    case SQLT_BDOUBLE: {
        double v;
        memcpy(&v, c->buf, 8);
        return etlc_batch_append_double(b, i, v, err);
    }
    case SQLT_LVC: case SQLT_LVB: {
        sb4 n;
        memcpy(&n, c->buf, 4);
        if (n < 0 || n > c->buf_size - 4)
            return bad(err, c, row, "value length out of range");
        return etlc_batch_append_var(b, i, c->type, (const char *)c->buf + 4, (size_t)n, err);
    }
    case SQLT_DAT: {
        int64_t micros;
        if (etlc__oracle_decode_date(c->buf, &micros) != 0)
            return bad(err, c, row, "not a valid DATE");
        return etlc_batch_append_timestamp(b, i, micros, err);
    }
    case SQLT_TIMESTAMP: case SQLT_TIMESTAMP_TZ: case SQLT_TIMESTAMP_LTZ:
        return append_timestamp(ctx, b, i, c, row, err);
    case SQLT_STR:
        if (c->type == ETLC_TYPE_DECIMAL) {
            char txt[NUMBER_TEXT_MAX + 8];
            int n = etlc__oracle_number_text(c->buf, strlen(c->buf), txt, sizeof txt);
            if (n < 0)
                return bad(err, c, row, "NUMBER text cannot be read as a decimal");
            return etlc_batch_append_var(b, i, ETLC_TYPE_DECIMAL, txt, (size_t)n, err);
        }
        return etlc_batch_append_var(b, i, ETLC_TYPE_TEXT, c->buf, strlen(c->buf), err);
    default:
        return bad(err, c, row, "no conversion for this column type");
    }
}
