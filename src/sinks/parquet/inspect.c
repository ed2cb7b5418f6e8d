/* Footer reader: FileMetaData -> JSON for `etlconn inspect`. Input is
 * untrusted: every read is bounds-checked (see tests/fuzz). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/parquet/pq.h"
#include "sinks/parquet/thrift.h"
#include "sinks/parquet/footer_parse.h"

static void parse_logical(tc_reader *r, ins_schema *s)
{
    tcr_struct_enter(r);
    int16_t last = 0, id;
    uint8_t t;
    while (tcr_field(r, &last, &id, &t)) {
        if (t != TC_STRUCT) {
            tcr_skip(r, t);
            continue;
        }
        s->logical = id;
        tcr_struct_enter(r);
        int16_t l2 = 0, id2;
        uint8_t t2;
        while (tcr_field(r, &l2, &id2, &t2)) {
            if (id == PQ_LT_DECIMAL && id2 == 1 && t2 == TC_I32)
                s->lt_scale = tcr_i32(r);
            else if (id == PQ_LT_DECIMAL && id2 == 2 && t2 == TC_I32)
                s->lt_precision = tcr_i32(r);
            else if ((id == PQ_LT_TIMESTAMP || id == PQ_LT_TIME) && id2 == 1 &&
                     (t2 == TC_TRUE || t2 == TC_FALSE))
                s->ts_utc = t2 == TC_TRUE;
            else if (id == PQ_LT_INTEGER && id2 == 1 && t2 == TC_BYTE && r->p < r->end)
                s->int_bits = (int8_t)*r->p++;
            else if (id == PQ_LT_INTEGER && id2 == 2 && (t2 == TC_TRUE || t2 == TC_FALSE))
                s->int_signed = t2 == TC_TRUE;
            else if ((id == PQ_LT_TIMESTAMP || id == PQ_LT_TIME) && id2 == 2 && t2 == TC_STRUCT) {
                tcr_struct_enter(r);
                int16_t l3 = 0, id3;
                uint8_t t3;
                while (tcr_field(r, &l3, &id3, &t3)) {
                    if (t3 == TC_STRUCT)
                        s->ts_unit = id3;
                    if (t3 != TC_TRUE && t3 != TC_FALSE)
                        tcr_skip(r, t3);
                }
                tcr_struct_leave(r);
            } else if (t2 != TC_TRUE && t2 != TC_FALSE)
                tcr_skip(r, t2);
        }
        tcr_struct_leave(r);
    }
    tcr_struct_leave(r);
}

static void parse_schema_element(tc_reader *r, ins_schema *s)
{
    memset(s, 0, sizeof *s);
    s->type = s->converted = s->repetition = -1;
    tcr_struct_enter(r);
    int16_t last = 0, id;
    uint8_t t;
    while (tcr_field(r, &last, &id, &t)) {
        if (t == TC_I32 && id >= 1 && id <= 8 && id != 4) {
            int32_t v = tcr_i32(r);
            switch (id) {
            case 1: s->type = v; break;
            case 2: s->type_length = v; break;
            case 3: s->repetition = v; break;
            case 5: s->num_children = v; break;
            case 6: s->converted = v; break;
            case 7: s->scale = v; break;
            case 8: s->precision = v; break;
            }
        } else if (id == 4 && t == TC_BINARY) {
            s->name = tcr_binary(r, &s->name_len);
        } else if (id == 10 && t == TC_STRUCT) {
            parse_logical(r, s);
        } else if (t != TC_TRUE && t != TC_FALSE) {
            tcr_skip(r, t);
        }
    }
    tcr_struct_leave(r);
}

static void parse_stats(tc_reader *r, ins_stats *st)
{
    tcr_struct_enter(r);
    int16_t last = 0, id;
    uint8_t t;
    const uint8_t *old_min = NULL, *old_max = NULL;
    size_t old_minlen = 0, old_maxlen = 0;
    while (tcr_field(r, &last, &id, &t)) {
        if (id == 3 && t == TC_I64) {
            st->null_count = tcr_i64(r);
            st->has_nulls = true;
        } else if (t == TC_BINARY && (id == 5 || id == 6 || id == 1 || id == 2)) {
            size_t len;
            const uint8_t *p = tcr_binary(r, &len);
            if (id == 5) { st->max = p; st->maxlen = len; st->has_max = true; }
            if (id == 6) { st->min = p; st->minlen = len; st->has_min = true; }
            if (id == 1) { old_max = p; old_maxlen = len; }
            if (id == 2) { old_min = p; old_minlen = len; }
        } else if (t != TC_TRUE && t != TC_FALSE) {
            tcr_skip(r, t);
        }
    }
    (void)old_min; (void)old_max; (void)old_minlen; (void)old_maxlen;
    tcr_struct_leave(r);
}

static void parse_column_meta(tc_reader *r, ins *in, ins_col *c)
{
    c->has_meta = true;
    tcr_struct_enter(r);
    int16_t last = 0, id;
    uint8_t t;
    while (tcr_field(r, &last, &id, &t)) {
        if (id == 1 && t == TC_I32) c->type = tcr_i32(r);
        else if (id == 4 && t == TC_I32) c->codec = tcr_i32(r);
        else if (id == 5 && t == TC_I64) c->num_values = tcr_i64(r);
        else if (id == 6 && t == TC_I64) c->unc = tcr_i64(r);
        else if (id == 7 && t == TC_I64) c->comp = tcr_i64(r);
        else if (id == 9 && t == TC_I64) c->data_off = tcr_i64(r);
        else if (id == 11 && t == TC_I64) { c->dict_off = tcr_i64(r); c->has_dict = true; }
        else if (id == 12 && t == TC_STRUCT) parse_stats(r, &c->stats);
        else if (id == 2 && t == TC_LIST) {
            uint8_t et;
            size_t n = tcr_list(r, &et);
            for (size_t i = 0; i < n && !r->failed; i++) {
                if (et != TC_I32) { tcr_skip(r, et); continue; }
                int32_t e = tcr_i32(r);
                if (e >= 0 && e < 32) c->encodings |= 1u << e;
            }
        } else if (id == 3 && t == TC_LIST) {
            uint8_t et;
            size_t n = tcr_list(r, &et);
            c->path_off = in->paths.len;
            for (size_t i = 0; i < n && !r->failed; i++) {
                if (et != TC_BINARY) { tcr_skip(r, et); continue; }
                size_t len;
                const uint8_t *p = tcr_binary(r, &len);
                if (r->failed)
                    break;
                if ((i && etlc__buf_putc(&in->paths, '.') != 0) ||
                    etlc__buf_append(&in->paths, p, len) != 0)
                    in->nomem = r->failed = true;
            }
            c->path_len = in->paths.len - c->path_off;
        } else if (t != TC_TRUE && t != TC_FALSE) {
            tcr_skip(r, t);
        }
    }
    tcr_struct_leave(r);
}

static ins_col *new_col(ins *in)
{
    if (in->ncols == in->cols_cap) {
        size_t cap = in->cols_cap ? in->cols_cap * 2 : 16;
        ins_col *c = realloc(in->cols, cap * sizeof *c);
        if (!c)
            return NULL;
        in->cols = c;
        in->cols_cap = cap;
    }
    ins_col *c = &in->cols[in->ncols++];
    memset(c, 0, sizeof *c);
    c->type = -1;
    return c;
}

static void parse_row_group(tc_reader *r, ins *in, ins_rg *g)
{
    memset(g, 0, sizeof *g);
    g->first_col = in->ncols;
    tcr_struct_enter(r);
    int16_t last = 0, id;
    uint8_t t;
    while (tcr_field(r, &last, &id, &t)) {
        if (id == 1 && t == TC_LIST) {
            uint8_t et;
            size_t n = tcr_list(r, &et);
            for (size_t i = 0; i < n && !r->failed; i++) {
                if (et != TC_STRUCT || g->ncols != in->ncols - g->first_col) {
                    tcr_skip(r, et);
                    continue;
                }
                ins_col *c = new_col(in);
                if (!c) {
                    in->nomem = r->failed = true;
                    break;
                }
                g->ncols++;
                tcr_struct_enter(r);
                int16_t l2 = 0, id2;
                uint8_t t2;
                while (tcr_field(r, &l2, &id2, &t2)) {
                    if (id2 == 3 && t2 == TC_STRUCT)
                        parse_column_meta(r, in, c);
                    else if (t2 != TC_TRUE && t2 != TC_FALSE)
                        tcr_skip(r, t2);
                }
                tcr_struct_leave(r);
            }
        } else if (id == 2 && t == TC_I64) g->total_byte_size = tcr_i64(r);
        else if (id == 3 && t == TC_I64) g->num_rows = tcr_i64(r);
        else if (id == 6 && t == TC_I64) g->total_compressed = tcr_i64(r);
        else if (t != TC_TRUE && t != TC_FALSE) tcr_skip(r, t);
    }
    tcr_struct_leave(r);
}

void pq_footer_parse(tc_reader *r, ins *in)
{
    int16_t last = 0, id;
    uint8_t t;
    while (tcr_field(r, &last, &id, &t)) {
        if (id == 1 && t == TC_I32) {
            in->version = tcr_i32(r);
        } else if (id == 3 && t == TC_I64) {
            in->num_rows = tcr_i64(r);
        } else if (id == 6 && t == TC_BINARY) {
            in->created_by = tcr_binary(r, &in->created_by_len);
        } else if (t == TC_LIST && (id == 2 || id == 4 || id == 5)) {
            uint8_t et;
            size_t n = tcr_list(r, &et);
            if (et != TC_STRUCT || (id == 2 && in->schema) || (id == 4 && in->rgs) ||
                (id == 5 && in->kv)) {
                for (size_t i = 0; i < n && !r->failed; i++)
                    tcr_skip(r, et);
                continue;
            }
            if (n == 0)
                continue;
            if (id == 2) {
                if (!(in->schema = calloc(n, sizeof *in->schema))) { in->nomem = r->failed = true; return; }
                for (size_t i = 0; i < n && !r->failed; i++)
                    parse_schema_element(r, &in->schema[in->nschema++]);
            } else if (id == 4) {
                if (!(in->rgs = calloc(n, sizeof *in->rgs))) { in->nomem = r->failed = true; return; }
                for (size_t i = 0; i < n && !r->failed; i++)
                    parse_row_group(r, in, &in->rgs[in->nrgs++]);
            } else {
                in->kv = calloc(2 * n, sizeof *in->kv);
                in->kvlen = calloc(2 * n, sizeof *in->kvlen);
                if (!in->kv || !in->kvlen) { in->nomem = r->failed = true; return; }
                for (size_t i = 0; i < n && !r->failed; i++) {
                    size_t k = in->nkv++;
                    tcr_struct_enter(r);
                    int16_t l2 = 0, id2;
                    uint8_t t2;
                    while (tcr_field(r, &l2, &id2, &t2)) {
                        if ((id2 == 1 || id2 == 2) && t2 == TC_BINARY)
                            in->kv[2 * k + (size_t)(id2 - 1)] =
                                tcr_binary(r, &in->kvlen[2 * k + (size_t)(id2 - 1)]);
                        else if (t2 != TC_TRUE && t2 != TC_FALSE)
                            tcr_skip(r, t2);
                    }
                    tcr_struct_leave(r);
                }
            }
        } else if (t != TC_TRUE && t != TC_FALSE) {
            tcr_skip(r, t);
        }
    }
}

/* ---- JSON rendering -------------------------------------------------------- */

