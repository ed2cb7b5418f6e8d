/* Neo4j's temporal and spatial structures: checks of their fields,
 * conversion to etlconn's DATE / TIMESTAMP (UTC microseconds), and their
 * ISO-8601 text (kept to the nanosecond) for TEXT columns and JSON. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "neo4j_internal.h"
#include "neo4j_temporal.h"

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int bad_struct(etlc_error *err, uint8_t tag, const char *what)
{
    return etlc_error_set(err, ETLC_PROTOCOL, "neo4j: malformed structure '%c' (0x%02X): %s", tag, tag, what);
}

/* Field i of struct v as an int; ETLC_PROTOCOL when absent or not an int. */
int etlc__n4j_field_int(const n4j_msg *m, const n4j_val *v, size_t i, int64_t *out, etlc_error *err)
{
    if (i >= v->count || n4j_child(m, v, i)->kind != N4J_INT)
        return bad_struct(err, v->tag, "a field is missing or not an integer");
    *out = n4j_child(m, v, i)->u.i;
    return ETLC_OK;
}

int etlc__n4j_instant(const n4j_msg *m, const n4j_val *v, n4j_instant *t, etlc_error *err)
{
    memset(t, 0, sizeof *t);
    int rc = ETLC_OK;
    switch (v->tag) {
    case N4J_TAG_DATE: rc = etlc__n4j_field_int(m, v, 0, &t->days, err); t->has_date = true; break;
    case N4J_TAG_LOCAL_TIME: rc = etlc__n4j_field_int(m, v, 0, &t->nanos, err); t->has_time = true; break;
    case N4J_TAG_TIME:
        if ((rc = etlc__n4j_field_int(m, v, 0, &t->nanos, err)) == ETLC_OK)
            rc = etlc__n4j_field_int(m, v, 1, &t->offset_s, err);
        t->has_time = t->has_offset = true;
        break;
    case N4J_TAG_LOCAL_DATE_TIME:
    case N4J_TAG_DATE_TIME:
    case N4J_TAG_DATE_TIME_ZONE_ID:
    case N4J_TAG_LEGACY_DATE_TIME:
        if ((rc = etlc__n4j_field_int(m, v, 0, &t->seconds, err)) == ETLC_OK)
            rc = etlc__n4j_field_int(m, v, 1, &t->nanos, err);
        t->has_date = t->has_time = true;
        if (rc == ETLC_OK && (v->tag == N4J_TAG_DATE_TIME || v->tag == N4J_TAG_LEGACY_DATE_TIME)) {
            rc = etlc__n4j_field_int(m, v, 2, &t->offset_s, err);
            t->has_offset = true;
            if (rc == ETLC_OK && (t->seconds < -(1LL << 55) || t->seconds > (1LL << 55) ||
                                  t->offset_s < -86400 * 2 || t->offset_s > 86400 * 2))
                return bad_struct(err, v->tag, "seconds or offset out of range");
            if (rc == ETLC_OK && v->tag == N4J_TAG_LEGACY_DATE_TIME)
                t->seconds -= t->offset_s; /* legacy form: local seconds */
        }
        if (rc == ETLC_OK && v->tag == N4J_TAG_DATE_TIME_ZONE_ID) {
            const n4j_val *z = v->count > 2 ? n4j_child(m, v, 2) : NULL;
            if (!z || z->kind != N4J_STRING)
                return bad_struct(err, v->tag, "the zone id is missing");
            t->zone = n4j_str(m, z);
            t->zone_len = z->count;
        }
        break;
    case N4J_TAG_LEGACY_DATE_TIME_ZONE_ID:
        return etlc_error_set(err, ETLC_DATA_TYPE,
                              "neo4j: a date-time with a zone id arrived in the legacy Bolt 4.4 form (local "
                              "time, no UTC patch); etlconn cannot convert it without a time zone database: "
                              "use Bolt 5 (bolt_version auto or 5)");
    default: return bad_struct(err, v->tag, "not a temporal structure");
    }
    if (rc == ETLC_OK && (t->nanos < 0 || t->nanos > (t->has_date ? 999999999 : 86399999999999LL)))
        return bad_struct(err, v->tag, "nanoseconds out of range");
    if (rc == ETLC_OK && t->has_date && v->tag != N4J_TAG_DATE) {
        /* Neo4j's years stay within +-999,999,999 (about 3.2e16 s): refuse more, so no sum overflows. */
        if (t->seconds < -(1LL << 55) || t->seconds > (1LL << 55) || t->offset_s < -86400 * 2 || t->offset_s > 86400 * 2)
            return bad_struct(err, v->tag, "seconds or offset out of range");
        t->days = floor_div(t->seconds, 86400);
    }
    if (rc == ETLC_OK && t->has_offset && (t->offset_s < -86400 * 2 || t->offset_s > 86400 * 2))
        return bad_struct(err, v->tag, "offset out of range");
    return rc;
}

