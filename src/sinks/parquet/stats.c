/* Column layouts (etlconn type -> Parquet types) and min/max statistics. */
#include <math.h>
#include <string.h>

#include "sinks/parquet/pq.h"

void pq_layout_for(const etlc_column_def *def, pq_layout *l)
{
    memset(l, 0, sizeof *l);
    l->converted = PQ_CT_NONE;
    l->logical = PQ_LT_NONE;
    switch (def->type) {
    case ETLC_TYPE_NULL:
        l->phys = PQ_INT32;
        l->logical = PQ_LT_NULL;
        break;
    case ETLC_TYPE_BOOL: l->phys = PQ_BOOLEAN; break;
    case ETLC_TYPE_INT64: l->phys = PQ_INT64; break;
    case ETLC_TYPE_DOUBLE: l->phys = PQ_DOUBLE; break;
    case ETLC_TYPE_BYTES: l->phys = PQ_BYTE_ARRAY; break;
    case ETLC_TYPE_DATE:
        l->phys = PQ_INT32;
        l->converted = PQ_CT_DATE;
        l->logical = PQ_LT_DATE;
        break;
    case ETLC_TYPE_TIMESTAMP:
        l->phys = PQ_INT64;
        l->converted = PQ_CT_TIMESTAMP_MICROS;
        l->logical = PQ_LT_TIMESTAMP;
        break;
    case ETLC_TYPE_JSON:
        l->phys = PQ_BYTE_ARRAY;
        l->converted = PQ_CT_JSON;
        l->logical = PQ_LT_JSON;
        break;
    case ETLC_TYPE_DECIMAL:
        if (def->precision > 0 && def->precision <= 38 && def->scale >= 0 &&
            def->scale <= def->precision) {
            l->decimal_int = true;
            l->precision = def->precision;
            l->scale = def->scale;
            l->converted = PQ_CT_DECIMAL;
            l->logical = PQ_LT_DECIMAL;
            if (def->precision <= 18) {
                l->phys = PQ_INT64;
            } else {
                l->phys = PQ_FLBA;
                l->type_length = pq_decimal_bytes(def->precision);
            }
            break;
        }
        /* Unknown or out-of-range precision: exact text. */
        /* fall through */
    case ETLC_TYPE_TEXT:
    default:
        l->phys = PQ_BYTE_ARRAY;
        l->converted = PQ_CT_UTF8;
        l->logical = PQ_LT_STRING;
        break;
    }
}

void pq_stats_reset(pq_stats *s)
{
    s->null_count = 0;
    s->has_minmax = false;
    etlc__buf_reset(&s->bmin);
    etlc__buf_reset(&s->bmax);
}

void pq_stats_free(pq_stats *s)
{
    etlc__buf_free(&s->bmin);
    etlc__buf_free(&s->bmax);
    memset(s, 0, sizeof *s);
}

int pq_bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

static int set_buf(etlc__buf *b, const void *p, size_t len)
{
    etlc__buf_reset(b);
    return etlc__buf_append(b, p, len);
}

int pq_stats_merge(pq_stats *into, const pq_stats *from, int phys)
{
    into->null_count += from->null_count;
    if (!from->has_minmax)
        return 0;
    if (!into->has_minmax) {
        into->imin = from->imin;
        into->imax = from->imax;
        into->dmin = from->dmin;
        into->dmax = from->dmax;
        into->qmin = from->qmin;
        into->qmax = from->qmax;
        if (phys == PQ_BYTE_ARRAY &&
            (set_buf(&into->bmin, from->bmin.data, from->bmin.len) != 0 ||
             set_buf(&into->bmax, from->bmax.data, from->bmax.len) != 0))
            return -1;
        into->has_minmax = true;
        return 0;
    }
    switch (phys) {
    case PQ_DOUBLE:
        if (from->dmin < into->dmin) into->dmin = from->dmin;
        if (from->dmax > into->dmax) into->dmax = from->dmax;
        break;
    case PQ_FLBA:
        if (from->qmin < into->qmin) into->qmin = from->qmin;
        if (from->qmax > into->qmax) into->qmax = from->qmax;
        break;
    case PQ_BYTE_ARRAY:
        if (pq_bytes_cmp((const uint8_t *)from->bmin.data, from->bmin.len,
                         (const uint8_t *)into->bmin.data, into->bmin.len) < 0 &&
            set_buf(&into->bmin, from->bmin.data, from->bmin.len) != 0)
            return -1;
        if (pq_bytes_cmp((const uint8_t *)from->bmax.data, from->bmax.len,
                         (const uint8_t *)into->bmax.data, into->bmax.len) > 0 &&
            set_buf(&into->bmax, from->bmax.data, from->bmax.len) != 0)
            return -1;
        break;
    default:
        if (from->imin < into->imin) into->imin = from->imin;
        if (from->imax > into->imax) into->imax = from->imax;
    }
    return 0;
}

bool pq_stats_bytes(const pq_stats *s, const pq_layout *l, uint8_t *minb, size_t *minlen,
                    uint8_t *maxb, size_t *maxlen, const uint8_t **minp, const uint8_t **maxp)
{
    if (!s->has_minmax || l->logical == PQ_LT_NULL)
        return false;
    *minp = minb;
    *maxp = maxb;
    switch (l->phys) {
    case PQ_BOOLEAN:
        minb[0] = (uint8_t)(s->imin != 0);
        maxb[0] = (uint8_t)(s->imax != 0);
        *minlen = *maxlen = 1;
        return true;
    case PQ_INT32:
        pq_write_le32(minb, (uint32_t)(int32_t)s->imin);
        pq_write_le32(maxb, (uint32_t)(int32_t)s->imax);
        *minlen = *maxlen = 4;
        return true;
    case PQ_INT64:
        pq_write_le64(minb, (uint64_t)s->imin);
        pq_write_le64(maxb, (uint64_t)s->imax);
        *minlen = *maxlen = 8;
        return true;
    case PQ_DOUBLE: {
        /* Spec: a zero min is written as -0.0 and a zero max as +0.0. */
        double mn = s->dmin == 0.0 ? -0.0 : s->dmin;
        double mx = s->dmax == 0.0 ? 0.0 : s->dmax;
        if (isnan(mn) || isnan(mx))
            return false;
        memcpy(minb, &mn, 8);
        memcpy(maxb, &mx, 8);
        *minlen = *maxlen = 8;
        return true;
    }
    case PQ_FLBA:
        pq_i128_to_be(s->qmin, minb, l->type_length);
        pq_i128_to_be(s->qmax, maxb, l->type_length);
        *minlen = *maxlen = (size_t)l->type_length;
        return true;
    case PQ_BYTE_ARRAY:
        if (s->bmin.len > PQ_STAT_MAX_LEN || s->bmax.len > PQ_STAT_MAX_LEN)
            return false;
        *minp = s->bmin.len ? (const uint8_t *)s->bmin.data : minb;
        *maxp = s->bmax.len ? (const uint8_t *)s->bmax.data : maxb;
        *minlen = s->bmin.len;
        *maxlen = s->bmax.len;
        return true;
    default:
        return false;
    }
}