static const char *type_name(int t)
{
    static const char *n[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE",
                              "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
    return t >= 0 && t < 8 ? n[t] : "UNKNOWN";
}

static const char *codec_name(int c)
{
    static const char *n[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD",
                              "LZ4_RAW"};
    return c >= 0 && c < 8 ? n[c] : "UNKNOWN";
}

static const char *encoding_name(unsigned e)
{
    static const char *n[] = {"PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
                              "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
                              "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
    return e < 10 ? n[e] : "UNKNOWN";
}

static const char *logical_name(int l)
{
    switch (l) {
    case PQ_LT_STRING: return "STRING";
    case PQ_LT_MAP: return "MAP";
    case PQ_LT_LIST: return "LIST";
    case PQ_LT_ENUM: return "ENUM";
    case PQ_LT_DECIMAL: return "DECIMAL";
    case PQ_LT_DATE: return "DATE";
    case PQ_LT_TIME: return "TIME";
    case PQ_LT_TIMESTAMP: return "TIMESTAMP";
    case PQ_LT_INTEGER: return "INTEGER";
    case PQ_LT_NULL: return "NULL";
    case PQ_LT_JSON: return "JSON";
    case PQ_LT_BSON: return "BSON";
    case PQ_LT_UUID: return "UUID";
    case PQ_LT_FLOAT16: return "FLOAT16";
    case 16: return "VARIANT";
    case 17: return "GEOMETRY";
    case 18: return "GEOGRAPHY";
    default: return NULL;
    }
}

static const char *converted_name(int c)
{
    static const char *n[] = {"UTF8", "MAP", "MAP_KEY_VALUE", "LIST", "ENUM", "DECIMAL", "DATE", "TIME_MILLIS",
                              "TIME_MICROS", "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "UINT_8", "UINT_16",
                              "UINT_32", "UINT_64", "INT_8", "INT_16", "INT_32", "INT_64", "JSON", "BSON",
                              "INTERVAL"};
    return c >= 0 && c < 22 ? n[c] : "UNKNOWN";
}

static const char *unit_name(int u)
{
    return u == 1 ? "MILLIS" : u == 2 ? "MICROS" : u == 3 ? "NANOS" : "UNKNOWN";
}

/* Is a leaf unsigned (INTEGER(n, false) or a legacy UINT_n)? */
static bool leaf_unsigned(const ins_schema *leaf)
{
    return leaf && ((leaf->logical == PQ_LT_INTEGER && !leaf->int_signed) ||
                    (leaf->converted >= PQ_CT_UINT_8 && leaf->converted <= PQ_CT_UINT_64));
}

/* The time unit of a TIMESTAMP / TIME leaf, from its logical or legacy type (0 = none). */
static int leaf_unit(const ins_schema *leaf, bool *is_time)
{
    *is_time = false;
    if (!leaf)
        return 0;
    if (leaf->logical == PQ_LT_TIMESTAMP || leaf->logical == PQ_LT_TIME) {
        *is_time = leaf->logical == PQ_LT_TIME;
        return leaf->ts_unit;
    }
    *is_time = leaf->converted == PQ_CT_TIME_MILLIS || leaf->converted == PQ_CT_TIME_MICROS;
    if (leaf->converted == PQ_CT_TIME_MILLIS || leaf->converted == PQ_CT_TIMESTAMP_MILLIS)
        return 1;
    if (leaf->converted == PQ_CT_TIME_MICROS || leaf->converted == PQ_CT_TIMESTAMP_MICROS)
        return 2;
    return 0;
}

static int put_str(etlc__buf *b, const uint8_t *p, size_t len)
{
    return etlc__buf_json_string(b, p ? (const char *)p : "", p ? len : 0);
}

static int put_double(etlc__buf *b, double d)
{
    if (isnan(d))
        return etlc__buf_puts(b, "\"NaN\"");
    if (isinf(d))
        return etlc__buf_puts(b, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return etlc__buf_printf(b, "%.17g", d);
}

/* A TIMESTAMP / TIME statistic in its unit, as text. */
static int put_time(etlc__buf *b, int64_t v, int unit, bool is_time, bool utc)
{
    char tmp[64];
    int64_t per_us = unit == 3 ? 1000 : 1, us_per = unit == 1 ? 1000 : 1;
    int64_t sub = unit == 3 ? v % 1000 : 0;
    v = unit == 3 ? v / 1000 : v;
    if (v > INT64_MAX / us_per || v < INT64_MIN / us_per)
        return etlc__buf_printf(b, "%" PRId64, v);
    v *= us_per;
    if (is_time) {
        if (v < 0 || v > INT64_C(86400000000))
            return etlc__buf_printf(b, "%" PRId64, v);
        snprintf(tmp, sizeof tmp, "%02d:%02d:%02d.%06d", (int)(v / 3600000000), (int)(v / 60000000 % 60),
                 (int)(v / 1000000 % 60), (int)(v % 1000000));
    } else {
        etlc_format_timestamp(v, tmp, sizeof tmp);
        size_t n = strlen(tmp);
        if (!utc && n && tmp[n - 1] == 'Z') /* a local timestamp names no zone */
            tmp[n - 1] = '\0';
    }
    if (per_us > 1 && sub) /* the nanoseconds past the microsecond, kept */
        snprintf(tmp + strlen(tmp), sizeof tmp - strlen(tmp), " +%03dns", (int)(sub < 0 ? -sub : sub));
    return put_str(b, (const uint8_t *)tmp, strlen(tmp));
}

static int put_int_stat(etlc__buf *b, const ins_col *c, const ins_schema *leaf, const uint8_t *p, size_t len)
{
    int logical = leaf ? leaf->logical : 0, converted = leaf ? leaf->converted : -1;
    char tmp[64];
    size_t need = c->type == PQ_INT32 ? 4 : 8;
    if (len != need)
        return etlc__buf_puts(b, "null");
    int64_t v;
    if (need == 4) {
        int32_t v32;
        memcpy(&v32, p, 4);
        v = leaf_unsigned(leaf) ? (int64_t)(uint32_t)v32 : v32;
    } else {
        memcpy(&v, p, 8);
    }
    bool is_time;
    int unit = leaf_unit(leaf, &is_time);
    if ((logical == PQ_LT_DATE || converted == PQ_CT_DATE) && c->type == PQ_INT32) {
        etlc_format_date((int32_t)v, tmp, sizeof tmp);
        return put_str(b, (const uint8_t *)tmp, strlen(tmp));
    }
    if (unit)
        return put_time(b, v, unit, is_time, !(leaf->logical == PQ_LT_TIMESTAMP && !leaf->ts_utc));
    if (logical == PQ_LT_DECIMAL || converted == PQ_CT_DECIMAL) {
        int scale = logical == PQ_LT_DECIMAL ? leaf->lt_scale : leaf->scale;
        if (scale < 0 || scale > 38)
            scale = 0;
        pq_decimal_format(v, scale, tmp, sizeof tmp);
        return put_str(b, (const uint8_t *)tmp, strlen(tmp));
    }
    if (need == 8 && leaf_unsigned(leaf) && v < 0) /* above INT64_MAX: a string, exact in every JSON parser */
        return etlc__buf_printf(b, "\"%" PRIu64 "\"", (uint64_t)v);
    return etlc__buf_printf(b, "%" PRId64, v);
}

/* IEEE half -> double. */
static double half_value(uint16_t h)
{
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(m + 1024, e - 25);
    return (h & 0x8000) ? -v : v;
}

/* Render one statistics value according to the column's types. */
static int put_stat(etlc__buf *b, const ins_col *c, const ins_schema *leaf, const uint8_t *p,
                    size_t len)
{
    int logical = leaf ? leaf->logical : 0;
    int converted = leaf ? leaf->converted : -1;
    char tmp[64];
    switch (c->type) {
    case PQ_BOOLEAN:
        return etlc__buf_puts(b, len >= 1 && p[0] ? "true" : "false");
    case PQ_INT32:
    case PQ_INT64:
        return put_int_stat(b, c, leaf, p, len);
    case PQ_FLOAT:
    case PQ_DOUBLE: {
        double d;
        if (c->type == PQ_FLOAT && len == 4) {
            float f;
            memcpy(&f, p, 4);
            d = f;
        } else if (c->type == PQ_DOUBLE && len == 8) {
            memcpy(&d, p, 8);
        } else {
            return etlc__buf_puts(b, "null");
        }
        return put_double(b, d);
    }
    default:
        if (logical == PQ_LT_FLOAT16 && len == 2)
            return put_double(b, half_value((uint16_t)(p[0] | p[1] << 8)));
        if ((logical == PQ_LT_DECIMAL || converted == PQ_CT_DECIMAL) && len >= 1 && len <= 16) {
            int scale = logical == PQ_LT_DECIMAL ? leaf->lt_scale : leaf->scale;
            if (scale < 0 || scale > 38)
                scale = 0;
            pq_decimal_format(pq_be_to_i128(p, len), scale, tmp, sizeof tmp);
            return put_str(b, (const uint8_t *)tmp, strlen(tmp));
        }
        if (logical == PQ_LT_UUID && len == 16) {
            static const char hx[] = "0123456789abcdef";
            char u[37];
            size_t k = 0;
            for (size_t i = 0; i < 16; i++) {
                if (i == 4 || i == 6 || i == 8 || i == 10)
                    u[k++] = '-';
                u[k++] = hx[p[i] >> 4];
                u[k++] = hx[p[i] & 15];
            }
            return put_str(b, (const uint8_t *)u, k);
        }
        if (logical == PQ_LT_STRING || logical == PQ_LT_JSON || logical == PQ_LT_ENUM ||
            converted == PQ_CT_UTF8 || converted == PQ_CT_JSON || converted == PQ_CT_ENUM)
            return put_str(b, p, len);
        /* other binary: hex */
        if (etlc__buf_puts(b, "\"0x") != 0)
            return -1;
        for (size_t i = 0; i < len; i++)
            if (etlc__buf_printf(b, "%02x", p[i]) != 0)
                return -1;
        return etlc__buf_putc(b, '"');
    }
}

/* The logical type's parameters, after "logical_type". */
static int put_logical_params(etlc__buf *b, const ins_schema *s)
{
    if (s->logical == PQ_LT_DECIMAL)
        return etlc__buf_printf(b, ",\"precision\":%d,\"scale\":%d", s->lt_precision, s->lt_scale);
    if (s->logical == PQ_LT_TIMESTAMP || s->logical == PQ_LT_TIME)
        return etlc__buf_printf(b, ",\"unit\":\"%s\",\"utc\":%s", unit_name(s->ts_unit),
                                s->ts_utc ? "true" : "false");
    if (s->logical == PQ_LT_INTEGER)
        return etlc__buf_printf(b, ",\"bit_width\":%d,\"signed\":%s", s->int_bits,
                                s->int_signed ? "true" : "false");
    return 0;
}

static int render(const ins *in, etlc__buf *b)
{
    int rc = 0;
    rc |= etlc__buf_printf(b, "{\"version\":%d,\"num_rows\":%" PRId64 ",\"created_by\":",
                           in->version, in->num_rows);
    rc |= put_str(b, in->created_by, in->created_by_len);
    rc |= etlc__buf_puts(b, ",\"key_value_metadata\":{");
    for (size_t i = 0; i < in->nkv; i++) {
        rc |= etlc__buf_puts(b, i ? "," : "");
        rc |= put_str(b, in->kv[2 * i], in->kvlen[2 * i]);
        rc |= etlc__buf_putc(b, ':');
        if (in->kv[2 * i + 1])
            rc |= put_str(b, in->kv[2 * i + 1], in->kvlen[2 * i + 1]);
        else
            rc |= etlc__buf_puts(b, "null");
    }
    rc |= etlc__buf_puts(b, "},\"schema\":[");
    /* Leaves (elements without children) map to the row groups' columns. */
    size_t nleaves = 0;
    for (size_t i = 1; i < in->nschema; i++) {
        const ins_schema *s = &in->schema[i];
        rc |= etlc__buf_puts(b, i > 1 ? ",{\"name\":" : "{\"name\":");
        rc |= put_str(b, s->name, s->name_len);
        if (s->num_children > 0) {
            rc |= etlc__buf_printf(b, ",\"num_children\":%d}", s->num_children);
            continue;
        }
        nleaves++;
        rc |= etlc__buf_printf(b, ",\"physical_type\":\"%s\"", type_name(s->type));
        if (s->type == PQ_FLBA)
            rc |= etlc__buf_printf(b, ",\"type_length\":%d", s->type_length);
        rc |= etlc__buf_printf(b, ",\"repetition\":\"%s\"",
                               s->repetition == 0 ? "REQUIRED" : s->repetition == 2 ? "REPEATED"
                                                                                    : "OPTIONAL");
        const char *ln = logical_name(s->logical);
        if (ln) {
            rc |= etlc__buf_printf(b, ",\"logical_type\":\"%s\"", ln);
            rc |= put_logical_params(b, s);
        }
        if (s->converted >= 0) {
            rc |= etlc__buf_printf(b, ",\"converted_type\":\"%s\"", converted_name(s->converted));
            if (s->converted == PQ_CT_DECIMAL && !ln)
                rc |= etlc__buf_printf(b, ",\"precision\":%d,\"scale\":%d", s->precision, s->scale);
        }
        rc |= etlc__buf_putc(b, '}');
    }
    /* The k-th column of a row group is the k-th leaf of the schema. */
    const ins_schema **leaves = nleaves ? malloc(nleaves * sizeof *leaves) : NULL;
    if (nleaves && !leaves)
        return -1;
    for (size_t i = 1, k = 0; i < in->nschema; i++)
        if (in->schema[i].num_children <= 0)
            leaves[k++] = &in->schema[i];
    rc |= etlc__buf_printf(b, "],\"num_row_groups\":%zu,\"row_groups\":[", in->nrgs);
    for (size_t g = 0; g < in->nrgs; g++) {
        const ins_rg *rg = &in->rgs[g];
        rc |= etlc__buf_printf(b, "%s{\"num_rows\":%" PRId64 ",\"total_byte_size\":%" PRId64
                                  ",\"total_compressed_size\":%" PRId64 ",\"columns\":[",
                               g ? "," : "", rg->num_rows, rg->total_byte_size, rg->total_compressed);
        for (size_t k = 0; k < rg->ncols; k++) {
            const ins_col *c = &in->cols[rg->first_col + k];
            const ins_schema *leaf = k < nleaves ? leaves[k] : NULL;
            rc |= etlc__buf_puts(b, k ? ",{\"path\":" : "{\"path\":");
            rc |= put_str(b, (const uint8_t *)in->paths.data + c->path_off, c->path_len);
            rc |= etlc__buf_printf(b, ",\"physical_type\":\"%s\",\"codec\":\"%s\",\"encodings\":[",
                                   type_name(c->type), codec_name(c->codec));
            bool first = true;
            for (unsigned e = 0; e < 32; e++)
                if ((c->encodings >> e) & 1u) {
                    rc |= etlc__buf_printf(b, "%s\"%s\"", first ? "" : ",", encoding_name(e));
                    first = false;
                }
            rc |= etlc__buf_printf(b, "],\"num_values\":%" PRId64 ",\"total_compressed_size\":%" PRId64
                                      ",\"total_uncompressed_size\":%" PRId64
                                      ",\"data_page_offset\":%" PRId64,
                                   c->num_values, c->comp, c->unc, c->data_off);
            if (c->has_dict)
                rc |= etlc__buf_printf(b, ",\"dictionary_page_offset\":%" PRId64, c->dict_off);
            rc |= etlc__buf_puts(b, ",\"statistics\":{");
            bool any = false;
            if (c->stats.has_nulls) {
                rc |= etlc__buf_printf(b, "\"null_count\":%" PRId64, c->stats.null_count);
                any = true;
            }
            if (c->stats.has_min && c->stats.has_max) {
                rc |= etlc__buf_puts(b, any ? ",\"min\":" : "\"min\":");
                rc |= put_stat(b, c, leaf, c->stats.min, c->stats.minlen);
                rc |= etlc__buf_puts(b, ",\"max\":");
                rc |= put_stat(b, c, leaf, c->stats.max, c->stats.maxlen);
            }
            rc |= etlc__buf_puts(b, "}}");
        }
        rc |= etlc__buf_puts(b, "]}");
    }
    rc |= etlc__buf_puts(b, "]}");
    free(leaves);
    return rc ? -1 : 0;
}

void pq_footer_free(ins *in)
{
    free(in->schema);
    free(in->rgs);
    free(in->cols);
    free(in->kv);
    free(in->kvlen);
    etlc__buf_free(&in->paths);
}

int etlc_parquet_inspect(const void *file_bytes, size_t len, char **json, etlc_error *err)
{
    *json = NULL;
    const uint8_t *f = file_bytes;
    if (!f || len < 12 || memcmp(f, "PAR1", 4) != 0 || memcmp(f + len - 4, "PAR1", 4) != 0)
        return etlc_error_set(err, ETLC_DATA, "not a Parquet file (%zu bytes, no PAR1 magic at both "
                              "ends)", len);
    uint32_t flen = (uint32_t)f[len - 8] | (uint32_t)f[len - 7] << 8 | (uint32_t)f[len - 6] << 16 |
                    (uint32_t)f[len - 5] << 24;
    if (flen == 0 || flen > len - 12)
        return etlc_error_set(err, ETLC_DATA, "Parquet footer length %u does not fit a %zu-byte file",
                              flen, len);
    tc_reader r = {.p = f + len - 8 - flen, .end = f + len - 8};
    ins in;
    memset(&in, 0, sizeof in);
    pq_footer_parse(&r, &in);
    int rc = 0;
    if (in.nomem) {
        rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading a Parquet footer");
    } else if (r.failed) {
        rc = etlc_error_set(err, ETLC_DATA, "Parquet footer is malformed near byte %zu of %u",
                            (size_t)(r.p - (f + len - 8 - flen)), flen);
    } else if (in.nschema == 0) {
        rc = etlc_error_set(err, ETLC_DATA, "Parquet footer has no schema");
    } else {
        etlc__buf out = {0};
        if (render(&in, &out) != 0) {
            etlc__buf_free(&out);
            rc = etlc_error_set(err, ETLC_NO_MEMORY, "out of memory rendering a Parquet footer");
        } else {
            *json = etlc__buf_take(&out);
        }
    }
    pq_footer_free(&in);
    return rc;
}

int etlc_parquet_inspect_file(const char *path, char **json, etlc_error *err)
{
    *json = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return etlc_error_set(err, etlc_code_from_errno(errno), "cannot open \"%s\": %s", path,
                              strerror(errno));
    /* Only the tail is needed: read the footer length, then the footer. */
    int rc = 0;
    uint8_t *buf = NULL;
    long size;
    uint8_t tail[8];
    if (fseek(fp, 0, SEEK_END) != 0 || (size = ftell(fp)) < 12 || fseek(fp, size - 8, SEEK_SET) != 0 ||
        fread(tail, 1, 8, fp) != 8) {
        fclose(fp);
        return etlc_error_set(err, ETLC_DATA, "\"%s\" is not a Parquet file (too short)", path);
    }
    uint32_t flen = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 |
                    (uint32_t)tail[3] << 24;
    if ((uint64_t)flen + 12 > (uint64_t)size) {
        fclose(fp);
        return etlc_error_set(err, ETLC_DATA, "\"%s\": footer length %u does not fit the file", path,
                              flen);
    }
    /* Rebuild a small image: magic + footer + tail, which inspect accepts. */
    size_t n = 4 + (size_t)flen + 8;
    buf = malloc(n);
    if (!buf) {
        fclose(fp);
        return etlc_error_set(err, ETLC_NO_MEMORY, "out of memory reading \"%s\"", path);
    }
    uint8_t head[4];
    if (fseek(fp, 0, SEEK_SET) != 0 || fread(head, 1, 4, fp) != 4 ||
        fseek(fp, size - 8 - (long)flen, SEEK_SET) != 0 || fread(buf + 4, 1, flen, fp) != flen) {
        rc = etlc_error_set(err, ETLC_IO, "cannot read \"%s\"", path);
    } else {
        memcpy(buf, head, 4);
        memcpy(buf + 4 + flen, tail, 8);
        rc = etlc_parquet_inspect(buf, n, json, err);
        if (rc)
            etlc_error_prefix(err, "%s", path);
    }
    free(buf);
    fclose(fp);
    return rc;
}