int etlc__n4j_timestamp_us(const n4j_instant *t, int64_t *us, etlc_error *err)
{
    const int64_t lim = INT64_MAX / 1000000 - 1;
    if (t->seconds < -lim || t->seconds > lim)
        return etlc_error_set(err, ETLC_DATA_TYPE,
                              "neo4j: date-time %" PRId64 " s from 1970 is outside the microsecond timestamp range "
                              "(about years -290307 to 294246)", t->seconds);
    *us = t->seconds * 1000000 + t->nanos / 1000;
    return ETLC_OK;
}

static void put_offset(etlc__buf *b, int64_t off)
{
    if (off == 0) {
        etlc__buf_putc(b, 'Z');
        return;
    }
    int64_t a = off < 0 ? -off : off;
    etlc__buf_printf(b, "%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 3600), (int)(a / 60 % 60));
    if (a % 60)
        etlc__buf_printf(b, ":%02d", (int)(a % 60));
}

/* ".fffffffff" without trailing zeros; nothing for 0. */
static void put_frac(etlc__buf *b, int64_t nanos)
{
    if (!nanos)
        return;
    char tmp[16];
    int n = snprintf(tmp, sizeof tmp, ".%09d", (int)nanos);
    while (n > 1 && tmp[n - 1] == '0')
        tmp[--n] = '\0';
    etlc__buf_puts(b, tmp);
}

static void put_clock(etlc__buf *b, int64_t secs_of_day, int64_t nanos)
{
    etlc__buf_printf(b, "%02d:%02d:%02d", (int)(secs_of_day / 3600), (int)(secs_of_day / 60 % 60),
                     (int)(secs_of_day % 60));
    put_frac(b, nanos);
}

static void put_date(etlc__buf *b, int64_t days)
{
    int64_t y;
    unsigned mo, d;
    etlc_civil_from_days(days, &y, &mo, &d);
    if (y >= 0 && y <= 9999)
        etlc__buf_printf(b, "%04d-%02u-%02u", (int)y, mo, d);
    else /* ISO 8601 expanded years: a sign and at least four digits */
        etlc__buf_printf(b, "%c%04" PRIu64 "-%02u-%02u", y < 0 ? '-' : '+', y < 0 ? (uint64_t)0 - (uint64_t)y : (uint64_t)y, mo, d);
}

int etlc__n4j_temporal_text(etlc__buf *b, const n4j_msg *m, const n4j_val *v, etlc_error *err)
{
    if (v->tag == N4J_TAG_DURATION) {
        int64_t mo = 0, d = 0, s = 0, ns = 0;
        int rc = etlc__n4j_field_int(m, v, 0, &mo, err);
        if (rc == ETLC_OK && (rc = etlc__n4j_field_int(m, v, 1, &d, err)) == ETLC_OK &&
            (rc = etlc__n4j_field_int(m, v, 2, &s, err)) == ETLC_OK)
            rc = etlc__n4j_field_int(m, v, 3, &ns, err);
        if (rc != ETLC_OK)
            return rc;
        if (ns < 0 || ns > 999999999)
            return bad_struct(err, v->tag, "nanoseconds out of range");
        bool neg = s < 0 && ns > 0;
        uint64_t whole = neg ? (uint64_t)(-(s + 1)) : (s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s);
        int64_t frac = neg ? 1000000000 - ns : ns;
        etlc__buf_printf(b, "P%" PRId64 "M%" PRId64 "DT%s%" PRIu64, mo, d, (neg || s < 0) ? "-" : "", whole);
        put_frac(b, frac);
        return etlc__buf_putc(b, 'S') == 0 ? ETLC_OK : etlc_error_set(err, ETLC_NO_MEMORY, "neo4j: out of memory");
    }
    n4j_instant t;
    int rc = etlc__n4j_instant(m, v, &t, err);
    if (rc != ETLC_OK)
        return rc;
    if (v->tag == N4J_TAG_DATE) {
        put_date(b, t.days);
    } else if (!t.has_date) {
        put_clock(b, t.nanos / 1000000000, t.nanos % 1000000000);
        if (t.has_offset)
            put_offset(b, t.offset_s);
    } else {
        /* Shown in the value's own offset; a zone id is shown as UTC + [zone]. */
        int64_t local = t.seconds + (t.has_offset ? t.offset_s : 0);
        int64_t day = floor_div(local, 86400);
        put_date(b, day);
        etlc__buf_putc(b, 'T');
        put_clock(b, local - day * 86400, t.nanos);
        if (t.has_offset)
            put_offset(b, t.offset_s);
        else if (t.zone)
            etlc__buf_printf(b, "Z[%.*s]", (int)t.zone_len, t.zone);
    }
    return b->data ? ETLC_OK : etlc_error_set(err, ETLC_NO_MEMORY, "neo4j: out of memory");
}
